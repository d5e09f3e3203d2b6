/* SPDX-License-Identifier: MIT */
/*
 * Graphviz DOT: the vendor's "how to set up the firewall" picture drawn from
 * a policy.  The zone of every address outside the others (OUTSIDE) sits on
 * the left, the appliance's interface (ETH1) in the middle, the other zones
 * (INSIDE, cluster peers) on the right.  One arrow per zone, direction and
 * level, labelled with its ports: required solid, optional dashed, cluster
 * dotted, as the legend says.  `dot -Tsvg` turns it into a picture.
 * A fragment is a `subgraph cluster_NAME` to place inside another graph.
 */
#include <string.h>

#include "doc-common.h"

/* The addresses a zone's box lists; the rest are counted, so that a zone of
 * many networks does not draw a box taller than the picture. */
#define DOT_NODE_ADDRESSES 8u

/* Text inside a DOT double-quoted string: the DOT escaper of doc-common.h. */
static void dot_str(struct ps_buf *b, const char *s)
{
	ps_doc_text(b, PS_DOC_DOT, s);
}

/* Word-wraps `s` at about `width` bytes, each line left-justified ("\l"). */
static void dot_wrapped(struct ps_buf *b, const char *prefix, const char *s, size_t width)
{
	size_t col = 0;
	dot_str(b, prefix);
	col = strlen(prefix);
	while (s && *s) {
		while (*s == ' ')
			s++;
		size_t w = strcspn(s, " ");
		if (w == 0)
			break;
		if (col > 0 && col + 1 + w > width) {
			ps_buf_puts(b, "\\l  ");
			col = 2;
		} else if (col > 0 && col > strlen(prefix)) {
			ps_buf_putc(b, ' ');
			col++;
		}
		ps_doc_escape(b, PS_DOC_DOT, s, w);
		col += w;
		s += w;
	}
	ps_buf_puts(b, "\\l");
}

static void put_addresses(struct ps_buf *b, const struct ps_cidr_list *l)
{
	if (l->example)
		return;
	for (size_t i = 0; i < l->count && i < DOT_NODE_ADDRESSES; i++) {
		char text[PS_CIDR_TEXT_MAX];
		ps_buf_puts(b, "\\n");
		dot_str(b, portspec_cidr_format(&l->items[i], text, sizeof(text)));
	}
	if (l->count > DOT_NODE_ADDRESSES)
		ps_buf_printf(b, "\\n(%zu more)", l->count - DOT_NODE_ADDRESSES);
}

struct level_style {
	enum portspec_level level;
	const char *suffix;
	const char *attrs;
};

static const struct level_style level_styles[] = {
	{PORTSPEC_REQUIRED, "", "style=solid, penwidth=2, color=\"#202020\""},
	{PORTSPEC_OPTIONAL, " (optional)", "style=dashed, penwidth=1.5, color=\"#707070\""},
	{PORTSPEC_CLUSTER, " (cluster)", "style=dotted, penwidth=2, color=\"#1f5fa8\""},
};

static void put_zone(struct ps_buf *b, const struct ps_render *r, const struct portspec_zone *z,
		     const char *ind)
{
	const struct portspec_profile *pr = r->policy->profile;
	bool outside = z->kind == PORTSPEC_ZONE_COMPLEMENT;
	ps_buf_printf(b, "%ssubgraph \"cluster_%s_zone_%s\" {\n", ind, r->name, z->name);
	ps_buf_printf(b, "%s\tlabel=\"", ind);
	ps_doc_text_upper(b, PS_DOC_DOT, z->title ? z->title : z->name);
	ps_buf_printf(b, "\";\n%s\tstyle=\"rounded,filled\"; color=\"#909090\"; fillcolor=\"%s\";\n",
		      ind, outside ? "#fbeae6" : "#e6f2e6");
	ps_buf_printf(b, "%s\t\"%s_zone_%s\" [label=\"", ind, r->name, z->name);
	ps_doc_text_upper(b, PS_DOC_DOT, z->name);
	if (pr->zone_addresses && !outside)
		put_addresses(b, &pr->zone_addresses[z->index]);
	ps_buf_printf(b, "\", shape=%s, style=filled, fillcolor=white];\n%s}\n",
		      outside ? "ellipse" : "box", ind);
}

static void put_edges(struct ps_buf *b, const struct ps_render *r, const struct ps_doc_group *g,
		      const char *ind)
{
	bool left = g->zone->kind == PORTSPEC_ZONE_COMPLEMENT;
	bool in = g->direction == PORTSPEC_INBOUND;
	for (size_t l = 0; l < sizeof(level_styles) / sizeof(level_styles[0]); l++) {
		struct ps_buf ports;
		ps_buf_init(&ports);
		size_t n = ps_doc_ports(&ports, r->policy, g, (unsigned)level_styles[l].level);
		if (ports.failed)
			r->out->failed = true;
		if (n && !ports.failed) {
			/* Edges always run left to right so the zones keep their sides;
			 * the arrowhead shows the direction of the new connections. */
			if (left)
				ps_buf_printf(b, "%s\"%s_zone_%s\" -> \"%s_appliance\" [", ind, r->name,
					      g->zone->name, r->name);
			else
				ps_buf_printf(b, "%s\"%s_appliance\" -> \"%s_zone_%s\" [", ind, r->name,
					      r->name, g->zone->name);
			ps_buf_printf(b, "dir=%s, %s, label=\"%s%s:\\n", left == in ? "forward" : "back",
				      level_styles[l].attrs, in ? "INBOUND" : "OUTBOUND",
				      level_styles[l].suffix);
			dot_str(b, ports.data);
			ps_buf_puts(b, "\"];\n");
		}
		ps_buf_release(&ports);
	}
}

static void put_legend(struct ps_buf *b, const struct ps_render *r, bool either, const char *ind)
{
	const struct portspec_policy *p = r->policy;
	ps_buf_printf(b, "%s\"%s_legend\" [shape=note, fontsize=10, label=\"", ind, r->name);
	ps_buf_puts(b, "solid: required\\ldashed: optional\\ldotted: cluster\\l"
		       "arrows: direction of new connections\\l");
	if (either) {
		struct ps_buf note;
		ps_buf_init(&note);
		ps_doc_either_footnote(&note, p);
		if (note.failed)
			b->failed = true;
		else
			dot_wrapped(b, "* ", note.data, 60);
		ps_buf_release(&note);
	}
	for (size_t i = 0; i < portspec_policy_warning_count(p); i++)
		dot_wrapped(b, "! ", portspec_policy_warning(p, i), 60);
	ps_buf_puts(b, "\"];\n");
}

/* The graph's title and, for a whole graph, its look. */
static void put_graph_start(struct ps_buf *b, const struct ps_render *r, bool fragment)
{
	const struct portspec_spec *spec = r->policy->spec;
	if (fragment)
		ps_buf_printf(b, "\tsubgraph \"cluster_%s\" {\n\t\tlabel=\"", r->name);
	else
		ps_buf_printf(b, "digraph \"%s\" {\n\tlabel=\"", r->name);
	dot_str(b, spec->name ? spec->name : "portspec policy");
	if (spec->version) {
		ps_buf_putc(b, ' ');
		dot_str(b, spec->version);
	}
	ps_buf_puts(b, ": how to set up the firewall\";\n");
	if (!fragment) {
		ps_buf_puts(b, "\tlabelloc=t; fontname=\"Helvetica\"; fontsize=16;\n"
			       "\trankdir=LR; ranksep=2.2; nodesep=0.5;\n"
			       "\tnode [fontname=\"Helvetica\", fontsize=12];\n"
			       "\tedge [fontname=\"Helvetica\", fontsize=10];\n");
	}
}

/* The appliance's node: its interface's title, the spec's name, its addresses. */
static void put_appliance(struct ps_buf *b, const struct ps_render *r,
			  const struct ps_doc_group *groups, size_t ngroups, const char *ind)
{
	const struct portspec_policy *p = r->policy;
	const struct portspec_spec *spec = p->spec;
	const char *iface = NULL;
	for (size_t g = 0; g < ngroups && !iface; g++)
		iface = groups[g].interface;
	const char *title = ps_doc_interface_title(spec, iface);
	ps_buf_printf(b, "%s\"%s_appliance\" [shape=box3d, style=filled, "
		         "fillcolor=\"#e8eef8\", label=\"", ind, r->name);
	dot_str(b, title ? title : "appliance");
	ps_buf_puts(b, "\\n");
	dot_str(b, spec->name ? spec->name : "appliance");
	put_addresses(b, &p->profile->appliance);
	ps_buf_puts(b, "\"];\n");
}

/* Zones on the left (outside), then the appliance, then the rest. */
static void put_nodes(struct ps_buf *b, const struct ps_render *r,
		      const struct ps_doc_group *groups, size_t ngroups, const char *ind)
{
	const struct portspec_spec *spec = r->policy->spec;
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t z = 0; z < spec->nzones; z++) {
			const struct portspec_zone *zone = &spec->zones[z];
			bool left = zone->kind == PORTSPEC_ZONE_COMPLEMENT;
			bool used = false;
			for (size_t g = 0; g < ngroups && !used; g++)
				used = groups[g].zone == zone;
			if (used && left == (pass == 0))
				put_zone(b, r, zone, ind);
		}
		if (pass == 0)
			put_appliance(b, r, groups, ngroups, ind);
	}
}

static enum portspec_status render_dot(struct ps_render *r)
{
	const struct portspec_policy *p = r->policy;
	struct ps_buf *b = r->out;
	bool fragment = r->flags & PORTSPEC_RENDER_FRAGMENT;
	const char *ind = fragment ? "\t\t" : "\t";
	struct ps_doc_group groups[PS_DOC_MAX_GROUPS];
	size_t ngroups = ps_doc_groups(p, groups, PS_DOC_MAX_GROUPS);
	bool either = false;

	put_graph_start(b, r, fragment);
	put_nodes(b, r, groups, ngroups, ind);
	for (size_t g = 0; g < ngroups; g++) {
		struct ps_buf ports;
		ps_buf_init(&ports);
		ps_doc_ports(&ports, p, &groups[g], PORTSPEC_LEVEL_ANY);
		either |= ports.data && strchr(ports.data, '*');
		if (ports.failed)
			b->failed = true; /* the legend would miss the either-note */
		ps_buf_release(&ports);
		put_edges(b, r, &groups[g], ind);
	}
	put_legend(b, r, either, ind);
	ps_buf_puts(b, fragment ? "\t}\n" : "}\n");
	return PORTSPEC_OK;
}

const struct ps_backend ps_backend_dot = {
	.name = "dot",
	.kind = PORTSPEC_BACKEND_DOCUMENT,
	.description = "Graphviz DOT: the \"how to set up the firewall\" picture (dot -Tsvg)",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_dot,
};

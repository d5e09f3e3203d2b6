/* SPDX-License-Identifier: MIT */
/*
 * The service matrix for one port (as in Diekmann et al., "Verified
 * iptables Firewall Analysis"): the address space split into the classes
 * whose members are treated alike as sources and as destinations, and which
 * class may open a connection to which.  The first packet of a connection is
 * asked for, at the hook's path or in one chain; an edge means every such
 * packet from the one class to the other is accepted, whatever its source
 * port and interfaces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_ATOMS 8192u

struct portspec_ruleset_matrix {
	struct pa_rendered out;
	size_t nclasses, nedges;
	size_t *edges; /* from, to pairs */
};

struct question {
	unsigned protocol, port;
};

static void question_cuts(struct pa_atom_builder *ab, void *userdata)
{
	const struct question *q = userdata;
	pa_atoms_cut(ab, PA_PROTO, pa_u(q->protocol), pa_u(q->protocol));
	pa_atoms_cut(ab, PA_DPORT, pa_u(q->port), pa_u(q->port));
	pa_atoms_same_addresses(ab);
}

/* Per cell (source atom, destination atom): the verdict kinds seen. */
#define C_ACCEPT 1u
#define C_DENY 2u
#define C_INDET 4u

struct grid {
	uint32_t n;
	uint8_t *cell; /* n * n */
};

static void fill(struct grid *g, const struct pa_result *r)
{
	uint8_t bit = r->v == PORTSPEC_VERDICT_ACCEPT ? C_ACCEPT
		      : r->v == PORTSPEC_VERDICT_INDETERMINATE ? C_INDET : C_DENY;
	const struct pa_ivs *s = &r->b.d[PA_SRC], *d = &r->b.d[PA_DST];
	for (uint32_t i = 0; i < s->n; i++)
		for (uint32_t a = s->v[i].lo; a <= s->v[i].hi; a++)
			for (uint32_t j = 0; j < d->n; j++)
				for (uint32_t b = d->v[j].lo; b <= d->v[j].hi; b++)
					g->cell[(size_t)a * g->n + b] |= bit;
}

/* Atoms with the same row and column are one class. */
static uint32_t *classes(const struct grid *g, uint32_t *nclasses)
{
	uint32_t *cls = ps_calloc(g->n, sizeof(*cls));
	uint32_t *rep = ps_calloc(g->n, sizeof(*rep)); /* an atom of each class */
	uint64_t *hash = ps_calloc(g->n, sizeof(*hash));
	if (!cls || !rep || !hash) {
		ps_free(cls);
		ps_free(rep);
		ps_free(hash);
		return NULL;
	}
	size_t n = g->n;
	for (size_t a = 0; a < n; a++) {
		uint64_t h = 1469598103934665603ull;
		for (size_t b = 0; b < n; b++) {
			h = (h ^ g->cell[a * n + b]) * 1099511628211ull;
			h = (h ^ g->cell[b * n + a]) * 1099511628211ull;
		}
		hash[a] = h;
	}
	uint32_t k = 0;
	for (size_t a = 0; a < n; a++) {
		uint32_t c = k;
		for (uint32_t j = 0; j < k && c == k; j++) {
			size_t r = rep[j];
			if (hash[r] != hash[a])
				continue;
			bool same = true;
			for (size_t b = 0; b < n && same; b++)
				same = g->cell[a * n + b] == g->cell[r * n + b] &&
				       g->cell[b * n + a] == g->cell[b * n + r];
			if (same)
				c = j;
		}
		if (c == k)
			rep[k++] = (uint32_t)a;
		cls[a] = c;
	}
	ps_free(rep);
	ps_free(hash);
	*nclasses = k;
	return cls;
}

struct build {
	struct ps_buf text, json;
	bool first_class;
	size_t nclasses, *edges, nedges, capedges;
	struct ps_buf partial, indet, edges_json;
	bool first_edge, first_partial, first_indet;
};

static bool add_edge(struct build *bd, size_t from, size_t to)
{
	if (bd->nedges == bd->capedges) {
		size_t cap = bd->capedges ? bd->capedges * 2 : 32;
		size_t *e = ps_reallocarray(bd->edges, cap, 2 * sizeof(*e));
		if (!e)
			return false;
		bd->edges = e;
		bd->capedges = cap;
	}
	bd->edges[2 * bd->nedges] = from;
	bd->edges[2 * bd->nedges + 1] = to;
	bd->nedges++;
	return true;
}

static void class_json(const struct pa_ctx *ctx, const uint32_t *cls, uint32_t n, uint32_t c,
		       struct ps_buf *json, struct ps_buf *text, size_t index)
{
	ps_buf_putc(json, '[');
	ps_buf_printf(text, "  class %zu (IPv%u):", index, ctx->family);
	bool first = true;
	for (uint32_t a = 0; a < n;) {
		if (cls[a] != c) {
			a++;
			continue;
		}
		uint32_t b = a;
		while (b + 1 < n && cls[b + 1] == c)
			b++;
		struct pa_u128 lo = pa_atom_first(&ctx->atoms[PA_SRC], a);
		struct pa_u128 hi = pa_atom_last(&ctx->atoms[PA_SRC], b);
		ps_buf_puts(json, first ? "" : ", ");
		pa_range_cidrs(json, ctx->family, lo, hi, ", ", true);
		ps_buf_putc(text, ' ');
		pa_range_cidrs(text, ctx->family, lo, hi, " ", false);
		first = false;
		a = b + 1;
	}
	ps_buf_putc(json, ']');
	ps_buf_putc(text, '\n');
}

static enum portspec_status matrix_family(const struct portspec_ruleset *rs,
					  const struct portspec_ruleset_matrix_query *mq, uint32_t chain,
					  unsigned family, struct build *bd,
					  struct portspec_error *err)
{
	struct question q = {mq->protocol == PORTSPEC_TCP ? 6 : 17, mq->port};
	enum portspec_hook hook = mq->hook ? mq->hook : PORTSPEC_HOOK_FORWARD;
	struct pa_ctx ctx;
	enum portspec_status st = pa_ctx_init(&ctx, rs, family, question_cuts, &q, err);
	struct pa_results res = {0};
	struct pa_box b;
	if (!st && ctx.atoms[PA_SRC].n > MAX_ATOMS)
		st = ps_error_set(err, PORTSPEC_E_LIMIT, NULL, 0, 0,
				  "the ruleset tells %u address ranges apart; the matrix takes at "
				  "most %u", ctx.atoms[PA_SRC].n, MAX_ATOMS);
	if (!st) {
		uint32_t a = pa_atom_of(&ctx.atoms[PA_STATE], pa_u(PA_ST_NEW));
		struct pa_ivs s;
		bool ok = pa_ctx_region_all(&ctx, hook, &b) &&
			  pa_box_restrict(&ctx, &b, PA_PROTO, pa_u(q.protocol), pa_u(q.protocol)) &&
			  pa_box_restrict(&ctx, &b, PA_DPORT, pa_u(q.port), pa_u(q.port)) &&
			  pa_ivs_single(&ctx.arena, &s, a, a) &&
			  pa_box_restrict_atoms(&ctx, &b, PA_STATE, &s);
		if (!ok)
			st = ctx.status ? ctx.status
					: ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	}
	if (!st)
		st = chain == PA_NONE ? pa_eval(&ctx, hook, &b, &res)
				      : pa_eval_chain(&ctx, hook, chain, &b, &res);
	struct grid g = {ctx.atoms[PA_SRC].n, NULL};
	uint32_t *cls = NULL, nc = 0;
	if (!st && !(g.cell = ps_calloc((size_t)g.n * g.n, 1)))
		st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	for (size_t i = 0; !st && i < res.n; i++)
		fill(&g, &res.r[i]);
	if (!st && !(cls = classes(&g, &nc)))
		st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	/* A representative atom of each class, for its row. */
	uint32_t *rep = NULL;
	if (!st && !(rep = ps_calloc(nc ? nc : 1, sizeof(*rep))))
		st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	for (uint32_t a = g.n; !st && a-- > 0;)
		rep[cls[a]] = a;
	size_t base = bd->nclasses;
	for (uint32_t c = 0; !st && c < nc; c++) {
		ps_buf_puts(&bd->json, bd->first_class ? "" : ", ");
		bd->first_class = false;
		class_json(&ctx, cls, g.n, c, &bd->json, &bd->text, base + c);
	}
	for (uint32_t x = 0; !st && x < nc; x++)
		for (uint32_t y = 0; !st && y < nc; y++) {
			uint8_t v = g.cell[(size_t)rep[x] * g.n + rep[y]];
			size_t from = base + x, to = base + y;
			if (v == C_ACCEPT) {
				if (!add_edge(bd, from, to))
					st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
				ps_buf_printf(&bd->edges_json, "%s[%zu, %zu]", bd->first_edge ? "" : ", ",
					      from, to);
				bd->first_edge = false;
			} else if (v & C_INDET) {
				ps_buf_printf(&bd->indet, "%s[%zu, %zu]", bd->first_indet ? "" : ", ",
					      from, to);
				bd->first_indet = false;
			} else if (v & C_ACCEPT) {
				ps_buf_printf(&bd->partial, "%s[%zu, %zu]",
					      bd->first_partial ? "" : ", ", from, to);
				bd->first_partial = false;
			}
		}
	bd->nclasses += nc;
	ps_free(rep);
	ps_free(cls);
	ps_free(g.cell);
	pa_results_release(&res);
	pa_ctx_release(&ctx);
	return st;
}

/* The text form of the edges: "0 -> 1, 2". */
static void edges_text(const struct build *bd, struct ps_buf *text)
{
	ps_buf_puts(text, "edges (from -> to: every such connection is accepted):\n");
	if (!bd->nedges)
		ps_buf_puts(text, "  none\n");
	for (size_t i = 0; i < bd->nedges;) {
		size_t from = bd->edges[2 * i];
		ps_buf_printf(text, "  %zu ->", from);
		for (; i < bd->nedges && bd->edges[2 * i] == from; i++)
			ps_buf_printf(text, " %zu", bd->edges[2 * i + 1]);
		ps_buf_putc(text, '\n');
	}
}

static uint32_t find_chain(const struct portspec_ruleset *rs, const char *name, unsigned *fams,
			   struct portspec_error *err)
{
	uint32_t found = PA_NONE;
	for (size_t i = 0; i < rs->nchains; i++) {
		if (strcmp(rs->chains[i].name, name))
			continue;
		if (found != PA_NONE) {
			ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				     "chain '%.64s' is in tables %s and %s: name it TABLE:CHAIN",
				     name, rs->chains[found].table, rs->chains[i].table);
			return PA_NONE - 1;
		}
		found = (uint32_t)i;
	}
	if (found == PA_NONE) {
		/* "TABLE:CHAIN", with the table as the output names it. */
		const char *colon = strrchr(name, ':');
		for (size_t i = 0; colon && i < rs->nchains; i++)
			if (!strcmp(rs->chains[i].name, colon + 1) &&
			    strlen(rs->chains[i].table) == (size_t)(colon - name) &&
			    !strncmp(rs->chains[i].table, name, (size_t)(colon - name)))
				found = (uint32_t)i;
	}
	if (found == PA_NONE) {
		ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no chain '%.64s' in the rulesets",
			     name);
		return PA_NONE - 1;
	}
	*fams = rs->chains[found].families;
	return found;
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_matrix(const struct portspec_ruleset *rs,
								   const struct portspec_ruleset_matrix_query *q,
								   struct portspec_ruleset_matrix **out,
								   struct portspec_error *err)
{
	if (!rs || !q || !out || q->size < sizeof(*q))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "no ruleset or question given (or its size is not set)");
	if (q->protocol != PORTSPEC_TCP && q->protocol != PORTSPEC_UDP)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "the protocol is tcp or udp");
	if (q->port < 1 || q->port > 65535)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "the port is 1 to 65535");
	if (q->hook && !portspec_hook_name(q->hook))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the hook is input, output or forward");
	unsigned fams = q->families ? q->families & rs->families : rs->families;
	uint32_t chain = PA_NONE;
	if (q->chain) {
		unsigned cf = 0;
		chain = find_chain(rs, q->chain, &cf, err);
		if (chain == PA_NONE - 1)
			return PORTSPEC_E_INVALID;
		fams &= cf;
	}
	if (!fams)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the rulesets cover none of the families asked for");
	struct build bd = {.first_class = true, .first_edge = true, .first_partial = true,
			   .first_indet = true};
	ps_buf_init(&bd.text);
	ps_buf_init(&bd.json);
	ps_buf_init(&bd.partial);
	ps_buf_init(&bd.indet);
	ps_buf_init(&bd.edges_json);
	enum portspec_hook hook = q->hook ? q->hook : PORTSPEC_HOOK_FORWARD;
	ps_buf_printf(&bd.text, "service matrix for %s/%u at %s", q->protocol == PORTSPEC_TCP ? "tcp" : "udp",
		      q->port, portspec_hook_name(hook));
	if (q->chain) {
		ps_buf_puts(&bd.text, ", chain ");
		pa_put_text(&bd.text, q->chain);
	}
	ps_buf_puts(&bd.text, "\nclasses (addresses treated alike as sources and destinations):\n");
	ps_buf_printf(&bd.json, "{\"protocol\": \"%s\", \"port\": %u, \"hook\": \"%s\", \"chain\": ",
		      q->protocol == PORTSPEC_TCP ? "tcp" : "udp", q->port,
		      portspec_hook_name(hook));
	pa_json_string(&bd.json, q->chain);
	ps_buf_puts(&bd.json, ", \"classes\": [");
	enum portspec_status st = PORTSPEC_OK;
	for (unsigned f = 4; !st && f <= 6; f += 2)
		if (fams & (f == 4 ? PA_FAM4 : PA_FAM6))
			st = matrix_family(rs, q, chain, f, &bd, err);
	struct portspec_ruleset_matrix *m = NULL;
	if (!st) {
		edges_text(&bd, &bd.text);
		if (bd.partial.len)
			ps_buf_printf(&bd.text, "partly accepted (some source ports or interfaces): %s\n",
				      bd.partial.data);
		if (bd.indet.len)
			ps_buf_printf(&bd.text, "indeterminate (a match not modelled): %s\n",
				      bd.indet.data);
		ps_buf_puts(&bd.json, "], \"edges\": [");
		pa_buf_append(&bd.json, &bd.edges_json);
		ps_buf_puts(&bd.json, "], \"partial\": [");
		pa_buf_append(&bd.json, &bd.partial);
		ps_buf_puts(&bd.json, "], \"indeterminate\": [");
		pa_buf_append(&bd.json, &bd.indet);
		ps_buf_puts(&bd.json, "]}\n");
		m = ps_calloc(1, sizeof(*m));
		if (m && pa_rendered_take(&m->out, &bd.text, &bd.json)) {
			m->nclasses = bd.nclasses;
			m->nedges = bd.nedges;
			m->edges = bd.edges;
			bd.edges = NULL;
		} else {
			ps_free(m);
			m = NULL;
			st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		}
	}
	ps_buf_release(&bd.text);
	ps_buf_release(&bd.json);
	ps_buf_release(&bd.partial);
	ps_buf_release(&bd.indet);
	ps_buf_release(&bd.edges_json);
	ps_free(bd.edges);
	if (!st)
		*out = m;
	return st;
}

PORTSPEC_AUDIT_EXPORT void portspec_ruleset_matrix_free(struct portspec_ruleset_matrix *m)
{
	if (!m)
		return;
	pa_rendered_release(&m->out);
	ps_free(m->edges);
	ps_free(m);
}

PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_matrix_class_count(const struct portspec_ruleset_matrix *m)
{
	return m ? m->nclasses : 0;
}

PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_matrix_edge_count(const struct portspec_ruleset_matrix *m)
{
	return m ? m->nedges : 0;
}

PORTSPEC_AUDIT_EXPORT bool portspec_ruleset_matrix_edge(const struct portspec_ruleset_matrix *m, size_t index,
						size_t *from, size_t *to)
{
	if (!m || index >= m->nedges)
		return false;
	if (from)
		*from = m->edges[2 * index];
	if (to)
		*to = m->edges[2 * index + 1];
	return true;
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_matrix_write(const struct portspec_ruleset_matrix *m,
								 enum portspec_audit_format format,
								 portspec_sink_fn sink, void *userdata)
{
	return m ? pa_rendered_write(&m->out, format, sink, userdata) : PORTSPEC_E_INVALID;
}

/* SPDX-License-Identifier: MIT */
/*
 * Results as classes people read: boxes of atoms back to values (CIDRs,
 * port ranges, interface names), merged where they differ in one dimension
 * only, and written as text or JSON.  Every string that came from a ruleset
 * is escaped for JSON, and its control characters replaced in text, so that
 * a ruleset cannot forge output lines or terminal escapes.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const dim_names[PA_NDIMS] = {
	"protocol", "src", "dst", "sport", "dport", "icmp", "iif", "oif", "state", "ttl",
};

const char *pa_dim_name(enum pa_dim d)
{
	return dim_names[d];
}

static const char *const state_names[PA_NSTATES] = {
	"invalid", "new", "established", "reply", "related", "untracked",
};

void pa_json_string(struct ps_buf *b, const char *s)
{
	if (!s) {
		ps_buf_puts(b, "null");
		return;
	}
	ps_buf_putc(b, '"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			ps_buf_printf(b, "\\%c", *c);
		else if (*c == '\n')
			ps_buf_puts(b, "\\n");
		else if (*c == '\t')
			ps_buf_puts(b, "\\t");
		else if (*c < 0x20 || *c == 0x7f)
			ps_buf_printf(b, "\\u%04x", *c);
		else
			ps_buf_putc(b, (char)*c);
	}
	ps_buf_putc(b, '"');
}

void pa_put_text(struct ps_buf *b, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; c && *c; c++)
		ps_buf_putc(b, *c < 0x20 || *c == 0x7f ? ' ' : (char)*c);
}

bool pa_dim_full(const struct pa_ctx *ctx, const struct pa_box *b, enum pa_dim d)
{
	return pa_ivs_equal(&b->d[d], &ctx->full[d]);
}

static void value_range(const struct pa_ctx *ctx, enum pa_dim d, const struct pa_iv *iv,
			struct pa_u128 *lo, struct pa_u128 *hi)
{
	*lo = pa_atom_first(&ctx->atoms[d], iv->lo);
	*hi = pa_atom_last(&ctx->atoms[d], iv->hi);
}

static void iface_name(const struct pa_atoms *a, uint32_t atom, struct ps_buf *out, bool json)
{
	char buf[PA_MAX_NAME + 8];
	switch (a->kinds[atom]) {
	case PA_IFA_NONE: snprintf(buf, sizeof(buf), "(none)"); break;
	case PA_IFA_NAME: snprintf(buf, sizeof(buf), "%s", a->names[atom]); break;
	case PA_IFA_PREFIX: snprintf(buf, sizeof(buf), "%s*", a->names[atom]); break;
	case PA_IFA_OTHER: snprintf(buf, sizeof(buf), "(any other)"); break;
	}
	if (json)
		pa_json_string(out, buf);
	else
		pa_put_text(out, buf);
}

static void icmp_value(struct ps_buf *out, struct pa_u128 lo, struct pa_u128 hi)
{
	unsigned a = (unsigned)lo.lo, b = (unsigned)hi.lo;
	if ((a & 0xff) == 0 && (b & 0xff) == 0xff) {
		ps_buf_printf(out, "%u", a >> 8);
		if (b >> 8 != a >> 8)
			ps_buf_printf(out, "-%u", b >> 8);
		return;
	}
	ps_buf_printf(out, "%u/%u", a >> 8, a & 0xff);
	if (b != a)
		ps_buf_printf(out, "-%u/%u", b >> 8, b & 0xff);
}

/* Writes the atoms of one interval list of dimension d. */
static void intervals_text(const struct pa_ctx *ctx, enum pa_dim d, const struct pa_iv *v,
			   uint32_t n, struct ps_buf *out)
{
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			ps_buf_puts(out, d == PA_SRC || d == PA_DST ? " " : ",");
		if (d == PA_IIF || d == PA_OIF || d == PA_STATE) {
			for (uint32_t a = v[i].lo; a <= v[i].hi; a++) {
				if (a > v[i].lo)
					ps_buf_putc(out, ',');
				if (d == PA_STATE)
					ps_buf_puts(out, state_names[pa_atom_first(&ctx->atoms[d], a).lo]);
				else
					iface_name(&ctx->atoms[d], a, out, false);
			}
			continue;
		}
		struct pa_u128 lo, hi;
		value_range(ctx, d, &v[i], &lo, &hi);
		if (d == PA_SRC || d == PA_DST) {
			pa_range_cidrs(out, ctx->family, lo, hi, " ", false);
		} else if (d == PA_ICMP) {
			icmp_value(out, lo, hi);
		} else if (d == PA_PROTO && pa_cmp(lo, hi) == 0) {
			char buf[32];
			ps_buf_puts(out, pa_protocol_label((unsigned)lo.lo, buf, sizeof(buf)));
		} else if (pa_cmp(lo, hi) == 0) {
			ps_buf_printf(out, "%llu", (unsigned long long)lo.lo);
		} else {
			ps_buf_printf(out, "%llu-%llu", (unsigned long long)lo.lo,
				      (unsigned long long)hi.lo);
		}
	}
}

/* The gaps of s within [first, last], at most `cap` of them into v. */
static uint32_t gaps(const struct pa_ivs *s, uint32_t first, uint32_t last, struct pa_iv *v,
		     uint32_t cap)
{
	uint32_t n = 0, next = first;
	for (uint32_t i = 0; i < s->n && next <= last; i++) {
		if (s->v[i].hi < next)
			continue;
		if (s->v[i].lo > next) {
			if (n < cap)
				v[n] = (struct pa_iv){next, s->v[i].lo - 1 < last ? s->v[i].lo - 1 : last};
			n++;
		}
		if (s->v[i].hi >= last)
			return n;
		next = s->v[i].hi + 1;
	}
	if (next <= last) {
		if (n < cap)
			v[n] = (struct pa_iv){next, last};
		n++;
	}
	return n;
}

void pa_dim_text(const struct pa_ctx *ctx, const struct pa_box *b, enum pa_dim d,
		 struct ps_buf *out)
{
	const struct pa_ivs *s = &b->d[d];
	if (pa_dim_full(ctx, b, d)) {
		ps_buf_puts(out, "any");
		return;
	}
	if (!s->n) {
		ps_buf_puts(out, "nothing");
		return;
	}
	/* "not X" when what is left out is shorter to say: the complement in
	 * the dimension (for interfaces, of the real ones when "no interface"
	 * is not in the set either). */
	uint32_t first = 0, last = ctx->atoms[d].n - 1;
	if ((d == PA_IIF || d == PA_OIF) && s->v[0].lo > 0)
		first = 1;
	struct pa_iv g[8];
	uint32_t ng = gaps(s, first, last, g, 8);
	bool iface = d == PA_IIF || d == PA_OIF;
	if ((ng < s->n || (iface && ng == s->n)) && ng <= 8 && ng > 0) {
		ps_buf_puts(out, "not ");
		intervals_text(ctx, d, g, ng, out);
		return;
	}
	intervals_text(ctx, d, s->v, s->n, out);
}

void pa_dim_json(const struct pa_ctx *ctx, const struct pa_box *b, enum pa_dim d,
		 struct ps_buf *out)
{
	const struct pa_ivs *s = &b->d[d];
	ps_buf_putc(out, '[');
	bool first = true;
	for (uint32_t i = 0; i < s->n; i++) {
		if (d == PA_IIF || d == PA_OIF || d == PA_STATE || d == PA_PROTO) {
			for (uint32_t a = s->v[i].lo; a <= s->v[i].hi; a++) {
				if (d == PA_PROTO) {
					/* Protocol atoms can be ranges: one name or number each. */
					struct pa_u128 lo = pa_atom_first(&ctx->atoms[d], a);
					struct pa_u128 hi = pa_atom_last(&ctx->atoms[d], a);
					for (uint64_t p = lo.lo; p <= hi.lo; p++) {
						char buf[32];
						ps_buf_puts(out, first ? "" : ", ");
						pa_json_string(out, pa_protocol_label((unsigned)p, buf,
										      sizeof(buf)));
						first = false;
					}
					continue;
				}
				ps_buf_puts(out, first ? "" : ", ");
				first = false;
				if (d == PA_STATE)
					pa_json_string(out,
						       state_names[pa_atom_first(&ctx->atoms[d], a).lo]);
				else
					iface_name(&ctx->atoms[d], a, out, true);
			}
			continue;
		}
		struct pa_u128 lo, hi;
		value_range(ctx, d, &s->v[i], &lo, &hi);
		ps_buf_puts(out, first ? "" : ", ");
		first = false;
		if (d == PA_SRC || d == PA_DST)
			pa_range_cidrs(out, ctx->family, lo, hi, ", ", true);
		else
			ps_buf_printf(out, "[%llu, %llu]", (unsigned long long)lo.lo,
				      (unsigned long long)hi.lo);
	}
	ps_buf_putc(out, ']');
}

void pa_buf_append(struct ps_buf *out, const struct ps_buf *part)
{
	if (part->failed)
		out->failed = true;
	else if (part->len)
		ps_buf_add(out, part->data, part->len);
}

void pa_rule_json(const struct portspec_ruleset *rs, uint32_t rule, struct ps_buf *out)
{
	if (rule == PA_NONE) {
		ps_buf_puts(out, "null");
		return;
	}
	const struct pa_rule *r = &rs->rules[rule];
	const struct pa_chain *c = &rs->chains[r->chain];
	struct ps_buf where;
	ps_buf_init(&where);
	pa_rule_where(rs, rule, &where);
	ps_buf_puts(out, "{\"where\": ");
	if (where.failed)
		out->failed = true;
	pa_json_string(out, where.data ? where.data : "");
	ps_buf_release(&where);
	ps_buf_puts(out, ", \"file\": ");
	pa_json_string(out, pa_rule_file(rs, r));
	ps_buf_printf(out, ", \"line\": %u, \"column\": %u, \"table\": ", r->line, r->column);
	pa_json_string(out, c->table);
	ps_buf_puts(out, ", \"chain\": ");
	pa_json_string(out, c->name);
	if (r->action == PA_ACT_POLICY) {
		ps_buf_printf(out, ", \"policy\": \"%s\"", r->policy == PA_ACT_DROP ? "drop" : "accept");
	} else {
		ps_buf_puts(out, ", \"text\": ");
		pa_json_string(out, r->text ? r->text : "");
	}
	ps_buf_putc(out, '}');
}

static void rule_text(const struct portspec_ruleset *rs, uint32_t rule, struct ps_buf *out)
{
	pa_rule_line(rs, rule, "no rule (no chain at this hook)", out);
}

static const char *const stage_names[3] = {"new", "established", "reply"};

/* The dimensions worth showing: those not "any" (the state only when it is
 * not the first packet of a connection). */
void pa_class_text(const struct pa_ctx *ctx, const struct pa_box *b, struct ps_buf *out)
{
	static const struct {
		enum pa_dim d;
		const char *label;
	} order[] = {{PA_PROTO, ""}, {PA_SRC, "from "}, {PA_DST, "to "}, {PA_SPORT, "sport "},
		     {PA_DPORT, "dport "}, {PA_ICMP, "icmp "}, {PA_IIF, "in "}, {PA_OIF, "out "},
		     {PA_STATE, "state "}, {PA_TTL, "ttl "}};
	bool any = false;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum pa_dim d = order[i].d;
		bool show = !pa_dim_full(ctx, b, d);
		if (d == PA_SRC || d == PA_DST)
			show = true;
		if ((d == PA_IIF || d == PA_OIF) && b->d[d].n == 1 && b->d[d].v[0].lo == 0 &&
		    b->d[d].v[0].hi == 0)
			show = false; /* no interface on this side */
		if ((d == PA_IIF || d == PA_OIF) && b->d[d].n == 1 && b->d[d].v[0].lo == 1 &&
		    b->d[d].v[0].hi == ctx->atoms[d].n - 1)
			show = false; /* every interface */
		if (d == PA_STATE && b->d[d].n == 1 && b->d[d].v[0].lo == b->d[d].v[0].hi &&
		    pa_atom_first(&ctx->atoms[d], b->d[d].v[0].lo).lo == PA_ST_NEW)
			show = false; /* the first packet of a connection: what is asked */
		if (!show)
			continue;
		ps_buf_printf(out, "%s%s", any ? " " : "", order[i].label);
		if (d == PA_PROTO && pa_dim_full(ctx, b, d))
			ps_buf_puts(out, "any");
		else
			pa_dim_text(ctx, b, d, out);
		any = true;
	}
}

void pa_result_text(const struct pa_ctx *ctx, const struct pa_result *r, struct ps_buf *out,
		    const char *indent)
{
	ps_buf_printf(out, "%s%-13s IPv%u ", indent, portspec_ruleset_verdict_name(r->v), ctx->family);
	pa_class_text(ctx, &r->b, out);
	ps_buf_printf(out, "\n%s    ", indent);
	if (r->stage)
		ps_buf_printf(out, "the connection's %s packets: ",
			      r->stage == 1 ? "later" : "reply");
	if (r->v == PORTSPEC_VERDICT_INDETERMINATE || r->v == PORTSPEC_VERDICT_DENY) {
		const struct pa_rule *u = r->unknown_rule != PA_NONE
					  ? &ctx->rs->rules[r->unknown_rule] : NULL;
		ps_buf_puts(out, "depends on ");
		if (u && u->action == PA_ACT_INDET && u->arg)
			pa_put_text(out, u->arg);
		else
			ps_buf_puts(out, "a match not modelled");
		ps_buf_puts(out, ": ");
		rule_text(ctx->rs, r->unknown_rule, out);
	} else {
		ps_buf_puts(out, "by ");
		rule_text(ctx->rs, r->rule, out);
	}
	ps_buf_putc(out, '\n');
}

static void path_json(const struct pa_ctx *ctx, const struct pa_step *s, struct ps_buf *out)
{
	/* The steps are linked newest first. */
	size_t n = 0;
	for (const struct pa_step *t = s; t; t = t->prev)
		n++;
	const struct pa_step **v = ps_calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		out->failed = true;
		return;
	}
	size_t i = n;
	for (const struct pa_step *t = s; t; t = t->prev)
		v[--i] = t;
	ps_buf_putc(out, '[');
	for (i = 0; i < n; i++) {
		static const char *const kinds[] = {"match", "policy", "unknown", "skip"};
		ps_buf_printf(out, "%s{\"step\": \"%s\", \"rule\": ", i ? ", " : "", kinds[v[i]->kind]);
		pa_rule_json(ctx->rs, v[i]->rule, out);
		ps_buf_putc(out, '}');
	}
	ps_buf_putc(out, ']');
	ps_free(v);
}

void pa_result_json(const struct pa_ctx *ctx, const struct pa_result *r, struct ps_buf *out)
{
	ps_buf_printf(out, "{\"verdict\": \"%s\", \"family\": %u, \"stage\": \"%s\", \"class\": {",
		      portspec_ruleset_verdict_name(r->v), ctx->family, stage_names[r->stage]);
	bool first = true;
	for (int d = 0; d < PA_NDIMS; d++) {
		if (pa_dim_full(ctx, &r->b, (enum pa_dim)d))
			continue;
		ps_buf_printf(out, "%s\"%s\": ", first ? "" : ", ", dim_names[d]);
		pa_dim_json(ctx, &r->b, (enum pa_dim)d, out);
		first = false;
	}
	ps_buf_puts(out, "}, \"rule\": ");
	pa_rule_json(ctx->rs, r->rule, out);
	ps_buf_puts(out, ", \"unknown_rule\": ");
	pa_rule_json(ctx->rs, r->v == PORTSPEC_VERDICT_INDETERMINATE || r->v == PORTSPEC_VERDICT_DENY
				   ? r->unknown_rule : PA_NONE, out);
	if (r->v == PORTSPEC_VERDICT_INDETERMINATE || r->v == PORTSPEC_VERDICT_DENY) {
		const struct pa_rule *u = r->unknown_rule != PA_NONE
					  ? &ctx->rs->rules[r->unknown_rule] : NULL;
		ps_buf_puts(out, ", \"reason\": ");
		pa_json_string(out, u && u->action == PA_ACT_INDET && u->arg ? u->arg
				    : "a match not modelled");
	}
	if (ctx->trace) {
		ps_buf_puts(out, ", \"path\": ");
		path_json(ctx, r->path, out);
		if (r->path2 || r->path3) {
			ps_buf_puts(out, ", \"path_later\": ");
			path_json(ctx, r->path2, out);
			ps_buf_puts(out, ", \"path_reply\": ");
			path_json(ctx, r->path3, out);
		}
	}
	ps_buf_putc(out, '}');
}

/* ---- merging ---- */

struct merge_key {
	const struct pa_ctx *ctx;
	int skip;     /* the dimension that may differ */
	bool by_rule;
};

static int key_cmp(const struct merge_key *k, const struct pa_result *a, const struct pa_result *b)
{
	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	if (a->stage != b->stage)
		return a->stage < b->stage ? -1 : 1;
	if (a->hook != b->hook)
		return a->hook < b->hook ? -1 : 1;
	if (a->v_b != b->v_b)
		return a->v_b < b->v_b ? -1 : 1;
	if (k->by_rule) {
		if (a->rule_b != b->rule_b)
			return a->rule_b < b->rule_b ? -1 : 1;
		if (a->rule != b->rule)
			return a->rule < b->rule ? -1 : 1;
		if (a->unknown_rule != b->unknown_rule)
			return a->unknown_rule < b->unknown_rule ? -1 : 1;
	}
	for (int d = 0; d < PA_NDIMS; d++) {
		if (d == k->skip)
			continue;
		int c = pa_ivs_compare(&a->b.d[d], &b->b.d[d]);
		if (c)
			return c;
	}
	return 0;
}

static int full_cmp(const struct merge_key *k, const struct pa_result *a, const struct pa_result *b)
{
	int c = key_cmp(k, a, b);
	if (c || k->skip < 0)
		return c;
	return pa_ivs_compare(&a->b.d[k->skip], &b->b.d[k->skip]);
}

/* A merge sort with a context: qsort has none, and these results are
 * sorted by one dimension after another. */
static void sort_results(struct pa_result *v, struct pa_result *tmp, size_t n,
			 const struct merge_key *k)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_results(v, tmp, h, k);
	sort_results(v + h, tmp, n - h, k);
	size_t i = 0, j = h, o = 0;
	while (i < h && j < n)
		tmp[o++] = full_cmp(k, &v[j], &v[i]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[o++] = v[i++];
	while (j < n)
		tmp[o++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

enum portspec_status pa_results_merge(struct pa_ctx *ctx, struct pa_results *r, bool by_rule)
{
	if (r->n < 2)
		return PORTSPEC_OK;
	struct pa_result *tmp = ps_calloc(r->n, sizeof(*tmp));
	if (!tmp)
		return PORTSPEC_E_NOMEM;
	bool changed = true;
	for (int pass = 0; changed && pass < 8; pass++) {
		changed = false;
		for (int d = 0; d < PA_NDIMS; d++) {
			struct merge_key k = {ctx, d, by_rule};
			sort_results(r->r, tmp, r->n, &k);
			size_t o = 0;
			for (size_t i = 0; i < r->n; i++) {
				if (o && key_cmp(&k, &r->r[o - 1], &r->r[i]) == 0) {
					struct pa_ivs u;
					if (!pa_ivs_union(&ctx->arena, &u, &r->r[o - 1].b.d[d],
							  &r->r[i].b.d[d])) {
						ps_free(tmp);
						return PORTSPEC_E_NOMEM;
					}
					r->r[o - 1].b.d[d] = u;
					changed = true;
					continue;
				}
				r->r[o++] = r->r[i];
			}
			r->n = o;
		}
	}
	struct merge_key k = {ctx, -1, by_rule};
	sort_results(r->r, tmp, r->n, &k);
	ps_free(tmp);
	return PORTSPEC_OK;
}

bool pa_rendered_take(struct pa_rendered *r, struct ps_buf *text, struct ps_buf *json)
{
	memset(r, 0, sizeof(*r));
	r->text = ps_buf_steal(text, &r->text_len);
	r->json = ps_buf_steal(json, &r->json_len);
	if (r->text && r->json)
		return true;
	pa_rendered_release(r);
	return false;
}

void pa_rendered_release(struct pa_rendered *r)
{
	ps_free(r->text);
	ps_free(r->json);
	memset(r, 0, sizeof(*r));
}

enum portspec_status pa_rendered_write(const struct pa_rendered *r,
				       enum portspec_audit_format format, portspec_sink_fn sink,
				       void *userdata)
{
	if (!r || !sink || (format != PORTSPEC_AUDIT_TEXT && format != PORTSPEC_AUDIT_JSON))
		return PORTSPEC_E_INVALID;
	const char *s = format == PORTSPEC_AUDIT_JSON ? r->json : r->text;
	size_t n = format == PORTSPEC_AUDIT_JSON ? r->json_len : r->text_len;
	return n && sink(userdata, s, n) ? PORTSPEC_E_IO : PORTSPEC_OK;
}

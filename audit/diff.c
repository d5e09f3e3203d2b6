/* SPDX-License-Identifier: MIT */
/*
 * Diff: what one ruleset accepts and the other does not.  Both are analysed
 * on the same atoms (the cuts of both), at every hook, for every protocol
 * and connection state: each class of the first is evaluated again in the
 * second, and the classes where one accepts and the other does not are the
 * difference, with the rules on both sides.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct portspec_ruleset_diff {
	struct pa_rendered out;
	size_t ndiff, nindet;
};

static const enum portspec_hook hooks[] = {PORTSPEC_HOOK_INPUT, PORTSPEC_HOOK_FORWARD,
					   PORTSPEC_HOOK_OUTPUT};

#define NKINDS PA_NKINDS

static const char *const kind_keys[NKINDS] = {"only_a", "only_b", "indeterminate"};
static const char *const kind_titles[NKINDS] = {
	"accepted by A only", "accepted by B only",
	"indeterminate on one side (a match or target not modelled)"};

struct side_cuts {
	const struct portspec_ruleset *rs;
	unsigned family;
};

struct pair_cuts {
	struct side_cuts other;
	pa_cut_fn more;
	void *userdata;
};

/* The other ruleset's boundaries, so that both contexts have the same atoms. */
static void cuts_of(struct pa_atom_builder *ab, void *userdata)
{
	const struct side_cuts *s = userdata;
	unsigned f = pa_fam_index(s->family);
	pa_atoms_ruleset(ab, s->rs, s->family);
	for (int d = PA_SRC; d <= PA_DST; d++) {
		for (size_t i = 0; i < s->rs->host[f].n; i++)
			pa_atoms_cut(ab, d, s->rs->host[f].r[i].lo, s->rs->host[f].r[i].hi);
		for (size_t i = 0; i < s->rs->bcast[f].n; i++)
			pa_atoms_cut(ab, d, s->rs->bcast[f].r[i].lo, s->rs->bcast[f].r[i].hi);
	}
}

static void pair_cuts(struct pa_atom_builder *ab, void *userdata)
{
	struct pair_cuts *p = userdata;
	cuts_of(ab, &p->other);
	if (p->more)
		p->more(ab, p->userdata);
}

static bool same_atoms(const struct pa_ctx *a, const struct pa_ctx *b)
{
	for (int d = 0; d < PA_NDIMS; d++)
		if (a->atoms[d].n != b->atoms[d].n)
			return false;
	return true;
}

enum portspec_status pa_ctx_pair(struct pa_ctx *ca, struct pa_ctx *cb,
				 const struct portspec_ruleset *a, const struct portspec_ruleset *b,
				 unsigned family, pa_cut_fn cuts, void *userdata,
				 struct portspec_error *err)
{
	struct pair_cuts pa = {{b, family}, cuts, userdata}, pb = {{a, family}, cuts, userdata};
	memset(cb, 0, sizeof(*cb));
	enum portspec_status st = pa_ctx_init(ca, a, family, pair_cuts, &pa, err);
	if (!st)
		st = pa_ctx_init(cb, b, family, pair_cuts, &pb, err);
	if (!st && !same_atoms(ca, cb))
		st = ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				  "the two rulesets' classes do not line up");
	if (st) {
		pa_ctx_release(ca);
		pa_ctx_release(cb);
	}
	return st;
}

enum portspec_status pa_compare(struct pa_ctx *a, struct pa_ctx *b, enum portspec_hook hook,
				const struct pa_box *region, struct pa_results out[PA_NKINDS])
{
	struct pa_results ra = {0};
	if (pa_eval(a, hook, region, &ra)) {
		pa_results_release(&ra);
		return a->status;
	}
	enum portspec_status st = PORTSPEC_OK;
	for (size_t i = 0; !st && i < ra.n; i++) {
		struct pa_results rb = {0};
		if (pa_eval(b, hook, &ra.r[i].b, &rb)) {
			pa_results_release(&rb);
			st = b->status;
			break;
		}
		for (size_t j = 0; !st && j < rb.n; j++) {
			const struct pa_result *x = &ra.r[i], *y = &rb.r[j];
			bool ia = x->v == PORTSPEC_VERDICT_INDETERMINATE;
			bool ib = y->v == PORTSPEC_VERDICT_INDETERMINATE;
			enum pa_kind k;
			if (ia && ib)
				continue; /* neither side can tell: nothing to compare */
			if (ia || ib)
				k = PA_UNKNOWN;
			else if (pa_accepted(x->v) == pa_accepted(y->v))
				continue;
			else
				k = pa_accepted(x->v) ? PA_ONLY_A : PA_ONLY_B;
			struct pa_result d = *x;
			d.b = y->b;
			d.rule = ia ? x->unknown_rule : x->rule;
			d.v_b = (uint8_t)y->v;
			d.rule_b = ib ? y->unknown_rule : y->rule;
			d.hook = (uint8_t)hook;
			d.path = d.path2 = d.path3 = NULL;
			if (!pa_results_push(&out[k], &d))
				st = ps_error_set(a->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		}
		pa_results_release(&rb);
	}
	pa_results_release(&ra);
	return st;
}

/* ---- output ---- */

static void side_json(const struct portspec_ruleset *rs, enum portspec_verdict v, uint32_t rule,
		      struct ps_buf *out)
{
	ps_buf_printf(out, "{\"verdict\": \"%s\", \"rule\": ", portspec_ruleset_verdict_name(v));
	pa_rule_json(rs, rule, out);
	ps_buf_putc(out, '}');
}

static void item_json(const struct pa_ctx *a, const struct pa_ctx *b, const struct pa_result *d,
		      struct ps_buf *out)
{
	ps_buf_printf(out, "{\"hook\": \"%s\", \"family\": %u, \"class\": {",
		      portspec_hook_name(d->hook), a->family);
	bool first = true;
	for (int k = 0; k < PA_NDIMS; k++) {
		if (pa_dim_full(a, &d->b, (enum pa_dim)k))
			continue;
		ps_buf_printf(out, "%s\"%s\": ", first ? "" : ", ", pa_dim_name((enum pa_dim)k));
		pa_dim_json(a, &d->b, (enum pa_dim)k, out);
		first = false;
	}
	ps_buf_puts(out, "}, \"a\": ");
	side_json(a->rs, d->v, d->rule, out);
	ps_buf_puts(out, ", \"b\": ");
	side_json(b->rs, (enum portspec_verdict)d->v_b, d->rule_b, out);
	ps_buf_putc(out, '}');
}

static void side_text(const struct portspec_ruleset *rs, const char *name,
		      enum portspec_verdict v, uint32_t rule, struct ps_buf *out)
{
	ps_buf_printf(out, "      %s: %s by ", name, portspec_ruleset_verdict_name(v));
	if (rule == PA_NONE) {
		ps_buf_puts(out, "no rule (nothing filters this hook)");
	} else {
		pa_rule_where(rs, rule, out);
		const struct pa_rule *r = &rs->rules[rule];
		if (r->action != PA_ACT_POLICY && r->text) {
			ps_buf_puts(out, ": ");
			pa_put_text(out, r->text);
		}
	}
	ps_buf_putc(out, '\n');
}

static void item_text(const struct pa_ctx *a, const struct pa_ctx *b, const struct pa_result *d,
		      struct ps_buf *out)
{
	ps_buf_printf(out, "  %s IPv%u ", portspec_hook_name(d->hook), a->family);
	pa_class_text(a, &d->b, out);
	ps_buf_putc(out, '\n');
	side_text(a->rs, "A", d->v, d->rule, out);
	side_text(b->rs, "B", (enum portspec_verdict)d->v_b, d->rule_b, out);
}

struct output {
	struct ps_buf text[NKINDS], json[NKINDS];
	size_t count[NKINDS];
};

static enum portspec_status diff_family(const struct portspec_ruleset *a,
					const struct portspec_ruleset *b, unsigned family,
					struct output *o, struct portspec_error *err)
{
	struct pa_ctx ca, cb;
	enum portspec_status st = pa_ctx_pair(&ca, &cb, a, b, family, NULL, NULL, err);
	if (st)
		return st;
	struct pa_results c[NKINDS] = {{0}};
	for (size_t h = 0; !st && h < sizeof(hooks) / sizeof(hooks[0]); h++) {
		struct pa_box all;
		st = pa_ctx_region_all(&ca, hooks[h], &all) ? pa_compare(&ca, &cb, hooks[h], &all, c)
							     : ca.status;
	}
	for (int k = 0; !st && k < NKINDS; k++) {
		if ((st = pa_results_merge(&ca, &c[k], true))) {
			ps_error_set(err, st, NULL, 0, 0, "out of memory");
			break;
		}
		for (size_t i = 0; i < c[k].n; i++) {
			item_text(&ca, &cb, &c[k].r[i], &o->text[k]);
			ps_buf_puts(&o->json[k], o->count[k] + i ? ", " : "");
			item_json(&ca, &cb, &c[k].r[i], &o->json[k]);
		}
		o->count[k] += c[k].n;
	}
	for (int k = 0; k < NKINDS; k++)
		pa_results_release(&c[k]);
	pa_ctx_release(&ca);
	pa_ctx_release(&cb);
	return st;
}

static void files_json(const struct portspec_ruleset *rs, struct ps_buf *out)
{
	ps_buf_putc(out, '[');
	for (size_t i = 0; i < rs->nfiles; i++) {
		ps_buf_puts(out, i ? ", " : "");
		pa_json_string(out, rs->files[i]);
	}
	ps_buf_putc(out, ']');
}

static void files_text(const struct portspec_ruleset *rs, struct ps_buf *out)
{
	for (size_t i = 0; i < rs->nfiles; i++) {
		ps_buf_puts(out, i ? ", " : "");
		pa_put_text(out, rs->files[i]);
	}
	if (!rs->nfiles)
		ps_buf_puts(out, "(no file)");
}

static void assemble(const struct portspec_ruleset *a, const struct portspec_ruleset *b,
		     unsigned both, unsigned either, struct output *o, struct ps_buf *text,
		     struct ps_buf *json)
{
	size_t nd = o->count[PA_ONLY_A] + o->count[PA_ONLY_B];
	ps_buf_puts(text, "A: ");
	files_text(a, text);
	ps_buf_puts(text, "\nB: ");
	files_text(b, text);
	ps_buf_printf(text, "\n%s\n", nd ? "different" : o->count[PA_UNKNOWN] ? "no difference found, "
		      "but some classes are indeterminate" : "equal");
	for (int k = 0; k < NKINDS; k++) {
		if (!o->count[k])
			continue;
		ps_buf_printf(text, "%s (%zu):\n", kind_titles[k], o->count[k]);
		pa_buf_append(text, &o->text[k]);
	}
	ps_buf_puts(json, "{\"a\": ");
	files_json(a, json);
	ps_buf_puts(json, ", \"b\": ");
	files_json(b, json);
	ps_buf_printf(json, ", \"equal\": %s, \"families\": [", nd || o->count[PA_UNKNOWN] ? "false"
										   : "true");
	bool first = true;
	for (unsigned f = 4; f <= 6; f += 2)
		if (both & (f == 4 ? PA_FAM4 : PA_FAM6)) {
			ps_buf_printf(json, "%s%u", first ? "" : ", ", f);
			first = false;
		}
	ps_buf_putc(json, ']');
	for (int k = 0; k < NKINDS; k++) {
		ps_buf_printf(json, ", \"%s\": [", kind_keys[k]);
		pa_buf_append(json, &o->json[k]);
		ps_buf_putc(json, ']');
	}
	ps_buf_puts(json, ", \"notes\": [");
	first = true;
	for (unsigned f = 4; f <= 6; f += 2) {
		unsigned bit = f == 4 ? PA_FAM4 : PA_FAM6;
		if ((either & bit) && !(both & bit)) {
			char note[128];
			snprintf(note, sizeof(note), "IPv%u is not compared: only %s covers it", f,
				 a->families & bit ? "A" : "B");
			ps_buf_printf(text, "note: %s\n", note);
			ps_buf_puts(json, first ? "" : ", ");
			pa_json_string(json, note);
			first = false;
		}
	}
	for (int s = 0; s < 2; s++) {
		const struct portspec_ruleset *rs = s ? b : a;
		for (size_t i = 0; i < rs->nnotes; i++) {
			ps_buf_printf(text, "note: %s: ", s ? "B" : "A");
			pa_put_text(text, rs->notes[i]);
			ps_buf_putc(text, '\n');
			ps_buf_puts(json, first ? "" : ", ");
			pa_json_string(json, rs->notes[i]);
			first = false;
		}
	}
	ps_buf_puts(json, "]}\n");
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_diff(const struct portspec_ruleset *a,
								 const struct portspec_ruleset *b,
								 struct portspec_ruleset_diff **out,
								 struct portspec_error *err)
{
	if (!a || !b || !out)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no rulesets given");
	unsigned both = a->families & b->families, either = a->families | b->families;
	if (!both)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the rulesets cover no family in common (one is IPv4 only, "
				    "the other IPv6 only, or one is empty)");
	struct output o;
	memset(&o, 0, sizeof(o));
	enum portspec_status st = PORTSPEC_OK;
	for (unsigned f = 4; !st && f <= 6; f += 2)
		if (both & (f == 4 ? PA_FAM4 : PA_FAM6))
			st = diff_family(a, b, f, &o, err);
	struct portspec_ruleset_diff *d = NULL;
	if (!st) {
		struct ps_buf text, json;
		ps_buf_init(&text);
		ps_buf_init(&json);
		assemble(a, b, both, either, &o, &text, &json);
		d = ps_calloc(1, sizeof(*d));
		if (d && pa_rendered_take(&d->out, &text, &json)) {
			d->ndiff = o.count[PA_ONLY_A] + o.count[PA_ONLY_B];
			d->nindet = o.count[PA_UNKNOWN];
		} else {
			ps_free(d);
			d = NULL;
			st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		}
		ps_buf_release(&text);
		ps_buf_release(&json);
	}
	for (int k = 0; k < NKINDS; k++) {
		ps_buf_release(&o.text[k]);
		ps_buf_release(&o.json[k]);
	}
	if (!st)
		*out = d;
	return st;
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_diff_plan(const struct portspec_ruleset *rs,
								      const struct portspec_plan *plan,
								      struct portspec_ruleset_diff **out,
								      struct portspec_error *err)
{
	if (!rs || !plan || !out)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no ruleset or plan given");
	struct portspec_ruleset p;
	enum portspec_status st = pa_ruleset_from_plan(plan, &p, err);
	if (st)
		return st;
	st = portspec_ruleset_diff(rs, &p, out, err);
	pa_ruleset_clear(&p);
	return st;
}

PORTSPEC_AUDIT_EXPORT void portspec_ruleset_diff_free(struct portspec_ruleset_diff *d)
{
	if (!d)
		return;
	pa_rendered_release(&d->out);
	ps_free(d);
}

PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_diff_count(const struct portspec_ruleset_diff *d)
{
	return d ? d->ndiff : 0;
}

PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_diff_indeterminate_count(const struct portspec_ruleset_diff *d)
{
	return d ? d->nindet : 0;
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_diff_write(const struct portspec_ruleset_diff *d,
							       enum portspec_audit_format format,
							       portspec_sink_fn sink, void *userdata)
{
	return d ? pa_rendered_write(&d->out, format, sink, userdata) : PORTSPEC_E_INVALID;
}

/* SPDX-License-Identifier: MIT */
/*
 * Trace: the verdict for new connections that one question describes, and
 * the rules on their way.  A fully given connection is one class; what the
 * question leaves open (a source port, an interface, a whole network) may
 * split it into several, each with its verdict.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct portspec_ruleset_trace {
	struct pa_rendered out;
	enum portspec_verdict verdict;
	size_t nclasses;
	enum portspec_verdict *verdicts;
};

/* A question, resolved to values. */
struct question {
	enum portspec_hook hook;
	unsigned protocol;  /* IP protocol number */
	bool has_src, has_dst;
	unsigned src_family, dst_family;
	struct pa_range src, dst;
	unsigned sport[2], dport[2];
	const char *iif, *oif;
};

static void question_cuts(struct pa_atom_builder *ab, void *userdata)
{
	const struct question *q = userdata;
	pa_atoms_cut(ab, PA_PROTO, pa_u(q->protocol), pa_u(q->protocol));
	if (q->has_src)
		pa_atoms_cut(ab, PA_SRC, q->src.lo, q->src.hi);
	if (q->has_dst)
		pa_atoms_cut(ab, PA_DST, q->dst.lo, q->dst.hi);
	pa_atoms_cut(ab, PA_SPORT, pa_u(q->sport[0]), pa_u(q->sport[1]));
	pa_atoms_cut(ab, PA_DPORT, pa_u(q->dport[0]), pa_u(q->dport[1]));
	if (q->iif)
		pa_atoms_name(ab, q->iif, false);
	if (q->oif)
		pa_atoms_name(ab, q->oif, false);
}

static bool valid_iface(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == '/' || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

static enum portspec_status ports(unsigned first, unsigned last, const char *what,
				  unsigned out[2], struct portspec_error *err)
{
	if (first == 0 && last == 0) {
		out[0] = 0;
		out[1] = 65535;
		return PORTSPEC_OK;
	}
	if (last == 0)
		last = first;
	if (first < 1 || first > 65535 || last < first || last > 65535)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "%s ports %u-%u: ports are 1 to 65535, first <= last", what,
				    first, last);
	out[0] = first;
	out[1] = last;
	return PORTSPEC_OK;
}

static enum portspec_status address(const char *text, const char *what, bool *has,
				    unsigned *family, struct pa_range *out,
				    struct portspec_error *err)
{
	*has = false;
	if (!text)
		return PORTSPEC_OK;
	if (!pa_cidr_parse(text, 0, family, out))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "%s '%.64s' is not an address or a network (192.0.2.10, "
				    "2001:db8::/32)", what, text);
	*has = true;
	return PORTSPEC_OK;
}

static enum portspec_status resolve_question(const struct portspec_packet *pk,
					     struct question *q, unsigned *families,
					     struct portspec_error *err)
{
	memset(q, 0, sizeof(*q));
	if (!portspec_hook_name(pk->hook))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the hook is input, output or forward");
	q->hook = pk->hook;
	if (pk->protocol != PORTSPEC_TCP && pk->protocol != PORTSPEC_UDP)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "the protocol is tcp or udp");
	q->protocol = pk->protocol == PORTSPEC_TCP ? 6 : 17;
	enum portspec_status st;
	if ((st = address(pk->src, "source", &q->has_src, &q->src_family, &q->src, err)) ||
	    (st = address(pk->dst, "destination", &q->has_dst, &q->dst_family, &q->dst, err)) ||
	    (st = ports(pk->sport_first, pk->sport_last, "source", q->sport, err)) ||
	    (st = ports(pk->dport_first, pk->dport_last, "destination", q->dport, err)))
		return st;
	if (q->has_src && q->has_dst && q->src_family != q->dst_family)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the source is IPv%u, the destination IPv%u", q->src_family,
				    q->dst_family);
	unsigned fam = pk->family ? pk->family : q->has_src ? q->src_family
					     : q->has_dst ? q->dst_family : 0;
	if (pk->family && pk->family != 4 && pk->family != 6)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "the family is 4 or 6");
	if ((q->has_src && q->src_family != fam) || (q->has_dst && q->dst_family != fam))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the addresses are not IPv%u", fam);
	*families = fam == 4 ? PA_FAM4 : fam == 6 ? PA_FAM6 : PA_FAMS;
	q->iif = pk->iif;
	q->oif = pk->oif;
	if ((q->iif && !valid_iface(q->iif)) || (q->oif && !valid_iface(q->oif)))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "an interface name has 1 to 15 characters, no blanks or '/'");
	if (q->hook == PORTSPEC_HOOK_INPUT && q->oif)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "packets to the host (input) have no output interface");
	if (q->hook == PORTSPEC_HOOK_OUTPUT && q->iif)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "packets from the host (output) have no input interface");
	return PORTSPEC_OK;
}

static bool region(struct pa_ctx *ctx, const struct question *q, struct pa_box *b)
{
	bool ok = pa_ctx_region_all(ctx, q->hook, b) &&
		  pa_box_restrict(ctx, b, PA_PROTO, pa_u(q->protocol), pa_u(q->protocol)) &&
		  pa_box_restrict(ctx, b, PA_SPORT, pa_u(q->sport[0]), pa_u(q->sport[1])) &&
		  pa_box_restrict(ctx, b, PA_DPORT, pa_u(q->dport[0]), pa_u(q->dport[1]));
	if (ok && q->has_src)
		ok = pa_box_restrict(ctx, b, PA_SRC, q->src.lo, q->src.hi);
	if (ok && q->has_dst)
		ok = pa_box_restrict(ctx, b, PA_DST, q->dst.lo, q->dst.hi);
	struct pa_ivs s;
	if (ok && q->iif) {
		uint32_t a = pa_atom_iface(&ctx->atoms[PA_IIF], q->iif);
		ok = pa_ivs_single(&ctx->arena, &s, a, a) && pa_box_restrict_atoms(ctx, b, PA_IIF, &s);
	}
	if (ok && q->oif) {
		uint32_t a = pa_atom_iface(&ctx->atoms[PA_OIF], q->oif);
		ok = pa_ivs_single(&ctx->arena, &s, a, a) && pa_box_restrict_atoms(ctx, b, PA_OIF, &s);
	}
	return ok;
}

static void path_text(const struct pa_ctx *ctx, const struct pa_step *s, const char *label,
		      struct ps_buf *out)
{
	size_t n = 0;
	for (const struct pa_step *t = s; t; t = t->prev)
		n++;
	if (!n)
		return;
	const struct pa_step **v = ps_calloc(n, sizeof(*v));
	if (!v) {
		out->failed = true;
		return;
	}
	size_t i = n;
	for (const struct pa_step *t = s; t; t = t->prev)
		v[--i] = t;
	ps_buf_printf(out, "      %s:\n", label);
	for (i = 0; i < n; i++) {
		const struct pa_rule *r = &ctx->rs->rules[v[i]->rule];
		ps_buf_printf(out, "        %s", v[i]->kind == PA_STEP_UNKNOWN ? "? " : "");
		pa_rule_where(ctx->rs, v[i]->rule, out);
		if (r->action != PA_ACT_POLICY && r->text) {
			ps_buf_puts(out, " [");
			pa_put_text(out, ctx->rs->chains[r->chain].table);
			ps_buf_puts(out, "] ");
			pa_put_text(out, r->text);
		}
		if (v[i]->kind == PA_STEP_UNKNOWN)
			ps_buf_puts(out, "  (not known whether it matches)");
		ps_buf_putc(out, '\n');
	}
	ps_free(v);
}

struct render {
	struct ps_buf text, json;
	size_t nclasses, cap;
	enum portspec_verdict *verdicts;
	bool first_json;
};

static bool add_verdict(struct render *rd, enum portspec_verdict v)
{
	if (rd->nclasses == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 8;
		enum portspec_verdict *n = ps_reallocarray(rd->verdicts, cap, sizeof(*n));
		if (!n)
			return false;
		rd->verdicts = n;
		rd->cap = cap;
	}
	rd->verdicts[rd->nclasses++] = v;
	return true;
}

static enum portspec_status trace_family(const struct portspec_ruleset *rs, const struct question *q,
					 unsigned family, struct render *rd,
					 struct portspec_error *err)
{
	struct pa_ctx ctx;
	struct pa_box b;
	struct pa_results res = {0};
	enum portspec_status st = pa_ctx_init(&ctx, rs, family, question_cuts, (void *)q, err);
	if (st) {
		pa_ctx_release(&ctx);
		return st;
	}
	ctx.trace = true;
	if (!region(&ctx, q, &b))
		st = ctx.status;
	if (!st)
		st = pa_eval_connection(&ctx, q->hook, &b, &res);
	if (!st && (st = pa_results_merge(&ctx, &res, true)))
		ps_error_set(err, st, NULL, 0, 0, "out of memory");
	for (size_t i = 0; !st && i < res.n; i++) {
		const struct pa_result *r = &res.r[i];
		pa_result_text(&ctx, r, &rd->text, "  ");
		path_text(&ctx, r->path, "path of the first packet", &rd->text);
		if (r->path2)
			path_text(&ctx, r->path2, "path of its later packets", &rd->text);
		if (r->path3)
			path_text(&ctx, r->path3, "path of the replies", &rd->text);
		ps_buf_puts(&rd->json, rd->first_json ? "" : ", ");
		rd->first_json = false;
		pa_result_json(&ctx, r, &rd->json);
		if (!add_verdict(rd, r->v))
			st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	}
	pa_results_release(&res);
	pa_ctx_release(&ctx);
	return st;
}

static enum portspec_verdict overall(const enum portspec_verdict *v, size_t n)
{
	if (!n)
		return PORTSPEC_VERDICT_INDETERMINATE;
	bool all_same = true, any_accept = false, any_indet = false;
	for (size_t i = 0; i < n; i++) {
		all_same = all_same && v[i] == v[0];
		any_accept |= v[i] == PORTSPEC_VERDICT_ACCEPT;
		any_indet |= v[i] == PORTSPEC_VERDICT_INDETERMINATE;
	}
	if (all_same)
		return v[0];
	if (!any_accept && !any_indet)
		return PORTSPEC_VERDICT_DENY;
	return PORTSPEC_VERDICT_INDETERMINATE;
}

static void describe(const struct portspec_packet *pk, struct ps_buf *out)
{
	ps_buf_printf(out, "new %s connections at %s",
		      pk->protocol == PORTSPEC_TCP ? "tcp" : "udp", portspec_hook_name(pk->hook));
	if (pk->src) {
		ps_buf_puts(out, " from ");
		pa_put_text(out, pk->src);
	}
	if (pk->dst) {
		ps_buf_puts(out, " to ");
		pa_put_text(out, pk->dst);
	}
	if (pk->sport_first)
		ps_buf_printf(out, " sport %u", pk->sport_first);
	if (pk->sport_last > pk->sport_first)
		ps_buf_printf(out, "-%u", pk->sport_last);
	if (pk->dport_first)
		ps_buf_printf(out, " dport %u", pk->dport_first);
	if (pk->dport_last > pk->dport_first)
		ps_buf_printf(out, "-%u", pk->dport_last);
	if (pk->iif) {
		ps_buf_puts(out, " in ");
		pa_put_text(out, pk->iif);
	}
	if (pk->oif) {
		ps_buf_puts(out, " out ");
		pa_put_text(out, pk->oif);
	}
}

static void notes_json(const struct portspec_ruleset *rs, struct ps_buf *out)
{
	ps_buf_puts(out, "\"notes\": [");
	for (size_t i = 0; i < rs->nnotes; i++) {
		ps_buf_puts(out, i ? ", " : "");
		pa_json_string(out, rs->notes[i]);
	}
	ps_buf_putc(out, ']');
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_trace(const struct portspec_ruleset *rs,
								  const struct portspec_packet *packet,
								  struct portspec_ruleset_trace **out,
								  struct portspec_error *err)
{
	if (!rs || !packet || !out || packet->size < sizeof(*packet))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "no ruleset or connection given (or its size is not set)");
	struct question q;
	unsigned families = 0;
	enum portspec_status st = resolve_question(packet, &q, &families, err);
	if (st)
		return st;
	if (families != PA_FAMS && !(rs->families & families))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the rulesets do not cover IPv%u: give an %s file too",
				    families == PA_FAM6 ? 6 : 4,
				    families == PA_FAM6 ? "ip6tables-save or nft" : "iptables-save or nft");
	families &= rs->families;
	if (!families)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "no ruleset read yet");
	struct render rd = {.first_json = true};
	ps_buf_init(&rd.text);
	ps_buf_init(&rd.json);
	ps_buf_puts(&rd.json, "{\"question\": ");
	struct ps_buf d;
	ps_buf_init(&d);
	describe(packet, &d);
	if (d.failed)
		rd.json.failed = true;
	pa_json_string(&rd.json, d.data ? d.data : "");
	ps_buf_printf(&rd.json, ", \"hook\": \"%s\", \"protocol\": \"%s\", \"classes\": [",
		      portspec_hook_name(q.hook), q.protocol == 6 ? "tcp" : "udp");
	for (unsigned f = 4; !st && f <= 6; f += 2)
		if (families & (f == 4 ? PA_FAM4 : PA_FAM6))
			st = trace_family(rs, &q, f, &rd, err);
	struct portspec_ruleset_trace *t = NULL;
	if (!st) {
		enum portspec_verdict v = overall(rd.verdicts, rd.nclasses);
		struct ps_buf head;
		ps_buf_init(&head);
		ps_buf_printf(&head, "%s: ", portspec_ruleset_verdict_name(v));
		pa_buf_append(&head, &d);
		if (v == PORTSPEC_VERDICT_INDETERMINATE && rd.nclasses > 1)
			ps_buf_puts(&head, " (the classes below differ: narrow the question)");
		ps_buf_putc(&head, '\n');
		pa_buf_append(&head, &rd.text);
		for (size_t i = 0; i < rs->nnotes; i++) {
			ps_buf_puts(&head, "note: ");
			pa_put_text(&head, rs->notes[i]);
			ps_buf_putc(&head, '\n');
		}
		ps_buf_printf(&rd.json, "], \"verdict\": \"%s\", ", portspec_ruleset_verdict_name(v));
		notes_json(rs, &rd.json);
		ps_buf_puts(&rd.json, "}\n");
		t = ps_calloc(1, sizeof(*t));
		if (t && pa_rendered_take(&t->out, &head, &rd.json)) {
			t->verdict = v;
			t->nclasses = rd.nclasses;
			t->verdicts = rd.verdicts;
			rd.verdicts = NULL;
		} else {
			ps_free(t);
			t = NULL;
			st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		}
		ps_buf_release(&head);
	}
	ps_buf_release(&d);
	ps_buf_release(&rd.text);
	ps_buf_release(&rd.json);
	ps_free(rd.verdicts);
	if (!st)
		*out = t;
	return st;
}

PORTSPEC_AUDIT_EXPORT void portspec_ruleset_trace_free(struct portspec_ruleset_trace *t)
{
	if (!t)
		return;
	pa_rendered_release(&t->out);
	ps_free(t->verdicts);
	ps_free(t);
}

PORTSPEC_AUDIT_EXPORT enum portspec_verdict portspec_ruleset_trace_verdict(const struct portspec_ruleset_trace *t)
{
	return t ? t->verdict : PORTSPEC_VERDICT_INDETERMINATE;
}

PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_trace_class_count(const struct portspec_ruleset_trace *t)
{
	return t ? t->nclasses : 0;
}

PORTSPEC_AUDIT_EXPORT enum portspec_verdict portspec_ruleset_trace_class_verdict(const struct portspec_ruleset_trace *t,
									 size_t index)
{
	return t && index < t->nclasses ? t->verdicts[index] : PORTSPEC_VERDICT_INDETERMINATE;
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_trace_write(const struct portspec_ruleset_trace *t,
								enum portspec_audit_format format,
								portspec_sink_fn sink, void *userdata)
{
	return t ? pa_rendered_write(&t->out, format, sink, userdata) : PORTSPEC_E_INVALID;
}

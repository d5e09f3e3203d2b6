/* SPDX-License-Identifier: MIT */
/*
 * portspec apply --dry-run: the semantic difference between the live ruleset
 * and the one loading the rules would leave, with nothing in the live
 * network namespace changed.
 *
 * Side A is the live ruleset as the audit reads it (`nft -j list ruleset`,
 * `iptables-save`).  Side B is what the kernel would list after the load,
 * built by the real tools in a network namespace of this process's own,
 * which the kernel frees when the process goes back to its own namespace:
 *
 *  - nft: a rendered file touches table inet NAME only (nft_inspect), so B
 *    is every other live table (`nft -j list table FAMILY NAME`) and the
 *    rendered table loaded alone in the scratch namespace and listed there;
 *  - iptables: the live `iptables-save` is restored in the scratch namespace
 *    and the rules loaded over it as apply loads them (--noflush for a
 *    fragment), so a fragment replaces only its own chains there too.
 *
 * Reading the result back, rather than merging texts here, means B is what
 * the tools make of the rules, with no second implementation of their
 * semantics.
 */
#define _GNU_SOURCE /* unshare, setns */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "rulesets.h"

static enum portspec_ruleset_format format_of(const struct apply_target *t)
{
	return t->kind == APPLY_NFT ? PORTSPEC_RULESET_NFT_JSON
	       : !strcmp(t->backend, "ip6tables") ? PORTSPEC_RULESET_IP6TABLES
						  : PORTSPEC_RULESET_IPTABLES;
}

/*
 * Runs a listing tool and reads its output into @rs; @name names it in
 * errors.  The text is kept in @keep when that is not NULL.
 */
static int read_listing(const struct apply_target *t, const char *const *argv, const char *name,
			struct portspec_ruleset *rs, struct apply_text *keep)
{
	struct tool_result r;
	int rc = tool_output(argv, "cannot list the ruleset", &r);
	if (rc)
		return rc;
	struct portspec_error err = {0};
	if (portspec_ruleset_parse(rs, format_of(t), r.out.s ? r.out.s : "", r.out.len, name,
				   &err))
		rc = cli_report(&err);
	else if (keep && !text_add(keep, r.out.s ? r.out.s : "", r.out.len))
		rc = EXIT_IOERR;
	tool_result_release(&r);
	return rc;
}

/* iptables: the live listing stays in t->before, to be copied into the scratch namespace. */
static int read_live(struct apply_target *t, struct portspec_ruleset *rs)
{
	const char *const nft[] = {t->tool, "-j", "list", "ruleset", NULL};
	const char *const ipt[] = {t->save_tool, NULL};
	return t->kind == APPLY_NFT ? read_listing(t, nft, "<live ruleset>", rs, NULL)
				    : read_listing(t, ipt, "<live ruleset>", rs, &t->before);
}

struct other_table {
	const struct apply_target *t;
	struct portspec_ruleset *rs;
};

static int read_other_table(const char *family, const char *name, void *ud)
{
	const struct other_table *o = ud;
	const char *const argv[] = {o->t->tool, "-j", "list", "table", family, name, NULL};
	return read_listing(o->t, argv, "<live ruleset>", o->rs, NULL);
}

/*
 * In the scratch namespace: check and load as apply would, and read back what
 * it left.  The check runs here, on the copy, not in the live namespace: with
 * iptables-legacy even `iptables-restore --test` makes the kernel create the
 * tables it names (empty, policy ACCEPT), and then they list where they did
 * not.  The copy holds what the check looks at (nft: nothing, as the rendered
 * file makes its own table; iptables: the live tables), so it decides the same.
 */
static int read_loaded(const struct apply_target *t, struct portspec_ruleset *after)
{
	const char *const nft[] = {t->tool, "-j", "list", "ruleset", NULL};
	const char *const ipt[] = {t->save_tool, NULL};
	int rc = EXIT_OK;
	const struct apply_text *live = &t->before;
	/* iptables-save lists nothing (not even *filter) until a table is used. */
	if (t->kind == APPLY_IPTABLES && live->len &&
	    (live->s[0] == '*' || text_contains(live->s, live->len, "\n*")))
		rc = target_run_load(t, &(struct apply_load){.text = *live}, false,
				     "cannot copy the live ruleset into the scratch network "
				     "namespace");
	if (!rc)
		rc = target_run_load(t, &t->rules, true, "the rules do not check; nothing changed");
	if (!rc)
		rc = target_run_load(t, &t->rules, false,
				     "cannot load the rules in the scratch network namespace");
	if (!rc)
		rc = read_listing(t, t->kind == APPLY_NFT ? nft : ipt, "<new ruleset>", after, NULL);
	return rc;
}

/* The live side of every target into @before, the other nft tables into @after. */
static int read_live_sides(struct apply_target *ts, size_t n, struct portspec_ruleset *before,
			   struct portspec_ruleset *after)
{
	int rc = EXIT_OK;
	for (size_t i = 0; !rc && i < n; i++) {
		/* nft: the refusals a load would meet (a fragment over base chains
		 * without --hooks); it only reads the listing. */
		if (ts[i].kind == APPLY_NFT)
			rc = nft_save(&ts[i]);
		if (!rc)
			rc = read_live(&ts[i], before);
		struct other_table o = {&ts[i], after};
		if (!rc && ts[i].kind == APPLY_NFT)
			rc = nft_each_other_table(&ts[i], read_other_table, &o);
	}
	return rc;
}

/*
 * A network namespace of our own for the loads; the live one stays open in
 * @home to go back to.  Its tools, started from here, inherit it.
 */
static int scratch_enter(int *home)
{
	*home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*home >= 0 && unshare(CLONE_NEWNET) == 0)
		return EXIT_OK;
	fprintf(stderr, "portspec apply: --dry-run builds the new ruleset in a network namespace "
			"of its own and cannot make one: %s (it needs root, as apply does)\n",
		strerror(errno));
	if (*home >= 0)
		close(*home);
	return EXIT_UNAVAILABLE;
}

static int scratch_leave(int home)
{
	int rc = EXIT_OK;
	if (setns(home, CLONE_NEWNET) != 0) {
		fprintf(stderr, "portspec apply: cannot go back to the live network namespace: "
				"%s; nothing was loaded there\n", strerror(errno));
		rc = EXIT_IOERR;
	}
	close(home);
	return rc;
}

static int build_sides(struct apply_target *ts, size_t n, struct portspec_ruleset *before,
		       struct portspec_ruleset *after)
{
	int home, rc = read_live_sides(ts, n, before, after);
	if (rc || (rc = scratch_enter(&home)))
		return rc;
	for (size_t i = 0; !rc && i < n; i++)
		rc = read_loaded(&ts[i], after);
	int back = scratch_leave(home);
	return rc ? rc : back;
}

int apply_dry_run(struct apply_target *ts, size_t n, enum portspec_audit_format fmt)
{
	struct portspec_ruleset *before = NULL, *after = NULL;
	if (portspec_ruleset_new(&before) || portspec_ruleset_new(&after)) {
		portspec_ruleset_free(before);
		fprintf(stderr, "portspec apply: out of memory\n");
		return EXIT_IOERR;
	}
	int rc = build_sides(ts, n, before, after);
	if (!rc) {
		fprintf(stderr, "portspec apply: dry run: A is the live ruleset, B the one the "
				"load would leave; nothing was changed\n");
		struct portspec_ruleset_diff *d = NULL;
		struct portspec_error err = {0};
		enum portspec_status st = portspec_ruleset_diff(before, after, &d, &err);
		rc = cli_diff_report("apply", st, d, &err, fmt);
	}
	portspec_ruleset_free(before);
	portspec_ruleset_free(after);
	return rc;
}

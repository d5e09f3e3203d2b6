/* SPDX-License-Identifier: MIT */
/* portspec apply: loading a text with a target's tool, and reading it back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cli.h"

void target_release(struct apply_target *t)
{
	free(t->save_tool);
	text_release(&t->rules.text);
	text_release(&t->restore.text);
	text_release(&t->before);
	text_release(&t->note);
	for (size_t i = 0; i < t->ntables; i++)
		free(t->tables[i]);
	free(t->tables);
	*t = (struct apply_target){0};
}

int target_run_load(const struct apply_target *t, const struct apply_load *l, bool check,
		    const char *what)
{
	const char *argv[8];
	size_t n = 0;
	argv[n++] = t->tool;
	if (t->kind == APPLY_NFT) {
		if (check)
			argv[n++] = "-c";
		argv[n++] = "-f";
		argv[n++] = "-";
	} else {
		/* The legacy variant shares a lock with every other iptables run. */
		argv[n++] = "--wait=10";
		if (check)
			argv[n++] = "--test";
		if (l->noflush)
			argv[n++] = "--noflush";
		if (l->counters)
			argv[n++] = "--counters";
	}
	argv[n] = NULL;
	struct tool_result r;
	if (!tool_run(argv, l->text.s, l->text.len, &r))
		return EXIT_IOERR;
	int rc = EXIT_OK;
	if (r.status) {
		tool_report(what, argv, &r);
		rc = EXIT_UNAVAILABLE;
	}
	tool_result_release(&r);
	return rc;
}

int target_listing(const struct apply_target *t, struct apply_text *out)
{
	if (t->kind == APPLY_IPTABLES)
		return iptables_listing(t, out);
	const char *const argv[] = {t->tool, "-s", "list", "ruleset", NULL};
	struct tool_result r;
	int rc = tool_output(argv, "cannot list the live ruleset", &r);
	if (rc)
		return rc;
	if (!text_add(out, r.out.s, r.out.len))
		rc = EXIT_IOERR;
	tool_result_release(&r);
	return rc;
}

int target_snapshot(struct apply_target *t)
{
	int rc = t->kind == APPLY_NFT ? nft_save(t) : iptables_save(t);
	if (!rc)
		rc = target_listing(t, &t->before);
	if (!rc)
		rc = target_run_load(t, &t->restore, true, "the restore of the saved ruleset "
							   "does not check, so a rollback could not work");
	return rc;
}

/* Only loopback: what --on-failure=closed loads when the policy cannot be. */
bool closed_ruleset(const struct apply_target *t, struct apply_load *out)
{
	*out = (struct apply_load){0};
	if (t->kind == APPLY_IPTABLES)
		return text_adds(&out->text, "# portspec apply --on-failure=closed: only loopback\n"
					     "*filter\n"
					     ":INPUT DROP [0:0]\n"
					     ":FORWARD DROP [0:0]\n"
					     ":OUTPUT DROP [0:0]\n"
					     "-A INPUT -i lo -j ACCEPT\n"
					     "-A OUTPUT -o lo -j ACCEPT\n"
					     "COMMIT\n");
	const char *const create[] = {"table", "inet", t->name, NULL};
	const char *const del[] = {"delete", "table", "inet", t->name, NULL};
	const char *const open[] = {"table", "inet", t->name, "{", NULL};
	return text_adds(&out->text, "# portspec apply --on-failure=closed: only loopback\n") &&
	       text_line(&out->text, create) && text_line(&out->text, del) &&
	       text_line(&out->text, open) &&
	       text_adds(&out->text,
			 "\tchain input {\n"
			 "\t\ttype filter hook input priority filter; policy drop;\n"
			 "\t\tiifname \"lo\" accept\n"
			 "\t}\n"
			 "\tchain forward {\n"
			 "\t\ttype filter hook forward priority filter; policy drop;\n"
			 "\t}\n"
			 "\tchain output {\n"
			 "\t\ttype filter hook output priority filter; policy drop;\n"
			 "\t\toifname \"lo\" accept\n"
			 "\t}\n"
			 "}\n");
}

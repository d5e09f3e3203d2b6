/* SPDX-License-Identifier: MIT */
/*
 * portspec apply: render, check with the real tool, save the live ruleset,
 * load, and keep the new rules only when "yes" is typed on the terminal in
 * time; otherwise restore the saved ruleset exactly.  apply.h has the map.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "rulesets.h"

#define MAX_TARGETS 3

struct apply_opts {
	struct cli_policy_opts po;
	const char *backends[MAX_TARGETS];
	size_t nbackends;
	enum portspec_mode mode;
	bool fragment, replace_forwarding, yes, closed, dry_run;
	enum portspec_audit_format format; /* --dry-run's output */
	bool format_set;
	const char *name; /* NULL: the library's default, "portspec" */
	unsigned timeout;
	const char *hooks;
	const char *nft, *iptables_restore, *ip6tables_restore;
};

static const char usage[] =
	"usage: portspec apply [--backend NAME[,NAME]] [--mode host|gateway] [--fragment]\n"
	"                      [--name NAME] [--timeout SECONDS] [--yes]\n"
	"                      [--replace-forwarding] [--on-failure open|closed]\n"
	"                      [--dry-run [--format text|json]]\n"
	"                      [--spec FILE] [--profile FILE] [--set KEY=VALUE]...\n";

static void help(void)
{
	printf("%s\n"
	       "Loads the policy's rules into the running kernel and keeps them only if you\n"
	       "confirm: it renders them, checks them with the real tool (nft -c,\n"
	       "iptables-restore --test), saves the live ruleset, loads the new one\n"
	       "atomically and waits for 'yes' on the terminal.  Without it in time (or on\n"
	       "end of input, ^C, SIGTERM, SIGHUP) the saved ruleset is restored exactly.\n\n"
	       "  -b, --backend NAME     nft (default), iptables or ip6tables; a comma list\n"
	       "                         (iptables,ip6tables) loads and confirms them together\n"
	       "  -m, --mode MODE        host (default) or gateway, as for render\n"
	       "  -F, --fragment         only the fragment's own chains (iptables) or table\n"
	       "                         (nft) are replaced\n"
	       "  -N, --name NAME        names the fragment's chains and the nft table\n"
	       "                         (default portspec)\n"
	       "  -t, --timeout SECONDS  how long to wait for 'yes' (default 30)\n"
	       "  -y, --yes              keep the new rules without asking (scripts, boot)\n"
	       "  -n, --dry-run          render and check the rules, then print how the live\n"
	       "                         ruleset and the one the load would leave differ\n"
	       "                         (as portspec diff does) and stop: nothing is saved,\n"
	       "                         loaded or asked\n"
	       "      --format FORMAT    --dry-run's output: text (default) or json\n"
	       "      --replace-forwarding\n"
	       "                         allow a complete gateway ruleset: it drops all other\n"
	       "                         forwarded traffic\n"
	       "      --hooks FILE       nft fragment: 'table inet NAME { ... }' base chains\n"
	       "                         that jump to the fragment, loaded with it\n"
	       "      --nft PATH         the nft program (default: nft on PATH)\n"
	       "      --iptables-restore PATH, --ip6tables-restore PATH\n"
	       "                         the restore program (e.g. iptables-legacy-restore);\n"
	       "                         the save program is its name with -save for -restore\n"
	       "      --on-failure open|closed\n"
	       "                         when the rules cannot be loaded: open (default) leaves\n"
	       "                         the firewall as it was, closed loads a ruleset that\n"
	       "                         drops everything but loopback (for boot)\n"
	       CLI_POLICY_HELP
	       "  -h, --help             this help\n"
	       "\nExit status: 0 applied, 1 not confirmed: the previous ruleset is back,\n"
	       "2 usage, 65 bad spec or profile, 69 the firewall tool is missing or refused\n"
	       "the rules: nothing changed, 70 the rollback failed (the message says how to\n"
	       "restore by hand), 74 I/O error.  With --dry-run: 0 no difference, 1 the load\n"
	       "would change what passes, 3 no certain difference but some classes\n"
	       "indeterminate; nothing is ever changed.\n"
	       "\nexamples:\n"
	       "  portspec apply --backend nft --profile site.profile\n"
	       "  portspec apply --backend iptables,ip6tables --timeout 60\n"
	       "  portspec apply --backend nft --profile site.profile --dry-run\n"
	       "  portspec apply --backend iptables --fragment \\\n"
	       "          --iptables-restore iptables-legacy-restore\n",
	       usage);
}

enum {
	OPT_REPLACE_FORWARDING = 256,
	OPT_HOOKS,
	OPT_NFT,
	OPT_IPTABLES_RESTORE,
	OPT_IP6TABLES_RESTORE,
	OPT_ON_FAILURE,
	OPT_FORMAT,
};

/* Letters, digits, '_' and '-', a letter first, at most 28: as render takes it. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 28 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* "nft", "iptables,ip6tables": each known once. */
static const char *add_backends(struct apply_opts *o, char *list)
{
	static const char *const known[] = {"nft", "iptables", "ip6tables"};
	for (char *save = NULL, *b = strtok_r(list, ",", &save); b; b = strtok_r(NULL, ",", &save)) {
		const char *k = NULL;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(b, known[i]))
				k = known[i];
		if (!k)
			return "apply loads nft, iptables or ip6tables rules (--backend)";
		for (size_t i = 0; i < o->nbackends; i++)
			if (o->backends[i] == k)
				return "a backend is named twice";
		o->backends[o->nbackends++] = k;
	}
	return o->nbackends ? NULL : "--backend names no backend";
}

static bool parse_seconds(const char *s, unsigned *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
		return false;
	unsigned long v = strtoul(s, NULL, 10);
	if (v < 1 || v > 86400)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Returns NULL or what is wrong with option @c. */
static const char *take_option(struct apply_opts *o, int c, char *arg)
{
	switch (c) {
	case 'b': return add_backends(o, arg);
	case 'm':
		o->mode = !strcmp(arg, "host") ? PORTSPEC_MODE_HOST
			  : !strcmp(arg, "gateway") ? PORTSPEC_MODE_GATEWAY : 0;
		return o->mode ? NULL : "--mode is host or gateway";
	case 'F': o->fragment = true; return NULL;
	case 'N': o->name = arg; return name_ok(arg) ? NULL :
		"--name is 1 to 28 letters, digits, '_' or '-', starting with a letter";
	case 't': return parse_seconds(arg, &o->timeout) ? NULL :
		"--timeout is a number of seconds, 1 to 86400";
	case 'y': o->yes = true; return NULL;
	case 'n': o->dry_run = true; return NULL;
	case OPT_FORMAT:
		o->format_set = true;
		return !strcmp(arg, "text") ? (o->format = PORTSPEC_AUDIT_TEXT, NULL)
		       : !strcmp(arg, "json") ? (o->format = PORTSPEC_AUDIT_JSON, NULL)
					      : "--format is text or json";
	case OPT_REPLACE_FORWARDING: o->replace_forwarding = true; return NULL;
	case OPT_HOOKS: o->hooks = arg; return NULL;
	case OPT_NFT: o->nft = arg; return NULL;
	case OPT_IPTABLES_RESTORE: o->iptables_restore = arg; return NULL;
	case OPT_IP6TABLES_RESTORE: o->ip6tables_restore = arg; return NULL;
	case OPT_ON_FAILURE:
		if (strcmp(arg, "open") && strcmp(arg, "closed"))
			return "--on-failure is open or closed";
		o->closed = !strcmp(arg, "closed");
		return NULL;
	default: return "?";
	}
}

/* What the options cannot mean together; NULL if they are fine. */
static const char *conflicts(const struct apply_opts *o)
{
	bool nft_only = o->nbackends == 1 && o->backends[0][0] == 'n';
	if (o->mode == PORTSPEC_MODE_GATEWAY && !o->fragment && !o->replace_forwarding)
		return "a complete gateway ruleset drops every forwarded packet that is not one of "
		       "the appliance's flows, cutting all other traffic this firewall forwards (and "
		       "with iptables it replaces the whole filter table, INPUT and OUTPUT rules "
		       "included); add --fragment to load a chain for your own forward rules, or "
		       "--replace-forwarding if that is what you want";
	if (o->replace_forwarding && (o->mode != PORTSPEC_MODE_GATEWAY || o->fragment))
		return "--replace-forwarding is for a complete gateway ruleset only";
	if (o->hooks && (!nft_only || !o->fragment))
		return "--hooks is for an nft fragment (--backend nft --fragment)";
	if (o->format_set && !o->dry_run)
		return "--format is for --dry-run's output";
	if (o->dry_run && o->closed)
		return "--on-failure=closed is for a load, and --dry-run loads nothing";
	return NULL;
}

/* iptables-legacy-restore -> iptables-legacy-save, in the same directory. */
static char *save_tool_for(const char *restore)
{
	size_t n = strlen(restore), k = strlen("-restore");
	if (n <= k || strcmp(restore + n - k, "-restore") != 0) {
		fprintf(stderr, "portspec apply: cannot tell the save program of '%s': its name "
				"must end in -restore (iptables-legacy-restore -> "
				"iptables-legacy-save)\n",
			restore);
		return NULL;
	}
	char *s = malloc(n - k + sizeof("-save"));
	if (!s) {
		fprintf(stderr, "portspec apply: out of memory\n");
		return NULL;
	}
	memcpy(s, restore, n - k);
	memcpy(s + n - k, "-save", sizeof("-save"));
	return s;
}

static int setup_targets(const struct apply_opts *o, struct apply_target *ts)
{
	for (size_t i = 0; i < o->nbackends; i++) {
		struct apply_target *t = &ts[i];
		t->backend = o->backends[i];
		t->fragment = o->fragment;
		t->gateway = o->mode == PORTSPEC_MODE_GATEWAY;
		t->name = o->name ? o->name : "portspec";
		if (!strcmp(t->backend, "nft")) {
			t->kind = APPLY_NFT;
			t->tool = o->nft ? o->nft : "nft";
			continue;
		}
		t->kind = APPLY_IPTABLES;
		bool v6 = !strcmp(t->backend, "ip6tables");
		t->tool = v6 ? (o->ip6tables_restore ? o->ip6tables_restore : "ip6tables-restore")
			     : (o->iptables_restore ? o->iptables_restore : "iptables-restore");
		if (!(t->save_tool = save_tool_for(t->tool)))
			return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int render_target(const struct apply_opts *o, const struct portspec_policy *policy,
			 struct apply_target *t)
{
	struct portspec_error err = {0};
	char *text = NULL;
	size_t len = 0;
	unsigned flags = o->fragment ? PORTSPEC_RENDER_FRAGMENT : 0;
	if (portspec_render_to_string(policy, t->backend,
				      &(struct portspec_render_options){
					      .mode = o->mode, .flags = flags, .name = o->name},
				      &text, &len, &err))
		return cli_report(&err);
	bool ok = text_add(&t->rules.text, text, len);
	portspec_free(text);
	if (!ok)
		return EXIT_IOERR;
	t->rules.noflush = o->fragment;
	int rc = t->kind == APPLY_NFT ? nft_inspect(t) : iptables_inspect(t);
	if (!rc && o->hooks)
		rc = nft_add_hooks(t, o->hooks);
	return rc;
}

/* One line on what loading the target replaces and what it cuts. */
static void say_what_it_replaces(const struct apply_target *t)
{
	if (t->kind == APPLY_NFT && t->fragment)
		fprintf(stderr, "portspec apply: nft: replaces table inet %s only%s\n", t->name,
			t->has_hooks ? ", with the base chains of --hooks"
				     : "; nothing jumps to its chains until base chains in that "
				       "table do (--hooks FILE)");
	else if (t->kind == APPLY_NFT)
		fprintf(stderr, "portspec apply: nft: replaces table inet %s, which drops %s "
				"the policy does not allow, whatever other tables accept\n",
			t->name, t->gateway ? "every forwarded packet (all other forwarded "
					      "traffic is cut)"
					    : "input and output");
	else {
		fprintf(stderr, "portspec apply: %s: replaces %s", t->backend,
			t->fragment ? "only its chains in the tables" : "the whole tables");
		for (size_t i = 0; i < t->ntables; i++)
			fprintf(stderr, "%s %s", i ? "," : "", t->tables[i]);
		fprintf(stderr, "%s\n",
			t->fragment ? " (jumps to them are yours to add)"
			: t->gateway ? "; FORWARD drops all other forwarded traffic, INPUT and OUTPUT "
				       "lose their rules (policy ACCEPT)"
				     : "; INPUT, FORWARD and OUTPUT drop what the policy does not allow");
	}
	if (t->note.len)
		fprintf(stderr, "portspec apply: %s: note: %s\n", t->backend, t->note.s);
}

/* Keeps a restore that did not load, so that it can be loaded by hand. */
static void keep_restore(const struct apply_target *t)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/portspec-restore-%s-XXXXXX", dir && *dir ? dir : "/tmp",
		 t->backend);
	int fd = mkstemp(path);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	bool ok = fp && fwrite(t->restore.text.s, 1, t->restore.text.len, fp) == t->restore.text.len;
	if (fp && fclose(fp) != 0)
		ok = false;
	else if (!fp && fd >= 0)
		close(fd);
	if (!ok) {
		fprintf(stderr, "portspec apply: %s: could not keep the saved ruleset in a file "
				"either: %s\n", t->backend, strerror(errno));
		return;
	}
	if (t->kind == APPLY_NFT)
		fprintf(stderr, "portspec apply: %s: the saved ruleset is in %s; load it with: "
				"%s -f %s\n", t->backend, path, t->tool, path);
	else
		fprintf(stderr, "portspec apply: %s: the saved ruleset is in %s; load it with: "
				"%s --counters%s < %s\n", t->backend, path, t->tool,
			t->restore.noflush ? " --noflush" : "", path);
}

/* Does the live ruleset list as it did before?  Says where it differs. */
static void verify_restored(const struct apply_target *t)
{
	struct apply_text now = {0};
	if (target_listing(t, &now))
		return;
	if (now.len == t->before.len && !memcmp(now.s, t->before.s, now.len)) {
		fprintf(stderr, "portspec apply: %s: restored; the ruleset lists as before\n",
			t->backend);
	} else {
		size_t a = 0, b = 0, na, nb;
		const char *la = "", *lb = "";
		unsigned line = 0;
		for (;;) {
			line++;
			bool ga = text_next_line(t->before.s, t->before.len, &a, &la, &na);
			bool gb = text_next_line(now.s, now.len, &b, &lb, &nb);
			if (!ga)
				na = 0;
			if (!gb)
				nb = 0;
			if (!ga || !gb || na != nb || memcmp(la, lb, na))
				break;
		}
		fprintf(stderr, "portspec apply: %s: restored, but the ruleset lists differently "
				"from before at line %u (%s%.*s%s) -- %s\n",
			t->backend, line, nb ? "now '" : "", (int)(nb > 60 ? 60 : nb), lb,
			nb ? "'" : "shorter",
			t->note.len ? t->note.s : "did another program change it meanwhile?");
	}
	text_release(&now);
}

/* Restores every target that was loaded, last first. */
static int rollback(struct apply_target *ts, size_t n)
{
	int rc = EXIT_OK;
	for (size_t i = n; i-- > 0;) {
		struct apply_target *t = &ts[i];
		if (!t->loaded)
			continue;
		if (target_run_load(t, &t->restore, false, "cannot restore the saved ruleset")) {
			fprintf(stderr, "portspec apply: %s: THE NEW RULES MAY STILL BE LOADED\n",
				t->backend);
			keep_restore(t);
			rc = EXIT_RESTORE_FAILED;
			continue;
		}
		t->loaded = false;
		verify_restored(t);
	}
	return rc;
}

static int load_all(struct apply_target *ts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ts[i].loaded = true; /* a failed iptables load may have committed a table */
		if (target_run_load(&ts[i], &ts[i].rules, false, "cannot load the rules")) {
			int rc = rollback(ts, n);
			if (!rc)
				fprintf(stderr, "portspec apply: nothing changed\n");
			return rc ? rc : EXIT_UNAVAILABLE;
		}
	}
	return EXIT_OK;
}

static int confirm(struct apply_target *ts, size_t n, unsigned timeout)
{
	char prompt[256];
	snprintf(prompt, sizeof(prompt),
		 "portspec apply: the new rules are loaded. Type 'yes' within %u second%s to keep "
		 "them; anything else, or nothing, restores the previous ones.\nkeep? ",
		 timeout, timeout == 1 ? "" : "s");
	enum answer a = confirm_wait(STDIN_FILENO, timeout, prompt);
	switch (a) {
	case ANSWER_YES:
		fprintf(stderr, "portspec apply: kept\n");
		return EXIT_OK;
	case ANSWER_NO:
		fprintf(stderr, "portspec apply: not 'yes': restoring the previous rules\n");
		break;
	case ANSWER_EOF:
		fprintf(stderr, "\nportspec apply: end of input: restoring the previous rules\n");
		break;
	case ANSWER_TIMEOUT:
		fprintf(stderr, "\nportspec apply: no answer within %u second%s: restoring the "
				"previous rules\n", timeout, timeout == 1 ? "" : "s");
		break;
	case ANSWER_SIGNAL:
		fprintf(stderr, "\nportspec apply: %s: restoring the previous rules\n",
			confirm_signal_name());
		break;
	}
	int rc = rollback(ts, n);
	return rc ? rc : EXIT_ROLLED_BACK;
}

/* Check, save, load, confirm: every step after the rules are rendered. */
static int apply_targets(const struct apply_opts *o, struct apply_target *ts, size_t n)
{
	int rc = EXIT_OK;
	for (size_t i = 0; !rc && i < n; i++)
		rc = target_run_load(&ts[i], &ts[i].rules, true,
				     "the rules do not check; nothing changed");
	for (size_t i = 0; !rc && i < n; i++)
		rc = target_snapshot(&ts[i]);
	if (rc)
		return rc;
	if (signals_pending()) {
		fprintf(stderr, "portspec apply: %s before loading: nothing changed\n",
			confirm_signal_name());
		return EXIT_ROLLED_BACK;
	}
	for (size_t i = 0; i < n; i++)
		say_what_it_replaces(&ts[i]);
	rc = load_all(ts, n);
	if (rc)
		return rc;
	if (o->yes) {
		fprintf(stderr, "portspec apply: applied\n");
		return EXIT_OK;
	}
	return confirm(ts, n, o->timeout);
}

/* --on-failure=closed: nothing but loopback, for each backend. */
static void fail_closed(struct apply_target *ts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct apply_load l;
		bool ok = closed_ruleset(&ts[i], &l) &&
			  !target_run_load(&ts[i], &l, false, "cannot load the closed ruleset");
		fprintf(stderr, "portspec apply: %s: %s\n", ts[i].backend,
			ok ? "failed closed: only loopback traffic passes"
			   : "COULD NOT FAIL CLOSED: the firewall is as it was");
		text_release(&l.text);
	}
}

static int run(struct apply_opts *o, struct apply_target *ts)
{
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	int rc = cli_load_policy(&o->po, false, &spec, &policy);
	for (size_t i = 0; !rc && i < o->nbackends; i++)
		rc = render_target(o, policy, &ts[i]);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	if (!rc && o->dry_run)
		return apply_dry_run(ts, o->nbackends, o->format);
	if (!rc && !signals_hold())
		rc = EXIT_IOERR;
	if (!rc)
		rc = apply_targets(o, ts, o->nbackends);
	signals_release();
	return rc;
}

struct apply_args {
	struct apply_opts o;
	const char *why; /* the first bad option */
	int bad_optind, bad_optopt; /* the first unknown one */
};

static int take(void *ctx, int c, char *arg)
{
	struct apply_args *a = ctx;
	if (c == '?' || c == ':') {
		/* Reported after the loop: --on-failure may come later. */
		if (!a->bad_optind) {
			a->bad_optind = optind;
			a->bad_optopt = optopt;
		}
		return EXIT_OK;
	}
	const char *bad = take_option(&a->o, c, arg);
	if (bad && !a->why)
		a->why = bad;
	return EXIT_OK;
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{"backend", required_argument, NULL, 'b'},
		{"mode", required_argument, NULL, 'm'},
		{"fragment", no_argument, NULL, 'F'},
		{"name", required_argument, NULL, 'N'},
		{"timeout", required_argument, NULL, 't'},
		{"yes", no_argument, NULL, 'y'},
		{"dry-run", no_argument, NULL, 'n'},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"replace-forwarding", no_argument, NULL, OPT_REPLACE_FORWARDING},
		{"hooks", required_argument, NULL, OPT_HOOKS},
		{"nft", required_argument, NULL, OPT_NFT},
		{"iptables-restore", required_argument, NULL, OPT_IPTABLES_RESTORE},
		{"ip6tables-restore", required_argument, NULL, OPT_IP6TABLES_RESTORE},
		{"on-failure", required_argument, NULL, OPT_ON_FAILURE},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "apply", .usage = usage, .help = help,
					       .opts = opts, .take = take, .take_unknown = true};
	struct apply_args a = {.o = {.mode = PORTSPEC_MODE_HOST, .timeout = 30,
				     .format = PORTSPEC_AUDIT_TEXT}};
	struct apply_opts *o = &a.o;
	struct apply_target ts[MAX_TARGETS] = {0};
	int rc;
	if (!cli_parse(&cmd, &a, &o->po, argc, argv, &rc))
		goto out;
	if (!a.why && optind < argc)
		a.why = cli_unexpected(argv[optind], "--backend");
	if (!o->nbackends && !a.why)
		o->backends[o->nbackends++] = "nft";
	if (!a.why)
		a.why = conflicts(o);
	if (!a.why && !o->yes && !o->dry_run && !isatty(STDIN_FILENO))
		a.why = "no terminal to confirm on, so nothing was changed: run it on a terminal "
			"(ssh -t), or pass --yes to keep the rules without asking";
	rc = setup_targets(o, ts);
	if (a.why || rc || a.bad_optind) {
		/* At boot a broken command line must not leave the host open either. */
		if (o->closed && o->nbackends && !rc)
			fail_closed(ts, o->nbackends);
		optind = a.bad_optind;
		optopt = a.bad_optopt;
		rc = a.bad_optind ? cli_bad_option("apply", usage, argv)
		     : a.why      ? cli_usage_error("apply", usage, a.why) : rc;
		goto out;
	}
	rc = run(o, ts);
	if (o->closed && rc != EXIT_OK && rc != EXIT_ROLLED_BACK)
		fail_closed(ts, o->nbackends);
out:
	for (size_t i = 0; i < MAX_TARGETS; i++)
		target_release(&ts[i]);
	cli_policy_opts_release(&o->po);
	return rc;
}

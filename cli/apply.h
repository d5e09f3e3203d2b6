/* SPDX-License-Identifier: MIT */
/*
 * portspec apply: load a rendered ruleset with the real tool, keep it only
 * when the user confirms, restore the saved one otherwise.
 *
 *   cmd-apply.c       options, the order of the steps, exit codes
 *   apply-text.c      a growable text buffer and line helpers
 *   apply-tool.c      runs nft / iptables-restore / iptables-save (argument
 *                     vectors, never a shell; input and output through files)
 *   apply-nft.c       what an nft ruleset touches, the saved tables, the restore
 *   apply-iptables.c  the same for iptables-restore input
 *   apply-confirm.c   the wait for "yes" on the terminal, with the signals
 *
 * This lives in the CLI, not in the library: it starts processes, reads a
 * terminal, handles signals and time, none of which an embeddable libc-only
 * library should do behind its caller's back (libportspec(3), APPLYING).
 */
#ifndef PORTSPEC_CLI_APPLY_H
#define PORTSPEC_CLI_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include <portspec/audit.h>

/* A NUL-terminated text that grows; {0} is an empty one. */
struct apply_text {
	char *s;
	size_t len, cap;
};

bool text_add(struct apply_text *t, const char *s, size_t n);
bool text_adds(struct apply_text *t, const char *s);
/* Appends "a b c\n" for the NULL-terminated words. */
bool text_line(struct apply_text *t, const char *const *words);
void text_release(struct apply_text *t);
/* The next line of @s from *@pos (without its '\n'); false at the end. */
bool text_next_line(const char *s, size_t len, size_t *pos, const char **line, size_t *n);
/* True if the n bytes at @line start with @prefix. */
bool text_starts(const char *line, size_t n, const char *prefix);
/* True if the n bytes at @s contain @needle. */
bool text_contains(const char *s, size_t n, const char *needle);

/* What a finished tool run gave back. */
struct tool_result {
	int spawn_errno;       /* not 0: the program could not be started */
	int status;            /* exit status, or 128 + signal */
	struct apply_text out; /* its standard output */
	struct apply_text err; /* its standard error */
};

/*
 * Runs argv[0] (found on PATH unless it has a '/') with @in on its standard
 * input, collecting its output.  The child gets an empty signal mask, default
 * signal dispositions and its own process group, so a ^C on the terminal
 * never interrupts a load half-way.  Returns false only when the run could
 * not be set up at all (after printing why); a failed tool is r->status != 0.
 */
bool tool_run(const char *const *argv, const char *in, size_t inlen, struct tool_result *r);
void tool_result_release(struct tool_result *r);
/*
 * Runs a tool that only lists (no input).  EXIT_OK with its output in @r
 * (release it), or the exit code after printing why (@what names the step).
 */
int tool_output(const char *const *argv, const char *what, struct tool_result *r);
/* Prints "portspec apply: WHAT: `argv`: why" and the tool's stderr. */
void tool_report(const char *what, const char *const *argv, const struct tool_result *r);

/* How a target loads a text: the arguments beyond the tool's name. */
struct apply_load {
	struct apply_text text;
	bool noflush;  /* iptables-restore --noflush */
	bool counters; /* iptables-restore --counters */
};

enum apply_kind { APPLY_NFT, APPLY_IPTABLES };

/* One backend's ruleset on its way into the kernel. */
struct apply_target {
	const char *backend; /* "nft", "iptables", "ip6tables" */
	enum apply_kind kind;
	bool fragment;
	bool gateway;
	bool has_hooks;       /* nft fragment: base chains from --hooks are in the rules */
	const char *name;     /* the fragment's chain, or the nft table's name */
	const char *tool;     /* nft, or iptables-restore / ip6tables-restore */
	char *save_tool;      /* iptables-save / ip6tables-save (NULL for nft) */
	struct apply_load rules;   /* what is loaded */
	struct apply_load restore; /* what brings the saved state back */
	struct apply_text before;  /* the listing a rollback must give back */
	struct apply_text note;    /* said before loading (what a rollback cannot keep) */
	char **tables;        /* iptables: the tables the ruleset names */
	size_t ntables;
	bool loaded;          /* the load ran (it may have half-succeeded) */
};

void target_release(struct apply_target *t);

/*
 * Exit codes of the backend steps follow cli.h; each step prints its own
 * error.  inspect: what the rendered rules touch.  save: saves the live
 * state the rules touch and builds the restore text.  load/rollback: loads the rules / the restore.  listing:
 * what a rollback is compared with.
 */
int nft_inspect(struct apply_target *t);
int nft_save(struct apply_target *t);
int iptables_inspect(struct apply_target *t);
int iptables_save(struct apply_target *t);
/* The backend's save, then t->before, then a check of the restore. */
int target_snapshot(struct apply_target *t);
/* `iptables-save -t TABLE` of each table the rules name, without the dated comments. */
int iptables_listing(const struct apply_target *t, struct apply_text *out);
/* Reads the live listing that t->before is compared with into @out. */
int target_listing(const struct apply_target *t, struct apply_text *out);
/* Checks (check=true) or loads @l with the target's tool; @what names it in errors. */
int target_run_load(const struct apply_target *t, const struct apply_load *l, bool check,
		    const char *what);

/*
 * Reads an nft file of base chains (--hooks) for table inet NAME and appends
 * it to the rules; only `table inet NAME { ... }` blocks are allowed.
 */
int nft_add_hooks(struct apply_target *t, const char *path);

/*
 * Calls @fn with each live nft table but table inet NAME (the one a load
 * replaces), in the order `nft list tables` gives; stops at the first
 * non-zero return and returns it.
 */
int nft_each_other_table(const struct apply_target *t,
			 int (*fn)(const char *family, const char *name, void *ud), void *ud);
/*
 * --dry-run: what the live ruleset and the one a load would leave differ in
 * (libportspec-audit's diff, as portspec diff prints it), with nothing loaded:
 * the new ruleset is built in a network namespace of its own.  Exit codes as
 * for portspec diff.
 */
int apply_dry_run(struct apply_target *ts, size_t n, enum portspec_audit_format fmt);

/* The ruleset that drops everything but loopback, for --on-failure=closed. */
bool closed_ruleset(const struct apply_target *t, struct apply_load *out);

enum answer {
	ANSWER_YES,     /* "yes" */
	ANSWER_NO,      /* another line */
	ANSWER_EOF,     /* end of input, or the terminal went away */
	ANSWER_TIMEOUT, /* nothing within the time */
	ANSWER_SIGNAL,  /* SIGINT, SIGTERM or SIGHUP */
};

/*
 * From now on SIGINT, SIGTERM and SIGHUP are held (a signal during a load is
 * acted on after it) and job-control stops are ignored (a stopped process
 * would hold the timeout).  Returns false after printing why.
 */
bool signals_hold(void);
/* True if one of the held signals arrived. */
bool signals_pending(void);
/* Back to the signal state before signals_hold(). */
void signals_release(void);
/* Prompts on stderr and waits for a line on the terminal @fd. */
enum answer confirm_wait(int fd, unsigned timeout, const char *prompt);
/* The name of the signal that ended the wait ("SIGTERM"). */
const char *confirm_signal_name(void);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * portspec apply: runs the firewall tools.  Always an argument vector
 * (posix_spawnp, never a shell), and the rules go through standard input,
 * never through the command line.  Input and output are anonymous temporary
 * files rather than pipes: no deadlock however much either side writes, and
 * nothing named on the file system.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"

extern char **environ;

static bool write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

static bool read_all(int fd, struct apply_text *t)
{
	char buf[8192];
	if (lseek(fd, 0, SEEK_SET) < 0)
		return false;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			return text_add(t, "", 0);
		if (!text_add(t, buf, (size_t)n))
			return false;
	}
}

/* The signals the parent holds or ignores: the child starts with defaults. */
static const int child_default_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE,
					    SIGTSTP, SIGTTIN, SIGTTOU};

static int spawn(pid_t *pid, const char *const *argv, FILE *in, FILE *out, FILE *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	int rc = posix_spawn_file_actions_init(&fa);
	if (rc)
		return rc;
	rc = posix_spawnattr_init(&attr);
	if (rc) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigemptyset(&none);
	sigemptyset(&defaults);
	for (size_t i = 0; i < sizeof(child_default_signals) / sizeof(child_default_signals[0]); i++)
		sigaddset(&defaults, child_default_signals[i]);
	if (!(rc = posix_spawn_file_actions_adddup2(&fa, fileno(in), STDIN_FILENO)) &&
	    !(rc = posix_spawn_file_actions_adddup2(&fa, fileno(out), STDOUT_FILENO)) &&
	    !(rc = posix_spawn_file_actions_adddup2(&fa, fileno(err), STDERR_FILENO)) &&
	    !(rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
							   POSIX_SPAWN_SETPGROUP)) &&
	    !(rc = posix_spawnattr_setsigmask(&attr, &none)) &&
	    !(rc = posix_spawnattr_setsigdefault(&attr, &defaults)) &&
	    !(rc = posix_spawnattr_setpgroup(&attr, 0)))
		rc = posix_spawnp(pid, argv[0], &fa, &attr, (char *const *)argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

bool tool_run(const char *const *argv, const char *in, size_t inlen, struct tool_result *r)
{
	*r = (struct tool_result){0};
	FILE *fin = tmpfile(), *fout = tmpfile(), *ferr = tmpfile();
	bool ok = false;
	pid_t pid;
	if (!fin || !fout || !ferr) {
		fprintf(stderr, "portspec apply: cannot create a temporary file: %s\n",
			strerror(errno));
		goto out;
	}
	if (!write_all(fileno(fin), in ? in : "", in ? inlen : 0) ||
	    lseek(fileno(fin), 0, SEEK_SET) < 0) {
		fprintf(stderr, "portspec apply: cannot write a temporary file: %s\n",
			strerror(errno));
		goto out;
	}
	int rc = spawn(&pid, argv, fin, fout, ferr);
	if (rc) {
		r->spawn_errno = rc;
		r->status = 127;
		ok = true;
		goto out;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "portspec apply: waiting for %s: %s\n", argv[0],
				strerror(errno));
			goto out;
		}
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (!read_all(fileno(fout), &r->out) || !read_all(fileno(ferr), &r->err)) {
		fprintf(stderr, "portspec apply: cannot read the output of %s: %s\n", argv[0],
			strerror(errno));
		goto out;
	}
	ok = true;
out:
	if (fin)
		fclose(fin);
	if (fout)
		fclose(fout);
	if (ferr)
		fclose(ferr);
	if (!ok)
		tool_result_release(r);
	return ok;
}

int tool_output(const char *const *argv, const char *what, struct tool_result *r)
{
	if (!tool_run(argv, NULL, 0, r))
		return EXIT_IOERR;
	if (r->status == 0)
		return EXIT_OK;
	tool_report(what, argv, r);
	tool_result_release(r);
	return EXIT_UNAVAILABLE;
}

void tool_result_release(struct tool_result *r)
{
	text_release(&r->out);
	text_release(&r->err);
}

/* The tool's own words, one line at a time, control characters blanked. */
static void print_tool_stderr(const char *tool, const struct apply_text *err)
{
	size_t pos = 0, n;
	const char *line;
	while (text_next_line(err->s, err->len, &pos, &line, &n)) {
		if (!n)
			continue;
		fprintf(stderr, "  %s: ", tool);
		for (size_t i = 0; i < n; i++)
			fputc((unsigned char)line[i] < 0x20 && line[i] != '\t' ? ' ' : line[i],
			      stderr);
		fputc('\n', stderr);
	}
}

void tool_report(const char *what, const char *const *argv, const struct tool_result *r)
{
	fprintf(stderr, "portspec apply: %s: '", what);
	for (size_t i = 0; argv[i]; i++)
		fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
	if (r->spawn_errno == ENOENT)
		fprintf(stderr, "': %s not found%s\n", argv[0],
			strchr(argv[0], '/') ? "" : " on PATH (install it, or name it with an option)");
	else if (r->spawn_errno)
		fprintf(stderr, "': cannot run %s: %s\n", argv[0], strerror(r->spawn_errno));
	else if (r->status > 128)
		fprintf(stderr, "' was killed by signal %d\n", r->status - 128);
	else
		fprintf(stderr, "' failed (exit status %d)%s\n", r->status,
			r->err.len ? ":" : "");
	print_tool_stderr(argv[0], &r->err);
}

/* SPDX-License-Identifier: MIT */
/*
 * portspec doc: the policy as a document for people: the vendor's tables
 * and per-zone port lists in Markdown, CSV for spreadsheets, JSON for tools,
 * and the "how to set up the firewall" picture as Graphviz DOT or, through
 * Graphviz's dot(1), SVG.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
	"usage: portspec doc [--format FORMAT] [--mode host|gateway] [--output FILE] [--fragment]\n"
	"                    [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [--quiet]\n";

/* The formats: the library's document backends, and svg. */
static void list_formats(FILE *fp, bool described)
{
	for (size_t i = 0; i < portspec_backend_count(); i++) {
		const char *name = portspec_backend_name(i);
		if (portspec_backend_kind(name) != PORTSPEC_BACKEND_DOCUMENT)
			continue;
		if (described)
			fprintf(fp, "  %-9s %s\n", name, portspec_backend_description(name));
		else
			fprintf(fp, "%s, ", name);
	}
	fputs(described ? "  svg       the dot picture drawn by Graphviz dot(1), which must be "
			  "installed\n"
			: "svg", fp);
}

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nDocuments the policy for a firewall team, in one of these formats\n"
	      "(markdown is the default):\n", stdout);
	list_formats(stdout, true);
	fputs("\noptions:\n"
	      "  -f, --format FORMAT    one of the formats above\n"
	      "  -m, --mode MODE        the rules the change-request columns describe (the\n"
	      "                         source, destination and interfaces of each flow):\n"
	      "                         host (default) or gateway\n"
	      "  -o, --output FILE      write to FILE instead of stdout\n"
	      "  -F, --fragment         a part for a larger document: markdown without its\n"
	      "                         title, csv without its header, json the bare flow\n"
	      "                         array, dot a subgraph\n"
	      CLI_POLICY_HELP
	      "  -h, --help             this help\n"
	      "\nexamples:\n"
	      "  portspec doc --profile site.profile > firewall-ports.md\n"
	      "  portspec doc --format svg --output firewall-ports.svg\n"
	      "  portspec doc --format dot | dot -Tpng > firewall-ports.png\n",
	      stdout);
}

/* Runs `dot -Tsvg` with `text` on its input and `out` as its output. */
static int run_dot(const char *text, size_t len, FILE *out)
{
	int fds[2];
	if (fflush(out) != 0 || pipe(fds) != 0) {
		fprintf(stderr, "portspec doc: cannot start dot: %s\n", strerror(errno));
		return EXIT_IOERR;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "portspec doc: cannot start dot: %s\n", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return EXIT_IOERR;
	}
	if (pid == 0) {
		close(fds[1]);
		if (dup2(fds[0], STDIN_FILENO) < 0 || dup2(fileno(out), STDOUT_FILENO) < 0)
			_exit(126);
		execlp("dot", "dot", "-Tsvg", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t off = 0;
	bool werr = false;
	while (off < len) {
		ssize_t n = write(fds[1], text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			werr = true;
			break;
		}
		off += (size_t)n;
	}
	close(fds[1]);
	signal(SIGPIPE, old);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		fprintf(stderr, "portspec doc: Graphviz 'dot' was not found; install Graphviz, "
				"or use --format dot and draw it elsewhere\n");
		return EXIT_IOERR;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || werr) {
		fprintf(stderr, "portspec doc: dot -Tsvg failed\n");
		return EXIT_IOERR;
	}
	return EXIT_OK;
}

struct doc_args {
	const char *format, *output;
	unsigned flags;
	enum portspec_mode mode;
	bool bad_mode;
};

static int take(void *ctx, int c, char *arg)
{
	struct doc_args *a = ctx;
	switch (c) {
	case 'f': a->format = arg; break;
	case 'm': a->bad_mode |= !cli_parse_mode(arg, &a->mode); break;
	case 'o': a->output = arg; break;
	case 'F': a->flags |= PORTSPEC_RENDER_FRAGMENT; break;
	}
	return EXIT_OK;
}

int cmd_doc(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"mode", required_argument, NULL, 'm'},
		{"output", required_argument, NULL, 'o'},
		{"fragment", no_argument, NULL, 'F'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "doc", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	struct cli_policy_opts po = {0};
	struct doc_args a = {.format = "markdown", .mode = PORTSPEC_MODE_HOST};
	int rc;
	if (!cli_parse(&cmd, &a, &po, argc, argv, &rc))
		goto out;
	/* The document backends of the library, and svg: dot drawn by Graphviz. */
	if (!strcmp(a.format, "md"))
		a.format = "markdown";
	bool known = !strcmp(a.format, "svg") ||
		     portspec_backend_kind(a.format) == PORTSPEC_BACKEND_DOCUMENT;
	if (optind < argc || a.bad_mode) {
		rc = cli_usage_error("doc", usage,
				     a.bad_mode ? "--mode is host or gateway"
					      : cli_unexpected(argv[optind], "--format"));
		goto out;
	}
	if (!known) {
		fputs("portspec doc: --format is one of: ", stderr);
		list_formats(stderr, false);
		fputs("\n", stderr);
		rc = cli_usage_error("doc", usage, NULL);
		goto out;
	}
	bool svg = !strcmp(a.format, "svg");
	if (svg && (a.flags & PORTSPEC_RENDER_FRAGMENT)) {
		rc = cli_usage_error("doc", usage, "--fragment does not apply to svg");
		goto out;
	}
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	rc = cli_load_policy(&po, false, &spec, &policy);
	if (rc)
		goto out;
	char *text = NULL;
	size_t len = 0;
	struct portspec_error err = {0};
	if (portspec_render_to_string(
		    policy, svg ? "dot" : a.format,
		    &(struct portspec_render_options){.mode = a.mode, .flags = a.flags}, &text, &len,
		    &err)) {
		rc = cli_report(&err);
	} else {
		FILE *fp = a.output ? fopen(a.output, "w") : stdout;
		if (!fp) {
			fprintf(stderr, "portspec doc: cannot write %s: %s\n", a.output,
				strerror(errno));
			rc = EXIT_IOERR;
		} else {
			if (svg)
				rc = run_dot(text, len, fp);
			else if (fwrite(text, 1, len, fp) != len)
				rc = EXIT_IOERR;
			if ((fflush(fp) != 0 || ferror(fp)) && !rc)
				rc = EXIT_IOERR;
			if (fp != stdout && fclose(fp) != 0 && !rc)
				rc = EXIT_IOERR;
			if (rc == EXIT_IOERR && !svg)
				fprintf(stderr, "portspec doc: write error on %s\n",
					a.output ? a.output : "standard output");
		}
		portspec_free(text);
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
out:
	cli_policy_opts_release(&po);
	return rc;
}

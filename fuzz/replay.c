/* SPDX-License-Identifier: MIT */
/*
 * Runs a fuzz harness over files without libFuzzer, with any compiler: the
 * seed corpora and every input that once crashed (fuzz/regressions/) are
 * replayed by the test suite, under the sanitizers and valgrind too.
 * Usage: replay [--skip SUFFIX]... FILE-OR-DIR...
 * --skip leaves out the files of a directory whose names end in SUFFIX: the
 * golden files beside the inputs of a test's cases (tests/audit/readers/).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		perror(path);
		return 1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *p = realloc(buf, cap *= 2);
			if (!p)
				free(buf);
			buf = p;
		}
	}
	int bad = ferror(fp);
	fclose(fp);
	if (!buf || bad) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(buf);
		return 1;
	}
	/* An exact-size copy, so that reading past the input is caught. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return 1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static const char *skip[8];
static size_t nskip;

static bool skipped(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < nskip; i++) {
		size_t k = strlen(skip[i]);
		if (n > k && !strcmp(name + n - k, skip[i]))
			return true;
	}
	return false;
}

static int run_path(const char *path, size_t *count)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return 1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && !skipped(names[i]->d_name) && rc == 0) {
			size_t need = strlen(path) + strlen(names[i]->d_name) + 2;
			char *child = malloc(need);
			if (!child) {
				rc = 1;
			} else {
				snprintf(child, need, "%s/%s", path, names[i]->d_name);
				rc = run_path(child, count);
				free(child);
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	size_t count = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--skip") && i + 1 < argc) {
			if (nskip == sizeof(skip) / sizeof(skip[0])) {
				fprintf(stderr, "replay: too many --skip\n");
				return 1;
			}
			skip[nskip++] = argv[++i];
		} else if (run_path(argv[i], &count) != 0) {
			return 1;
		}
	}
	printf("replayed %zu inputs\n", count);
	return 0;
}

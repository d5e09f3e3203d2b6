/* SPDX-License-Identifier: MIT */
/*
 * Build-time helper: writes a C source file that defines
 *   const char NAME[] = { ...bytes..., 0 };
 * from an input file, so data files are compiled into the library.
 * Usage: embed-file INPUT OUTPUT NAME
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s INPUT OUTPUT NAME\n", argv[0]);
		return 2;
	}
	FILE *in = fopen(argv[1], "rb");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	FILE *out = fopen(argv[2], "w");
	if (!out) {
		perror(argv[2]);
		fclose(in);
		return 1;
	}
	fprintf(out, "/* Generated from %s by embed-file; do not edit. */\n", argv[1]);
	fprintf(out, "extern const char %s[];\nconst char %s[] = {\n", argv[3], argv[3]);
	int c;
	unsigned long n = 0;
	while ((c = fgetc(in)) != EOF) {
		fprintf(out, "%d,%s", c, (++n % 24) ? "" : "\n");
	}
	fprintf(out, "0\n};\n");
	int bad = ferror(in) || ferror(out);
	fclose(in);
	if (fclose(out) != 0 || bad) {
		fprintf(stderr, "embed-file: I/O error\n");
		remove(argv[2]);
		return 1;
	}
	return 0;
}

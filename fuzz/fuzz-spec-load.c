/* SPDX-License-Identifier: MIT */
/*
 * Spec files: reading a file piece by piece (portspec_spec_load) gives what
 * parsing the same bytes at once (portspec_spec_parse) gives: the same error
 * at the same place, or an equal spec.  The pieces are tiny (1 to 97 bytes,
 * chosen by the input's length), so lines, strings and the UTF-8 sequences in
 * them are split at every place a big file could split them.
 */
#include "private.h"

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp = tmpfile();
	if (!fp)
		return 0;
	if (size && fwrite(data, 1, size, fp) != size) {
		fclose(fp);
		return 0;
	}
	rewind(fp);
	struct portspec_spec *whole = NULL, *pieces = NULL;
	struct portspec_error ew, ep;
	memset(&ew, 0, sizeof(ew));
	memset(&ep, 0, sizeof(ep));
	size_t piece = 1 + size % 97;
	enum portspec_status sw = portspec_spec_parse((const char *)data, size, "fuzz", &whole, &ew);
	enum portspec_status sp = ps_spec_read(fp, "fuzz", piece, &pieces, &ep);
	fclose(fp);
	FUZZ_CHECK(sw == sp, "parse says %d, %zu-byte pieces say %d (%u:%u %s / %u:%u %s)", (int)sw,
		   piece, (int)sp, ew.line, ew.column, ew.text, ep.line, ep.column, ep.text);
	if (sw != PORTSPEC_OK) {
		fuzz_check_error(sp, &ep);
		FUZZ_CHECK(ew.line == ep.line && ew.column == ep.column &&
				   strcmp(ew.text, ep.text) == 0 && strcmp(ew.file, ep.file) == 0,
			   "parse: %u:%u %s; %zu-byte pieces: %u:%u %s", ew.line, ew.column, ew.text,
			   piece, ep.line, ep.column, ep.text);
		FUZZ_CHECK(pieces == NULL, "spec set on failure");
		return 0;
	}
	FUZZ_CHECK(portspec_spec_equal(whole, pieces), "%zu-byte pieces give another spec", piece);
	for (size_t i = 0; i < portspec_spec_service_count(whole); i++)
		FUZZ_CHECK(whole->services[i].line == pieces->services[i].line,
			   "service %zu declared at line %u, in pieces at %u", i,
			   whole->services[i].line, pieces->services[i].line);
	portspec_spec_free(whole);
	portspec_spec_free(pieces);
	return 0;
}

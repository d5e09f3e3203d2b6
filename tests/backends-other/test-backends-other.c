/* SPDX-License-Identifier: MIT */
/*
 * pf, netsh and PowerShell backends: address complements, golden files for
 * the default spec (PORTSPEC_REGEN=1 rewrites them), and hostile spec
 * strings that must leave the output's structure unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backends/common.h"
#include "portspec/portspec.h"
#include "testutil.h"

/* ---- helpers ---------------------------------------------------------- */

static char *complement_str(unsigned family, const char *const *nets, size_t n)
{
	struct portspec_cidr c[16] = {{0}};
	struct portspec_error err;
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(portspec_cidr_parse(nets[i], &c[i], &err), PORTSPEC_OK);
	struct ps_ranges nets_r, r;
	ps_ranges_init(&nets_r, family);
	for (size_t i = 0; i < n; i++)
		ps_ranges_add_cidr(&nets_r, &c[i]);
	ps_ranges_normalize(&nets_r);
	ps_ranges_complement(&nets_r, &r);
	assert_false(r.failed);
	struct ps_buf b;
	ps_buf_init(&b);
	for (size_t i = 0; i < r.n; i++) {
		if (i)
			ps_buf_putc(&b, ',');
		ps_addr_range_append(&b, &r.v[i]);
	}
	ps_ranges_release(&r);
	ps_ranges_release(&nets_r);
	/* An empty buffer has no text to steal. */
	char *s = b.len ? ps_buf_steal(&b, NULL) : ps_strdup("");
	ps_buf_release(&b);
	assert_non_null(s);
	return s;
}

#define CHECK_COMPLEMENT(fam, expect, ...)                                                         \
	do {                                                                                       \
		const char *const nets_[] = {__VA_ARGS__};                                         \
		char *got_ = complement_str(fam, nets_, sizeof(nets_) / sizeof(nets_[0]));         \
		assert_string_equal(got_, expect);                                                 \
		ps_free(got_);                                                                     \
	} while (0)

/* A policy of @spec_text (NULL: the built-in spec) with settings given as
 * key, value pairs (NULL-terminated; NULL: none). */
static struct portspec_policy *policy_of(const char *spec_text, const char *const *sets)
{
	struct portspec_error err;
	struct portspec_spec *spec = NULL;
	struct portspec_profile *profile = NULL;
	struct portspec_policy *policy = NULL;
	if (spec_text)
		assert_int_equal(portspec_spec_parse(spec_text, strlen(spec_text),
						     "hostile.portspec", &spec, &err),
				 PORTSPEC_OK);
	else
		assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	assert_int_equal(portspec_profile_new(spec, &profile, NULL), PORTSPEC_OK);
	for (size_t i = 0; sets && sets[i]; i += 2)
		assert_int_equal(portspec_profile_set(profile, sets[i], sets[i + 1], &err),
				 PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(spec, profile, &policy, &err), PORTSPEC_OK);
	portspec_profile_free(profile);
	portspec_spec_free(spec);
	return policy;
}

static char *render(const char *spec_text, const char *backend, enum portspec_mode mode,
		    unsigned flags, const char *const *sets, enum portspec_status *status)
{
	struct portspec_error err;
	struct portspec_policy *policy = policy_of(spec_text, sets);
	char *out = NULL;
	enum portspec_status st = portspec_render_to_string(
		policy, backend, &(struct portspec_render_options){.mode = mode, .flags = flags},
		&out, NULL, &err);
	if (status)
		*status = st;
	else if (st != PORTSPEC_OK)
		fail_msg("render %s: %s", backend, err.text);
	portspec_policy_free(policy);
	return out;
}

static void check_golden(const char *file, const char *text)
{
	char rel[512];
	snprintf(rel, sizeof(rel), "tests/backends-other/golden/%s", file);
	if (!tu_golden(tu_src_path(rel), text, strlen(text)))
		fail_msg("golden file %s: see above", file);
}

/* ---- address complement ---------------------------------------------- */

static void test_complement_v4(void **state)
{
	(void)state;
	CHECK_COMPLEMENT(4, "0.0.0.0-192.0.1.255,192.0.3.0-255.255.255.255", "192.0.2.0/24");
	CHECK_COMPLEMENT(4, "", "0.0.0.0/0");
	CHECK_COMPLEMENT(4, "0.0.0.0-192.0.2.0,192.0.2.2-255.255.255.255", "192.0.2.1/32");
	CHECK_COMPLEMENT(4, "0.0.0.1-255.255.255.255", "0.0.0.0/32");
	CHECK_COMPLEMENT(4, "0.0.0.0-255.255.255.254", "255.255.255.255/32");
	/* adjacent networks merge */
	CHECK_COMPLEMENT(4, "0.0.0.0-192.0.1.255,192.0.3.0-255.255.255.255", "192.0.2.128/25",
			 "192.0.2.0/25");
	CHECK_COMPLEMENT(4, "", "128.0.0.0/1", "0.0.0.0/1");
	/* overlapping, nested and unsorted */
	CHECK_COMPLEMENT(4,
			 "0.0.0.0-9.255.255.255,11.0.0.0-192.0.1.255,192.0.3.0-198.51.99.255,"
			 "198.51.101.0-255.255.255.255",
			 "198.51.100.0/24", "10.1.0.0/16", "192.0.2.0/24", "10.0.0.0/8",
			 "10.0.0.0/8");
	/* v6 networks do not count for v4 */
	CHECK_COMPLEMENT(4, "0.0.0.0-255.255.255.255", "2001:db8::/32");
	/* a single-address gap */
	CHECK_COMPLEMENT(4, "0.0.0.0-192.0.2.0,192.0.2.2,192.0.2.4-255.255.255.255", "192.0.2.1/32",
			 "192.0.2.3/32");
}

static void test_complement_v6(void **state)
{
	(void)state;
	CHECK_COMPLEMENT(6,
			 "::-2001:db7:ffff:ffff:ffff:ffff:ffff:ffff,"
			 "2001:db9::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
			 "2001:db8::/32");
	CHECK_COMPLEMENT(6, "", "::/0");
	CHECK_COMPLEMENT(6, "::,::2-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::1/128");
	CHECK_COMPLEMENT(6, "::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/128");
	CHECK_COMPLEMENT(6, "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
			 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	/* adjacent, overlapping, unsorted */
	CHECK_COMPLEMENT(6,
			 "::-2001:db8:1:ffff:ffff:ffff:ffff:ffff,"
			 "2001:db8:4::-fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,"
			 "fe00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
			 "fc00::/7", "2001:db8:3::/48", "2001:db8:2::/48", "2001:db8:2:1::/64");
	CHECK_COMPLEMENT(6, "", "8000::/1", "::/1");
	CHECK_COMPLEMENT(6, "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "192.0.2.0/24");
	/* no networks at all: everything */
	char *all = complement_str(6, NULL, 0);
	assert_string_equal(all, "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ps_free(all);
	all = complement_str(4, NULL, 0);
	assert_string_equal(all, "0.0.0.0-255.255.255.255");
	ps_free(all);
}

static void test_complement_is_exact(void **state)
{
	(void)state;
	/* Every complement range plus every network tiles the v4 space exactly:
	 * check with a small brute force over a /20 region. */
	const char *nets_txt[] = {"10.0.1.0/24", "10.0.2.0/23", "10.0.8.5/32", "10.0.8.0/30",
				  "10.0.15.255/32"};
	struct portspec_cidr nets[5];
	struct portspec_error err;
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(portspec_cidr_parse(nets_txt[i], &nets[i], &err), PORTSPEC_OK);
	struct ps_ranges nr, cr;
	ps_ranges_init(&nr, 4);
	for (size_t i = 0; i < 5; i++)
		ps_ranges_add_cidr(&nr, &nets[i]);
	ps_ranges_normalize(&nr);
	ps_ranges_complement(&nr, &cr);
	const struct portspec_addr_range *r = cr.v;
	size_t count = cr.n;
	for (uint32_t a = 0x0a000000u; a < 0x0a001000u + 16; a++) {
		unsigned char ab[4] = {a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff};
		bool in_net = false, in_range = false;
		for (size_t i = 0; i < 5; i++) {
			uint32_t n = (uint32_t)nets[i].addr[0] << 24 | nets[i].addr[1] << 16 |
				     nets[i].addr[2] << 8 | nets[i].addr[3];
			uint32_t mask = nets[i].prefix ? 0xffffffffu << (32 - nets[i].prefix) : 0;
			in_net |= (a & mask) == n;
		}
		for (size_t i = 0; i < count; i++)
			in_range |= memcmp(ab, r[i].first, 4) >= 0 && memcmp(ab, r[i].last, 4) <= 0;
		if (in_net == in_range)
			fail_msg("address 0x%08x: in a network %d, in the complement %d", a, in_net,
				 in_range);
	}
	ps_ranges_release(&cr);
	ps_ranges_release(&nr);
}

static void test_addr_format(void **state)
{
	(void)state;
	const char *cases[][2] = {
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
		{"::", "::"},
		{"::1", "::1"},
		{"1::", "1::"},
		{"fe80::", "fe80::"},
		{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
		{"192.0.2.7", "192.0.2.7"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct portspec_cidr c;
		struct portspec_error err;
		assert_int_equal(portspec_cidr_parse(cases[i][0], &c, &err), PORTSPEC_OK);
		struct ps_buf b;
		ps_buf_init(&b);
		ps_addr_append(&b, c.family, c.addr);
		char *s = ps_buf_steal(&b, NULL);
		assert_string_equal(s, cases[i][1]);
		ps_free(s);
	}
}

/* The fast appenders of struct ps_buf write what printf would. */
static void test_fast_appenders(void **state)
{
	(void)state;
	const unsigned long long values[] = {0, 1, 9, 10, 99, 100, 1023, 65535, 65536,
					     4294967295ull, 18446744073709551615ull};
	/* Prefixes of 250 to 260 bytes make the appends cross the buffer's first
	 * capacity (256). */
	for (size_t pre = 250; pre <= 260; pre++)
		for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
			unsigned long long v = values[i];
			unsigned u = (unsigned)v;
			struct ps_buf fast, slow;
			ps_buf_init(&fast);
			ps_buf_init(&slow);
			for (size_t k = 0; k < pre; k++) {
				ps_buf_putc(&fast, 'x');
				ps_buf_putc(&slow, 'x');
			}
			ps_buf_put_uint(&fast, v);
			ps_buf_printf(&slow, "%llu", v);
			ps_buf_put_hex(&fast, u);
			ps_buf_printf(&slow, "%x", u);
			ps_buf_put_range(&fast, u, u, ":");
			ps_buf_printf(&slow, "%u", u);
			ps_buf_put_range(&fast, u, u + 1, "-");
			ps_buf_printf(&slow, "%u-%u", u, u + 1);
			unsigned char a4[4] = {(unsigned char)v, (unsigned char)(v >> 8), 0, 255};
			ps_buf_put_ipv4(&fast, a4);
			ps_buf_printf(&slow, "%u.%u.%u.%u", a4[0], a4[1], a4[2], a4[3]);
			ps_buf_cat(&fast, "", " -A ", "chain", NULL);
			ps_buf_printf(&slow, "%s%s%s", "", " -A ", "chain");
			assert_false(fast.failed);
			assert_int_equal(fast.len, slow.len);
			assert_string_equal(fast.data, slow.data);
			ps_buf_release(&fast);
			ps_buf_release(&slow);
		}
}

/*
 * ps_run_labels, grown a port at a time and taken back by one, has the text
 * ps_ports_labels() writes for each run, the cut included.
 */
static void test_run_labels(void **state)
{
	(void)state;
	struct portspec_error err;
	struct portspec_spec *spec = NULL;
	struct portspec_profile *profile = NULL;
	struct portspec_policy *policy = NULL;
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	assert_int_equal(portspec_profile_new(spec, &profile, NULL), PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(spec, profile, &policy, &err), PORTSPEC_OK);
	const struct portspec_plan *plan = portspec_policy_plan(policy, PORTSPEC_MODE_HOST);
	size_t runs = 0, cut = 0;
	const size_t maxes[] = {20, 60, 255};
	for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		struct ps_run_labels l;
		ps_run_labels_init(&l, maxes[m]);
		for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
			const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
			for (size_t first = 0; first < e->port_count; first++)
				for (size_t n = 1; first + n <= e->port_count && n <= 16; n++) {
					const struct portspec_plan_port *p = &e->ports[first];
					ps_run_labels_set(&l, p, n);
					if (n > 1 && n % 3 == 0) { /* grow, then take it back */
						ps_run_labels_set(&l, p, n + (first + n < e->port_count));
						ps_run_labels_set(&l, p, n);
					}
					struct ps_buf want;
					ps_buf_init(&want);
					ps_ports_labels(&want, p, n, maxes[m]);
					assert_false(want.failed || l.text.failed);
					assert_int_equal(l.text.len, want.len);
					assert_memory_equal(l.text.data ? l.text.data : "",
							    want.data ? want.data : "", want.len);
					cut += want.len > maxes[m];
					runs++;
					ps_buf_release(&want);
				}
		}
		ps_run_labels_release(&l);
	}
	assert_true(runs > 100); /* the built-in spec has entries of many ports */
	assert_true(cut > 0);    /* and runs whose labels are cut */
	portspec_policy_free(policy);
	portspec_profile_free(profile);
	portspec_spec_free(spec);
}

static void test_text_filter(void **state)
{
	(void)state;
	struct ps_buf b;
	ps_buf_init(&b);
	ps_text_filtered(&b, "  a\"b%c&d|e^f<g>h!i\nj\r\tk \xe2\x80\x98q\xe2\x80\x99  ", ".", 100);
	char *s = ps_buf_steal(&b, NULL);
	assert_string_equal(s, "a b c d e f g h i j k q");
	ps_free(s);
	ps_buf_init(&b);
	ps_text_filtered(&b, "abc def ghi", "", 6);
	s = ps_buf_steal(&b, NULL);
	assert_string_equal(s, "abc de");
	ps_free(s);
}

/* ---- golden files ------------------------------------------------------ */

struct golden_case {
	const char *backend;
	enum portspec_mode mode;
	unsigned flags;
	const char *file;
	const char *const *sets;
};

static const char *const bound_ifs[] = {
	"outside-interface", "em0", "inside-interface", "em1", "appliance-interface", "em2", NULL,
};

static const char *const central[] = {
	"role",		"central",
	"cluster-peer", "198.51.100.20",
	"cluster-peer", "2001:db8:100::20",
	"appliance",	"198.51.100.10",
	"appliance",	"2001:db8:100::10",
	"server",	"dns:192.0.2.53",
	"server",	"dns:2001:db8:2::53",
	"server",	"ntp:203.0.113.123",
	"inside",	"192.0.2.0/24",
	"inside",	"2001:db8:2::/64",
	NULL,
};

/* pf cannot track a host's own FTP data connections: its host renders turn FTP off. */
static const char *const no_ftp[] = {"disable", "ftp", NULL};
static const char *const central_no_ftp[] = {
	"role",		"central",
	"cluster-peer", "198.51.100.20",
	"cluster-peer", "2001:db8:100::20",
	"appliance",	"198.51.100.10",
	"appliance",	"2001:db8:100::10",
	"server",	"dns:192.0.2.53",
	"server",	"dns:2001:db8:2::53",
	"server",	"ntp:203.0.113.123",
	"disable",	"ftp",
	"inside",	"192.0.2.0/24",
	"inside",	"2001:db8:2::/64",
	NULL,
};

static const struct golden_case golden[] = {
	{"pf", PORTSPEC_MODE_HOST, 0, "pf-host-complete-central.conf", central_no_ftp},
	{"pf", PORTSPEC_MODE_GATEWAY, PORTSPEC_RENDER_FRAGMENT, "pf-gateway-fragment-central.conf",
	 central},
	{"netsh", PORTSPEC_MODE_HOST, 0, "netsh-host-complete-central.cmd", central},
	{"powershell", PORTSPEC_MODE_HOST, 0, "powershell-host-complete-central.ps1", central},
	{"pf", PORTSPEC_MODE_HOST, 0, "pf-host-complete.conf", no_ftp},
	{"pf", PORTSPEC_MODE_HOST, PORTSPEC_RENDER_FRAGMENT, "pf-host-fragment.conf", no_ftp},
	{"pf", PORTSPEC_MODE_GATEWAY, 0, "pf-gateway-complete.conf", NULL},
	{"pf", PORTSPEC_MODE_GATEWAY, PORTSPEC_RENDER_FRAGMENT, "pf-gateway-fragment.conf", NULL},
	{"pf", PORTSPEC_MODE_GATEWAY, 0, "pf-gateway-complete-interfaces.conf", bound_ifs},
	{"netsh", PORTSPEC_MODE_HOST, 0, "netsh-host-complete.cmd", NULL},
	{"netsh", PORTSPEC_MODE_HOST, PORTSPEC_RENDER_FRAGMENT, "netsh-host-fragment.cmd", NULL},
	{"powershell", PORTSPEC_MODE_HOST, 0, "powershell-host-complete.ps1", NULL},
	{"powershell", PORTSPEC_MODE_HOST, PORTSPEC_RENDER_FRAGMENT, "powershell-host-fragment.ps1",
	 NULL},
};

static void test_golden(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		const struct golden_case *g = &golden[i];
		char *a = render(NULL, g->backend, g->mode, g->flags, g->sets, NULL);
		char *b = render(NULL, g->backend, g->mode, g->flags, g->sets, NULL);
		assert_string_equal(a, b); /* deterministic */
		check_golden(g->file, a);
		portspec_free(a);
		portspec_free(b);
	}
}

static void test_windows_refuses_gateway(void **state)
{
	(void)state;
	const char *backends[] = {"netsh", "powershell"};
	for (size_t i = 0; i < 2; i++) {
		enum portspec_status st;
		char *out = render(NULL, backends[i], PORTSPEC_MODE_GATEWAY, 0, NULL, &st);
		assert_int_equal(st, PORTSPEC_E_UNSUPPORTED);
		assert_null(out);
		assert_int_equal(portspec_backend_modes(backends[i]), PORTSPEC_MODE_HOST);
	}
	assert_int_equal(portspec_backend_modes("pf"), PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY);
}

/* Two networks zones: outside is everything in neither. */
static const char two_networks_spec[] =
	"portspec 1\n"
	"name \"Two networks\"\n"
	"zone outside complement \"Outside\"\n"
	"zone inside networks \"Inside\"\n"
	"zone dmz networks \"DMZ\"\n"
	"interface eth1 \"ETH1\"\n"
	"service web {\n\ttitle \"Web\"\n\tlevel required\n\ttcp 443\n\ttcp 8000-8010\n}\n"
	"flow inbound outside interface eth1 services web\n"
	"flow inbound dmz interface eth1 services web\n";

static void test_two_networks_zones(void **state)
{
	(void)state;
	const char *const sets[] = {"inside", "192.0.2.0/25",	"inside", "2001:db8:2::/64",
				    "dmz",    "192.0.2.128/25", NULL};
	char *pf = render(two_networks_spec, "pf", PORTSPEC_MODE_HOST, 0, sets, NULL);
	check_golden("two-networks-pf-host-complete.conf", pf);
	/* One table for both, never a list of negations; the adjacent /25s fold. */
	assert_non_null(strstr(pf, "table <networks> const { 192.0.2.0/24 2001:db8:2::/64 }"));
	assert_non_null(strstr(pf, "from ! <networks> to"));
	assert_null(strstr(pf, "{ !"));
	assert_non_null(strstr(pf, "port { 443, 8000:8010 }"));
	portspec_free(pf);
	char *ps = render(two_networks_spec, "powershell", PORTSPEC_MODE_HOST, 0, sets, NULL);
	check_golden("two-networks-powershell-host-complete.ps1", ps);
	/* The two adjacent /25s merge: one v4 gap on each side of 192.0.2.0/24. */
	assert_non_null(strstr(ps, "-RemoteAddress @('0.0.0.0-192.0.1.255', "
				   "'192.0.3.0-255.255.255.255')"));
	assert_non_null(strstr(ps, "-RemoteAddress @('::-2001:db8:1:ffff:ffff:ffff:ffff:ffff', "
				   "'2001:db8:2:1::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')"));
	assert_non_null(strstr(ps, "-LocalPort @('443', '8000-8010')"));
	portspec_free(ps);
}

static void expect_unsupported(const char *spec_text, const char *backend, enum portspec_mode mode,
			       const char *const *sets, const char *needle)
{
	struct portspec_error err;
	struct portspec_policy *policy = policy_of(spec_text, sets);
	char *out = NULL;
	memset(&err, 0, sizeof(err));
	assert_int_equal(portspec_render_to_string(policy, backend,
						   &(struct portspec_render_options){.mode = mode},
						   &out, NULL, &err),
			 PORTSPEC_E_UNSUPPORTED);
	assert_null(out);
	if (!strstr(err.text, needle))
		fail_msg("%s: error '%s' does not mention '%s'", backend, err.text, needle);
	portspec_policy_free(policy);
}

static void test_inexpressible_is_an_error(void **state)
{
	(void)state;
	static const char tftp_spec[] =
		"portspec 1\n"
		"zone outside complement \"Outside\"\n"
		"zone inside networks \"Inside\"\n"
		"interface eth1 \"ETH1\"\n"
		"service boot {\n\tlevel required\n\tudp 69\n\thelper tftp\n}\n"
		"flow outbound inside interface eth1 services boot\n";
	expect_unsupported(tftp_spec, "pf", PORTSPEC_MODE_HOST, NULL, "tftp");
	/* FTP on the pf host itself: the data connections cannot be tracked */
	expect_unsupported(NULL, "pf", PORTSPEC_MODE_HOST, NULL, "--set disable=ftp");
	expect_unsupported(NULL, "pf", PORTSPEC_MODE_HOST, NULL, "--mode gateway");
	expect_unsupported(tftp_spec, "netsh", PORTSPEC_MODE_HOST, NULL, "tftp");
	expect_unsupported(tftp_spec, "powershell", PORTSPEC_MODE_HOST, NULL, "tftp");

	/* pf table names are at most 31 characters. */
	static const char long_zone[] =
		"portspec 1\n"
		"zone outside complement \"Outside\"\n"
		"zone inside-networks-of-the-whole-company networks \"Inside\"\n"
		"interface eth1 \"ETH1\"\n"
		"service web {\n\tlevel required\n\ttcp 443\n}\n"
		"flow inbound inside-networks-of-the-whole-company interface eth1 services web\n";
	const char *const long_sets[] = {"inside-networks-of-the-whole-company", "192.0.2.0/24",
					 NULL};
	expect_unsupported(long_zone, "pf", PORTSPEC_MODE_HOST, long_sets, "31");
}

/* Every allocation of a render fails in turn: the result is PORTSPEC_E_NOMEM
 * with nothing written, or success; never a crash, a leak or partial text. */
static long alloc_budget = -1; /* allocations left before failing; -1: no limit */

static void *failing_malloc(size_t size)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return malloc(size);
}

static void *failing_realloc(void *ptr, size_t size)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return realloc(ptr, size);
}

static void test_allocation_failure(void **state)
{
	(void)state;
	struct {
		const char *backend;
		enum portspec_mode mode;
		unsigned flags;
	} cases[] = {
		{"pf", PORTSPEC_MODE_GATEWAY, 0},
		{"pf", PORTSPEC_MODE_GATEWAY, PORTSPEC_RENDER_FRAGMENT},
		{"netsh", PORTSPEC_MODE_HOST, 0},
		{"powershell", PORTSPEC_MODE_HOST, PORTSPEC_RENDER_FRAGMENT},
	};
	struct portspec_error err;
	struct portspec_policy *policy = policy_of(NULL, central);
	assert_int_equal(portspec_set_allocator(failing_malloc, failing_realloc, free),
			 PORTSPEC_OK);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		enum portspec_status st = PORTSPEC_E_NOMEM;
		long n;
		for (n = 0; n < 100000 && st == PORTSPEC_E_NOMEM; n++) {
			char *out = NULL;
			alloc_budget = n;
			st = portspec_render_to_string(
				policy, cases[c].backend,
				&(struct portspec_render_options){.mode = cases[c].mode,
								  .flags = cases[c].flags},
				&out, NULL, &err);
			alloc_budget = -1;
			if (st == PORTSPEC_E_NOMEM)
				assert_null(out);
			else
				assert_non_null(out);
			portspec_free(out);
		}
		assert_int_equal(st, PORTSPEC_OK);
		assert_true(n > 1); /* the render did allocate, so failures were exercised */
	}
	assert_int_equal(portspec_set_allocator(NULL, NULL, NULL), PORTSPEC_OK);
	portspec_policy_free(policy);
}

/* A fragment name becomes an anchor, rule-name prefix or group: hostile ones
 * are refused before any backend sees them. */
static void test_hostile_fragment_names(void **state)
{
	(void)state;
	const char *names[] = {"a\"b",
			       "a'b",
			       "a b",
			       "a%b",
			       "a&b",
			       "a|b",
			       "a$(b)",
			       "a`b",
			       "a#b",
			       "a\nb",
			       "",
			       "-a",
			       "a23456789012345678901234567890"};
	const char *backends[] = {"pf", "netsh", "powershell"};
	struct portspec_error err;
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(spec, NULL, &policy, &err), PORTSPEC_OK);
	for (size_t b = 0; b < 3; b++)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char *out = NULL;
			assert_int_equal(
				portspec_render_to_string(policy, backends[b],
							  &(struct portspec_render_options){
								  .mode = PORTSPEC_MODE_HOST,
								  .flags = PORTSPEC_RENDER_FRAGMENT,
								  .name = names[i]},
							  &out, NULL, &err),
				PORTSPEC_E_INVALID);
			assert_null(out);
		}
	/* A good one is used as given. */
	char *out = NULL;
	assert_int_equal(portspec_render_to_string(policy, "powershell",
						   &(struct portspec_render_options){
							   .mode = PORTSPEC_MODE_HOST,
							   .flags = PORTSPEC_RENDER_FRAGMENT,
							   .name = "Mail_Sec-2"},
						   &out, NULL, &err),
			 PORTSPEC_OK);
	assert_non_null(strstr(out, "$Group = 'Mail_Sec-2'\n"));
	assert_non_null(strstr(out, "-DisplayName 'Mail_Sec-2-in-inside-tcp-v4' -Group 'Mail_Sec-2' "));
	assert_null(strstr(out, "'portspec'"));
	portspec_free(out);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
}

/*
 * What the plan leaves without packets is missing from every backend, with
 * the plan's warning in the output, never refused by one and rendered by
 * another: a v4-only appliance and a v6-only server share no family in
 * gateway mode; an inside of everything leaves outside empty.
 */
static void test_no_packets_no_rule(void **state)
{
	(void)state;
	const char *const v6_server[] = {"appliance", "198.51.100.10", "server",
					 "ntp:2001:db8:5::123", "ntp", "outside",
					 "inside", "192.0.2.0/24", NULL};
	char *pf = render(NULL, "pf", PORTSPEC_MODE_GATEWAY, 0, v6_server, NULL);
	assert_null(strstr(pf, "port 123"));
	assert_non_null(strstr(pf, "# Note: ntp outbound outside udp: no rule in gateway mode"));
	portspec_free(pf);
	const char *const everything[] = {"inside", "0.0.0.0/0", "inside", "::/0", NULL};
	const char *const windows[] = {"netsh", "powershell"};
	for (size_t b = 0; b < 2; b++) {
		char *out = render(NULL, windows[b], PORTSPEC_MODE_HOST, 0, everything, NULL);
		assert_null(strstr(out, "outside-tcp"));
		assert_null(strstr(out, "outside-udp"));
		assert_non_null(strstr(out, "inside-tcp-v4"));
		assert_non_null(strstr(out, "no rule in host mode"));
		portspec_free(out);
	}
}

/*
 * ping= and log=drops in pf and the Windows scripts: echo requests by type,
 * logging only when asked for and only in complete rulesets.
 */
static void test_ping_and_logging(void **state)
{
	(void)state;
	const char *const sets[] = {"ping", "inside", "log", "drops", "disable", "ftp",
				    "inside", "10.20.0.0/16", NULL};
	char *pf = render(NULL, "pf", PORTSPEC_MODE_HOST, 0, sets, NULL);
	assert_non_null(strstr(pf, "\nblock log all\n"));
	assert_non_null(strstr(pf, "pass in quick inet proto icmp from <inside> to (self) "
				   "icmp-type 8 keep state"));
	assert_null(strstr(pf, "icmp6-type 128")); /* inside has no IPv6 network */
	portspec_free(pf);
	pf = render(NULL, "pf", PORTSPEC_MODE_HOST, 0, sets + 4, NULL);
	assert_non_null(strstr(pf, "\nblock all\n"));
	assert_null(strstr(pf, "icmp-type 8"));
	portspec_free(pf);
	char *cmd = render(NULL, "netsh", PORTSPEC_MODE_HOST, 0, sets, NULL);
	assert_non_null(strstr(cmd, "protocol=icmpv4:8,any remoteip=10.20.0.0/16"));
	assert_non_null(strstr(cmd, "netsh advfirewall set allprofiles logging droppedconnections "
				    "enable"));
	assert_non_null(strstr(cmd, "Core Networking"));
	portspec_free(cmd);
	cmd = render(NULL, "netsh", PORTSPEC_MODE_HOST, PORTSPEC_RENDER_FRAGMENT, sets, NULL);
	assert_non_null(strstr(cmd, "protocol=icmpv4:8,any"));
	assert_null(strstr(cmd, "logging droppedconnections"));
	portspec_free(cmd);
	char *ps = render(NULL, "powershell", PORTSPEC_MODE_HOST, 0, sets, NULL);
	assert_non_null(strstr(ps, "-Protocol ICMPv4 -IcmpType @('8') -RemoteAddress "
				   "@('10.20.0.0/16')"));
	assert_null(strstr(ps, "-Protocol ICMPv6"));
	assert_non_null(strstr(ps, "Set-NetFirewallProfile -All -LogBlocked True"));
	portspec_free(ps);
	ps = render(NULL, "powershell", PORTSPEC_MODE_HOST, 0, sets + 4, NULL);
	assert_null(strstr(ps, "LogBlocked True"));
	portspec_free(ps);
	/* a spec service of several ICMP types: one PowerShell rule, refused by netsh */
	static const char spec[] = "portspec 1\nzone outside complement\nzone inside networks\n"
				   "service mon {\n\tlevel required\n\ticmp 8 13-14\n}\n"
				   "flow inbound inside services mon\n";
	ps = render(spec, "powershell", PORTSPEC_MODE_HOST, 0, NULL, NULL);
	assert_non_null(strstr(ps, "-Protocol ICMPv4 -IcmpType @('8', '13', '14')"));
	portspec_free(ps);
	pf = render(spec, "pf", PORTSPEC_MODE_HOST, 0, NULL, NULL);
	assert_non_null(strstr(pf, "icmp-type { 8, 13, 14 } keep state"));
	portspec_free(pf);
	enum portspec_status st;
	cmd = render(spec, "netsh", PORTSPEC_MODE_HOST, 0, NULL, &st);
	assert_int_equal(st, PORTSPEC_E_UNSUPPORTED);
	assert_null(cmd);
}

/* Every rule names its service and level. */
static void test_rules_name_service_and_level(void **state)
{
	(void)state;
	const char *backends[] = {"pf", "netsh", "powershell"};
	for (size_t b = 0; b < 3; b++) {
		char *out = render(NULL, backends[b], PORTSPEC_MODE_HOST, 0, b == 0 ? no_ftp : NULL,
				   NULL);
		size_t rules = 0;
		const char *prev = NULL; /* the comment line above a pf rule group */
		for (char *line = strtok(out, "\r\n"); line; line = strtok(NULL, "\r\n")) {
			if (strncmp(line, "# inbound ", 10) == 0 ||
			    strncmp(line, "# outbound ", 11) == 0)
				prev = line;
			bool is_rule = (b == 0 && strncmp(line, "pass ", 5) == 0 &&
					!strstr(line, "icmp6")) ||
				       (b == 1 && strstr(line, "firewall add rule")) ||
				       (b == 2 && strncmp(line, "New-NetFirewallRule", 19) == 0);
			if (!is_rule)
				continue;
			rules++;
			const char *where = b == 0 ? prev : line;
			assert_non_null(where);
			assert_true(strstr(where, "required") || strstr(where, "optional") ||
				    strstr(where, "cluster"));
		}
		/* one rule per plan entry: 16 in the default host plan, 14 without ftp */
		assert_int_equal(rules, b == 0 ? 14 : 16);
		portspec_free(out);
	}
}

/*
 * Every complete ruleset of every rule backend says, in its header (before
 * the first rule), what loading or running it replaces; a complete gateway
 * ruleset also says what it does to other forwarded traffic.
 */
static void test_complete_rulesets_say_what_they_replace(void **state)
{
	(void)state;
	static const struct {
		enum portspec_mode mode;
		const char *must; /* in the Replaces: line */
	} modes[] = {
		{PORTSPEC_MODE_HOST, "Replaces: "},
		{PORTSPEC_MODE_GATEWAY, "forwarded traffic"},
	};
	size_t checked = 0;
	for (size_t b = 0; b < portspec_backend_count(); b++) {
		const char *be = portspec_backend_name(b);
		if (portspec_backend_kind(be) != PORTSPEC_BACKEND_RULES)
			continue;
		for (size_t m = 0; m < 2; m++) {
			if (!(portspec_backend_modes(be) & modes[m].mode))
				continue;
			char *out = render(NULL, be, modes[m].mode, 0, no_ftp, NULL);
			char *line = strstr(out, "Replaces: ");
			/* the header ends where the first non-comment line starts */
			char *first_rule = out;
			while (*first_rule == '#' || *first_rule == '@' ||
			       strncmp(first_rule, "rem ", 4) == 0) {
				first_rule = strchr(first_rule, '\n');
				assert_non_null(first_rule);
				first_rule++;
			}
			if (!line || line > first_rule)
				fail_msg("%s %s: no Replaces: line in the header", be,
					 modes[m].mode == PORTSPEC_MODE_HOST ? "host" : "gateway");
			char *end = strchr(line, '\n');
			assert_non_null(end);
			*end = '\0';
			if (!strstr(line, modes[m].must))
				fail_msg("%s %s: '%s' does not say what happens to %s", be,
					 modes[m].mode == PORTSPEC_MODE_HOST ? "host" : "gateway", line, modes[m].must);
			portspec_free(out);
			checked++;
		}
	}
	assert_int_equal(checked, 10); /* iptables, ip6tables, nft, pf: 2 modes; Windows: 1 */
}

/* ---- hostile strings --------------------------------------------------- */

static const char spec_template[] =
	"portspec 1\n"
	"name \"@\"\n"
	"version \"@\"\n"
	"source \"@\"\n"
	"zone outside complement \"@\"\n"
	"zone inside networks \"@\"\n"
	"interface eth1 \"@\"\n"
	"either-note \"@\"\n"
	"service web {\n\ttitle \"@\"\n\tdescription \"@\"\n\tnote \"@\"\n\tlevel required\n"
	"\ttcp 443\n}\n"
	"service dns {\n\ttitle \"@\"\n\tdescription \"@\"\n\tlevel required\n\tudp 53\n"
	"\ttcp 53\n}\n"
	"service ftp {\n\ttitle \"@\"\n\tlevel optional\n\ttcp 21\n\thelper ftp\n}\n"
	"flow inbound outside interface eth1 services web\n"
	"flow inbound inside interface eth1 services web\n"
	"flow outbound outside interface eth1 services dns*\n"
	"flow outbound inside interface eth1 services dns* ftp\n";

/* In spec syntax: quotes, newlines, ; & | % ^ < > ! backticks $( # \ and
 * typographic quotes, which PowerShell also takes for '. */
static const char hostile[] = "x\\\" ' ; & | %PATH% %~1 ^ < > !x! `whoami` $(rm -rf /) # \\n"
			      "pass in all # \\n\\\"\\nnetsh advfirewall reset & \\t"
			      "\xe2\x80\x98 \xe2\x80\x99 \xe2\x80\x9a' -Action Block '#>\\\\";

static char *fill_template(const char *with)
{
	struct ps_buf b;
	ps_buf_init(&b);
	for (const char *p = spec_template; *p; p++) {
		if (*p == '@')
			ps_buf_puts(&b, with);
		else
			ps_buf_putc(&b, *p);
	}
	return ps_buf_steal(&b, NULL);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The next line of *s (without its \r\n), advancing *s; NULL at the end. */
static char *next_line(char **s)
{
	if (!**s)
		return NULL;
	char *line = *s, *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*s = nl + 1;
	} else {
		*s = line + strlen(line);
	}
	size_t n = strlen(line);
	if (n && line[n - 1] == '\r')
		line[n - 1] = '\0';
	return line;
}

static bool is_comment(const char *backend, const char *line)
{
	if (strcmp(backend, "netsh") == 0)
		return strncmp(line, "rem ", 4) == 0;
	return line[0] == '#' && strncmp(line, "#Requires", 9) != 0;
}

/* Removes the value of a description field in place, checking it on the way. */
static void cut_description(const char *backend, char *line)
{
	if (strcmp(backend, "netsh") == 0) {
		char *d = strstr(line, " description=\"");
		if (!d)
			return;
		char *v = d + 14, *end = strchr(v, '"');
		assert_non_null(end);
		for (char *c = v; c < end; c++)
			if (strchr("%!^&|<>\\", *c))
				fail_msg("netsh description carries '%c': %s", *c, line);
		memmove(v, end, strlen(end) + 1);
	} else if (strcmp(backend, "powershell") == 0) {
		char *d = strstr(line, " -Description '");
		if (!d)
			return;
		char *v = d + 15, *c = v;
		for (;;) {
			assert_true(*c != '\0');
			if (*c == '\'' && c[1] == '\'') {
				c += 2;
				continue;
			}
			if (*c == '\'')
				break;
			if ((unsigned char)*c >= 0x80 || (unsigned char)*c < 0x20)
				fail_msg("PowerShell string carries byte 0x%02x",
					 (unsigned char)*c);
			c++;
		}
		memmove(v, c, strlen(c) + 1);
	}
}

static void test_hostile_strings(void **state)
{
	(void)state;
	char *benign_spec = fill_template("Plain words");
	char *hostile_spec = fill_template(hostile);
	struct {
		const char *backend;
		enum portspec_mode mode;
		unsigned flags;
		const char *golden;
	} cases[] = {
		{"pf", PORTSPEC_MODE_HOST, 0, "hostile-pf-host-complete.conf"},
		{"pf", PORTSPEC_MODE_GATEWAY, PORTSPEC_RENDER_FRAGMENT, NULL},
		{"netsh", PORTSPEC_MODE_HOST, 0, "hostile-netsh-host-complete.cmd"},
		{"netsh", PORTSPEC_MODE_HOST, PORTSPEC_RENDER_FRAGMENT, NULL},
		{"powershell", PORTSPEC_MODE_HOST, 0, "hostile-powershell-host-complete.ps1"},
		{"powershell", PORTSPEC_MODE_HOST, PORTSPEC_RENDER_FRAGMENT, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *be = cases[i].backend;
		const char *const *sets =
			!strcmp(be, "pf") && cases[i].mode == PORTSPEC_MODE_HOST ? no_ftp : NULL;
		char *good = render(benign_spec, be, cases[i].mode, cases[i].flags, sets, NULL);
		char *evil = render(hostile_spec, be, cases[i].mode, cases[i].flags, sets, NULL);
		if (cases[i].golden)
			check_golden(cases[i].golden, evil);
		assert_int_equal(count_lines(good), count_lines(evil));
		/* No stray carriage return or NUL-free surprises: \r only as CRLF in netsh. */
		for (const char *c = evil; *c; c++)
			if (*c == '\r')
				assert_true(strcmp(be, "netsh") == 0 && c[1] == '\n');
		char *g = good, *e = evil, *gl, *el;
		while ((gl = next_line(&g)) != NULL) {
			el = next_line(&e);
			assert_non_null(el);
			assert_int_equal(is_comment(be, gl), is_comment(be, el));
			if (strcmp(be, "pf") == 0)
				assert_null(strchr(el, '\\'));
			if (is_comment(be, el)) {
				if (strcmp(be, "netsh") == 0)
					for (const char *c = el; *c; c++)
						if (strchr("%!^&|<>\"", *c))
							fail_msg("netsh rem line carries '%c': %s",
								 *c, el);
				continue;
			}
			cut_description(be, gl);
			cut_description(be, el);
			assert_string_equal(gl, el);
		}
		assert_null(next_line(&e));
		portspec_free(good);
		portspec_free(evil);
	}
	ps_free(benign_spec);
	ps_free(hostile_spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complement_v4),
		cmocka_unit_test(test_complement_v6),
		cmocka_unit_test(test_complement_is_exact),
		cmocka_unit_test(test_addr_format),
		cmocka_unit_test(test_fast_appenders),
		cmocka_unit_test(test_run_labels),
		cmocka_unit_test(test_text_filter),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_windows_refuses_gateway),
		cmocka_unit_test(test_rules_name_service_and_level),
		cmocka_unit_test(test_complete_rulesets_say_what_they_replace),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_two_networks_zones),
		cmocka_unit_test(test_inexpressible_is_an_error),
		cmocka_unit_test(test_no_packets_no_rule),
		cmocka_unit_test(test_ping_and_logging),
		cmocka_unit_test(test_allocation_failure),
		cmocka_unit_test(test_hostile_fragment_names),
	};
	return cmocka_run_group_tests_name("backends-other", tests, NULL, NULL);
}

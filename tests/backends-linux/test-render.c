/* SPDX-License-Identifier: MIT */
/*
 * The Linux backends (iptables, ip6tables, nft): golden files per backend,
 * mode and shape, determinism, hostile spec strings, and the errors for what
 * cannot be expressed.  PORTSPEC_REGEN=1 rewrites the golden files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <portspec/portspec.h>

#define MAX_SETS 8

struct render_case {
	const char *golden; /* file name under golden/ */
	const char *backend;
	enum portspec_mode mode;
	unsigned flags;
	const char *name;      /* fragment name, NULL for the default */
	const char *spec_file; /* under tests/backends-linux/, NULL for the built-in spec */
	const char *sets[MAX_SETS];
};

#define GATEWAY_IFACES                                                                      \
	{"role=central", "outside-interface=eth0", "inside-interface=eth2",                 \
	 "appliance-interface=eth3", "cluster-interface=eth4"}
static const char *const GATEWAY_IFACES_LIST[] = {
	"role=central", "outside-interface=eth0", "inside-interface=eth2",
	"appliance-interface=eth3", "cluster-interface=eth4", NULL};
#define MEMBER_SERVERS                                                                      \
	{"role=member", "dns=outside", "server=dns:203.0.113.53", "server=dns:2001:db8:53::53", \
	 "server=ldap:192.0.2.10", "disable=ssh", "interface=eth1"}
/* The appliance with one interface per zone; nested and adjacent networks fold. */
#define HOST_ZONE_IFACES                                                                    \
	{"interface=outside:eth0", "interface=inside:eth1", "inside=10.0.0.0/8",               \
	 "inside=10.1.0.0/16", "inside=172.16.0.0/24", "inside=172.16.1.0/24"}
#define MANY_PORTS {"dmz=198.51.100.0/24", "dmz=2001:db8:dd::/64"}

#define H PORTSPEC_MODE_HOST
#define G PORTSPEC_MODE_GATEWAY
#define F PORTSPEC_RENDER_FRAGMENT

#define BACKEND_CASES(b, ext)                                                               \
	{b "-host-complete." ext, b, H, 0, NULL, NULL, {NULL}},                             \
	{b "-host-fragment." ext, b, H, F, NULL, NULL, {NULL}},                             \
	{b "-gateway-complete." ext, b, G, 0, NULL, NULL, {NULL}},                          \
	{b "-gateway-fragment." ext, b, G, F, NULL, NULL, {NULL}},                          \
	{b "-gateway-ifaces-central." ext, b, G, 0, NULL, NULL, GATEWAY_IFACES},            \
	{b "-host-member-servers." ext, b, H, 0, NULL, NULL, MEMBER_SERVERS},               \
	{b "-host-fragment-named." ext, b, H, F, "mail-fw", NULL, {"role=central"}},        \
	{b "-many-ports." ext, b, H, 0, NULL, "many-ports.portspec", MANY_PORTS},        \
	{b "-host-zone-ifaces." ext, b, H, 0, NULL, NULL, HOST_ZONE_IFACES},

static const struct render_case cases[] = {
	BACKEND_CASES("iptables", "rules")
	BACKEND_CASES("ip6tables", "rules")
	BACKEND_CASES("nft", "nft")
};

static const char *const backends[] = {"iptables", "ip6tables", "nft"};

static char *path_join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s%s%s", a, b, *c ? "/" : "", c);
	return p;
}

static char *test_dir_file(const char *file)
{
	const char *src = getenv("PORTSPEC_SRCDIR");
	return path_join(src ? src : ".", "tests/backends-linux", file);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	char *data = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			data = realloc(data, cap);
			assert_non_null(data);
		}
		size_t got = fread(data + n, 1, 4096, fp);
		n += got;
		if (got == 0)
			break;
	}
	fclose(fp);
	data[n] = '\0';
	*len = n;
	return data;
}

static struct portspec_policy *make_policy(const char *spec_file, const char *const *sets)
{
	struct portspec_spec *spec = NULL;
	struct portspec_profile *profile = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err = {0};
	char buf[1024];

	if (spec_file) {
		char *path = test_dir_file(spec_file);
		if (portspec_spec_load(path, &spec, &err) != PORTSPEC_OK)
			fail_msg("%s", portspec_error_format(&err, buf, sizeof(buf)));
		free(path);
	} else {
		assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	}
	assert_int_equal(portspec_profile_new(spec, &profile), PORTSPEC_OK);
	for (size_t i = 0; sets && i < MAX_SETS && sets[i]; i++) {
		char key[128];
		const char *eq = strchr(sets[i], '=');
		assert_non_null(eq);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - sets[i]), sets[i]);
		if (portspec_profile_set(profile, key, eq + 1, &err) != PORTSPEC_OK)
			fail_msg("--set %s: %s", sets[i],
				 portspec_error_format(&err, buf, sizeof(buf)));
	}
	if (portspec_policy_new(spec, profile, &policy, &err) != PORTSPEC_OK)
		fail_msg("%s", portspec_error_format(&err, buf, sizeof(buf)));
	portspec_profile_free(profile);
	portspec_spec_free(spec);
	return policy;
}

static char *render(const struct portspec_policy *policy, const char *backend,
		    enum portspec_mode mode, unsigned flags, const char *name, size_t *len)
{
	struct portspec_error err = {0};
	char buf[1024];
	char *out = NULL;
	if (portspec_render_to_string(policy, backend, mode, flags, name, &out, len, &err) !=
	    PORTSPEC_OK)
		fail_msg("%s: %s", backend, portspec_error_format(&err, buf, sizeof(buf)));
	return out;
}

/* Structural checks of one output: comments on every rule, multiport limits. */
static void check_structure(const char *backend, const char *text)
{
	bool nft = strcmp(backend, "nft") == 0;
	const char *line = text;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char *l = strndup(line, n);
		assert_non_null(l);
		if (l[0] != '#' && !nft) {
			/* iptables-restore: tables, chains, rules, COMMIT; nothing else. */
			bool ok = l[0] == '*' || l[0] == ':' || strcmp(l, "COMMIT") == 0 ||
				  strncmp(l, "-A ", 3) == 0;
			if (!ok)
				fail_msg("%s: unexpected line '%s'", backend, l);
			if (l[0] == '-' && !strstr(l, " -m comment --comment \""))
				fail_msg("%s: rule without a comment: %s", backend, l);
			const char *mp = strstr(l, "--dports ");
			if (mp) {
				size_t slots = 1;
				for (const char *p = mp + 9; *p && *p != ' '; p++)
					slots += *p == ',' || *p == ':';
				if (slots > 15)
					fail_msg("%s: more than 15 multiport slots: %s", backend, l);
			}
			if ((strstr(l, "--dport") || strstr(l, "--dports")) &&
			    !strstr(l, " required") && !strstr(l, " optional") &&
			    !strstr(l, " cluster"))
				fail_msg("%s: port rule without a level: %s", backend, l);
		}
		if (nft) {
			const char *t = l;
			while (*t == '\t')
				t++;
			if (*t != '#' && (strstr(t, " accept") || strstr(t, "ct helper set")) &&
			    !strstr(t, " comment \""))
				fail_msg("nft: rule without a comment: %s", l);
			if (*t != '#' && strstr(t, "dport @") && !strstr(t, " required") &&
			    !strstr(t, " optional") && !strstr(t, " cluster"))
				fail_msg("nft: port rule without a level: %s", l);
		}
		free(l);
		line += n + (nl ? 1 : 0);
	}
}

static void test_golden(void **state)
{
	(void)state;
	bool regen = getenv("PORTSPEC_REGEN") && strcmp(getenv("PORTSPEC_REGEN"), "1") == 0;
	size_t mismatches = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct render_case *c = &cases[i];
		struct portspec_policy *policy = make_policy(c->spec_file, c->sets);
		size_t len, len2, glen = 0;
		char *out = render(policy, c->backend, c->mode, c->flags, c->name, &len);
		char *again = render(policy, c->backend, c->mode, c->flags, c->name, &len2);
		char *gold_name = path_join("golden", c->golden, "");
		char *path = test_dir_file(gold_name);

		/* Deterministic, byte for byte. */
		assert_int_equal(len, len2);
		assert_memory_equal(out, again, len);
		check_structure(c->backend, out);

		if (regen) {
			FILE *fp = fopen(path, "wb");
			assert_non_null(fp);
			assert_int_equal(fwrite(out, 1, len, fp), len);
			assert_int_equal(fclose(fp), 0);
		} else {
			char *gold = read_file(path, &glen);
			if (!gold) {
				print_error("missing golden file %s (PORTSPEC_REGEN=1 creates it)\n",
					    path);
				mismatches++;
			} else if (glen != len || memcmp(gold, out, len) != 0) {
				print_error("%s differs from the rendering; review with\n"
					    "  PORTSPEC_REGEN=1 meson test -C build backends-linux-render"
					    " && git diff\n", path);
				mismatches++;
			}
			free(gold);
		}
		free(gold_name);
		free(path);
		portspec_free(out);
		portspec_free(again);
		portspec_policy_free(policy);
	}
	assert_int_equal(mismatches, 0);
}

/* Lines that are not comments, for comparing structure. */
static char *strip_comments(const char *text, size_t *nlines)
{
	size_t n = strlen(text);
	char *out = malloc(n + 1);
	size_t o = 0;
	assert_non_null(out);
	*nlines = 0;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		const char *t = line;
		while (*t == '\t')
			t++;
		if (*t != '#') {
			memcpy(out + o, line, len);
			o += len;
		}
		(*nlines)++;
		line += len;
	}
	out[o] = '\0';
	return out;
}

static void test_hostile_strings(void **state)
{
	(void)state;
	static const char *const bad[] = {"rm -rf", "pwned", "$(reboot)", "`id`", "flush ruleset"};
	struct portspec_policy *plain = make_policy(NULL, NULL);
	struct portspec_policy *hostile = make_policy("hostile.portspec", NULL);

	for (size_t b = 0; b < 3; b++) {
		for (unsigned m = H; m <= G; m++) {
			for (unsigned f = 0; f <= F; f += F) {
				size_t l1, l2, n1, n2;
				char *a = render(plain, backends[b], m, f, NULL, &l1);
				char *h = render(hostile, backends[b], m, f, NULL, &l2);
				char *sa = strip_comments(a, &n1);
				char *sh = strip_comments(h, &n2);
				/* The same rules, line for line: the strings changed
				 * nothing but comment lines (the hostile spec has more
				 * notes, so more warning lines). */
				assert_string_equal(sa, sh);
				(void)n1;
				(void)n2;
				for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
					assert_null(strstr(sh, bad[i]));
				check_structure(backends[b], h);
				free(sa);
				free(sh);
				portspec_free(a);
				portspec_free(h);
			}
		}
	}
	portspec_policy_free(plain);
	portspec_policy_free(hostile);
}

static enum portspec_status render_status(const struct portspec_policy *policy,
					  const char *backend, enum portspec_mode mode,
					  unsigned flags, const char *name,
					  struct portspec_error *err)
{
	char *out = NULL;
	size_t len;
	enum portspec_status st =
		portspec_render_to_string(policy, backend, mode, flags, name, &out, &len, err);
	if (st == PORTSPEC_OK)
		portspec_free(out);
	else
		assert_null(out);
	return st;
}

static struct portspec_policy *policy_from_text(const char *text)
{
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err = {0};
	char buf[1024];
	if (portspec_spec_parse(text, strlen(text), "<test>", &spec, &err) != PORTSPEC_OK)
		fail_msg("%s", portspec_error_format(&err, buf, sizeof(buf)));
	if (portspec_policy_new(spec, NULL, &policy, &err) != PORTSPEC_OK)
		fail_msg("%s", portspec_error_format(&err, buf, sizeof(buf)));
	portspec_spec_free(spec);
	return policy;
}

static void test_helper_on_wrong_protocol(void **state)
{
	(void)state;
	struct portspec_policy *policy = policy_from_text(
		"portspec 1\nzone outside complement \"o\"\nzone inside networks \"i\"\n"
		"service x {\n\tlevel required\n\tudp 21\n\thelper ftp\n}\n"
		"flow outbound inside services x\n");
	for (size_t b = 0; b < 3; b++) {
		struct portspec_error err = {0};
		assert_int_equal(render_status(policy, backends[b], H, 0, NULL, &err),
				 PORTSPEC_E_UNSUPPORTED);
		assert_non_null(strstr(err.text, "helper"));
		assert_non_null(strstr(err.text, "udp"));
	}
	portspec_policy_free(policy);
}

static void test_long_fragment_name(void **state)
{
	(void)state;
	struct portspec_policy *policy = make_policy(NULL, NULL);
	struct portspec_error err = {0};
	const char *name = "a-fragment-name-of-28-chars"; /* 27 + suffix: too long for a chain */
	assert_int_equal(render_status(policy, "iptables", H, F, name, &err),
			 PORTSPEC_E_UNSUPPORTED);
	assert_non_null(strstr(err.text, "--name"));
	/* nft has no such limit. */
	assert_int_equal(render_status(policy, "nft", H, F, name, &err), PORTSPEC_OK);
	portspec_policy_free(policy);
}

/* A complement zone whose name does not fit a chain name gets a chain by index. */
static void test_long_zone_name(void **state)
{
	(void)state;
	struct portspec_policy *policy = policy_from_text(
		"portspec 1\nzone everything-that-is-not-one-of-our-networks complement \"o\"\n"
		"zone inside networks \"i\"\ninterface eth1 \"e\"\n"
		"service x {\n\tlevel required\n\ttcp 25\n}\n"
		"flow inbound everything-that-is-not-one-of-our-networks interface eth1 services x\n");
	size_t len;
	char *out = render(policy, "iptables", H, 0, NULL, &len);
	assert_non_null(strstr(out, ":portspec-z0-in - [0:0]\n"));
	assert_non_null(strstr(out, "-A INPUT -m comment --comment \"zone "
				    "everything-that-is-not-one-of-our-networks\" -j portspec-z0-in\n"));
	portspec_free(out);
	portspec_policy_free(policy);
}

static void test_nft_keyword_name(void **state)
{
	(void)state;
	struct portspec_policy *policy = make_policy(NULL, NULL);
	struct portspec_error err = {0};
	assert_int_equal(render_status(policy, "nft", H, F, "accept", &err),
			 PORTSPEC_E_UNSUPPORTED);
	assert_non_null(strstr(err.text, "keyword"));
	assert_int_equal(render_status(policy, "iptables", H, F, "accept", &err), PORTSPEC_OK);
	portspec_policy_free(policy);
}

static void test_zone_name_not_a_set_name(void **state)
{
	(void)state;
	struct portspec_policy *policy = policy_from_text(
		"portspec 1\nzone outside complement \"o\"\nzone 9net networks \"i\"\n"
		"service x {\n\tlevel required\n\ttcp 22\n}\n"
		"flow inbound 9net services x\n");
	/* nft names start with a letter: the zone's set gets a prefix. */
	size_t len;
	char *out = render(policy, "nft", H, 0, NULL, &len);
	assert_non_null(strstr(out, "set zone_9net_v4 {"));
	assert_non_null(strstr(out, "ip saddr @zone_9net_v4 tcp dport @in_9net_tcp "));
	portspec_free(out);
	struct portspec_error err = {0};
	assert_int_equal(render_status(policy, "iptables", H, 0, NULL, &err), PORTSPEC_OK);
	portspec_policy_free(policy);
}

/* Until the profile names the appliance's interface, host mode matches every
 * interface: no -i, no iifname; with interface=, every host rule names it. */
static void test_no_interface(void **state)
{
	(void)state;
	struct portspec_policy *policy = policy_from_text(
		"portspec 1\nzone outside complement \"o\"\nzone inside networks \"i\"\n"
		"service x {\n\tlevel required\n\ttcp 22\n}\n"
		"flow inbound inside services x\n");
	size_t len;
	char *out = render(policy, "iptables", H, 0, NULL, &len);
	assert_non_null(strstr(out, "-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 22 "));
	portspec_free(out);
	out = render(policy, "nft", H, 0, NULL, &len);
	assert_null(strstr(out, "iifname \"eth"));
	portspec_free(out);
	/* A host fragment has a chain for each direction, so it needs no
	 * interface to tell inbound rules from outbound ones. */
	out = render(policy, "iptables", H, F, NULL, &len);
	assert_non_null(strstr(out, ":portspec-in - [0:0]\n"));
	assert_non_null(strstr(out, ":portspec-out - [0:0]\n"));
	assert_non_null(strstr(out, "-A portspec-in -s 192.0.2.0/24 -p tcp -m tcp --dport 22 "));
	portspec_free(out);
	out = render(policy, "nft", H, F, NULL, &len);
	assert_non_null(strstr(out, "\tchain portspec-in {\n"));
	assert_non_null(strstr(out, "\tchain portspec-out {\n"));
	portspec_free(out);
	portspec_policy_free(policy);

	static const char *const sets[] = {"interface=ens3", NULL};
	policy = make_policy(NULL, sets);
	out = render(policy, "iptables", H, 0, NULL, &len);
	assert_non_null(strstr(out, "-A INPUT -i ens3 -s 192.0.2.0/24 -p tcp -m multiport"));
	assert_non_null(strstr(out, "-A OUTPUT -o ens3 -d 192.0.2.0/24 -p tcp -m tcp --dport 21"));
	portspec_free(out);
	out = render(policy, "nft", H, 0, NULL, &len);
	assert_non_null(strstr(out, "iifname \"ens3\" ip saddr @inside_v4 tcp dport @in_inside_tcp"));
	portspec_free(out);
	portspec_policy_free(policy);
}

/* The complement zone excludes the networks zones before any port rule. */
static void test_complement_returns_first(void **state)
{
	(void)state;
	struct portspec_policy *policy = make_policy(NULL, NULL);
	size_t len;
	char *out = render(policy, "iptables", H, 0, NULL, &len);
	const char *ret = strstr(out, "-A portspec-outside-in -s 192.0.2.0/24");
	const char *acc = strstr(out, "-A portspec-outside-in -p tcp");
	assert_non_null(ret);
	assert_non_null(acc);
	assert_true(ret < acc);
	assert_non_null(strstr(ret, "-j RETURN"));
	portspec_free(out);
	out = render(policy, "nft", H, 0, NULL, &len);
	assert_non_null(strstr(out, "\t\tip saddr != @inside_v4 tcp dport "
				    "@in_outside_tcp ct state new accept"));
	assert_non_null(strstr(out, "\t\tip6 saddr != @inside_v6 tcp dport "
				    "@in_outside_tcp ct state new accept"));
	portspec_free(out);
	portspec_policy_free(policy);
}

/* The FTP flow gets its helper assigned explicitly. */
static void test_ftp_helper(void **state)
{
	(void)state;
	struct portspec_policy *policy = make_policy(NULL, NULL);
	size_t len;
	char *out = render(policy, "iptables", H, 0, NULL, &len);
	assert_non_null(strstr(out, "*raw\n"));
	/* not to the appliance's own inside address over loopback, which the
	 * loopback rule accepts first */
	assert_non_null(strstr(out, "-A OUTPUT ! -o lo -d 192.0.2.0/24 -p tcp -m tcp --dport 21 "
				    "-m comment --comment \"ftp optional\" -j CT --helper ftp\n"));
	assert_non_null(strstr(out, "--ctstate ESTABLISHED,RELATED"));
	portspec_free(out);
	/* a gateway's helper is for forwarded connections, not the firewall's own */
	out = render(policy, "iptables", G, 0, NULL, &len);
	assert_non_null(strstr(out, "-A PREROUTING -m addrtype ! --dst-type LOCAL -s 198.51.100.10 "
				    "-d 192.0.2.0/24 -p tcp -m tcp --dport 21 "));
	portspec_free(out);
	out = render(policy, "nft", H, 0, NULL, &len);
	assert_non_null(strstr(out, "ct helper ftp-tcp {\n\t\ttype \"ftp\" protocol tcp\n"));
	/* Assigned by the rule that accepts the control connection, and only there. */
	assert_non_null(strstr(out, "ip daddr @inside_v4 tcp dport @out_inside_tcp_ftp ct state new "
				    "ct helper set \"ftp-tcp\" accept"));
	assert_non_null(strstr(out, "elements = { 21 comment \"ftp optional\" }"));
	const char *first = strstr(out, "ct helper set");
	assert_null(strstr(strstr(first, "\n"), "ct helper set \"ftp-tcp\" accept comment \"smtp"));
	portspec_free(out);
	portspec_policy_free(policy);
}

/* Allocation failure injection: every allocation of a render fails in turn. */
static long alloc_budget = -1;

static void *failing_malloc(size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return malloc(n);
}

static void *failing_realloc(void *p, size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return realloc(p, n);
}

static void test_alloc_failures(void **state)
{
	(void)state;
	struct portspec_policy *policy = make_policy(NULL, GATEWAY_IFACES_LIST);
	assert_int_equal(portspec_set_allocator(failing_malloc, failing_realloc, free),
			 PORTSPEC_OK);
	for (size_t b = 0; b < 3; b++) {
		for (unsigned m = H; m <= G; m++) {
			for (unsigned f = 0; f <= F; f += F) {
				enum portspec_status st = PORTSPEC_E_NOMEM;
				long n;
				for (n = 0; st != PORTSPEC_OK && n < 100000; n++) {
					struct portspec_error err = {0};
					char *out = NULL;
					size_t len;
					alloc_budget = n;
					st = portspec_render_to_string(policy, backends[b], m,
								       f, NULL, &out, &len,
								       &err);
					alloc_budget = -1;
					if (st == PORTSPEC_OK)
						portspec_free(out);
					else if (st != PORTSPEC_E_NOMEM)
						fail_msg("%s after %ld allocations: %s", backends[b], n,
							 err.text);
					else
						assert_null(out);
				}
				assert_int_equal(st, PORTSPEC_OK);
			}
		}
	}
	assert_int_equal(portspec_set_allocator(NULL, NULL, NULL), PORTSPEC_OK);
	portspec_policy_free(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_helper_on_wrong_protocol),
		cmocka_unit_test(test_long_fragment_name),
		cmocka_unit_test(test_zone_name_not_a_set_name),
		cmocka_unit_test(test_nft_keyword_name),
		cmocka_unit_test(test_long_zone_name),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_no_interface),
		cmocka_unit_test(test_complement_returns_first),
		cmocka_unit_test(test_ftp_helper),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

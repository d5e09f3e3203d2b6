/* SPDX-License-Identifier: MIT */
/*
 * The analysis on small rulesets whose verdicts are known by hand: chain
 * semantics (jump, goto, return, policies), three-valued unknown matches,
 * connections (replies must pass too), NAT and the order of tables, address
 * types, several base chains on one hook, diff and the service matrix; pf's
 * last match, quick, anchors and state table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <portspec/audit.h>

static struct portspec_ruleset *load(enum portspec_ruleset_format f, const char *text)
{
	struct portspec_ruleset *rs = NULL;
	struct portspec_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(portspec_ruleset_new(&rs), PORTSPEC_OK);
	if (portspec_ruleset_parse(rs, f, text, strlen(text), "t", &err)) {
		char buf[1024];
		fail_msg("%s", portspec_error_format(&err, buf, sizeof(buf)));
	}
	return rs;
}

struct q {
	enum portspec_hook hook;
	enum portspec_protocol proto;
	const char *src, *dst;
	unsigned dport, sport;
	const char *iif, *oif;
};

static enum portspec_verdict trace(const struct portspec_ruleset *rs, struct q q)
{
	struct portspec_packet p = {.size = sizeof(p), .hook = q.hook, .protocol = q.proto,
				    .src = q.src, .dst = q.dst, .dport_first = q.dport,
				    .sport_first = q.sport, .iif = q.iif, .oif = q.oif};
	struct portspec_ruleset_trace *t = NULL;
	struct portspec_error err;
	memset(&err, 0, sizeof(err));
	if (portspec_ruleset_trace(rs, &p, &t, &err))
		fail_msg("trace: %s", err.text);
	enum portspec_verdict v = portspec_ruleset_trace_verdict(t);
	portspec_ruleset_trace_free(t);
	return v;
}

#define IN4(src, proto, port, iif) \
	((struct q){PORTSPEC_HOOK_INPUT, proto, src, "198.51.100.1", port, 40000, iif, NULL})

#define HEAD "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
#define EST "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"

static void test_goto_returns_to_the_caller_of_the_chain(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES,
		HEAD ":a - [0:0]\n:b - [0:0]\n" EST
		"-A INPUT -j a\n"
		"-A INPUT -p udp -j ACCEPT\n"
		"-A a -g b\n"
		"-A a -j ACCEPT\n"
		"-A b -p tcp -m tcp --dport 22 -j ACCEPT\n"
		"-A b -p tcp -j RETURN\n"
		"COMMIT\n");
	/* tcp/22 is accepted in b; other tcp returns from b to INPUT (goto),
	 * never to a's ACCEPT; udp falls off b, also back to INPUT. */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 22, "eth0")), PORTSPEC_VERDICT_ACCEPT);
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 23, "eth0")), PORTSPEC_VERDICT_DROP);
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_UDP, 53, "eth0")), PORTSPEC_VERDICT_ACCEPT);
	portspec_ruleset_free(rs);
}

static void test_negation_and_multiport_either(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES,
		HEAD EST
		"-A INPUT ! -s 10.0.0.0/8 -p tcp -m multiport --ports 80,443 -j ACCEPT\n"
		"COMMIT\n");
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 443, "eth0")), PORTSPEC_VERDICT_ACCEPT);
	assert_int_equal(trace(rs, IN4("10.1.2.3", PORTSPEC_TCP, 443, "eth0")), PORTSPEC_VERDICT_DROP);
	/* --ports: the source port counts too. */
	struct q q = IN4("192.0.2.1", PORTSPEC_TCP, 8080, "eth0");
	q.sport = 80;
	assert_int_equal(trace(rs, q), PORTSPEC_VERDICT_ACCEPT);
	q.sport = 81;
	assert_int_equal(trace(rs, q), PORTSPEC_VERDICT_DROP);
	portspec_ruleset_free(rs);
}

static void test_unknown_match_is_indeterminate_unless_both_ways_agree(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES,
		HEAD EST
		"-A INPUT -p tcp -m tcp --dport 1 -m mark --mark 0x1 -j ACCEPT\n"
		"-A INPUT -p tcp -m tcp --dport 2 -m mark --mark 0x1 -j LOG\n"
		"-A INPUT -p tcp -m tcp --dport 2 -j ACCEPT\n"
		"-A INPUT -p tcp -m tcp --dport 3 -m limit --limit 1/s -j DROP\n"
		"-A INPUT -p tcp -m tcp --dport 4 -m recent --rcheck -j REJECT\n"
		"-A INPUT -p tcp -m tcp --dport 5 -m mark --mark 0x2 -j ACCEPT\n"
		"-A INPUT -p tcp -m tcp --dport 5 -j ACCEPT\n"
		"COMMIT\n");
	/* mark or not: accept or the drop policy */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 1, "eth0")),
			 PORTSPEC_VERDICT_INDETERMINATE);
	/* LOG goes on either way */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 2, "eth0")), PORTSPEC_VERDICT_ACCEPT);
	/* dropped by the rule or by the policy: certain */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 3, "eth0")), PORTSPEC_VERDICT_DROP);
	/* rejected or dropped: denied either way, but which one is not known */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 4, "eth0")), PORTSPEC_VERDICT_DENY);
	/* accepted by the rule or the next one */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 5, "eth0")), PORTSPEC_VERDICT_ACCEPT);
	portspec_ruleset_free(rs);
}

static void test_a_connection_needs_its_replies(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES,
		"*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n"
		"-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
		"-A INPUT -p tcp -m tcp --dport 25 -j ACCEPT\n"
		"-A OUTPUT -p tcp -m tcp --sport 22 -j ACCEPT\n"
		"COMMIT\n");
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 22, "eth0")), PORTSPEC_VERDICT_ACCEPT);
	/* the first packet passes, the replies do not */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 25, "eth0")), PORTSPEC_VERDICT_DROP);
	portspec_ruleset_free(rs);
}

static void test_dnat_is_indeterminate_and_nat_skips_later_packets(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES,
		"*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
		":POSTROUTING ACCEPT [0:0]\n"
		"-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80\n"
		"COMMIT\n"
		HEAD EST
		"-A INPUT -p tcp -j ACCEPT\n"
		"COMMIT\n");
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 8080, "eth0")),
			 PORTSPEC_VERDICT_INDETERMINATE);
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 8081, "eth0")),
			 PORTSPEC_VERDICT_ACCEPT);
	portspec_ruleset_free(rs);
}

static void test_state_before_conntrack_is_unknown(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES,
		"*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
		"-A PREROUTING -p tcp -m tcp --dport 9 -m conntrack --ctstate NEW -j DROP\n"
		"COMMIT\n"
		HEAD EST "-A INPUT -p tcp -j ACCEPT\nCOMMIT\n");
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 9, "eth0")),
			 PORTSPEC_VERDICT_INDETERMINATE);
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 10, "eth0")),
			 PORTSPEC_VERDICT_ACCEPT);
	portspec_ruleset_free(rs);
}

static void test_address_types(void **state)
{
	(void)state;
	const char *text = HEAD EST
		"-A INPUT -m addrtype --src-type LOCAL -j DROP\n"
		"-A INPUT -p tcp -m tcp --dport 80 -m addrtype --dst-type LOCAL -j ACCEPT\n"
		"COMMIT\n";
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES, text);
	/* Without the host's addresses, a remote source could be one of them. */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 80, "eth0")),
			 PORTSPEC_VERDICT_INDETERMINATE);
	struct portspec_error err;
	assert_int_equal(portspec_ruleset_add_host_address(rs, "198.51.100.1/24", &err), PORTSPEC_OK);
	/* At input the destination is local; the source is not one of ours. */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 80, "eth0")), PORTSPEC_VERDICT_ACCEPT);
	assert_int_equal(trace(rs, IN4("198.51.100.1", PORTSPEC_TCP, 80, "eth0")), PORTSPEC_VERDICT_DROP);
	portspec_ruleset_free(rs);
}

static void test_tcp_flags_for_new_and_later_packets(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES,
		HEAD
		"-A INPUT -p tcp ! --syn -m conntrack --ctstate NEW -j DROP\n"
		"-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m tcp --dport 22 -j ACCEPT\n"
		"-A INPUT -p tcp -m tcp --tcp-flags ALL NONE -j DROP\n"
		EST
		"COMMIT\n");
	/* The SYN passes the second rule; the later packets (ACK) the established one. */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 22, "eth0")), PORTSPEC_VERDICT_ACCEPT);
	portspec_ruleset_free(rs);
}

static void test_every_base_chain_on_a_hook_must_accept(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_NFT_JSON,
		"{\"nftables\": [{\"table\": {\"family\": \"inet\", \"name\": \"a\"}},"
		"{\"chain\": {\"family\": \"inet\", \"table\": \"a\", \"name\": \"in\", \"type\": \"filter\","
		" \"hook\": \"input\", \"prio\": 0, \"policy\": \"accept\"}},"
		"{\"rule\": {\"family\": \"inet\", \"table\": \"a\", \"chain\": \"in\", \"expr\": [{\"accept\": null}]}},"
		"{\"table\": {\"family\": \"ip\", \"name\": \"b\"}},"
		"{\"chain\": {\"family\": \"ip\", \"table\": \"b\", \"name\": \"in\", \"type\": \"filter\","
		" \"hook\": \"input\", \"prio\": 10, \"policy\": \"accept\"}},"
		"{\"rule\": {\"family\": \"ip\", \"table\": \"b\", \"chain\": \"in\", \"expr\": ["
		"{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}},"
		" \"right\": 22}}, {\"drop\": null}]}}]}");
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 22, "eth0")), PORTSPEC_VERDICT_DROP);
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 23, "eth0")), PORTSPEC_VERDICT_ACCEPT);
	/* IPv6 passes table b, which is ip only. */
	struct q q = {PORTSPEC_HOOK_INPUT, PORTSPEC_TCP, "2001:db8::1", "2001:db8::2", 22, 0, "eth0", NULL};
	assert_int_equal(trace(rs, q), PORTSPEC_VERDICT_ACCEPT);
	portspec_ruleset_free(rs);
}

static void test_iptables_and_nft_together(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES, HEAD EST
		"-A INPUT -p tcp -j ACCEPT\nCOMMIT\n");
	const char *nft =
		"{\"nftables\": [{\"table\": {\"family\": \"inet\", \"name\": \"x\"}},"
		"{\"chain\": {\"family\": \"inet\", \"table\": \"x\", \"name\": \"in\", \"type\": \"filter\","
		" \"hook\": \"input\", \"prio\": \"filter + 5\", \"policy\": \"drop\"}},"
		"{\"rule\": {\"family\": \"inet\", \"table\": \"x\", \"chain\": \"in\", \"expr\": ["
		"{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"established\", \"related\"]}},"
		"{\"accept\": null}]}},"
		"{\"rule\": {\"family\": \"inet\", \"table\": \"x\", \"chain\": \"in\", \"expr\": ["
		"{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}},"
		" \"right\": {\"set\": [22, {\"range\": [8000, 8100]}]}}}, {\"accept\": null}]}}]}";
	struct portspec_error err;
	assert_int_equal(portspec_ruleset_parse(rs, PORTSPEC_RULESET_AUTO, nft, strlen(nft), "n", &err),
			 PORTSPEC_OK);
	assert_int_equal(portspec_ruleset_families(rs), 3u);
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 8050, "eth0")), PORTSPEC_VERDICT_ACCEPT);
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 8101, "eth0")), PORTSPEC_VERDICT_DROP);
	portspec_ruleset_free(rs);
}

static void test_a_failed_read_leaves_the_ruleset_alone(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES, HEAD "COMMIT\n");
	size_t chains = portspec_ruleset_chain_count(rs);
	const char *bad = HEAD "-A INPUT -j ACCEPT\n-A INPUT -s nonsense -j DROP\nCOMMIT\n";
	struct portspec_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(portspec_ruleset_parse(rs, PORTSPEC_RULESET_IPTABLES, bad, strlen(bad), "bad",
						&err), PORTSPEC_E_PARSE);
	assert_int_equal(err.line, 6);
	assert_int_equal(err.column, 13);
	assert_string_equal(err.file, "bad");
	assert_int_equal(portspec_ruleset_chain_count(rs), chains);
	assert_int_equal(portspec_ruleset_rule_count(rs), 0);
	portspec_ruleset_free(rs);
}

static int count_sink(void *ud, const char *data, size_t len)
{
	(void)data;
	*(size_t *)ud += len;
	return 0;
}

static void test_diff(void **state)
{
	(void)state;
	const char *a = HEAD EST "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n";
	const char *b = HEAD EST "-A INPUT -p tcp -m tcp --dport 22:23 -j ACCEPT\nCOMMIT\n";
	struct portspec_ruleset *ra = load(PORTSPEC_RULESET_IPTABLES, a);
	struct portspec_ruleset *ra2 = load(PORTSPEC_RULESET_IPTABLES, a);
	struct portspec_ruleset *rb = load(PORTSPEC_RULESET_IPTABLES, b);
	struct portspec_ruleset_diff *d = NULL;
	struct portspec_error err;
	assert_int_equal(portspec_ruleset_diff(ra, ra2, &d, &err), PORTSPEC_OK);
	assert_int_equal(portspec_ruleset_diff_count(d), 0);
	assert_int_equal(portspec_ruleset_diff_indeterminate_count(d), 0);
	portspec_ruleset_diff_free(d);
	assert_int_equal(portspec_ruleset_diff(ra, rb, &d, &err), PORTSPEC_OK);
	assert_true(portspec_ruleset_diff_count(d) >= 1);
	size_t n = 0;
	assert_int_equal(portspec_ruleset_diff_write(d, PORTSPEC_AUDIT_JSON, count_sink, &n), PORTSPEC_OK);
	assert_true(n > 0);
	portspec_ruleset_diff_free(d);
	portspec_ruleset_free(ra);
	portspec_ruleset_free(ra2);
	portspec_ruleset_free(rb);
}

static void test_matrix(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES,
		"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
		"-A FORWARD -s 10.0.0.0/8 -d 192.168.0.0/16 -p tcp -m tcp --dport 22 -j ACCEPT\n"
		"-A FORWARD -s 10.0.0.0/8 -d 192.168.0.0/16 -p tcp -m tcp --dport 80 -j ACCEPT\n"
		"-A FORWARD -s 192.168.0.0/16 -p tcp -m tcp --dport 22 -j ACCEPT\n"
		"COMMIT\n");
	struct portspec_ruleset_matrix_query q = {.size = sizeof(q), .protocol = PORTSPEC_TCP,
						 .port = 22};
	struct portspec_ruleset_matrix *m = NULL;
	struct portspec_error err;
	assert_int_equal(portspec_ruleset_matrix(rs, &q, &m, &err), PORTSPEC_OK);
	/* 10/8, 192.168/16 and the rest; 10/8 -> 192.168/16 and 192.168/16 -> all three. */
	assert_int_equal(portspec_ruleset_matrix_class_count(m), 3);
	assert_int_equal(portspec_ruleset_matrix_edge_count(m), 4);
	portspec_ruleset_matrix_free(m);
	portspec_ruleset_free(rs);
}

static void test_pf_last_match_quick_and_state(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_PF,
		"block all\n"
		"pass in proto tcp to port { 22 23 }\n"
		"block in proto tcp from 192.0.2.66 to port 22\n"
		"pass in quick proto tcp from 192.0.2.0/24 to port 23\n"
		"block in quick proto tcp to port 23\n"
		"pass in proto tcp to port 24 no state\n"
		"pass in proto tcp to port 25 no state\n"
		"pass out proto tcp from port 25 no state\n"
		"anchor \"x\" in proto tcp to port 26 {\n"
		"\tpass\n"
		"}\n"
		"anchor \"y\" in proto tcp to port 27\n");
	/* the last match: the block after the pass, for one source */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 22, "em0")), PORTSPEC_VERDICT_ACCEPT);
	assert_int_equal(trace(rs, IN4("192.0.2.66", PORTSPEC_TCP, 22, "em0")), PORTSPEC_VERDICT_DROP);
	/* quick: the first quick match, whatever follows */
	assert_int_equal(trace(rs, IN4("192.0.2.9", PORTSPEC_TCP, 23, "em0")), PORTSPEC_VERDICT_ACCEPT);
	assert_int_equal(trace(rs, IN4("203.0.113.9", PORTSPEC_TCP, 23, "em0")), PORTSPEC_VERDICT_DROP);
	/* no state: the replies meet "block all" unless a rule passes them */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 24, "em0")), PORTSPEC_VERDICT_DROP);
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 25, "em0")), PORTSPEC_VERDICT_ACCEPT);
	/* an anchor's rules with its conditions; one loaded at run time is unknown */
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 26, "em0")), PORTSPEC_VERDICT_ACCEPT);
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 27, "em0")),
			 PORTSPEC_VERDICT_INDETERMINATE);
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 28, "em0")), PORTSPEC_VERDICT_DROP);
	portspec_ruleset_free(rs);
}

static void test_pf_default_pass_makes_no_state(void **state)
{
	(void)state;
	/* Nothing matches the first packet: pf passes it, but keeps no state,
	 * and the reply meets the block. */
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_PF,
		"block out all\n"
		"pass out proto tcp to port 22\n");
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_TCP, 80, "em0")), PORTSPEC_VERDICT_DROP);
	/* ... while a pass rule that keeps state lets the replies out */
	assert_int_equal(trace(rs, ((struct q){PORTSPEC_HOOK_OUTPUT, PORTSPEC_TCP, "198.51.100.1",
					       "192.0.2.1", 22, 40000, NULL, "em0"})),
			 PORTSPEC_VERDICT_ACCEPT);
	portspec_ruleset_free(rs);
}

static void test_empty_ruleset_accepts_everything(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES, "");
	assert_int_equal(portspec_ruleset_note_count(rs), 1);
	assert_int_equal(trace(rs, IN4("192.0.2.1", PORTSPEC_UDP, 9, "eth0")), PORTSPEC_VERDICT_ACCEPT);
	portspec_ruleset_free(rs);
}

static void test_questions_are_checked(void **state)
{
	(void)state;
	struct portspec_ruleset *rs = load(PORTSPEC_RULESET_IPTABLES, HEAD "COMMIT\n");
	struct portspec_packet p = {.size = sizeof(p), .hook = PORTSPEC_HOOK_INPUT,
				    .protocol = PORTSPEC_TCP, .src = "2001:db8::1"};
	struct portspec_ruleset_trace *t = NULL;
	struct portspec_error err;
	memset(&err, 0, sizeof(err));
	/* An IPv4 ruleset says nothing about IPv6. */
	assert_int_equal(portspec_ruleset_trace(rs, &p, &t, &err), PORTSPEC_E_INVALID);
	assert_null(t);
	assert_non_null(strstr(err.text, "IPv6"));
	p.src = "192.0.2.1";
	p.oif = "eth0";
	assert_int_equal(portspec_ruleset_trace(rs, &p, &t, &err), PORTSPEC_E_INVALID);
	p.oif = NULL;
	p.dport_first = 70000;
	assert_int_equal(portspec_ruleset_trace(rs, &p, &t, &err), PORTSPEC_E_INVALID);
	p.size = 1;
	assert_int_equal(portspec_ruleset_trace(rs, &p, &t, &err), PORTSPEC_E_INVALID);
	portspec_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goto_returns_to_the_caller_of_the_chain),
		cmocka_unit_test(test_negation_and_multiport_either),
		cmocka_unit_test(test_unknown_match_is_indeterminate_unless_both_ways_agree),
		cmocka_unit_test(test_a_connection_needs_its_replies),
		cmocka_unit_test(test_dnat_is_indeterminate_and_nat_skips_later_packets),
		cmocka_unit_test(test_state_before_conntrack_is_unknown),
		cmocka_unit_test(test_address_types),
		cmocka_unit_test(test_tcp_flags_for_new_and_later_packets),
		cmocka_unit_test(test_every_base_chain_on_a_hook_must_accept),
		cmocka_unit_test(test_iptables_and_nft_together),
		cmocka_unit_test(test_a_failed_read_leaves_the_ruleset_alone),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_pf_last_match_quick_and_state),
		cmocka_unit_test(test_pf_default_pass_makes_no_state),
		cmocka_unit_test(test_empty_ruleset_accepts_everything),
		cmocka_unit_test(test_questions_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

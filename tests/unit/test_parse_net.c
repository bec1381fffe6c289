/* test_parse_net.c — network rules and port lists: IPv4, IPv6, IPv4-mapped
 * addresses folded to IPv4, prefixes, port lists and ranges, and each way a
 * rule is rejected, with the reason the user will read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "policy/policy.h"

static struct net_rule parse_ok(const char *text)
{
	struct net_rule rule;
	char why[256] = "";
	int r = parse_net_rule(text, &rule, why, sizeof(why));
	if (r != 0)
		fail_msg("'%s' rejected: %s", text, why);
	return rule;
}

static void expect_addr(const struct net_rule *rule, int family, const char *addr, int prefix)
{
	uint8_t want[16] = {0};
	assert_int_equal(rule->family, family);
	assert_int_equal(inet_pton(family, addr, want), 1);
	assert_memory_equal(rule->addr, want, family == AF_INET ? 4 : 16);
	assert_int_equal(rule->prefix, prefix);
}

static void expect_rejected(const char *text, const char *fragment)
{
	struct net_rule rule;
	char why[256] = "";
	assert_int_equal(parse_net_rule(text, &rule, why, sizeof(why)), -EINVAL);
	if (!strstr(why, fragment))
		fail_msg("'%s': reason '%s' lacks '%s'", text, why, fragment);
}

static void test_ipv4_with_prefix_and_no_ports(void **state)
{
	struct net_rule rule = parse_ok("10.0.0.0/8");
	assert_int_equal(rule.proto, NET_PROTO_ANY);
	expect_addr(&rule, AF_INET, "10.0.0.0", 8);
	assert_int_equal(rule.nports, 0);
	assert_null(rule.text);
}

static void test_ipv4_host_defaults_to_prefix_32(void **state)
{
	struct net_rule rule = parse_ok("udp://192.0.2.7:53");
	assert_int_equal(rule.proto, NET_PROTO_UDP);
	expect_addr(&rule, AF_INET, "192.0.2.7", 32);
	assert_int_equal(rule.nports, 1);
	assert_int_equal(rule.ports[0].lo, 53);
	assert_int_equal(rule.ports[0].hi, 53);
}

static void test_any_address_with_port(void **state)
{
	struct net_rule rule = parse_ok("tcp://*:443");
	assert_int_equal(rule.proto, NET_PROTO_TCP);
	assert_int_equal(rule.family, 0);
	assert_int_equal(rule.prefix, 0);
	assert_int_equal(rule.nports, 1);
	assert_int_equal(rule.ports[0].lo, 443);

	rule = parse_ok("*");
	assert_int_equal(rule.family, 0);
	assert_int_equal(rule.nports, 0);
}

static void test_ipv6_in_brackets_with_prefix_and_port(void **state)
{
	struct net_rule rule = parse_ok("udp://[2001:db8::]/32:53");
	expect_addr(&rule, AF_INET6, "2001:db8::", 32);
	assert_int_equal(rule.nports, 1);
	assert_int_equal(rule.ports[0].lo, 53);

	rule = parse_ok("[::1]");
	expect_addr(&rule, AF_INET6, "::1", 128);
	assert_int_equal(rule.nports, 0);
}

static void test_v4_mapped_ipv6_becomes_ipv4(void **state)
{
	struct net_rule rule = parse_ok("tcp://[::ffff:10.1.2.3]:22");
	expect_addr(&rule, AF_INET, "10.1.2.3", 32);
	assert_int_equal(rule.ports[0].lo, 22);

	rule = parse_ok("[::ffff:10.0.0.0]/104");
	expect_addr(&rule, AF_INET, "10.0.0.0", 8);

	/* The whole mapped block is every IPv4 address. */
	rule = parse_ok("[::ffff:0:0]/96");
	expect_addr(&rule, AF_INET, "0.0.0.0", 0);

	/* Shorter than the mapped block: it covers more than IPv4, stays IPv6. */
	rule = parse_ok("[::]/80");
	assert_int_equal(rule.family, AF_INET6);
	assert_int_equal(rule.prefix, 80);
}

static void test_port_lists_and_ranges(void **state)
{
	struct net_rule rule = parse_ok("tcp://10.0.0.0/16:80,443,8000-8100");
	assert_int_equal(rule.nports, 3);
	assert_int_equal(rule.ports[0].lo, 80);
	assert_int_equal(rule.ports[1].lo, 443);
	assert_int_equal(rule.ports[2].lo, 8000);
	assert_int_equal(rule.ports[2].hi, 8100);

	rule = parse_ok("*:1-65535");
	assert_int_equal(rule.ports[0].lo, 1);
	assert_int_equal(rule.ports[0].hi, 65535);
}

static void test_prefix_errors(void **state)
{
	expect_rejected("10.0.0.0/33", "bad CIDR '10.0.0.0/33': prefix must be 0..32");
	expect_rejected("tcp://10.0.0.0/33:80", "bad CIDR '10.0.0.0/33'");
	expect_rejected("[2001:db8::]/129", "prefix must be 0..128");
	expect_rejected("10.0.0.0/", "prefix is not a number");
	expect_rejected("10.0.0.0/x", "prefix is not a number");
	expect_rejected("10.0.0.0/8/8", "prefix is not a number");
	expect_rejected("*/0", "'*' takes no prefix");
	expect_rejected("10.0.0.1/8", "10.0.0.1/8: host bits set; did you mean 10.0.0.0/8?");
	expect_rejected("[2001:db8::1]/32", "[2001:db8::1]/32: host bits set; did you mean "
					    "[2001:db8::]/32?");
}

static void test_address_errors(void **state)
{
	expect_rejected("", "empty network rule");
	expect_rejected("2001:db8::1", "IPv6 address needs brackets");
	expect_rejected("::1:443", "IPv6 address needs brackets");
	expect_rejected("[2001:db8::1:443", "missing ']'");
	expect_rejected("[not-v6]:443", "bad IPv6 address 'not-v6'");
	expect_rejected("256.0.0.1", "bad IPv4 address '256.0.0.1'");
	expect_rejected("10.0.0", "bad IPv4 address '10.0.0'");
	expect_rejected("010.0.0.1", "bad IPv4 address");
	expect_rejected("example.com:443", "not an IP address");
	expect_rejected("tcp://", "missing address");
	expect_rejected(":443", "missing address");
	expect_rejected("sctp://*:443", "unknown scheme 'sctp://'");
	expect_rejected("TCP://*:443", "unknown scheme");
	expect_rejected("[::1]x", "unexpected 'x' after the address");
}

static void test_port_errors(void **state)
{
	expect_rejected("tcp://*:0", "port 0 is not allowed");
	expect_rejected("tcp://*:70000", "port '70000' out of range");
	expect_rejected("tcp://*:99999999999999999999", "out of range");
	expect_rejected("tcp://*:80-20", "port range '80-20' is reversed");
	expect_rejected("tcp://*:abc", "bad port 'abc'");
	expect_rejected("tcp://*:", "empty port list");
	expect_rejected("tcp://*:80,", "empty entry in port list");
	expect_rejected("tcp://*:80-", "empty port");
	expect_rejected("tcp://*:-80", "empty port");
	expect_rejected("tcp://*:+80", "bad port '+80'");
}

static void test_port_list_limits(void **state)
{
	struct port_range ranges[NET_MAX_PORT_RANGES];
	char text[512] = "", why[128] = "";
	size_t count = 0;

	for (int i = 1; i <= NET_MAX_PORT_RANGES; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%d", i > 1 ? "," : "",
			 i);
	assert_int_equal(
		parse_port_list(text, ranges, NET_MAX_PORT_RANGES, &count, why, sizeof(why)), 0);
	assert_int_equal(count, NET_MAX_PORT_RANGES);
	strcat(text, ",33");
	assert_int_equal(
		parse_port_list(text, ranges, NET_MAX_PORT_RANGES, &count, why, sizeof(why)),
		-EINVAL);
	assert_non_null(strstr(why, "too many port ranges (at most 32)"));
}

static void test_port_list_spaces_and_single_ports(void **state)
{
	struct port_range ranges[4];
	char why[128] = "";
	size_t count = 0;

	assert_int_equal(
		parse_port_list("80, 443 , 9000-9100", ranges, 4, &count, why, sizeof(why)), 0);
	assert_int_equal(count, 3);
	assert_int_equal(ranges[1].lo, 443);
	assert_int_equal(ranges[1].hi, 443);
	assert_int_equal(ranges[2].lo, 9000);
	assert_int_equal(ranges[2].hi, 9100);
	assert_int_equal(parse_port_list("8080", ranges, 4, &count, why, sizeof(why)), 0);
	assert_int_equal(count, 1);
	assert_int_equal(parse_port_list("0", ranges, 4, &count, why, sizeof(why)), -EINVAL);
	assert_int_equal(parse_port_list("", ranges, 4, &count, why, sizeof(why)), -EINVAL);
	assert_int_equal(parse_port_list("1,2,3,4,5", ranges, 4, &count, why, sizeof(why)),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_with_prefix_and_no_ports),
		cmocka_unit_test(test_ipv4_host_defaults_to_prefix_32),
		cmocka_unit_test(test_any_address_with_port),
		cmocka_unit_test(test_ipv6_in_brackets_with_prefix_and_port),
		cmocka_unit_test(test_v4_mapped_ipv6_becomes_ipv4),
		cmocka_unit_test(test_port_lists_and_ranges),
		cmocka_unit_test(test_prefix_errors),
		cmocka_unit_test(test_address_errors),
		cmocka_unit_test(test_port_errors),
		cmocka_unit_test(test_port_list_limits),
		cmocka_unit_test(test_port_list_spaces_and_single_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

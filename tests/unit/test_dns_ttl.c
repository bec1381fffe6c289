/* test_dns_ttl.c — the TTL of a host name's DNS answer: its bounds (5 s..1 h),
 * the backoff after failures, parsing answers (smallest TTL of the records
 * used, CNAMEs included; other types, classes and rcodes ignored; a broken
 * message an error), WARD_DNS_SERVER and the /etc/hosts check.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy/dns_ttl.h"

/* A DNS response under construction: header, one question, answers. */
struct msg {
	uint8_t b[1024];
	size_t len;
	unsigned answers;
};

static void put16(struct msg *m, unsigned v)
{
	m->b[m->len++] = (uint8_t)(v >> 8);
	m->b[m->len++] = (uint8_t)v;
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		m->b[m->len++] = (uint8_t)n;
		memcpy(m->b + m->len, name, n);
		m->len += n;
		name += n + (dot ? 1 : 0);
	}
	m->b[m->len++] = 0;
}

static void start(struct msg *m, const char *qname, int qtype, int rcode)
{
	memset(m, 0, sizeof(*m));
	put16(m, 0x1234);
	put16(m, 0x8180 | (unsigned)rcode);
	put16(m, 1);
	put16(m, 0); /* answers: set by add_rr */
	put16(m, 0);
	put16(m, 0);
	put_name(m, qname);
	put16(m, (unsigned)qtype);
	put16(m, ns_c_in);
}

static void add_rr(struct msg *m, int type, int class, uint32_t ttl, const void *rdata,
		   size_t rdlen)
{
	put16(m, 0xc00c); /* the question's name */
	put16(m, (unsigned)type);
	put16(m, (unsigned)class);
	put32(m, ttl);
	put16(m, (unsigned)rdlen);
	memcpy(m->b + m->len, rdata, rdlen);
	m->len += rdlen;
	m->answers++;
	m->b[6] = (uint8_t)(m->answers >> 8);
	m->b[7] = (uint8_t)m->answers;
}

static void add_a(struct msg *m, const char *ip, uint32_t ttl)
{
	uint8_t a[4];
	assert_int_equal(inet_pton(AF_INET, ip, a), 1);
	add_rr(m, ns_t_a, ns_c_in, ttl, a, 4);
}

static void fresh(struct dns_answer *out)
{
	memset(out, 0, sizeof(*out));
	out->ttl = UINT32_MAX;
}

static void test_ttl_bounds(void **state)
{
	assert_int_equal(dns_ttl_clamp(0), 5);
	assert_int_equal(dns_ttl_clamp(1), 5);
	assert_int_equal(dns_ttl_clamp(5), 5);
	assert_int_equal(dns_ttl_clamp(6), 6);
	assert_int_equal(dns_ttl_clamp(300), 300);
	assert_int_equal(dns_ttl_clamp(3600), 3600);
	assert_int_equal(dns_ttl_clamp(3601), 3600);
	assert_int_equal(dns_ttl_clamp(UINT32_MAX), 3600);
}

static void test_backoff_doubles_up_to_an_hour(void **state)
{
	assert_int_equal(dns_backoff(1), 5);
	assert_int_equal(dns_backoff(2), 10);
	assert_int_equal(dns_backoff(3), 20);
	assert_int_equal(dns_backoff(10), 2560);
	assert_int_equal(dns_backoff(11), 3600);
	assert_int_equal(dns_backoff(1000000), 3600);
}

static void test_answer_a_records_smallest_ttl(void **state)
{
	struct msg m;
	struct dns_answer out;
	start(&m, "svc.test", ns_t_a, ns_r_noerror);
	add_a(&m, "127.0.0.2", 300);
	add_a(&m, "127.0.0.3", 60);
	add_a(&m, "127.0.0.2", 30); /* the same address again: once, but its TTL counts */
	fresh(&out);
	assert_int_equal(dns_parse_answer(m.b, m.len, ns_t_a, &out), 2);
	assert_int_equal(out.count, 2);
	assert_int_equal(out.ttl, 30);
	assert_int_equal(out.addrs[0].family, AF_INET);
	assert_memory_equal(out.addrs[0].addr, "\x7f\x00\x00\x02", 4);
	assert_memory_equal(out.addrs[1].addr, "\x7f\x00\x00\x03", 4);
}

static void test_answer_cname_ttl_counts(void **state)
{
	struct msg m;
	struct dns_answer out;
	start(&m, "www.test", ns_t_a, ns_r_noerror);
	/* "cdn.test", uncompressed */
	static const uint8_t target[] = {3, 'c', 'd', 'n', 4, 't', 'e', 's', 't', 0};
	add_rr(&m, ns_t_cname, ns_c_in, 20, target, sizeof(target));
	add_a(&m, "192.0.2.7", 600);
	fresh(&out);
	assert_int_equal(dns_parse_answer(m.b, m.len, ns_t_a, &out), 1);
	assert_int_equal(out.ttl, 20);
}

static void test_answer_aaaa_and_other_types(void **state)
{
	struct msg m;
	struct dns_answer out;
	uint8_t six[16];
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", six), 1);
	start(&m, "svc.test", ns_t_aaaa, ns_r_noerror);
	add_rr(&m, ns_t_aaaa, ns_c_in, 90, six, 16);
	add_a(&m, "127.0.0.9", 1);			  /* not the type asked: ignored */
	add_rr(&m, ns_t_aaaa, ns_c_chaos, 2, six, 16);	  /* not class IN: ignored */
	add_rr(&m, ns_t_txt, ns_c_in, 3, "\x02hi", 3);	  /* ignored, TTL too */
	add_rr(&m, ns_t_aaaa, ns_c_in, 4, "\x01\x02", 2); /* bad length: ignored */
	fresh(&out);
	assert_int_equal(dns_parse_answer(m.b, m.len, ns_t_aaaa, &out), 1);
	assert_int_equal(out.addrs[0].family, AF_INET6);
	assert_memory_equal(out.addrs[0].addr, six, 16);
	assert_int_equal(out.ttl, 90);
}

static void test_answer_errors(void **state)
{
	struct msg m;
	struct dns_answer out;
	start(&m, "nope.test", ns_t_a, ns_r_nxdomain);
	fresh(&out);
	assert_int_equal(dns_parse_answer(m.b, m.len, ns_t_a, &out), 0);
	assert_int_equal(out.count, 0);
	assert_int_equal(out.ttl, UINT32_MAX);

	start(&m, "svc.test", ns_t_a, ns_r_noerror);
	add_a(&m, "127.0.0.2", 5);
	fresh(&out);
	assert_int_equal(dns_parse_answer(m.b, m.len - 2, ns_t_a, &out), -EBADMSG); /* cut */
	assert_int_equal(dns_parse_answer(m.b, 5, ns_t_a, &out), -EBADMSG);
	assert_int_equal(dns_parse_answer(NULL, 0, ns_t_a, &out), -EBADMSG);
}

static void test_answer_never_more_than_the_maximum(void **state)
{
	struct msg m;
	struct dns_answer out;
	start(&m, "many.test", ns_t_a, ns_r_noerror);
	for (int i = 0; i < DNS_MAX_ADDRS + 5; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.0.0.%d", i + 1);
		add_a(&m, ip, 100);
	}
	fresh(&out);
	assert_int_equal(dns_parse_answer(m.b, m.len, ns_t_a, &out), DNS_MAX_ADDRS);
	assert_int_equal(out.count, DNS_MAX_ADDRS);
}

static void test_server_option(void **state)
{
	uint8_t addr[4];
	uint16_t port = 0;
	assert_int_equal(dns_parse_server("127.0.0.1:5353", addr, &port), 0);
	assert_int_equal(port, 5353);
	assert_memory_equal(addr, "\x7f\x00\x00\x01", 4);
	assert_int_equal(dns_parse_server("127.0.0.1", addr, &port), -EINVAL);
	assert_int_equal(dns_parse_server("127.0.0.1:0", addr, &port), -EINVAL);
	assert_int_equal(dns_parse_server("127.0.0.1:65536", addr, &port), -EINVAL);
	assert_int_equal(dns_parse_server("127.0.0.1:53x", addr, &port), -EINVAL);
	assert_int_equal(dns_parse_server("127.0.0.1:-1", addr, &port), -EINVAL);
	assert_int_equal(dns_parse_server("localhost:53", addr, &port), -EINVAL);
	assert_int_equal(dns_parse_server(NULL, addr, &port), -EINVAL);
}

static void test_hosts_file(void **state)
{
	char path[] = "/tmp/ward-test-hosts.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "127.0.0.1 localhost\n"
			   "# 10.0.0.1 commented.test\n"
			   "10.0.0.2\tsvc.test  alias.test # trailing\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_true(dns_in_hosts_file("localhost", path));
	assert_true(dns_in_hosts_file("SVC.test", path));
	assert_true(dns_in_hosts_file("alias.test", path));
	assert_false(dns_in_hosts_file("commented.test", path));
	assert_false(dns_in_hosts_file("10.0.0.2", path)); /* an address is not a name */
	assert_false(dns_in_hosts_file("other.test", path));
	unlink(path);
	assert_false(dns_in_hosts_file("localhost", path)); /* no file: not there */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl_bounds),
		cmocka_unit_test(test_backoff_doubles_up_to_an_hour),
		cmocka_unit_test(test_answer_a_records_smallest_ttl),
		cmocka_unit_test(test_answer_cname_ttl_counts),
		cmocka_unit_test(test_answer_aaaa_and_other_types),
		cmocka_unit_test(test_answer_errors),
		cmocka_unit_test(test_answer_never_more_than_the_maximum),
		cmocka_unit_test(test_server_option),
		cmocka_unit_test(test_hosts_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

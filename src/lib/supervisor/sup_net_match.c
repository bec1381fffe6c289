/* sup_net_match.c — pure matching of a destination against network rules:
 * sockaddr normalization (IPv4-mapped IPv6 becomes IPv4, so IPv4 rules
 * cannot be bypassed through a dual-stack socket; 0.0.0.0 and :: become
 * 127.0.0.1 and ::1, the local host a connect to them reaches), CIDR and
 * port ranges.
 * No kernel access; unit-tested directly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "supervisor/sup_internal.h"

/* 0.0.0.0 and :: as a destination reach the local host: they are matched
 * as the loopback address, as the BPF layers do (ward_net.bpf.h). */
static void normalize_unspecified(struct sup_sockaddr *a)
{
	static const uint8_t zero[16];
	size_t len = a->family == AF_INET ? 4 : 16;
	if (memcmp(a->addr, zero, len) != 0)
		return;
	if (a->family == AF_INET) {
		a->addr[0] = 127;
		a->addr[3] = 1;
	} else {
		a->addr[15] = 1;
	}
}

int sup_sockaddr_parse(const void *sa, size_t len, struct sup_sockaddr *out)
{
	memset(out, 0, sizeof(*out));
	sa_family_t family;
	if (len < sizeof(family))
		return -EINVAL;
	memcpy(&family, sa, sizeof(family));
	if (family == AF_INET) {
		struct sockaddr_in in;
		if (len < sizeof(in))
			return -EINVAL;
		memcpy(&in, sa, sizeof(in));
		out->family = AF_INET;
		memcpy(out->addr, &in.sin_addr, 4);
		out->port = ntohs(in.sin_port);
		normalize_unspecified(out);
		return 0;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 in6;
		if (len < sizeof(in6))
			return -EINVAL;
		memcpy(&in6, sa, sizeof(in6));
		out->port = ntohs(in6.sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
			out->family = AF_INET;
			memcpy(out->addr, &in6.sin6_addr.s6_addr[12], 4);
		} else {
			out->family = AF_INET6;
			memcpy(out->addr, &in6.sin6_addr, 16);
		}
		normalize_unspecified(out);
		return 0;
	}
	return -EAFNOSUPPORT;
}

static bool prefix_matches(const uint8_t *rule, const uint8_t *addr, unsigned prefix)
{
	unsigned whole = prefix / 8, bits = prefix % 8;
	if (memcmp(rule, addr, whole) != 0)
		return false;
	if (!bits)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (rule[whole] & mask) == (addr[whole] & mask);
}

static bool rule_matches(const struct net_rule *r, const struct sup_sockaddr *a,
			 enum net_proto proto)
{
	if (r->proto != NET_PROTO_ANY && r->proto != proto)
		return false;
	if (r->family) {
		if (r->family != a->family)
			return false;
		if (!prefix_matches(r->addr, a->addr, r->prefix))
			return false;
	}
	if (!r->nports)
		return true;
	for (size_t i = 0; i < r->nports; i++)
		if (a->port >= r->ports[i].lo && a->port <= r->ports[i].hi)
			return true;
	return false;
}

const struct plan_net_rule *sup_net_match_plan(const struct plan_net_rule *rules, size_t n,
					       const struct sup_sockaddr *addr,
					       enum net_proto proto)
{
	for (size_t i = 0; i < n; i++)
		if (rules[i].rule.deny && rule_matches(&rules[i].rule, addr, proto))
			return &rules[i];
	for (size_t i = 0; i < n; i++)
		if (!rules[i].rule.deny && rule_matches(&rules[i].rule, addr, proto))
			return &rules[i];
	return NULL;
}

const struct net_rule *sup_net_match(const struct net_rule *rules, size_t n,
				     const struct sup_sockaddr *addr, enum net_proto proto,
				     bool deny_only)
{
	for (size_t i = 0; i < n; i++)
		if (rules[i].deny && rule_matches(&rules[i], addr, proto))
			return &rules[i];
	if (deny_only)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!rules[i].deny && rule_matches(&rules[i], addr, proto))
			return &rules[i];
	return NULL;
}

/* bpf_net_rules.c — turns the plan's BPF network and bind rules into the values
 * of the BPF tries: one entry per distinct prefix that carries every rule
 * covering it, so the kernel's longest-prefix lookup plus a first-match scan
 * gives the policy's answer. Pure: no kernel. Never truncates a rule list.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bpf/bpf_internal.h"
#include "core/cleanup.h"
#include "core/error.h"
#include "plan/plan.h"

/* A rule as the tries see it: IPv4-mapped IPv6 prefixes become IPv4, like
 * the programs normalize addresses, and "*" is expanded per family. */
struct flat_rule {
	int family;
	uint8_t prefix;
	uint8_t addr[16];
	uint32_t rule_id; /* its position in the policy: order and event name */
	const struct net_rule *rule;
};

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool prefix_covers(const struct flat_rule *outer, const struct flat_rule *inner)
{
	if (outer->family != inner->family || outer->prefix > inner->prefix)
		return false;
	unsigned bytes = outer->prefix / 8, bits = outer->prefix % 8;
	if (memcmp(outer->addr, inner->addr, bytes) != 0)
		return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));
		if ((outer->addr[bytes] & mask) != (inner->addr[bytes] & mask))
			return false;
	}
	return true;
}

static int flatten(const struct plan_net_rule *rules, size_t count, struct flat_rule *flat,
		   size_t *nflat)
{
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		const struct net_rule *r = &rules[i].rule;
		struct flat_rule f = {.rule_id = rules[i].rule_id, .rule = r, .prefix = r->prefix};
		memcpy(f.addr, r->addr, sizeof(f.addr));
		if (r->family == 0) {
			f.prefix = 0;
			memset(f.addr, 0, sizeof(f.addr));
			f.family = AF_INET;
			flat[n++] = f;
			f.family = AF_INET6;
			flat[n++] = f;
			continue;
		}
		if (r->family == AF_INET6 && r->prefix >= 96 &&
		    memcmp(r->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
			f.family = AF_INET;
			f.prefix = (uint8_t)(r->prefix - 96);
			memmove(f.addr, r->addr + 12, 4);
			memset(f.addr + 4, 0, 12);
		} else if (r->family == AF_INET || r->family == AF_INET6) {
			f.family = r->family;
		} else {
			return -EAFNOSUPPORT;
		}
		flat[n++] = f;
	}
	*nflat = n;
	return 0;
}

/* Most specific first; within one prefix, deny before allow; then policy order
 * (the rule id is the rule's position in the policy). */
static int cmp_specific_first(const void *a, const void *b)
{
	const struct flat_rule *x = *(const struct flat_rule *const *)a;
	const struct flat_rule *y = *(const struct flat_rule *const *)b;
	if (x->prefix != y->prefix)
		return x->prefix > y->prefix ? -1 : 1;
	if (x->rule->deny != y->rule->deny)
		return x->rule->deny ? -1 : 1;
	return x->rule_id < y->rule_id ? -1 : x->rule_id > y->rule_id;
}

static uint8_t proto_of(enum net_proto proto)
{
	switch (proto) {
	case NET_PROTO_TCP:
		return WARD_PROTO_TCP;
	case NET_PROTO_UDP:
		return WARD_PROTO_UDP;
	case NET_PROTO_ANY:
		break;
	}
	return WARD_PROTO_ANY;
}

static int add_entries(struct ward_net_value *value, const struct flat_rule *f)
{
	const struct net_rule *r = f->rule;
	size_t nranges = r->nports ? r->nports : 1;
	for (size_t i = 0; i < nranges; i++) {
		if (value->count >= WARD_MAX_NET_ENTRIES)
			return -E2BIG;
		struct ward_net_entry *e = &value->entries[value->count++];
		e->port_lo = r->nports ? r->ports[i].lo : 0;
		e->port_hi = r->nports ? r->ports[i].hi : 65535;
		e->proto = proto_of(r->proto);
		e->deny = r->deny;
		e->rule_id = f->rule_id;
	}
	return 0;
}

int bpf_net_compile(const struct plan_net_rule *rules, size_t count, struct bpf_net_prefix **out,
		    size_t *out_count, ward_error *err)
{
	*out = NULL;
	*out_count = 0;
	if (!count)
		return 0;
	_cleanup_free_ struct flat_rule *flat = calloc(count * 2, sizeof(*flat));
	_cleanup_free_ const struct flat_rule **covering = calloc(count * 2, sizeof(*covering));
	_cleanup_free_ struct bpf_net_prefix *prefixes = calloc(count * 2, sizeof(*prefixes));
	if (!flat || !covering || !prefixes)
		return ward_fail(err, -ENOMEM, "bpf: out of memory compiling network rules");
	size_t nflat = 0;
	if (flatten(rules, count, flat, &nflat) < 0)
		return ward_fail(err, -EAFNOSUPPORT, "bpf: a network rule has an unknown family");

	size_t nprefixes = 0;
	for (size_t i = 0; i < nflat; i++) {
		const struct flat_rule *p = &flat[i];
		bool seen = false;
		for (size_t j = 0; j < nprefixes && !seen; j++)
			seen = prefixes[j].family == p->family && prefixes[j].prefix == p->prefix &&
			       memcmp(prefixes[j].addr, p->addr, 16) == 0;
		if (seen)
			continue;

		size_t ncovering = 0;
		for (size_t j = 0; j < nflat; j++)
			if (prefix_covers(&flat[j], p))
				covering[ncovering++] = &flat[j];
		qsort(covering, ncovering, sizeof(*covering), cmp_specific_first);

		struct bpf_net_prefix *np = &prefixes[nprefixes++];
		np->family = p->family;
		np->prefix = p->prefix;
		memcpy(np->addr, p->addr, 16);
		for (size_t j = 0; j < ncovering; j++)
			if (add_entries(&np->value, covering[j]) < 0)
				return ward_fail(err, -E2BIG,
						 "bpf: more than %d rule entries cover %s; the BPF "
						 "layer holds at most that many",
						 WARD_MAX_NET_ENTRIES,
						 p->rule->text ? p->rule->text : "a network rule");
	}
	*out = steal_ptr(prefixes);
	*out_count = nprefixes;
	return 0;
}

int bpf_bind_compile(const struct port_range *ranges, size_t count, struct ward_bind_value *out,
		     ward_error *err)
{
	memset(out, 0, sizeof(*out));
	if (count > WARD_MAX_BIND_RANGES)
		return ward_fail(err, -E2BIG,
				 "bpf: %zu bind ranges; the BPF layer holds at most %d", count,
				 WARD_MAX_BIND_RANGES);
	for (size_t i = 0; i < count; i++) {
		out->ranges[i].lo = ranges[i].lo;
		out->ranges[i].hi = ranges[i].hi;
	}
	out->count = (uint32_t)count;
	return 0;
}

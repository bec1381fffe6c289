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

/* The bits of ADDR beyond PREFIX cleared: two rules that differ only there
 * are one trie key (the kernel matches PREFIX bits) and cover the same. */
static void mask_to(uint8_t addr[16], unsigned prefix)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = prefix > i * 8 ? prefix - i * 8 : 0;
		if (keep < 8)
			addr[i] &= (uint8_t)(0xff00 >> keep);
	}
}

/* Family, then prefix length, then address: each (family, length) is one
 * sorted run, searched by address. */
static int cmp_key(const void *a, const void *b)
{
	const struct flat_rule *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

/* Where each (family, prefix length) run starts in the sorted rules; a
 * length with no rule has an empty run. */
struct runs {
	size_t start[2][130]; /* [IPv4, IPv6][length], start[.][129] the end */
};

static int family_slot(int family)
{
	return family == AF_INET ? 0 : 1;
}

static void find_runs(const struct flat_rule *sorted, size_t n, struct runs *runs)
{
	size_t i = 0;
	for (int slot = 0; slot < 2; slot++) {
		int family = slot == 0 ? AF_INET : AF_INET6;
		for (unsigned len = 0; len <= 129; len++) {
			runs->start[slot][len] = i;
			while (len < 129 && i < n && sorted[i].family == family && sorted[i].prefix == len)
				i++;
		}
	}
}

/* Appends to COVERING every rule of a shorter-or-equal prefix that matches
 * P's address: per prefix length one binary search in its sorted run. */
static size_t collect_covering(const struct flat_rule *sorted, const struct runs *runs,
			       const struct flat_rule *p, const struct flat_rule **covering)
{
	int slot = family_slot(p->family);
	size_t n = 0;
	for (unsigned len = 0; len <= p->prefix; len++) {
		size_t lo = runs->start[slot][len], hi = runs->start[slot][len + 1];
		if (lo == hi)
			continue;
		struct flat_rule key = {.family = p->family, .prefix = (uint8_t)len};
		memcpy(key.addr, p->addr, 16);
		mask_to(key.addr, len);
		while (lo < hi) { /* the first rule not below KEY */
			size_t mid = lo + (hi - lo) / 2;
			if (cmp_key(&sorted[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t j = lo; j < runs->start[slot][len + 1] && cmp_key(&sorted[j], &key) == 0;
		     j++)
			covering[n++] = &sorted[j];
	}
	return n;
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
	_cleanup_free_ struct runs *runs = calloc(1, sizeof(*runs));
	if (!flat || !covering || !prefixes || !runs)
		return ward_fail(err, -ENOMEM, "bpf: out of memory compiling network rules");
	size_t nflat = 0;
	if (flatten(rules, count, flat, &nflat) < 0)
		return ward_fail(err, -EAFNOSUPPORT, "bpf: a network rule has an unknown family");
	for (size_t i = 0; i < nflat; i++)
		mask_to(flat[i].addr, flat[i].prefix);
	/* Sorted, rules with one key are adjacent: one trie entry each, and
	 * the rules covering a prefix are found by search, not by a scan of
	 * all (10,000 rules took seconds). */
	qsort(flat, nflat, sizeof(*flat), cmp_key);
	find_runs(flat, nflat, runs);

	size_t nprefixes = 0;
	for (size_t i = 0; i < nflat; i++) {
		const struct flat_rule *p = &flat[i];
		if (i > 0 && cmp_key(&flat[i - 1], p) == 0)
			continue;
		size_t ncovering = collect_covering(flat, runs, p, covering);
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

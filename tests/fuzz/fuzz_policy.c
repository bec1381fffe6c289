/* fuzz_policy.c — libFuzzer entry for the policy parsers: the bytes as a
 * YAML policy on a fresh policy, and on top of a loaded one (a failed load
 * must leave that one byte-for-byte unchanged: its digest before == after),
 * and as a network rule and a port list. Everything is freed each round so
 * LeakSanitizer sees any leak.
 */
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/sup_rules.h"

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Host rules resolve nothing here: a fuzz input must never wait on DNS. */
static int resolve_nothing(const char *host, const struct addrinfo *hints, struct addrinfo **found)
{
	(void)host;
	(void)hints;
	*found = NULL;
	return EAI_NONAME;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	policy_set_resolver(resolve_nothing);
	ward_policy *policy = ward_policy_new();
	if (policy) {
		ward_error err = {0};
		char digest[65];
		if (ward_policy_load_string(policy, text, "<fuzz>", &err) == 0) {
			/* A loaded policy must validate and render. */
			if (policy_validate(policy, &err) != 0 ||
			    policy_digest(policy, digest) != 0)
				abort();
		} else if (strchr(err.message, '\n')) {
			abort(); /* errors are one line */
		}
		ward_policy_free(policy);
	}

	/* A load on top of a policy that already holds rules of every kind. */
	static const char base[] = "version: 1\n"
				   "fs: {read: [/usr], write: [/tmp], deny: [/etc/shadow]}\n"
				   "net: {allow: [\"tcp://*:443\"]}\n"
				   "exec: {allow: [/usr/bin], deny: [{argv: [git, push]}]}\n"
				   "limits: {memory: 1G, timeout: 10s}\n"
				   "process: {env: {A: b}}\n";
	policy = ward_policy_new();
	if (policy) {
		ward_error err = {0};
		char before[65], after[65];
		if (ward_policy_load_string(policy, base, "<base>", &err) != 0 ||
		    policy_digest(policy, before) != 0)
			abort(); /* the base policy is valid */
		if (ward_policy_load_string(policy, text, "<fuzz>", &err) != 0) {
			if (policy_digest(policy, after) != 0 || strcmp(before, after) != 0)
				abort(); /* a failed load changed the policy */
			if (policy_validate(policy, &err) != 0)
				abort();
		}
		ward_policy_free(policy);
	}

	struct net_rule rule;
	struct port_range ranges[NET_MAX_PORT_RANGES];
	size_t count = 0;
	char why[256];
	uint64_t value;
	parse_net_rule(text, &rule, why, sizeof(why));
	parse_port_list(text, ranges, NET_MAX_PORT_RANGES, &count, why, sizeof(why));
	parse_size(text, &value);
	parse_duration_ms(text, &value);
	parse_percent(text, &value);
	/* A glob that passes the check is matched in bounded time. */
	size_t pos;
	if (glob_check(text, &pos, why, sizeof(why)) == 0) {
		glob_match(text, "a/b/c/d/e/f/g/h/.env");
		glob_match(text, text);
	}
	free(text);
	return 0;
}

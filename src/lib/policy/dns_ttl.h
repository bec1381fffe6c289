/* dns_ttl.h — host names resolved with the TTL of their DNS answer, so a
 * running sandbox can re-resolve them when the answer expires (issue 11).
 * The system resolver (libresolv, /etc/resolv.conf: servers, search list,
 * timeout, attempts) asks A and AAAA; the answer's smallest TTL is kept.
 * Names in /etc/hosts have no TTL: they are never re-resolved.
 */
#ifndef WARD_DNS_TTL_H
#define WARD_DNS_TTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bounds of a re-resolution: never sooner than 5 s, never later than
 * 1 h, whatever the TTL says (a TTL of 0 is re-asked after 5 s). */
#define DNS_TTL_MIN_S 5u
#define DNS_TTL_MAX_S 3600u
#define DNS_MAX_ADDRS 32

struct dns_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

struct dns_answer {
	struct dns_addr addrs[DNS_MAX_ADDRS];
	size_t count;
	uint32_t ttl; /* the smallest TTL of the records used, in seconds */
};

/* The delay before the next resolution for a TTL of TTL seconds. */
uint32_t dns_ttl_clamp(uint32_t ttl);
/* The delay after FAILURES (>= 1) resolutions failed in a row: 5 s,
 * doubling, at most 1 h. The last addresses stay meanwhile. */
uint32_t dns_backoff(unsigned failures);

/* Parses one DNS response MSG (LEN bytes) to a query of TYPE (ns_t_a or
 * ns_t_aaaa): appends its addresses of TYPE to OUT (no duplicates, at most
 * DNS_MAX_ADDRS) and lowers OUT->ttl to the smallest TTL of the answer's
 * records (CNAMEs included). Returns the number of addresses added, or
 * -EBADMSG. Pure (unit-tested). OUT->ttl starts at UINT32_MAX. */
int dns_parse_answer(const uint8_t *msg, size_t len, int type, struct dns_answer *out);

/* Parses "ADDRESS:PORT" (IPv4) of WARD_DNS_SERVER. 0 or -EINVAL. */
int dns_parse_server(const char *text, uint8_t addr[4], uint16_t *port);

/* Whether HOSTS_FILE (NULL: /etc/hosts) names NAME (case-insensitive). */
bool dns_in_hosts_file(const char *name, const char *hosts_file);

/* Asks the resolver for NAME's A and AAAA records. 0 with at least one
 * address, -ENOENT when DNS has none (no such name, no address), another
 * negative errno when no server answered. The server is WARD_DNS_SERVER
 * ("127.0.0.1:5353", for tests) when set, else /etc/resolv.conf's.
 * Thread-safe (its own resolver state). */
int dns_resolve_ttl(const char *name, struct dns_answer *out);

#endif

/* dns_ttl.c — a host name's addresses and the TTL of the DNS answer that
 * gave them (dns_ttl.h). libresolv with a resolver state of its own per
 * call, so the monitor's thread and the loader never share one.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "policy/dns_ttl.h"

uint32_t dns_ttl_clamp(uint32_t ttl)
{
	if (ttl < DNS_TTL_MIN_S)
		return DNS_TTL_MIN_S;
	return ttl > DNS_TTL_MAX_S ? DNS_TTL_MAX_S : ttl;
}

uint32_t dns_backoff(unsigned failures)
{
	uint32_t delay = DNS_TTL_MIN_S;
	for (unsigned i = 1; i < failures && delay < DNS_TTL_MAX_S; i++)
		delay *= 2;
	return delay > DNS_TTL_MAX_S ? DNS_TTL_MAX_S : delay;
}

static void add_addr(struct dns_answer *out, int family, const uint8_t *addr, size_t len)
{
	for (size_t i = 0; i < out->count; i++)
		if (out->addrs[i].family == family && memcmp(out->addrs[i].addr, addr, len) == 0)
			return;
	if (out->count >= DNS_MAX_ADDRS)
		return;
	struct dns_addr *a = &out->addrs[out->count++];
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->addr, addr, len);
}

int dns_parse_answer(const uint8_t *msg, size_t len, int type, struct dns_answer *out)
{
	ns_msg handle;
	if (!msg || len > 65535 || ns_initparse(msg, (int)len, &handle) < 0)
		return -EBADMSG;
	if (ns_msg_getflag(handle, ns_f_rcode) != ns_r_noerror)
		return 0;
	size_t before = out->count;
	int n = ns_msg_count(handle, ns_s_an);
	for (int i = 0; i < n; i++) {
		ns_rr rr;
		if (ns_parserr(&handle, ns_s_an, i, &rr) < 0)
			return -EBADMSG;
		if (ns_rr_class(rr) != ns_c_in)
			continue;
		int t = ns_rr_type(rr);
		bool used = false;
		if (t == ns_t_a && type == ns_t_a && ns_rr_rdlen(rr) == 4) {
			add_addr(out, AF_INET, ns_rr_rdata(rr), 4);
			used = true;
		} else if (t == ns_t_aaaa && type == ns_t_aaaa && ns_rr_rdlen(rr) == 16) {
			add_addr(out, AF_INET6, ns_rr_rdata(rr), 16);
			used = true;
		} else if (t == ns_t_cname) {
			used = true; /* the alias expires with its own TTL too */
		}
		if (used && ns_rr_ttl(rr) < out->ttl)
			out->ttl = ns_rr_ttl(rr);
	}
	return (int)(out->count - before);
}

int dns_parse_server(const char *text, uint8_t addr[4], uint16_t *port)
{
	const char *colon = text ? strrchr(text, ':') : NULL;
	char host[INET_ADDRSTRLEN];
	if (!colon || (size_t)(colon - text) >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	char *end = NULL;
	errno = 0;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end || errno || p == 0 || p > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, addr) != 1)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

bool dns_in_hosts_file(const char *name, const char *hosts_file)
{
	FILE *f = fopen(hosts_file ? hosts_file : "/etc/hosts", "re");
	if (!f)
		return false;
	char line[1024];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *save = NULL;
		char *word = strtok_r(line, " \t\r\n", &save); /* the address */
		while (word && !found && (word = strtok_r(NULL, " \t\r\n", &save)))
			found = strcasecmp(word, name) == 0;
	}
	fclose(f);
	return found;
}

/* One query of TYPE; 0 or more addresses appended, or a negative errno
 * when no server answered. */
static int query(res_state st, const char *name, int type, struct dns_answer *out)
{
	uint8_t msg[8192];
	int len = res_nsearch(st, name, ns_c_in, type, msg, sizeof(msg));
	if (len < 0) {
		/* h_errno of the state: no such name / no data are answers. */
		if (st->res_h_errno == HOST_NOT_FOUND || st->res_h_errno == NO_DATA)
			return 0;
		return -EAGAIN;
	}
	int r = dns_parse_answer(msg, (size_t)len < sizeof(msg) ? (size_t)len : sizeof(msg), type,
				 out);
	return r < 0 ? r : 0;
}

int dns_resolve_ttl(const char *name, struct dns_answer *out)
{
	memset(out, 0, sizeof(*out));
	out->ttl = UINT32_MAX;
	struct __res_state st;
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) < 0)
		return -EAGAIN;
	const char *server = getenv("WARD_DNS_SERVER");
	if (server && server[0]) {
		struct sockaddr_in sin = {.sin_family = AF_INET};
		uint16_t port = 0;
		if (dns_parse_server(server, (uint8_t *)&sin.sin_addr, &port) < 0) {
			res_nclose(&st);
			return -EINVAL;
		}
		sin.sin_port = htons(port);
		st.nsaddr_list[0] = sin;
		st.nscount = 1;
	}
	int r4 = query(&st, name, ns_t_a, out);
	int r6 = query(&st, name, ns_t_aaaa, out);
	res_nclose(&st);
	if (out->count)
		return 0;
	out->ttl = 0;
	if (r4 < 0 && r6 < 0)
		return r4;
	return r4 < 0 || r6 < 0 ? (r4 < 0 ? r4 : r6) : -ENOENT;
}

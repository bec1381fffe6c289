/* parse_net.c — network rules "[tcp://|udp://]ADDR[/PREFIX][:PORTS]" and
 * port lists. Pure: no allocation, the reason for a rejection goes to WHY.
 * It must never accept an ambiguous rule (a bare IPv6 address, host bits
 * beyond the prefix) and it folds IPv4-mapped IPv6 into IPv4 so a rule on
 * 10.0.0.0/8 cannot be dodged by connecting to ::ffff:10.0.0.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/policy.h"

static int fail_why(char *why, size_t why_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_why(char *why, size_t why_size, const char *fmt, ...)
{
	if (why && why_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, why_size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* One port "1".."65535" from [text, end). */
static int parse_port(const char *text, const char *end, uint16_t *out, char *why, size_t why_size)
{
	int len = (int)(end - text);
	unsigned long value = 0;

	if (len == 0)
		return fail_why(why, why_size, "empty port");
	for (const char *p = text; p < end; p++) {
		if (*p < '0' || *p > '9')
			return fail_why(why, why_size, "bad port '%.*s'", len, text);
		if (value <= 65535)
			value = value * 10 + (unsigned long)(*p - '0');
	}
	if (value == 0)
		return fail_why(why, why_size,
				"port 0 is not allowed (ports are 1..65535; net.bind [0] alone is "
				"an ephemeral port)");
	if (value > 65535)
		return fail_why(why, why_size, "port '%.*s' out of range (ports are 1..65535)", len,
				text);
	*out = (uint16_t)value;
	return 0;
}

static const char *skip_spaces(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

static const char *trim_spaces_back(const char *start, const char *end)
{
	while (end > start && end[-1] == ' ')
		end--;
	return end;
}

int parse_port_list(const char *text, struct port_range *ranges, size_t max, size_t *count,
		    char *why, size_t why_size)
{
	size_t n = 0;
	const char *item = text;

	if (!text || !*text)
		return fail_why(why, why_size, "empty port list");
	for (;;) {
		const char *comma = strchr(item, ',');
		const char *end = comma ? comma : item + strlen(item);
		const char *start = skip_spaces(item, end);
		end = trim_spaces_back(start, end);
		const char *dash = memchr(start, '-', (size_t)(end - start));
		struct port_range range;
		int r;

		if (start == end)
			return fail_why(why, why_size, "empty entry in port list '%s'", text);
		r = parse_port(start, dash ? dash : end, &range.lo, why, why_size);
		if (r < 0)
			return r;
		range.hi = range.lo;
		if (dash) {
			r = parse_port(dash + 1, end, &range.hi, why, why_size);
			if (r < 0)
				return r;
			if (range.lo > range.hi)
				return fail_why(why, why_size,
						"port range '%.*s' is reversed (low-high)",
						(int)(end - start), start);
		}
		if (n == max)
			return fail_why(why, why_size, "too many port ranges (at most %zu)", max);
		ranges[n++] = range;
		if (!comma)
			break;
		item = comma + 1;
	}
	*count = n;
	return 0;
}

/* Zero bits beyond PREFIX; reports whether any were set. */
static bool clear_host_bits(uint8_t *addr, unsigned prefix, unsigned bits)
{
	bool had = false;
	for (unsigned bit = prefix; bit < bits; bit++) {
		uint8_t mask = (uint8_t)(0x80u >> (bit % 8));
		if (addr[bit / 8] & mask) {
			had = true;
			addr[bit / 8] &= (uint8_t)~mask;
		}
	}
	return had;
}

static void format_cidr(int family, const uint8_t *addr, unsigned prefix, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	inet_ntop(family, addr, ip, sizeof(ip));
	if (family == AF_INET6)
		snprintf(out, size, "[%s]/%u", ip, prefix);
	else
		snprintf(out, size, "%s/%u", ip, prefix);
}

static bool has_letter(const char *s)
{
	for (; *s; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			return true;
	return false;
}

/* Reads the address at *P (advancing it) into OUT->family/addr. */
static int parse_address(const char **p, struct net_rule *out, char *why, size_t why_size)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *s = *p;

	if (*s == '*') {
		out->family = 0;
		*p = s + 1;
		return 0;
	}
	if (*s == '[') {
		const char *close = strchr(s, ']');
		size_t len = close ? (size_t)(close - s - 1) : 0;
		if (!close)
			return fail_why(why, why_size, "missing ']' after IPv6 address");
		if (len >= sizeof(buf))
			return fail_why(why, why_size, "bad IPv6 address '%.*s'", (int)len, s + 1);
		memcpy(buf, s + 1, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET6, buf, out->addr) != 1)
			return fail_why(why, why_size, "bad IPv6 address '%s'", buf);
		out->family = AF_INET6;
		*p = close + 1;
		return 0;
	}
	/* Two colons can only be an IPv6 address, and without brackets its last
	 * group cannot be told apart from a port. */
	const char *colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':'))
		return fail_why(why, why_size,
				"IPv6 address needs brackets, e.g. '[2001:db8::1]:443' "
				"(a bare IPv6 address is ambiguous with ports)");
	size_t len = strcspn(s, "/:");
	if (len == 0)
		return fail_why(why, why_size, "missing address (use '*' for any)");
	if (len >= sizeof(buf))
		return fail_why(why, why_size, "bad address '%.*s'", (int)len, s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, out->addr) != 1) {
		if (has_letter(buf))
			return fail_why(why, why_size, "'%s' is not an IP address", buf);
		return fail_why(why, why_size, "bad IPv4 address '%s'", buf);
	}
	out->family = AF_INET;
	*p = s + len;
	return 0;
}

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int parse_net_rule(const char *text, struct net_rule *out, char *why, size_t why_size)
{
	const char *p = text;
	const char *addr_start;
	unsigned bits, prefix;
	int r;

	memset(out, 0, sizeof(*out));
	if (!text || !*text)
		return fail_why(why, why_size, "empty network rule");

	const char *scheme_end = strstr(p, "://");
	if (scheme_end) {
		size_t len = (size_t)(scheme_end - p);
		if (len == 3 && strncmp(p, "tcp", 3) == 0)
			out->proto = NET_PROTO_TCP;
		else if (len == 3 && strncmp(p, "udp", 3) == 0)
			out->proto = NET_PROTO_UDP;
		else
			return fail_why(why, why_size,
					"unknown scheme '%.*s://' (expected tcp:// or udp://)",
					(int)len, p);
		p = scheme_end + 3;
	}

	addr_start = p;
	r = parse_address(&p, out, why, why_size);
	if (r < 0)
		return r;
	bits = out->family == AF_INET6 ? 128 : out->family == AF_INET ? 32 : 0;
	prefix = bits;

	if (*p == '/') {
		const char *digits = p + 1;
		size_t ndigits = strspn(digits, "0123456789");
		const char *cidr_end = digits + strcspn(digits, ":");

		if (out->family == 0)
			return fail_why(why, why_size,
					"'*' takes no prefix (it already means any address)");
		if (ndigits == 0 || ndigits > 3 || digits + ndigits != cidr_end)
			return fail_why(why, why_size, "bad CIDR '%.*s': prefix is not a number",
					(int)(cidr_end - addr_start), addr_start);
		prefix = (unsigned)strtoul(digits, NULL, 10);
		if (prefix > bits)
			return fail_why(why, why_size, "bad CIDR '%.*s': prefix must be 0..%u",
					(int)(cidr_end - addr_start), addr_start, bits);
		p = cidr_end;
	}

	if (out->family != 0) {
		uint8_t original[16];
		memcpy(original, out->addr, sizeof(original));
		if (clear_host_bits(out->addr, prefix, bits)) {
			char given[64], meant[64];
			format_cidr(out->family, original, prefix, given, sizeof(given));
			format_cidr(out->family, out->addr, prefix, meant, sizeof(meant));
			return fail_why(why, why_size, "%s: host bits set; did you mean %s?", given,
					meant);
		}
	}
	out->prefix = (uint8_t)prefix;

	if (out->family == AF_INET6 && prefix >= 96 &&
	    memcmp(out->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = AF_INET;
		out->prefix = (uint8_t)(prefix - 96);
	}

	if (*p == ':')
		return parse_port_list(p + 1, out->ports, NET_MAX_PORT_RANGES, &out->nports, why,
				       why_size);
	if (*p != '\0')
		return fail_why(why, why_size, "unexpected '%s' after the address", p);
	return 0;
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.';
}

int parse_net_host(const char *text, struct net_rule *out, char *host, size_t host_size, char *why,
		   size_t why_size)
{
	const char *p = text;
	memset(out, 0, sizeof(*out));
	if (!text || !*text)
		return fail_why(why, why_size, "empty network rule");
	const char *scheme_end = strstr(p, "://");
	if (scheme_end) {
		size_t len = (size_t)(scheme_end - p);
		if (len == 3 && strncmp(p, "tcp", 3) == 0)
			out->proto = NET_PROTO_TCP;
		else if (len == 3 && strncmp(p, "udp", 3) == 0)
			out->proto = NET_PROTO_UDP;
		else
			return fail_why(why, why_size,
					"unknown scheme '%.*s://' (expected tcp:// or udp://)",
					(int)len, p);
		p = scheme_end + 3;
	}
	size_t len = strcspn(p, ":");
	bool letter = false;
	for (size_t i = 0; i < len; i++) {
		if (!host_char(p[i]))
			return fail_why(why, why_size, "bad host name '%.*s'", (int)len, p);
		letter |= (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z');
	}
	/* RFC 1035 lengths; labels neither empty nor starting or ending with '-'. */
	if (!letter || len == 0 || len > 253 || len >= host_size || p[0] == '.' || p[0] == '-' ||
	    p[len - 1] == '-')
		return fail_why(why, why_size, "bad host name '%.*s'", (int)len, p);
	size_t label = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || p[i] == '.') {
			if (label == 0 && i != len)
				return fail_why(why, why_size, "bad host name '%.*s' (empty label)",
						(int)len, p);
			if (label > 63)
				return fail_why(why, why_size,
						"bad host name '%.*s' (a label over 63 characters)",
						(int)len, p);
			if (i < len && i > 0 && (p[i - 1] == '-' || p[i + 1] == '-'))
				return fail_why(why, why_size, "bad host name '%.*s'", (int)len, p);
			label = 0;
		} else {
			label++;
		}
	}
	memcpy(host, p, len);
	host[len] = '\0';
	/* A trailing dot is the same name. */
	if (len > 1 && host[len - 1] == '.')
		host[len - 1] = '\0';
	p += len;
	if (*p == ':')
		return parse_port_list(p + 1, out->ports, NET_MAX_PORT_RANGES, &out->nports, why,
				       why_size);
	return 0;
}

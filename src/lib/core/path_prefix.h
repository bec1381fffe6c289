/* path_prefix.h — the ancestor relation of absolute, normalized paths
 * (no trailing slash but "/"), shared by the planner and the world builder.
 * A path's ancestors are its prefixes ending before a '/', so the grant or
 * bind nearest above a path is found by looking up each of those few
 * prefixes in a sorted list, not by testing every entry (10,000 grants made
 * the pairwise scans take seconds).
 */
#ifndef WARD_CORE_PATH_PREFIX_H
#define WARD_CORE_PATH_PREFIX_H

#include <stdbool.h>
#include <string.h>

/* True when A is B or lies beneath it. */
static inline bool path_within(const char *a, const char *b)
{
	size_t n = strlen(b);
	if (n == 1 && b[0] == '/')
		return true;
	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* The length of the parent of PATH's first LEN bytes: "/a/b" -> 2 ("/a"),
 * "/a" -> 1 ("/"), "/" (or empty) -> 0, none. */
static inline size_t path_parent_len(const char *path, size_t len)
{
	if (len <= 1)
		return 0;
	size_t i = len - 1;
	while (i > 0 && path[i] != '/')
		i--;
	return i ? i : 1;
}

/* strcmp of the string made of A's first LEN bytes against B. */
static inline int path_cmp_prefix(const char *a, size_t len, const char *b)
{
	int c = strncmp(a, b, len);
	if (c)
		return c;
	return b[len] ? -1 : 0;
}

#endif

/* path_expand.c — the paths people write: "~", "~/x", "$HOME/x", "${VAR}/x"
 * become absolute paths before normalization, in flags and policy files
 * alike. Pure but for the lookup the caller passes (getenv in ward), so the
 * unit tests and the fuzzer reach every branch. An unset variable is an
 * error naming it, never an empty string: "$UNSET/.ssh" must not become
 * "/.ssh".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy_internal.h"

static bool name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

static int append(char *out, size_t size, size_t *len, const char *text, size_t n)
{
	if (*len + n >= size)
		return -ENAMETOOLONG;
	memcpy(out + *len, text, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

static int append_var(char *out, size_t size, size_t *len, const char *name, size_t name_len,
		      path_lookup_fn lookup, void *arg, char *why, size_t why_size)
{
	char key[128];
	if (name_len >= sizeof(key)) {
		snprintf(why, why_size, "variable name '%.32s...' is too long", name);
		return -EINVAL;
	}
	memcpy(key, name, name_len);
	key[name_len] = '\0';
	const char *value = lookup ? lookup(key, arg) : NULL;
	if (!value || !value[0]) {
		snprintf(why, why_size, "$%s is not set (set it, or write the path out)", key);
		return -EINVAL;
	}
	int r = append(out, size, len, value, strlen(value));
	if (r < 0)
		snprintf(why, why_size, "the path is too long once $%s is expanded", key);
	return r;
}

int path_expand(const char *path, char *out, size_t size, path_lookup_fn lookup, void *arg,
		char *why, size_t why_size)
{
	size_t len = 0;
	const char *p = path;
	int r;

	if (size == 0)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (p[0] == '~') {
		if (p[1] != '\0' && p[1] != '/') {
			snprintf(why, why_size,
				 "'~user' is not supported (write the path out, or ~/ for your "
				 "home)");
			return -EINVAL;
		}
		if ((r = append_var(out, size, &len, "HOME", 4, lookup, arg, why, why_size)) < 0)
			return r;
		p++;
	}
	while (*p) {
		const char *dollar = strchr(p, '$');
		size_t plain = dollar ? (size_t)(dollar - p) : strlen(p);
		if ((r = append(out, size, &len, p, plain)) < 0) {
			snprintf(why, why_size, "the path is too long");
			return r;
		}
		p += plain;
		if (!*p)
			break;
		/* p is at a '$'. */
		if (p[1] == '{') {
			const char *close = strchr(p + 2, '}');
			const char *name = p + 2;
			size_t n = close ? (size_t)(close - name) : 0;
			bool ok = close && n > 0 && name_start(name[0]);
			for (size_t i = 0; ok && i < n; i++)
				ok = name_char(name[i]);
			if (!ok) {
				snprintf(why, why_size,
					 "bad variable reference '%.40s' (expected ${NAME})", p);
				return -EINVAL;
			}
			if ((r = append_var(out, size, &len, name, n, lookup, arg, why, why_size)) <
			    0)
				return r;
			p = close + 1;
		} else if (name_start(p[1])) {
			const char *name = p + 1;
			size_t n = 0;
			while (name_char(name[n]))
				n++;
			if ((r = append_var(out, size, &len, name, n, lookup, arg, why, why_size)) <
			    0)
				return r;
			p = name + n;
		} else {
			snprintf(why, why_size,
				 "a '$' must start a variable ($NAME or ${NAME}) in '%.60s'", path);
			return -EINVAL;
		}
	}
	return 0;
}

/* policy_rules.c — the adders every front end (YAML, CLI flags, C API) goes
 * through: each checks one input, names its location on failure and only
 * then changes the policy. A rejected input must never leave a partial rule.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "policy/dns_ttl.h"
#include "policy/policy_internal.h"

#define WARD_FS_ALL (WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC)

/* The caller's environment; HOME from the password database when unset,
 * since "~" in a profile must mean the same as in the user's shell. */
static const char *env_lookup(const char *name, void *arg)
{
	(void)arg;
	const char *value = getenv(name);
	if ((!value || !value[0]) && strcmp(name, "HOME") == 0) {
		struct passwd *pw = getpwuid(getuid());
		value = pw ? pw->pw_dir : NULL;
	}
	return value;
}

int path_expand_env(const char *path, char *out, size_t size, char *why, size_t why_size)
{
	return path_expand(path, out, size, env_lookup, NULL, why, why_size);
}

/* Expands and normalizes PATH into OUT; with MUST_EXIST, a missing path is
 * an error. */
static int check_path(const char *path, bool must_exist, char *out, size_t size,
		      struct ward_loc loc, const char *key, ward_error *err)
{
	struct stat st;
	char expanded[PATH_MAX], why[200];
	int r = 0;

	expanded[0] = '\0';
	if (path)
		r = path_expand_env(path, expanded, sizeof(expanded), why, sizeof(why));
	if (r == -EINVAL)
		return policy_fail_at(err, loc, key, "path '%s': %s", path, why);
	if (r < 0)
		return policy_fail_at(err, loc, key, "path '%.64s...' is too long", path);
	r = path_normalize(expanded, out, size);

	if (r == -EINVAL)
		return policy_fail_at(err, loc, key,
				      "path '%s' is not absolute (start it with /, ~/ or $HOME)",
				      path ? path : "");
	if (r < 0)
		return policy_fail_at(err, loc, key, "path '%.64s...' is too long", path);
	if (must_exist && stat(out, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return policy_fail_at(err, loc, key, "path '%s' does not exist", out);
		return policy_fail_at(err, loc, key, "path '%s': %s", out, strerror(errno));
	}
	return 0;
}

#define OVERLAYFS_MAGIC 0x794c7630

/* Whether a mount point of this process's namespace lies strictly beneath
 * DIR (resolved). A path with characters that mountinfo escapes counts as
 * having one: the overlay is not tried for it. */
static bool mounts_beneath(const char *dir)
{
	if (strpbrk(dir, " \t\n\\"))
		return true;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return true;
	size_t n = strlen(dir);
	char line[PATH_MAX + 512];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": the fifth field. */
		char *field = line;
		for (int i = 0; i < 4 && field; i++) {
			field = strchr(field, ' ');
			if (field)
				field++;
		}
		if (!field)
			continue;
		char *end = strchr(field, ' ');
		if (end)
			*end = '\0';
		if (n == 1 ? field[1] != '\0'
			   : strncmp(field, dir, n) == 0 && field[n] == '/' && field[n + 1])
			found = true;
	}
	fclose(f);
	return found;
}

/* What the own root needs to know of an existing grant (policy.h). */
static void probe_grant(const char *path, struct fs_rule *rule)
{
	struct stat st;
	struct statfs sf;
	char real[PATH_MAX];
	if (stat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		/* Bound by inode: what the sandbox names there stays this file. */
		rule->is_file = !S_ISSOCK(st.st_mode);
		return;
	}
	if (!realpath(path, real))
		return;
	rule->is_dir = true;
	/* Kernel filesystems that cannot hold a socket inode (no mknod). */
	static const unsigned long pseudo[] = {
		0x62656572, /* sysfs */ 0x9fa0,	      /* proc */ 0x27e0eb,	/* cgroup */
		0x63677270, /* cgroup2 */ 0x64626720, /* debugfs */ 0x73636673, /* securityfs */
		0xcafe4a11, /* bpf */ 0x74726163,     /* tracefs */ 0x62656570, /* configfs */
		0x1cd1,								/* devpts */
	};
	bool got = statfs(real, &sf) == 0;
	rule->on_overlayfs = got && (unsigned long)sf.f_type == OVERLAYFS_MAGIC;
	rule->has_mounts = mounts_beneath(real);
	for (size_t i = 0; got && i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		rule->no_sockets |= (unsigned long)sf.f_type == pseudo[i];
}

int policy_add_fs_key(struct ward_policy *policy, const char *path, unsigned access, bool deny,
		      bool optional, struct ward_loc loc, const char *key, ward_error *err)
{
	char normalized[PATH_MAX];
	int r;

	if (deny && access == 0)
		access = WARD_FS_ALL;
	if (access == 0 || (access & ~WARD_FS_ALL))
		return policy_fail_at(err, loc, key, "bad access bits 0x%x (read, write, exec)",
				      access);
	if (glob_is_pattern(path))
		return policy_add_fs_glob(policy, path, access, deny, loc, key, err);
	/* A denial may name what does not exist yet (~/.aws): the plan decides
	 * whether a layer can hold it once it is created. */
	r = check_path(path, !optional && !deny, normalized, sizeof(normalized), loc, key, err);
	if (r < 0)
		return r;
	struct stat st;
	bool absent = deny && lstat(normalized, &st) < 0;
	/* optional means what it means for a grant: nothing to do for a path
	 * that is not there. A denial that must also hold once the program
	 * creates the path is written without it (and costs a Landlock hole). */
	if (deny && optional && absent)
		return 0;
	struct fs_rule rule = {
		.path = strdup(normalized),
		.access = access,
		.deny = deny,
		.optional = optional,
		.absent = absent,
		.loc = loc,
		.missing = optional && !deny && lstat(normalized, &st) < 0,
	};
	if (!deny && !rule.missing)
		probe_grant(normalized, &rule);
	if (!rule.path || VEC_PUSH(&policy->fs, rule) < 0) {
		free(rule.path);
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

int policy_add_exec_key(struct ward_policy *policy, const char *path, bool deny,
			struct ward_loc loc, const char *key, ward_error *err)
{
	char normalized[PATH_MAX];
	int r = check_path(path, true, normalized, sizeof(normalized), loc, key, err);
	if (r < 0)
		return r;
	struct exec_rule rule = {.path = strdup(normalized), .deny = deny, .loc = loc};
	if (!rule.path || VEC_PUSH(&policy->exec, rule) < 0) {
		free(rule.path);
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

/* A socket a service may create after the run starts (ssh-agent, a
 * restarted daemon): the path need not exist yet. */
int policy_add_unix_key(struct ward_policy *policy, const char *path, struct ward_loc loc,
			const char *key, ward_error *err)
{
	char normalized[PATH_MAX];
	struct stat st;
	int r = check_path(path, false, normalized, sizeof(normalized), loc, key, err);
	if (r < 0)
		return r;
	const size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	if (strlen(normalized) > max && !(stat(normalized, &st) == 0 && S_ISDIR(st.st_mode)))
		return policy_fail_at(err, loc, key,
				      "unix socket path '%s' is longer than %zu bytes (name its "
				      "directory instead)",
				      normalized, max);
	struct unix_rule rule = {.path = strdup(normalized), .loc = loc};
	if (!rule.path || VEC_PUSH(&policy->unix_allow, rule) < 0) {
		free(rule.path);
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

static int resolve_with_getaddrinfo(const char *host, const struct addrinfo *hints,
				    struct addrinfo **found)
{
	return getaddrinfo(host, NULL, hints, found);
}

static policy_resolver_fn resolver = resolve_with_getaddrinfo;

void policy_set_resolver(policy_resolver_fn fn)
{
	resolver = fn ? fn : resolve_with_getaddrinfo;
}

/* One address of a host-name rule, unless the name gave it already. */
static int push_host_addr(struct ward_policy *policy, size_t first_net, const char *text,
			  const struct net_rule *tmpl, const char *host, int family,
			  const uint8_t *bytes, struct ward_loc loc)
{
	struct net_rule rule = *tmpl;
	char addr[INET6_ADDRSTRLEN] = "";
	memset(rule.addr, 0, sizeof(rule.addr));
	memcpy(rule.addr, bytes, family == AF_INET ? 4 : 16);
	rule.prefix = family == AF_INET ? 32 : 128;
	rule.family = family;
	inet_ntop(rule.family, rule.addr, addr, sizeof(addr));
	for (size_t i = first_net; i < policy->net.len; i++)
		if (policy->net.items[i].family == rule.family &&
		    memcmp(policy->net.items[i].addr, rule.addr, 16) == 0)
			return 0;
	rule.loc = loc;
	char *pin = NULL;
	if (asprintf(&rule.text, "%s = %s", text, addr) < 0)
		rule.text = NULL;
	if (!rule.text || asprintf(&pin, "%s %s", addr, host) < 0 ||
	    VEC_PUSH(&policy->net, rule) < 0) {
		free(rule.text);
		return -ENOMEM;
	}
	if (VEC_PUSH(&policy->hosts, pin) < 0) {
		free(pin);
		return -ENOMEM;
	}
	return 0;
}

/* A rule naming a host: resolved now, in ward and outside the sandbox,
 * into one address rule per address, each pinned as "ADDRESS NAME" for the
 * sandbox's hosts file. A name in /etc/hosts, or one DNS does not answer,
 * is resolved by getaddrinfo and never again; a name DNS answers keeps the
 * answer's TTL, after which the running sandbox re-resolves it. All or
 * nothing: a name that does not resolve adds no rule. */
static int add_host_rules(struct ward_policy *policy, const char *text, const struct net_rule *tmpl,
			  const char *host, struct ward_loc loc, const char *key, ward_error *err)
{
	struct dns_answer dns = {.count = 0};
	bool by_dns = resolver == resolve_with_getaddrinfo && !dns_in_hosts_file(host, NULL) &&
		      dns_resolve_ttl(host, &dns) == 0;
	struct addrinfo *found = NULL;
	if (!by_dns) {
		struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
		int r = resolver(host, &hints, &found);
		if (r != 0)
			return policy_fail_at(
				err, loc, key,
				"cannot resolve host '%s': %s (check the name, or write "
				"its address)",
				host, r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
	}
	const char *name = policy_intern(policy, host);
	if (!name) {
		freeaddrinfo(found);
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	struct net_rule with_name = *tmpl;
	with_name.host = name;
	with_name.ttl = by_dns ? dns_ttl_clamp(dns.ttl) : 0;
	size_t first_net = policy->net.len, first_host = policy->hosts.len;
	int out = 0;
	for (size_t i = 0; by_dns && i < dns.count && out == 0; i++)
		out = push_host_addr(policy, first_net, text, &with_name, host, dns.addrs[i].family,
				     dns.addrs[i].addr, loc);
	for (struct addrinfo *ai = found; ai && out == 0; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			out = push_host_addr(
				policy, first_net, text, &with_name, host, AF_INET,
				(const uint8_t *)&(
					(const struct sockaddr_in *)(const void *)ai->ai_addr)
					->sin_addr,
				loc);
		else if (ai->ai_family == AF_INET6)
			out = push_host_addr(
				policy, first_net, text, &with_name, host, AF_INET6,
				(const uint8_t *)&(
					(const struct sockaddr_in6 *)(const void *)ai->ai_addr)
					->sin6_addr,
				loc);
	}
	freeaddrinfo(found);
	if (out == 0 && policy->net.len == first_net)
		return policy_fail_at(err, loc, key, "host '%s' has no IPv4 or IPv6 address", host);
	if (out < 0) {
		for (size_t i = first_net; i < policy->net.len; i++)
			free(policy->net.items[i].text);
		for (size_t i = first_host; i < policy->hosts.len; i++)
			free(policy->hosts.items[i]);
		policy->net.len = first_net;
		policy->hosts.len = first_host;
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

int policy_add_net_key(struct ward_policy *policy, const char *text, bool deny, struct ward_loc loc,
		       const char *key, ward_error *err)
{
	struct net_rule rule;
	char why[300];

	if (parse_net_rule(text, &rule, why, sizeof(why)) < 0) {
		char host[256], host_why[300];
		struct net_rule tmpl;
		if (parse_net_host(text, &tmpl, host, sizeof(host), host_why, sizeof(host_why)) < 0)
			return policy_fail_at(err, loc, key, "%s", why);
		/* A denial by name would hold only for the addresses seen now;
		 * the same host behind another address would pass. */
		if (deny)
			return policy_fail_at(err, loc, key,
					      "a denial names host '%s': write its addresses or a "
					      "CIDR (a denial by name would miss the addresses "
					      "ward's resolver did not return)",
					      host);
		return add_host_rules(policy, text, &tmpl, host, loc, key, err);
	}
	rule.deny = deny;
	rule.loc = loc;
	rule.text = strdup(text);
	if (!rule.text || VEC_PUSH(&policy->net, rule) < 0) {
		free(rule.text);
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

int policy_add_bind_key(struct ward_policy *policy, const char *text, struct ward_loc loc,
			const char *key, ward_error *err)
{
	struct port_range ranges[NET_MAX_PORT_RANGES];
	size_t count = 0;
	char why[300];

	/* "0": bind to an ephemeral port the kernel picks (servers in tests). */
	if (text && strcmp(text, "0") == 0) {
		struct bind_rule ephemeral = {.range = {0, 0}, .loc = loc};
		if (VEC_PUSH(&policy->bind, ephemeral) < 0)
			return ward_fail(err, -ENOMEM, "out of memory");
		return 0;
	}
	if (parse_port_list(text, ranges, NET_MAX_PORT_RANGES, &count, why, sizeof(why)) < 0)
		return policy_fail_at(err, loc, key, "%s", why);
	/* Grow once so a failure cannot leave half of the list added. */
	if (vec_grow_((void **)&policy->bind.items, &policy->bind.cap, policy->bind.len + count,
		      sizeof(*policy->bind.items)) < 0)
		return ward_fail(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < count; i++)
		policy->bind.items[policy->bind.len++] =
			(struct bind_rule){.range = ranges[i], .loc = loc};
	return 0;
}

static int limit_fail(ward_error *err, struct ward_loc loc, const char *key, enum ward_limit limit,
		      const char *text, int r)
{
	const char *name = policy_limit_name(limit);
	switch (limit) {
	case WARD_LIMIT_MEMORY:
		if (r == -ERANGE)
			return policy_fail_at(err, loc, key, "size '%s' is too large", text);
		return policy_fail_at(err, loc, key,
				      "bad size '%s' (expected bytes, or a number with K, M, G, "
				      "T, KiB, MiB, GiB, TiB, KB, MB, GB or TB)",
				      text);
	case WARD_LIMIT_CPU_PERCENT:
		if (r == -ERANGE)
			return policy_fail_at(
				err, loc, key,
				"cpu '%s' out of range (1..100000 percent of one CPU)", text);
		return policy_fail_at(err, loc, key,
				      "bad percent '%s' (expected e.g. 50%% or 250%%)", text);
	case WARD_LIMIT_CPU_TIME:
	case WARD_LIMIT_TIMEOUT_MS:
		if (r == -ERANGE)
			return policy_fail_at(err, loc, key, "duration '%s' is too large", text);
		return policy_fail_at(err, loc, key,
				      "bad duration '%s' (expected seconds, or a number with ms, "
				      "s, m or h)",
				      text);
	default:
		if (r == -ERANGE)
			return policy_fail_at(err, loc, key, "%s '%s' out of range (1..%u)", name,
					      text, limit == WARD_LIMIT_PIDS ? 4194304u : 1048576u);
		return policy_fail_at(err, loc, key, "bad %s '%s' (expected a whole number)", name,
				      text);
	}
}

int policy_set_limit_key(struct ward_policy *policy, enum ward_limit limit, const char *text,
			 struct ward_loc loc, const char *key, ward_error *err)
{
	uint64_t value = 0;
	int r;

	if ((int)limit < 0 || limit >= WARD_LIMIT_COUNT_)
		return policy_fail_at(err, loc, key, "unknown limit %d", (int)limit);
	if (!text)
		text = "";
	switch (limit) {
	case WARD_LIMIT_MEMORY:
		r = parse_size(text, &value);
		/* Below a megabyte a process cannot even map its libraries. */
		if (r == 0 && value < (1u << 20))
			return policy_fail_at(err, loc, key,
					      "memory '%s' is below the minimum of 1M", text);
		break;
	case WARD_LIMIT_PIDS:
		r = parse_count(text, 4194304, &value);
		break;
	case WARD_LIMIT_NOFILE:
		r = parse_count(text, 1048576, &value);
		break;
	case WARD_LIMIT_CPU_PERCENT:
		r = parse_percent(text, &value);
		break;
	case WARD_LIMIT_CPU_TIME:
	case WARD_LIMIT_TIMEOUT_MS:
		r = parse_duration_ms(text, &value);
		if (r == 0 && value == 0)
			return policy_fail_at(err, loc, key, "duration '%s' must be greater than 0",
					      text);
		/* RLIMIT_CPU counts whole seconds: round up, never down to 0. */
		if (r == 0 && limit == WARD_LIMIT_CPU_TIME)
			value = value / 1000 + (value % 1000 != 0);
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0)
		return limit_fail(err, loc, key, limit, text, r);
	policy->limits[limit] = (struct limit_value){.set = true, .value = value, .loc = loc};
	return 0;
}

static bool valid_env_name(const char *name, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '=' || name[i] == '\0')
			return false;
	return true;
}

int policy_add_env_key(struct ward_policy *policy, const char *key_eq_value, struct ward_loc loc,
		       const char *key, ward_error *err)
{
	const char *eq = key_eq_value ? strchr(key_eq_value, '=') : NULL;
	if (!eq || eq == key_eq_value)
		return policy_fail_at(err, loc, key,
				      "bad environment entry '%s' (expected KEY=VALUE)",
				      key_eq_value ? key_eq_value : "");
	size_t name_len = (size_t)(eq - key_eq_value);
	_cleanup_free_ char *copy = NULL;
	/* A value starting with "~/" is a path under the caller's home
	 * (RUSTUP_HOME: ~/.rustup in the rust profile); nothing else in a
	 * value is expanded. */
	if (eq[1] == '~' && eq[2] == '/') {
		char expanded[PATH_MAX], why[200];
		if (path_expand_env(eq + 1, expanded, sizeof(expanded), why, sizeof(why)) < 0)
			return policy_fail_at(err, loc, key, "'%s': %s", key_eq_value, why);
		if (asprintf(&copy, "%.*s=%s", (int)name_len, key_eq_value, expanded) < 0)
			copy = NULL;
	} else {
		copy = strdup(key_eq_value);
	}
	if (!copy)
		return ward_fail(err, -ENOMEM, "out of memory");
	/* The same name again replaces the earlier value: last one wins. */
	VEC_FOREACH(&policy->env_set, it)
	{
		if (strncmp(*it, key_eq_value, name_len + 1) == 0) {
			free(*it);
			*it = steal_ptr(copy);
			policy->env_set_loc.items[it - policy->env_set.items] = loc;
			return 0;
		}
	}
	if (VEC_PUSH(&policy->env_set_loc, loc) < 0)
		return ward_fail(err, -ENOMEM, "out of memory");
	if (VEC_PUSH(&policy->env_set, copy) < 0) {
		policy->env_set_loc.len--;
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	copy = NULL;
	return 0;
}

int policy_add_unset_env_key(struct ward_policy *policy, const char *name, struct ward_loc loc,
			     const char *key, ward_error *err)
{
	if (!name || !valid_env_name(name, strlen(name)))
		return policy_fail_at(err, loc, key, "bad environment variable name '%s'",
				      name ? name : "");
	_cleanup_free_ char *copy = strdup(name);
	if (!copy || VEC_PUSH(&policy->env_unset_loc, loc) < 0)
		return ward_fail(err, -ENOMEM, "out of memory");
	if (VEC_PUSH(&policy->env_unset, copy) < 0) {
		policy->env_unset_loc.len--;
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	copy = NULL;
	return 0;
}

int policy_add_pass_env_key(struct ward_policy *policy, const char *name, struct ward_loc loc,
			    const char *key, ward_error *err)
{
	if (!name || !valid_env_name(name, strlen(name)))
		return policy_fail_at(err, loc, key, "bad environment variable name '%s'",
				      name ? name : "");
	_cleanup_free_ char *copy = strdup(name);
	if (!copy || VEC_PUSH(&policy->env_pass_loc, loc) < 0)
		return ward_fail(err, -ENOMEM, "out of memory");
	if (VEC_PUSH(&policy->env_pass, copy) < 0) {
		policy->env_pass_loc.len--;
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	copy = NULL;
	return 0;
}

int policy_set_cwd_key(struct ward_policy *policy, const char *dir, struct ward_loc loc,
		       const char *key, ward_error *err)
{
	char normalized[PATH_MAX];
	/* Not required to exist now: it may be created before the run. */
	int r = check_path(dir, false, normalized, sizeof(normalized), loc, key, err);
	if (r < 0)
		return r;
	char *copy = strdup(normalized);
	if (!copy)
		return ward_fail(err, -ENOMEM, "out of memory");
	free(policy->cwd);
	policy->cwd = copy;
	return 0;
}

int policy_set_hostname_key(struct ward_policy *policy, const char *name, struct ward_loc loc,
			    const char *key, ward_error *err)
{
	size_t len = name ? strlen(name) : 0;
	/* sethostname() takes up to 64 bytes; stick to what DNS labels allow. */
	bool ok = len >= 1 && len <= 64 && name[0] != '-' && name[0] != '.';
	for (size_t i = 0; ok && i < len; i++) {
		char c = name[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '-' || c == '.';
	}
	if (!ok)
		return policy_fail_at(err, loc, key,
				      "bad hostname '%s' (1..64 letters, digits, '-' and '.')",
				      name ? name : "");
	char *copy = strdup(name);
	if (!copy)
		return ward_fail(err, -ENOMEM, "out of memory");
	free(policy->hostname);
	policy->hostname = copy;
	policy->hostname_loc = loc;
	return 0;
}

int policy_add_degraded_key(struct ward_policy *policy, const char *layer, struct ward_loc loc,
			    const char *key, ward_error *err)
{
	enum ward_layer found = ward_layer_from_name(layer);
	/* "limits": the cgroup layer, whose absence leaves limits per process. */
	if (found == LAYER_NONE && layer && strcmp(layer, "limits") == 0)
		found = LAYER_CGROUP;
	if (found == LAYER_NONE)
		return policy_fail_at(
			err, loc, key,
			"unknown layer '%s' (known: bpf-lsm, cgroup-bpf, landlock, "
			"seccomp, supervisor, cgroup (or limits), rlimit, namespaces, monitor)",
			layer ? layer : "");
	policy->degraded |= 1u << found;
	return 0;
}

/* ---- the declarations of policy.h: the same, without a key ---- */

int policy_add_fs(struct ward_policy *policy, const char *path, unsigned access, bool deny,
		  bool optional, struct ward_loc loc, ward_error *err)
{
	return policy_add_fs_key(policy, path, access, deny, optional, loc, NULL, err);
}

int policy_add_net(struct ward_policy *policy, const char *text, bool deny, struct ward_loc loc,
		   ward_error *err)
{
	return policy_add_net_key(policy, text, deny, loc, NULL, err);
}

int policy_add_bind(struct ward_policy *policy, const char *text, struct ward_loc loc,
		    ward_error *err)
{
	return policy_add_bind_key(policy, text, loc, NULL, err);
}

int policy_add_exec(struct ward_policy *policy, const char *path, bool deny, struct ward_loc loc,
		    ward_error *err)
{
	return policy_add_exec_key(policy, path, deny, loc, NULL, err);
}

int policy_add_unix(struct ward_policy *policy, const char *path, struct ward_loc loc,
		    ward_error *err)
{
	return policy_add_unix_key(policy, path, loc, NULL, err);
}

static const char *const quota_names[WARD_QUOTA_COUNT_] = {
	[WARD_QUOTA_NET_EGRESS_BYTES] = "net_egress_bytes",
	[WARD_QUOTA_NET_INGRESS_BYTES] = "net_ingress_bytes",
	[WARD_QUOTA_CPU_TIME] = "cpu_time",
	[WARD_QUOTA_FILE_WRITE_BYTES] = "file_write_bytes",
};
static const char *const quota_actions[] = {
	[WARD_QUOTA_KILL] = "kill",
	[WARD_QUOTA_FREEZE] = "freeze",
	[WARD_QUOTA_REPORT] = "report",
};

const char *policy_quota_name(enum ward_quota quota)
{
	return (int)quota >= 0 && quota < WARD_QUOTA_COUNT_ ? quota_names[quota] : NULL;
}

const char *policy_quota_action_name(enum ward_quota_action action)
{
	return (int)action >= 0 && action <= WARD_QUOTA_REPORT ? quota_actions[action] : "?";
}

int policy_set_quota(struct ward_policy *policy, const char *name, const char *size,
		     const char *action, struct ward_loc loc, ward_error *err)
{
	int q = -1;
	for (int i = 0; i < WARD_QUOTA_COUNT_; i++)
		if (name && !strcmp(name, quota_names[i]))
			q = i;
	if (q < 0 && name && !strcmp(name, "file_read_bytes"))
		return policy_fail_at(
			err, loc, NULL,
			"quota file_read_bytes is not offered: reads through mmap "
			"reach no counted call, so it could not hold (the exit event's "
			"file_bytes_read reports reads; use file_write_bytes for writes)");
	if (q < 0)
		return policy_fail_at(err, loc, NULL,
				      "unknown quota '%s' (net_egress_bytes, net_ingress_bytes, "
				      "cpu_time or file_write_bytes)",
				      name ? name : "");
	uint64_t amount;
	if (q == WARD_QUOTA_CPU_TIME) {
		if (!size || parse_duration_ms(size, &amount) < 0 || amount == 0)
			return policy_fail_at(err, loc, NULL,
					      "quota cpu_time: bad duration '%s' (a positive "
					      "duration such as 30s or 5m)",
					      size ? size : "");
	} else if (!size || parse_size(size, &amount) < 0 || amount == 0) {
		return policy_fail_at(err, loc, NULL,
				      "quota %s: bad size '%s' (a positive size such as 10M or 1G)",
				      name, size ? size : "");
	}
	int a = -1;
	for (int i = 0; i <= WARD_QUOTA_REPORT; i++)
		if (!action || !strcmp(action, quota_actions[i]))
			a = action ? i : WARD_QUOTA_KILL;
	if (a < 0)
		return policy_fail_at(err, loc, NULL,
				      "quota %s: unknown action '%s' (kill, freeze or report)",
				      name, action);
	policy->quotas[q] = (struct quota_value){
		.set = true, .amount = amount, .action = (enum ward_quota_action)a, .loc = loc};
	return 0;
}

int policy_set_limit(struct ward_policy *policy, enum ward_limit limit, const char *text,
		     struct ward_loc loc, ward_error *err)
{
	return policy_set_limit_key(policy, limit, text, loc, NULL, err);
}

int policy_add_env(struct ward_policy *policy, const char *key_eq_value, struct ward_loc loc,
		   ward_error *err)
{
	return policy_add_env_key(policy, key_eq_value, loc, NULL, err);
}

int policy_add_unset_env(struct ward_policy *policy, const char *key, struct ward_loc loc,
			 ward_error *err)
{
	return policy_add_unset_env_key(policy, key, loc, NULL, err);
}

int policy_add_pass_env(struct ward_policy *policy, const char *name, struct ward_loc loc,
			ward_error *err)
{
	return policy_add_pass_env_key(policy, name, loc, NULL, err);
}

int policy_set_cwd(struct ward_policy *policy, const char *dir, struct ward_loc loc,
		   ward_error *err)
{
	return policy_set_cwd_key(policy, dir, loc, NULL, err);
}

int policy_set_hostname(struct ward_policy *policy, const char *name, struct ward_loc loc,
			ward_error *err)
{
	return policy_set_hostname_key(policy, name, loc, NULL, err);
}

int policy_add_degraded(struct ward_policy *policy, const char *layer, struct ward_loc loc,
			ward_error *err)
{
	return policy_add_degraded_key(policy, layer, loc, NULL, err);
}

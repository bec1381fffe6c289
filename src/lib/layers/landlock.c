/* landlock.c — the Landlock layer: turns the plan's filesystem grants, TCP
 * port lists and IPC scoping into a ruleset fd in the parent; the child only
 * calls landlock_restrict_self(). Modelled on samples/landlock/sandboxer.c.
 * Never fails open: a grant that cannot be added, or a right the plan wants
 * but this kernel's ABI lacks, is an error, never a silently skipped rule.
 */
#include "layers/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "layers/landlock_abi.h"
#include "layers/landlock_internal.h"

#define ACCESS_NET_ALL (LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP)
#define SCOPE_ALL (LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL)

static int sys_landlock_create_ruleset(const struct ward_landlock_ruleset_attr *attr, size_t size,
				       __u32 flags)
{
	return (int)syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

static int sys_landlock_add_rule(int ruleset_fd, int rule_type, const void *attr)
{
	return (int)syscall(__NR_landlock_add_rule, ruleset_fd, rule_type, attr, 0);
}

int landlock_abi_version(char *why, size_t why_size)
{
	int abi = sys_landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi >= 0)
		return abi;
	const char *reason;
	switch (errno) {
	case ENOSYS:
		reason = "kernel built without Landlock";
		break;
	case EOPNOTSUPP:
		reason = "Landlock disabled at boot (lsm=)";
		break;
	default:
		reason = strerror(errno);
		break;
	}
	if (why && why_size)
		snprintf(why, why_size, "%s", reason);
	return 0;
}

/* What a ruleset may handle at ABI: all the rights that ABI knows, the way
 * sandboxer.c does it, falling through from the oldest ABI and clearing what
 * each one lacks. */
static struct ward_landlock_ruleset_attr supported_at_abi(int abi)
{
	struct ward_landlock_ruleset_attr attr = {
		.handled_access_fs = ACCESS_FS_ALL,
		.handled_access_net = ACCESS_NET_ALL,
		.scoped = SCOPE_ALL,
	};

	switch (abi) {
	case 1:
		attr.handled_access_fs &= ~LANDLOCK_ACCESS_FS_REFER;
		__attribute__((fallthrough));
	case 2:
		attr.handled_access_fs &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
		__attribute__((fallthrough));
	case 3:
		attr.handled_access_net = 0;
		__attribute__((fallthrough));
	case 4:
		attr.handled_access_fs &= ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
		__attribute__((fallthrough));
	case 5:
		attr.scoped = 0;
		__attribute__((fallthrough));
	case 6:
	case 7: /* only adds logging flags, left at the kernel's default */
	case 8: /* only adds thread synchronisation, which ward does not need */
		attr.handled_access_fs &= ~LANDLOCK_ACCESS_FS_RESOLVE_UNIX;
		__attribute__((fallthrough));
	default:
		/* ABI 9 and later: everything ward knows. */
		break;
	}
	return attr;
}

__u64 landlock_handled_fs(int abi)
{
	return supported_at_abi(abi).handled_access_fs;
}

__u64 landlock_fs_rights(unsigned access, bool is_dir, __u64 handled)
{
	__u64 rights = 0;

	if (access & WARD_FS_READ)
		rights |= ACCESS_FS_READ;
	/* Write grants are executable: exec of written files is no boundary
	 * Landlock can hold (ld.so and interpreters run them anyway), and
	 * ./configure, make test and venvs need it (docs/policy.md). */
	if (access & WARD_FS_WRITE)
		rights |= ACCESS_FS_WRITE | LANDLOCK_ACCESS_FS_EXECUTE;
	if (access & WARD_FS_EXEC)
		rights |= LANDLOCK_ACCESS_FS_EXECUTE;
	if (!is_dir)
		rights &= ACCESS_FS_FILE;
	return rights & handled;
}

int landlock_add_fd_rule(int ruleset_fd, int fd, __u64 rights, size_t *count, const char *shown,
			 ward_error *err)
{
	/* No right Landlock knows adds nothing (and the kernel would refuse
	 * the rule with ENOMSG). */
	if (!rights)
		return 0;
	if (++*count > LANDLOCK_MAX_FS_RULES)
		return ward_fail(err, -E2BIG,
				 "landlock: more than %d path rules (at %s): deny a smaller tree, "
				 "grant less, or use a host with BPF LSM",
				 LANDLOCK_MAX_FS_RULES, shown);
	struct ward_landlock_path_beneath_attr attr = {
		.allowed_access = rights,
		.parent_fd = fd,
	};
	if (sys_landlock_add_rule(ruleset_fd, WARD_LANDLOCK_RULE_PATH_BENEATH, &attr) < 0)
		return ward_fail_errno(err, -errno, "landlock: cannot grant %s", shown);
	return 0;
}

static int landlock_add_beneath(int ruleset_fd, const struct plan_fs_grant *grant, __u64 handled,
				size_t *count, ward_error *err)
{
	_cleanup_close_ int path_fd = open(grant->path, O_PATH | O_CLOEXEC);
	if (path_fd < 0) {
		/* An optional grant this user cannot even reach (uid 65534 with
		 * HOME=/root: ~/.local/bin) would grant nothing: skip it too. */
		if ((errno == ENOENT || errno == EACCES || errno == ENOTDIR) && grant->optional)
			return 0;
		return ward_fail_errno(err, -errno, "landlock: cannot open %s", grant->path);
	}
	struct stat st;
	if (fstat(path_fd, &st) < 0)
		return ward_fail_errno(err, -errno, "landlock: cannot stat %s", grant->path);
	return landlock_add_fd_rule(ruleset_fd, path_fd,
				    landlock_fs_rights(grant->access, S_ISDIR(st.st_mode), handled),
				    count, grant->path, err);
}

static void mark_ports(uint8_t *ports, const struct port_range *ranges, size_t count, uint8_t bit)
{
	for (size_t i = 0; i < count; i++) {
		/* Port 0 is bind's "any ephemeral port": its own rule. */
		if (ranges[i].lo == 0)
			ports[0] |= bit;
		for (unsigned p = ranges[i].lo ? ranges[i].lo : 1; p <= ranges[i].hi && p <= 65535;
		     p++)
			ports[p] |= bit;
	}
}

static bool all_ports_marked(const uint8_t *ports, uint8_t bit)
{
	for (unsigned p = 1; p <= 65535; p++)
		if (!(ports[p] & bit))
			return false;
	return true;
}

/* Adds one rule per allowed port, both directions in one rule. A direction
 * open on every port is not handled at all rather than listed 65535 times:
 * that is the same policy at a fraction of the kernel memory. */
static int landlock_add_ports(int ruleset_fd, const uint8_t *ports, __u64 handled_net,
			      ward_error *err)
{
	for (unsigned p = 0; p <= 65535; p++) {
		__u64 allowed = 0;
		if (ports[p] & LANDLOCK_ACCESS_NET_CONNECT_TCP)
			allowed |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
		if (ports[p] & LANDLOCK_ACCESS_NET_BIND_TCP)
			allowed |= LANDLOCK_ACCESS_NET_BIND_TCP;
		allowed &= handled_net;
		if (!allowed)
			continue;
		struct ward_landlock_net_port_attr attr = {.allowed_access = allowed, .port = p};
		if (sys_landlock_add_rule(ruleset_fd, WARD_LANDLOCK_RULE_NET_PORT, &attr) < 0)
			return ward_fail_errno(err, -errno, "landlock: cannot allow TCP port %u",
					       p);
	}
	return 0;
}

int landlock_prepare(const struct plan *plan, int *ruleset_fd_out, ward_error *err)
{
	*ruleset_fd_out = -1;
	if (!plan->landlock)
		return ward_fail(err, -EINVAL, "landlock: the plan has no Landlock domain");
	if (plan->landlock_abi < 1)
		return ward_fail(err, -EOPNOTSUPP, "landlock: no Landlock ABI on this host");

	int abi = plan->landlock_abi > WARD_LANDLOCK_ABI_MAX ? WARD_LANDLOCK_ABI_MAX
							     : plan->landlock_abi;
	struct ward_landlock_ruleset_attr supported = supported_at_abi(abi);
	struct ward_landlock_ruleset_attr attr = {.handled_access_fs = supported.handled_access_fs};
	if (plan->landlock_net && !supported.handled_access_net)
		return ward_fail(err, -EOPNOTSUPP,
				 "landlock: TCP port rules need ABI 4, this host has %d", abi);
	if (plan->landlock_scope && !supported.scoped)
		return ward_fail(err, -EOPNOTSUPP,
				 "landlock: signal and socket scoping need ABI 6, this host has %d",
				 abi);

	_cleanup_free_ uint8_t *ports = NULL;
	if (plan->landlock_net) {
		ports = calloc(65536, 1);
		if (!ports)
			return ward_fail(err, -ENOMEM, "landlock: out of memory");
		mark_ports(ports, plan->tcp_connect_ports.items, plan->tcp_connect_ports.len,
			   LANDLOCK_ACCESS_NET_CONNECT_TCP);
		mark_ports(ports, plan->tcp_bind_ports.items, plan->tcp_bind_ports.len,
			   LANDLOCK_ACCESS_NET_BIND_TCP);
		if (!plan->tcp_connect_any &&
		    !all_ports_marked(ports, LANDLOCK_ACCESS_NET_CONNECT_TCP))
			attr.handled_access_net |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
		if (!all_ports_marked(ports, LANDLOCK_ACCESS_NET_BIND_TCP))
			attr.handled_access_net |= LANDLOCK_ACCESS_NET_BIND_TCP;
	}
	if (plan->landlock_scope)
		attr.scoped = supported.scoped;

	_cleanup_close_ int ruleset_fd = sys_landlock_create_ruleset(&attr, sizeof(attr), 0);
	if (ruleset_fd < 0)
		return ward_fail_errno(err, -errno, "landlock: cannot create a ruleset (ABI %d)",
				       abi);

	/* Denials inside grants are holes punched into them; without any, a
	 * grant is the one rule it always was. */
	size_t rules = 0;
	if (plan->fs_holes.len) {
		int r = landlock_add_punched_grants(ruleset_fd, plan, attr.handled_access_fs,
						    &rules, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; !plan->fs_holes.len && i < plan->fs_grants.len; i++) {
		int r = landlock_add_beneath(ruleset_fd, &plan->fs_grants.items[i],
					     attr.handled_access_fs, &rules, err);
		if (r < 0)
			return r;
	}
	if (ports && attr.handled_access_net) {
		int r = landlock_add_ports(ruleset_fd, ports, attr.handled_access_net, err);
		if (r < 0)
			return r;
	}

	*ruleset_fd_out = steal_fd(ruleset_fd);
	return 0;
}

uint64_t landlock_rights_for(const struct plan *plan, unsigned access, bool is_dir)
{
	if (!plan->landlock || plan->landlock_abi < 1)
		return 0;
	int abi = plan->landlock_abi > WARD_LANDLOCK_ABI_MAX ? WARD_LANDLOCK_ABI_MAX
							     : plan->landlock_abi;
	return landlock_fs_rights(access, is_dir, supported_at_abi(abi).handled_access_fs);
}

int landlock_add_path_rule(int ruleset_fd, const char *path, uint64_t rights)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ward_landlock_path_beneath_attr attr = {.allowed_access = rights, .parent_fd = fd};
	int r = sys_landlock_add_rule(ruleset_fd, WARD_LANDLOCK_RULE_PATH_BENEATH, &attr) < 0
			? -errno
			: 0;
	close(fd);
	return r;
}

int landlock_add_stdio(const struct plan *plan, int ruleset_fd, ward_error *err)
{
	for (int fd = 0; fd <= 2; fd++) {
		int flags = fcntl(fd, F_GETFL);
		struct stat st;
		if (flags < 0 || fstat(fd, &st) < 0)
			continue; /* closed: nothing to reopen */
		/* Pipes and sockets are no path Landlock checks; directories
		 * are no stream. */
		if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			continue;
		unsigned access = 0;
		int mode = flags & O_ACCMODE;
		if (mode == O_RDONLY || mode == O_RDWR)
			access |= WARD_FS_READ;
		if (mode == O_WRONLY || mode == O_RDWR)
			access |= WARD_FS_WRITE;
		uint64_t rights = landlock_rights_for(plan, access, false);
		/* Only the stream's own access: no exec of a file that happens
		 * to be stdout. Appending files stay appendable (O_APPEND is a
		 * flag of the new open, checked as a write). */
		rights &= ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE;
		char link[32];
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		_cleanup_close_ int path_fd = open(link, O_PATH | O_CLOEXEC);
		if (path_fd < 0)
			continue; /* e.g. a deleted file: nothing reopens it by path */
		size_t count = 0;
		char shown[48];
		snprintf(shown, sizeof(shown), "standard stream %d", fd);
		int r = landlock_add_fd_rule(ruleset_fd, path_fd, rights, &count, shown, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int landlock_enforce(int ruleset_fd)
{
	if (ruleset_fd < 0)
		return -EBADF;
	/* No LANDLOCK_RESTRICT_SELF_LOG_* flags: the kernel's defaults (log
	 * denials of this exec, not of later ones) are what ward wants, and
	 * they are rejected with EINVAL before ABI 7. */
	if (syscall(__NR_landlock_restrict_self, ruleset_fd, 0) < 0)
		return -errno;
	return 0;
}

/* bpf_sandbox.c — one sandbox in ward's BPF layer: its rules written into
 * the shared pinned maps under its v2 cgroup id, its ring buffer, and the
 * cgroup programs attached to its cgroup; all removed again at the end.
 * The sandbox entry is written last and removed first, so the programs
 * never judge by a half-written rule set; any failure undoes everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf/bpf_internal.h"
#include "bpf/bpf_sandbox.h"
#include "core/cleanup.h"
#include "core/error.h"
#include "core/trace.h"
#include "plan/plan.h"

static uint32_t sandbox_flags(const struct plan *plan)
{
	uint32_t flags = 0;
	if (plan->mode == WARD_MODE_AUDIT)
		flags |= WARD_SB_AUDIT;
	if (plan->cgroup_bpf_net || plan->bpf_lsm_net)
		flags |= WARD_SB_NET | WARD_SB_BIND;
	if (plan->bpf_lsm_listen)
		flags |= WARD_SB_BIND; /* listen() autobind: the bind ports only */
	if (plan->bpf_lsm_net)
		flags |= WARD_SB_INET_CREATE;
	if (plan->bpf_lsm_fs)
		flags |= WARD_SB_FS;
	if (plan->bpf_lsm_exec)
		flags |= WARD_SB_EXEC;
	if (plan->bpf_lsm_kernel)
		flags |= WARD_SB_KERNEL;
	if (plan->bpf_lsm_unix)
		flags |= WARD_SB_UNIX;
	return flags;
}

/* The trie key of prefix P of sandbox CGID, in *KEY4 or *KEY6. */
static void prefix_key(const struct bpf_net_prefix *p, uint64_t cgid, struct ward_net4_key *key4,
		       struct ward_net6_key *key6)
{
	memset(key4, 0, sizeof(*key4));
	memset(key6, 0, sizeof(*key6));
	key4->prefixlen = key6->prefixlen = WARD_NET_KEY_CGID_BITS + p->prefix;
	key4->cgid_lo = key6->cgid_lo = (uint32_t)cgid;
	key4->cgid_hi = key6->cgid_hi = (uint32_t)(cgid >> 32);
	memcpy(key4->addr, p->addr, 4);
	memcpy(key6->addr, p->addr, 16);
}

static int write_prefixes(int fd4, int fd6, const struct bpf_net_prefix *prefixes, size_t count,
			  uint64_t cgid, ward_error *err)
{
	for (size_t i = 0; i < count; i++) {
		const struct bpf_net_prefix *p = &prefixes[i];
		struct ward_net4_key key4;
		struct ward_net6_key key6;
		prefix_key(p, cgid, &key4, &key6);
		int r = p->family == AF_INET ? bpf_map_update_elem(fd4, &key4, &p->value, BPF_ANY)
					     : bpf_map_update_elem(fd6, &key6, &p->value, BPF_ANY);
		if (r < 0)
			return ward_fail_errno(err, -errno, "bpf: adding a network prefix");
	}
	return 0;
}

/* Exactly the address rules the plan placed on BPF. */
static int write_net_rules(const struct plan *plan, uint64_t cgid, ward_error *err)
{
	_cleanup_free_ struct bpf_net_prefix *prefixes = NULL;
	size_t count = 0;
	int r = bpf_net_compile(plan->bpf_net_rules.items, plan->bpf_net_rules.len, &prefixes,
				&count, err);
	if (r < 0)
		return r;
	_cleanup_close_ int fd4 = bpf_map_pinned_fd("ward_net4");
	_cleanup_close_ int fd6 = bpf_map_pinned_fd("ward_net6");
	if (fd4 < 0 || fd6 < 0)
		return ward_fail_errno(err, fd4 < 0 ? fd4 : fd6, "bpf: opening the network tries");
	return write_prefixes(fd4, fd6, prefixes, count, cgid, err);
}

static bool prefix_listed(const struct bpf_net_prefix *p, const struct bpf_net_prefix *list,
			  size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (list[i].family == p->family && list[i].prefix == p->prefix &&
		    memcmp(list[i].addr, p->addr, 16) == 0)
			return true;
	return false;
}

int bpf_sandbox_update_net(struct bpf_sandbox *sb, const struct plan_net_rule *old, size_t nold,
			   const struct plan_net_rule *rules, size_t count, ward_error *err)
{
	_cleanup_free_ struct bpf_net_prefix *before = NULL, *after = NULL;
	size_t nbefore = 0, nafter = 0;
	int r = bpf_net_compile(old, nold, &before, &nbefore, err);
	if (r < 0 || (r = bpf_net_compile(rules, count, &after, &nafter, err)) < 0)
		return r;
	_cleanup_close_ int fd4 = bpf_map_pinned_fd("ward_net4");
	_cleanup_close_ int fd6 = bpf_map_pinned_fd("ward_net6");
	if (fd4 < 0 || fd6 < 0)
		return ward_fail_errno(err, fd4 < 0 ? fd4 : fd6, "bpf: opening the network tries");
	/* Each element is replaced atomically: first every new or changed
	 * prefix, then the ones no rule has any more. */
	if ((r = write_prefixes(fd4, fd6, after, nafter, sb->cgid, err)) < 0)
		return r;
	for (size_t i = 0; i < nbefore; i++) {
		if (prefix_listed(&before[i], after, nafter))
			continue;
		struct ward_net4_key key4;
		struct ward_net6_key key6;
		prefix_key(&before[i], sb->cgid, &key4, &key6);
		r = before[i].family == AF_INET ? bpf_map_delete_elem(fd4, &key4)
						: bpf_map_delete_elem(fd6, &key6);
		if (r < 0 && errno != ENOENT)
			return ward_fail_errno(err, -errno, "bpf: removing a network prefix");
	}
	return 0;
}

/* Exactly the bind ports the plan placed on BPF (bind hooks, listen hook). */
static int write_bind_ports(const struct plan *plan, uint64_t cgid, ward_error *err)
{
	struct ward_bind_value bind;
	int r = bpf_bind_compile(plan->bpf_bind_ports.items, plan->bpf_bind_ports.len, &bind, err);
	if (r < 0)
		return r;
	_cleanup_close_ int fdb = bpf_map_pinned_fd("ward_bind");
	if (fdb < 0)
		return ward_fail_errno(err, fdb, "bpf: opening the bind map");
	if (bpf_map_update_elem(fdb, &cgid, &bind, BPF_ANY) < 0)
		return ward_fail_errno(err, -errno, "bpf: adding bind ports");
	return 0;
}

/* Remembers which path the inode of a rule came from, for the events. */
static int remember_inode_path(struct bpf_sandbox *sb, const struct ward_inode_key *key,
			       uint32_t rule_id, const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	sb->inode_paths[sb->ninode_paths++] = (struct bpf_inode_path){
		.dev = key->dev, .ino = key->ino, .rule_id = rule_id, .path = copy};
	return 0;
}

/* DEV in the kernel's s_dev encoding (what the programs read from a
 * superblock), not user space's st_dev one. */
static uint64_t kernel_dev(dev_t dev)
{
	return ((uint64_t)major(dev) << 20) | minor(dev);
}

/* The inode map's key of ST in this sandbox. */
static struct ward_inode_key inode_key_of(const struct bpf_sandbox *sb, const struct stat *st)
{
	return (struct ward_inode_key){
		.cgid = sb->cgid,
		.dev = kernel_dev(st->st_dev),
		.ino = st->st_ino,
	};
}

/* Adds (or widens) the deny rule of PATH's inode. Paths are resolved once,
 * here: the kernel then judges by inode, whatever name reaches it. */
static int add_inode_rule(struct bpf_sandbox *sb, int fd, const char *path, uint32_t deny,
			  uint32_t rule_id, bool optional, ward_error *err)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (optional && errno == ENOENT)
			return 0;
		return ward_fail_errno(err, -errno, "bpf: %s", path);
	}
	struct ward_inode_key key = inode_key_of(sb, &st);
	struct ward_inode_value value = {0};
	if (bpf_map_lookup_elem(fd, &key, &value) < 0) {
		memset(&value, 0, sizeof(value));
		value.rule_id = rule_id;
	}
	value.deny |= deny;
	value.beneath = S_ISDIR(st.st_mode);
	if (bpf_map_update_elem(fd, &key, &value, BPF_ANY) < 0)
		return ward_fail_errno(err, -errno, "bpf: adding the inode rule of %s", path);
	if (remember_inode_path(sb, &key, rule_id, path) < 0)
		return ward_fail(err, -ENOMEM, "bpf: out of memory");
	return 0;
}

/* Exactly the denials the plan placed on BPF LSM (plan->bpf_inode_rules):
 * a denial the plan gave to Landlock or the supervisor is not written. */
static int write_inode_rules(struct bpf_sandbox *sb, const struct plan *plan, ward_error *err)
{
	if (!plan->bpf_inode_rules.len)
		return 0;
	sb->inode_paths = calloc(plan->bpf_inode_rules.len + 1, sizeof(*sb->inode_paths));
	if (!sb->inode_paths)
		return ward_fail(err, -ENOMEM, "bpf: out of memory");
	_cleanup_close_ int fd = bpf_map_pinned_fd("ward_inodes");
	if (fd < 0)
		return ward_fail_errno(err, fd, "bpf: opening the inode map");
	VEC_FOREACH(&plan->bpf_inode_rules, ir)
	{
		uint32_t deny = 0;
		if (ir->access & WARD_FS_READ)
			deny |= WARD_ACC_READ;
		if (ir->access & WARD_FS_WRITE)
			deny |= WARD_ACC_WRITE | WARD_ACC_CREATE;
		if (ir->access & WARD_FS_EXEC)
			deny |= WARD_ACC_EXEC;
		int r = add_inode_rule(sb, fd, ir->path, deny, ir->rule_id, ir->optional, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Marks PATH's inode a root of the unix rule: allow, or stop (which beats
 * an allow on the same inode). A file deny on it stays as it was. */
static int add_unix_root(struct bpf_sandbox *sb, int fd, const char *path, bool allow,
			 ward_error *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : ward_fail_errno(err, -errno, "bpf: %s", path);
	struct ward_inode_key key = inode_key_of(sb, &st);
	struct ward_inode_value value = {0};
	if (bpf_map_lookup_elem(fd, &key, &value) < 0) {
		memset(&value, 0, sizeof(value));
		value.rule_id = WARD_RULE_DEFAULT;
		value.beneath = S_ISDIR(st.st_mode);
	}
	uint32_t want = allow ? WARD_UNIX_ALLOW : WARD_UNIX_STOP;
	if (value.unix_root < want)
		value.unix_root = want;
	if (bpf_map_update_elem(fd, &key, &value, BPF_ANY) < 0)
		return ward_fail_errno(err, -errno, "bpf: adding the unix root %s", path);
	return 0;
}

/* A net.unix path by name in its directory: a socket made there after the
 * start is found as the supervisor's lookup at each connect would. */
static int add_unix_name(struct bpf_sandbox *sb, int fd, const char *path, ward_error *err)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	size_t len = strlen(name);
	if (!slash || !len || len >= WARD_UNIX_NAME_MAX)
		return ward_fail(err, -ENAMETOOLONG,
				 "bpf: net.unix %s: the BPF LSM holds names of 1 to %d bytes", path,
				 WARD_UNIX_NAME_MAX - 1);
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	struct stat st;
	if (stat(dir, &st) < 0)
		return errno == ENOENT ? 0 : ward_fail_errno(err, -errno, "bpf: %s", dir);
	struct ward_unix_name_key key = {
		.cgid = sb->cgid,
		.dev = kernel_dev(st.st_dev),
		.ino = st.st_ino,
	};
	memcpy(key.name, name, len);
	uint32_t id = WARD_RULE_DEFAULT;
	if (bpf_map_update_elem(fd, &key, &id, BPF_ANY) < 0)
		return ward_fail_errno(err, -errno, "bpf: adding net.unix %s", path);
	return 0;
}

/* The roots plan_unix placed on BPF LSM (plan->bpf_lsm_unix). */
static int write_unix_roots(struct bpf_sandbox *sb, const struct plan *plan, ward_error *err)
{
	if (!plan->bpf_lsm_unix)
		return 0;
	_cleanup_close_ int fd = bpf_map_pinned_fd("ward_inodes");
	if (fd < 0)
		return ward_fail_errno(err, fd, "bpf: opening the inode map");
	_cleanup_close_ int names = bpf_map_pinned_fd("ward_unix_names");
	if (names < 0)
		return ward_fail_errno(err, names, "bpf: opening the unix name map");
	VEC_FOREACH(&plan->sup_unix.roots, u)
	{
		int r = add_unix_root(sb, fd, u->path, u->allow, err);
		if (r == 0 && u->explicit_rule)
			r = add_unix_name(sb, names, u->path, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int handle_ring_record(void *ctx, void *data, size_t size)
{
	struct bpf_sandbox *sb = ctx;
	if (size < sizeof(struct ward_event))
		return 0;
	/* A pooled buffer may still hold what its previous sandbox did not
	 * read before it let the slot go: never reported as ours. */
	if (((const struct ward_event *)data)->sandbox_cgid != sb->cgid)
		return 0;
	bpf_sandbox_report(sb, data);
	sb->polled++;
	return 0;
}

/* Claims a free slot of the ring pool (a plain hash entry, BPF_NOEXIST:
 * one owner per slot) and opens its buffer. Only a slot never used since
 * the pins were made needs its buffer created and put in ward_events, the
 * one map-in-map update, with its RCU grace period, a start can still pay. */
static int open_ring(struct bpf_sandbox *sb, ward_error *err)
{
	_cleanup_close_ int owner = bpf_map_pinned_fd("ward_ring_owner");
	_cleanup_close_ int pool = bpf_map_pinned_fd("ward_events");
	if (owner < 0 || pool < 0)
		return ward_fail_errno(err, owner < 0 ? owner : pool, "bpf: opening the ring pool");
	for (uint32_t slot = 0; slot < WARD_RING_SLOTS && sb->ring_slot < 0; slot++)
		if (bpf_map_update_elem(owner, &slot, &sb->cgid, BPF_NOEXIST) == 0)
			sb->ring_slot = (int)slot;
	if (sb->ring_slot < 0)
		return ward_fail(err, -ENOSPC,
				 "bpf: all %d event ring buffers are in use (too many sandboxes "
				 "at once)",
				 WARD_RING_SLOTS);
	uint32_t slot = (uint32_t)sb->ring_slot, id = 0;
	if (bpf_map_lookup_elem(pool, &slot, &id) == 0 && id)
		sb->ring_fd = bpf_map_get_fd_by_id(id);
	if (sb->ring_fd < 0) {
		sb->ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ward_ev", 0, 0,
					     WARD_EVENTS_BYTES, NULL);
		if (sb->ring_fd < 0)
			return ward_fail_errno(err, -errno, "bpf: creating a ring buffer");
		if (bpf_map_update_elem(pool, &slot, &sb->ring_fd, BPF_ANY) < 0)
			return ward_fail_errno(err, -errno, "bpf: adding the ring buffer");
	}
	sb->ring = ring_buffer__new(sb->ring_fd, handle_ring_record, sb, NULL);
	if (!sb->ring)
		return ward_fail_errno(err, -errno, "bpf: reading the ring buffer");
	return 0;
}

static bool plan_uses_lsm(const struct plan *plan)
{
	return plan->bpf_lsm_fs || plan->bpf_lsm_exec || plan->bpf_lsm_net ||
	       plan->bpf_lsm_listen || plan->bpf_lsm_kernel || plan->bpf_lsm_unix;
}

static int write_sandbox_entry(struct bpf_sandbox *sb, uint32_t flags,
			       const struct kill_after *kill_after, ward_error *err)
{
	struct ward_sandbox_cfg cfg = {.flags = flags, .ring = (uint32_t)sb->ring_slot + 1};
	if (kill_after->set) {
		cfg.kill_after = kill_after->denials;
		cfg.kill_window_ns = (uint64_t)kill_after->seconds * 1000000000ull;
	}
	_cleanup_close_ int fd = bpf_map_pinned_fd("ward_sandboxes");
	if (fd < 0)
		return ward_fail_errno(err, fd, "bpf: opening the sandboxes map");
	if (bpf_map_update_elem(fd, &sb->cgid, &cfg, BPF_NOEXIST) < 0)
		return ward_fail_errno(err, -errno, "bpf: adding sandbox cgroup %llu",
				       (unsigned long long)sb->cgid);
	/* A "none" cached before the entry existed would hide the sandbox. */
	_cleanup_close_ int cache = bpf_map_pinned_fd("ward_cgroup_cache");
	if (cache >= 0)
		bpf_map_delete_elem(cache, &sb->cgid);
	return 0;
}

static int attach_cgroup_programs(struct bpf_sandbox *sb, ward_error *err)
{
	for (size_t i = 0; i < bpf_progs_count; i++) {
		const struct bpf_prog_desc *desc = &bpf_progs[i];
		if (desc->lsm)
			continue;
		int fd = bpf_prog_pinned_fd(desc);
		if (fd < 0)
			return ward_fail_errno(err, fd, "bpf: %s is not loaded", desc->name);
		sb->prog_fds[i] = fd;
		if (bpf_prog_attach(fd, sb->cgroup_fd, desc->attach, BPF_F_ALLOW_MULTI) < 0)
			return ward_fail_errno(
				err, -errno, "bpf: attaching %s to the sandbox cgroup", desc->name);
		sb->attached[i] = true;
	}
	return 0;
}

static int set_rule_text(struct bpf_sandbox *sb, uint32_t rule_id, const char *prefix,
			 const char *text)
{
	char *copy = NULL;
	if (rule_id >= sb->nrules || sb->rule_texts[rule_id])
		return 0;
	if (asprintf(&copy, "%s%s", prefix, text ? text : "") < 0)
		return -ENOMEM;
	sb->rule_texts[rule_id] = copy;
	return 0;
}

/* The texts of the rules placed on BPF, by rule id (a position in the
 * policy's net, then fs, then exec rules): the events name the rule even
 * after the policy is gone. Ids of rules on other layers stay NULL. */
static int copy_rule_texts(struct bpf_sandbox *sb, const struct plan *plan)
{
	size_t total = 0;
	VEC_FOREACH(&plan->bpf_net_rules, n)
	total = n->rule_id + 1 > total ? n->rule_id + 1 : total;
	VEC_FOREACH(&plan->bpf_inode_rules, ir)
	total = ir->rule_id + 1 > total ? ir->rule_id + 1 : total;
	sb->rule_texts = calloc(total + 1, sizeof(char *));
	if (!sb->rule_texts)
		return -ENOMEM;
	sb->nrules = total;
	int r = 0;
	VEC_FOREACH(&plan->bpf_net_rules, n)
	if (r == 0)
		r = set_rule_text(sb, n->rule_id, "", n->rule.text);
	VEC_FOREACH(&plan->bpf_inode_rules, ir)
	if (r == 0)
		r = set_rule_text(sb, ir->rule_id, ir->exec ? "exec deny " : "fs deny ", ir->path);
	return r;
}

static int sandbox_setup(struct bpf_sandbox *sb, const struct plan *plan, ward_error *err)
{
	int r;
	if (plan->cgroup_bpf_net) {
		_cleanup_free_ struct bpf_prog_state *states =
			calloc(bpf_progs_count, sizeof(*states));
		if (!states)
			return ward_fail(err, -ENOMEM, "bpf: out of memory");
		r = bpf_progs_load("net_cgroup", states, err);
		if (r < 0)
			return r;
		trace_phase("bpf: programs checked");
	}
	/* Only the LSM hooks count denials towards a kill: a policy that asks
	 * for one must not run on the cgroup programs alone as if it had it. */
	if (plan->bpf_escalate && !plan_uses_lsm(plan))
		return ward_fail(err, -EOPNOTSUPP,
				 "bpf: kill_after needs the BPF LSM layer; the cgroup programs "
				 "do not escalate");
	if (plan_uses_lsm(plan)) {
		_cleanup_free_ struct bpf_prog_state *states =
			calloc(bpf_progs_count, sizeof(*states));
		if (!states)
			return ward_fail(err, -ENOMEM, "bpf: out of memory");
		for (const char *const *obj = (const char *const[]){"lsm_file", "lsm_net",
								    "lsm_kernel", "lsm_unix", NULL};
		     *obj; obj++) {
			/* The unix hooks are loaded only for a plan that uses them. */
			if (!strcmp(*obj, "lsm_unix") && !plan->bpf_lsm_unix)
				continue;
			r = bpf_progs_load(*obj, states, err);
			if (r < 0)
				return r;
		}
	}
	r = copy_rule_texts(sb, plan);
	if (r < 0)
		return ward_fail(err, r, "bpf: out of memory");
	/* Net and bind entries only when the plan gave the network to BPF. */
	if (plan->bpf_lsm_net || plan->cgroup_bpf_net) {
		r = write_net_rules(plan, sb->cgid, err);
		if (r < 0)
			return r;
		trace_phase("bpf: net rules written");
	}
	if (plan->bpf_lsm_net || plan->cgroup_bpf_net || plan->bpf_lsm_listen) {
		r = write_bind_ports(plan, sb->cgid, err);
		if (r < 0)
			return r;
	}
	r = write_inode_rules(sb, plan, err);
	if (r < 0)
		return r;
	r = write_unix_roots(sb, plan, err);
	if (r < 0)
		return r;
	r = open_ring(sb, err);
	if (r < 0)
		return r;
	trace_phase("bpf: ring slot claimed");
	/* Only what the plan placed: a kill_after allowed to degrade is off
	 * (the plan then leaves bpf_kill_after unset). */
	const struct kill_after no_escalation = {.set = false};
	r = write_sandbox_entry(sb, sandbox_flags(plan),
				plan->bpf_escalate ? &plan->bpf_kill_after : &no_escalation, err);
	if (r < 0)
		return r;
	sb->entry_written = true;
	trace_phase("bpf: sandbox entry written");
	if (plan->cgroup_bpf_net)
		return attach_cgroup_programs(sb, err);
	return 0;
}

int bpf_sandbox_create(const struct plan *plan, uint64_t cgroup_id, int cgroup_fd,
		       struct event_sink *sink, struct bpf_sandbox **out, ward_error *err)
{
	*out = NULL;
	if (!cgroup_id)
		return ward_fail(err, -EINVAL, "bpf: the sandbox has no v2 cgroup");
	if (plan->cgroup_bpf_net && cgroup_fd < 0)
		return ward_fail(err, -EBADF,
				 "bpf: no v2 cgroup to attach the network programs to");

	struct bpf_sandbox *sb = calloc(1, sizeof(*sb));
	int *fds = calloc(bpf_progs_count, sizeof(int));
	bool *attached = calloc(bpf_progs_count, sizeof(bool));
	if (!sb || !fds || !attached) {
		free(sb);
		free(fds);
		free(attached);
		return ward_fail(err, -ENOMEM, "bpf: out of memory");
	}
	sb->cgid = cgroup_id;
	sb->cgroup_fd = -1;
	sb->ring_fd = -1;
	sb->ring_slot = -1;
	sb->prog_fds = fds;
	sb->attached = attached;
	sb->sink = sink;
	for (size_t i = 0; i < bpf_progs_count; i++)
		sb->prog_fds[i] = -1;
	if (cgroup_fd >= 0) {
		sb->cgroup_fd = fcntl(cgroup_fd, F_DUPFD_CLOEXEC, 3);
		if (sb->cgroup_fd < 0) {
			int r = ward_fail_errno(err, -errno, "bpf: duplicating the cgroup fd");
			bpf_sandbox_destroy(sb);
			return r;
		}
	}

	int r = sandbox_setup(sb, plan, err);
	if (r < 0) {
		sb->entry_written = true; /* remove whatever part was written */
		bpf_sandbox_destroy(sb);
		return r;
	}
	*out = sb;
	return 0;
}

int bpf_sandbox_event_fd(struct bpf_sandbox *sb)
{
	return sb && sb->ring ? ring_buffer__epoll_fd(sb->ring) : -1;
}

void bpf_sandbox_destroy(struct bpf_sandbox *sb)
{
	if (!sb)
		return;
	if (sb->ring) /* the last events of the run still belong to it */
		bpf_sandbox_poll_events(sb);
	trace_phase("bpf: ring drained");
	/* The programs stay attached to the sandbox's cgroup: removing the
	 * cgroup (which follows, or its later reclaim) detaches them in the
	 * kernel, and with the sandbox entry gone (below) they judge nothing
	 * there meanwhile. Six detaches cost ~0.25 ms of every teardown. */
	for (size_t i = 0; i < bpf_progs_count; i++)
		if (sb->prog_fds[i] >= 0)
			close(sb->prog_fds[i]);
	if (sb->entry_written)
		bpf_maps_remove_sandbox(sb->cgid);
	else if (sb->ring_slot >= 0)
		bpf_ring_slot_release(sb->cgid);
	ring_buffer__free(sb->ring);
	if (sb->ring_fd >= 0)
		close(sb->ring_fd);
	if (sb->cgroup_fd >= 0)
		close(sb->cgroup_fd);
	for (size_t i = 0; i < sb->nrules; i++)
		free(sb->rule_texts[i]);
	free(sb->rule_texts);
	for (size_t i = 0; i < sb->ninode_paths; i++)
		free(sb->inode_paths[i].path);
	free(sb->inode_paths);
	free(sb->prog_fds);
	free(sb->attached);
	free(sb);
}

/* plan.c — assigns every rule of a policy to the strongest layer this host
 * offers. Pure: reads the policy and the probed features, writes the plan.
 * It must never fail open: a rule no layer here can hold is marked
 * unenforceable, and in enforce mode that refuses the run unless the user
 * allowed the missing layer to be degraded.
 */
#include "plan/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

#include "core/cleanup.h"
#include "core/env_source.h"
#include "core/error.h"
#include "layers/landlock_abi.h" /* ABI numbers only */
#include "plan/layer_caps.h"
#include "policy/sup_rules.h"

static const char *const status_names[] = {
	[PLAN_ENFORCED] = "enforced",		[PLAN_AUDITED] = "audited",
	[PLAN_NOT_AUDITED] = "not-audited",	[PLAN_DEGRADED] = "degraded",
	[PLAN_UNENFORCEABLE] = "unenforceable",
};

const char *plan_status_name(enum plan_status status)
{
	return status_names[status];
}

#define DYNAMIC_LAYERS ((1u << LAYER_BPF_LSM) | (1u << LAYER_CGROUP_BPF) | (1u << LAYER_SUPERVISOR))

/* A rule that wanted a dynamic layer may run without it when the user let
 * any of the layers that could have held it be degraded. */
static bool layer_degraded_ok(const struct ward_policy *policy, enum ward_layer layer)
{
	if (layer == LAYER_NONE)
		return false;
	unsigned mask = 1u << layer;
	if (mask & DYNAMIC_LAYERS)
		mask = DYNAMIC_LAYERS;
	return policy->degraded & mask;
}

/* Appends an entry; RULE is printf-style. */
static int __attribute__((format(printf, 6, 7)))
add_entry(struct plan *plan, struct ward_loc loc, enum ward_layer layer, enum plan_status status,
	  const char *note, const char *fmt, ...)
{
	struct plan_entry e = {.loc = loc, .layer = layer, .wanted = layer, .status = status};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.rule, sizeof(e.rule), fmt, ap);
	va_end(ap);
	snprintf(e.note, sizeof(e.note), "%s", note ? note : "");
	return VEC_PUSH(&plan->entries, e);
}

int plan_add_entry(struct plan *plan, struct ward_loc loc, enum ward_layer layer,
		   enum plan_status status, const char *note, const char *fmt, ...)
{
	struct plan_entry e = {.loc = loc, .layer = layer, .wanted = layer, .status = status};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.rule, sizeof(e.rule), fmt, ap);
	va_end(ap);
	snprintf(e.note, sizeof(e.note), "%s", note ? note : "");
	return VEC_PUSH(&plan->entries, e);
}

/* Layers that report each decision and so can allow-and-report. */
static bool layer_observes(enum ward_layer layer)
{
	return layer == LAYER_BPF_LSM || layer == LAYER_CGROUP_BPF || layer == LAYER_SUPERVISOR;
}

/* An entry for a rule that LAYER enforces. In audit mode the layers planned
 * here cannot report "allowed but would deny", so they are not applied at all
 * and the rule is honestly marked not-audited. */
static int add_enforced(struct plan *plan, struct ward_loc loc, enum ward_layer layer,
			const char *note, const char *rule)
{
	if (plan->mode == WARD_MODE_AUDIT && layer_observes(layer))
		return add_entry(plan, loc, layer, PLAN_AUDITED, note, "%s", rule);
	if (plan->mode == WARD_MODE_AUDIT)
		return add_entry(plan, loc, layer, PLAN_NOT_AUDITED,
				 "audit mode: this layer cannot observe without denying", "%s",
				 rule);
	return add_entry(plan, loc, layer, PLAN_ENFORCED, note, "%s", rule);
}

/* An entry for a rule that no layer here can hold: refused, unless WANTED is
 * in allow_degraded (or we are only auditing). */
static int add_missing(struct plan *plan, const struct ward_policy *policy, struct ward_loc loc,
		       enum ward_layer wanted, const char *why, const char *rule)
{
	enum plan_status status;
	if (plan->mode == WARD_MODE_AUDIT)
		status = PLAN_NOT_AUDITED;
	else if (layer_degraded_ok(policy, wanted))
		status = PLAN_DEGRADED;
	else
		status = PLAN_UNENFORCEABLE;
	struct plan_entry e = {.loc = loc, .layer = LAYER_NONE, .wanted = wanted, .status = status};
	snprintf(e.rule, sizeof(e.rule), "%s", rule);
	snprintf(e.note, sizeof(e.note), "needs %s: %s", ward_layer_name(wanted), why);
	if (status == PLAN_UNENFORCEABLE)
		plan->refused = true;
	return VEC_PUSH(&plan->entries, e);
}

int plan_add_missing(struct plan *plan, const struct ward_policy *policy, struct ward_loc loc,
		     enum ward_layer wanted, const char *why, const char *rule)
{
	return add_missing(plan, policy, loc, wanted, why, rule);
}

static const char *access_name(unsigned access)
{
	static const char *const names[8] = {
		"none", "read",	     "write",	   "read+write",
		"exec", "read+exec", "write+exec", "read+write+exec",
	};
	return names[access & 7];
}

/* Does a denial of ACCESS at PATH overlap some grant (beneath it or above it)?
 * Then Landlock, which only adds rights, cannot express it. */
static bool deny_overlaps_grant(const struct plan *plan, const char *path, unsigned access)
{
	VEC_FOREACH(&plan->fs_grants, g)
	{
		/* The private directory is made for the run: no rule names it. */
		if (!(g->access & access) || g->private_tmp)
			continue;
		if (plan_path_within(path, g->path) || plan_path_within(g->path, path))
			return true;
	}
	return false;
}

/* The first layer, strongest first, that can enforce CLS; LAYER_NONE and the
 * reason of the strongest when none can. */
static enum ward_layer pick_dynamic_layer(const struct host_features *host,
					  enum layer_rule_class cls, const struct net_rule *rule,
					  char *why, size_t why_size)
{
	static const enum ward_layer order_fs[] = {LAYER_BPF_LSM, LAYER_SUPERVISOR};
	static const enum ward_layer order_net[] = {LAYER_BPF_LSM, LAYER_CGROUP_BPF,
						    LAYER_SUPERVISOR};
	const enum ward_layer *order = cls == CLASS_NET ? order_net : order_fs;
	size_t n = cls == CLASS_NET ? 3 : 2;
	char reasons[3][160] = {"", "", ""};
	for (size_t i = 0; i < n; i++) {
		if (layer_can_enforce(order[i], cls, rule, host, reasons[i], sizeof(reasons[i])))
			return order[i];
	}
	snprintf(why, why_size, "%s: %s; %s: %s", ward_layer_name(order[0]), reasons[0],
		 ward_layer_name(order[n - 1]), reasons[n - 1]);
	return LAYER_NONE;
}

/* A denial inside a grant: BPF LSM when it loads (by inode, dynamic); else,
 * when enforcing, a hole punched into the Landlock grants (static, no
 * round trips, holds exec too); else a dynamic layer, which audit mode
 * prefers because Landlock cannot observe without denying. */
static enum ward_layer pick_deny_layer(const struct plan *plan, const struct host_features *host,
				       enum layer_rule_class cls, char *why, size_t why_size)
{
	if (layer_can_enforce(LAYER_BPF_LSM, cls, NULL, host, NULL, 0))
		return LAYER_BPF_LSM;
	if (plan->mode == WARD_MODE_ENFORCE && host->landlock_abi > 0)
		return LAYER_LANDLOCK;
	enum ward_layer layer = pick_dynamic_layer(host, cls, NULL, why, why_size);
	if (layer == LAYER_NONE && host->landlock_abi > 0)
		return LAYER_LANDLOCK;
	return layer;
}

static int add_hole(struct plan *plan, const char *path, unsigned access)
{
	struct plan_fs_hole hole = {.path = path, .access = access};
	return VEC_PUSH(&plan->fs_holes, hole);
}

/* A denial held by a mask: hidden when it denies read, else a bind that
 * keeps the rights it does not deny. */
static int add_deny_mask(struct plan *plan, const struct fs_rule *f)
{
	bool hide = f->access & WARD_FS_READ;
	struct plan_fs_mask m = {
		.path = f->path,
		.hide = hide,
		.keep = hide ? 0 : (WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC) & ~f->access,
	};
	if (plan->mode == WARD_MODE_ENFORCE)
		plan->mount_ns = true;
	return VEC_PUSH(&plan->fs_masks, m);
}

/* The metadata of a path denied on another layer: Landlock has no rights
 * for chmod, chown, xattrs or utimes, and neither the BPF LSM file hooks
 * nor the supervisor see them. A mask holds them (on top of the layer that
 * holds the denial by inode); without a mount namespace nothing does. */
static bool under_private_tmpfs(const char *path)
{
	static const char *const roots[] = {"/tmp", "/var/tmp", "/dev/shm"};
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++)
		if (plan_path_within(path, roots[i]))
			return true;
	const char *home = env_source_get("HOME");
	return home && home[0] == '/' && strcmp(home, "/") && plan_path_within(path, home);
}

/* The metadata mask of a denial the BPF LSM holds: the path bound onto
 * itself read-only. It must keep the file's inode: an empty mask over it
 * would answer every open itself (EACCES), so the BPF LSM would never see
 * one, and its events and kill_after, which --explain places on it, would
 * never happen. */
static int add_metadata_bind(struct plan *plan, const struct fs_rule *f)
{
	struct plan_fs_mask m = {.path = f->path, .keep = WARD_FS_READ | WARD_FS_EXEC};
	plan->mount_ns = true;
	return VEC_PUSH(&plan->fs_masks, m);
}

static int plan_deny_metadata(struct plan *plan, const struct ward_policy *policy,
			      const struct host_features *host, const struct fs_rule *f,
			      enum ward_layer holder)
{
	char rule[200];
	snprintf(rule, sizeof(rule), "fs deny %s: metadata (chmod, chown, xattr, utimes)", f->path);
	/* Absent: a mask has nothing to cover, but the Landlock hole keeps the
	 * name from being created, so it has no metadata to change. */
	if (f->absent)
		return add_enforced(plan, f->loc, LAYER_LANDLOCK,
				    "absent and cannot be created (Landlock hole)", rule);
	if (plan->mode == WARD_MODE_ENFORCE && plan_mount_ns_possible(host)) {
		bool bind = holder == LAYER_BPF_LSM;
		int r = bind ? add_metadata_bind(plan, f) : add_deny_mask(plan, f);
		if (r < 0)
			return r;
		return add_enforced(
			plan, f->loc, LAYER_NAMESPACES,
			bind ? "mount namespace: bound onto itself read-only (its opens "
			       "stay the BPF LSM's)"
			     : "mount namespace: a read-only mask over it",
			rule);
	}
	return add_missing(plan, policy, f->loc, LAYER_NAMESPACES,
			   "no metadata rights in Landlock, the BPF LSM file hooks or the "
			   "supervisor; a mask needs a mount namespace",
			   rule);
}

/* The entry of a grant nested in a wider one: the mount namespace holds its
 * narrower rights (Landlock would grant it the enclosing grant's). */
static int plan_carveout_entry(struct plan *plan, const struct ward_policy *policy,
			       const struct host_features *host, const struct fs_rule *f,
			       const struct plan_fs_mask *carve, const char *rule)
{
	if (carve->unmountable)
		return add_missing(plan, policy, f->loc, LAYER_BPF_LSM,
				   "a nested grant without read inside a readable one: no "
				   "mount can take read away (use an fs deny)",
				   rule);
	if (!plan_mount_ns_possible(host))
		return add_missing(plan, policy, f->loc, LAYER_NAMESPACES,
				   "a carve-out inside a wider grant needs a mount namespace "
				   "(not privileged and user namespaces are unavailable)",
				   rule);
	if (plan->mode == WARD_MODE_ENFORCE)
		plan->mount_ns = true;
	char note[200];
	snprintf(note, sizeof(note), "carve-out in a wider grant: bind mount onto itself%s%s",
		 carve->keep & WARD_FS_WRITE ? "" : ", read-only",
		 carve->keep & WARD_FS_EXEC ? "" : ", noexec");
	return add_enforced(plan, f->loc, LAYER_NAMESPACES, note, rule);
}

/* The entry of the private HOME/TMPDIR grant: PLAN_PRIVATE_TMP, then the
 * directory once plan_resolve_private_tmp knows it. */
#define PRIVATE_TMP_RULE "fs read+write %s (private HOME and TMPDIR)"

static int plan_fs(const struct ward_policy *policy, const struct host_features *host,
		   struct plan *plan)
{
	int r;
	char rule[200];
	struct ward_loc builtin = {.file = "ward"};

	VEC_FOREACH(&policy->fs, f)
	{
		if (f->deny)
			continue;
		struct plan_fs_grant g = {
			.path = f->path, .access = f->access, .optional = f->optional};
		if ((r = VEC_PUSH(&plan->fs_grants, g)) < 0)
			return r;
	}
	VEC_FOREACH(&policy->exec, x)
	{
		if (x->deny)
			continue;
		struct plan_fs_grant g = {.path = x->path, .access = WARD_FS_READ | WARD_FS_EXEC};
		if ((r = VEC_PUSH(&plan->fs_grants, g)) < 0)
			return r;
	}
	if (plan->world) {
		/* The own /dev's device nodes are the host's, bound in. */
		static const struct {
			const char *path;
			unsigned access;
		} devices[] = {
			{"/dev/null", WARD_FS_READ | WARD_FS_WRITE},
			{"/dev/zero", WARD_FS_READ | WARD_FS_WRITE},
			{"/dev/full", WARD_FS_READ | WARD_FS_WRITE},
			{"/dev/random", WARD_FS_READ},
			{"/dev/urandom", WARD_FS_READ},
			{"/dev/tty", WARD_FS_READ | WARD_FS_WRITE},
		};
		for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
			struct plan_fs_grant g = {.path = devices[i].path,
						  .access = devices[i].access,
						  .optional = true};
			if ((r = VEC_PUSH(&plan->fs_grants, g)) < 0)
				return r;
		}
	}
	plan->private_tmp_dir = policy->private_tmp && !plan->world;
	if (plan->private_tmp_dir) {
		struct plan_fs_grant g = {.path = PLAN_PRIVATE_TMP,
					  .access = WARD_FS_READ | WARD_FS_WRITE,
					  .private_tmp = true};
		if ((r = VEC_PUSH(&plan->fs_grants, g)) < 0)
			return r;
	}

	if (host->landlock_abi > 0) {
		plan->landlock = plan->mode == WARD_MODE_ENFORCE;
		snprintf(rule, sizeof(rule), "fs: deny everything not granted");
		r = add_enforced(plan, builtin, LAYER_LANDLOCK, "Landlock ruleset", rule);
		/* Landlock never checks EXECUTE on a memfd (an internal mount):
		 * memfd_create + execveat would run any bytes the sandbox can
		 * write. ENOSYS is what software already handles (kernels
		 * before 3.17): it falls back to a file, which Landlock sees. */
		if (r >= 0 && host->seccomp_filter) {
			plan->seccomp_deny_memfd = true;
			r = add_enforced(plan, builtin, LAYER_SECCOMP,
					 "memfd_create fails with ENOSYS (Landlock does not check "
					 "exec of a memfd)",
					 "exec: no programs from memory files");
		}
	} else {
		r = add_missing(plan, policy, builtin, LAYER_LANDLOCK, host->landlock_why,
				"fs: deny everything not granted");
	}
	if (r < 0)
		return r;

	if ((r = plan_add_carveouts(policy, plan)) < 0)
		return r;
	VEC_FOREACH(&policy->fs, f)
	{
		if (f->deny)
			continue;
		snprintf(rule, sizeof(rule), "fs %s %s%s", access_name(f->access), f->path,
			 f->optional ? " (if present)" : "");
		const struct plan_fs_mask *carve = plan_find_carveout(plan, f->path);
		if (carve)
			r = plan_carveout_entry(plan, policy, host, f, carve, rule);
		else
			r = host->landlock_abi > 0
				    ? add_enforced(plan, f->loc, LAYER_LANDLOCK, "grant", rule)
				    : add_missing(plan, policy, f->loc, LAYER_LANDLOCK,
						  host->landlock_why, rule);
		if (r < 0)
			return r;
	}
	if (plan->private_tmp_dir) {
		snprintf(rule, sizeof(rule), PRIVATE_TMP_RULE, PLAN_PRIVATE_TMP);
		if ((r = add_enforced(plan, builtin, LAYER_LANDLOCK, "grant", rule)) < 0)
			return r;
	}

	VEC_FOREACH(&policy->fs, f)
	{
		if (!f->deny)
			continue;
		snprintf(rule, sizeof(rule), "fs deny %s", f->path);
		if (!deny_overlaps_grant(plan, f->path, f->access)) {
			/* Granted by no name, yet a grant may reach it through a
			 * symlink (/bin is /usr/bin): Landlock punches it out of
			 * whatever grant its resolved path lies in. */
			if (host->landlock_abi > 0 && (r = add_hole(plan, f->path, f->access)) < 0)
				return r;
			r = host->landlock_abi > 0
				    ? add_enforced(plan, f->loc, LAYER_LANDLOCK,
						   "not granted: Landlock denies it", rule)
				    : add_missing(plan, policy, f->loc, LAYER_LANDLOCK,
						  host->landlock_why, rule);
		} else {
			char why[400];
			enum ward_layer layer =
				pick_deny_layer(plan, host, CLASS_FS_DENY, why, sizeof(why));
			/* BPF LSM and the supervisor judge inodes and resolved
			 * paths that exist now; a hole withholds the whole
			 * parent directory from the grant, so a name created
			 * later is denied too. Only Landlock holds that. */
			/* In the sandbox's own root, /tmp, /var/tmp, /dev/shm and
			 * HOME are private tmpfs mounts whose Landlock rule reaches
			 * beneath the grants bound inside them: a hole there holds
			 * nothing, and a name that does not exist has no mask to
			 * cover it. Refused rather than claimed. */
			if (f->absent && plan->world && under_private_tmpfs(f->path)) {
				layer = LAYER_NONE;
				snprintf(
					why, sizeof(why),
					"%s does not exist yet and lies under the sandbox's "
					"private "
					"tmpfs (/tmp, /var/tmp, /dev/shm, HOME), where only a mask "
					"holds a denial: create it before the run, or "
					"--share-mount",
					f->path);
			} else if (f->absent && layer != LAYER_LANDLOCK) {
				bool hole =
					host->landlock_abi > 0 && plan->mode == WARD_MODE_ENFORCE;
				layer = hole ? LAYER_LANDLOCK : LAYER_NONE;
				if (!hole)
					snprintf(why, sizeof(why),
						 "%s does not exist yet: only a Landlock hole in "
						 "enforce mode denies it once created",
						 f->path);
			}
			/* The supervisor decides opens, not execs: a denial inside an
			 * exec grant would leave the file executable. */
			if (layer == LAYER_SUPERVISOR &&
			    deny_overlaps_grant(plan, f->path, WARD_FS_EXEC)) {
				layer = LAYER_NONE;
				snprintf(why, sizeof(why),
					 "%s lies in an exec grant and the supervisor cannot deny "
					 "exec",
					 f->path);
			}
			const char *note = "inside a grant";
			struct plan_inode_rule ir = {
				.path = f->path,
				.access = f->access,
				.optional =
					f->optional || f->absent, /* an absent path is the hole's */
				.rule_id = (uint32_t)(policy->net.len +
						      (size_t)(f - policy->fs.items)),
				.loc = f->loc,
			};
			/* A mask in the sandbox's mount namespace hides the path and
			 * leaves the rest of the grant whole (a hole replaces the grant
			 * by rules on the entries that exist at start, so nothing can
			 * be created beside the denied path). */
			/* A mask needs something to cover: a denial of a path that
			 * does not exist yet stays a Landlock hole. */
			if (layer == LAYER_LANDLOCK && plan_mount_ns_possible(host) && !f->absent)
				layer = LAYER_NAMESPACES;
			if (layer == LAYER_NAMESPACES) {
				if ((r = add_deny_mask(plan, f)) < 0)
					return r;
				note = "mount namespace: an empty read-only mask over it (and over "
				       "its metadata)";
			} else if (layer == LAYER_BPF_LSM) {
				plan->bpf_lsm_fs = true;
				if ((r = VEC_PUSH(&plan->bpf_inode_rules, ir)) < 0)
					return r;
			} else if (layer == LAYER_SUPERVISOR) {
				plan->supervisor = plan->sup_fs_deny = true;
				if ((r = VEC_PUSH(&plan->sup_fs_rules, ir)) < 0)
					return r;
			} else if (layer == LAYER_LANDLOCK) {
				if ((r = add_hole(plan, f->path, f->access)) < 0)
					return r;
				note = f->absent ? "hole in the grant; absent now, denied if "
						   "created; its directory takes no new entries"
						 : "hole in the grant";
			}
			r = layer != LAYER_NONE
				    ? add_enforced(plan, f->loc, layer, note, rule)
				    : add_missing(plan, policy, f->loc, LAYER_BPF_LSM, why, rule);
			if (r >= 0 && layer != LAYER_NONE && layer != LAYER_NAMESPACES)
				r = plan_deny_metadata(plan, policy, host, f, layer);
		}
		if (r < 0)
			return r;
	}
	return plan_fs_globs(policy, plan);
}

/* What an exec deny withholds from the file: executing it, and reading it,
 * since the dynamic loader, mmap(PROT_EXEC) and a memfd copy only read. */
#define EXEC_DENY_WITHHELD (WARD_FS_EXEC | WARD_FS_READ)

static int plan_exec(const struct ward_policy *policy, const struct host_features *host,
		     struct plan *plan)
{
	int r;
	char rule[200];
	VEC_FOREACH(&policy->exec, x)
	{
		snprintf(rule, sizeof(rule), "exec %s %s", x->deny ? "deny" : "allow", x->path);
		if (!x->deny) {
			r = host->landlock_abi > 0
				    ? add_enforced(plan, x->loc, LAYER_LANDLOCK, "execute grant",
						   rule)
				    : add_missing(plan, policy, x->loc, LAYER_LANDLOCK,
						  host->landlock_why, rule);
		} else if (!deny_overlaps_grant(plan, x->path, WARD_FS_EXEC)) {
			/* As for fs denials: a symlinked grant may still reach it.
			 * Read is withheld too: a readable file still runs as
			 * `ld.so FILE`, through a memfd copy or mmap(PROT_EXEC). */
			if (host->landlock_abi > 0 &&
			    (r = add_hole(plan, x->path, EXEC_DENY_WITHHELD)) < 0)
				return r;
			r = host->landlock_abi > 0
				    ? add_enforced(plan, x->loc, LAYER_LANDLOCK,
						   "no execute grant covers it, nor read", rule)
				    : add_missing(plan, policy, x->loc, LAYER_LANDLOCK,
						  host->landlock_why, rule);
		} else {
			char why[400];
			enum ward_layer layer =
				pick_deny_layer(plan, host, CLASS_EXEC_DENY, why, sizeof(why));
			const char *note = "inside an exec grant; Landlock withholds read too";
			if (layer == LAYER_BPF_LSM) {
				struct plan_inode_rule ir = {
					.path = x->path,
					.access = WARD_FS_EXEC,
					.rule_id = (uint32_t)(policy->net.len + policy->fs.len +
							      (size_t)(x - policy->exec.items)),
					.loc = x->loc,
					.exec = true,
				};
				plan->bpf_lsm_exec = true;
				if ((r = VEC_PUSH(&plan->bpf_inode_rules, ir)) < 0)
					return r;
				/* Landlock's exec check needs read too, so the hole
				 * below answers the names it covers before the BPF
				 * LSM is asked (LSM order). */
				if (host->landlock_abi > 0)
					note = "inside an exec grant; Landlock's hole (read "
					       "withheld "
					       "too) answers its own names first (EACCES), the BPF "
					       "LSM every other name of the file (EPERM)";
			} else if (layer == LAYER_SUPERVISOR) {
				plan->supervisor = plan->sup_exec = true;
			} else if (layer == LAYER_LANDLOCK) {
				note = "hole in the exec grant, read withheld too";
			}
			/* Whichever layer stops execve, the file must not be
			 * readable either: `ld.so FILE`, a memfd copy and
			 * mmap(PROT_EXEC) run it without execve. */
			if (layer != LAYER_NONE && host->landlock_abi > 0 &&
			    (r = add_hole(plan, x->path, EXEC_DENY_WITHHELD)) < 0)
				return r;
			r = layer != LAYER_NONE
				    ? add_enforced(plan, x->loc, layer, note, rule)
				    : add_missing(plan, policy, x->loc, LAYER_BPF_LSM, why, rule);
			/* Without Landlock the file stays readable: the execve
			 * rule alone has a known bypass, never "enforced". */
			if (r >= 0 && layer != LAYER_NONE && host->landlock_abi <= 0) {
				char bypass[260];
				snprintf(bypass, sizeof(bypass), "%s (ld.so FILE, mmap PROT_EXEC)",
					 rule);
				r = add_missing(
					plan, policy, x->loc, LAYER_LANDLOCK,
					"without Landlock nothing withholds read of the file, "
					"and a readable file runs without execve",
					bypass);
			}
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Rules only the supervisor can hold: argv rules and the callback. */
static int plan_supervised(const struct ward_policy *policy, const struct host_features *host,
			   struct plan *plan)
{
	int r;
	char rule[200], why[200];
	const struct sup_policy *sp = policy->supervisor;
	if (!sp)
		return 0;
	/* `ward learn`: the supervisor observes and lets run; a mode of the
	 * run, not a rule (the supervisor refuses rules placed on it then). */
	if (sp->learn)
		plan->sup_rules.learn = plan->supervisor = true;
	bool argv_ok =
		layer_can_enforce(LAYER_SUPERVISOR, CLASS_EXEC_ARGV, NULL, host, why, sizeof(why));
	VEC_FOREACH(&sp->exec_argv, a)
	{
		snprintf(rule, sizeof(rule), "exec %s argv '%s'", a->deny ? "deny" : "allow",
			 a->text);
		if (argv_ok) {
			plan->supervisor = plan->sup_exec = true;
			if ((r = VEC_PUSH(&plan->sup_rules.exec_argv, *a)) < 0)
				return r;
		}
		r = argv_ok ? add_enforced(plan, a->loc, LAYER_SUPERVISOR, "execve/execveat", rule)
			    : add_missing(plan, policy, a->loc, LAYER_SUPERVISOR, why, rule);
		if (r < 0)
			return r;
	}
	if (sp->callback) {
		struct ward_loc api = {.file = "api"};
		bool ok = layer_can_enforce(LAYER_SUPERVISOR, CLASS_CALLBACK, NULL, host, why,
					    sizeof(why));
		if (ok) {
			plan->supervisor = true;
			plan->sup_rules.callback = sp->callback;
			plan->sup_rules.verdict_fn = sp->verdict_fn;
			plan->sup_rules.callback_userdata = sp->callback_userdata;
			plan->sup_rules.callback_categories = sp->callback_categories;
			plan->sup_rules.callback_timeout_ms = sp->callback_timeout_ms;
		}
		r = ok ? add_enforced(plan, api, LAYER_SUPERVISOR, "ward_policy_set_callback",
				      "callback: run-time decisions")
		       : add_missing(plan, policy, api, LAYER_SUPERVISOR, why,
				     "callback: run-time decisions");
		if (r < 0)
			return r;
	}
	return 0;
}

static bool rule_covers_tcp(const struct net_rule *n)
{
	return n->proto == NET_PROTO_TCP || n->proto == NET_PROTO_ANY;
}

static bool rule_covers_udp(const struct net_rule *n)
{
	return n->proto == NET_PROTO_UDP || n->proto == NET_PROTO_ANY;
}

/* Can seccomp (socket families/types) plus Landlock (TCP ports) express N
 * exactly? Only "any address" allow rules: TCP with any port set, UDP only
 * with every port. */
static bool net_rule_is_static(const struct net_rule *n, int landlock_abi)
{
	if (n->deny || n->family != 0)
		return false;
	if (rule_covers_udp(n) && n->nports != 0)
		return false;
	if (rule_covers_tcp(n) && n->nports != 0 && landlock_abi < 4)
		return false;
	return true;
}

/* An allow rule that opens PROTO to every address and port. */
static bool rule_opens_all(const struct net_rule *n, bool tcp)
{
	return !n->deny && n->family == 0 && n->nports == 0 &&
	       (tcp ? rule_covers_tcp(n) : rule_covers_udp(n));
}

/* Sockets that no address or port layer sees: refused by seccomp whenever
 * the network is restricted, so that the rules above cannot be walked
 * around (issue 9). TCP/UDP here say which families' sockets exist. */
static int plan_net_unseen(const struct ward_policy *policy, const struct host_features *host,
			   struct plan *plan, bool tcp, bool udp)
{
	struct ward_loc builtin = {.file = "ward"};
	bool tcp_open = false, udp_open = false, any_deny = false;
	VEC_FOREACH(&policy->net, n)
	{
		tcp_open |= rule_opens_all(n, true);
		udp_open |= rule_opens_all(n, false);
		any_deny |= n->deny;
	}
	tcp_open &= !any_deny;
	udp_open &= !any_deny;
	bool restricted = !(tcp_open && udp_open) || (policy->ns_flags & WARD_NS_NET);
	if (!host->seccomp_filter || !restricted)
		return 0;

	const struct {
		bool *flag;
		bool wanted;
		const char *rule, *note;
	} rows[] = {
		{&plan->seccomp_deny_vsock, true, "net: no AF_VSOCK",
		 "AF_VSOCK sockets fail with EACCES (not namespaced, no address rules); so do "
		 "AF_SMC, AF_RXRPC, AF_TIPC and AF_RDS, which carry IP traffic on kernel "
		 "sockets no hook of the caller's sees"},
		{&plan->seccomp_deny_mptcp, tcp && !tcp_open, "net: no MPTCP",
		 "IPPROTO_MPTCP and IPPROTO_SMC sockets fail with EACCES (Landlock's TCP "
		 "rules miss them)"},
		{&plan->seccomp_deny_sctp, tcp || udp, "net: no SCTP",
		 "IPPROTO_SCTP sockets fail with EACCES"},
		{&plan->seccomp_deny_ping, udp && !udp_open, "net: no ICMP ping sockets",
		 "ICMP datagram sockets fail with EACCES (no sendmsg hook sees them)"},
		{&plan->seccomp_deny_tfo, tcp && !tcp_open, "net: no TCP Fast Open",
		 "sendto/sendmsg with MSG_FASTOPEN fail with EACCES (a connect Landlock "
		 "misses)"},
		{&plan->seccomp_deny_srcroute, tcp || udp, "net: no IP source routing",
		 "setsockopt IP_OPTIONS, IPV6_RTHDR fail with EACCES (a source route sends "
		 "the packet to its first hop, an address no rule checked)"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		if (!rows[i].wanted)
			continue;
		*rows[i].flag = true;
		int r = add_enforced(plan, builtin, LAYER_SECCOMP, rows[i].note, rows[i].rule);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Whether a bind rule lets the kernel pick the port (bind to port 0):
 * then listen()'s autobind takes nothing bind() would refuse. */
static bool bind_allows_ephemeral(const struct ward_policy *policy)
{
	VEC_FOREACH(&policy->bind, b)
	if (b->range.lo == 0)
		return true;
	return false;
}

/* listen() on a TCP socket never bound makes the kernel bind an ephemeral
 * port inside listen(), where neither Landlock's bind hook nor cgroup BPF's
 * bind programs run: restricting TCP bind must hold listen() too. */
static int plan_listen_autobind(const struct ward_policy *policy, const struct host_features *host,
				struct plan *plan)
{
	struct ward_loc builtin = {.file = "ward"};
	const char *rule = "net: no TCP listen without bind (the kernel's ephemeral-port autobind)";
	if (bind_allows_ephemeral(policy))
		return 0;
	/* The strongest holder sees the socket's port in the kernel, on every
	 * path to listen (io_uring included). */
	if (layer_can_enforce(LAYER_BPF_LSM, CLASS_NET, NULL, host, NULL, 0)) {
		plan->bpf_lsm_listen = true;
		return add_enforced(plan, builtin, LAYER_BPF_LSM,
				    "socket_listen hook: a socket on port 0 or off the bind ports "
				    "fails with EPERM",
				    rule);
	}
	if (!host->seccomp_user_notif)
		return add_missing(plan, policy, builtin, LAYER_SUPERVISOR,
				   "seccomp user notification unavailable", rule);
	plan->supervisor = plan->sup_listen = true;
	return add_enforced(plan, builtin, LAYER_SUPERVISOR,
			    "listen() traps: an unbound IPv4/IPv6 stream socket fails with EACCES, "
			    "a bound one listens on the caller's behalf",
			    rule);
}

/* The address rules in the section of DYN,
 * the layer the plan gave the network to: exactly what it is to judge. */
static int plan_net_sections(const struct ward_policy *policy, struct plan *plan,
			     enum ward_layer dyn)
{
	int r;
	bool bpf = dyn == LAYER_BPF_LSM || dyn == LAYER_CGROUP_BPF;
	if (!bpf && dyn != LAYER_SUPERVISOR)
		return 0;
	VEC_FOREACH(&policy->net, n)
	{
		struct plan_net_rule pr = {.rule = *n,
					   .rule_id = (uint32_t)(n - policy->net.items)};
		r = bpf ? VEC_PUSH(&plan->bpf_net_rules, pr) : VEC_PUSH(&plan->sup_net_rules, pr);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The bind ports, for the BPF programs that judge a bind or a listen: the
 * bind hooks when the network is BPF's, the listen hook when it holds the
 * autobind rule. */
static int plan_bpf_bind_ports(const struct ward_policy *policy, struct plan *plan)
{
	if (!plan->bpf_lsm_net && !plan->cgroup_bpf_net && !plan->bpf_lsm_listen)
		return 0;
	VEC_FOREACH(&policy->bind, b)
	{
		int r = VEC_PUSH(&plan->bpf_bind_ports, b->range);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The host names of the net rules: pinned at start, and those a DNS
 * answer gave re-resolved by the monitor as its TTL says, which updates
 * DYN (the layer holding the address rules) in place. A layer that cannot
 * be updated while the program runs (none holds the rules) is not claimed. */
static int plan_host_names(const struct ward_policy *policy, struct plan *plan, enum ward_layer dyn)
{
	struct ward_loc builtin = {.file = "ward"};
	int r;
	plan->hosts = policy->hosts.items;
	plan->nhosts = policy->hosts.len;
	plan->net_names_layer = LAYER_NONE;
	if (!policy->hosts.len)
		return 0;
	bool live = dyn == LAYER_BPF_LSM || dyn == LAYER_CGROUP_BPF || dyn == LAYER_SUPERVISOR;
	char names[sizeof(((struct plan_entry *)0)->note)] = "";
	size_t used = 0;
	VEC_FOREACH(&policy->net, n)
	{
		if (!n->host || !n->ttl || !live)
			continue;
		bool seen = false;
		VEC_FOREACH(&plan->net_names, pn)
		seen |= strcmp(pn->host, n->host) == 0;
		if (seen)
			continue;
		struct plan_net_name pn = {.host = n->host, .ttl = n->ttl};
		if ((r = VEC_PUSH(&plan->net_names, pn)) < 0)
			return r;
		int w = snprintf(names + used, sizeof(names) - used, "%s%s (ttl %u s)",
				 used ? ", " : "", n->host, n->ttl);
		used = w < 0 ? used : used + (size_t)w;
		used = used < sizeof(names) ? used : sizeof(names) - 1;
	}
	if (plan->net_names.len) {
		plan->net_names_layer = dyn;
		char note[sizeof(names) + 80];
		snprintf(note, sizeof(note), "%s; updates the %s rules in place", names,
			 ward_layer_name(dyn));
		if ((r = add_entry(plan, builtin, LAYER_MONITOR, PLAN_ENFORCED, note,
				   "net: host names re-resolved every TTL (min 5 s, max 1 h) (%zu)",
				   plan->net_names.len)) < 0)
			return r;
	}
	used = 0;
	names[0] = '\0';
	size_t pinned = 0;
	for (size_t i = 0; i < policy->hosts.len && used < sizeof(names) - 1; i++) {
		const char *pin = policy->hosts.items[i];
		const char *name = strchr(pin, ' ');
		bool refreshed = false;
		VEC_FOREACH(&plan->net_names, pn)
		refreshed |= name && strcmp(name + 1, pn->host) == 0;
		if (refreshed)
			continue;
		pinned++;
		int w = snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "", pin);
		used = w < 0 ? used : used + (size_t)w;
	}
	if (!pinned)
		return 0;
	char note[sizeof(names) + 80];
	snprintf(note, sizeof(note),
		 "%s; not re-resolved while it runs (no DNS TTL: /etc/hosts, or "
		 "not answered by DNS)",
		 names);
	return add_entry(plan, builtin, LAYER_MONITOR, PLAN_ENFORCED, note,
			 "net: host names resolved at start (%zu)", pinned);
}

static int plan_net(const struct ward_policy *policy, const struct host_features *host,
		    struct plan *plan)
{
	int r;
	char rule[200];
	struct ward_loc builtin = {.file = "ward"};
	bool tcp = false, udp = false, all_static = true;

	VEC_FOREACH(&policy->net, n)
	{
		if (!n->deny) {
			tcp |= rule_covers_tcp(n);
			udp |= rule_covers_udp(n);
		}
		all_static &= net_rule_is_static(n, host->landlock_abi);
	}

	if (plan->net_private) {
		/* The private netns holds "no network": inside it, programs may
		 * talk to themselves on lo, and nothing else exists. */
		if (host->landlock_abi >= 6)
			plan->landlock_scope = true;
		r = add_enforced(plan, builtin, LAYER_NAMESPACES,
				 "private network namespace: only lo (127.0.0.1, ::1) is up",
				 "net: no IPv4/IPv6 network");
		VEC_FOREACH(&policy->net, n)
		{
			snprintf(rule, sizeof(rule), "net deny %s", n->text);
			if (r >= 0)
				r = add_enforced(plan, n->loc, LAYER_NAMESPACES,
						 "nothing outside the private netns is reachable",
						 rule);
		}
		VEC_FOREACH(&policy->bind, b)
		{
			snprintf(rule, sizeof(rule), "net bind tcp %u-%u", b->range.lo,
				 b->range.hi);
			if (r >= 0)
				r = add_enforced(plan, b->loc, LAYER_NAMESPACES,
						 "any port on lo of the private netns", rule);
		}
		/* listen() without bind autobinds too, only on that lo. */
		if (r >= 0)
			r = add_enforced(plan, builtin, LAYER_NAMESPACES,
					 "listen() without bind takes an ephemeral port on the "
					 "private netns's own lo only",
					 "net: TCP listen without bind");
		/* AF_VSOCK is not namespaced: it reaches the host's services
		 * from a private netns too. */
		if (r >= 0)
			r = plan_net_unseen(policy, host, plan, false, false);
		return r;
	}
	/* A server needs TCP sockets to bind: with Landlock's TCP rules every
	 * connect stays denied (no connect port is marked), only the bind
	 * ports open. Without them seccomp keeps TCP sockets refused. */
	bool bind_only = !tcp && policy->bind.len && host->landlock_abi >= 4;
	tcp |= bind_only;
	plan->seccomp_deny_inet = !tcp && !udp;
	plan->seccomp_deny_inet_stream = !tcp;
	plan->seccomp_deny_inet_dgram = !udp;
	if ((r = plan_net_unseen(policy, host, plan, tcp, udp)) < 0)
		return r;
	if (!tcp && !udp) {
		r = host->seccomp_filter
			    ? add_enforced(plan, builtin, LAYER_SECCOMP,
					   "socket(AF_INET/AF_INET6) fails with EACCES",
					   "net: no IPv4/IPv6 network")
			    : add_missing(plan, policy, builtin, LAYER_SECCOMP,
					  "seccomp unavailable", "net: no IPv4/IPv6 network");
		if (r < 0)
			return r;
	} else {
		if (!tcp && (r = add_enforced(plan, builtin, LAYER_SECCOMP,
					      "TCP sockets fail with EACCES", "net: no TCP")) < 0)
			return r;
		if (!udp && (r = add_enforced(plan, builtin, LAYER_SECCOMP,
					      "UDP sockets fail with EACCES", "net: no UDP")) < 0)
			return r;
	}

	/* TCP ports by Landlock: the union of every TCP allow rule's ports; a
	 * TCP rule with no ports (or with an address, which a dynamic layer then
	 * narrows) leaves connect unrestricted by Landlock. */
	if (host->landlock_abi >= 4) {
		plan->landlock_net = true;
		plan->tcp_connect_any = false;
		VEC_FOREACH(&policy->net, n)
		{
			if (n->deny || !rule_covers_tcp(n))
				continue;
			if (n->nports == 0) {
				plan->tcp_connect_any = true;
				continue;
			}
			for (size_t i = 0; i < n->nports; i++)
				if ((r = VEC_PUSH(&plan->tcp_connect_ports, n->ports[i])) < 0)
					return r;
		}
		VEC_FOREACH(&policy->bind, b)
		{
			if ((r = VEC_PUSH(&plan->tcp_bind_ports, b->range)) < 0)
				return r;
		}
		if (!policy->bind.len &&
		    (r = add_enforced(plan, builtin, LAYER_LANDLOCK, "no bind rule: bind() fails",
				      "net: no TCP bind")) < 0)
			return r;
		if (tcp && (r = plan_listen_autobind(policy, host, plan)) < 0)
			return r;
		/* Landlock sees connect() only: MPTCP sockets and TCP Fast Open
		 * (a connect made by sendto) would walk around it. */
		/* (plan_net_unseen may have planned both already.) */
		bool planned = plan->seccomp_deny_mptcp && plan->seccomp_deny_tfo;
		if (bind_only) {
			plan->seccomp_deny_mptcp = plan->seccomp_deny_tfo = true;
			if ((r = add_enforced(plan, builtin, LAYER_LANDLOCK, "no connect rule",
					      "net: no TCP connect")) < 0)
				return r;
		}
		if (bind_only && !planned) {
			if ((r = add_enforced(plan, builtin, LAYER_SECCOMP,
					      "IPPROTO_MPTCP sockets fail with EACCES",
					      "net: no MPTCP")) < 0 ||
			    (r = add_enforced(plan, builtin, LAYER_SECCOMP,
					      "sendto/sendmsg with MSG_FASTOPEN fail with EACCES",
					      "net: no TCP Fast Open")) < 0)
				return r;
		}
	}

	enum ward_layer dyn = LAYER_NONE;
	char dyn_why[400] = "";
	if (!all_static) {
		dyn = pick_dynamic_layer(host, CLASS_NET, NULL, dyn_why, sizeof(dyn_why));
		/* Ask again per rule: a layer may hold some rule kinds only. */
		VEC_FOREACH(&policy->net, n)
		{
			if (dyn != LAYER_NONE &&
			    !layer_can_enforce(dyn, CLASS_NET, n, host, dyn_why, sizeof(dyn_why)))
				dyn = LAYER_NONE;
		}
		if (dyn == LAYER_BPF_LSM)
			plan->bpf_lsm_net = true;
		else if (dyn == LAYER_CGROUP_BPF)
			plan->cgroup_bpf_net = true;
		else if (dyn == LAYER_SUPERVISOR)
			plan->supervisor = plan->sup_net = true;
		if ((r = plan_net_sections(policy, plan, dyn)) < 0)
			return r;
	}
	if ((r = plan_bpf_bind_ports(policy, plan)) < 0)
		return r;

	VEC_FOREACH(&policy->net, n)
	{
		snprintf(rule, sizeof(rule), "net %s %s", n->deny ? "deny" : "allow", n->text);
		if (dyn != LAYER_NONE)
			r = add_enforced(plan, n->loc, dyn, "address rules", rule);
		else if (net_rule_is_static(n, host->landlock_abi))
			r = add_enforced(plan, n->loc,
					 rule_covers_tcp(n) && n->nports ? LAYER_LANDLOCK
									 : LAYER_SECCOMP,
					 rule_covers_tcp(n) && n->nports ? "TCP connect ports"
									 : "socket type allowed",
					 rule);
		else
			r = add_missing(plan, policy, n->loc, LAYER_CGROUP_BPF, dyn_why, rule);
		if (r < 0)
			return r;
	}

	bool dyn_bpf = dyn == LAYER_BPF_LSM || dyn == LAYER_CGROUP_BPF;
	if ((r = plan_host_names(policy, plan, dyn)) < 0)
		return r;

	VEC_FOREACH(&policy->bind, b)
	{
		if (b->range.lo == 0)
			snprintf(rule, sizeof(rule), "net bind tcp 0 (an ephemeral port)");
		else
			snprintf(rule, sizeof(rule), "net bind tcp %u-%u", b->range.lo,
				 b->range.hi);
		if (host->landlock_abi >= 4)
			r = add_enforced(plan, b->loc, LAYER_LANDLOCK, "TCP bind ports", rule);
		else if (dyn_bpf)
			r = add_enforced(plan, b->loc, dyn, "TCP and UDP bind ports", rule);
		else
			r = add_missing(plan, policy, b->loc, LAYER_LANDLOCK,
					"Landlock ABI < 4 has no TCP rules", rule);
		if (r < 0)
			return r;
	}
	/* The BPF bind hooks hold every IPv4/IPv6 bind, UDP too, to port 0
	 * and the bind ports: said, since it is a rule of its own. */
	if (dyn_bpf && (r = add_enforced(plan, builtin, dyn, "bind hooks of the BPF programs",
					 "net: bind (TCP and UDP) only to port 0 and the bind "
					 "ports")) < 0)
		return r;
	if (host->landlock_abi >= 6) {
		plan->landlock_scope = true;
		r = add_enforced(plan, builtin, LAYER_LANDLOCK,
				 "LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET and _SIGNAL: EPERM outside",
				 "net: abstract unix sockets and signals only within the sandbox");
		if (r < 0)
			return r;
	}
	/* Pathname sockets: the Landlock right where the kernel has it. */
	if (host->landlock_abi >= WARD_LANDLOCK_ABI_RESOLVE_UNIX) {
		r = add_enforced(plan, builtin, LAYER_LANDLOCK,
				 "LANDLOCK_ACCESS_FS_RESOLVE_UNIX: EACCES for any other",
				 "net: pathname unix sockets only inside write grants or made in "
				 "the sandbox");
		if (r < 0)
			return r;
	}
	return 0;
}

/* VALUE of LIMIT as people write it: 512M, 1G, 10m, 30s, 250ms, 50%. */
static const char *limit_text(int limit, uint64_t value, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	uint64_t ms = value;
	switch (limit) {
	case WARD_LIMIT_MEMORY: {
		int u = -1;
		while (u < 3 && value >= 1024 && value % 1024 == 0) {
			value /= 1024;
			u++;
		}
		if (u < 0)
			snprintf(buf, size, "%llu bytes", (unsigned long long)value);
		else
			snprintf(buf, size, "%llu%c", (unsigned long long)value, units[u]);
		return buf;
	}
	case WARD_LIMIT_CPU_PERCENT:
		snprintf(buf, size, "%llu%%", (unsigned long long)value);
		return buf;
	case WARD_LIMIT_CPU_TIME:
		ms = value * 1000;
		/* fall through */
	case WARD_LIMIT_TIMEOUT_MS:
		if (ms % 3600000 == 0)
			snprintf(buf, size, "%lluh", (unsigned long long)(ms / 3600000));
		else if (ms % 60000 == 0)
			snprintf(buf, size, "%llum", (unsigned long long)(ms / 60000));
		else if (ms % 1000 == 0)
			snprintf(buf, size, "%llus", (unsigned long long)(ms / 1000));
		else
			snprintf(buf, size, "%llums", (unsigned long long)ms);
		return buf;
	default:
		snprintf(buf, size, "%llu", (unsigned long long)value);
		return buf;
	}
}

static const char *const limit_names[WARD_LIMIT_COUNT_] = {
	[WARD_LIMIT_MEMORY] = "memory",	  [WARD_LIMIT_PIDS] = "pids",
	[WARD_LIMIT_CPU_PERCENT] = "cpu", [WARD_LIMIT_CPU_TIME] = "cpu_time",
	[WARD_LIMIT_NOFILE] = "nofile",	  [WARD_LIMIT_TIMEOUT_MS] = "timeout",
};

static bool controller_usable(const struct host_features *host, enum cgroup_controller c)
{
	return host->controllers[c].usable;
}

static const char *const scope_names[] = {
	[PLAN_SCOPE_SANDBOX] = "per sandbox",
	[PLAN_SCOPE_PROCESS] = "per process, not per sandbox",
	[PLAN_SCOPE_USER] = "per user, not per sandbox",
};

const char *plan_limit_scope_name(enum plan_limit_scope scope)
{
	return scope_names[scope];
}

/* A limit of a built-in profile is a guard (the default profile's pids):
 * held per process or per user where no cgroup holds it, and said so. A
 * limit the user asked for is a promise about the whole sandbox. */
static bool limit_is_profile_guard(const struct limit_value *l)
{
	return l->loc.file && strncmp(l->loc.file, "profile:", 8) == 0;
}

/* Where limit I can be held, and how far; NOTE says why, WHY why not. */
static enum ward_layer limit_layer_for(int i, const struct host_features *host,
				       enum plan_limit_scope *scope, char *note, size_t note_size,
				       const char **why)
{
	*scope = PLAN_SCOPE_SANDBOX;
	switch (i) {
	case WARD_LIMIT_MEMORY:
		if (controller_usable(host, CG_CTRL_MEMORY))
			return LAYER_CGROUP;
		*scope = PLAN_SCOPE_PROCESS;
		snprintf(note, note_size,
			 "RLIMIT_AS of each process: ten processes may hold ten times as much "
			 "(no cgroup memory controller: %s)",
			 host->controllers[CG_CTRL_MEMORY].why);
		return LAYER_RLIMIT;
	case WARD_LIMIT_PIDS:
		if (controller_usable(host, CG_CTRL_PIDS))
			return LAYER_CGROUP;
		/* RLIMIT_NPROC does not bind a task with CAP_SYS_RESOURCE or
		 * CAP_SYS_ADMIN. */
		if (host->root || host->cap_sys_resource || host->cap_sys_admin) {
			*why = host->controllers[CG_CTRL_PIDS].why;
			return LAYER_NONE;
		}
		*scope = PLAN_SCOPE_USER;
		snprintf(note, note_size,
			 "RLIMIT_NPROC: counts every process of this user (no cgroup pids "
			 "controller: %s)",
			 host->controllers[CG_CTRL_PIDS].why);
		return LAYER_RLIMIT;
	case WARD_LIMIT_CPU_PERCENT:
		if (controller_usable(host, CG_CTRL_CPU))
			return LAYER_CGROUP;
		*why = host->controllers[CG_CTRL_CPU].why;
		return LAYER_NONE;
	case WARD_LIMIT_CPU_TIME:
		*scope = PLAN_SCOPE_PROCESS;
		snprintf(note, note_size, "RLIMIT_CPU of each process");
		return LAYER_RLIMIT;
	case WARD_LIMIT_NOFILE:
		*scope = PLAN_SCOPE_PROCESS;
		snprintf(note, note_size, "RLIMIT_NOFILE of each process");
		return LAYER_RLIMIT;
	case WARD_LIMIT_TIMEOUT_MS:
		snprintf(note, note_size, "ward kills the sandbox at the deadline");
		return LAYER_MONITOR;
	}
	return LAYER_NONE;
}

/* Limits that are promises about the whole sandbox; the others (cpu_time,
 * nofile) are per process by definition. */
static bool limit_is_sandbox_wide(int i)
{
	return i == WARD_LIMIT_MEMORY || i == WARD_LIMIT_PIDS || i == WARD_LIMIT_CPU_PERCENT;
}

static int plan_limits(const struct ward_policy *policy, const struct host_features *host,
		       struct plan *plan)
{
	int r;
	char rule[200], note[400];
	for (int i = 0; i < WARD_LIMIT_COUNT_; i++) {
		const struct limit_value *l = &policy->limits[i];
		struct plan_limit *pl = &plan->limits[i];
		*pl = (struct plan_limit){.layer = LAYER_NONE};
		if (!l->set)
			continue;
		const char *why = NULL;
		enum plan_limit_scope scope;
		note[0] = '\0';
		enum ward_layer layer = limit_layer_for(i, host, &scope, note, sizeof(note), &why);
		char amount[64];
		snprintf(rule, sizeof(rule), "limit %s %s%s%s", limit_names[i],
			 limit_text(i, l->value, amount, sizeof(amount)),
			 layer == LAYER_NONE ? "" : " ",
			 layer == LAYER_NONE ? "" : plan_limit_scope_name(scope));
		if (layer == LAYER_NONE) {
			r = add_missing(plan, policy, l->loc, LAYER_CGROUP,
					why && *why ? why : "no cgroup controller", rule);
			if (r < 0)
				return r;
			continue;
		}
		*pl = (struct plan_limit){
			.set = true, .value = l->value, .layer = layer, .scope = scope};
		if (layer == LAYER_CGROUP)
			plan->cgroup = true;
		/* Limits protect the host: they hold in audit mode too. A
		 * sandbox-wide limit held only per process is weaker than asked:
		 * refused in enforce mode unless the cgroup layer ("limits") may
		 * be degraded; the rlimit is applied either way. */
		enum plan_status status = PLAN_ENFORCED;
		if (scope != PLAN_SCOPE_SANDBOX && limit_is_sandbox_wide(i) &&
		    !limit_is_profile_guard(l)) {
			if (plan->mode == WARD_MODE_AUDIT ||
			    layer_degraded_ok(policy, LAYER_CGROUP))
				status = PLAN_DEGRADED;
			else
				status = PLAN_UNENFORCEABLE;
		}
		struct plan_entry e = {
			.loc = l->loc, .layer = layer, .wanted = LAYER_CGROUP, .status = status};
		snprintf(e.rule, sizeof(e.rule), "%s", rule);
		if (status == PLAN_UNENFORCEABLE) {
			plan->refused = true;
			e.layer = LAYER_NONE; /* refused: nothing runs, nothing holds it */
			*pl = (struct plan_limit){.layer = LAYER_NONE};
			snprintf(e.note, sizeof(e.note), "a sandbox-wide limit needs %s: %s",
				 ward_layer_name(LAYER_CGROUP), note);
		} else {
			e.wanted = layer;
			snprintf(e.note, sizeof(e.note), "%s", note);
		}
		if ((r = VEC_PUSH(&plan->entries, e)) < 0)
			return r;
	}
	return 0;
}

/* The names (never the values) of the caller's variables that the policy
 * keeps out, as the environment will be built from this process's. */
bool plan_env_drops(const struct plan_env *env, const char *name, size_t len)
{
	if (!env->drop_secrets || !env_name_looks_secret(name, len))
		return false;
	for (size_t i = 0; i < env->npass; i++)
		if (strlen(env->pass[i]) == len && strncmp(env->pass[i], name, len) == 0)
			return false;
	return true;
}

/* The run's environment, start directory, host name and identity. */
static int plan_run(const struct ward_policy *policy, struct plan *plan)
{
	plan->env = (struct plan_env){
		.clean = policy->clean_env,
		.unset = policy->env_unset.items,
		.unset_loc = policy->env_unset_loc.items,
		.nunset = policy->env_unset.len,
		.drop_secrets = policy->drop_secret_env,
		.pass = policy->env_pass.items,
		.pass_loc = policy->env_pass_loc.items,
		.npass = policy->env_pass.len,
		.set = policy->env_set.items,
		.set_loc = policy->env_set_loc.items,
		.nset = policy->env_set.len,
	};
	plan->cwd = policy->cwd;
	plan->hostname = (plan->ns_flags & WARD_NS_UTS) ? policy->hostname : NULL;
	plan->name = policy->name;
	VEC_FOREACH(&policy->fs, f)
	{
		struct plan_path_deny d = {
			.path = f->path, .access = f->access, .exec = false, .loc = f->loc};
		if (f->deny && VEC_PUSH(&plan->path_denies, d) < 0)
			return -ENOMEM;
	}
	VEC_FOREACH(&policy->exec, x)
	{
		struct plan_path_deny d = {.path = x->path,
					   .access = WARD_FS_EXEC | WARD_FS_READ,
					   .exec = true,
					   .loc = x->loc};
		if (x->deny && VEC_PUSH(&plan->path_denies, d) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int plan_env(const struct ward_policy *policy, struct plan *plan)
{
	if (!policy->drop_secret_env || policy->clean_env)
		return 0;
	char names[sizeof(((struct plan_entry *)0)->note)] = "";
	size_t used = 0, count = 0;
	for (char *const *e = env_source(); e && *e; e++) {
		size_t n = strcspn(*e, "=");
		if (!plan_env_drops(&plan->env, *e, n))
			continue;
		count++;
		int w = snprintf(names + used, sizeof(names) - used, "%s%.*s", used ? ", " : "",
				 (int)n, *e);
		if (w < 0 || (size_t)w >= sizeof(names) - used) {
			snprintf(names + (used < sizeof(names) - 5 ? used : sizeof(names) - 5), 5,
				 "...");
			used = sizeof(names) - 1;
		} else {
			used += (size_t)w;
		}
	}
	struct ward_loc builtin = {.file = "ward"};
	char note[sizeof(names) + 40];
	snprintf(note, sizeof(note), "%s; --pass-env NAME keeps one",
		 count ? names : "none set here");
	return add_entry(plan, builtin, LAYER_MONITOR, PLAN_ENFORCED, note,
			 "env: drop secret-looking variables (%zu)", count);
}

static int plan_process(const struct ward_policy *policy, const struct host_features *host,
			struct plan *plan)
{
	int r;
	struct ward_loc builtin = {.file = "ward"};
	plan->seccomp = host->seccomp_filter;
	r = host->seccomp_filter
		    ? add_enforced(
			      plan, builtin, LAYER_SECCOMP,
			      "ptrace, bpf, mount, namespaces, io_uring, keyrings, raw sockets, "
			      "foreign ABIs...",
			      "syscalls: hardening filter")
		    : add_missing(plan, policy, builtin, LAYER_SECCOMP, "seccomp unavailable",
				  "syscalls: hardening filter");
	if (r < 0)
		return r;
	plan->seccomp_log_only = plan->mode == WARD_MODE_AUDIT;

	/* Accounting, kill-all and the BPF attach point come with a cgroup
	 * whenever ward may create one, limits or not. */
	if (host->cgroup_v2_usable)
		plan->cgroup = true;
	for (int c = 0; c < CG_CTRL_COUNT_; c++)
		if (host->controllers[c].usable)
			plan->cgroup = true;

	/* With BPF LSM, the kernel hooks back the seccomp filter up: they see
	 * io_uring and every other path to the same operations. */
	if (layer_can_enforce(LAYER_BPF_LSM, CLASS_KERNEL, NULL, host, NULL, 0)) {
		plan->bpf_lsm_kernel = true;
		r = add_enforced(plan, builtin, LAYER_BPF_LSM,
				 "ptrace, bpf, module and mount LSM hooks",
				 "kernel: privileged operations");
		if (r < 0)
			return r;
	}

	if (policy->kill_after.set) {
		char rule[200], why[200] = "the BPF LSM hooks do not load here";
		snprintf(rule, sizeof(rule), "escalate: SIGKILL after %u denials in %u s",
			 policy->kill_after.denials, policy->kill_after.seconds);
		/* Only the LSM hooks count denials and can signal the offender. */
		bool ok = layer_can_escalate(host, why, sizeof(why));
		if (ok) {
			plan->bpf_escalate = plan->bpf_lsm_kernel = true;
			plan->bpf_kill_after = policy->kill_after;
		}
		r = ok ? add_enforced(plan, policy->kill_after.loc, LAYER_BPF_LSM,
				      "counted in the LSM hooks", rule)
		       : add_missing(plan, policy, policy->kill_after.loc, LAYER_BPF_LSM, why,
				     rule);
		if (r < 0)
			return r;
	}

	return 0;
}

/* Accounting and the network quotas count packets on the sandbox's own v2
 * cgroup with cgroup_skb programs: the same privilege and attach point as
 * the cgroup sock_addr programs. The CPU-time quota is the cgroup's own
 * usage counter (every task together), which ward reads every 20 ms. A quota
 * is a rule (refused where it cannot hold); plain accounting is a figure,
 * on wherever it can be. */
static int plan_quotas(const struct ward_policy *policy, const struct host_features *host,
		       struct plan *plan)
{
	bool net = host->cgroup_bpf_loads && host->cgroup_v2_usable;
	bool cpu = host->cgroup_v2_usable || host->controllers[CG_CTRL_CPUACCT].usable;
	bool file = host->support.file_acct && host->cgroup_v2_usable;
	plan->net_acct = net;
	plan->file_acct = file;
	if (net || file)
		plan->cgroup = true;
	for (int i = 0; i < WARD_QUOTA_COUNT_; i++) {
		const struct quota_value *q = &policy->quotas[i];
		if (!q->set)
			continue;
		bool is_cpu = i == WARD_QUOTA_CPU_TIME;
		bool is_file = i == WARD_QUOTA_FILE_WRITE_BYTES;
		char rule[200], note[400];
		if (is_cpu)
			snprintf(rule, sizeof(rule), "quota cpu_time %llu ms (all tasks), then %s",
				 (unsigned long long)q->amount,
				 policy_quota_action_name(q->action));
		else
			snprintf(rule, sizeof(rule), "quota %s %llu bytes, then %s",
				 policy_quota_name(i), (unsigned long long)q->amount,
				 policy_quota_action_name(q->action));
		snprintf(
			note, sizeof(note), "%s",
			is_cpu ? "the cgroup's CPU usage, checked every 20 ms"
			: is_file && q->action == WARD_QUOTA_KILL
				? "counted per sandbox by fexit programs on vfs_write/vfs_writev, "
				  "the "
				  "task that crosses it killed by the kernel; seccomp: sendfile, "
				  "splice, copy_file_range, AIO ENOSYS, shared file mmap EACCES; "
				  "no core dumps (RLIMIT_CORE 0)"
			: is_file
				? "counted per sandbox by fexit programs on vfs_write/vfs_writev; "
				  "seccomp: sendfile, splice, copy_file_range, AIO ENOSYS, shared "
				  "file mmap EACCES; no core dumps (RLIMIT_CORE 0)"
			: q->action == WARD_QUOTA_REPORT
				? "counted per sandbox by cgroup_skb programs"
				: "counted per sandbox by cgroup_skb programs; packets over it are "
				  "dropped");
		bool can = is_cpu ? cpu : is_file ? file : net;
		enum ward_layer layer = is_cpu	  ? LAYER_CGROUP
					: is_file ? LAYER_BPF_TRACE
						  : LAYER_CGROUP_BPF;
		int r;
		if (can) {
			plan->quota_amount[i] = q->amount;
			plan->quota_action[i] = q->action;
			plan->cgroup = true;
			/* Writes that bypass the counted calls are refused. */
			plan->seccomp_file_write_guard |= is_file;
			/* Like limits, quotas protect the host: they hold in audit mode. */
			r = add_entry(plan, q->loc, layer, PLAN_ENFORCED, note, "%s", rule);
		} else {
			const char *why = !host->cgroup_v2_usable ? host->cgroup_v2_why
					  : is_file		  ? host->support.file_acct_why
					  : host->cgroup_bpf_why[0]
						  ? host->cgroup_bpf_why
						  : "cgroup BPF does not load here";
			r = add_missing(plan, policy, q->loc, layer, why, rule);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int plan_build(const struct ward_policy *policy, const struct host_features *host, struct plan *out,
	       ward_error *err)
{
	int r;
	memset(out, 0, sizeof(*out));
	out->mode = policy->mode;
	out->landlock_abi = host->landlock_abi;

	if ((r = plan_world(policy, host, out)) < 0 || (r = plan_fs(policy, host, out)) < 0 ||
	    (r = plan_exec(policy, host, out)) < 0 ||
	    (r = plan_supervised(policy, host, out)) < 0 || (r = plan_net(policy, host, out)) < 0 ||
	    (r = plan_limits(policy, host, out)) < 0 || (r = plan_quotas(policy, host, out)) < 0 ||
	    (r = plan_process(policy, host, out)) < 0 || (r = plan_run(policy, out)) < 0 ||
	    (r = plan_env(policy, out)) < 0 || (r = plan_proc(policy, host, out)) < 0 ||
	    (r = plan_unix(policy, host, out)) < 0) {
		plan_free(out);
		return ward_fail(err, r, "planning the policy: out of memory");
	}

	/* Without privilege the mount namespace needs a user namespace to
	 * own it. */
	if (out->mount_ns) {
		bool privileged = host->root || host->cap_sys_admin;
		if (!privileged)
			out->ns_flags |= WARD_NS_USER;
		struct ward_loc builtin = {.file = "ward"};
		if (add_entry(out, builtin, LAYER_NAMESPACES, PLAN_ENFORCED,
			      privileged ? "private propagation: nothing reaches the host"
					 : "inside a new user namespace; private propagation",
			      "fs: own mount namespace for masks and carve-outs") < 0) {
			plan_free(out);
			return ward_fail(err, -ENOMEM, "planning the policy: out of memory");
		}
	}

	if (out->refused) {
		VEC_FOREACH(&out->entries, e)
		{
			if (e->status != PLAN_UNENFORCEABLE)
				continue;
			char where[300];
			/* "limits" names the cgroup layer where limits are concerned. */
			const char *name =
				e->wanted == LAYER_CGROUP ? "limits" : ward_layer_name(e->wanted);
			return ward_fail(err, -EPERM,
					 "%s: cannot enforce '%s' on this host (%s); allow with "
					 "--allow-degraded %s or allow_degraded: [%s]",
					 ward_loc_format(e->loc, where, sizeof(where)), e->rule,
					 e->note, name, name);
		}
	}
	return 0;
}

void plan_resolve_private_tmp(struct plan *plan, const char *path)
{
	char symbolic[200];
	snprintf(symbolic, sizeof(symbolic), PRIVATE_TMP_RULE, PLAN_PRIVATE_TMP);
	plan->private_tmp = path;
	VEC_FOREACH(&plan->fs_grants, g)
	{
		if (g->private_tmp)
			g->path = path;
	}
	/* plan_unix copied the grant's path as a root of the unix rule. */
	VEC_FOREACH(&plan->sup_unix.roots, u)
	{
		if (!strcmp(u->path, PLAN_PRIVATE_TMP))
			u->path = path;
	}
	VEC_FOREACH(&plan->entries, e)
	{
		if (!strcmp(e->rule, symbolic))
			snprintf(e->rule, sizeof(e->rule), PRIVATE_TMP_RULE, path);
	}
}

void plan_free(struct plan *plan)
{
	VEC_FREE(&plan->entries);
	VEC_FREE(&plan->path_denies);
	VEC_FREE(&plan->fs_grants);
	VEC_FREE(&plan->fs_holes);
	VEC_FREE(&plan->fs_masks);
	VEC_FREE(&plan->tcp_connect_ports);
	VEC_FREE(&plan->tcp_bind_ports);
	VEC_FREE(&plan->sup_fs_rules);
	VEC_FREE(&plan->bpf_inode_rules);
	VEC_FREE(&plan->sup_unix.roots);
	VEC_FREE(&plan->bpf_net_rules);
	VEC_FREE(&plan->bpf_bind_ports);
	VEC_FREE(&plan->sup_net_rules);
	VEC_FREE(&plan->net_names);
	VEC_FREE(&plan->sup_rules.exec_argv);
}

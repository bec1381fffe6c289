/* policy_internal.h — helpers shared by the files of src/lib/policy only:
 * key-aware adders (so YAML errors name "net.allow[1]"), path normalization
 * and the all-or-nothing merge of a freshly loaded policy into another.
 * Nothing outside src/lib/policy includes this; the model stays in policy.h.
 */
#ifndef WARD_POLICY_INTERNAL_H
#define WARD_POLICY_INTERNAL_H

#include "policy/policy.h"

/* Scalars a load set explicitly, so a later layer may set them back to the
 * default (e.g. "private_tmp: false" on top of the default profile). */
enum {
	POLICY_SET_MODE = 1u << 0,
	POLICY_SET_PRIVATE_TMP = 1u << 1,
	POLICY_SET_CLEAN_ENV = 1u << 2,
	POLICY_SET_DROP_SECRETS = 1u << 3,
};

int policy_add_pass_env_key(struct ward_policy *policy, const char *name, struct ward_loc loc,
			    const char *key, ward_error *err);

/* Fails with "LOC: KEY: message" (KEY may be NULL) and returns -EINVAL. */
int policy_fail_at(ward_error *err, struct ward_loc loc, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Lexically normalizes absolute PATH into OUT (collapses "//", "/./",
 * resolves ".." without touching the filesystem, strips a trailing "/").
 * -EINVAL when PATH is not absolute, -ENAMETOOLONG when it does not fit. */
int path_normalize(const char *path, char *out, size_t size);

/* Looks up variable NAME for path_expand: its value, or NULL when unset. */
typedef const char *(*path_lookup_fn)(const char *name, void *arg);

/* Expands a leading "~" or "~/" to $HOME and every "$NAME" or "${NAME}"
 * through LOOKUP into OUT. -EINVAL with WHY filled when a variable is unset
 * or empty, "~user" or a stray '$' is written; -ENAMETOOLONG when the result
 * does not fit. The result is not normalized. */
int path_expand(const char *path, char *out, size_t size, path_lookup_fn lookup, void *arg,
		char *why, size_t why_size);

/* path_expand with the process environment; $HOME falls back to the
 * password database's home directory when unset. */
int path_expand_env(const char *path, char *out, size_t size, char *why, size_t why_size);

int policy_add_fs_key(struct ward_policy *policy, const char *path, unsigned access, bool deny,
		      bool optional, struct ward_loc loc, const char *key, ward_error *err);
/* A glob (glob_is_pattern) for fs.deny or fs.read; policy_add_fs_key calls it. */
int policy_add_fs_glob(struct ward_policy *policy, const char *text, unsigned access, bool deny,
		       struct ward_loc loc, const char *key, ward_error *err);
int policy_add_net_key(struct ward_policy *policy, const char *text, bool deny, struct ward_loc loc,
		       const char *key, ward_error *err);
int policy_add_bind_key(struct ward_policy *policy, const char *text, struct ward_loc loc,
			const char *key, ward_error *err);
int policy_add_exec_key(struct ward_policy *policy, const char *path, bool deny,
			struct ward_loc loc, const char *key, ward_error *err);
int policy_add_unix_key(struct ward_policy *policy, const char *path, struct ward_loc loc,
			const char *key, ward_error *err);
int policy_set_limit_key(struct ward_policy *policy, enum ward_limit limit, const char *text,
			 struct ward_loc loc, const char *key, ward_error *err);
int policy_add_env_key(struct ward_policy *policy, const char *key_eq_value, struct ward_loc loc,
		       const char *key, ward_error *err);
int policy_add_unset_env_key(struct ward_policy *policy, const char *name, struct ward_loc loc,
			     const char *key, ward_error *err);
int policy_set_cwd_key(struct ward_policy *policy, const char *dir, struct ward_loc loc,
		       const char *key, ward_error *err);
int policy_set_hostname_key(struct ward_policy *policy, const char *name, struct ward_loc loc,
			    const char *key, ward_error *err);
int policy_add_degraded_key(struct ward_policy *policy, const char *layer, struct ward_loc loc,
			    const char *key, ward_error *err);
/* "net", "pid", "ipc", "uts", "user" → WARD_NS_*, 0 when unknown. */
unsigned policy_ns_from_name(const char *name);
/* The name of one WARD_NS_* bit, NULL when it is not exactly one known bit. */
const char *policy_ns_name(unsigned bit);
/* The YAML key of a limit: "memory", "pids", "cpu", "cpu_time", ... */
const char *policy_limit_name(enum ward_limit limit);

/* Moves everything SRC holds onto DST (rules appended, scalars SRC set
 * replace DST's, SET_MASK says which of mode/private_tmp/clean_env SRC set),
 * then validates the result. On any failure DST is exactly as before and SRC
 * still owns its contents; on success SRC is left empty. The caller frees
 * SRC in both cases. */
int policy_absorb(struct ward_policy *dst, struct ward_policy *src, unsigned set_mask,
		  ward_error *err);

#endif

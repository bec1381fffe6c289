/* policy_yaml.c — the YAML policy loader (libyaml document API): reads a
 * file or string into a fresh policy, follows "extends", then merges the
 * result into the caller's policy in one step. It must never half-apply a
 * file, accept a key it does not know, or report an error without the
 * FILE:LINE:COL and key it came from.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "core/cleanup.h"
#include "core/suggest.h"
#include "core/error.h"
#include "policy/policy_internal.h"
#include "supervisor/supervisor.h"

#define POLICY_MAX_BYTES (1u << 20)
#define EXTENDS_MAX_DEPTH 8

struct exec_entry;

/* An fs list item written as a mapping: {path: ..., optional: ...}. */
struct fs_entry {
	const char *path;
	struct ward_loc loc;
	bool optional;
};

struct loader {
	struct ward_policy *root;   /* the caller's policy: holds the extends stack */
	struct ward_policy *policy; /* the fresh policy this file loads into */
	yaml_document_t *doc;
	const char *origin; /* interned in POLICY */
	const char *dir;    /* for relative extends; NULL: the working directory */
	unsigned depth;
	unsigned set_mask;	       /* POLICY_SET_* this file (or what it extends) set */
	unsigned char *seen;	       /* per node: visited once already (an alias) */
	struct fs_entry *entry;	       /* the fs item mapping being read */
	struct exec_entry *exec_entry; /* the exec item mapping being read */
	ward_error *err;
};

static int load_buffer(struct ward_policy *root, struct ward_policy *target, const char *buf,
		       size_t len, const char *origin, const char *dir, unsigned depth,
		       unsigned *set_mask_out, ward_error *err);

static struct ward_loc node_loc(const struct loader *ld, const yaml_node_t *node)
{
	return (struct ward_loc){
		.file = ld->origin,
		.line = (unsigned)node->start_mark.line + 1,
		.column = (unsigned)node->start_mark.column + 1,
	};
}

static const char *node_kind(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* Fetches node INDEX, refusing a second visit: only an alias reaches a node
 * twice, and expanding aliases lets a small file cost exponential time. */
static int get_node(struct loader *ld, int index, const struct ward_loc *at, const char *key,
		    yaml_node_t **out)
{
	yaml_node_t *node = yaml_document_get_node(ld->doc, index);
	size_t slot = (size_t)(index - 1);

	if (!node)
		return policy_fail_at(ld->err, *at, key, "malformed YAML document");
	if (ld->seen[slot]) /* named where the alias is used, not where it points */
		return policy_fail_at(ld->err, *at, key,
				      "YAML aliases (*name) are not supported in policies");
	ld->seen[slot] = 1;
	*out = node;
	return 0;
}

static bool is_null(const yaml_node_t *node)
{
	if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)node->data.scalar.value;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

static int expect_type(struct loader *ld, const yaml_node_t *node, yaml_node_type_t type,
		       const char *key)
{
	static const char *const wanted[] = {
		[YAML_SCALAR_NODE] = "a value",
		[YAML_SEQUENCE_NODE] = "a list",
		[YAML_MAPPING_NODE] = "a mapping",
	};
	if (node->type == type)
		return 0;
	return policy_fail_at(ld->err, node_loc(ld, node), key, "expected %s, got %s", wanted[type],
			      node_kind(node));
}

/* A scalar's text, refusing embedded NULs (a C string would silently end). */
static int scalar_text(struct loader *ld, const yaml_node_t *node, const char *key,
		       const char **out)
{
	int r = expect_type(ld, node, YAML_SCALAR_NODE, key);
	if (r < 0)
		return r;
	if (is_null(node))
		return policy_fail_at(ld->err, node_loc(ld, node), key, "missing value");
	const char *text = (const char *)node->data.scalar.value;
	if (strlen(text) != node->data.scalar.length)
		return policy_fail_at(ld->err, node_loc(ld, node), key,
				      "value contains a NUL byte");
	*out = text;
	return 0;
}

static int scalar_bool(struct loader *ld, const yaml_node_t *node, const char *key, bool *out)
{
	static const char *const truths[] = {"true", "yes", "on"};
	static const char *const lies[] = {"false", "no", "off"};
	const char *text;
	int r = scalar_text(ld, node, key, &text);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(truths); i++) {
		if (strcasecmp(text, truths[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(text, lies[i]) == 0)
			return *out = false, 0;
	}
	return policy_fail_at(ld->err, node_loc(ld, node), key, "expected true or false, got '%s'",
			      text);
}

/* ---- mappings with a fixed set of keys ---- */

typedef int (*value_fn)(struct loader *ld, yaml_node_t *value, const char *key);

struct key_handler {
	const char *name;
	value_fn fn;
};

static void join_keys(char *out, size_t size, const char *parent, const char *name)
{
	if (parent)
		snprintf(out, size, "%s.%s", parent, name);
	else
		snprintf(out, size, "%s", name);
}

/* Walks mapping NODE (named PARENT, NULL at the top): every key must be a
 * known, unique scalar; each value goes to its handler under "parent.key". */
static int walk_mapping(struct loader *ld, yaml_node_t *node, const char *parent,
			const struct key_handler *handlers, size_t count)
{
	int r = expect_type(ld, node, YAML_MAPPING_NODE, parent);
	if (r < 0)
		return r;
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		struct ward_loc here = node_loc(ld, node);
		yaml_node_t *key_node, *value;
		const char *name;
		char path[128];

		r = get_node(ld, pair->key, &here, parent, &key_node);
		if (r < 0)
			return r;
		here = node_loc(ld, key_node);
		if (key_node->type != YAML_SCALAR_NODE)
			return policy_fail_at(ld->err, here, parent, "a key must be a name, got %s",
					      node_kind(key_node));
		name = (const char *)key_node->data.scalar.value;
		for (yaml_node_pair_t *prev = node->data.mapping.pairs.start; prev < pair; prev++) {
			yaml_node_t *prev_key = yaml_document_get_node(ld->doc, prev->key);
			if (prev_key->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)prev_key->data.scalar.value, name) == 0)
				return policy_fail_at(ld->err, here, parent,
						      "duplicate key '%s' (first at line %zu)",
						      name, prev_key->start_mark.line + 1);
		}
		size_t i = 0;
		while (i < count && strcmp(handlers[i].name, name) != 0)
			i++;
		if (i == count) {
			char expected[300] = "";
			const char *names[32];
			size_t nnames = 0;
			for (size_t k = 0; k < count; k++) {
				strncat(expected, k ? ", " : "",
					sizeof(expected) - strlen(expected) - 1);
				strncat(expected, handlers[k].name,
					sizeof(expected) - strlen(expected) - 1);
				if (nnames < ARRAY_SIZE(names))
					names[nnames++] = handlers[k].name;
			}
			const char *guess = suggest_closest(name, names, nnames);
			if (guess)
				return policy_fail_at(ld->err, here, parent,
						      "unknown key '%s'; did you mean '%s'? "
						      "(expected one of: %s)",
						      name, guess, expected);
			return policy_fail_at(ld->err, here, parent,
					      "unknown key '%s' (expected one of: %s)", name,
					      expected);
		}
		join_keys(path, sizeof(path), parent, name);
		r = get_node(ld, pair->value, &here, path, &value);
		if (r < 0)
			return r;
		r = handlers[i].fn(ld, value, path);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Calls FN on each item of list NODE (null: an empty list) as "key[i]". */
static int walk_list(struct loader *ld, yaml_node_t *node, const char *key,
		     int (*fn)(struct loader *ld, yaml_node_t *item, const char *key, void *arg),
		     void *arg)
{
	if (is_null(node))
		return 0;
	int r = expect_type(ld, node, YAML_SEQUENCE_NODE, key);
	if (r < 0)
		return r;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		struct ward_loc here = node_loc(ld, node);
		char item_key[160];
		yaml_node_t *item;

		snprintf(item_key, sizeof(item_key), "%s[%td]", key,
			 it - node->data.sequence.items.start);
		r = get_node(ld, *it, &here, item_key, &item);
		if (r < 0)
			return r;
		r = fn(ld, item, item_key, arg);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- version, extends, mode, allow_degraded ---- */

static int on_version(struct loader *ld, yaml_node_t *value, const char *key)
{
	const char *text;
	int r = scalar_text(ld, value, key, &text);
	if (r < 0)
		return r;
	if (strcmp(text, "1") != 0)
		return policy_fail_at(ld->err, node_loc(ld, value), key,
				      "unsupported version '%s' (only 1 is known)", text);
	return 0;
}

static bool names_a_file(const char *name)
{
	size_t len = strlen(name);
	return strchr(name, '/') || (len > 5 && strcmp(name + len - 5, ".yaml") == 0) ||
	       (len > 4 && strcmp(name + len - 4, ".yml") == 0);
}

static int push_loading(struct ward_policy *root, const char *id, struct ward_loc at,
			const char *key, ward_error *err)
{
	VEC_FOREACH(&root->loading, it)
	{
		if (strcmp(*it, id) == 0)
			return policy_fail_at(err, at, key,
					      "extends cycle: '%s' is already being loaded", id);
	}
	char *copy = strdup(id);
	if (!copy || VEC_PUSH(&root->loading, copy) < 0) {
		free(copy);
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

static void pop_loading(struct ward_policy *root)
{
	free(root->loading.items[--root->loading.len]);
}

static int read_policy_file(const char *path, char **buf_out, size_t *len_out, int *errno_out,
			    bool *too_large)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	*too_large = false;
	if (fd < 0 || fstat(fd, &st) < 0)
		return *errno_out = errno, -1;
	/* A FIFO or a device could block forever or never end. */
	if (!S_ISREG(st.st_mode))
		return *errno_out = S_ISDIR(st.st_mode) ? EISDIR : EINVAL, -1;
	_cleanup_free_ char *buf = malloc(POLICY_MAX_BYTES + 1);
	size_t len = 0;
	if (!buf)
		return *errno_out = ENOMEM, -1;
	/* Read one byte past the limit: st_size may lie (procfs) or change. */
	while (len <= POLICY_MAX_BYTES) {
		ssize_t n = read(fd, buf + len, POLICY_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return *errno_out = errno, -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > POLICY_MAX_BYTES)
		return *too_large = true, -1;
	*buf_out = steal_ptr(buf);
	*len_out = len;
	return 0;
}

/* Loads file PATH onto TARGET. AT/KEY name the extends entry that asked for
 * it (KEY NULL for a top-level load, whose errors name the file itself). */
static int load_file(struct ward_policy *root, struct ward_policy *target, const char *path,
		     unsigned depth, struct ward_loc at, const char *key, unsigned *set_mask_out,
		     ward_error *err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char *dir = strdup(path);
	char canonical[PATH_MAX];
	size_t len = 0;
	int saved_errno = 0;
	bool too_large;
	int r;

	if (!dir)
		return ward_fail(err, -ENOMEM, "out of memory");
	if (!key)
		at = (struct ward_loc){.file = path};
	if (read_policy_file(path, &buf, &len, &saved_errno, &too_large) < 0) {
		if (too_large)
			return policy_fail_at(err, at, key, "policy file '%s' is larger than 1 MiB",
					      path);
		if (saved_errno == ENOMEM)
			return ward_fail(err, -ENOMEM, "out of memory");
		return policy_fail_at(err, at, key, "cannot read policy file '%s': %s", path,
				      saved_errno == EINVAL ? "not a regular file"
							    : strerror(saved_errno));
	}
	if (!realpath(path, canonical))
		snprintf(canonical, sizeof(canonical), "%s", path);
	r = push_loading(root, canonical, at, key, err);
	if (r < 0)
		return r;
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	r = load_buffer(root, target, buf, len, path, slash ? dir : NULL, depth, set_mask_out, err);
	pop_loading(root);
	return r;
}

static int extend_one(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	struct ward_loc at = node_loc(ld, item);
	unsigned mask = 0;
	const char *name;
	int r = scalar_text(ld, item, key, &name);

	if (r < 0)
		return r;
	if (ld->depth + 1 > EXTENDS_MAX_DEPTH)
		return policy_fail_at(ld->err, at, key, "extends nested more than %d deep",
				      EXTENDS_MAX_DEPTH);
	if (names_a_file(name)) {
		_cleanup_free_ char *path = NULL;
		if (name[0] != '/' && ld->dir) {
			if (asprintf(&path, "%s/%s", ld->dir, name) < 0)
				return ward_fail(ld->err, -ENOMEM, "out of memory");
		} else if (!(path = strdup(name))) {
			return ward_fail(ld->err, -ENOMEM, "out of memory");
		}
		r = load_file(ld->root, ld->policy, path, ld->depth + 1, at, key, &mask, ld->err);
	} else {
		const char *yaml = profile_yaml(name);
		char id[128];
		if (!yaml)
			return policy_fail_at(ld->err, at, key,
					      "unknown profile '%s' (known: default, minimal, "
					      "python, node, git, rust, go)",
					      name);
		snprintf(id, sizeof(id), "profile:%s", name);
		r = push_loading(ld->root, id, at, key, ld->err);
		if (r < 0)
			return r;
		r = load_buffer(ld->root, ld->policy, yaml, strlen(yaml), id, NULL, ld->depth + 1,
				&mask, ld->err);
		pop_loading(ld->root);
	}
	ld->set_mask |= mask;
	return r;
}

static int on_extends(struct loader *ld, yaml_node_t *value, const char *key)
{
	if (value->type == YAML_SCALAR_NODE)
		return extend_one(ld, value, key, NULL);
	return walk_list(ld, value, key, extend_one, NULL);
}

static int on_mode(struct loader *ld, yaml_node_t *value, const char *key)
{
	const char *text;
	int r = scalar_text(ld, value, key, &text);
	if (r < 0)
		return r;
	if (strcmp(text, "enforce") == 0)
		ld->policy->mode = WARD_MODE_ENFORCE;
	else if (strcmp(text, "audit") == 0)
		ld->policy->mode = WARD_MODE_AUDIT;
	else
		return policy_fail_at(ld->err, node_loc(ld, value), key,
				      "unknown mode '%s' (expected enforce or audit)", text);
	ld->set_mask |= POLICY_SET_MODE;
	return 0;
}

static int degraded_one(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	const char *text;
	int r = scalar_text(ld, item, key, &text);
	if (r < 0)
		return r;
	return policy_add_degraded_key(ld->policy, text, node_loc(ld, item), key, ld->err);
}

static int on_allow_degraded(struct loader *ld, yaml_node_t *value, const char *key)
{
	return walk_list(ld, value, key, degraded_one, NULL);
}

/* ---- fs ---- */

struct fs_list {
	unsigned access;
	bool deny;
};

static int fs_item_optional(struct loader *ld, yaml_node_t *value, const char *key);
static int fs_item_path(struct loader *ld, yaml_node_t *value, const char *key);

static int fs_one(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	const struct fs_list *list = arg;
	struct fs_entry entry = {.loc = node_loc(ld, item)};
	int r;

	if (item->type == YAML_MAPPING_NODE) {
		static const struct key_handler handlers[] = {
			{"path", fs_item_path},
			{"optional", fs_item_optional},
		};
		ld->entry = &entry;
		r = walk_mapping(ld, item, key, handlers, ARRAY_SIZE(handlers));
		ld->entry = NULL;
		if (r < 0)
			return r;
		if (!entry.path)
			return policy_fail_at(ld->err, entry.loc, key, "missing 'path'");
	} else {
		r = scalar_text(ld, item, key, &entry.path);
		if (r < 0)
			return r;
	}
	return policy_add_fs_key(ld->policy, entry.path, list->access, list->deny, entry.optional,
				 entry.loc, key, ld->err);
}

static int fs_item_path(struct loader *ld, yaml_node_t *value, const char *key)
{
	int r = scalar_text(ld, value, key, &ld->entry->path);
	if (r == 0)
		ld->entry->loc = node_loc(ld, value);
	return r;
}

static int fs_item_optional(struct loader *ld, yaml_node_t *value, const char *key)
{
	return scalar_bool(ld, value, key, &ld->entry->optional);
}

static int fs_list(struct loader *ld, yaml_node_t *value, const char *key, unsigned access,
		   bool deny)
{
	struct fs_list list = {.access = access, .deny = deny};
	return walk_list(ld, value, key, fs_one, &list);
}

static int on_fs_read(struct loader *ld, yaml_node_t *value, const char *key)
{
	return fs_list(ld, value, key, WARD_FS_READ, false);
}

static int on_fs_write(struct loader *ld, yaml_node_t *value, const char *key)
{
	return fs_list(ld, value, key, WARD_FS_READ | WARD_FS_WRITE, false);
}

static int on_fs_exec(struct loader *ld, yaml_node_t *value, const char *key)
{
	return fs_list(ld, value, key, WARD_FS_READ | WARD_FS_EXEC, false);
}

static int on_fs_deny(struct loader *ld, yaml_node_t *value, const char *key)
{
	return fs_list(ld, value, key, WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC, true);
}

static int on_private_tmp(struct loader *ld, yaml_node_t *value, const char *key)
{
	int r = scalar_bool(ld, value, key, &ld->policy->private_tmp);
	if (r == 0)
		ld->set_mask |= POLICY_SET_PRIVATE_TMP;
	return r;
}

static int on_tmp_size(struct loader *ld, yaml_node_t *value, const char *key)
{
	const char *text;
	int r = scalar_text(ld, value, key, &text);
	if (r < 0)
		return r;
	uint64_t bytes;
	if (parse_size(text, &bytes) < 0 || bytes < 4096)
		return policy_fail_at(ld->err, node_loc(ld, value), key,
				      "expected a size of at least 4K such as 512M or 2G, got '%s'",
				      text);
	ld->policy->tmp_size = bytes;
	return 0;
}

static int on_tmp_noexec(struct loader *ld, yaml_node_t *value, const char *key)
{
	return scalar_bool(ld, value, key, &ld->policy->tmp_noexec);
}

static int on_fs(struct loader *ld, yaml_node_t *value, const char *key)
{
	static const struct key_handler handlers[] = {
		{"read", on_fs_read},
		{"write", on_fs_write},
		{"exec", on_fs_exec},
		{"deny", on_fs_deny},
		{"private_tmp", on_private_tmp},
		{"tmp_size", on_tmp_size},
		{"tmp_noexec", on_tmp_noexec},
	};
	if (is_null(value))
		return 0;
	return walk_mapping(ld, value, key, handlers, ARRAY_SIZE(handlers));
}

/* ---- net ---- */

static int net_one(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	const char *text;
	int r = scalar_text(ld, item, key, &text);
	if (r < 0)
		return r;
	return policy_add_net_key(ld->policy, text, *(const bool *)arg, node_loc(ld, item), key,
				  ld->err);
}

static int on_net_allow(struct loader *ld, yaml_node_t *value, const char *key)
{
	bool deny = false;
	return walk_list(ld, value, key, net_one, &deny);
}

static int on_net_deny(struct loader *ld, yaml_node_t *value, const char *key)
{
	bool deny = true;
	return walk_list(ld, value, key, net_one, &deny);
}

static int bind_one(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	const char *text;
	int r = scalar_text(ld, item, key, &text);
	if (r < 0)
		return r;
	return policy_add_bind_key(ld->policy, text, node_loc(ld, item), key, ld->err);
}

static int on_net_bind(struct loader *ld, yaml_node_t *value, const char *key)
{
	return walk_list(ld, value, key, bind_one, NULL);
}

static int unix_one(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	(void)arg;
	const char *text;
	int r = scalar_text(ld, item, key, &text);
	if (r < 0)
		return r;
	return policy_add_unix_key(ld->policy, text, node_loc(ld, item), key, ld->err);
}

/* "unix: [PATH...]": pathname unix sockets (or directories of them) outside
 * the write grants that the sandbox may connect and send to. */
static int on_net_unix(struct loader *ld, yaml_node_t *value, const char *key)
{
	return walk_list(ld, value, key, unix_one, NULL);
}

/* "dns: true": name resolution to any resolver (UDP and TCP port 53);
 * without it only the names of host rules resolve (pinned at start). */
static int on_net_dns(struct loader *ld, yaml_node_t *value, const char *key)
{
	bool dns = false;
	int r = scalar_bool(ld, value, key, &dns);
	if (r < 0 || !dns)
		return r;
	struct ward_loc here = node_loc(ld, value);
	if ((r = policy_add_net_key(ld->policy, "udp://*:53", false, here, key, ld->err)) < 0)
		return r;
	return policy_add_net_key(ld->policy, "tcp://*:53", false, here, key, ld->err);
}

static int on_net(struct loader *ld, yaml_node_t *value, const char *key)
{
	static const struct key_handler handlers[] = {
		{"allow", on_net_allow},
		{"deny", on_net_deny},
		{"bind", on_net_bind},
		{"dns", on_net_dns},
		{"unix", on_net_unix},
	};
	if (is_null(value))
		return 0;
	return walk_mapping(ld, value, key, handlers, ARRAY_SIZE(handlers));
}

/* ---- exec ---- */

/* An exec list item written as a mapping: {argv: [...]} (a rule the
 * supervisor checks on every exec) or {path: ...} (the scalar form). */
struct exec_entry {
	const char *path;
	const char **patterns; /* point into the YAML document */
	size_t npatterns;
	bool has_argv;
	struct ward_loc loc; /* of the path or of the argv list */
};

static int exec_item_both(struct loader *ld, yaml_node_t *value, const char *key)
{
	return policy_fail_at(ld->err, node_loc(ld, value), key,
			      "an exec item has either 'path' or 'argv', not both");
}

static int exec_item_path(struct loader *ld, yaml_node_t *value, const char *key)
{
	struct exec_entry *entry = ld->exec_entry;
	if (entry->has_argv)
		return exec_item_both(ld, value, key);
	int r = scalar_text(ld, value, key, &entry->path);
	if (r == 0)
		entry->loc = node_loc(ld, value);
	return r;
}

static int argv_pattern(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	struct exec_entry *entry = arg;
	const char *text;
	int r = scalar_text(ld, item, key, &text);
	if (r < 0)
		return r;
	/* "" would match only an empty argument: almost surely a mistake. */
	if (!text[0])
		return policy_fail_at(ld->err, node_loc(ld, item), key,
				      "an argv pattern must not be empty");
	entry->patterns[entry->npatterns++] = text;
	return 0;
}

static int exec_item_argv(struct loader *ld, yaml_node_t *value, const char *key)
{
	struct exec_entry *entry = ld->exec_entry;
	if (entry->path)
		return exec_item_both(ld, value, key);
	if (is_null(value) || (value->type == YAML_SEQUENCE_NODE &&
			       value->data.sequence.items.top == value->data.sequence.items.start))
		return policy_fail_at(ld->err, node_loc(ld, value), key,
				      "an argv rule needs at least one pattern (the program)");
	int r = expect_type(ld, value, YAML_SEQUENCE_NODE, key);
	if (r < 0)
		return r;
	size_t count = (size_t)(value->data.sequence.items.top - value->data.sequence.items.start);
	entry->patterns = calloc(count, sizeof(*entry->patterns));
	if (!entry->patterns)
		return ward_fail(ld->err, -ENOMEM, "out of memory");
	entry->has_argv = true;
	entry->loc = node_loc(ld, value);
	return walk_list(ld, value, key, argv_pattern, entry);
}

/* The supervisor's adder names the location only; every loader error also
 * names its key, so the message is rebuilt with it. */
static int with_key(ward_error *err, int r, struct ward_loc loc, const char *key)
{
	char where[300], what[sizeof(err->message)];
	if (r != -EINVAL || !err)
		return r;
	size_t len = strlen(ward_loc_format(loc, where, sizeof(where)));
	const char *reason = err->message;
	if (strncmp(reason, where, len) == 0 && strncmp(reason + len, ": ", 2) == 0)
		reason += len + 2;
	snprintf(what, sizeof(what), "%s", reason);
	return policy_fail_at(err, loc, key, "%s", what);
}

static int exec_entry_add(struct loader *ld, const struct exec_entry *entry, yaml_node_t *item,
			  const char *key, bool deny)
{
	if (entry->has_argv) {
		char argv_key[200];
		snprintf(argv_key, sizeof(argv_key), "%s.argv", key);
		int r = policy_add_exec_argv_array(ld->policy, entry->patterns, entry->npatterns,
						   deny, entry->loc, ld->err);
		return with_key(ld->err, r, entry->loc, argv_key);
	}
	if (!entry->path)
		return policy_fail_at(ld->err, node_loc(ld, item), key, "missing 'argv' or 'path'");
	return policy_add_exec_key(ld->policy, entry->path, deny, entry->loc, key, ld->err);
}

static int exec_one(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	static const struct key_handler handlers[] = {
		{"argv", exec_item_argv},
		{"path", exec_item_path},
	};
	const bool deny = *(const bool *)arg;
	struct exec_entry entry = {.loc = node_loc(ld, item)};
	int r;

	if (item->type != YAML_MAPPING_NODE) {
		r = scalar_text(ld, item, key, &entry.path);
		return r < 0 ? r : exec_entry_add(ld, &entry, item, key, deny);
	}
	ld->exec_entry = &entry;
	r = walk_mapping(ld, item, key, handlers, ARRAY_SIZE(handlers));
	ld->exec_entry = NULL;
	if (r == 0)
		r = exec_entry_add(ld, &entry, item, key, deny);
	free(entry.patterns);
	return r;
}

static int on_exec_allow(struct loader *ld, yaml_node_t *value, const char *key)
{
	bool deny = false;
	return walk_list(ld, value, key, exec_one, &deny);
}

static int on_exec_deny(struct loader *ld, yaml_node_t *value, const char *key)
{
	bool deny = true;
	return walk_list(ld, value, key, exec_one, &deny);
}

static int on_exec(struct loader *ld, yaml_node_t *value, const char *key)
{
	static const struct key_handler handlers[] = {
		{"allow", on_exec_allow},
		{"deny", on_exec_deny},
	};
	if (is_null(value))
		return 0;
	return walk_mapping(ld, value, key, handlers, ARRAY_SIZE(handlers));
}

/* ---- limits ---- */

static int set_limit(struct loader *ld, yaml_node_t *value, const char *key, enum ward_limit limit)
{
	const char *text;
	int r = scalar_text(ld, value, key, &text);
	if (r < 0)
		return r;
	return policy_set_limit_key(ld->policy, limit, text, node_loc(ld, value), key, ld->err);
}

static int on_memory(struct loader *ld, yaml_node_t *value, const char *key)
{
	return set_limit(ld, value, key, WARD_LIMIT_MEMORY);
}

static int on_pids(struct loader *ld, yaml_node_t *value, const char *key)
{
	return set_limit(ld, value, key, WARD_LIMIT_PIDS);
}

static int on_cpu(struct loader *ld, yaml_node_t *value, const char *key)
{
	return set_limit(ld, value, key, WARD_LIMIT_CPU_PERCENT);
}

static int on_cpu_time(struct loader *ld, yaml_node_t *value, const char *key)
{
	return set_limit(ld, value, key, WARD_LIMIT_CPU_TIME);
}

static int on_nofile(struct loader *ld, yaml_node_t *value, const char *key)
{
	return set_limit(ld, value, key, WARD_LIMIT_NOFILE);
}

static int on_timeout(struct loader *ld, yaml_node_t *value, const char *key)
{
	return set_limit(ld, value, key, WARD_LIMIT_TIMEOUT_MS);
}

static int on_limits(struct loader *ld, yaml_node_t *value, const char *key)
{
	static const struct key_handler handlers[] = {
		{"memory", on_memory},	   {"pids", on_pids},	  {"cpu", on_cpu},
		{"cpu_time", on_cpu_time}, {"nofile", on_nofile}, {"timeout", on_timeout},
	};
	if (is_null(value))
		return 0;
	return walk_mapping(ld, value, key, handlers, ARRAY_SIZE(handlers));
}

/* ---- process ---- */

static int on_cwd(struct loader *ld, yaml_node_t *value, const char *key)
{
	const char *text;
	int r = scalar_text(ld, value, key, &text);
	if (r < 0)
		return r;
	return policy_set_cwd_key(ld->policy, text, node_loc(ld, value), key, ld->err);
}

static int on_clean_env(struct loader *ld, yaml_node_t *value, const char *key)
{
	int r = scalar_bool(ld, value, key, &ld->policy->clean_env);
	if (r == 0)
		ld->set_mask |= POLICY_SET_CLEAN_ENV;
	return r;
}

static int env_item(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	const char *text;
	int r = scalar_text(ld, item, key, &text);
	if (r < 0)
		return r;
	return policy_add_env_key(ld->policy, text, node_loc(ld, item), key, ld->err);
}

static int on_env(struct loader *ld, yaml_node_t *value, const char *key)
{
	if (is_null(value))
		return 0;
	if (value->type != YAML_MAPPING_NODE)
		return walk_list(ld, value, key, env_item, NULL);
	for (yaml_node_pair_t *pair = value->data.mapping.pairs.start;
	     pair < value->data.mapping.pairs.top; pair++) {
		struct ward_loc here = node_loc(ld, value);
		yaml_node_t *name_node, *value_node;
		const char *name, *text;
		_cleanup_free_ char *entry = NULL;
		int r = get_node(ld, pair->key, &here, key, &name_node);

		if (r < 0 || (r = scalar_text(ld, name_node, key, &name)) < 0)
			return r;
		here = node_loc(ld, name_node);
		for (yaml_node_pair_t *prev = value->data.mapping.pairs.start; prev < pair;
		     prev++) {
			yaml_node_t *prev_key = yaml_document_get_node(ld->doc, prev->key);
			if (strcmp((const char *)prev_key->data.scalar.value, name) == 0)
				return policy_fail_at(ld->err, here, key,
						      "duplicate key '%s' (first at line %zu)",
						      name, prev_key->start_mark.line + 1);
		}
		if (strchr(name, '='))
			return policy_fail_at(ld->err, here, key,
					      "bad environment variable name '%s'", name);
		r = get_node(ld, pair->value, &here, key, &value_node);
		if (r < 0)
			return r;
		/* An empty value is a real, empty variable, not a missing one. */
		if (value_node->type == YAML_SCALAR_NODE && is_null(value_node))
			text = "";
		else if ((r = scalar_text(ld, value_node, key, &text)) < 0)
			return r;
		if (asprintf(&entry, "%s=%s", name, text) < 0)
			return ward_fail(ld->err, -ENOMEM, "out of memory");
		r = policy_add_env_key(ld->policy, entry, here, key, ld->err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int unset_one(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	const char *text;
	int r = scalar_text(ld, item, key, &text);
	if (r < 0)
		return r;
	return policy_add_unset_env_key(ld->policy, text, node_loc(ld, item), key, ld->err);
}

static int on_unset_env(struct loader *ld, yaml_node_t *value, const char *key)
{
	return walk_list(ld, value, key, unset_one, NULL);
}

static int namespace_one(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	const char *text;
	int r = scalar_text(ld, item, key, &text);
	if (r < 0)
		return r;
	unsigned bit = !strcmp(text, "all") && arg ? WARD_NS_ALL : policy_ns_from_name(text);
	if (!bit)
		return policy_fail_at(
			ld->err, node_loc(ld, item), key,
			"unknown namespace '%s' (known: net, pid, ipc, uts, user, mount, cgroup%s)",
			text, arg ? ", all" : "");
	if (arg)
		ld->policy->ns_share |= bit;
	else
		ld->policy->ns_flags |= bit;
	return 0;
}

static int on_share_namespaces(struct loader *ld, yaml_node_t *value, const char *key)
{
	static int share;
	return walk_list(ld, value, key, namespace_one, &share);
}

static int on_isolate(struct loader *ld, yaml_node_t *value, const char *key)
{
	return scalar_bool(ld, value, key, &ld->policy->isolate);
}

static int on_namespaces(struct loader *ld, yaml_node_t *value, const char *key)
{
	return walk_list(ld, value, key, namespace_one, NULL);
}

static int on_hostname(struct loader *ld, yaml_node_t *value, const char *key)
{
	const char *text;
	int r = scalar_text(ld, value, key, &text);
	if (r < 0)
		return r;
	return policy_set_hostname_key(ld->policy, text, node_loc(ld, value), key, ld->err);
}

static int on_process(struct loader *ld, yaml_node_t *value, const char *key)
{
	static const struct key_handler handlers[] = {
		{"cwd", on_cwd},
		{"clean_env", on_clean_env},
		{"env", on_env},
		{"unset_env", on_unset_env},
		{"namespaces", on_namespaces},
		{"share_namespaces", on_share_namespaces},
		{"isolate", on_isolate},
		{"hostname", on_hostname},
	};
	if (is_null(value))
		return 0;
	return walk_mapping(ld, value, key, handlers, ARRAY_SIZE(handlers));
}

/* ---- env: {drop_secrets: BOOL, pass: [NAME...]} ---- */

static int on_drop_secrets(struct loader *ld, yaml_node_t *value, const char *key)
{
	int r = scalar_bool(ld, value, key, &ld->policy->drop_secret_env);
	if (r == 0)
		ld->set_mask |= POLICY_SET_DROP_SECRETS;
	return r;
}

static int pass_one(struct loader *ld, yaml_node_t *item, const char *key, void *arg)
{
	const char *text;
	int r = scalar_text(ld, item, key, &text);
	if (r < 0)
		return r;
	return policy_add_pass_env_key(ld->policy, text, node_loc(ld, item), key, ld->err);
}

static int on_pass_env(struct loader *ld, yaml_node_t *value, const char *key)
{
	return walk_list(ld, value, key, pass_one, NULL);
}

static int on_env_section(struct loader *ld, yaml_node_t *value, const char *key)
{
	static const struct key_handler handlers[] = {
		{"drop_secrets", on_drop_secrets},
		{"pass", on_pass_env},
	};
	if (is_null(value))
		return 0;
	return walk_mapping(ld, value, key, handlers, ARRAY_SIZE(handlers));
}

/* ---- kill_after: {denials: N, seconds: T} ---- */

static int kill_after_count(struct loader *ld, yaml_node_t *value, const char *key, uint64_t max,
			    uint32_t *out)
{
	const char *text;
	uint64_t n;
	int r = scalar_text(ld, value, key, &text);
	if (r < 0)
		return r;
	if (parse_count(text, max, &n) < 0)
		return policy_fail_at(ld->err, node_loc(ld, value), key,
				      "expected a whole number from 1 to %llu, got '%s'",
				      (unsigned long long)max, text);
	*out = (uint32_t)n;
	return 0;
}

static int on_kill_denials(struct loader *ld, yaml_node_t *value, const char *key)
{
	return kill_after_count(ld, value, key, 1000000, &ld->policy->kill_after.denials);
}

static int on_kill_seconds(struct loader *ld, yaml_node_t *value, const char *key)
{
	return kill_after_count(ld, value, key, 86400, &ld->policy->kill_after.seconds);
}

static int on_kill_after(struct loader *ld, yaml_node_t *value, const char *key)
{
	static const struct key_handler handlers[] = {
		{"denials", on_kill_denials},
		{"seconds", on_kill_seconds},
	};
	struct kill_after *ka = &ld->policy->kill_after;
	*ka = (struct kill_after){0};
	if (is_null(value))
		return 0;
	int r = walk_mapping(ld, value, key, handlers, ARRAY_SIZE(handlers));
	if (r < 0)
		return r;
	/* Half an escalation rule must not default silently to a kill. */
	if (!ka->denials || !ka->seconds)
		return policy_fail_at(ld->err, node_loc(ld, value), key,
				      "needs both denials and seconds");
	ka->set = true;
	ka->loc = node_loc(ld, value);
	return 0;
}

/* ---- quotas: {net_egress_bytes: 10M | {bytes: 10M, action: kill|freeze|report}} ---- */

static int quota_one(struct loader *ld, yaml_node_t *value, const char *key, const char *name)
{
	const char *size = NULL, *action = NULL;
	if (value->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *pair = value->data.mapping.pairs.start;
		     pair < value->data.mapping.pairs.top; pair++) {
			yaml_node_t *k = yaml_document_get_node(ld->doc, pair->key);
			yaml_node_t *v = yaml_document_get_node(ld->doc, pair->value);
			const char *kname = k && k->type == YAML_SCALAR_NODE
						    ? (const char *)k->data.scalar.value
						    : "";
			const char **slot = !strcmp(kname, "bytes") || !strcmp(kname, "time")
						    ? &size
					    : !strcmp(kname, "action") ? &action
								       : NULL;
			if (!slot)
				return policy_fail_at(ld->err, node_loc(ld, k ? k : value), key,
						      "unknown key '%s' (expected bytes or time, "
						      "action)",
						      kname);
			int r = scalar_text(ld, v, key, slot);
			if (r < 0)
				return r;
		}
	} else {
		int r = scalar_text(ld, value, key, &size);
		if (r < 0)
			return r;
	}
	return policy_set_quota(ld->policy, name, size, action, node_loc(ld, value), ld->err);
}

static int on_quota_egress(struct loader *ld, yaml_node_t *value, const char *key)
{
	return quota_one(ld, value, key, "net_egress_bytes");
}

static int on_quota_ingress(struct loader *ld, yaml_node_t *value, const char *key)
{
	return quota_one(ld, value, key, "net_ingress_bytes");
}

static int on_quota_cpu(struct loader *ld, yaml_node_t *value, const char *key)
{
	return quota_one(ld, value, key, "cpu_time");
}

static int on_quota_file_write(struct loader *ld, yaml_node_t *value, const char *key)
{
	return quota_one(ld, value, key, "file_write_bytes");
}

static int on_quotas(struct loader *ld, yaml_node_t *value, const char *key)
{
	static const struct key_handler handlers[] = {
		{"net_egress_bytes", on_quota_egress},
		{"net_ingress_bytes", on_quota_ingress},
		{"cpu_time", on_quota_cpu},
		{"file_write_bytes", on_quota_file_write},
	};
	if (is_null(value))
		return 0;
	return walk_mapping(ld, value, key, handlers, ARRAY_SIZE(handlers));
}

/* ---- the document ---- */

static int skip_extends(struct loader *ld, yaml_node_t *value, const char *key)
{
	return 0; /* applied before every other key: see load_document */
}

static int load_document(struct loader *ld, yaml_node_t *root)
{
	static const struct key_handler handlers[] = {
		{"version", on_version}, {"extends", skip_extends},
		{"mode", on_mode},	 {"allow_degraded", on_allow_degraded},
		{"fs", on_fs},		 {"net", on_net},
		{"exec", on_exec},	 {"limits", on_limits},
		{"process", on_process}, {"kill_after", on_kill_after},
		{"quotas", on_quotas},	 {"env", on_env_section},
	};
	int r;

	if (is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return policy_fail_at(ld->err, node_loc(ld, root), NULL,
				      "expected a mapping of policy keys at the top, got %s",
				      node_kind(root));
	/* "extends" is applied first wherever it is written, so this file's
	 * own keys always land on top of what it extends. */
	for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
	     pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(ld->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(ld->doc, pair->value);
		if (key && value && key->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)key->data.scalar.value, "extends") == 0) {
			r = on_extends(ld, value, "extends");
			if (r < 0)
				return r;
			break;
		}
	}
	return walk_mapping(ld, root, NULL, handlers, ARRAY_SIZE(handlers));
}

static int syntax_error(yaml_parser_t *parser, const char *origin, ward_error *err)
{
	struct ward_loc at = {
		.file = origin,
		.line = (unsigned)parser->problem_mark.line + 1,
		.column = (unsigned)parser->problem_mark.column + 1,
	};
	if (parser->error == YAML_MEMORY_ERROR)
		return ward_fail(err, -ENOMEM, "out of memory");
	if (parser->context)
		return policy_fail_at(err, at, NULL, "YAML syntax error: %s %s",
				      parser->problem ? parser->problem : "malformed input",
				      parser->context);
	return policy_fail_at(err, at, NULL, "YAML syntax error: %s",
			      parser->problem ? parser->problem : "malformed input");
}

static int parse_document(struct loader *ld, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	int r;

	if (!yaml_parser_initialize(&parser))
		return ward_fail(ld->err, -ENOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = syntax_error(&parser, ld->origin, ld->err);
		yaml_parser_delete(&parser);
		return r;
	}
	/* One document per policy: a second one would be silently ignored. */
	if (!yaml_parser_load(&parser, &extra)) {
		r = syntax_error(&parser, ld->origin, ld->err);
		goto out_doc;
	}
	yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
	if (extra_root) {
		r = policy_fail_at(ld->err, node_loc(ld, extra_root), NULL,
				   "more than one YAML document; a policy is one document");
		yaml_document_delete(&extra);
		goto out_doc;
	}
	yaml_document_delete(&extra);

	size_t nodes = (size_t)(doc.nodes.top - doc.nodes.start);
	ld->doc = &doc;
	ld->seen = calloc(nodes ? nodes : 1, 1);
	if (!ld->seen) {
		r = ward_fail(ld->err, -ENOMEM, "out of memory");
		goto out_doc;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	r = 0;
	if (root) {
		ld->seen[0] = 1;
		r = load_document(ld, root);
	}
	free(ld->seen);
	ld->seen = NULL;
	ld->doc = NULL;
out_doc:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
}

static int load_buffer(struct ward_policy *root, struct ward_policy *target, const char *buf,
		       size_t len, const char *origin, const char *dir, unsigned depth,
		       unsigned *set_mask_out, ward_error *err)
{
	struct ward_policy *fresh = ward_policy_new();
	int r;

	if (!fresh)
		return ward_fail(err, -ENOMEM, "out of memory");
	struct loader ld = {
		.root = root,
		.policy = fresh,
		.origin = policy_intern(fresh, origin),
		.dir = dir,
		.depth = depth,
		.err = err,
	};
	if (!ld.origin) {
		r = ward_fail(err, -ENOMEM, "out of memory");
	} else if (len > POLICY_MAX_BYTES) {
		r = policy_fail_at(err, (struct ward_loc){.file = ld.origin}, NULL,
				   "policy is larger than 1 MiB");
	} else {
		r = parse_document(&ld, buf, len);
		if (r == 0)
			r = policy_absorb(target, fresh, ld.set_mask, err);
	}
	if (r == 0 && set_mask_out)
		*set_mask_out |= ld.set_mask;
	ward_policy_free(fresh);
	return r;
}

int policy_load_yaml_file(struct ward_policy *policy, const char *path, ward_error *err)
{
	if (!path)
		return ward_fail(err, -EINVAL, "no policy file given");
	return load_file(policy, policy, path, 0, (struct ward_loc){0}, NULL, NULL, err);
}

int policy_load_yaml_string(struct ward_policy *policy, const char *yaml, size_t len,
			    const char *origin, ward_error *err)
{
	const char *name = origin ? origin : "<string>";
	bool is_profile = strncmp(name, "profile:", 8) == 0;
	int r;

	if (!yaml)
		return ward_fail(err, -EINVAL, "%s: no policy text given", name);
	/* A profile on the extends stack stops a profile that extends itself. */
	if (is_profile) {
		r = push_loading(policy, name, (struct ward_loc){.file = name}, NULL, err);
		if (r < 0)
			return r;
	}
	r = load_buffer(policy, policy, yaml, len, name, NULL, 0, NULL, err);
	if (is_profile)
		pop_loading(policy);
	return r;
}

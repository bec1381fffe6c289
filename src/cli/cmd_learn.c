/* cmd_learn.c — `ward learn [--out FILE] [POLICY] [OPTIONS] -- CMD`: runs CMD
 * as `ward run` would, but with the supervisor observing instead of
 * enforcing (ward_policy_set_learn) and with the files and the network open,
 * then writes the smallest YAML policy, on top of the same base, that lets
 * the same run pass under `ward run -p FILE`. It never grants /, HOME or a
 * private tmpfs root as a whole, and never writes a policy that does not
 * load: the result is loaded once before it is written.
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "core/vec.h"
#include "policy/policy.h"

struct learn_path {
	char *path;
	unsigned access; /* WARD_FS_* */
};

struct learn_peer {
	char proto[4];
	char address[46];
	unsigned port;
	unsigned port_hi; /* a range: its own server's ephemeral port (bind 0) */
	bool self;	  /* the port was held by a socket of the sandbox itself */
};

typedef VEC(struct learn_path) path_vec;
typedef VEC(struct learn_peer) peer_vec;

struct learn {
	const char *out_path;
	char **command;
	char cwd[PATH_MAX];
	const char *home; /* NULL when unset or "/"; no trailing slash */
	char home_buf[PATH_MAX];
	char home_real[PATH_MAX]; /* HOME with symlinks resolved, "" when the same */
	VEC(char *) bases;	  /* extends: profile names and absolute file paths */
	path_vec base_grants;	  /* what the base policy grants already */
	path_vec seen;		  /* observed paths, one per observation */
	peer_vec peers;		  /* connect / sendto destinations */
	peer_vec binds;
	VEC(char *) programs; /* executed files */
	unsigned events;
	bool started;
	unsigned skipped_pseudo, skipped_absent, skipped_scratch, skipped_readonly,
		skipped_unspellable;
};

static void learn_usage(FILE *out)
{
	fputs("usage: ward learn [--out FILE] [POLICY.yaml] [RUN OPTIONS] -- CMD [ARG...]\n"
	      "\n"
	      "Runs CMD observed, not confined: its files, network and programs are open to\n"
	      "it (the host's filesystem and network; the namespaces, limits and hardening\n"
	      "filter of the policy still apply), and every open, exec, connect and bind is\n"
	      "recorded. Then writes a YAML policy, extending the same base (the default\n"
	      "profile unless -p or --profile), that grants what the run used: files\n"
	      "collapsed to directories (the working directory as the project), network\n"
	      "destinations as seen (loopback apart), bound ports. Run it with\n"
	      "`ward run -p FILE -- CMD`.\n"
	      "\n"
	      "      --out FILE           where to write the policy (default: standard output,\n"
	      "                           after the command's own output)\n"
	      "  RUN OPTIONS are those of `ward run` (ward run --help).\n",
	      out);
}

static bool path_within(const char *path, const char *dir)
{
	size_t len = strlen(dir);
	if (len == 1 && dir[0] == '/')
		return path[0] == '/';
	return !strncmp(path, dir, len) && (path[len] == '/' || !path[len]);
}

/* The home PATH is beneath, as HOME spells it or as it resolves (a home
 * behind a symlink is seen both ways: the name the program used and the
 * file Landlock holds), or NULL. */
static const char *home_prefix(const struct learn *l, const char *path)
{
	if (l->home && path_within(path, l->home))
		return l->home;
	if (l->home_real[0] && path_within(path, l->home_real))
		return l->home_real;
	return NULL;
}

static void learn_base(bool is_file, const char *arg, void *ctx)
{
	struct learn *l = ctx;
	char resolved[PATH_MAX];
	const char *name = arg;
	if (is_file && realpath(arg, resolved))
		name = resolved;
	char *copy = strdup(name);
	if (copy && VEC_PUSH(&l->bases, copy) < 0)
		free(copy);
}

static int learn_fail(ward_error *err, const char *what)
{
	if (err->message[0] == '\0')
		snprintf(err->message, sizeof(err->message), "learn: %s", what);
	return err->code ? err->code : -EINVAL;
}

/* Records the base's grants (for what needs no new line), then opens the
 * world: every file, the network and any bind, observed by the supervisor. */
static int learn_prepare(ward_policy *policy, void *ctx, ward_error *err)
{
	struct learn *l = ctx;
	VEC_FOREACH(&policy->fs, f)
	{
		if (f->deny)
			continue;
		struct learn_path g = {.path = strdup(f->path), .access = f->access};
		if (!g.path || VEC_PUSH(&l->base_grants, g) < 0) {
			free(g.path);
			return learn_fail(err, "out of memory");
		}
	}
	if (policy->cwd)
		snprintf(l->cwd, sizeof(l->cwd), "%s", policy->cwd);
	/* The base's grants give way to one grant of everything: narrower
	 * grants inside it would be carve-outs, which need mounts an
	 * unprivileged user cannot make in the host's mount namespace. Its
	 * denials stay: they are rules of the world the program runs in. */
	size_t kept = 0;
	for (size_t i = 0; i < policy->fs.len; i++) {
		if (policy->fs.items[i].deny)
			policy->fs.items[kept++] = policy->fs.items[i];
		else
			free(policy->fs.items[i].path);
	}
	policy->fs.len = kept;
	if (ward_policy_set_learn(policy, 1) < 0 ||
	    ward_policy_share(policy, WARD_NS_MOUNT | WARD_NS_NET) < 0 ||
	    ward_policy_set_origin(policy, "learn", err) < 0 ||
	    ward_policy_fs_allow(policy, "/", WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC, err) <
		    0 ||
	    ward_policy_net_allow(policy, "tcp://*", err) < 0 ||
	    ward_policy_net_allow(policy, "udp://*", err) < 0 ||
	    ward_policy_net_bind(policy, "1-65535", err) < 0 ||
	    /* and an ephemeral port, by bind(0) or listen() without bind */
	    ward_policy_net_bind(policy, "0", err) < 0)
		return learn_fail(err, "cannot open the world for observation");
	return 0;
}

static const char *field_string(json_object *obj, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(obj, key, &v) ? json_object_get_string(v) : NULL;
}

static void learn_event(const char *json, void *ctx)
{
	struct learn *l = ctx;
	/* Said once the run starts, not before a refusal. */
	if (!l->started && strstr(json, "\"type\":\"start\"")) {
		l->started = true;
		fprintf(stderr,
			"ward learn: observing, not enforcing: the program may read, write and "
			"run any file this user can and reach any address (the host's filesystem "
			"and network are shared); only the sandbox's world applies (namespaces, "
			"limits, the hardening filter)\n");
	}
	if (!strstr(json, "\"observe\""))
		return;
	json_object *obj = json_tokener_parse(json);
	const char *type = obj ? field_string(obj, "type") : NULL;
	const char *kind = obj ? field_string(obj, "kind") : NULL;
	if (!type || strcmp(type, "observe") || !kind)
		goto out;
	l->events++;
	if (!strcmp(kind, "fs")) {
		const char *path = field_string(obj, "path");
		json_object *acc;
		unsigned access = 0;
		if (!path || !json_object_object_get_ex(obj, "access", &acc))
			goto out;
		for (size_t i = 0; i < json_object_array_length(acc); i++) {
			const char *a = json_object_get_string(json_object_array_get_idx(acc, i));
			access |= !strcmp(a, "read")	? WARD_FS_READ
				  : !strcmp(a, "write") ? WARD_FS_WRITE
				  : !strcmp(a, "exec")	? WARD_FS_EXEC
							: 0;
		}
		struct learn_path p = {.path = strdup(path), .access = access};
		if (!p.path || VEC_PUSH(&l->seen, p) < 0)
			free(p.path);
	} else if (!strcmp(kind, "net") || !strcmp(kind, "bind")) {
		const char *proto = field_string(obj, "protocol");
		const char *address = field_string(obj, "address");
		json_object *port;
		if (!proto || !address || !json_object_object_get_ex(obj, "port", &port))
			goto out;
		json_object *self;
		struct learn_peer peer = {.port = (unsigned)json_object_get_int(port)};
		peer.self = json_object_object_get_ex(obj, "self", &self) &&
			    json_object_get_boolean(self);
		snprintf(peer.proto, sizeof(peer.proto), "%s", proto);
		snprintf(peer.address, sizeof(peer.address), "%s", address);
		if (VEC_PUSH(!strcmp(kind, "bind") ? &l->binds : &l->peers, peer) < 0) {
			/* out of memory: the policy will lack it, and the replay says so */
		}
	}
out:
	json_object_put(obj);
}

static int compare_paths(const void *a, const void *b)
{
	return strcmp(((const struct learn_path *)a)->path, ((const struct learn_path *)b)->path);
}

/* Sorts V by path and merges equal paths (access OR'd). */
static void merge_paths(struct learn_path *items, size_t *len)
{
	if (!*len)
		return;
	qsort(items, *len, sizeof(*items), compare_paths);
	size_t out = 0;
	for (size_t i = 1; i < *len; i++) {
		if (!strcmp(items[out].path, items[i].path)) {
			items[out].access |= items[i].access;
			free(items[i].path);
		} else {
			items[++out] = items[i];
		}
	}
	*len = out + 1;
}

static bool covered_by(const struct learn_path *grants, size_t n, const char *path, unsigned access,
		       const struct learn_path *self)
{
	for (size_t i = 0; i < n; i++)
		if (&grants[i] != self && path_within(path, grants[i].path) &&
		    (access & ~grants[i].access) == 0)
			return true;
	return false;
}

/* Directories that are never granted whole: the root, the home and every
 * directory holding it, the private tmpfs roots of the world, and the top
 * of the system's hierarchy, under any name: a symlink to one of them
 * (/var/run is /run; a home behind a symlink) is one of them too. */
static bool too_broad_name(const struct learn *l, const char *dir)
{
	static const char *const roots[] = {"/",      "/tmp", "/var/tmp", "/dev/shm", "/home",
					    "/usr",   "/var", "/etc",	  "/run",     "/mnt",
					    "/media", "/srv", "/opt",	  "/root",    "/nix"};
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!strcmp(dir, roots[i]))
			return true;
	/* The home, or a directory holding it. */
	return (l->home && path_within(l->home, dir)) ||
	       (l->home_real[0] && path_within(l->home_real, dir));
}

static bool too_broad(const struct learn *l, const char *dir)
{
	char real[PATH_MAX];
	return too_broad_name(l, dir) || (realpath(dir, real) && too_broad_name(l, real));
}

/* Whether PATH is in a filesystem the world makes itself (its own /proc,
 * /dev, no /sys): grants there are the profile's business. */
static bool pseudo_fs(const char *path)
{
	return path_within(path, "/proc") || path_within(path, "/sys") || path_within(path, "/dev");
}

/* The first COUNT components of PATH below BASE ("" base: from /) into OUT;
 * false when PATH has fewer. */
static bool components_below(const char *base, const char *path, int count, char *out, size_t size)
{
	size_t at = strlen(base);
	if (at == 1)
		at = 0;
	const char *p = path + at;
	for (int i = 0; i < count; i++) {
		if (*p != '/')
			return false;
		p += 1 + strcspn(p + 1, "/");
	}
	snprintf(out, size, "%.*s", (int)(p - path), path);
	return true;
}

/* The directory a grant for PATH should name: the project directory for
 * what is beneath it; a tool's own directory under the home (~/.X, or
 * ~/.config/X, ~/.cache/X, ~/.local/share/X) or under /opt, /srv, /nix/store;
 * else PATH's directory (PATH itself when a directory). Never one of
 * too_broad(): then PATH itself when it exists, or nothing. */
static bool collapse(const struct learn *l, const char *path, char *out, size_t size)
{
	struct stat st;
	bool exists = lstat(path, &st) == 0;
	bool dir = exists && S_ISDIR(st.st_mode);
	char anchor[PATH_MAX];
	if (too_broad(l, path))
		return false; /* "ls ~", "ls /": a listing never grants the tree */
	if (l->cwd[0] && !too_broad(l, l->cwd) && path_within(path, l->cwd)) {
		snprintf(out, size, "%s", l->cwd);
		return true;
	}
	anchor[0] = '\0';
	const char *home = home_prefix(l, path);
	if (home) {
		char first[PATH_MAX];
		if (components_below(home, path, 1, first, sizeof(first))) {
			const char *name = first + strlen(home) + 1;
			int depth = !strcmp(name, ".config") || !strcmp(name, ".cache") ? 2
				    : !strcmp(name, ".local")				? 3
											: 1;
			if (!components_below(home, path, depth, anchor, sizeof(anchor)) ||
			    !strcmp(anchor, path))
				anchor[0] = '\0'; /* a file of the home itself, e.g. ~/.gitconfig */
		}
	} else if (path_within(path, "/nix/store")) {
		components_below("/", path, 3, anchor, sizeof(anchor));
	} else if (path_within(path, "/opt") || path_within(path, "/srv")) {
		components_below("/", path, 2, anchor, sizeof(anchor));
	}
	if (!anchor[0] || !strcmp(anchor, path)) {
		snprintf(anchor, sizeof(anchor), "%s", path);
		if (!dir) {
			char *slash = strrchr(anchor, '/');
			if (slash == anchor)
				anchor[1] = '\0';
			else if (slash)
				*slash = '\0';
		}
	}
	/* A grant must exist when loaded: a deleted directory's nearest parent. */
	while (!too_broad(l, anchor) && lstat(anchor, &st) < 0) {
		char *slash = strrchr(anchor, '/');
		if (!slash || slash == anchor)
			break;
		*slash = '\0';
	}
	if (too_broad(l, anchor)) {
		if (!exists || too_broad(l, path))
			return false;
		snprintf(out, size, "%s", path);
		return true;
	}
	snprintf(out, size, "%s", anchor);
	return true;
}

/* PATH with every symlink resolved; for a name that does not exist (any
 * more), its directory resolved and the name kept. */
static bool resolve(const char *path, char *out, size_t size)
{
	char buf[PATH_MAX];
	if (realpath(path, buf)) {
		snprintf(out, size, "%s", buf);
		return true;
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return false;
	*slash = '\0';
	if (!realpath(dir, buf))
		return false;
	return snprintf(out, size, "%s/%s", strcmp(buf, "/") ? buf : "", slash + 1) < (int)size;
}

/* The length of the UTF-8 sequence at P (1 for ASCII), 0 when it is not
 * valid UTF-8 (a stray byte, an overlong form, a surrogate): a YAML file is
 * UTF-8, and one such byte makes the whole policy fail to load. */
static size_t utf8_seq(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		lo = p[0] == 0xe0 ? 0xa0 : 0x80;
		hi = p[0] == 0xed ? 0x9f : 0xbf;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		lo = p[0] == 0xf0 ? 0x90 : 0x80;
		hi = p[0] == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static bool utf8_valid(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_seq(p);
		if (!n)
			return false;
		p += n;
	}
	return true;
}

static int add_candidate(struct learn *l, path_vec *cands, const char *path, unsigned access)
{
	char *dir = NULL;
	if (pseudo_fs(path)) {
		l->skipped_pseudo++;
		return 0;
	}
	/* A write inside what the base grants read-only (a cache beside a
	 * toolchain, a .pyc next to its module) is not granted: the base made
	 * that choice, and programs cope with EROFS there. */
	VEC_FOREACH(&l->base_grants, g)
	if ((access & WARD_FS_WRITE) && !(g->access & WARD_FS_WRITE) &&
	    path_within(path, g->path)) {
		access &= ~(unsigned)WARD_FS_WRITE;
		l->skipped_readonly++;
		break;
	}
	if (!access || covered_by(l->base_grants.items, l->base_grants.len, path, access, NULL))
		return 0;
	struct stat st;
	if (lstat(path, &st) < 0 && !(access & WARD_FS_WRITE)) {
		l->skipped_absent++; /* a lookup that failed in the learn run too */
		return 0;
	}
	char grant[PATH_MAX];
	if (!collapse(l, path, grant, sizeof(grant))) {
		l->skipped_scratch++;
		return 0;
	}
	/* A name no policy can spell: not UTF-8 (no YAML file holds it), or
	 * with a glob or variable character, which the loader would expand
	 * (a directory named "*" in ~/.config granting every one there) and cannot escape. */
	if (!utf8_valid(grant) || strpbrk(grant, "*?[$")) {
		l->skipped_unspellable++;
		return 0;
	}
	/* Beneath the resolved home: spelled as HOME, one grant for both. */
	if (l->home_real[0] && home_prefix(l, grant) == l->home_real) {
		char as_home[PATH_MAX];
		if (snprintf(as_home, sizeof(as_home), "%s%s", l->home,
			     grant + strlen(l->home_real)) < (int)sizeof(as_home))
			snprintf(grant, sizeof(grant), "%s", as_home);
	}
	/* A write creates and removes names: the grant is on the directory. */
	dir = strdup(grant);
	struct learn_path c = {.path = dir, .access = access};
	if (access & WARD_FS_WRITE)
		c.access |= WARD_FS_READ;
	if (!dir || VEC_PUSH(cands, c) < 0) {
		free(dir);
		return -ENOMEM;
	}
	return 0;
}

/* Text the program chose (a file name it executed) in a comment line: every
 * control and non-ASCII byte as \xNN, so that nothing can end the comment
 * (a newline, or NEL, LS and PS, which YAML counts as line breaks too) and
 * start a line of policy, such as "mode: audit". */
static void write_comment_text(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '\n')
			fputs("\\n", out);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
}

/* PATH as a double-quoted YAML scalar; beneath HOME as "~/..." when TILDE
 * (fs paths take it; extends: names a file as it is). Every byte survives:
 * controls are escaped (\xNN, the same code point), and so are the
 * characters YAML folds as line breaks (NEL, LS, PS) or may drop (BOM).
 * PATH must be valid UTF-8 (utf8_valid): no YAML spelling keeps other
 * bytes. */
static void yaml_quoted_as(FILE *out, const struct learn *l, const char *path, bool tilde)
{
	fputc('"', out);
	const char *home = tilde ? home_prefix(l, path) : NULL;
	if (home) {
		fputc('~', out);
		path += strlen(home);
	}
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '"' || *p == '\\') {
			fputc('\\', out);
			fputc(*p, out);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\x%02x", *p);
		} else if (p[0] == 0xc2 && p[1] == 0x85) {
			fputs("\\N", out);
			p++;
		} else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			fputs(p[2] == 0xa8 ? "\\L" : "\\P", out);
			p += 2;
		} else if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
			fputs("\\uFEFF", out);
			p += 2;
		} else {
			fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void yaml_quoted(FILE *out, const struct learn *l, const char *path)
{
	yaml_quoted_as(out, l, path, true);
}

static bool is_loopback(const char *address)
{
	return !strncmp(address, "127.", 4) || !strcmp(address, "::1");
}

static int compare_peers(const void *a, const void *b)
{
	const struct learn_peer *x = a, *y = b;
	int c = strcmp(x->proto, y->proto);
	if (!c)
		c = strcmp(x->address, y->address);
	return c ? c : (int)x->port - (int)y->port;
}

/* One "proto://addr:p1,p2" line per destination, loopback or not. */
static void write_peers(FILE *out, const struct learn *l, bool loopback)
{
	const struct learn_peer *p = l->peers.items;
	size_t n = l->peers.len;
	bool header = false;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		bool v6 = strchr(p[i].address, ':') != NULL;
		if (is_loopback(p[i].address) != loopback || !p[i].port) {
			i++;
			continue;
		}
		if (!header) {
			fprintf(out, "    %s\n",
				loopback ? "# loopback: services on this host"
					 : "# other hosts, as their addresses were seen (a name "
					   "resolved by DNS may change: write it as "
					   "tcp://NAME:PORT instead)");
			header = true;
		}
		fprintf(out, "    - \"%s://%s%s%s:", p[i].proto, v6 ? "[" : "", p[i].address,
			v6 ? "]" : "");
		unsigned last = 0;
		for (; j < n && !strcmp(p[j].proto, p[i].proto) &&
		       !strcmp(p[j].address, p[i].address);
		     j++) {
			if (!p[j].port || p[j].port == last)
				continue;
			if (p[j].port_hi)
				fprintf(out, "%s%u-%u", last ? "," : "", p[j].port, p[j].port_hi);
			else
				fprintf(out, "%s%u", last ? "," : "", p[j].port);
			last = p[j].port;
		}
		fputs("\"\n", out);
		i = j;
	}
}

static void write_list(FILE *out, const struct learn *l, const struct learn_path *g, size_t n,
		       const char *key, unsigned want, unsigned not_with)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if ((g[i].access & want) != want || (g[i].access & not_with))
			continue;
		if (!any)
			fprintf(out, "  %s:\n", key);
		any = true;
		fputs("    - ", out);
		yaml_quoted(out, l, g[i].path);
		if (l->cwd[0] && !strcmp(g[i].path, l->cwd))
			fputs("  # the project: the working directory of the learn run", out);
		fputc('\n', out);
	}
}

/* One argument in a comment line: quoted when it has blanks, and never a
 * raw newline or other byte that would end the comment and break the YAML
 * (write_comment_text). */
static void write_comment_word(FILE *out, const char *word)
{
	bool quote = !word[0] || strpbrk(word, " \t\n'\"\\$`;&|<>()*?") != NULL;
	fputs(quote ? " '" : " ", out);
	for (const char *p = word; *p; p++) {
		const char one[2] = {*p, '\0'};
		if (*p == '\'')
			fputs("'\\''", out);
		else
			write_comment_text(out, one);
	}
	if (quote)
		fputc('\'', out);
}

static void write_policy(FILE *out, const struct learn *l, const struct learn_path *g, size_t n)
{
	time_t now = time(NULL);
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	fputs("# written by ward learn", out);
	fprintf(out, " on %s from the run of:\n#  ", when);
	for (char **a = l->command; a && *a; a++)
		write_comment_word(out, *a);
	fprintf(out, "\n# (%u operations observed). Run it with: ward run -p FILE -- CMD\n",
		l->events);
	fputs("# Only what that run used is granted; review before trusting it.\n", out);
	fputs("extends:", out);
	if (l->bases.len == 1) {
		fputc(' ', out);
		yaml_quoted_as(out, l, l->bases.items[0], false);
		fputc('\n', out);
	} else {
		fputc('\n', out);
		VEC_FOREACH(&l->bases, b)
		{
			fputs("  - ", out);
			yaml_quoted_as(out, l, *b, false);
			fputc('\n', out);
		}
	}
	bool fs = false;
	for (size_t i = 0; i < n; i++)
		fs |= g[i].access != 0;
	if (fs) {
		fputs("fs:\n", out);
		/* read+write and read+exec are two items when both were used */
		write_list(out, l, g, n, "read", WARD_FS_READ, WARD_FS_WRITE | WARD_FS_EXEC);
		write_list(out, l, g, n, "write", WARD_FS_WRITE, 0);
		write_list(out, l, g, n, "exec", WARD_FS_EXEC, 0);
	}
	bool peers = false;
	VEC_FOREACH(&l->peers, p)
	peers |= p->port != 0;
	bool binds = false;
	VEC_FOREACH(&l->binds, b)
	binds |= !strcmp(b->proto, "tcp");
	if (peers || binds)
		fputs("net:\n", out);
	if (peers) {
		fputs("  allow:\n", out);
		write_peers(out, l, true);
		write_peers(out, l, false);
	}
	if (binds) {
		fputs("  bind: [", out);
		unsigned last = 0;
		bool first = true;
		VEC_FOREACH(&l->binds, b)
		{
			if (strcmp(b->proto, "tcp") || (!first && b->port == last))
				continue;
			fprintf(out, "%s%u", first ? "" : ", ", b->port);
			last = b->port;
			first = false;
		}
		fputs("]  # 0: an ephemeral port the kernel picks\n", out);
	}
	if (l->programs.len) {
		fputs("# programs it executed:\n", out);
		VEC_FOREACH(&l->programs, p)
		{
			fputs("#   ", out);
			write_comment_text(out, *p);
			fputc('\n', out);
		}
	}
	fprintf(out,
		"# not granted: %u paths in /proc, /sys or /dev (the sandbox has its own);\n"
		"#   %u names that did not exist; %u scratch files directly in /tmp, the home\n"
		"#   or another top directory (private there, or too broad to grant);\n"
		"#   %u writes inside read-only grants of the base; %u names a policy cannot\n"
		"#   spell (not UTF-8, or with * ? [ $, which it expands): grant those by hand\n",
		l->skipped_pseudo, l->skipped_absent, l->skipped_scratch, l->skipped_readonly,
		l->skipped_unspellable);
}

/* A program that binds port 0 and then connects to itself on loopback
 * reaches a port the kernel picks anew at each run: such a destination is
 * written as the kernel's ephemeral range, loopback only. Only one the
 * supervisor saw held by the sandbox's own socket ("self"): a host service
 * that happens to listen on an ephemeral port stays its one port. */
static void widen_ephemeral_peers(struct learn *l)
{
	bool bound_any = false;
	VEC_FOREACH(&l->binds, b)
	bound_any |= b->port == 0;
	if (!bound_any)
		return;
	unsigned lo = 32768, hi = 60999; /* Linux's default ip_local_port_range */
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2 || lo == 0 || hi < lo || hi > 65535) {
			lo = 32768;
			hi = 60999;
		}
		fclose(f);
	}
	VEC_FOREACH(&l->peers, p)
	if (p->self && is_loopback(p->address) && p->port >= lo && p->port <= hi) {
		p->port = lo;
		p->port_hi = hi;
	}
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int learn_finish(int rc, bool ran, void *ctx)
{
	struct learn *l = ctx;
	if (!ran)
		return rc;
	path_vec cands = {0};
	merge_paths(l->seen.items, &l->seen.len);
	int r = 0;
	VEC_FOREACH(&l->seen, s)
	{
		char real[PATH_MAX];
		if ((s->access & WARD_FS_EXEC) && !pseudo_fs(s->path) &&
		    access(s->path, X_OK) == 0) {
			char *copy = strdup(s->path);
			if (copy && VEC_PUSH(&l->programs, copy) < 0)
				free(copy);
		}
		/* Landlock holds the file a name leads to; the world must hold
		 * the name itself too: both, when a symlink makes them differ. */
		if ((r = add_candidate(l, &cands, s->path, s->access)) < 0)
			break;
		if (resolve(s->path, real, sizeof(real)) && strcmp(real, s->path) &&
		    (r = add_candidate(l, &cands, real, s->access)) < 0)
			break;
	}
	if (l->programs.len)
		qsort(l->programs.items, l->programs.len, sizeof(char *), compare_strings);
	merge_paths(cands.items, &cands.len);
	/* Drop what a wider candidate already holds. */
	size_t kept = 0;
	for (size_t i = 0; i < cands.len; i++) {
		if (covered_by(cands.items, cands.len, cands.items[i].path, cands.items[i].access,
			       &cands.items[i]))
			cands.items[i].access = 0;
		else
			kept++;
	}
	widen_ephemeral_peers(l);
	if (l->peers.len)
		qsort(l->peers.items, l->peers.len, sizeof(*l->peers.items), compare_peers);
	if (l->binds.len)
		qsort(l->binds.items, l->binds.len, sizeof(*l->binds.items), compare_peers);

	if (r < 0) {
		rc = cli_error("learn: out of memory");
		goto out;
	}
	FILE *out = l->out_path ? fopen(l->out_path, "we") : stdout;
	if (!out) {
		rc = cli_error("learn: --out %s: %s", l->out_path, strerror(errno));
		goto out;
	}
	write_policy(out, l, cands.items, cands.len);
	if (out != stdout && fclose(out) != 0) {
		rc = cli_error("learn: writing %s: %s", l->out_path, strerror(errno));
		goto out;
	}
	fflush(stdout);
	/* What we wrote must load: a policy that fails later helps nobody. */
	if (l->out_path) {
		ward_policy *check = ward_policy_new();
		ward_error err = {0};
		if (!check || ward_policy_load_file(check, l->out_path, &err) < 0) {
			rc = cli_error("learn: the policy written to %s does not load (%s); this "
				       "is a bug of ward learn",
				       l->out_path, check ? err.message : "out of memory");
			ward_policy_free(check);
			goto out;
		}
		ward_policy_free(check);
		fprintf(stderr, "ward learn: %zu fs grants, %zu destinations; wrote %s\n", kept,
			l->peers.len, l->out_path);
	}
	if (rc != 0)
		fprintf(stderr,
			"ward learn: the command exited with %d: the policy covers what it did "
			"until then\n",
			rc);
out:
	VEC_FOREACH(&cands, c)
	free(c->path);
	VEC_FREE(&cands);
	return rc;
}

static void learn_free(struct learn *l)
{
	VEC_FOREACH(&l->bases, b)
	free(*b);
	VEC_FREE(&l->bases);
	VEC_FOREACH(&l->base_grants, g)
	free(g->path);
	VEC_FREE(&l->base_grants);
	VEC_FOREACH(&l->seen, s)
	free(s->path);
	VEC_FREE(&l->seen);
	VEC_FREE(&l->peers);
	VEC_FREE(&l->binds);
	VEC_FOREACH(&l->programs, p)
	free(*p);
	VEC_FREE(&l->programs);
}

int cmd_learn(int argc, char **argv)
{
	struct learn l = {0};
	const char *home = getenv("HOME");
	/* HOME as given, without trailing slashes ("/home/me/" is /home/me),
	 * and resolved: both spellings are the home, never granted whole. */
	if (home && home[0] == '/' &&
	    snprintf(l.home_buf, sizeof(l.home_buf), "%s", home) < (int)sizeof(l.home_buf)) {
		for (size_t len = strlen(l.home_buf); len > 1 && l.home_buf[len - 1] == '/'; len--)
			l.home_buf[len - 1] = '\0';
		if (strcmp(l.home_buf, "/"))
			l.home = l.home_buf;
	}
	if (l.home && (!realpath(l.home, l.home_real) || !strcmp(l.home_real, l.home) ||
		       !strcmp(l.home_real, "/")))
		l.home_real[0] = '\0';
	if (!getcwd(l.cwd, sizeof(l.cwd)))
		l.cwd[0] = '\0';
	/* --out is learn's own; everything else before "--" is ward run's. */
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return cli_error("out of memory");
	int n = 0;
	bool command = false;
	for (int i = 0; i < argc; i++) {
		if (!command && !strcmp(argv[i], "--"))
			command = true;
		if (command) {
			args[n++] = argv[i];
			continue;
		}
		if (!strcmp(argv[i], "--out") || !strcmp(argv[i], "-o")) {
			if (i + 1 >= argc) {
				free(args);
				return cli_error("learn: --out needs a file name (--out "
						 "policy.yaml)");
			}
			l.out_path = argv[++i];
		} else if (!strncmp(argv[i], "--out=", 6)) {
			l.out_path = argv[i] + 6;
		} else {
			args[n++] = argv[i];
		}
	}
	for (int i = 0; i < n; i++)
		if (!strcmp(args[i], "--")) {
			l.command = args + i + 1;
			break;
		}
	struct cli_run_hooks hooks = {
		.name = "learn",
		.usage = learn_usage,
		.base = learn_base,
		.prepare = learn_prepare,
		.event = learn_event,
		.finish = learn_finish,
		.ctx = &l,
	};
	int rc = cmd_run_with(n, args, &hooks);
	learn_free(&l);
	free(args);
	return rc;
}

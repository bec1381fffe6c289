/* exec_diagnose.c — why the command itself could not be executed, in terms
 * of the policy: the argv rule or denial that stopped it, or the grant that
 * is missing for it, its script interpreter or its dynamic loader, and the
 * flag that would allow it. Runs in ward (outside the sandbox) after the
 * child reported the failed exec; it only reads, and never changes what
 * was enforced: a wrong guess here can mislead but never open anything.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/env_source.h"
#include "core/cleanup.h"
#include "core/path_prefix.h"
#include "sandbox/sandbox.h"
#include "supervisor/supervisor.h"

/* Landlock judges the resolved file, so a grant holds when the path as
 * written or its resolution lies in it (grants are resolved as well). */
static bool in_exec_grant(const struct plan *plan, const char *path)
{
	char real[PATH_MAX];
	bool resolved = realpath(path, real) != NULL;
	VEC_FOREACH(&plan->fs_grants, g)
	{
		if (!(g->access & WARD_FS_EXEC))
			continue;
		char grant_real[PATH_MAX];
		const char *gp = realpath(g->path, grant_real) ? grant_real : g->path;
		if (path_within(path, g->path) || (resolved && path_within(real, gp)))
			return true;
	}
	return false;
}

/* "~/.pyenv/shims/python3" for a path under $HOME, else PATH itself. */
static const char *display_path(const char *path, char *buf, size_t size)
{
	const char *home = env_source_get("HOME");
	size_t n = home ? strlen(home) : 0;
	if (n > 1 && strncmp(path, home, n) == 0 && path[n] == '/') {
		snprintf(buf, size, "~%s", path + n);
		return buf;
	}
	return path;
}

/* The directory to grant so PATH runs: under $HOME the top directory
 * (~/.pyenv: shims exec the rest of the toolchain), else PATH's directory. */
static void grant_hint(const char *path, char *buf, size_t size)
{
	const char *home = env_source_get("HOME");
	size_t n = home ? strlen(home) : 0;
	if (n > 1 && strncmp(path, home, n) == 0 && path[n] == '/') {
		const char *rest = path + n + 1;
		const char *slash = strchr(rest, '/');
		if (slash) {
			snprintf(buf, size, "~/%.*s", (int)(slash - rest), rest);
			return;
		}
	}
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(slash - path), path);
	char shown[PATH_MAX];
	const char *d = display_path(buf, shown, sizeof(shown));
	if (d != buf)
		snprintf(buf, size, "%s", shown);
}

enum interp_kind { INTERP_NONE, INTERP_SCRIPT, INTERP_LOADER };

/* The interpreter of a "#!" script or the PT_INTERP of an ELF file, into
 * OUT; INTERP_NONE when PATH is neither or unreadable. */
static enum interp_kind read_interpreter(const char *path, char *out, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return INTERP_NONE;
	char head[256];
	ssize_t n = pread(fd, head, sizeof(head) - 1, 0);
	if (n < 4)
		return INTERP_NONE;
	head[n] = '\0';
	if (head[0] == '#' && head[1] == '!') {
		char *p = head + 2;
		p += strspn(p, " \t");
		size_t len = strcspn(p, " \t\n");
		if (!len || len >= size)
			return INTERP_NONE;
		snprintf(out, size, "%.*s", (int)len, p);
		return INTERP_SCRIPT;
	}
	if (memcmp(head, ELFMAG, SELFMAG) != 0 || head[EI_CLASS] != ELFCLASS64 ||
	    (size_t)n < sizeof(Elf64_Ehdr))
		return INTERP_NONE;
	Elf64_Ehdr eh;
	memcpy(&eh, head, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum && i < 64; i++) {
		Elf64_Phdr ph;
		off_t at = (off_t)eh.e_phoff + (off_t)i * eh.e_phentsize;
		if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph))
			return INTERP_NONE;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz >= size)
			return INTERP_NONE;
		if (pread(fd, out, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
			return INTERP_NONE;
		out[ph.p_filesz - 1] = '\0';
		return INTERP_LOADER;
	}
	return INTERP_NONE;
}

static const char *loc_text(struct ward_loc loc, char *buf, size_t size)
{
	return ward_loc_format(loc, buf, size);
}

/* A denial rule (fs or exec) that covers PATH, or NULL. */
static const char *deny_rule_for(const struct plan *plan, const char *path, char *buf, size_t size)
{
	char where[300];
	/* The exec denials first: they name the rule meant for it. */
	for (int exec = 1; exec >= 0; exec--) {
		VEC_FOREACH(&plan->path_denies, d)
		{
			if (d->exec != (bool)exec || !(d->access & WARD_FS_EXEC) ||
			    !path_within(path, d->path))
				continue;
			snprintf(buf, size, "denied by '%s deny %s' (%s)", d->exec ? "exec" : "fs",
				 d->path, loc_text(d->loc, where, sizeof(where)));
			return buf;
		}
	}
	return NULL;
}

bool exec_diagnose(const struct plan *plan, const char *exec_path, char *const argv[], int error,
		   char *out, size_t size)
{
	char abs[PATH_MAX], shown[PATH_MAX], hint[PATH_MAX], rule[PATH_MAX + 400];
	const char *path = exec_path;
	if (exec_path[0] != '/' && realpath(exec_path, abs))
		path = abs;
	const char *name = display_path(path, shown, sizeof(shown));
	struct stat st;
	bool exists = stat(path, &st) == 0;

	/* Only an argv rule the plan gave the supervisor can have denied it. */
	if (plan && plan->sup_rules.exec_argv.len && (error == EACCES || error == EPERM)) {
		size_t argc = 0;
		while (argv[argc])
			argc++;
		const struct exec_argv_rule *r =
			exec_argv_first_match(&plan->sup_rules, path, argv, argc);
		if (r && r->deny) {
			char where[300];
			snprintf(out, size,
				 "cannot execute %s: denied by the exec rule '%s' (%s; see ward "
				 "check --explain)",
				 name, r->text, loc_text(r->loc, where, sizeof(where)));
			return true;
		}
	}
	/* With a private root (namespaces), what is not granted is not there:
	 * ENOENT for a file that exists outside means "not granted". */
	if (!exists || !(error == EACCES || error == EPERM || error == ENOENT))
		goto plain;
	if (deny_rule_for(plan, path, rule, sizeof(rule))) {
		snprintf(out, size, "cannot execute %s: %s", name, rule);
		return true;
	}
	if (!in_exec_grant(plan, path)) {
		grant_hint(path, hint, sizeof(hint));
		snprintf(out, size,
			 "cannot execute %s: not inside any exec grant (add -x %s, or see ward "
			 "check --explain)",
			 name, hint);
		return true;
	}
	char interp[PATH_MAX];
	enum interp_kind kind = read_interpreter(path, interp, sizeof(interp));
	if (kind != INTERP_NONE) {
		const char *what = kind == INTERP_SCRIPT ? "its interpreter" : "its dynamic loader";
		char interp_shown[PATH_MAX];
		const char *iname = display_path(interp, interp_shown, sizeof(interp_shown));
		if (access(interp, F_OK) < 0) {
			snprintf(out, size, "cannot execute %s: %s %s does not exist", name, what,
				 iname);
			return true;
		}
		if (deny_rule_for(plan, interp, rule, sizeof(rule))) {
			snprintf(out, size, "cannot execute %s: %s %s is %s", name, what, iname,
				 rule);
			return true;
		}
		if (!in_exec_grant(plan, interp)) {
			grant_hint(interp, hint, sizeof(hint));
			snprintf(out, size,
				 "cannot execute %s: %s %s is not inside any exec grant (add -x "
				 "%s, or see ward check --explain)",
				 name, what, iname, hint);
			return true;
		}
	}
plain:
	snprintf(out, size, "cannot execute %s: %s", name, strerror(error));
	return false;
}

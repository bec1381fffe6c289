/* sup_policy.c — the pure argv matcher of the exec argv rules the plan
 * placed on the supervisor (the rule data and its API: policy/sup_rules.c).
 */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "supervisor/supervisor.h"

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* argv[0] is chosen by the caller, so the program pattern also tries the
 * executed file's name: "git" matches execve("/usr/bin/git", ["x", ...]). */
static bool program_matches(const char *pattern, const char *path, const char *arg0)
{
	if (arg0 && (fnmatch(pattern, arg0, 0) == 0 || fnmatch(pattern, base_name(arg0), 0) == 0))
		return true;
	return path &&
	       (fnmatch(pattern, path, 0) == 0 || fnmatch(pattern, base_name(path), 0) == 0);
}

const struct exec_argv_rule *exec_argv_first_match(const struct sup_policy *sp, const char *path,
						   char *const *argv, size_t argc)
{
	if (!sp)
		return NULL;
	VEC_FOREACH(&sp->exec_argv, rule)
	{
		if (rule->npatterns > argc && !(argc == 0 && rule->npatterns == 1))
			continue;
		if (!program_matches(rule->patterns[0], path, argc ? argv[0] : NULL))
			continue;
		size_t i = 1;
		while (i < rule->npatterns && fnmatch(rule->patterns[i], argv[i], 0) == 0)
			i++;
		if (i == rule->npatterns)
			return rule;
	}
	return NULL;
}

bool exec_is_dynamic_loader(const char *name)
{
	const char *base = base_name(name);
	return fnmatch("ld-linux*.so*", base, 0) == 0 || fnmatch("ld-*.so*", base, 0) == 0 ||
	       strcmp(base, "ld.so") == 0;
}

size_t exec_ldso_program_index(char *const *argv, size_t argc)
{
	/* glibc's ld.so options; those that take a value take the next word. */
	static const char *const with_value[] = {
		"--library-path",	  "--inhibit-rpath",	"--audit", "--preload", "--argv0",
		"--glibc-hwcaps-prepend", "--glibc-hwcaps-mask"};
	for (size_t i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			return i;
		if (!strcmp(argv[i], "--"))
			return i + 1 < argc ? i + 1 : 0;
		for (size_t k = 0; k < ARRAY_SIZE(with_value); k++)
			if (!strcmp(argv[i], with_value[k]) && !strchr(argv[i], '=')) {
				i++;
				break;
			}
	}
	return 0;
}

/* Keeps the first deny any spelling matches, else the first match. */
static void consider(const struct exec_argv_rule **best, const struct exec_argv_rule *r)
{
	if (!r || (*best && (*best)->deny))
		return;
	if (!*best || r->deny)
		*best = r;
}

/* "git-push" executed as the file git: the words "git push". */
static void consider_dashed(const struct sup_policy *sp, const struct exec_argv_rule **best,
			    const char *real, const char *name, char *const *argv, size_t argc)
{
	const char *prog = base_name(real), *given = base_name(name);
	size_t len = strlen(prog);
	if (strncmp(given, prog, len) != 0 || given[len] != '-' || !given[len + 1] || argc > 4096)
		return;
	char **words = calloc(argc + 1, sizeof(char *));
	if (!words)
		return;
	words[0] = (char *)prog;
	words[1] = (char *)given + len + 1;
	for (size_t i = 1; i < argc; i++)
		words[i + 1] = argv[i];
	consider(best, exec_argv_first_match(sp, real, words, argc + 1));
	free(words);
}

const struct exec_argv_rule *exec_argv_match_identity(const struct sup_policy *sp, const char *path,
						      const struct exec_identity *id,
						      char *const *argv, size_t argc)
{
	const struct exec_argv_rule *best = NULL;
	consider(&best, exec_argv_first_match(sp, path, argv, argc));
	if (!id || !id->real)
		return best;
	consider(&best, exec_argv_first_match(sp, id->real, argv, argc));
	if (argc) {
		consider_dashed(sp, &best, id->real, argv[0], argv, argc);
		if (path)
			consider_dashed(sp, &best, id->real, path, argv, argc);
	}
	if (id->ldso_prog && id->ldso_prog < argc) {
		char *const *prog_argv = argv + id->ldso_prog;
		size_t prog_argc = argc - id->ldso_prog;
		const char *prog = id->ldso_real ? id->ldso_real : prog_argv[0];
		consider(&best, exec_argv_first_match(sp, prog_argv[0], prog_argv, prog_argc));
		consider(&best, exec_argv_first_match(sp, prog, prog_argv, prog_argc));
		consider_dashed(sp, &best, prog, prog_argv[0], prog_argv, prog_argc);
	}
	return best;
}

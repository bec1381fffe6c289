/* environ.c — the environment the sandboxed program sees (the plan's env
 * section), and finding the program on that environment's PATH. The order is: the caller's
 * environment (or a clean one), minus unset_env, minus secret-looking names unless passed
 * (env.drop_secrets, env.pass), plus env, plus HOME/TMPDIR for a private
 * directory unless env set them. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/env_source.h"
#include "sandbox/sandbox.h"

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

static size_t key_len(const char *entry)
{
	const char *eq = strchr(entry, '=');
	return eq ? (size_t)(eq - entry) : strlen(entry);
}

static bool same_key(const char *a, const char *b)
{
	size_t n = key_len(a);
	return n == key_len(b) && strncmp(a, b, n) == 0;
}

/* Replaces or appends ENTRY ("K=V", copied). */
static int env_put(char ***envp, size_t *len, const char *entry)
{
	char *copy = strdup(entry);
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < *len; i++) {
		if (same_key((*envp)[i], entry)) {
			free((*envp)[i]);
			(*envp)[i] = copy;
			return 0;
		}
	}
	char **grown = realloc(*envp, (*len + 2) * sizeof(char *));
	if (!grown) {
		free(copy);
		return -ENOMEM;
	}
	grown[(*len)++] = copy;
	grown[*len] = NULL;
	*envp = grown;
	return 0;
}

static void env_remove(char **envp, size_t *len, const char *key)
{
	for (size_t i = 0; i < *len; i++) {
		if (same_key(envp[i], key)) {
			free(envp[i]);
			memmove(&envp[i], &envp[i + 1], (*len - i) * sizeof(char *));
			(*len)--;
			i--;
		}
	}
}

static bool env_has(char **envp, size_t len, const char *key)
{
	for (size_t i = 0; i < len; i++)
		if (same_key(envp[i], key))
			return true;
	return false;
}

char **environ_build(const struct plan_env *env, const char *private_tmp)
{
	size_t len = 0;
	char **envp = calloc(1, sizeof(char *));
	if (!envp)
		return NULL;
	int r = 0;
	if (env->clean) {
		r = env_put(&envp, &len, "PATH=" DEFAULT_PATH);
	} else {
		for (char *const *e = env_source(); e && *e && r == 0; e++)
			r = env_put(&envp, &len, *e);
	}
	for (size_t i = 0; r == 0 && i < env->nunset; i++)
		env_remove(envp, &len, env->unset[i]);
	for (size_t i = 0; r == 0 && env->drop_secrets && i < len; i++) {
		if (plan_env_drops(env, envp[i], key_len(envp[i]))) {
			free(envp[i]);
			memmove(&envp[i], &envp[i + 1], (len - i) * sizeof(char *));
			len--;
			i--;
		}
	}
	bool user_home = false, user_tmpdir = false;
	for (size_t i = 0; r == 0 && i < env->nset; i++) {
		const char *kv = env->set[i];
		user_home |= same_key(kv, "HOME");
		user_tmpdir |= same_key(kv, "TMPDIR");
		r = env_put(&envp, &len, kv);
	}
	if (r == 0 && private_tmp) {
		size_t n = strlen(private_tmp) + 8;
		char *kv = malloc(n);
		if (!kv) {
			r = -ENOMEM;
		} else {
			if (!user_home) {
				snprintf(kv, n, "HOME=%s", private_tmp);
				r = env_put(&envp, &len, kv);
			}
			if (r == 0 && !user_tmpdir) {
				snprintf(kv, n, "TMPDIR=%s", private_tmp);
				r = env_put(&envp, &len, kv);
			}
			free(kv);
		}
	}
	if (r == 0 && !env_has(envp, len, "PATH"))
		r = env_put(&envp, &len, "PATH=" DEFAULT_PATH);
	if (r < 0) {
		environ_free(envp);
		return NULL;
	}
	return envp;
}

void environ_free(char **envp)
{
	for (char **e = envp; e && *e; e++)
		free(*e);
	free(envp);
}

static const char *env_get(char *const *envp, const char *key)
{
	size_t n = strlen(key);
	for (char *const *e = envp; e && *e; e++)
		if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

int environ_resolve_command(const char *file, char *const *envp, char *out, size_t size)
{
	if (!*file)
		return -ENOENT;
	if (strchr(file, '/')) {
		if (snprintf(out, size, "%s", file) >= (int)size)
			return -ENAMETOOLONG;
		return access(out, F_OK) == 0 ? 0 : -errno;
	}
	const char *path = env_get(envp, "PATH");
	if (!path)
		path = DEFAULT_PATH;
	int found_but_denied = 0;
	while (*path) {
		const char *end = strchrnul(path, ':');
		size_t dir_len = (size_t)(end - path);
		int n = dir_len ? snprintf(out, size, "%.*s/%s", (int)dir_len, path, file)
				: snprintf(out, size, "./%s", file);
		if (n > 0 && (size_t)n < size) {
			if (access(out, X_OK) == 0)
				return 0;
			/* Like the shell: a directory we cannot search hides
			 * nothing; a file we may see but not run is EACCES. */
			struct stat st;
			if (errno == EACCES && stat(out, &st) == 0)
				found_but_denied = 1;
		}
		path = *end ? end + 1 : end;
	}
	return found_but_denied ? -EACCES : -ENOENT;
}

char **environ_build_world(const struct plan_env *env)
{
	char **envp = environ_build(env, NULL);
	if (!envp)
		return NULL;
	size_t len = 0;
	while (envp[len])
		len++;
	bool user_tmpdir = false;
	for (size_t i = 0; i < env->nset; i++)
		user_tmpdir |= same_key(env->set[i], "TMPDIR");
	if (!user_tmpdir && env_put(&envp, &len, "TMPDIR=/tmp") < 0) {
		environ_free(envp);
		return NULL;
	}
	return envp;
}

const char *environ_get(char *const *envp, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], key, n) == 0 && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

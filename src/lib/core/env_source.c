/* env_source.c — the environment a spawn reads (see env_source.h). Never
 * writes any environment. */
#include <stdlib.h>
#include <string.h>

#include "core/env_source.h"

extern char **environ;

static __thread char *const *snapshot;

void env_source_use(char *const *envp)
{
	snapshot = envp;
}

char *const *env_source(void)
{
	return snapshot ? snapshot : environ;
}

const char *env_source_get(const char *key)
{
	if (!snapshot)
		return getenv(key);
	size_t n = strlen(key);
	for (char *const *e = snapshot; *e; e++)
		if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* env_source.h — which environment ward reads while it spawns: the
 * caller's snapshot (ward_spawn_config.envp) or this process's environ.
 * Per thread, so that a spawn reads one consistent environment and never
 * the live environ another thread may be changing (setenv reallocates it).
 */
#ifndef WARD_CORE_ENV_SOURCE_H
#define WARD_CORE_ENV_SOURCE_H

/* ENVP (NULL-terminated "K=V" strings, the caller's) for this thread until
 * env_source_use(NULL). */
void env_source_use(char *const *envp);
/* The environment to read: the snapshot in use, else environ. */
char *const *env_source(void);
/* KEY's value in env_source(), or NULL. */
const char *env_source_get(const char *key);

#endif

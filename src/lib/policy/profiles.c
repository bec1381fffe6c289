/* profiles.c — ward's built-in profiles as embedded YAML, loaded through the
 * same loader as user files (origin "profile:NAME"). A profile must never
 * grant more than its documented purpose (docs/policy.md lists each grant).
 */
#include <string.h>

#include "core/cleanup.h"
#include "policy/policy.h"

/* Enough of the system to run ordinary programs, with no network (lo
 * only), its own namespaces, root, /proc, /dev and private tmpfs /tmp,
 * /var/tmp, /dev/shm and HOME. Mode is left unset so "--audit" before it is not undone. */
static const char profile_default[] = "# ward built-in profile: default\n"
				      "fs:\n"
				      "  exec:\n"
				      "    - /usr\n"
				      "    - /bin\n"
				      "    - /sbin\n"
				      "    - /lib\n"
				      "    - {path: /lib32, optional: true}\n"
				      "    - {path: /lib64, optional: true}\n"
				      "    - {path: /libx32, optional: true}\n"
				      "    - /etc\n"
				      "  write:\n"
				      "    - /dev/null\n"
				      "    - /dev/zero\n"
				      "    - /dev/full\n"
				      "    - {path: /dev/tty, optional: true}\n"
				      "    - {path: /dev/pts, optional: true}\n"
				      "  read:\n"
				      "    - /dev/random\n"
				      "    - /dev/urandom\n"
				      "    - /proc\n"
				      "  private_tmp: true\n"
				      "process:\n"
				      "  isolate: true\n"
				      "limits:\n"
				      "  pids: 512\n";

/* Just enough to exec a dynamically linked binary from /usr. */
static const char profile_minimal[] = "# ward built-in profile: minimal\n"
				      "fs:\n"
				      "  exec:\n"
				      "    - /usr\n"
				      "    - /bin\n"
				      "    - /lib\n"
				      "    - {path: /lib64, optional: true}\n"
				      "  write:\n"
				      "    - /dev/null\n"
				      "process:\n"
				      "  isolate: true\n";

static const struct {
	const char *name;
	const char *yaml;
} profiles[] = {
	{"default", profile_default},
	{"minimal", profile_minimal},
};

static const char *const names[] = {"default", "minimal", NULL};

const char *profile_yaml(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(profiles); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return profiles[i].yaml;
	return NULL;
}

const char *const *profile_names(void)
{
	return names;
}

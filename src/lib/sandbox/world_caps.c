/* world_caps.c — the program starts with no capabilities, whatever ward's
 * own privilege: every set emptied, the bounding set too, so that neither
 * exec nor a file capability gives any back. Child side: system calls only.
 * A capability that cannot be dropped stops the child (never exec with it).
 */
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/world.h"

int world_drop_caps(void)
{
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which
	 * the capset below removes. Numbers past the kernel's last capability
	 * fail with EINVAL: that is the end of the set. */
	for (int cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;
			if (errno != EPERM)
				return -errno;
			/* EPERM: no CAP_SETPCAP, so an unprivileged caller in
			 * the host's user namespace: it holds no capability,
			 * and no_new_privs (next step) keeps exec from granting
			 * any from the bounding set. */
			break;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {{0}};
	if (syscall(SYS_capset, &header, data) < 0)
		return -errno;
	/* Keep none through a setuid-to-self either. */
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

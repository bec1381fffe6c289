/* seccomp_setid.c — no setuid or setgid file can be made in the sandbox.
 * A file planted with S_ISUID in a write grant keeps working outside, where
 * it runs with its owner's identity (ward run as root maps root to root), so
 * every call that sets a mode from a register refuses those bits, on every
 * host and whatever else the plan holds. openat2 carries its mode behind a
 * pointer seccomp cannot read: it fails with ENOSYS and libc falls back to
 * openat, which is checked. Device nodes are the same hole: a root program
 * that can mknod a block or character device (its disk, /dev/mem) into a
 * write grant with mode 0666 hands every local user raw access outside, so
 * mknod of S_IFBLK fails, and of S_IFCHR unless it is the 0:0 whiteout that
 * overlay tools make. Never fails open: a rule that cannot be added fails
 * the whole filter.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "layers/seccomp_internal.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

/* Flags that make open use its mode argument. */
static const uint64_t open_mode_flags[] = {O_CREAT, __O_TMPFILE};
static const uint64_t setid_bits[] = {S_ISUID, S_ISGID};

/* Syscalls whose mode is a register, and which argument it is. */
static const struct {
	int nr;
	const char *name;
	unsigned mode_arg;
	int flags_arg; /* -1: the mode always applies */
} mode_calls[] = {
	{SYS_chmod, "chmod", 1, -1},	   {SYS_fchmod, "fchmod", 1, -1},
	{SYS_fchmodat, "fchmodat", 2, -1}, {SYS_fchmodat2, "fchmodat2", 2, -1},
	{SYS_mkdir, "mkdir", 1, -1},	   {SYS_mkdirat, "mkdirat", 2, -1},
	{SYS_mknod, "mknod", 1, -1},	   {SYS_mknodat, "mknodat", 2, -1},
	{SYS_creat, "creat", 1, -1},	   {SYS_open, "open", 2, 1},
	{SYS_openat, "openat", 3, 2},
};

static struct scmp_arg_cmp masked_set(unsigned arg, uint64_t bit)
{
	return (struct scmp_arg_cmp){
		.arg = arg, .op = SCMP_CMP_MASKED_EQ, .datum_a = bit, .datum_b = bit};
}

/* One syscall's rules: its mode has the bit, and (for open) a flag that
 * makes the mode apply is set. libseccomp ANDs the comparisons of a rule. */
static int add_mode_call(scmp_filter_ctx ctx, uint32_t deny, int nr, unsigned mode_arg,
			 int flags_arg)
{
	int r;
	for (size_t b = 0; b < ARRAY_SIZE(setid_bits); b++) {
		struct scmp_arg_cmp mode = masked_set(mode_arg, setid_bits[b]);
		if (flags_arg < 0) {
			if ((r = seccomp_rule_add_array(ctx, deny, nr, 1, &mode)) < 0)
				return r;
			continue;
		}
		for (size_t f = 0; f < ARRAY_SIZE(open_mode_flags); f++) {
			struct scmp_arg_cmp args[] = {
				masked_set((unsigned)flags_arg, open_mode_flags[f]),
				mode,
			};
			if ((r = seccomp_rule_add_array(ctx, deny, nr, ARRAY_SIZE(args), args)) < 0)
				return r;
		}
	}
	return 0;
}

/* Device nodes: mknod's mode and dev are arguments 1 and 2, mknodat's 2
 * and 3. The kernel reads the mode's low 16 bits (S_IFMT is among them).
 * A dev with stray high bits is not 0 here: denied, never let through. */
static int add_device_rules(scmp_filter_ctx ctx, uint32_t deny, int nr, unsigned mode_arg)
{
	struct scmp_arg_cmp blk = {
		.arg = mode_arg, .op = SCMP_CMP_MASKED_EQ, .datum_a = S_IFMT, .datum_b = S_IFBLK};
	int r = seccomp_rule_add_array(ctx, deny, nr, 1, &blk);
	if (r < 0)
		return r;
	struct scmp_arg_cmp chr[] = {
		{.arg = mode_arg, .op = SCMP_CMP_MASKED_EQ, .datum_a = S_IFMT, .datum_b = S_IFCHR},
		{.arg = mode_arg + 1, .op = SCMP_CMP_NE, .datum_a = 0},
	};
	return seccomp_rule_add_array(ctx, deny, nr, ARRAY_SIZE(chr), chr);
}

int seccomp_add_setid_rules(scmp_filter_ctx ctx, uint32_t deny, ward_error *err)
{
	int r;
	for (size_t i = 0; i < ARRAY_SIZE(mode_calls); i++) {
		r = add_mode_call(ctx, deny, mode_calls[i].nr, mode_calls[i].mode_arg,
				  mode_calls[i].flags_arg);
		if (r < 0)
			return ward_fail_errno(err, r, "seccomp: cannot add the set-id rule for %s",
					       mode_calls[i].name);
	}
	if ((r = add_device_rules(ctx, deny, SYS_mknod, 1)) < 0 ||
	    (r = add_device_rules(ctx, deny, SYS_mknodat, 2)) < 0)
		return ward_fail_errno(err, r,
				       "seccomp: cannot add the device-node rule for mknod");
	/* ENOSYS even in audit mode, as for clone3: it denies nothing, libc
	 * retries with openat. */
	r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(ENOSYS), SYS_openat2, 0, NULL);
	if (r < 0)
		return ward_fail_errno(err, r, "seccomp: cannot add the rule for openat2");
	return 0;
}

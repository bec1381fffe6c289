/* seccomp_internal.h — pieces of ward's seccomp filter kept in their own
 * files (layers/seccomp.c assembles them). Each adds rules to CTX with the
 * deny action DENY and never fails open.
 */
#ifndef WARD_LAYERS_SECCOMP_INTERNAL_H
#define WARD_LAYERS_SECCOMP_INTERNAL_H

#include <seccomp.h>
#include <stdint.h>

#include "core/error.h"

/* seccomp_setid.c: S_ISUID/S_ISGID refused in every mode argument
 * (chmod family, mkdir, mknod, creat, open/openat with O_CREAT or
 * O_TMPFILE); openat2 fails with ENOSYS. */
int seccomp_add_setid_rules(scmp_filter_ctx ctx, uint32_t deny, ward_error *err);

#endif

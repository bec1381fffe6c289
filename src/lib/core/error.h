/* error.h — filling a ward_error: one formatted line and a negative errno.
 * Library code reports through these and returns; it never prints or exits.
 */
#ifndef WARD_CORE_ERROR_H
#define WARD_CORE_ERROR_H

#include "ward.h"

/* Sets ERR (may be NULL) and returns CODE (a negative errno) for tail calls:
 *   return ward_fail(err, -EINVAL, "%s:%d:%d: bad port '%s'", ...); */
int ward_fail(ward_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like ward_fail, appending ": strerror(-code)". */
int ward_fail_errno(ward_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void ward_error_clear(ward_error *err);

#endif

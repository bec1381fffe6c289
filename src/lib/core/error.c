/* error.c — formatting of ward_error messages. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 4, 0))) static int fail_v(ward_error *err, int code, int with_errno,
							const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	err->exit_status = WARD_EXIT_ERROR;
	int n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(err->message))
		snprintf(err->message + n, sizeof(err->message) - (size_t)n, ": %s",
			 strerror(-code));
	return code;
}

int ward_fail(ward_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int ward_fail_errno(ward_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(err, code, 1, fmt, ap);
	va_end(ap);
	return code;
}

void ward_error_clear(ward_error *err)
{
	if (err) {
		err->code = 0;
		err->exit_status = 0;
		err->message[0] = '\0';
	}
}

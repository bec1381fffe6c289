/* cleanup.h — the one ownership idiom of ward: cleanup attributes.
 * A variable declared _cleanup_free_ / _cleanup_close_ is released on every
 * path out of its scope; steal_ptr()/steal_fd() hand ownership onward.
 */
#ifndef WARD_CORE_CLEANUP_H
#define WARD_CORE_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))

#define steal_ptr(p)                            \
	({                                      \
		__typeof__(p) steal_tmp_ = (p); \
		(p) = NULL;                     \
		steal_tmp_;                     \
	})

#define steal_fd(fd)                   \
	({                             \
		int steal_tmp_ = (fd); \
		(fd) = -1;             \
		steal_tmp_;            \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif

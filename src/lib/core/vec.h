/* vec.h — a typed growable array, the one container ward's model uses.
 *   VEC(struct fs_rule) rules = {0};  VEC_PUSH(&rules, r) < 0 → -ENOMEM.
 */
#ifndef WARD_CORE_VEC_H
#define WARD_CORE_VEC_H

#include <errno.h>
#include <stdlib.h>

#define VEC(type)                \
	struct {                 \
		type *items;     \
		size_t len, cap; \
	}

int vec_grow_(void **items, size_t *cap, size_t need, size_t item_size);

#define VEC_PUSH(v, value)                                                                 \
	(vec_grow_((void **)&(v)->items, &(v)->cap, (v)->len + 1, sizeof(*(v)->items)) < 0 \
		 ? -ENOMEM                                                                 \
		 : ((v)->items[(v)->len++] = (value), 0))

#define VEC_FREE(v)                      \
	do {                             \
		free((v)->items);        \
		(v)->items = NULL;       \
		(v)->len = (v)->cap = 0; \
	} while (0)

#ifdef __CPPCHECK__ /* make lint: cppcheck cannot parse __typeof__ in a for */
#define VEC_FOREACH(v, it) \
	for (typeof((v)->items) it = (v)->items; it && it < (v)->items + (v)->len; it++)
#else
#define VEC_FOREACH(v, it) \
	for (__typeof__((v)->items + 0) it = (v)->items; it && it < (v)->items + (v)->len; it++)
#endif

#endif

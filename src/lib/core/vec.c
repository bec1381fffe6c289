/* vec.c — growth for vec.h arrays; overflow-checked. */
#include "core/vec.h"

#include <stdint.h>

int vec_grow_(void **items, size_t *cap, size_t need, size_t item_size)
{
	if (need <= *cap)
		return 0;
	size_t new_cap = *cap ? *cap * 2 : 8;
	while (new_cap < need)
		new_cap *= 2;
	if (new_cap > SIZE_MAX / item_size)
		return -ENOMEM;
	void *grown = realloc(*items, new_cap * item_size);
	if (!grown)
		return -ENOMEM;
	*items = grown;
	*cap = new_cap;
	return 0;
}

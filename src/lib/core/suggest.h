/* suggest.h — "did you mean": the closest of a few known words to a typo.
 * Pure (no allocation, no I/O), so the CLI's flags, the YAML loader's keys
 * and profile names share one notion of "close enough".
 */
#ifndef WARD_CORE_SUGGEST_H
#define WARD_CORE_SUGGEST_H

#include <stddef.h>

/* The optimal-string-alignment distance (insert, delete, substitute, swap
 * of neighbours) between A and B, capped at 255. */
unsigned suggest_distance(const char *a, const char *b);

/* The candidate closest to WORD when it is close enough to be the likely
 * intent (distance at most 1 for words of up to 4 characters, else at most
 * a third of WORD's length, at most 3), else a candidate of three or more
 * characters that WORD starts with ("netwrok" → "net"), or NULL. CANDIDATES ends with NULL
 * when COUNT is SIZE_MAX. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t count);

#endif

/* suggest.c — edit distance for "did you mean". Words here are flag and key
 * names (a few dozen bytes), so a two-row table on the stack is enough;
 * longer words are simply never suggested for. */
#include <string.h>

#include "core/suggest.h"

#define SUGGEST_MAX_LEN 64

unsigned suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return 255;
	/* Three rows: the swap of neighbours looks two rows back. */
	unsigned rows[3][SUGGEST_MAX_LEN + 1];
	unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		unsigned *spare = prev2;
		prev2 = prev;
		prev = cur;
		cur = spare;
	}
	return prev[lb] > 255 ? 255 : prev[lb];
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t count)
{
	size_t len = strlen(word);
	unsigned limit = len <= 4 ? 1 : (unsigned)(len / 3);
	if (limit > 3)
		limit = 3;
	const char *best = NULL;
	unsigned best_distance = limit + 1;
	for (size_t i = 0; i < count && candidates[i]; i++) {
		unsigned d = suggest_distance(word, candidates[i]);
		if (d < best_distance) {
			best = candidates[i];
			best_distance = d;
		}
	}
	if (best)
		return best;
	/* A known word of three or more letters that starts the typo
	 * ("netwrok" for "net"): the user wrote the word and then some. */
	for (size_t i = 0; i < count && candidates[i]; i++) {
		size_t n = strlen(candidates[i]);
		if (n >= 3 && n < len && strncmp(word, candidates[i], n) == 0)
			return candidates[i];
	}
	return NULL;
}

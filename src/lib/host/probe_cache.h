/* probe_cache.h — the BPF probe's results kept per boot (probe_cache.c). */
#ifndef WARD_HOST_PROBE_CACHE_H
#define WARD_HOST_PROBE_CACHE_H

#include <stdbool.h>

#include "host/features.h"

/* Fills F's BPF fields from this boot's cache; false when there is none. */
bool probe_cache_load(struct host_features *f);
void probe_cache_store(const struct host_features *f);
/* Drops the cache (after `ward bpf load|unload`, or for a fresh probe). */
void probe_cache_forget(void);

#endif

/* idle_memory.h — what a ward waiting for its sandbox gives back. Start-up
 * touches most of ward's code (policy parsing, planning, libbpf, libseccomp)
 * and grows the heap (BPF objects, the plan); none of it is needed while
 * ward only waits. The monitor calls idle_memory_shed() once the sandbox
 * has run for IDLE_MEMORY_AFTER_MS without ward having anything to do.
 */
#ifndef WARD_CORE_IDLE_MEMORY_H
#define WARD_CORE_IDLE_MEMORY_H

#include <stdbool.h>

#define IDLE_MEMORY_AFTER_MS 200

/* Set by the ward CLI: the executable's own clean, read-only mappings may
 * be dropped too (a library caller's program is not ours to touch). */
extern bool idle_memory_drop_own_text;

/* Returns the heap's free pages to the kernel (malloc_trim) and, when
 * idle_memory_drop_own_text, unmaps the pages of the executable's
 * read-only, never-written mappings (MADV_DONTNEED: they stay in the page
 * cache and fault back in when run again; a mapping holding any private
 * copy — the relocated RELRO, .data — is left alone). Safe with other
 * threads running. */
void idle_memory_shed(void);
/* The executable's pages only, async-signal-safe (system calls and static
 * buffers): for the keeper, a raw clone that may not allocate. */
void idle_memory_shed_text(void);

#endif

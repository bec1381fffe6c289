/* ward_file_acct.h — per-sandbox file byte accounting shared by
 * acct_file.bpf.c and user space (src/lib/bpf/bpf_file_acct.c): one record
 * per sandbox, keyed by its v2 cgroup id, in a hash map. Plain fixed-width
 * types only; a layout change bumps WARD_FILE_ACCT_LAYOUT.
 */
#ifndef WARD_FILE_ACCT_H
#define WARD_FILE_ACCT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#define WARD_FILE_ACCT_LAYOUT 1
#define WARD_FILE_ACCT_MAX 4096 /* sandboxes at once */

enum { WARD_FILE_READ = 0, WARD_FILE_WRITE = 1 };

struct ward_file_acct {
	__u64 bytes[2];	  /* bytes read(2)/written(2) on regular files */
	__u64 quota[2];	  /* bytes; 0: none. Written by user space */
	__u32 crossed[2]; /* set by the program the first time bytes > quota */
	__u32 kill;	  /* 1: SIGKILL each task that reads/writes over a quota */
	__u32 pad;
};

#endif

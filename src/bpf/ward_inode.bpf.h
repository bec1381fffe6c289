/* ward_inode.bpf.h — the inode map as the file and unix hooks read it: the
 * rule of one inode, keyed (sandbox, s_dev, i_ino) the way user space wrote
 * it from stat(2). Kernel side only: included after vmlinux.h.
 */
#ifndef WARD_INODE_BPF_H
#define WARD_INODE_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "ward_maps.bpf.h"

/* INODE's rule in SANDBOX, or NULL; fills KEY (dev, ino) for the event. */
static __always_inline const struct ward_inode_value *
ward_inode_rule(__u64 sandbox, struct inode *inode, struct ward_inode_key *key)
{
	key->cgid = sandbox;
	key->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key->ino = BPF_CORE_READ(inode, i_ino);
	return bpf_map_lookup_elem(&ward_inodes, key);
}

#endif

/* bpf_probe.h — what BPF can do here, found by loading tiny programs: an
 * LSM program (attached and detached at once) and a cgroup/connect4 program.
 * Part of host_features_probe(); leaves nothing loaded or attached behind.
 */
#ifndef WARD_HOST_BPF_PROBE_H
#define WARD_HOST_BPF_PROBE_H

#include "host/features.h"

/* Fills the lsm_*, lockdown, bpf_* and btf fields of F (root and caps known). */
void bpf_probe(struct host_features *f);

#endif

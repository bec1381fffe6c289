/* layer_support.h — asks the optional layers (BPF LSM, cgroup BPF, the
 * supervisor) once what they hold on this host, and records the answers in
 * host_features.support, so that planning is pure: it reads the answers and
 * loads nothing. Serialised by one lock; the BPF programs it loads are
 * pinned (bpf/bpf_pin.c) and reused by every sandbox.
 */
#ifndef WARD_HOST_LAYER_SUPPORT_H
#define WARD_HOST_LAYER_SUPPORT_H

#include "host/features.h"

/* Fills F->support from F's probe results and the layers' own answers. */
void layer_support_fill(struct host_features *f);

#endif

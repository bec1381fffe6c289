/* bpf_internal.h — what the files of the BPF layer share among themselves:
 * the table of programs, the pinned-object loader, the compiled network rules.
 * Not part of the layer's interface (that is bpf_layer.h).
 */
#ifndef WARD_BPF_INTERNAL_H
#define WARD_BPF_INTERNAL_H

#include <bpf/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../bpf/ward_bpf.h"
#include "bpf/bpf_layer.h"
#include "plan/plan.h"
#include "ward.h"

/* One program of ward, loaded and pinned on its own so that a program the
 * kernel refuses never takes its neighbours down silently. */
struct bpf_prog_desc {
	const char *object; /* the .bpf.c it comes from: "net_cgroup", "lsm_file", ... */
	const void *(*elf_bytes)(size_t *size); /* that object's skeleton ELF */
	const char *name;			/* the function name in that object */
	enum bpf_attach_type attach;		/* cgroup attach type; BPF_LSM_MAC for LSM */
	bool lsm;		 /* attached once for the whole host (a pinned link) */
	enum bpf_rule_kind kind; /* the class of rules it enforces */
};

extern const struct bpf_prog_desc bpf_progs[];
extern const size_t bpf_progs_count;

/* The result of trying one program on this host. */
struct bpf_prog_state {
	bool tried;
	bool loaded;   /* pinned program exists */
	bool attached; /* LSM only: a pinned link exists */
	char why[512]; /* when !loaded or !attached */
};

/* "/sys/fs/bpf/ward/v<layout>" */
const char *bpf_pin_dir(void);
/* Mounts bpffs on /sys/fs/bpf if needed and creates the pin directories. */
int bpf_pin_prepare(ward_error *err);
/* Holds an exclusive lock on the pin directory; returns a fd to close. */
int bpf_pin_lock(ward_error *err);

/* Loads (or finds pinned) every program of the table whose object is
 * OBJECT (NULL: all). Fills STATES (bpf_progs_count entries). Returns 0 when
 * every one loaded (and attached, for LSM), -ENOENT-like errno otherwise;
 * each failure is in its state. */
int bpf_progs_load(const char *object, struct bpf_prog_state *states, ward_error *err);
/* The pinned program DESC, as a new fd, or a negative errno. */
int bpf_prog_pinned_fd(const struct bpf_prog_desc *desc);
/* A pinned map of ward's layout by name, as a new fd, or a negative errno. */
int bpf_map_pinned_fd(const char *name);
/* A BPF object's identity: a hash of its sections but the debug ones. */
uint64_t bpf_elf_fingerprint(const void *elf, size_t size);
/* Removes every pin of this layout (links first: that detaches the LSM). */
int bpf_pins_remove(ward_error *err);

/* ---- one object's own pins, named by its fingerprint (bpf_pin.c) ----
 * ROOT/KIND-v<layout>-<hash>/NAME: the directory is named after a hash of
 * the object, so a ward never reuses the pins of another build (whose
 * storage layout or logic may differ), and identical builds share. */
enum { BPF_PINSET_MAX = 5 };
struct bpf_pinset {
	char dir[128];
	char path[BPF_PINSET_MAX][160]; /* dir/names[i] */
	const char *const *names;
	size_t count;
};
void bpf_pinset_init(struct bpf_pinset *set, const char *root, const char *kind, int layout,
		     const void *elf, size_t size, const char *const names[], size_t count);
/* OPEN_PINS reuses the pins (an answer >= 0, a negative errno when they are not
 * all there); LOAD loads the object and pins it. When it fails this takes
 * the set's lock (two wards never load at once), tries it again (another
 * ward may have pinned them meanwhile), removes what is left of the pins,
 * runs LOAD with libbpf quiet, then OPEN_PINS. Returns its answer or LOAD's
 * error (the pins removed). */
int bpf_pinset_get(const struct bpf_pinset *set, const char *root,
		   int (*open_pins)(const struct bpf_pinset *set, void *ctx),
		   int (*load)(const struct bpf_pinset *set, void *ctx), void *ctx);
/* Unlinks the set's pins (the directory stays). */
void bpf_pinset_unpin(const struct bpf_pinset *set);
/* Removes every ROOT/KIND-v* directory of pins called NAMES. */
void bpf_pinset_unpin_all(const char *root, const char *kind, const char *const names[],
			  size_t count);

/* ---- network rules → LPM entries (pure; unit tested) ---- */
struct bpf_net_prefix {
	int family;	/* AF_INET or AF_INET6 */
	uint8_t prefix; /* address bits */
	uint8_t addr[16];
	struct ward_net_value value;
};

struct plan_net_rule;

/* Compiles the network rules the plan placed on BPF (plan->bpf_net_rules)
 * into one entry per distinct prefix, each carrying the rules of every
 * covering prefix (most specific first, deny before allow, then by rule id).
 * Caller frees *OUT. -E2BIG when a prefix would need more than
 * WARD_MAX_NET_ENTRIES entries: never truncated. */
int bpf_net_compile(const struct plan_net_rule *rules, size_t count, struct bpf_net_prefix **out,
		    size_t *out_count, ward_error *err);
/* The plan's bind ports (plan->bpf_bind_ports) → the bind map's value.
 * -E2BIG past the limit. */
int bpf_bind_compile(const struct port_range *ranges, size_t count, struct ward_bind_value *out,
		     ward_error *err);

/* Removes every map entry keyed by sandbox CGID (all maps). */
int bpf_maps_remove_sandbox(uint64_t cgid);
/* Frees the ring pool slot held by CGID, if any. */
int bpf_ring_slot_release(uint64_t cgid);

#endif

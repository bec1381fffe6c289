/* bpf_pin.c — the pin directories of ward's BPF objects: bpffs mounted,
 * /sys/fs/bpf/ward/v<layout> created, the per-object pin sets named by
 * their fingerprint (load once or reuse), a lock so two wards never load at
 * once, and removal for `ward bpf unload`. It never touches another
 * layout's pins: those belong to a ward of another version.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/bpf_internal.h"
#include "core/cleanup.h"
#include "core/error.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define PIN_DIR WARD_BPF_PIN_ROOT "/v" STR(WARD_BPF_LAYOUT)

const char *bpf_pin_dir(void)
{
	return PIN_DIR;
}

static int mkdir_exist_ok(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int bpf_pin_prepare(ward_error *err)
{
	struct statfs fs;
	if (statfs("/sys/fs/bpf", &fs) < 0)
		return ward_fail_errno(err, -errno, "bpf: /sys/fs/bpf");
	if (fs.f_type != BPF_FS_MAGIC &&
	    mount("bpf", "/sys/fs/bpf", "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
		return ward_fail_errno(err, -errno, "bpf: mounting bpffs on /sys/fs/bpf");

	const char *dirs[] = {WARD_BPF_PIN_ROOT, PIN_DIR, PIN_DIR "/progs", PIN_DIR "/links"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		int r = mkdir_exist_ok(dirs[i]);
		if (r < 0)
			return ward_fail_errno(err, r, "bpf: creating %s", dirs[i]);
	}
	return 0;
}

int bpf_pin_lock(ward_error *err)
{
	_cleanup_close_ int fd = open(PIN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ward_fail_errno(err, -errno, "bpf: opening %s", PIN_DIR);
	if (flock(fd, LOCK_EX) < 0)
		return ward_fail_errno(err, -errno, "bpf: locking %s", PIN_DIR);
	return steal_fd(fd);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int bpf_pins_remove(ward_error *err)
{
	/* Links first: unpinning the last reference detaches an LSM program,
	 * and hooks must go before the maps they read stop being reachable. */
	if (nftw(PIN_DIR "/links", remove_entry, 8, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return ward_fail_errno(err, -errno, "bpf: removing %s/links", PIN_DIR);
	if (nftw(PIN_DIR, remove_entry, 8, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return ward_fail_errno(err, -errno, "bpf: removing %s", PIN_DIR);
	return 0;
}

/* FNV-1a style, eight bytes a step (a start hashes ~70 KB of objects). */
static uint64_t hash_bytes(uint64_t h, const unsigned char *p, size_t n)
{
	size_t k = 0;
	for (; k + 8 <= n; k += 8) {
		uint64_t w;
		memcpy(&w, p + k, sizeof(w));
		h = (h ^ w) * 1099511628211ull;
	}
	for (; k < n; k++)
		h = (h ^ p[k]) * 1099511628211ull;
	return h;
}

/* A hash of the sections of a BPF object that make its programs and maps,
 * leaving out the debug sections (.debug_*, .rel.debug_*): those name the
 * build directory, so two builds of the same source (build/ and build/san/)
 * would otherwise each take the other's pins for another build's and
 * replace them on every start. Identity, not security. */
uint64_t bpf_elf_fingerprint(const void *elf, size_t size)
{
	const unsigned char *p = elf;
	uint64_t h = 1469598103934665603ull;
	const Elf64_Ehdr *eh = elf;
	bool sane = size >= sizeof(*eh) && memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 &&
		    eh->e_ident[EI_CLASS] == ELFCLASS64 && eh->e_shentsize == sizeof(Elf64_Shdr) &&
		    eh->e_shoff < size && eh->e_shnum < 4096 &&
		    (size - eh->e_shoff) / sizeof(Elf64_Shdr) >= eh->e_shnum &&
		    eh->e_shstrndx < eh->e_shnum;
	if (!sane) {
		h = hash_bytes(h, p, size);
		return h ? h : 1;
	}
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(p + eh->e_shoff);
	const Elf64_Shdr *names = &sh[eh->e_shstrndx];
	for (size_t i = 0; i < eh->e_shnum; i++) {
		const char *name = "";
		if (names->sh_offset < size && sh[i].sh_name < size - names->sh_offset) {
			const char *n = (const char *)p + names->sh_offset + sh[i].sh_name;
			size_t room = size - names->sh_offset - sh[i].sh_name;
			if (strnlen(n, room) < room)
				name = n;
		}
		if (strncmp(name, ".debug", 6) == 0 || strncmp(name, ".rel.debug", 10) == 0)
			continue;
		h = hash_bytes(h, (const unsigned char *)name,
			       strlen(name) + 1); /* then the bytes */
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_offset > size ||
		    sh[i].sh_size > size - sh[i].sh_offset)
			continue;
		h = hash_bytes(h, p + sh[i].sh_offset, sh[i].sh_size);
	}
	return h ? h : 1; /* 0 is "never recorded" */
}

int bpf_map_pinned_fd(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", PIN_DIR, name);
	int fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

void bpf_pinset_init(struct bpf_pinset *set, const char *root, const char *kind, int layout,
		     const void *elf, size_t size, const char *const names[], size_t count)
{
	uint64_t h = bpf_elf_fingerprint(elf, size); /* debug sections left out */
	snprintf(set->dir, sizeof(set->dir), "%s/%s-v%d-%016llx", root, kind, layout,
		 (unsigned long long)h);
	set->names = names;
	set->count = count < BPF_PINSET_MAX ? count : BPF_PINSET_MAX;
	for (size_t i = 0; i < set->count; i++)
		snprintf(set->path[i], sizeof(set->path[i]), "%s/%s", set->dir, names[i]);
}

static void unpin_names(const char *dir, const char *const names[], size_t count)
{
	char path[PATH_MAX];
	for (size_t i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
}

void bpf_pinset_unpin(const struct bpf_pinset *set)
{
	unpin_names(set->dir, set->names, set->count);
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int bpf_pinset_get(const struct bpf_pinset *set, const char *root,
		   int (*open_pins)(const struct bpf_pinset *set, void *ctx),
		   int (*load)(const struct bpf_pinset *set, void *ctx), void *ctx)
{
	int r = open_pins(set, ctx);
	if (r >= 0)
		return r;
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(set->dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	_cleanup_close_ int lock = open(set->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return -errno;
	if ((r = open_pins(set, ctx)) >= 0)
		return r;
	bpf_pinset_unpin(set);
	libbpf_print_fn_t old = libbpf_set_print(silent_print);
	r = load(set, ctx);
	libbpf_set_print(old);
	if (r < 0) {
		bpf_pinset_unpin(set);
		return r;
	}
	return open_pins(set, ctx);
}

void bpf_pinset_unpin_all(const char *root, const char *kind, const char *const names[],
			  size_t count)
{
	char pattern[PATH_MAX];
	snprintf(pattern, sizeof(pattern), "%s/%s-v*", root, kind);
	glob_t g;
	if (glob(pattern, GLOB_NOSORT, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		unpin_names(g.gl_pathv[i], names, count);
		rmdir(g.gl_pathv[i]);
	}
	globfree(&g);
}

/* test_bpf_fingerprint.c — the identity of a BPF object that decides whether
 * pinned programs are this build's: it must not change with the debug
 * sections (they name the build directory, so build/ and build/san/ would
 * replace each other's pins on every start), and must change with anything
 * that makes the programs (their code, their maps). Runs on ward's own
 * embedded objects; needs no privilege.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bpf/bpf_internal.h"

/* A writable copy of the first cgroup object's ELF. */
static unsigned char *copy_elf(size_t *size)
{
	const void *elf = bpf_progs[0].elf_bytes(size);
	unsigned char *copy = malloc(*size);
	assert_non_null(copy);
	memcpy(copy, elf, *size);
	return copy;
}

/* The section called NAME (NULL when absent). */
static Elf64_Shdr *section(unsigned char *elf, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
	Elf64_Shdr *sh = (Elf64_Shdr *)(elf + eh->e_shoff);
	const char *names = (const char *)elf + sh[eh->e_shstrndx].sh_offset;
	for (size_t i = 0; i < eh->e_shnum; i++)
		if (strcmp(names + sh[i].sh_name, name) == 0)
			return &sh[i];
	return NULL;
}

static void flip(unsigned char *elf, const Elf64_Shdr *sh)
{
	assert_non_null(sh);
	assert_true(sh->sh_size > 0);
	elf[sh->sh_offset + sh->sh_size / 2] ^= 0x5a;
}

static void test_debug_sections_do_not_count(void **state)
{
	(void)state;
	size_t size;
	unsigned char *elf = copy_elf(&size);
	uint64_t before = bpf_elf_fingerprint(elf, size);
	assert_true(before != 0);
	/* What differs between build/ and build/san/ of the same source. */
	flip(elf, section(elf, ".debug_line"));
	flip(elf, section(elf, ".debug_line_str"));
	assert_true(bpf_elf_fingerprint(elf, size) == before);
	free(elf);
}

static void test_program_code_counts(void **state)
{
	(void)state;
	size_t size;
	unsigned char *elf = copy_elf(&size);
	uint64_t before = bpf_elf_fingerprint(elf, size);
	flip(elf, section(elf, "cgroup/connect4"));
	assert_true(bpf_elf_fingerprint(elf, size) != before);
	free(elf);
}

static void test_map_definitions_count(void **state)
{
	(void)state;
	size_t size;
	unsigned char *elf = copy_elf(&size);
	uint64_t before = bpf_elf_fingerprint(elf, size);
	flip(elf, section(elf, ".BTF")); /* map types and sizes live in BTF */
	assert_true(bpf_elf_fingerprint(elf, size) != before);
	free(elf);
}

static void test_not_an_elf_is_hashed_whole(void **state)
{
	(void)state;
	unsigned char junk[64];
	memset(junk, 0x11, sizeof(junk));
	uint64_t a = bpf_elf_fingerprint(junk, sizeof(junk));
	junk[40] ^= 1;
	uint64_t b = bpf_elf_fingerprint(junk, sizeof(junk));
	assert_true(a != 0 && b != 0 && a != b);
	/* A truncated object is not read past its end. */
	size_t size;
	const void *elf = bpf_progs[0].elf_bytes(&size);
	assert_true(bpf_elf_fingerprint(elf, 100) != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debug_sections_do_not_count),
		cmocka_unit_test(test_program_code_counts),
		cmocka_unit_test(test_map_definitions_count),
		cmocka_unit_test(test_not_an_elf_is_hashed_whole),
	};
	return cmocka_run_group_tests_name("bpf_fingerprint", tests, NULL, NULL);
}

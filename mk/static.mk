# static.mk — a fully static `ward` and static test programs, for places
# without the shared libraries: the QEMU harness's initramfs (tests/vm).
#   make BUILD=build/x static-ward   -> build/x/static/ward, build/x/static/progs/*
# Debian ships every archive needed (libseccomp-dev, libyaml-dev,
# libjson-c-dev, libbpf-dev, libelf-dev, libmd-dev, zlib1g-dev, libzstd-dev).
STATIC_LIBS := -l:libseccomp.a -l:libyaml.a -l:libjson-c.a -l:libbpf.a -l:libelf.a -l:libmd.a \
	-l:libz.a -l:libzstd.a -l:libresolv.a -lpthread
STATIC_PROGS = $(PROG_SRCS:tests/progs/%.c=$(BUILD)/static/progs/%)

$(BUILD)/static/ward: $(CLI_OBJS) $(BUILD)/libward.a
	@mkdir -p $(dir $@)
	$(CC) -static $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libward.a $(STATIC_LIBS)

$(BUILD)/static/progs/%: tests/progs/%.c
	@mkdir -p $(dir $@)
	$(CC) -static -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $< -lpthread

# PROG_SRCS is defined after mk/*.mk are included: expand it late.
.SECONDEXPANSION:
static-ward: $(BUILD)/static/ward $$(STATIC_PROGS)
.PHONY: static-ward

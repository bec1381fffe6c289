# bpf.mk — ward's BPF objects: vmlinux.h from this host's BTF, each
# src/bpf/X.bpf.c compiled with clang for the bpf target (CO-RE), and its
# libbpf skeleton $(BUILD)/gen/X.skel.h that src/lib/bpf/*.c includes.
BPF_CLANG ?= $(shell command -v clang-16 || command -v clang)
BPFTOOL ?= $(shell command -v bpftool || echo /usr/sbin/bpftool)
BPF_SRCS := $(sort $(wildcard src/bpf/*.bpf.c))
BPF_OBJS := $(BPF_SRCS:src/bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKELS := $(BPF_SRCS:src/bpf/%.bpf.c=$(BUILD)/gen/%.skel.h)
BPF_HDRS := $(wildcard src/bpf/*.h)
GEN_HEADERS += $(BPF_SKELS)

$(BUILD)/gen/vmlinux.h:
	@mkdir -p $(dir $@)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp
	mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: src/bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/gen/vmlinux.h mk/bpf.mk
	@mkdir -p $(dir $@)
	$(BPF_CLANG) -target bpf -g -O2 -D__TARGET_ARCH_x86 -Wall -Werror -I$(BUILD)/gen -Isrc/bpf \
		-fdebug-prefix-map=$(CURDIR)=. \
		-c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(dir $@)
	$(BPFTOOL) gen skeleton $< name ward_$(subst -,_,$*) > $@.tmp
	mv $@.tmp $@

bpf: $(BPF_SKELS)
.PHONY: bpf

# Keep the objects: the VM harness and `bpftool prog load` use them too.
.SECONDARY: $(BPF_OBJS)

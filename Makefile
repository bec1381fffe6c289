# ward — build, test, bench, install.
#   make            build/ward, build/libward.{so,a}, build/ward.pc
#   make SAN=1      the same with ASan+UBSan under build/san/ (what tests use)
#   make check      unit + integration + VM tests (the README's test command)
#   make fuzz       the policy parser fuzzer (clang, libFuzzer), FUZZ_SECONDS=60
#   make bench      ward side by side with bare/bwrap/firejail (bench/run.py; ~10 min)
#   make install PREFIX=/usr/local

PREFIX ?= /usr/local
CC ?= cc
SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SAN_FLAGS :=
endif

PKGS := libseccomp yaml-0.1 json-c libbpf libmd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wformat-security -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wvla -Wundef -Wno-unused-parameter $(WARN_EXTRA)
CFLAGS ?= -O2 -g
ALL_CFLAGS = $(CFLAGS) -std=gnu11 $(WARN) -fPIC -fvisibility=hidden -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	-Iinclude -Isrc/lib -I$(BUILD)/gen $(PKG_CFLAGS) $(SAN_FLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)
LDLIBS += $(PKG_LIBS) -lresolv

LIB_SRCS := $(shell find src/lib -name '*.c' | sort)
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
# Generated headers (BPF skeletons) that library objects wait for.
GEN_HEADERS :=

all: $(BUILD)/ward $(BUILD)/libward.so $(BUILD)/libward.a $(BUILD)/ward.pc

-include mk/*.mk

$(BUILD)/obj/%.o: %.c | $(GEN_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libward.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Exports only ward.h's API: -fvisibility=hidden and the version script.
LIB_MAP := src/lib/libward.map
$(BUILD)/libward.so: $(LIB_OBJS) $(LIB_MAP)
	$(CC) -shared -Wl,-soname,libward.so.0 -Wl,--version-script=$(LIB_MAP) $(ALL_LDFLAGS) -o $@ \
		$(LIB_OBJS) $(LDLIBS)

# The CLI links its libraries' archives: one shared object (libc) to load
# instead of nine halves ward's start-up (bench/startup.sh).
CLI_LIBS := -l:libseccomp.a -l:libyaml.a -l:libjson-c.a -l:libbpf.a -l:libelf.a -l:libmd.a \
	-l:libz.a -l:libzstd.a -l:libresolv.a -lpthread
$(BUILD)/ward: $(CLI_OBJS) $(BUILD)/libward.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libward.a $(CLI_LIBS)

# The prefix is substituted again at install: `make && make install
# PREFIX=/opt/ward` must not install a ward.pc naming the build's prefix.
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^\#define WARD_VERSION "\(.*\)"/\1/p' include/ward.h)|g' \
	    -e 's|@REQUIRES@|$(PKGS)|g'
$(BUILD)/ward.pc: ward.pc.in
	@mkdir -p $(BUILD)
	$(PC_SED) $< > $@

# ward(1): the prose of docs/ward.1.in around the synopsis and options
# that ward --help prints (one table: the two cannot drift).
man: $(BUILD)/ward.1
$(BUILD)/ward.1: $(BUILD)/ward docs/ward.1.in scripts/gen-man.sh
	scripts/gen-man.sh $(BUILD)/ward docs/ward.1.in > $@.tmp && mv $@.tmp $@

install: all man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/ward $(DESTDIR)$(PREFIX)/bin/ward
	install -m 644 $(BUILD)/libward.a $(DESTDIR)$(PREFIX)/lib/libward.a
	install -m 755 $(BUILD)/libward.so $(DESTDIR)$(PREFIX)/lib/libward.so.0
	ln -sf libward.so.0 $(DESTDIR)$(PREFIX)/lib/libward.so
	install -m 644 include/ward.h $(DESTDIR)$(PREFIX)/include/ward.h
	$(PC_SED) ward.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/ward.pc
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/ward.pc
	install -m 644 $(BUILD)/ward.1 $(DESTDIR)$(PREFIX)/share/man/man1/ward.1
	install -d $(DESTDIR)$(PREFIX)/share/doc/ward $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/ward/
	install -m 644 scripts/ward.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ward

# ---- tests ----
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
PROG_SRCS := $(sort $(wildcard tests/progs/*.c))
PROG_BINS := $(PROG_SRCS:tests/progs/%.c=$(BUILD)/progs/%)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libward.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libward.a $(LDLIBS) -lcmocka

# Test helpers are plain programs: no sanitizers (they run inside sandboxes).
$(BUILD)/progs/%: tests/progs/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $< -lpthread

tests: $(UNIT_BINS) $(PROG_BINS) $(BUILD)/ward examples

check:
	$(MAKE) all
	$(MAKE) SAN=1 tests
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run-all.sh build/san

# ---- examples ----
examples: $(BUILD)/examples/embed

$(BUILD)/examples/embed: examples/embed.c $(BUILD)/libward.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libward.a $(LDLIBS)

# ---- fuzzing (clang only) ----
FUZZ_SECONDS ?= 60
CLANG ?= $(shell command -v clang-16 || command -v clang)
fuzz:
	$(MAKE) BUILD=build/fuzz CC=$(CLANG) CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" WARN_EXTRA=-Wno-missing-field-initializers \
		LDFLAGS="-fsanitize=address,undefined" build/fuzz/libward.a
	@mkdir -p build/fuzz/corpus
	$(CLANG) -std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -Isrc/lib -fsanitize=fuzzer,address,undefined \
		-o build/fuzz/fuzz_policy tests/fuzz/fuzz_policy.c build/fuzz/libward.a $(LDLIBS)
	build/fuzz/fuzz_policy -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
		build/fuzz/corpus tests/policies/good tests/policies/bad

bench: all
	bench/deps.sh
	bench/run.py $(BUILD)
	bench/fs_mask.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# The gates .ci/run passes before `make check`: a -Werror build with clang
# (its own tree, build/clang) and the linters with the checked-in
# configurations (.clang-tidy; cppcheck's options here).
# libseccomp's SCMP_A0() initializers leave fields out, which clang flags.
clang:
	$(MAKE) BUILD=build/clang CC=$(CLANG) WARN_EXTRA=-Wno-missing-field-initializers all

# cppcheck: __CPPCHECK__ selects a VEC_FOREACH it can parse (core/vec.h);
# it does not follow cleanup attributes, so its leak checks are off (ASan's
# LeakSanitizer runs on every test instead).
LINT_SRCS ?= $(LIB_SRCS) $(CLI_SRCS)
lint: $(GEN_HEADERS)
	scripts/check-layer-inputs.sh
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--std=c11 -D_GNU_SOURCE -D__CPPCHECK__ -D__x86_64__ -Iinclude -Isrc/lib \
		--suppress=missingIncludeSystem --suppress=memleak --suppress=resourceLeak \
		--suppress=leakReturnValNotUsed --suppress=unknownMacro $(LINT_SRCS)
	clang-tidy --quiet $(LINT_SRCS) -- -std=gnu11 -D_GNU_SOURCE \
		-Iinclude -Isrc/lib -I$(BUILD)/gen $(PKG_CFLAGS)

clean:
	rm -rf build

.PHONY: all man install tests check examples fuzz bench format lint clang clean
-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)

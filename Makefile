# rel - release records on flat files.  See README.md.
#
#   make                  build every command into bin/
#   make check            build and run every test (installs what is missing)
#   make check-long       the fault walk and the soak in full, before a release
#   make check SANITIZE=1 the same under AddressSanitizer + UBSan
#   make demo             a demo session on the default state directory
#   make install / uninstall   honour PREFIX and DESTDIR (and BINDIR,
#                         SHAREDIR, SYSTEMDUNITDIR...); CPPFLAGS, CFLAGS and
#                         LDFLAGS reach the compiler.  -Werror is only for
#                         make check (and CI): a plain make by a packager
#                         with a newer compiler does not fail on a new
#                         warning.

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SHAREDIR ?= $(PREFIX)/share/rel
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system

CC ?= cc
CFLAGS ?= -O2 -g
SANITIZE ?=
PKG_CONFIG ?= pkg-config

WERROR ?=
WARN = -std=c11 -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wvla
DEFS = -D_POSIX_C_SOURCE=200809L -DREL_VERSION='"$(VERSION)"'
ifeq ($(SANITIZE),1)
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
endif

# Expanded when a recipe runs, after `make deps` has installed them.
BASE_CFLAGS = $(shell $(PKG_CONFIG) --cflags yaml-0.1 zlib)
BASE_LIBS = $(shell $(PKG_CONFIG) --libs yaml-0.1 zlib)
GIT_CFLAGS = $(shell $(PKG_CONFIG) --cflags libgit2)
GIT_LIBS = $(shell $(PKG_CONFIG) --libs libgit2)
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)

ALL_CFLAGS = $(WARN) $(DEFS) $(CPPFLAGS) $(CFLAGS) $(SAN) -Ilib -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN) -Wl,--as-needed
# dlopen: in libc since glibc 2.34, in libdl before (and elsewhere).
DL_LIBS = -ldl

# Commands that use libgit2 link it; the rest must not (start-up cost).
# rel-notes reads repositories itself (lib/git*.c without libgit2: its
# start-up costs what reading thousands of commits does) and asks
# rel-revparse for what only git can resolve.
GIT_COMMANDS = rel-revparse
GITREAD_COMMANDS = rel-notes
COMMANDS = $(sort $(patsubst bin/%.c,%,$(wildcard bin/rel*.c)))
BINS = $(addprefix bin/,$(COMMANDS))
# What every command shares (bin/cmd.h): linked into each, not a command.
CMD_OBJ = build/bin/cmd.o

LIB_SRC = $(filter-out lib/git%.c,$(wildcard lib/*.c))
LIB_OBJ = $(patsubst lib/%.c,build/lib/%.o,$(LIB_SRC))
GITLIB_SRC = $(wildcard lib/git*.c)
GITLIB_OBJ = $(patsubst lib/%.c,build/lib/%.o,$(GITLIB_SRC))
# The sync modules reach libgit2 through dlopen (lib/lg2.h): they need its
# headers, never its library, and are in librel.a like the rest.
SYNC_OBJ = $(addprefix build/lib/,lg2.o replica.o remote.o sync.o syncfiles.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(patsubst tests/unit/%.c,build/tests/%,$(UNIT_SRC))
TEST_HELPERS_SRC = $(wildcard tests/helpers/*.c)
TEST_HELPERS = $(patsubst tests/helpers/%.c,build/helpers/%,$(TEST_HELPERS_SRC))

all: $(BINS)

# Rebuild everything when the compiler or flags change.
build/.flags: FORCE
	@mkdir -p build
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
	    echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@

build/lib/git%.o: lib/git%.c build/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BASE_CFLAGS) $(GIT_CFLAGS) -c -o $@ $<

build/lib/%.o: lib/%.c build/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BASE_CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

$(SYNC_OBJ): EXTRA_CFLAGS = $(GIT_CFLAGS) -Ibuild/gen
build/lib/lg2.o: build/gen/lg2_soname.h

# The soname of the libgit2 whose headers the build uses, for dlopen.
build/gen/lg2_soname.h: build/.flags
	@mkdir -p $(@D)
	@lib="$$($(PKG_CONFIG) --variable=libdir libgit2)/libgit2.so"; \
	so=$$(objdump -p "$$lib" | awk '$$1 == "SONAME" { print $$2 }'); \
	if [ -z "$$so" ]; then echo "no soname in $$lib" >&2; exit 1; fi; \
	printf '#define REL_LG2_SONAME "%s"\n' "$$so" > $@.tmp && mv $@.tmp $@

build/librel.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

build/librel-git.a: $(GITLIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

build/bin/%.o: bin/%.c build/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BASE_CFLAGS) -c -o $@ $<

$(addprefix bin/,$(GIT_COMMANDS)): bin/%: build/bin/%.o $(CMD_OBJ) build/librel-git.a build/librel.a
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(CMD_OBJ) build/librel-git.a build/librel.a $(GIT_LIBS) $(BASE_LIBS)

$(addprefix bin/,$(GITREAD_COMMANDS)): bin/%: build/bin/%.o $(CMD_OBJ) build/librel-git.a build/librel.a
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $< $(CMD_OBJ) build/librel-git.a build/librel.a $(BASE_LIBS) $(DL_LIBS)

bin/%: build/bin/%.o $(CMD_OBJ) build/librel.a
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(CMD_OBJ) build/librel.a $(BASE_LIBS) $(DL_LIBS)

build/tests/%: tests/unit/%.c build/librel.a build/librel-git.a build/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BASE_CFLAGS) $(GIT_CFLAGS) $(CMOCKA_CFLAGS) \
	    $(ALL_LDFLAGS) -o $@ $< build/librel-git.a build/librel.a \
	    $(CMOCKA_LIBS) $(GIT_LIBS) $(BASE_LIBS) $(DL_LIBS)

build/helpers/%: tests/helpers/%.c build/librel.a build/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BASE_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
	    build/librel.a $(BASE_LIBS) $(DL_LIBS)

# Install what is missing on a Debian machine (apt-get), then go on.
deps:
	@sh contrib/debian-deps.sh

test-bins: all $(UNIT_BINS) $(TEST_HELPERS) build/bench/genstore

# make check builds with -Werror: warnings are errors for whoever changes
# the code, not for whoever packages it.  The tests run with it too: a
# test that runs make (install.bats) then finds the tree built as it is,
# instead of building it again under the feet of the tests running
# beside it.
check: deps
	@$(MAKE) --no-print-directory test-bins WERROR=-Werror
	@$(MAKE) --no-print-directory test WERROR=-Werror

test:
	@sh tests/run.sh $(TESTS)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh share/demo.sh

# Completions: the bash and fish files are loaded by command name, so each
# command gets a link to them.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
COMPLETED = $(filter rel-%,$(COMMANDS))

# The demo flow's steps are installed beside it, and the flow names them
# where they are; the systemd units run the commands from BINDIR.  Both
# paths are the installed ones, without DESTDIR, put in at install time.
# The notify commands of contrib/notify go to SHAREDIR/notify, where the
# flows' notify: sections name them (rel-flow(5)).
DEMO_SCRIPTS = $(wildcard share/demo/*.sh)
NOTIFY_SCRIPTS = $(wildcard contrib/notify/*.sh)
UNITS = $(wildcard contrib/systemd/*.service contrib/systemd/*.timer)

install: all
	mkdir -p "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" \
	    "$(DESTDIR)$(MANDIR)/man5" "$(DESTDIR)$(MANDIR)/man7" \
	    "$(DESTDIR)$(SHAREDIR)/flows" "$(DESTDIR)$(SHAREDIR)/demo" \
	    "$(DESTDIR)$(SHAREDIR)/notify" \
	    "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)" \
	    "$(DESTDIR)$(FISHCOMPDIR)" "$(DESTDIR)$(SYSTEMDUNITDIR)"
	install -m 755 $(BINS) "$(DESTDIR)$(BINDIR)/"
	for f in man/*.[157]; do \
	    install -m 644 "$$f" "$(DESTDIR)$(MANDIR)/man$${f##*.}/" || \
	    exit 1; done
	install -m 755 $(DEMO_SCRIPTS) "$(DESTDIR)$(SHAREDIR)/demo/"
	install -m 755 $(NOTIFY_SCRIPTS) "$(DESTDIR)$(SHAREDIR)/notify/"
	for f in share/flows/*.yaml; do \
	    sed 's|share/demo/|$(SHAREDIR)/demo/|g' "$$f" \
	        >"$(DESTDIR)$(SHAREDIR)/flows/$${f##*/}" && \
	    chmod 644 "$(DESTDIR)$(SHAREDIR)/flows/$${f##*/}" || exit 1; done
	for f in $(UNITS); do \
	    sed 's|/usr/local/bin/|$(BINDIR)/|g' "$$f" \
	        >"$(DESTDIR)$(SYSTEMDUNITDIR)/$${f##*/}" && \
	    chmod 644 "$(DESTDIR)$(SYSTEMDUNITDIR)/$${f##*/}" || exit 1; done
	install -m 644 contrib/completion/rel.bash "$(DESTDIR)$(BASHCOMPDIR)/rel"
	install -m 644 contrib/completion/_rel "$(DESTDIR)$(ZSHCOMPDIR)/_rel"
	install -m 644 contrib/completion/rel.fish \
	    "$(DESTDIR)$(FISHCOMPDIR)/rel.fish"
	for c in $(COMPLETED); do \
	    ln -sf rel "$(DESTDIR)$(BASHCOMPDIR)/$$c" && \
	    ln -sf rel.fish "$(DESTDIR)$(FISHCOMPDIR)/$$c.fish" || exit 1; done

# Removes what install put there, and rel's own directories if that
# leaves them empty; nothing else.
uninstall:
	for c in $(COMMANDS); do rm -f "$(DESTDIR)$(BINDIR)/$$c"; done
	for f in man/*.[157]; do \
	    rm -f "$(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}"; done
	for f in share/flows/*.yaml; do \
	    rm -f "$(DESTDIR)$(SHAREDIR)/flows/$${f##*/}"; done
	for f in $(DEMO_SCRIPTS); do \
	    rm -f "$(DESTDIR)$(SHAREDIR)/demo/$${f##*/}"; done
	for f in $(NOTIFY_SCRIPTS); do \
	    rm -f "$(DESTDIR)$(SHAREDIR)/notify/$${f##*/}"; done
	for f in $(UNITS); do \
	    rm -f "$(DESTDIR)$(SYSTEMDUNITDIR)/$${f##*/}"; done
	rmdir "$(DESTDIR)$(SHAREDIR)/flows" "$(DESTDIR)$(SHAREDIR)/demo" \
	    "$(DESTDIR)$(SHAREDIR)/notify" "$(DESTDIR)$(SHAREDIR)" \
	    2>/dev/null || true
	rm -f "$(DESTDIR)$(BASHCOMPDIR)/rel" "$(DESTDIR)$(ZSHCOMPDIR)/_rel" \
	    "$(DESTDIR)$(FISHCOMPDIR)/rel.fish"
	for c in $(COMPLETED); do \
	    rm -f "$(DESTDIR)$(BASHCOMPDIR)/$$c" \
	    "$(DESTDIR)$(FISHCOMPDIR)/$$c.fish"; done

clean:
	rm -rf build $(BINS)

FORCE:
.PHONY: all deps check test test-bins demo install uninstall clean FORCE
.SECONDARY:

-include $(wildcard build/lib/*.d build/bin/*.d build/tests/*.d build/helpers/*.d)

# --- fault injection, load and soak (tests only) ----------------------
# tests/helpers/faultinject.c is an LD_PRELOAD shim, not a program: it is
# built as a shared object, never with the sanitizers (ASan must come
# first in a process, so the tests that preload it skip under SANITIZE=1).
FAULT_SO = build/helpers/faultinject.so

$(FAULT_SO): tests/helpers/faultinject.c build/.flags
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) -MMD -MP -fPIC -shared -o $@ $< -ldl

# The helpers' pattern rule would link the shim as a program: it has no
# main, so its program name only stands for the shared object.
build/helpers/faultinject: $(FAULT_SO) ;

test-bins: $(FAULT_SO)

# make check-long, before a release: what check does in part, in full.
# faults.bats walks every I/O call of each command with every fault
# (check walks a third of them, another third each run), then the
# randomized soaks (one store; three machines sharing a remote) run for
# minutes instead of check's seconds.
check-long: deps
	@$(MAKE) --no-print-directory test-bins WERROR=-Werror
	@REL_FAULT_STRIDE=1 sh tests/run.sh tests/e2e/faults.bats
	@bash tests/soak/soak.sh $${REL_SOAK_SECONDS:-240}
	@bash tests/soak/sync_soak.sh $${REL_SYNC_SOAK_SECONDS:-120}

.PHONY: check-long

# --- fuzz ------------------------------------------------------------------
# make fuzz: the libFuzzer harnesses of tests/fuzz/, each run for
# FUZZ_SECONDS on build/fuzz/corpus-NAME/ (seeded from tests/fuzz/corpus/,
# kept between runs); fails on any crash, leak, timeout or broken promise.
#   make fuzz FUZZ_SECONDS=300 FUZZ_TARGETS="flow record"
# The library is compiled again with the fuzzer's instrumentation and the
# sanitizers, into an archive of its own (build/librel.a has other flags);
# a harness links only the members it needs.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_ALL = flow record envlog names \
	$(if $(wildcard lib/commitmsg.c),commitmsg)
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_CFLAGS = $(WARN) $(DEFS) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -Ilib -MMD -MP
FUZZ_LDFLAGS = -fsanitize=fuzzer,address,undefined
FUZZ_LIB_OBJ = $(patsubst lib/%.c,build/fuzz/lib/%.o,$(LIB_SRC))

build/fuzz/.flags: FORCE
	@mkdir -p build/fuzz
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LDFLAGS)' | cmp -s - $@ || \
	    echo '$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LDFLAGS)' > $@

build/fuzz/lib/%.o: lib/%.c build/fuzz/.flags
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(BASE_CFLAGS) $(GIT_CFLAGS) -Ibuild/gen -c -o $@ $<

build/fuzz/lib/lg2.o: build/gen/lg2_soname.h

build/fuzz/librel.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/librel.a build/fuzz/.flags
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(BASE_CFLAGS) $(FUZZ_LDFLAGS) -o $@ $< \
	    build/fuzz/librel.a $(BASE_LIBS)

fuzz-bins: $(addprefix build/fuzz/fuzz_,$(FUZZ_TARGETS))

fuzz:
	@REL_DEPS_EXTRA="clang libclang-rt-dev" sh contrib/debian-deps.sh
	@$(MAKE) --no-print-directory fuzz-bins WERROR=-Werror
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

.PHONY: fuzz fuzz-bins
-include $(wildcard build/fuzz/lib/*.d build/fuzz/*.d)

# --- benchmarks --------------------------------------------------------------
# make bench: rel against its physical limits; prints medians and ratios
# (tests/bench/README.md has a sample).  Not part of make check.
BENCH_TOOLS = build/bench/timeit build/bench/nop build/bench/fsyncloop \
	build/bench/spawnloop build/bench/genstore build/bench/lg2load \
	build/helpers/freeport

build/bench/genstore: tests/bench/genstore.c build/librel.a build/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BASE_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
	    build/librel.a $(BASE_LIBS)

build/bench/lg2load: tests/bench/lg2load.c build/librel.a build/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BASE_CFLAGS) $(GIT_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
	    build/librel.a $(BASE_LIBS) $(DL_LIBS)

build/bench/%: tests/bench/%.c build/.flags
	@mkdir -p $(@D)
	$(CC) -O2 -std=c11 -Wall -Wextra -Werror -o $@ $<

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_TOOLS)
	@sh tests/bench/run.sh

.PHONY: bench

# lpardbg - one non-recursive GNU Makefile.
#   make          build ./lpardbg
#   make deps     install the Debian packages it needs
#   make test     unit (cmocka) + integration (cli, tui) + lint + hdrcheck
#   make check    the same under ASan+UBSan (build-san/)
#   make demo     the README's main job

SAN ?=
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
else
BUILD ?= build
SANFLAGS =
endif

CC ?= cc
PKGS = libelf libzstd ncursesw readline sqlite3 liblzma zlib liblz4 libdebuginfod libcrypto
DEB_PACKAGES = build-essential pkg-config libelf-dev libdwarf-dev \
	libcmocka-dev libiberty-dev libzstd-dev libreadline-dev \
	libncurses-dev libssh2-1-dev libsqlite3-dev elfutils gdb libc6-dbg \
	tmux jq python3 bzip2 g++ procps time libjansson-dev \
	liblzma-dev zlib1g-dev liblz4-dev libdebuginfod-dev debuginfod \
	libssl-dev attr xz-utils zstd lz4 gzip openssh-server openssh-client \
	gcc-multilib gdb-multiarch

CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wwrite-strings -Wformat=2 -Wno-format-nonliteral
CPPFLAGS_ALL = -std=c11 -D_GNU_SOURCE -I. -I/usr/include/libdwarf $(CPPFLAGS)
ALL_CFLAGS = $(CPPFLAGS_ALL) -MMD -MP $(WARN) $(CFLAGS) $(SANFLAGS)
# jansson: reasoning/ parses cached facts (analysis JSON) back in.
LIBS = -lelf -ldwarf -lz -lzstd -liberty -lreadline -lncursesw -ltinfo -ljansson -lm -lsqlite3 -llzma -llz4 \
	-lcrypto -lssh2
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

# Modules in dependency order: each may use only those before it.
MODULES = common dumps repo remote debugger reasoning plugins console
common_SRC   = $(wildcard common/*.c)
dumps_SRC    = $(wildcard dumps/*.c dumps/arch/*.c)
repo_SRC     = $(wildcard repo/*.c)
# remote/: SSH transport (libssh2); uses only common/.
remote_SRC   = $(wildcard remote/*.c)
debugger_SRC = $(wildcard debugger/*.c)
reasoning_SRC = $(wildcard reasoning/*.c)
# plugins/: host side (may use debugger, reasoning) and the built-in
# analyzers, which include only plugins/plugin.h.
plugins_SRC  = $(wildcard plugins/*.c)
console_SRC  = $(filter-out console/main.c,$(wildcard console/*.c)) \
	       $(wildcard console/tui/*.c)

common_DEPS   =
dumps_DEPS    = common
repo_DEPS     = dumps common
remote_DEPS   = common
debugger_DEPS = repo dumps common
reasoning_DEPS = debugger repo dumps common
plugins_DEPS  = reasoning debugger repo dumps common
console_DEPS  = plugins reasoning debugger remote repo dumps common

lib = $(BUILD)/lib$(1).a
objs = $(patsubst %.c,$(BUILD)/%.o,$($(1)_SRC))

.PHONY: all deps test check unit cli tui lint hdrcheck clean demo bench
all: lpardbg

DEPS_STAMP = $(BUILD)/.deps-ok
$(DEPS_STAMP):
	@mkdir -p $(BUILD)
	@if ! pkg-config --exists $(PKGS) cmocka || \
	   ! test -f /usr/include/libdwarf/libdwarf.h || \
	   ! test -f /usr/include/libiberty/demangle.h || \
	   ! command -v debuginfod >/dev/null; then \
		$(MAKE) --no-print-directory deps; fi
	@touch $@

deps:
	@SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	echo "installing: $(DEB_PACKAGES)"; \
	$$SUDO apt-get update -q && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q \
		$(DEB_PACKAGES)

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

define module_lib
$(call lib,$(1)): $(call objs,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@
	$$(AR) rcs $$@ $$^ $$(if $$^,,$$(BUILD)/empty.o)
endef
$(foreach m,$(MODULES),$(eval $(call module_lib,$(m))))

$(BUILD)/empty.o: | $(DEPS_STAMP)
	echo 'typedef int lpd_empty_unit;' | $(CC) -x c -c -o $@ -

$(foreach m,$(MODULES),$(call lib,$(m))): $(BUILD)/empty.o

# The built-in rules are assembled into rules-eval.o (.incbin).
$(BUILD)/reasoning/rules-eval.o: reasoning/rules/builtin.dl

LINK_ALL = $(foreach m,console plugins reasoning debugger remote repo dumps common,$(call lib,$(m)))

# console/cmd-discover.c asks the cluster through the messaging service's
# client library (services/messaging/messaging.h), built below.
$(BUILD)/lpardbg: $(BUILD)/console/main.o $(LINK_ALL) \
		  $(BUILD)/services/libmessaging.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

lpardbg: $(BUILD)/lpardbg
	cp $< $@

# ---- tests -------------------------------------------------------------
# tests/<module>/test-<room>.c links its module and those below it only,
# so a call against the arrows fails to link.
TEST_SRC = $(foreach m,$(MODULES),$(wildcard tests/$(m)/test-*.c))
TEST_BIN = $(patsubst %.c,$(BUILD)/%,$(TEST_SRC))
module_of = $(word 2,$(subst /, ,$(1)))

$(BUILD)/tests/%.o: tests/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLPD_TESTING -Wno-missing-prototypes -c -o $@ $<

# console/ also links the messaging client (cmd-discover.c): its tests
# get it after their module libraries (in the recipe: $^ drops repeats).
console_LINK = $(BUILD)/services/libmessaging.a $(call lib,common)
define test_rule
$(BUILD)/$(1:.c=): $(BUILD)/$(1:.c=.o) $(call lib,$(call module_of,$(1))) \
	$(foreach d,$($(call module_of,$(1))_DEPS),$(call lib,$(d))) \
	$($(call module_of,$(1))_LINK)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $($(call module_of,$(1))_LINK) $$(LIBS) -lcmocka
endef
$(foreach t,$(TEST_SRC),$(eval $(call test_rule,$(t))))

unit: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do \
		echo "== $$t"; \
		LPD_SHARED=$(CURDIR)/../shared $$t || fail=1; \
	done; exit $$fail

# tests/cli/plugin-messaging.sh runs a cluster of the services,
# plugin-backup.sh the backup services.
cli: $(BUILD)/lpardbg $(BUILD)/services/vios-vke $(BUILD)/services/vios-msg \
	$(BUILD)/services/vios-vdisk $(BUILD)/services/vbackup \
	$(BUILD)/services/vbackup-server $(BUILD)/tests/services/tcp-cut \
	services-paging
	@LPARDBG=$(CURDIR)/$(BUILD)/lpardbg BUILD=$(CURDIR)/$(BUILD) \
		sh tests/run-cli.sh

tui: $(BUILD)/lpardbg
	@LPARDBG=$(CURDIR)/$(BUILD)/lpardbg BUILD=$(CURDIR)/$(BUILD) \
		sh tests/run-tui.sh

lint:
	@sh tests/lint.sh

hdrcheck: | $(DEPS_STAMP)
	@for h in common/lpd.h dumps/dumps.h repo/repo.h remote/remote.h debugger/debugger.h \
		  reasoning/reasoning.h plugins/plugin.h \
		  services/messaging/messaging.h services/backup/backup.h; do \
		[ -f $$h ] || continue; \
		echo "#include \"$$h\"" | \
		$(CC) $(CPPFLAGS_ALL) $(WARN) -fsyntax-only -x c - || exit 1; \
	done; echo "hdrcheck: ok"

test: lpardbg unit cli tui lint hdrcheck services-test

check:
	$(MAKE) SAN=1 unit cli tui services-test
	@echo "check: tests passed under ASan+UBSan"

demo: lpardbg
	@sh fixtures/demo.sh

bench: lpardbg
	@sh bench/bt.sh

clean:
	rm -rf build build-san lpardbg

# ---- services (issue 9): cluster messaging --------------------------
# Real programs that share only common/ with the debugger. Outputs go
# under $(BUILD)/services/; `make services-test` runs their tests.
MSG_LIB_SRC = services/messaging/wire.c services/messaging/config.c \
	services/messaging/ring.c \
	services/messaging/client.c
MSG_VKE_SRC = services/messaging/vke.c services/messaging/kcluster.c
SVC = $(BUILD)/services
SVC_BINS = $(SVC)/vios-vke $(SVC)/vios-msg $(SVC)/vios-cluster
SVC_TESTS = $(patsubst %.c,$(BUILD)/%,$(wildcard tests/services/test-*.c)) \
	$(BUILD)/tests/services/msg-fuzz

$(SVC)/libmessaging.a: $(patsubst %.c,$(BUILD)/%.o,$(MSG_LIB_SRC))
	rm -f $@
	$(AR) rcs $@ $^
$(SVC)/vios-vke: $(patsubst %.c,$(BUILD)/%.o,$(MSG_VKE_SRC)) \
		 $(SVC)/libmessaging.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^
$(SVC)/vios-msg: $(BUILD)/services/messaging/vios-msg.o \
		 $(SVC)/libmessaging.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^
$(SVC)/vios-cluster: $(BUILD)/services/cluster/vios-cluster.o \
		     $(SVC)/libmessaging.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^
$(BUILD)/tests/services/test-%: $(BUILD)/tests/services/test-%.o \
		$(SVC)/libmessaging.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ -lcmocka
$(BUILD)/tests/services/msg-fuzz: $(BUILD)/tests/services/msg-fuzz.o \
		$(SVC)/libmessaging.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^

$(SVC)/bench/msg-bench: $(BUILD)/bench/messaging/msg-bench.o \
		$(SVC)/libmessaging.a $(call lib,common)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^
$(SVC)/bench/udp-rtt: $(BUILD)/bench/messaging/udp-rtt.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^

.PRECIOUS: $(BUILD)/tests/services/%.o
.PHONY: services services-test bench-messaging
bench-messaging: $(SVC_BINS) $(SVC)/bench/msg-bench $(SVC)/bench/udp-rtt
	@SVC=$(CURDIR)/$(SVC) sh bench/messaging.sh
services: $(SVC_BINS)
services-test: $(SVC_BINS) $(SVC_TESTS)
	@SVC=$(CURDIR)/$(SVC) TESTBIN=$(CURDIR)/$(BUILD)/tests/services \
		sh tests/services/run.sh

# ---- services (issue 10): paging -------------------------------------
# Concurrent OS update by paging: the VIOS pager, the LPAR runtime, the
# update manager, and the "OS" images (one source, -DOS_VERSION=N; the
# bad ones are fault builds for the rollback tests).
PG_LIB_SRC = services/paging/wire.c services/paging/io.c
PG_OS = $(foreach v,1 2 3,$(SVC)/libos-v$(v).so) $(SVC)/libos-noentry.so \
	$(SVC)/libos-badabi.so
PG_BINS = $(SVC)/vios-pager $(SVC)/lpar-rt $(SVC)/lpar-update $(PG_OS)
PG_OS_CFLAGS = $(CPPFLAGS_ALL) $(WARN) $(CFLAGS) -fPIC -shared \
	-fvisibility=hidden -Wno-missing-prototypes

$(SVC)/libpaging.a: $(patsubst %.c,$(BUILD)/%.o,$(PG_LIB_SRC))
	rm -f $@
	$(AR) rcs $@ $^
$(SVC)/vios-pager: $(BUILD)/services/paging/vios-pager.o \
		   $(SVC)/libpaging.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ -lpthread
$(SVC)/lpar-rt: $(BUILD)/services/paging/lpar-rt.o \
		$(SVC)/libpaging.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ -ldl -lpthread
$(SVC)/lpar-update: $(BUILD)/services/paging/lpar-update.o \
		    $(SVC)/libpaging.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^
$(SVC)/libos-v%.so: services/paging/os.c services/paging/paging.h
	@mkdir -p $(dir $@)
	$(CC) $(PG_OS_CFLAGS) -DOS_VERSION=$* -o $@ $<
$(SVC)/libos-noentry.so: services/paging/os.c services/paging/paging.h
	$(CC) $(PG_OS_CFLAGS) -DOS_VERSION=4 -DOS_NO_ENTRY -o $@ $<
$(SVC)/libos-badabi.so: services/paging/os.c services/paging/paging.h
	$(CC) $(PG_OS_CFLAGS) -DOS_VERSION=5 -DOS_ABI_OVERRIDE=99 -o $@ $<
$(BUILD)/tests/services/test-pgwire: $(BUILD)/tests/services/test-pgwire.o \
		$(SVC)/libpaging.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ -lcmocka

.PHONY: services-paging bench-paging
services: $(PG_BINS)
services-test: $(PG_BINS)
services-paging: $(PG_BINS)
bench-paging: $(PG_BINS)
	@SVC=$(CURDIR)/$(SVC) sh bench/paging.sh

# ---- services (issue 11): backup ---------------------------------------
# VIOS-proxied backup: the VIOS virtual-disk server and backup proxy, the
# client's vbackup, and the backup server. `make bench-backup-deps`
# installs restic and borgbackup for bench/backup.sh only.
BK_LIB_SRC = services/backup/wire.c services/backup/format.c
BK_BINS = $(SVC)/vios-vdisk $(SVC)/vbackup $(SVC)/vbackup-server \
	$(BUILD)/tests/services/tcp-cut
BK_LIBS = -lzstd -lcrypto -lz

$(SVC)/libbackup.a: $(patsubst %.c,$(BUILD)/%.o,$(BK_LIB_SRC))
	rm -f $@
	$(AR) rcs $@ $^
# vios-vdisk reaches a server on another site through remote/'s SSH.
$(SVC)/vios-vdisk: $(BUILD)/services/backup/vios-vdisk.o \
		   $(SVC)/libbackup.a $(call lib,remote) $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(BK_LIBS) -lssh2 -lpthread
$(SVC)/vbackup: $(BUILD)/services/backup/vbackup.o \
		$(SVC)/libbackup.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(BK_LIBS)
$(SVC)/vbackup-server: $(BUILD)/services/backup/vbackup-server.o \
		       $(SVC)/libbackup.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(BK_LIBS)
$(BUILD)/tests/services/tcp-cut: $(BUILD)/tests/services/tcp-cut.o
	$(CC) $(LDFLAGS_ALL) -o $@ $^
$(BUILD)/tests/services/test-bkwire: $(BUILD)/tests/services/test-bkwire.o \
		$(SVC)/libbackup.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(BK_LIBS) -lcmocka
$(BUILD)/tests/services/test-bkchunk: $(BUILD)/tests/services/test-bkchunk.o \
		$(SVC)/libbackup.a $(call lib,common)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(BK_LIBS) -lcmocka

.PHONY: services-backup bench-backup bench-backup-deps
services: $(BK_BINS)
services-test: $(BK_BINS)
services-backup: $(BK_BINS)
bench-backup-deps:
	@SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q \
		restic borgbackup
bench-backup: $(BK_BINS)
	@SVC=$(CURDIR)/$(SVC) TESTBIN=$(CURDIR)/$(BUILD)/tests/services \
		sh bench/backup.sh

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Petrel xenstore: daemon, libxenstore.so.4, tests, fuzzing and benchmark.
#
#   xenstore               build/xenstore/{xenstored,libxenstore.so.4}   (in `make`)
#   test-xenstore-unit     cmocka suite: store, transactions, watches, perms, ring
#   test-xenstore-compat   Debian's xenstore-utils + test-xenstore against our
#                          daemon, with Debian's and then our libxenstore
#   test-xenstore-fuzz     ~30 s libFuzzer run plus the socket robustness test
#   fuzz-xenstore          long libFuzzer run (FUZZ_SECONDS, default 600)
#   bench-xenstore         side-by-side benchmark against Debian's xenstored
#   xenstore-debs          Debian's .debs unpacked into build/xenstore/debian
#   xenstore-dom0          static xenstored + xenstore client for the dom0 initramfs (in `make`)
#   test-xenstore-client   that client on the host, and compared with Debian's (~1 s)
XS_DIR := dom0-tools/xenstore
XS_OUT := $(BUILD)/xenstore
XS_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I$(XS_DIR)/include -iquote include/public \
	-I$(XS_DIR)/daemon
XS_CORE_SRC := $(XS_DIR)/daemon/store.c $(XS_DIR)/daemon/perms_watch.c \
	$(XS_DIR)/daemon/conn.c $(XS_DIR)/daemon/ops.c $(XS_DIR)/daemon/ring.c
XS_DAEMON_SRC := $(XS_DIR)/daemon/main.c $(XS_DIR)/daemon/uring.c
# liburing (liburing-dev); the dom0 daemon links its static archive
XS_URING_LIB := -luring
XS_HDRS := $(wildcard $(XS_DIR)/daemon/*.h $(XS_DIR)/include/*.h)
XS_LIB_SRC := $(XS_DIR)/lib/xs.c
XS_DEB_ROOT := $(XS_OUT)/debian/root
XS_DEBS := xenstore-utils libxenstore4 libxentoolcore1 xen-utils-4.17 xen-utils-common \
	libxenmisc4.17 libxenevtchn1 libxengnttab1 libxentoollog1 libxencall1 \
	libxenforeignmemory1 libxendevicemodel1 libxenhypfs1 libyajl2
XS_CLANG ?= clang
XS_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 600

ALL_TARGETS += xenstore
TEST_TARGETS += test-xenstore-unit test-xenstore-compat test-xenstore-fuzz

.PHONY: xenstore test-xenstore-unit test-xenstore-compat test-xenstore-fuzz fuzz-xenstore \
	bench-xenstore xenstore-debs

xenstore: $(XS_OUT)/xenstored $(XS_OUT)/libxenstore.so.4

$(XS_OUT)/xenstored: $(XS_CORE_SRC) $(XS_DAEMON_SRC) $(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XS_CFLAGS) -o $@ $(XS_CORE_SRC) $(XS_DAEMON_SRC) $(XS_URING_LIB)

$(XS_OUT)/libxenstore.so.4: $(XS_LIB_SRC) $(XS_DIR)/lib/libxenstore.map $(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XS_CFLAGS) -fPIC -shared -pthread \
		-Wl,-soname,libxenstore.so.4 -Wl,--version-script,$(XS_DIR)/lib/libxenstore.map \
		-o $@ $(XS_LIB_SRC)
	ln -sf libxenstore.so.4 $(XS_OUT)/libxenstore.so

# --- unit tests (cmocka) ---
$(XS_OUT)/test-unit: tests/unit/xenstore/test_xenstore.c $(XS_CORE_SRC) $(XS_DIR)/daemon/uring.c \
		$(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XS_CFLAGS) $(XS_SAN) -o $@ tests/unit/xenstore/test_xenstore.c $(XS_CORE_SRC) \
		$(XS_DIR)/daemon/uring.c \
		-lcmocka $(XS_URING_LIB) -Wl,--wrap=io_uring_submit_and_wait -Wl,--wrap=open

test-xenstore-unit: $(XS_OUT)/test-unit
	@bash tests/unit/xenstore/run.sh $(XS_OUT)/test-unit

# --- Debian's binaries, fetched once ---
$(XS_OUT)/debian/.stamp:
	@bash tests/compat/fetch-debs.sh $(XS_OUT)/debian $(XS_DEBS)
	@touch $@

xenstore-debs: $(XS_OUT)/debian/.stamp

$(XS_OUT)/test-libxs: tests/compat/test_libxs.c $(XS_OUT)/libxenstore.so.4 $(XS_HDRS)
	$(HOSTCC) $(XS_CFLAGS) -o $@ tests/compat/test_libxs.c -L$(XS_OUT) -l:libxenstore.so.4 \
		-pthread

test-xenstore-compat: xenstore $(XS_OUT)/test-libxs $(XS_OUT)/debian/.stamp
	@bash tests/compat/run-compat.sh $(XS_OUT) $(XS_DEB_ROOT)

# --- fuzzing and robustness ---
$(XS_OUT)/fuzz-xenstore: tests/unit/xenstore/fuzz_xenstore.c $(XS_CORE_SRC) $(XS_HDRS)
	@mkdir -p $(@D)
	$(XS_CLANG) -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I$(XS_DIR)/include -iquote include/public \
		-I$(XS_DIR)/daemon -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ tests/unit/xenstore/fuzz_xenstore.c $(XS_CORE_SRC)

test-xenstore-fuzz: xenstore $(XS_OUT)/fuzz-xenstore
	@bash tests/unit/xenstore/run-fuzz.sh $(XS_OUT) 25

fuzz-xenstore: $(XS_OUT)/fuzz-xenstore
	@bash tests/unit/xenstore/run-fuzz.sh $(XS_OUT) $(FUZZ_SECONDS) long

# --- benchmark ---
bench-xenstore: xenstore $(XS_OUT)/debian/.stamp
	@bash bench/xenstore/bench.sh $(XS_OUT) $(XS_DEB_ROOT)

# --- dom0 initramfs: static daemon and client (xenstore-read, -write, ... are
# links to build/xenstore/dom0/xenstore; see docs/xenstore.md, "xenstored in dom0") ---
XS_DOM0 := $(XS_OUT)/dom0
XS_CLIENT_SRC := $(XS_DIR)/client/xenstore.c
XS_CLIENT_CMDS := read write rm mkdir exists list ls watch

ALL_TARGETS += xenstore-dom0
.PHONY: xenstore-dom0
xenstore-dom0: $(XS_DOM0)/xenstored $(XS_DOM0)/xenstore

$(XS_DOM0)/xenstored: $(XS_CORE_SRC) $(XS_DAEMON_SRC) $(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XS_CFLAGS) -static -s -o $@ $(XS_CORE_SRC) $(XS_DAEMON_SRC) $(XS_URING_LIB)

$(XS_DOM0)/xenstore: $(XS_CLIENT_SRC) $(XS_LIB_SRC) $(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XS_CFLAGS) -static -s -pthread -o $@ $(XS_CLIENT_SRC) $(XS_LIB_SRC)

# test-xenstore-client: the client against our daemon on the host, and against
# Debian's client on the same store (under a second)
TEST_TARGETS += test-xenstore-client
.PHONY: test-xenstore-client
test-xenstore-client: xenstore xenstore-dom0 $(XS_OUT)/debian/.stamp
	@bash $(XS_DIR)/client/test-client.sh $(XS_OUT) $(XS_DEB_ROOT)

DOM0_TOOLS += $(XS_DOM0)/xenstored:usr/sbin/xenstored $(XS_DOM0)/xenstore:usr/bin/xenstore
DOM0_LINKS += $(foreach c,$(XS_CLIENT_CMDS),usr/bin/xenstore-$(c):xenstore)

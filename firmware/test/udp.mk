# The UDP side's own steps (included by the Makefile before its rules).
# udp-heap: the client with a UdpLink, malloc/new counted (test/udp_heap.cpp), no sanitizers.
UDP_HEAP_OBJ := $(patsubst %.cpp,$(BUILD)/heap/%.o,$(TCP_SRC) $(wildcard src/udp/*.cpp) test/scripted.cpp)
TEST_STEPS += udp-heap

.PHONY: udp-heap
udp-heap: $(BUILD)/test/udp_heap
	@echo "== $<"; $<

$(BUILD)/test/udp_heap: $(BUILD)/heap/test/udp_heap.o $(UDP_HEAP_OBJ)
	@mkdir -p $(@D)
	$(Q)$(CXX) $(REL) -o $@ $^ $(LDLIBS)

# udp-xtensa: the client with a UdpLink (test/udp_xtensa.cpp) compiled with -Werror and linked bare
# for ESP8266 (xtensa-lx106 -Os, --gc-sections), next to the TCP-only core of target-xtensa.
UDP_XT_OUT := $(BUILD)/xtensa-udp
UDP_XT_SRC := test/udp_xtensa.cpp test/targets/bare_runtime.cpp $(filter-out src/adapters/PosixTransport.cpp,$(TCP_SRC)) \
              $(filter-out src/udp/PosixUdpLink.cpp,$(wildcard src/udp/*.cpp))
# RTT arithmetic converts int to double: the ESP8266 ROM has __floatsidf (eagle.rom.addr.v6.ld),
# which esp8266-size.ld does not list; like the other ROM helpers it is not counted.
TEST_STEPS += udp-xtensa
.PHONY: udp-xtensa
udp-xtensa:
	@if [ -z "$(XT_GXX)" ] || [ -z "$(XT_SPECS)" ]; then \
	  echo "udp esp8266: SKIPPED - xtensa-lx106-elf-g++ or picolibc not found (apt-get install -y gcc-xtensa-lx106 picolibc-xtensa-lx106-elf)"; \
	else set -e; mkdir -p $(UDP_XT_OUT); \
	  for f in $(UDP_XT_SRC); do xtensa-lx106-elf-g++ $(XT_FLAGS) -c $$f -o $(UDP_XT_OUT)/$$(basename $$f).o; done; \
	  xtensa-lx106-elf-gcc -nostdlib -Wl,--gc-sections -T test/targets/esp8266-size.ld $(UDP_XT_OUT)/*.o \
	    -Wl,--defsym=__floatsidf=0x4000e2ac \
	    -L$(dir $(XT_SPECS))lib -Wl,--start-group -lc -lgcc -Wl,--end-group -o $(UDP_XT_OUT)/client-udp.elf; \
	  echo "== udp esp8266: client + UdpLink linked bare (xtensa-lx106 -Os): $$(xtensa-lx106-elf-size $(UDP_XT_OUT)/client-udp.elf | tail -1 | awk '{print "text " $$1 " B, data " $$2 " B, bss " $$3 " B"}')"; \
	fi

# UDP flag variants, built like mk/variants.mk's: the UDP sources and the listed tests under other
# compile-time flags, each a test step of its own (UDP_VARIANT_FLAGS_<step>, UDP_VARIANT_TESTS_<step>).
# udp-nodup: HYPERTCP_UDP_IDLE_DUPLICATES=0 (nothing is sent twice; test/udp_duplicates_test.cpp,
# udp_spurious_test.cpp, udp_rtt_test.cpp and udp_window_test.cpp check both builds, udp_peer_test
# the lossy link without duplicates).
# udp-nocache: HYPERTCP_UDP_KEY_CACHE=0 (the key schedule expanded per datagram): the same
# datagrams, key updates and wiping.
UDP_VARIANTS := udp-nodup udp-nocache
UDP_VARIANT_FLAGS_udp-nodup := -DHYPERTCP_UDP_IDLE_DUPLICATES=0 -DHYPERTCP_TEST_NODUP
UDP_VARIANT_TESTS_udp-nodup := udp_duplicates udp_peer udp_spurious udp_rtt udp_window
UDP_VARIANT_FLAGS_udp-nocache := -DHYPERTCP_UDP_KEY_CACHE=0
UDP_VARIANT_TESTS_udp-nocache := udp_keycache udp_peer udp_duplicates
UDP_VARIANT_SRC := $(filter-out src/udp/UdpLink.cpp src/udp/PosixUdpLink.cpp,$(wildcard src/udp/*.cpp)) test/check.cpp
TEST_STEPS += $(UDP_VARIANTS) udp-config

define UDP_VARIANT_RULES
$(BUILD)/$(1)/%.o: %.cpp
	@mkdir -p $$(@D)
	@echo "  CXX ($(1)) $$<"
	$(Q)$(CXX) $(BASE) $(SAN) $(UDP_VARIANT_FLAGS_$(1)) -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/bin/%: $(BUILD)/$(1)/test/%_test.o $(patsubst %.cpp,$(BUILD)/$(1)/%.o,$(UDP_VARIANT_SRC))
	@mkdir -p $$(@D)
	$(Q)$(CXX) $(SAN) -o $$@ $$^

$(1): $(addprefix $(BUILD)/$(1)/bin/,$(UDP_VARIANT_TESTS_$(1)))
	@for t in $$^; do out=$$$$($$$$t 2>&1) || { echo "$$$$out"; echo "FAILED: $$$$t ($(1))"; exit 1; }; \
	  echo "== $$$$t ($(UDP_VARIANT_FLAGS_$(1))): $$$$(echo "$$$$out" | tail -1)"; done
endef
$(foreach v,$(UDP_VARIANTS),$(eval $(call UDP_VARIANT_RULES,$(v))))

.PHONY: $(UDP_VARIANTS) udp-config

# udp-config: the UDP defaults compile and each out-of-range value stops the build with its #error.
UDP_BAD_CONFIGS := HYPERTCP_UDP_IDLE_DUPLICATES=-1 HYPERTCP_UDP_IDLE_DUPLICATES=129 \
  HYPERTCP_UDP_DATAGRAM_BYTES=100 HYPERTCP_UDP_SEND_SLOTS=0 HYPERTCP_UDP_KEY_CACHE=2 \
  HYPERTCP_UDP_LOSS_SUSPECTS=0 HYPERTCP_UDP_LOSS_SUSPECTS=65 HYPERTCP_UDP_RTT_PROBES=0 HYPERTCP_UDP_RTT_PROBES=65 \
  HYPERTCP_UDP_RECV_SLOTS=-1 HYPERTCP_UDP_RECV_SLOTS=1025 HYPERTCP_UDP_MAX_MESSAGE=0 HYPERTCP_UDP_MAX_MESSAGE=65536
udp-config:
	@mkdir -p $(BUILD)
	@echo '#include "udp/UdpPeer.h"' | $(CXX) -std=c++11 -Isrc -x c++ -fsyntax-only -
	@for def in $(UDP_BAD_CONFIGS); do name=$${def%%=*}; \
	  if echo '#include "udp/UdpPeer.h"' | $(CXX) -std=c++11 -Isrc -D$$def -x c++ -fsyntax-only - 2> $(BUILD)/udp-config.log; then \
	    echo "FAIL: -D$$def compiled"; exit 1; fi; \
	  grep -q "#error.*$$name" $(BUILD)/udp-config.log || { echo "FAIL: -D$$def failed without its #error"; cat $(BUILD)/udp-config.log; exit 1; }; \
	done
	@echo "== udp-config: defaults compile; $(words $(UDP_BAD_CONFIGS)) out-of-range UDP values are refused"

# udp-bench: host speed of the UDP crypto (test/udp_crypto_bench.cpp), -O2, no sanitizers. Not a
# test step: it measures, it checks nothing. make -C firmware udp-bench
.PHONY: udp-bench
udp-bench: $(BUILD)/udp-crypto-bench
	@$<

$(BUILD)/udp-crypto-bench: test/udp_crypto_bench.cpp src/udp/UdpCrypto.cpp src/udp/UdpAes.cpp src/udp/UdpWire.cpp src/udp/UdpCrypto.h src/udp/UdpWire.h
	@mkdir -p $(@D)
	$(Q)$(CXX) $(BASE) $(REL) -o $@ $(filter %.cpp,$^)

# udp-ct: AES-256 and GCM under valgrind memcheck with the key and plaintext marked undefined
# (test/udp_ctgrind.cpp): any branch or table index on secret data fails the step. Built at -O2
# and -Os (the devices' level), no sanitizers.
UDP_CT_SRC := test/udp_ctgrind.cpp src/udp/UdpCrypto.cpp src/udp/UdpAes.cpp src/udp/UdpWire.cpp
UDP_CT_HAVE := $(and $(shell command -v valgrind 2>/dev/null),$(wildcard /usr/include/valgrind/memcheck.h))
TEST_STEPS += udp-ct
.PHONY: udp-ct
udp-ct:
ifeq ($(UDP_CT_HAVE),)
	@echo "udp constant-time check: SKIPPED - valgrind or <valgrind/memcheck.h> not found (apt-get install -y valgrind)"
else
	@mkdir -p $(BUILD)/ct
	@set -e; for opt in -O2 -Os; do \
	  $(CXX) $(BASE) $$opt -g -o $(BUILD)/ct/ctgrind$$opt $(UDP_CT_SRC); \
	  valgrind -q --error-exitcode=1 $(BUILD)/ct/ctgrind$$opt > $(BUILD)/ct/ctgrind$$opt.log 2>&1 || \
	    { cat $(BUILD)/ct/ctgrind$$opt.log; echo "FAILED: udp-ct ($$opt): secret-dependent branch or index"; exit 1; }; \
	done
	@echo "== udp-ct: AES-256 key schedule, block, GCM seal and cached-key (SessionKey) datagrams with a key change under memcheck with secret key/IV/plaintext (-O2, -Os): no secret-dependent branch or index"
endif

# udp-wipe-opt: the wipe checks (test/udp_wipe_test.cpp: SHA-256, HMAC, HKDF and a session start;
# test/udp_wipe_gcm_test.cpp: AES-GCM) without sanitizers at -O1, -O2, -Os and -O3, as the devices
# build: a wipe must survive the optimiser, and which temporaries the compiler puts on the stack
# differs by level (the unit step runs the same files at -O1 under ASan). Linked -z now, like the
# unit step's wipe binaries: see test/udp_dead_stack.h.
UDP_WIPE_LDFLAGS := -Wl,-z,now
$(BUILD)/test/udp_wipe $(BUILD)/test/udp_wipe_gcm: LDLIBS += $(UDP_WIPE_LDFLAGS)
UDP_WIPE_OPT_LEVELS := -O1 -O2 -Os -O3
UDP_WIPE_OPT_SRC_udp_wipe := test/udp_wipe_test.cpp test/check.cpp src/udp/UdpCrypto.cpp src/udp/UdpAes.cpp \
                             src/udp/UdpWire.cpp src/udp/UdpPeer.cpp src/udp/UdpPeerReceive.cpp
UDP_WIPE_OPT_SRC_udp_wipe_gcm := test/udp_wipe_gcm_test.cpp test/check.cpp src/udp/UdpCrypto.cpp src/udp/UdpAes.cpp
TEST_STEPS += udp-wipe-opt
.PHONY: udp-wipe-opt
# Every file at every level runs before the step fails, so one run shows every leak.
udp-wipe-opt:
	@mkdir -p $(BUILD)/wipe
	@set -e; failed=; $(foreach t,udp_wipe udp_wipe_gcm,for opt in $(UDP_WIPE_OPT_LEVELS); do \
	  $(CXX) $(BASE) $$opt -g $(UDP_WIPE_LDFLAGS) -o $(BUILD)/wipe/$(t)$$opt $(UDP_WIPE_OPT_SRC_$(t)); \
	  if out=$$($(BUILD)/wipe/$(t)$$opt 2>&1); then echo "== udp-wipe-opt $(t) ($$opt): $$(echo "$$out" | tail -1)"; \
	  else echo "$$out"; echo "FAILED: udp-wipe-opt $(t) ($$opt)"; failed="$$failed $(t)($$opt)"; fi; \
	done;) \
	if [ -n "$$failed" ]; then echo "FAILED: udp-wipe-opt:$$failed"; exit 1; fi

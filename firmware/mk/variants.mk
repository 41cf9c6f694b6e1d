# Builds with optional features switched off (hypertcp/Config.h) or other code paths: the codec, JSON and client
# tests must pass unchanged, plus each variant's own test of what the switch changes.
VARIANTS := noredirect pgmspace lenient noudp keytable keyhash keytable16 nokeytable
VARIANT_FLAGS_noredirect := -DHYPERTCP_ENABLE_REDIRECT=0
VARIANT_TESTS_noredirect := codec json client client_send client_timing noredirect
# The PROGMEM code paths (AVR, ESP8266) through the host stand-in of <pgmspace.h>.
VARIANT_FLAGS_pgmspace := -DHYPERTCP_USE_PGMSPACE -Itest/arduino
VARIANT_TESTS_pgmspace := codec json client client_send client_timing client_redirect
VARIANT_FLAGS_lenient := -DHYPERTCP_STRICT_JSON=0 -DHYPERTCP_ENABLE_REDIRECT=0
VARIANT_TESTS_lenient := codec json client client_send client_timing noredirect lenient
# The UDP seam compiled out of the client (the AVR default, udp/UdpLink.h).
VARIANT_FLAGS_noudp := -DHYPERTCP_ENABLE_UDP=0
VARIANT_TESTS_noudp := client client_send client_timing client_redirect

# The JSON key table (JsonScan.cpp KeyTable) at its smallest, and a hash that makes most keys
# collide: the scanner's answers must not change, only its speed.
VARIANT_FLAGS_keytable := -DHYPERTCP_JSON_KEY_HASHES=4 -DHYPERTCP_JSON_KEY_HASH_MASK=7
VARIANT_TESTS_keytable := codec json
VARIANT_FLAGS_keyhash := -DHYPERTCP_JSON_KEY_HASH_MASK=7
VARIANT_TESTS_keyhash := codec json
# A small table with real hashes: nested objects fill it at once, so releasing the enclosing
# objects' runs (KeyTable::release) and new batches take turns.
VARIANT_FLAGS_keytable16 := -DHYPERTCP_JSON_KEY_HASHES=16
VARIANT_TESTS_keytable16 := codec json
# No table (the AVR default): every key compared by walking back over its object's text.
VARIANT_FLAGS_nokeytable := -DHYPERTCP_JSON_KEY_HASHES=0
VARIANT_TESTS_nokeytable := codec json

define VARIANT_RULES
$(BUILD)/$(1)/%.o: %.cpp
	@mkdir -p $$(@D)
	@echo "  CXX ($(1)) $$<"
	$(Q)$(CXX) $(BASE) $(SAN) $(VARIANT_FLAGS_$(1)) -DHYPERTCP_VECTORS_DEFAULT='"$(VECTORS)"' -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/bin/%: $(BUILD)/$(1)/test/%_test.o $(patsubst %.cpp,$(BUILD)/$(1)/%.o,$(TCP_SRC) test/check.cpp test/vectors.cpp test/scripted.cpp)
	@mkdir -p $$(@D)
	$(Q)$(CXX) $(SAN) -o $$@ $$^

variant-$(1): $(addprefix $(BUILD)/$(1)/bin/,$(VARIANT_TESTS_$(1)))
	@for t in $$^; do out=$$$$(HYPERTCP_VECTORS=$(VECTORS) $$$$t 2>&1) || { echo "$$$$out"; echo "FAILED: $$$$t ($(1))"; exit 1; }; \
	  echo "== $$$$t ($(VARIANT_FLAGS_$(1))): $$$$(echo "$$$$out" | tail -1)"; done
endef
$(foreach v,$(VARIANTS),$(eval $(call VARIANT_RULES,$(v))))

.PHONY: variants $(addprefix variant-,$(VARIANTS))
variants: $(addprefix variant-,$(VARIANTS))

# Examples: each .ino compiled as C++ for ESP32 and ESP8266 against host stand-ins of the Arduino
# headers (test/arduino; the real Client.h is checked separately with avr-g++), linked with the
# library, and run for 1.5 s: Wi-Fi down first (loop() must keep spinning and never wait), then a
# scripted broker accepts the login and sends a command, and the answer the sketch sends is checked.
EXAMPLE_NAMES := $(notdir $(wildcard examples/*))
EXAMPLE_BOARDS := ESP32 ESP8266
EXAMPLE_LIB := test/arduino/host_arduino.cpp $(filter-out src/adapters/PosixTransport.cpp,$(TCP_SRC))
EXAMPLE_FLAGS := -std=c++11 $(WARN) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -DARDUINO=10819 -Itest/arduino -Isrc
EXAMPLE_DEPS := $(EXAMPLE_LIB) $(wildcard src/*.h src/*/*.h test/arduino/*.h)
EXAMPLE_BINS := $(foreach n,$(EXAMPLE_NAMES),$(foreach b,$(EXAMPLE_BOARDS),$(BUILD)/examples/$(n)-$(b)))
# What each example must have sent, and how many times at least (MAX_: at most).
EXPECT_RelayNode := "payload":{"state":{"relay1":true,"relay2":false},"req":"r1"}
MIN_RelayNode := 1
# ...and the refusal of a second command (an unknown control), answered with state and "error".
EXPECT2_RelayNode := "state":{"relay1":true,"relay2":false},"req":"r2","error":"unknown_control"
# ...and never an answer to a third one, sent by a device not on its allow-list.
UNEXPECTED_RelayNode := "req":"r3"
# The same relay flow, one relay, over WiFiClientSecure (a stand-in that refuses to connect with
# nothing pinned).
EXPECT_SecureRelayNode := "payload":{"state":{"relay1":true},"req":"r1"}
MIN_SecureRelayNode := 1
EXPECT2_SecureRelayNode := "state":{"relay1":true},"req":"r2","error":"unknown_control"
UNEXPECTED_SecureRelayNode := $(UNEXPECTED_RelayNode)
# Telemetry on connect and on "read"; the sensor stand-in is noisy (+-0.6 C), so reports on change
# must keep a second apart: at most 4 in the 1.4 s online at most (connect, read, 1 s later, margin).
EXPECT_SensorNode := "payload":{"telemetry":{"temp":
MIN_SensorNode := 2
MAX_SensorNode := 4
# A button press (host_arduino.cpp holds it 1150-1350 ms): a command to the relay node, and a
# broadcast for anyone listening.
EXPECT_ButtonNode := "targetId":"relay-node","payload":{"cmd":"toggle","control":"relay1"}
MIN_ButtonNode := 1
MAX_ButtonNode := 1
EXPECT2_ButtonNode := broadcast {"targetId":"broadcast","payload":{"button":"pressed","presses":1}}

define EXAMPLE_RULE
$(BUILD)/examples/$(1)-$(2): examples/$(1)/$(1).ino $(EXAMPLE_DEPS)
	@mkdir -p $$(@D)
	@echo "  CXX (example) $$<"
	$(Q)$(CXX) $(EXAMPLE_FLAGS) -D$(2) -DEXAMPLE_$(1) -include Arduino.h -x c++ $$< -x none $(EXAMPLE_LIB) -o $$@

example-$(1)-$(2): $(BUILD)/examples/$(1)-$(2)
	@out=$$$$($$<) || { echo "$$$$out" | tail -20; echo "FAILED: $$<"; exit 1; }; \
	n=$$$$(echo "$$$$out" | grep -cF '$$(EXPECT_$(1))'); \
	if [ $$$$n -lt $$(MIN_$(1)) ]; then echo "$$$$out" | tail -20; echo "FAILED: $(1) ($(2)) did not answer as expected"; exit 1; fi; \
	if [ -n '$$(MAX_$(1))' ] && [ $$$$n -gt 0$$(MAX_$(1)) ]; then \
	  echo "$$$$out" | tail -20; echo "FAILED: $(1) ($(2)) sent $$$$n of these in 1.5 s, more than $$(MAX_$(1))"; exit 1; fi; \
	if [ -n '$$(UNEXPECTED_$(1))' ] && echo "$$$$out" | grep -qF '$$(UNEXPECTED_$(1))'; then \
	  echo "$$$$out" | tail -20; echo "FAILED: $(1) ($(2)) answered a command it must ignore"; exit 1; fi; \
	if [ -n '$$(EXPECT2_$(1))' ] && ! echo "$$$$out" | grep -qF '$$(EXPECT2_$(1))'; then \
	  echo "$$$$out" | tail -20; echo "FAILED: $(1) ($(2)) did not answer the second command as expected"; exit 1; fi; \
	echo "== example $(1) ($(2)): $$$$(echo "$$$$out" | tail -1), answered ($$$$n)"
endef
$(foreach n,$(EXAMPLE_NAMES),$(foreach b,$(EXAMPLE_BOARDS),$(eval $(call EXAMPLE_RULE,$(n),$(b)))))

.PHONY: $(foreach n,$(EXAMPLE_NAMES),$(foreach b,$(EXAMPLE_BOARDS),example-$(n)-$(b)))
examples: $(foreach n,$(EXAMPLE_NAMES),$(foreach b,$(EXAMPLE_BOARDS),example-$(n)-$(b)))

# The panel shows a snippet (renderer/src/features/settings/snippet.ts) to paste over the
# examples' settings lines: every declaration it replaces must exist in every example.
SNIPPET_TS := ../renderer/src/features/settings/snippet.ts
examples: example-snippet
.PHONY: example-snippet
example-snippet:
	@if [ ! -f $(SNIPPET_TS) ]; then echo "example snippet: SKIPPED - $(SNIPPET_TS) not found"; exit 0; fi; \
	decls=$$(grep -oE 'const (char\*|uint16_t) [A-Z_]+ =' $(SNIPPET_TS)); \
	[ -n "$$decls" ] || { echo "FAILED: no declarations found in $(SNIPPET_TS)"; exit 1; }; \
	for ex in $(wildcard examples/*/*.ino); do \
	  echo "$$decls" | while read -r d; do grep -qF "$$d" $$ex || { echo "FAILED: $$ex lacks '$$d' (the panel's snippet replaces it)"; exit 1; }; done || exit 1; \
	done; \
	echo "== example snippet: the panel's $$(echo "$$decls" | wc -l) settings lines exist in every example"

# The library ships as this folder alone (ZIP, PlatformIO): it must carry the MIT licence that
# library.json names, in the repository the same text as the root's, and every file library.json
# exports.
examples: example-package
.PHONY: example-package
example-package:
	@grep -q '"license": "MIT"' library.json || { echo "FAILED: library.json does not name the MIT licence"; exit 1; }; \
	grep -q '^MIT License' LICENSE 2>/dev/null || { echo "FAILED: firmware/LICENSE is missing or not MIT (library.json says MIT)"; exit 1; }; \
	if [ -f ../package.json ]; then cmp -s LICENSE ../LICENSE || { echo "FAILED: firmware/LICENSE differs from the repository's LICENSE"; exit 1; }; fi; \
	for f in $$(sed -n 's/.*"include": *\[\(.*\)\].*/\1/p' library.json | tr -d '" ' | tr ',' ' '); do \
	  [ -e "$$f" ] || { echo "FAILED: library.json exports $$f, which does not exist"; exit 1; }; done; \
	echo "== example package: LICENSE (MIT) and every file library.json exports are in firmware/"

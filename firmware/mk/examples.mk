# Examples: each .ino compiled as C++ for ESP32 and ESP8266 against the host Arduino stand-ins in
# test/arduino (the real Client.h is checked separately with avr-g++), linked with the library,
# and run for 300 ms to prove loop() never blocks while Wi-Fi is down.
EXAMPLE_NAMES := $(notdir $(wildcard examples/*))
EXAMPLE_BOARDS := ESP32 ESP8266
EXAMPLE_LIB := test/arduino/host_arduino.cpp $(filter-out src/adapters/PosixTransport.cpp,$(TCP_SRC))
EXAMPLE_FLAGS := -std=c++11 $(WARN) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -DARDUINO=10819 -Itest/arduino -Isrc
EXAMPLE_DEPS := $(EXAMPLE_LIB) $(wildcard src/*.h src/*/*.h test/arduino/*.h)
EXAMPLE_BINS := $(foreach n,$(EXAMPLE_NAMES),$(foreach b,$(EXAMPLE_BOARDS),$(BUILD)/examples/$(n)-$(b)))

define EXAMPLE_RULE
$(BUILD)/examples/$(1)-$(2): examples/$(1)/$(1).ino $(EXAMPLE_DEPS)
	@mkdir -p $$(@D)
	@echo "  CXX (example) $$<"
	$(Q)$(CXX) $(EXAMPLE_FLAGS) -D$(2) -include Arduino.h -x c++ $$< -x none $(EXAMPLE_LIB) -o $$@
endef
$(foreach n,$(EXAMPLE_NAMES),$(foreach b,$(EXAMPLE_BOARDS),$(eval $(call EXAMPLE_RULE,$(n),$(b)))))

examples: $(EXAMPLE_BINS)
	@for bin in $^; do out=$$($$bin) || { echo "$$out" | tail -20; exit 1; }; \
	  echo "== example $$bin: $$(echo "$$out" | tail -1)"; done

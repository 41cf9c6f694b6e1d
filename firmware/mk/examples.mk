# Examples: each .ino compiled as C++ for ESP32 and ESP8266 against the host Arduino stand-ins in
# test/arduino (the real Client.h is checked separately with avr-g++), linked with the library,
# and run for 300 ms to prove loop() never blocks while Wi-Fi is down.
EXAMPLES := $(wildcard examples/*/*.ino)
EXAMPLE_LIB := test/arduino/host_arduino.cpp $(filter-out src/adapters/PosixTransport.cpp,$(CORE_SRC))
EXAMPLE_FLAGS := -std=c++11 $(WARN) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -DARDUINO=10819 -Itest/arduino -Isrc

examples:
	@mkdir -p $(BUILD)/examples
	@set -e; for ino in $(EXAMPLES); do for board in ESP32 ESP8266; do \
	  name=$$(basename $$ino .ino)-$$board; \
	  echo "== example $$ino ($$board)"; \
	  $(CXX) $(EXAMPLE_FLAGS) -D$$board -include Arduino.h -x c++ $$ino -x none $(EXAMPLE_LIB) -o $(BUILD)/examples/$$name; \
	  $(BUILD)/examples/$$name | tail -1; \
	done; done

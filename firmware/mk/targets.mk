# Compile checks and sizes for real targets, when their toolchains are installed:
#   AVR (Arduino Uno): avr-g++ against the real Arduino core from arduino-core-avr, linked with the
#   flags of that core's platform.txt (-Os, sections, -flto, --gc-sections), as the IDE builds.
#   ESP8266: xtensa-lx106-elf-g++ -Os on the protocol core, linked bare with picolibc.
# A missing toolchain prints SKIPPED with the reason; it never fails the build.
AVR_GXX    := $(shell command -v avr-g++ 2>/dev/null)
AVR_HOME   := /usr/share/arduino/hardware/arduino/avr
AVR_CFLAGS := -mmcu=atmega328p -DF_CPU=16000000L -DARDUINO=10819 -DARDUINO_AVR_UNO -DARDUINO_ARCH_AVR -Os \
              -ffunction-sections -fdata-sections -flto -I$(AVR_HOME)/cores/arduino -I$(AVR_HOME)/variants/standard
AVR_LDFLAGS := -Os -flto -fuse-linker-plugin -Wl,--gc-sections
# A 2 KB-RAM board needs small buffers.
AVR_CONFIG := -DHYPERTCP_RX_BUFFER_SIZE=256 -DHYPERTCP_TX_BUFFER_SIZE=256 -DHYPERTCP_MAX_TOKEN_LENGTH=32 \
              -DHYPERTCP_MAX_HOST_LENGTH=32 -DHYPERTCP_READ_CHUNK=32
AVR_BUFFERS := 513
# The sketch built with no -D flags at all, as the Arduino IDE builds it for an Uno, must leave a
# quarter of the 2048 B RAM to the stack (the IDE warns "Low memory available" above 75%).
AVR_RAM_LIMIT := 1536
AVR_LIB_SRC := $(filter-out src/adapters/PosixTransport.cpp,$(TCP_SRC))
AVR_OUT    := $(BUILD)/avr

XT_GXX     := $(shell command -v xtensa-lx106-elf-g++ 2>/dev/null)
XT_SPECS   := $(wildcard /usr/lib/xtensa-lx106-elf/picolibc.specs)
XT_FLAGS   := -std=c++11 $(WARN) -Os -mlongcalls -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti \
              -DHYPERTCP_USE_PGMSPACE -Itest/targets/esp8266 -Isrc -specs=$(XT_SPECS)
XT_BUFFERS := $(shell expr 1024 + 1 + 1024)
XT_OUT     := $(BUILD)/xtensa
# The "lean" size: optional features off (docs/FIRMWARE.md, Configuration).
SIZE_LEAN  := -DHYPERTCP_ENABLE_REDIRECT=0 -DHYPERTCP_STRICT_JSON=0 -DHYPERTCP_ENABLE_UDP=0

.PHONY: target-avr target-xtensa

# The Arduino core, built once like the IDE does.
$(AVR_OUT)/core.a: mk/targets.mk
	@mkdir -p $(AVR_OUT)/core
	@set -e; for f in $(AVR_HOME)/cores/arduino/*.c; do \
	  avr-gcc $(AVR_CFLAGS) -c $$f -o $(AVR_OUT)/core/$$(basename $$f).o; done; \
	for f in $(AVR_HOME)/cores/arduino/*.cpp; do \
	  avr-g++ $(AVR_CFLAGS) -std=gnu++11 -fno-exceptions -fno-threadsafe-statics -DDECIMAL_DIG=17 \
	    -c $$f -o $(AVR_OUT)/core/$$(basename $$f).o; done
	@avr-gcc-ar rcs $@ $(AVR_OUT)/core/*.o
targets: target-avr target-xtensa

target-avr:
ifeq ($(AVR_GXX),)
	@echo "target avr: SKIPPED - avr-g++ not found (apt-get install -y gcc-avr avr-libc arduino-core-avr)"
else ifeq ($(wildcard $(AVR_HOME)/cores/arduino/Client.h),)
	@echo "target avr: SKIPPED - Arduino core not found at $(AVR_HOME) (apt-get install -y arduino-core-avr)"
else
	@echo "== target avr: adapter + client against the real Arduino Client.h (avr-g++ -Os -flto, atmega328p), default and lean"
	@$(MAKE) -s $(AVR_OUT)/core.a
	@set -e; for cfg in default lean; do flags=; [ $$cfg = lean ] && flags="$(SIZE_LEAN)"; \
	  avr-g++ $(AVR_CFLAGS) $(AVR_CONFIG) $$flags -std=gnu++11 -fno-exceptions -fno-threadsafe-statics $(WARN) -Isrc \
	    test/targets/avr_sketch.cpp $(AVR_LIB_SRC) $(AVR_OUT)/core.a $(AVR_LDFLAGS) -o $(AVR_OUT)/sketch-$$cfg.elf; done
	@avr-g++ $(AVR_CFLAGS) -std=gnu++11 -fno-exceptions -fno-threadsafe-statics -DHYPERTCP_BASELINE \
	  test/targets/avr_sketch.cpp $(AVR_OUT)/core.a $(AVR_LDFLAGS) -o $(AVR_OUT)/baseline.elf
	@echo "   ok: linked $(AVR_OUT)/sketch-default.elf and sketch-lean.elf"
	@avr-g++ $(AVR_CFLAGS) -std=gnu++11 -fno-exceptions -fno-threadsafe-statics $(WARN) -Isrc \
	  test/targets/avr_sketch.cpp $(AVR_LIB_SRC) $(AVR_OUT)/core.a $(AVR_LDFLAGS) -o $(AVR_OUT)/sketch-uno.elf
	@ram=$$(avr-size -A $(AVR_OUT)/sketch-uno.elf | awk '$$1 == ".data" || $$1 == ".bss" { s += $$2 } END { print s + 0 }'); \
	if [ $$ram -gt $(AVR_RAM_LIMIT) ]; then \
	  echo "FAILED: with the library's defaults (no -D flags) the Uno sketch takes $$ram B of static RAM, over $(AVR_RAM_LIMIT) of 2048 (the rest is the stack's)"; exit 1; fi; \
	echo "   ok: with the library's defaults (no -D flags) the Uno sketch takes $$ram B of static RAM (at most $(AVR_RAM_LIMIT) of 2048)"
endif

target-xtensa:
ifeq ($(XT_GXX),)
	@echo "target esp8266: SKIPPED - xtensa-lx106-elf-g++ not found (apt-get install -y gcc-xtensa-lx106 picolibc-xtensa-lx106-elf)"
else ifeq ($(XT_SPECS),)
	@echo "target esp8266: SKIPPED - picolibc for xtensa-lx106 not found (apt-get install -y picolibc-xtensa-lx106-elf)"
else
	@echo "== target esp8266: protocol core with xtensa-lx106-elf-g++ -Os, default and lean"
	@set -e; for cfg in default lean; do flags=; [ $$cfg = lean ] && flags="$(SIZE_LEAN)"; mkdir -p $(XT_OUT)/$$cfg; \
	  for f in test/targets/bare_core.cpp test/targets/bare_runtime.cpp $(AVR_LIB_SRC); do \
	    xtensa-lx106-elf-g++ $(XT_FLAGS) $$flags -c $$f -o $(XT_OUT)/$$cfg/$$(basename $$f).o; done; \
	  xtensa-lx106-elf-gcc -nostdlib -Wl,--gc-sections -T test/targets/esp8266-size.ld $(XT_OUT)/$$cfg/*.o \
	    -L$(dir $(XT_SPECS))lib -Wl,--start-group -lc -lgcc -Wl,--end-group -o $(XT_OUT)/core-$$cfg.elf; done
	@echo "   ok: linked $(XT_OUT)/core-default.elf and core-lean.elf"
endif

# Flash = .text + .rodata + .data (initialised data is stored in flash); RAM = .data + .bss.
size: targets
	@echo "Protocol core size per target (HyperTCP client, codec, JSON scanner/writer, Client adapter);"
	@echo "default = every feature on, lean = $(SIZE_LEAN):"
	@for cfg in default lean; do \
	  if [ -f $(AVR_OUT)/sketch-$$cfg.elf ]; then \
	    avr-size -A $(AVR_OUT)/sketch-$$cfg.elf > $(AVR_OUT)/sketch-$$cfg.size; avr-size -A $(AVR_OUT)/baseline.elf > $(AVR_OUT)/baseline.size; \
	    awk -v buffers=$(AVR_BUFFERS) -f mk/size.awk target="avr atmega328p $$cfg (avr-g++ 5.4 -Os -flto, RX/TX 256)" \
	      $(AVR_OUT)/sketch-$$cfg.size $(AVR_OUT)/baseline.size; \
	  else echo "  avr: skipped (no toolchain)"; fi; \
	  if [ -f $(XT_OUT)/core-$$cfg.elf ]; then \
	    xtensa-lx106-elf-size -A $(XT_OUT)/core-$$cfg.elf > $(XT_OUT)/core-$$cfg.size; \
	    awk -v buffers=$(XT_BUFFERS) -v rodata_in_ram=1 -f mk/size.awk target="esp8266 xtensa-lx106 $$cfg (g++ 12 -Os, RX/TX 1024)" \
	      $(XT_OUT)/core-$$cfg.size /dev/null; \
	  else echo "  esp8266: skipped (no toolchain)"; fi; \
	done

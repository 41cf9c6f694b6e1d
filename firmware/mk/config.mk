# Compile-time configuration: every out-of-range value must stop the build with its #error,
# and the defaults must compile. An entry of several values joined by commas is one build (values
# fine alone, wrong together); its #error names the first.
BAD_CONFIGS := HYPERTCP_RX_BUFFER_SIZE=32 HYPERTCP_RX_BUFFER_SIZE=70000 HYPERTCP_TX_BUFFER_SIZE=100 \
  HYPERTCP_READ_CHUNK=8 HYPERTCP_READS_PER_RUN=0 HYPERTCP_MAX_TOKEN_LENGTH=4 HYPERTCP_MAX_HOST_LENGTH=300 \
  HYPERTCP_CONNECT_TIMEOUT_MS=10 HYPERTCP_LOGIN_TIMEOUT_MS=70000 HYPERTCP_KEEPALIVE_MS=100 \
  HYPERTCP_PING_TIMEOUT_MS=100 HYPERTCP_RECONNECT_MIN_MS=60000 HYPERTCP_RECONNECT_MAX_MS=4000000 \
  HYPERTCP_REDIRECT_MAX_FAILURES=0 HYPERTCP_ENABLE_REDIRECT=2 HYPERTCP_STRICT_JSON=2 HYPERTCP_ENABLE_UDP=2 \
  HYPERTCP_JSON_KEY_HASHES=1 HYPERTCP_JSON_KEY_HASHES=3 \
  HYPERTCP_JSON_KEY_HASHES=5000 HYPERTCP_JSON_DOCUMENT_SIZE=0 HYPERTCP_JSON_DOCUMENT_SIZE=70000 \
  HYPERTCP_MAX_TOKEN_LENGTH=128,HYPERTCP_TX_BUFFER_SIZE=128 \
  HYPERTCP_MAX_TOKEN_LENGTH=100,HYPERTCP_TX_BUFFER_SIZE=133

config:
	@echo "== config: defaults compile; $(words $(BAD_CONFIGS)) out-of-range values are refused"
	@echo '#include "hypertcp/Config.h"' | $(CXX) -std=c++11 -Isrc -x c++ -fsyntax-only -
	@for def in $(BAD_CONFIGS); do \
	  name=$${def%%=*}; flags="-D$$(echo $$def | sed 's/,/ -D/g')"; \
	  if echo '#include "hypertcp/Config.h"' | $(CXX) -std=c++11 -Isrc $$flags -x c++ -fsyntax-only - 2> $(BUILD)/config.log; then \
	    echo "FAIL: $$flags compiled"; exit 1; fi; \
	  grep -q "#error.*$$name" $(BUILD)/config.log || { echo "FAIL: $$flags failed without its #error"; cat $(BUILD)/config.log; exit 1; }; \
	done

# A sketch compiled with other layout values than the library must fail to link (Config.h,
# HYPERTCP_CONFIG_SYMBOL) rather than run with two object layouts; the same values must link.
CONFIG_LIB_OBJ := $(patsubst %.cpp,$(BUILD)/heap/%.o,$(TCP_SRC))
config: config-mismatch
.PHONY: config-mismatch
config-mismatch: $(CONFIG_LIB_OBJ)
	@printf '%s\n' '#include "HyperTCP.h"' \
	  'struct T { bool connect(const char*, uint16_t) { return true; }' \
	  '  hypertcp::ConnectStatus connectStatus() { return hypertcp::ConnectStatus::Connected; }' \
	  '  int read(uint8_t*, size_t) { return 0; } int write(const uint8_t*, size_t n) { return (int)n; } void close() {} };' \
	  'T t; HyperTCPProtocol<T> client(t);' 'int main() { client.run(); return 0; }' > $(BUILD)/config_sketch.cpp
	@$(CXX) $(BASE) -O1 $(BUILD)/config_sketch.cpp $(CONFIG_LIB_OBJ) -o $(BUILD)/config_sketch \
	  || { echo "FAIL: a sketch with the library's own configuration did not link"; exit 1; }
	@if $(CXX) $(BASE) -O1 -DHYPERTCP_RX_BUFFER_SIZE=2048 $(BUILD)/config_sketch.cpp $(CONFIG_LIB_OBJ) \
	    -o $(BUILD)/config_sketch 2> $(BUILD)/config-mismatch.log; then echo "FAIL: a mismatched sketch linked"; exit 1; fi
	@grep -q "hypertcp_config_rx2048_tx1024" $(BUILD)/config-mismatch.log || { echo "FAIL: no config symbol in the link error"; cat $(BUILD)/config-mismatch.log; exit 1; }
	@echo "== config: a sketch built with other buffer sizes than the library fails to link, naming its values"

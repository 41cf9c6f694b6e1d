# Compile-time configuration: every out-of-range value must stop the build with its #error,
# and the defaults must compile.
BAD_CONFIGS := HYPERTCP_RX_BUFFER_SIZE=32 HYPERTCP_RX_BUFFER_SIZE=70000 HYPERTCP_TX_BUFFER_SIZE=100 \
  HYPERTCP_READ_CHUNK=8 HYPERTCP_READS_PER_RUN=0 HYPERTCP_MAX_TOKEN_LENGTH=4 HYPERTCP_MAX_HOST_LENGTH=300 \
  HYPERTCP_CONNECT_TIMEOUT_MS=10 HYPERTCP_LOGIN_TIMEOUT_MS=70000 HYPERTCP_KEEPALIVE_MS=100 \
  HYPERTCP_PING_TIMEOUT_MS=100 HYPERTCP_RECONNECT_MIN_MS=60000 HYPERTCP_RECONNECT_MAX_MS=4000000 \
  HYPERTCP_REDIRECT_MAX_FAILURES=0 HYPERTCP_ENABLE_REDIRECT=2 HYPERTCP_STRICT_JSON=2

config:
	@echo "== config: defaults compile; $(words $(BAD_CONFIGS)) out-of-range values are refused"
	@echo '#include "hypertcp/Config.h"' | $(CXX) -std=c++11 -Isrc -x c++ -fsyntax-only -
	@for def in $(BAD_CONFIGS); do \
	  name=$${def%%=*}; \
	  if echo '#include "hypertcp/Config.h"' | $(CXX) -std=c++11 -Isrc -D$$def -x c++ -fsyntax-only - 2> $(BUILD)/config.log; then \
	    echo "FAIL: -D$$def compiled"; exit 1; fi; \
	  grep -q "#error.*$$name" $(BUILD)/config.log || { echo "FAIL: -D$$def failed without its #error"; cat $(BUILD)/config.log; exit 1; }; \
	done

# libFuzzer run of test/fuzz_decoder.cpp for FUZZ_SECONDS (bounded), when clang can build it.
CLANGXX := $(firstword $(shell command -v clang++ clang++-14 2>/dev/null))
FUZZ_BIN := $(BUILD)/fuzz/fuzz_decoder
# A shorter second run on the lean build (structural JSON, no redirect).
FUZZ_LEAN_SECONDS ?= 5
FUZZ_LEAN_BIN := $(BUILD)/fuzz/fuzz_decoder_lean
FUZZ_SRC := test/fuzz_decoder.cpp test/scripted.cpp $(filter-out src/adapters/PosixTransport.cpp,$(TCP_SRC))
# And a differential run: the JSON scanner with a 16-entry key table against the walk (no table).
FUZZ_DIFF_SECONDS ?= 10
FUZZ_DIFF_DIR := $(BUILD)/fuzz/json-diff
FUZZ_FLAGS := -std=c++11 -g -O1 -Isrc/hypertcp -fsanitize=address,undefined -fno-sanitize-recover=all

fuzz:
ifeq ($(CLANGXX),)
	@echo "fuzz: SKIPPED - clang++ not found (apt-get install -y clang libclang-rt-14-dev)"
else
	@mkdir -p $(BUILD)/fuzz/corpus
	@if $(CLANGXX) -std=c++11 -g -O1 -Isrc -Itest -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	      $(FUZZ_SRC) -o $(FUZZ_BIN) 2> $(BUILD)/fuzz/build.log; then \
	  echo "== fuzz: $(FUZZ_SECONDS) s of libFuzzer on the decoder, parsers and client"; \
	  $(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -dict=test/fuzz.dict -rss_limit_mb=1024 -print_final_stats=1 \
	    $(BUILD)/fuzz/corpus 2> $(BUILD)/fuzz/run.log || { tail -40 $(BUILD)/fuzz/run.log; exit 1; }; \
	  grep -E "stat::number_of_executed_units|Done" $(BUILD)/fuzz/run.log | sed 's/^/   /'; \
	  mkdir -p $(BUILD)/fuzz/corpus-lean; \
	  $(CLANGXX) -std=c++11 -g -O1 -Isrc -Itest -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -DHYPERTCP_STRICT_JSON=0 -DHYPERTCP_ENABLE_REDIRECT=0 $(FUZZ_SRC) -o $(FUZZ_LEAN_BIN) 2> $(BUILD)/fuzz/build-lean.log \
	    || { tail -20 $(BUILD)/fuzz/build-lean.log; exit 1; }; \
	  echo "== fuzz: $(FUZZ_LEAN_SECONDS) s more on the lean build (HYPERTCP_STRICT_JSON=0, HYPERTCP_ENABLE_REDIRECT=0)"; \
	  $(FUZZ_LEAN_BIN) -max_total_time=$(FUZZ_LEAN_SECONDS) -max_len=4096 -dict=test/fuzz.dict -rss_limit_mb=1024 \
	    -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/ $(BUILD)/fuzz/corpus-lean $(BUILD)/fuzz/corpus \
	    2> $(BUILD)/fuzz/run-lean.log || { tail -40 $(BUILD)/fuzz/run-lean.log; exit 1; }; \
	  grep -E "stat::number_of_executed_units|Done" $(BUILD)/fuzz/run-lean.log | sed 's/^/   /'; \
	  mkdir -p $(FUZZ_DIFF_DIR)/corpus; \
	  { $(CLANGXX) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -DHYPERTCP_JSON_KEY_HASHES=16 -c src/hypertcp/JsonScan.cpp -o $(FUZZ_DIFF_DIR)/table.o && \
	    $(CLANGXX) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -DHYPERTCP_JSON_KEY_HASHES=0 -Dhypertcp=hypertcp_walk -c src/hypertcp/JsonScan.cpp -o $(FUZZ_DIFF_DIR)/walk.o && \
	    $(CLANGXX) $(FUZZ_FLAGS) -fsanitize=fuzzer test/fuzz_json_diff.cpp $(FUZZ_DIFF_DIR)/table.o $(FUZZ_DIFF_DIR)/walk.o -o $(FUZZ_DIFF_DIR)/fuzz_json_diff; } \
	    2> $(FUZZ_DIFF_DIR)/build.log || { tail -20 $(FUZZ_DIFF_DIR)/build.log; exit 1; }; \
	  echo "== fuzz: $(FUZZ_DIFF_SECONDS) s of the JSON key table (16 entries) against the walk, answer for answer"; \
	  $(FUZZ_DIFF_DIR)/fuzz_json_diff -max_total_time=$(FUZZ_DIFF_SECONDS) -max_len=2048 -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIFF_DIR)/ $(FUZZ_DIFF_DIR)/corpus 2> $(FUZZ_DIFF_DIR)/run.log || { tail -40 $(FUZZ_DIFF_DIR)/run.log; exit 1; }; \
	  grep -E "stat::number_of_executed_units|Done" $(FUZZ_DIFF_DIR)/run.log | sed 's/^/   /'; \
	else \
	  echo "fuzz: SKIPPED - $(CLANGXX) cannot link -fsanitize=fuzzer (apt-get install -y libclang-rt-14-dev):"; \
	  tail -3 $(BUILD)/fuzz/build.log | sed 's/^/   /'; \
	fi
endif

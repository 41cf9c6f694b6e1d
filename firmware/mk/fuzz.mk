# libFuzzer run of test/fuzz_decoder.cpp for FUZZ_SECONDS (bounded), when clang can build it.
CLANGXX := $(firstword $(shell command -v clang++ clang++-14 2>/dev/null))
FUZZ_BIN := $(BUILD)/fuzz/fuzz_decoder
# A shorter second run on the lean build (structural JSON, no redirect).
FUZZ_LEAN_SECONDS ?= 5
FUZZ_LEAN_BIN := $(BUILD)/fuzz/fuzz_decoder_lean
FUZZ_SRC := test/fuzz_decoder.cpp test/scripted.cpp $(filter-out src/adapters/PosixTransport.cpp,$(TCP_SRC))

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
	else \
	  echo "fuzz: SKIPPED - $(CLANGXX) cannot link -fsanitize=fuzzer (apt-get install -y libclang-rt-14-dev):"; \
	  tail -3 $(BUILD)/fuzz/build.log | sed 's/^/   /'; \
	fi
endif

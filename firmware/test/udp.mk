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

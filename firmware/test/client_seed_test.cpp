// Where the reconnect jitter's seed comes from: begin() reads the platform's seed source, the
// constructor does not. A global client is constructed before Arduino's init(): on AVR micros()
// is still 0 and the ADC off then, so a seed taken there is the same on every board (and
// analogRead() may never return). This binary links its own platform (below) instead of
// Platform.cpp, to count and choose what the seed source returns.
#include "check.h"
#include "scripted.h"

using namespace hypertcp;

namespace {
int seedReads = 0;
uint32_t seedValue = 0;
}  // namespace

namespace hypertcp {
uint32_t platformMillis() { return test::clock(); }
void platformSleepMs(uint32_t) {}
uint32_t platformRandomSeed() {
  seedReads++;
  return seedValue;
}
}  // namespace hypertcp

namespace {
test::Scripted t;

class Device : public HyperTCPProtocol<test::Scripted> {
 public:
  Device() : HyperTCPProtocol<test::Scripted>(t) { setClock(test::clock); }
};

// The backoff delays of a device whose every connection attempt is refused: they follow its seed.
void refusedDelays(Device& c, uint32_t (&delays)[6]) {
  t.reset();
  t.connectResult = false;
  CHECK(c.begin("tok-00000000", "h", 1));
  c.run();
  for (uint32_t& delay : delays) {
    delay = c.retryDelayMs();
    test::now += delay;
    c.run();
  }
  c.disconnect();
}

bool same(const uint32_t (&a)[6], const uint32_t (&b)[6]) {
  for (int i = 0; i < 6; i++)
    if (a[i] != b[i]) return false;
  return true;
}
}  // namespace

TEST(the_seed_source_is_read_at_begin_not_at_construction) {
  seedReads = 0;
  seedValue = 7;  // what a board would read before init(): the same everywhere
  Device first, second;
  CHECK_EQ(seedReads, 0);
  seedValue = 1234567;  // after init(): each board its own
  uint32_t firstDelays[6], secondDelays[6];
  refusedDelays(first, firstDelays);
  CHECK_EQ(seedReads, 1);
  seedValue = 89101112;
  refusedDelays(second, secondDelays);
  CHECK_EQ(seedReads, 2);
  CHECK(!same(firstDelays, secondDelays));  // two boards do not reconnect in lockstep
  // The delays are those of the seed read at begin(): a third device given it repeats them.
  seedValue = 1234567;
  Device third;
  uint32_t thirdDelays[6];
  refusedDelays(third, thirdDelays);
  CHECK(same(firstDelays, thirdDelays));
}

TEST(a_seed_set_by_the_sketch_is_kept_by_begin) {
  seedReads = 0;
  seedValue = 1234567;
  Device fromSource, fromSketch;
  uint32_t sourceDelays[6], sketchDelays[6];
  refusedDelays(fromSource, sourceDelays);
  seedValue = 42;
  fromSketch.setRandomSeed(1234567);
  refusedDelays(fromSketch, sketchDelays);
  CHECK_EQ(seedReads, 1);  // only fromSource's begin() read the source
  CHECK(same(sourceDelays, sketchDelays));
  refusedDelays(fromSketch, sketchDelays);  // a second begin() keeps it too
  CHECK_EQ(seedReads, 1);
}

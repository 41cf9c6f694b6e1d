// The few things the core needs from the platform: a millisecond clock, a short sleep for the
// blocking connect(), and a random seed for reconnect jitter. Arduino and POSIX are built in;
// elsewhere call setClock()/setRandomSeed() on the client.
#ifndef HYPERTCP_PLATFORM_H
#define HYPERTCP_PLATFORM_H

#include <stdint.h>

namespace hypertcp {

typedef uint32_t (*MillisFn)();

uint32_t platformMillis();
void platformSleepMs(uint32_t ms);
uint32_t platformRandomSeed();

// Small, fast PRNG for jitter (xorshift32). Not for secrets.
class Random {
 public:
  explicit Random(uint32_t seed = 0x9E3779B9u) : state_(seed ? seed : 0x9E3779B9u) {}
  void seed(uint32_t seed) { state_ = seed ? seed : 0x9E3779B9u; }
  uint32_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }
  // Uniform enough in [0, bound] for jitter.
  uint32_t upTo(uint32_t bound) { return bound == 0xFFFFFFFFu ? next() : next() % (bound + 1); }

 private:
  uint32_t state_;
};

}  // namespace hypertcp

#endif

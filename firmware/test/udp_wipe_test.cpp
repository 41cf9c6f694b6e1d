// Key material left on the stack: after the key derivation (HKDF, HMAC) and a session start return,
// none of the key bytes they handled may remain in the stack memory their frames used.
//
// How: scrub() zeroes a large stack area; the operation runs (its frames land in that area); then
// deadStackHolds() overlays the same area with an uninitialised array and searches it for the
// secret. The secrets the test knows (key, IV, PRK, token hash) are kept in globals, so the only
// copies on the stack are the ones the code under test left behind. A control (a function that
// deliberately leaves a copy) proves the search can see dead frames in this build; without it a
// build where it cannot (e.g. ASan's fake stacks) would pass for the wrong reason. Each search
// reports on its own when the test ends (DeadStackLeaks), so one run names every leak.
#include <string.h>

#include "check.h"
#include "udp/UdpPeer.h"
#include "udp_dead_stack.h"
#include "udp_pair.h"

using namespace hypertcp::udp;
using namespace udptest;

namespace {

uint8_t tokenHash[32], serverNonce[16], deviceNonce[16], prk[32], salt[32];
DirectionKey derived, next;

__attribute__((noinline)) void derive() { deriveDirectionKey(tokenHash, serverNonce, deviceNonce, 0x01020304, "d2s", derived); }
__attribute__((noinline)) void update() { nextDirectionKey(derived, next); }

}  // namespace

TEST(udp_wipe_bytes_zeroes) {
  uint8_t b[45];
  memset(b, 0xA5, sizeof b);
  wipeBytes(b + 1, 43);
  CHECK_EQ(b[0], 0xA5);
  CHECK_EQ(b[44], 0xA5);
  for (size_t i = 1; i < 44; i++) CHECK_EQ(b[i], 0);
}

TEST(udp_dead_stack_search_sees_a_leftover_copy) {
  uint8_t secret[32];
  fill(secret, sizeof secret, 0x5A);
  static uint8_t kept[32];
  memcpy(kept, secret, sizeof kept);
  memset(secret, 0, sizeof secret);
  scrub();
  CHECK_EQ(leaveCopyDeeper(kept, sizeof kept), kept[0]);
  CHECK(deadStackHolds(kept, sizeof kept));
}

TEST(udp_key_derivation_leaves_no_key_on_the_stack) {
  fill(tokenHash, 32, 1);
  fill(serverNonce, 16, 2);
  fill(deviceNonce, 16, 3);
  memcpy(salt, serverNonce, 16);
  memcpy(salt + 16, deviceNonce, 16);
  hmacSha256(salt, 32, tokenHash, 32, prk);  // HKDF-Extract: what deriveDirectionKey's HKDF computes first

  DeadStackLeaks leaks;
  scrub();
  derive();
  EXPECT_OFF_DEAD_STACK(leaks, derived.key, 16);
  EXPECT_OFF_DEAD_STACK(leaks, derived.key + 16, 16);
  EXPECT_OFF_DEAD_STACK(leaks, derived.iv, 12);
  EXPECT_OFF_DEAD_STACK(leaks, prk, 16);
  EXPECT_OFF_DEAD_STACK(leaks, tokenHash, 16);

  scrub();
  update();
  EXPECT_OFF_DEAD_STACK(leaks, next.key, 16);
  EXPECT_OFF_DEAD_STACK(leaks, next.key + 16, 16);
  EXPECT_OFF_DEAD_STACK(leaks, next.iv, 12);
  EXPECT_OFF_DEAD_STACK(leaks, derived.key, 16);  // the current key, HMAC's key there
}

namespace {
uint8_t hmacKey[32], hmacOut[32];
__attribute__((noinline)) void mac() {
  static const uint8_t data[] = "message";
  hmacSha256(hmacKey, sizeof hmacKey, data, sizeof data - 1, hmacOut);
}
}  // namespace

TEST(udp_hmac_leaves_no_key_on_the_stack) {
  DeadStackLeaks leaks;
  fill(hmacKey, sizeof hmacKey, 9);
  scrub();
  mac();
  EXPECT_OFF_DEAD_STACK(leaks, hmacKey, 16);
  EXPECT_OFF_DEAD_STACK(leaks, hmacOut, 16);
}

namespace {
const char kToken[] = "a-device-token-of-some-length-0123456789";
const char kServerNonceHex[] = "00112233445566778899aabbccddeeff";
uint8_t startNonce[16], startHash[32], startServerNonce[16], tokenTail[16];
DirectionKey d2s, s2d;
udptest::RecordingLink<8> link;
UdpPeer* peer;
__attribute__((noinline)) bool start() { return peer->beginFromLogin(&link, 7, kServerNonceHex, kToken, startNonce, 1000); }
}  // namespace

// The device's session start hashes the token and derives both direction keys on its stack.
TEST(udp_session_start_leaves_no_token_or_key_on_the_stack) {
  static UdpPeer device;
  peer = &device;
  fill(startNonce, 16, 4);
  for (int i = 0; i < 16; i++) startServerNonce[i] = static_cast<uint8_t>(0x11 * i);
  // What the session start computes, worked out first (its leftovers scrubbed below).
  Sha256 sha;
  sha.update(reinterpret_cast<const uint8_t*>(kToken), strlen(kToken));
  sha.finish(startHash);
  deriveDirectionKey(startHash, startServerNonce, startNonce, 7, "d2s", d2s);
  deriveDirectionKey(startHash, startServerNonce, startNonce, 7, "s2d", s2d);
  memcpy(tokenTail, kToken + 24, sizeof tokenTail);  // the end of the token: in SHA-256's last block
  wipeBytes(&sha, sizeof sha);

  DeadStackLeaks leaks;
  scrub();
  bool started = start();  // checked after the searches: a failure's report would overwrite the dead stack
  EXPECT_OFF_DEAD_STACK(leaks, tokenTail, sizeof tokenTail);
  EXPECT_OFF_DEAD_STACK(leaks, startHash, 16);
  EXPECT_OFF_DEAD_STACK(leaks, d2s.key, 16);
  EXPECT_OFF_DEAD_STACK(leaks, s2d.key, 16);
  EXPECT_OFF_DEAD_STACK(leaks, d2s.iv, 12);
  EXPECT_OFF_DEAD_STACK(leaks, s2d.iv, 12);
  CHECK(started);
  device.close("done", 1001);
}


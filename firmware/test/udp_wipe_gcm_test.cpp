// AES-256-GCM leaves no keystream, AES state or GHASH result on the stack (the dead-stack search of
// udp_dead_stack.h). Also built without sanitizers at -O2 and -Os by the udp-wipe-opt step: a wipe
// must survive the optimiser, and the compiler's own temporaries differ by level.
#include <string.h>

#include "check.h"
#include "udp/UdpCrypto.h"
#include "udp_dead_stack.h"

using namespace hypertcp::udp;
using namespace udptest;

// AES-256-GCM itself, per datagram: the CTR keystream (the blocks XORed into the data: with the
// ciphertext they give the plaintext) and the AES state encryptBlocks works in (after the last
// round its words hold the pass's two output blocks: in seal the hash key H and E(K, J0)), and
// GHASH's result (XOR the public tag: E(K, J0)). The needles are worked out beforehand into globals.
namespace {
Aes256Gcm gcm;  // its key schedule is kept on purpose (a cached SessionKey holds one): a global here
Aes256 reference;
uint8_t gcmKey[32], nonce[12], aad[13], plain[64], sealed[64], tag[16], opened[64], block[16], blockOut[16];
// Keystream bytes 32..63 (the last two-block pass of a 64-byte message), H, E(K, J0), GHASH's result
// (tag XOR E(K, J0)), and the state images of the last passes of open and seal and of encryptBlock.
uint8_t keystream[32], hashKey[16], ej0[16], ghashOut[16], goodTag[16];
uint8_t ksImage[32], tagImage[32], blockImage[32];

// The two output blocks as encryptBlocks' state words hold them once store() has transposed them
// back (q[8] on a little-endian host): word i is bytes j and j + 2 of each block,
// j = (i >> 2) + 4 (i & 3). Tied to udp/UdpAes.cpp's bit layout: change both together.
void stateImage(const uint8_t* b0, const uint8_t* b1, uint8_t out[32]) {
  for (int i = 0; i < 8; i++) {
    int j = (i >> 2) + 4 * (i & 3);
    out[4 * i] = b0[j], out[4 * i + 1] = b0[j + 2], out[4 * i + 2] = b1[j], out[4 * i + 3] = b1[j + 2];
  }
}

__attribute__((noinline)) void gcmSeal() { gcm.seal(nonce, aad, sizeof aad, plain, sizeof plain, sealed, tag); }
__attribute__((noinline)) bool gcmOpen() { return gcm.open(nonce, aad, sizeof aad, sealed, sizeof sealed, tag, opened); }
__attribute__((noinline)) void oneBlock() { reference.encryptBlock(block, blockOut); }

// What seal, open and encryptBlock compute, worked out first (the leftovers scrubbed before each run).
void setUpGcm() {
  fill(gcmKey, sizeof gcmKey, 21);
  fill(nonce, sizeof nonce, 22);
  fill(aad, sizeof aad, 23);
  fill(plain, sizeof plain, 24);
  gcm.setKey(gcmKey);
  reference.setKey(gcmKey);
  uint8_t in[16] = {0};
  reference.encryptBlock(in, hashKey);  // H = E(K, 0)
  memcpy(in, nonce, 12);
  in[15] = 1;
  reference.encryptBlock(in, ej0);
  stateImage(hashKey, ej0, tagImage);
  gcm.seal(nonce, aad, sizeof aad, plain, sizeof plain, sealed, tag);
  for (size_t i = 0; i < sizeof keystream; i++) keystream[i] = static_cast<uint8_t>(sealed[32 + i] ^ plain[32 + i]);
  stateImage(keystream, keystream + 16, ksImage);
  for (int i = 0; i < 16; i++) ghashOut[i] = static_cast<uint8_t>(tag[i] ^ ej0[i]);
  memcpy(goodTag, tag, 16);
  fill(block, sizeof block, 25);
  reference.encryptBlock(block, blockOut);
  stateImage(blockOut, blockOut, blockImage);
}
}  // namespace

// The control, as in udp_wipe_test.cpp: in this build the search finds a copy a dead frame left
// behind, of a block and of a single state word.
TEST(udp_dead_stack_search_sees_a_leftover_block_and_word) {
  static uint8_t secret[16], word[4] = {0xC3, 0x5A, 0x96, 0x3C};
  fill(secret, sizeof secret, 0x5A);
  scrub();
  CHECK_EQ(leaveCopyDeeper(secret, sizeof secret), secret[0]);
  CHECK(deadStackHolds(secret, sizeof secret));
  scrub();
  CHECK_EQ(leaveCopyDeeper(word, sizeof word), word[0]);
  CHECK(deadStackHolds(word, sizeof word));
}

// A macro, not a function: a helper's own frame would land on the dead stack it is to search.
#define EXPECT_NO_GCM_SECRETS_ON_DEAD_STACK(leaks)                                          \
  do {                                                                                      \
    EXPECT_OFF_DEAD_STACK(leaks, keystream, 16);                                            \
    EXPECT_OFF_DEAD_STACK(leaks, keystream + 16, 16);                                       \
    for (size_t i = 0; i < 32; i += 4) EXPECT_OFF_DEAD_STACK(leaks, ksImage + i, 4);        \
    EXPECT_OFF_DEAD_STACK(leaks, hashKey, 16);                                              \
    EXPECT_OFF_DEAD_STACK(leaks, ej0, 16);                                                  \
    for (size_t i = 0; i < 32; i += 4) EXPECT_OFF_DEAD_STACK(leaks, tagImage + i, 4);       \
    EXPECT_OFF_DEAD_STACK(leaks, ghashOut, 16);                                             \
  } while (0)

TEST(udp_gcm_seal_leaves_no_keystream_or_aes_state_on_the_stack) {
  DeadStackLeaks leaks;
  setUpGcm();
  scrub();
  gcmSeal();
  EXPECT_NO_GCM_SECRETS_ON_DEAD_STACK(leaks);
}

TEST(udp_gcm_open_leaves_no_keystream_or_aes_state_on_the_stack) {
  DeadStackLeaks leaks;
  setUpGcm();
  scrub();
  bool ok = gcmOpen();
  EXPECT_NO_GCM_SECRETS_ON_DEAD_STACK(leaks);
  CHECK(ok);
  CHECK(memcmp(opened, plain, sizeof plain) == 0);
}

// A refused datagram: the tag it should have had (all a forger lacks) is not left behind either.
TEST(udp_gcm_open_refused_leaves_no_expected_tag_on_the_stack) {
  DeadStackLeaks leaks;
  setUpGcm();
  tag[5] ^= 1;
  scrub();
  bool ok = gcmOpen();
  EXPECT_OFF_DEAD_STACK(leaks, goodTag, 16);
  EXPECT_OFF_DEAD_STACK(leaks, ghashOut, 16);
  for (size_t i = 0; i < 32; i += 4) EXPECT_OFF_DEAD_STACK(leaks, tagImage + i, 4);
  CHECK(!ok);
}

// encryptBlock runs a two-block pass and drops the second output.
TEST(udp_aes_block_leaves_no_state_on_the_stack) {
  DeadStackLeaks leaks;
  setUpGcm();
  scrub();
  oneBlock();
  EXPECT_OFF_DEAD_STACK(leaks, blockOut, 16);
  for (size_t i = 0; i < 32; i += 4) EXPECT_OFF_DEAD_STACK(leaks, blockImage + i, 4);
}

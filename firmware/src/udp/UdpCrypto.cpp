#include "UdpCrypto.h"

#include <string.h>

namespace hypertcp {
namespace udp {

void wipeBytes(void* p, size_t n) {
  volatile uint8_t* b = static_cast<volatile uint8_t*>(p);
  while (n-- > 0) *b++ = 0;
}

// Key material on the stack (key copies, HMAC pads, PRK, HKDF blocks, SHA-256's message
// schedule, which holds the padded key) is wiped before each function returns.

// ---- SHA-256 (FIPS 180-4) ----
namespace {
const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
inline uint32_t be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
inline void putBe32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
}  // namespace

void Sha256::reset() {
  static const uint32_t init[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(h_, init, sizeof h_);
  total_ = 0;
  used_ = 0;
}

void Sha256::block(const uint8_t* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++) w[i] = be32(p + 4 * i);
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
  h_[5] += f;
  h_[6] += g;
  h_[7] += h;
  wipeBytes(w, sizeof w);
}

void Sha256::update(const uint8_t* data, size_t length) {
  total_ += length;
  while (length > 0) {
    size_t take = 64 - used_;
    if (take > length) take = length;
    memcpy(buffer_ + used_, data, take);
    used_ += take;
    data += take;
    length -= take;
    if (used_ == 64) {
      block(buffer_);
      used_ = 0;
    }
  }
}

void Sha256::finish(uint8_t out[32]) {
  uint64_t bits = total_ * 8;
  uint8_t pad = 0x80;
  update(&pad, 1);
  uint8_t zero = 0;
  while (used_ != 56) update(&zero, 1);
  uint8_t length[8];
  for (int i = 0; i < 8; i++) length[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  update(length, 8);
  for (int i = 0; i < 8; i++) putBe32(out + 4 * i, h_[i]);
  reset();
}

namespace {
// HMAC-SHA256 of the concatenation a || b || c, so HKDF's T(i-1) || info || i needs no copy (and
// no bound on info).
void hmacSha256Parts(const uint8_t* key, size_t keyLength, const uint8_t* a, size_t aLength, const uint8_t* b,
                     size_t bLength, const uint8_t* c, size_t cLength, uint8_t out[32]) {
  uint8_t k[64];
  memset(k, 0, sizeof k);
  Sha256 sha;
  if (keyLength > 64) {
    sha.update(key, keyLength);
    sha.finish(k);
  } else if (keyLength > 0) {
    memcpy(k, key, keyLength);
  }
  uint8_t pad[64];
  for (int i = 0; i < 64; i++) pad[i] = static_cast<uint8_t>(k[i] ^ 0x36);
  wipeBytes(k, sizeof k);  // the outer pad is made from the inner one below
  uint8_t inner[32];
  sha.update(pad, 64);
  sha.update(a, aLength);
  sha.update(b, bLength);
  sha.update(c, cLength);
  sha.finish(inner);
  // Read back through a volatile pointer: when the outer pad was computed from k (or from pad as
  // plain reads, which GCC folds back to k), GCC -O3 kept the key in registers across the SHA-256
  // calls and spilled it to a slot of this frame that no wipe names.
  volatile uint8_t* outer = pad;
  for (int i = 0; i < 64; i++) outer[i] = static_cast<uint8_t>(outer[i] ^ (0x36 ^ 0x5c));
  sha.update(pad, 64);
  sha.update(inner, 32);
  sha.finish(out);
  wipeBytes(pad, sizeof pad);
  wipeBytes(inner, sizeof inner);
  wipeBytes(&sha, sizeof sha);  // its buffer keeps the last block
}
}  // namespace

void hmacSha256(const uint8_t* key, size_t keyLength, const uint8_t* data, size_t length, uint8_t out[32]) {
  hmacSha256Parts(key, keyLength, data, length, nullptr, 0, nullptr, 0, out);
}

bool hkdfSha256(const uint8_t* ikm, size_t ikmLength, const uint8_t* salt, size_t saltLength, const uint8_t* info,
                size_t infoLength, uint8_t* out, size_t outLength) {
  if (outLength > kHkdfMaxOutput) {  // the block counter is one byte
    memset(out, 0, outLength);
    return false;
  }
  uint8_t prk[32];
  uint8_t zeros[32];
  memset(zeros, 0, sizeof zeros);
  // RFC 5869: an empty salt means HashLen zero bytes.
  if (saltLength == 0) hmacSha256(zeros, 32, ikm, ikmLength, prk);
  else hmacSha256(salt, saltLength, ikm, ikmLength, prk);
  uint8_t t[32];
  size_t tLength = 0;
  uint8_t counter = 1;
  while (outLength > 0) {  // T(i) = HMAC(PRK, T(i-1) || info || i)
    hmacSha256Parts(prk, 32, t, tLength, info, infoLength, &counter, 1, t);
    counter++;
    tLength = 32;
    size_t take = outLength < 32 ? outLength : 32;
    memcpy(out, t, take);
    out += take;
    outLength -= take;
  }
  wipeBytes(prk, sizeof prk);
  wipeBytes(t, sizeof t);
  return true;
}

// ---- GCM (NIST SP 800-38D) ----
namespace {
// X = X * H in GF(2^128), bit-reflected as the standard describes (algorithm 1), on 32-bit words
// with masks instead of branches: X and H are secret. One word of X per call keeps everything in
// registers on a 16-register core (xtensa call0).
struct GfAcc {
  uint32_t z0, z1, z2, z3, v0, v1, v2, v3;
};
void gfMulWord(GfAcc& a, uint32_t bits) {
  uint32_t z0 = a.z0, z1 = a.z1, z2 = a.z2, z3 = a.z3, v0 = a.v0, v1 = a.v1, v2 = a.v2, v3 = a.v3;
  for (int i = 0; i < 32; i++, bits <<= 1) {
    uint32_t take = 0 - (bits >> 31);  // all ones when this bit of X is set
    z0 ^= v0 & take, z1 ^= v1 & take, z2 ^= v2 & take, z3 ^= v3 & take;
    uint32_t reduce = 0xe1000000 & (0 - (v3 & 1));
    v3 = (v3 >> 1) | (v2 << 31), v2 = (v2 >> 1) | (v1 << 31), v1 = (v1 >> 1) | (v0 << 31), v0 = (v0 >> 1) ^ reduce;
  }
  a = {z0, z1, z2, z3, v0, v1, v2, v3};
}
// Zeroes the stack just below the caller's frame, where the functions it has just called had
// theirs: for what no wipeBytes can name, such as the compiler's own temporaries (gfMul's GfAcc,
// which ends holding H times a constant, and its result assembled on the stack). 512 bytes cover
// ghash's calls with room to spare (about 250 bytes at x86-64 -O2).
__attribute__((noinline)) void wipeStackBelow() {
  volatile uint32_t area[128];
  for (size_t i = 0; i < sizeof area / sizeof area[0]; i++) area[i] = 0;
}

void gfMul(uint8_t x[16], const uint32_t h[4]) {
  GfAcc a = {0, 0, 0, 0, h[0], h[1], h[2], h[3]};
  gfMulWord(a, be32(x)), gfMulWord(a, be32(x + 4)), gfMulWord(a, be32(x + 8)), gfMulWord(a, be32(x + 12));
  putBe32(x, a.z0), putBe32(x + 4, a.z1), putBe32(x + 8, a.z2), putBe32(x + 12, a.z3);
}

void ghashAbsorb(uint8_t y[16], const uint32_t h[4], const uint8_t* data, size_t length) {
  while (length > 0) {
    size_t take = length < 16 ? length : 16;
    for (size_t i = 0; i < take; i++) y[i] ^= data[i];
    gfMul(y, h);
    data += take;
    length -= take;
  }
}
}  // namespace

void Aes256Gcm::setKey(const uint8_t key[32]) { aes_.setKey(key); }

void Aes256Gcm::ghash(const uint8_t hash[16], const uint8_t* aad, size_t aadLength, const uint8_t* c, size_t length,
                      uint8_t out[16]) const {
  uint32_t h[4];
  for (int j = 0; j < 4; j++) h[j] = be32(hash + 4 * j);
  memset(out, 0, 16);
  ghashAbsorb(out, h, aad, aadLength);
  ghashAbsorb(out, h, c, length);
  uint8_t lengths[16];
  uint64_t aBits = static_cast<uint64_t>(aadLength) * 8, cBits = static_cast<uint64_t>(length) * 8;
  for (int i = 0; i < 8; i++) {
    lengths[i] = static_cast<uint8_t>(aBits >> (56 - 8 * i));
    lengths[8 + i] = static_cast<uint8_t>(cBits >> (56 - 8 * i));
  }
  ghashAbsorb(out, h, lengths, 16);
  wipeBytes(h, sizeof h);
}

// Two counter blocks per AES pass (the bitsliced cipher does two as cheaply as one).
void Aes256Gcm::ctr(const uint8_t nonce[12], const uint8_t* in, size_t length, uint8_t* out) const {
  uint8_t counter[32];
  memcpy(counter, nonce, 12);
  memcpy(counter + 16, nonce, 12);
  uint32_t n = 2;  // counter 1 is J0, used for the tag
  uint8_t stream[32];
  while (length > 0) {
    putBe32(counter + 12, n++);
    putBe32(counter + 28, n++);
    aes_.encryptBlocks(counter, counter + 16, stream, stream + 16);
    size_t take = length < 32 ? length : 32;
    for (size_t i = 0; i < take; i++) out[i] = static_cast<uint8_t>(in[i] ^ stream[i]);
    in += take;
    out += take;
    length -= take;
  }
  wipeBytes(counter, sizeof counter);  // the nonce
  wipeBytes(stream, sizeof stream);    // the last keystream blocks: XOR the ciphertext, the plaintext
}

void Aes256Gcm::seal(const uint8_t nonce[12], const uint8_t* aad, size_t aadLength, const uint8_t* in, size_t length,
                     uint8_t* out, uint8_t tag[16]) const {
  ctr(nonce, in, length, out);
  expectedTag(nonce, aad, aadLength, out, length, tag);
}

// The tag: GHASH over AAD and ciphertext, masked with E(K, J0). The hash key H = E(K, 0) comes
// from the same two-block pass as E(K, J0), so it costs nothing extra.
void Aes256Gcm::expectedTag(const uint8_t nonce[12], const uint8_t* aad, size_t aadLength, const uint8_t* c, size_t length,
                            uint8_t tag[16]) const {
  uint8_t h[16], j0[16], ej0[16], s[16];
  memset(h, 0, 16);
  memcpy(j0, nonce, 12);
  putBe32(j0 + 12, 1);
  aes_.encryptBlocks(h, j0, h, ej0);
  ghash(h, aad, aadLength, c, length, s);
  wipeStackBelow();  // GHASH's frames: H and its state
  for (int i = 0; i < 16; i++) tag[i] = static_cast<uint8_t>(s[i] ^ ej0[i]);
  wipeBytes(h, sizeof h);  // the hash key
  wipeBytes(ej0, sizeof ej0);
  wipeBytes(j0, sizeof j0);
  wipeBytes(s, sizeof s);  // GHASH's result: XOR the tag, E(K, J0)
}

bool Aes256Gcm::open(const uint8_t nonce[12], const uint8_t* aad, size_t aadLength, const uint8_t* in, size_t length,
                     const uint8_t tag[16], uint8_t* out) const {
  uint8_t expected[16];
  expectedTag(nonce, aad, aadLength, in, length, expected);
  uint8_t diff = 0;
  for (int i = 0; i < 16; i++) diff |= static_cast<uint8_t>(expected[i] ^ tag[i]);
  wipeBytes(expected, sizeof expected);  // when refused, the tag a forgery needed
  if (diff != 0) return false;
  ctr(nonce, in, length, out);
  return true;
}

}  // namespace udp
}  // namespace hypertcp

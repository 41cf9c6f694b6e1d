#include "UdpCrypto.h"

#include <string.h>

namespace hypertcp {
namespace udp {

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

void hmacSha256(const uint8_t* key, size_t keyLength, const uint8_t* data, size_t length, uint8_t out[32]) {
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
  uint8_t inner[32];
  sha.update(pad, 64);
  sha.update(data, length);
  sha.finish(inner);
  for (int i = 0; i < 64; i++) pad[i] = static_cast<uint8_t>(k[i] ^ 0x5c);
  sha.update(pad, 64);
  sha.update(inner, 32);
  sha.finish(out);
}

void hkdfSha256(const uint8_t* ikm, size_t ikmLength, const uint8_t* salt, size_t saltLength, const uint8_t* info,
                size_t infoLength, uint8_t* out, size_t outLength) {
  uint8_t prk[32];
  uint8_t zeros[32];
  memset(zeros, 0, sizeof zeros);
  // RFC 5869: an empty salt means HashLen zero bytes.
  if (saltLength == 0) hmacSha256(zeros, 32, ikm, ikmLength, prk);
  else hmacSha256(salt, saltLength, ikm, ikmLength, prk);
  uint8_t t[32];
  size_t tLength = 0;
  uint8_t counter = 1;
  // T(i) = HMAC(PRK, T(i-1) || info || i), built in a small block: info here is at most 64 bytes.
  uint8_t msg[32 + 64 + 1];
  while (outLength > 0) {
    size_t infoTake = infoLength > 64 ? 64 : infoLength;
    memcpy(msg, t, tLength);
    memcpy(msg + tLength, info, infoTake);
    msg[tLength + infoTake] = counter++;
    hmacSha256(prk, 32, msg, tLength + infoTake + 1, t);
    tLength = 32;
    size_t take = outLength < 32 ? outLength : 32;
    memcpy(out, t, take);
    out += take;
    outLength -= take;
  }
}

// ---- AES-256 (FIPS 197), encryption only: GCM never decrypts blocks ----
// Constant time: no table lookups and no branches on key or data (a table indexed by secret bytes
// leaks them through the cache, e.g. ESP32's flash cache). The state is bitsliced: q[b] holds bit b
// of every byte of two blocks, byte r + 4c (row r, column c) of block k at bit 16k + 4r + c, so
// SubBytes is one Boolean circuit over eight words and ShiftRows/MixColumns are shifts and masks.
namespace {
// The S-box (GF(2^8) inversion and affine map) as a published Boolean circuit of 32 AND and 78
// XOR/XNOR gates, a descendant of Boyar and Peralta's: NIST circuit-complexity project, file
// aes-sbox-a32-ad5-g110-gd23-xx78-3, gate names kept (it matches the FIPS 197 table on all 256
// inputs). u0/s0 are the most significant bits.
void subBytes(uint32_t* q) {
  const uint32_t u0 = q[7], u1 = q[6], u2 = q[5], u3 = q[4], u4 = q[3], u5 = q[2], u6 = q[1], u7 = q[0];
  const uint32_t t1 = u4 ^ u5, t2 = u0 ^ u6, t3 = u0 ^ u3, t4 = u3 ^ u5, t5 = u0 ^ u5, t6 = u1 ^ u4, t7 = t2 ^ t4;
  const uint32_t t8 = u6 ^ t1, t9 = u2 ^ t8, t10 = u1 ^ t8, t11 = t1 ^ t7, t12 = t7 & t1, t13 = u7 ^ t10;
  const uint32_t t14 = u7 ^ t11, t15 = t9 ^ t11, t16 = t6 ^ t12, t17 = t2 & t9, t18 = t3 & t10, t19 = t9 ^ t13;
  const uint32_t t20 = t10 ^ t15, t21 = t17 ^ t18, t22 = t16 ^ t18, t23 = t4 & t15, t24 = u3 ^ t19, t25 = u6 ^ t19;
  const uint32_t t26 = u0 ^ t19, t27 = t9 ^ t21, t28 = t2 ^ t23, t29 = t5 & t20, t30 = t7 ^ t24, t31 = u0 ^ t29;
  const uint32_t t32 = t27 ^ t28, t33 = t24 & u7, t34 = t25 & t19, t35 = t26 & t13, t36 = t32 ^ t34, t37 = u2 ^ t31;
  const uint32_t t38 = t27 ^ t31, t39 = t30 & t14, t40 = t39 ^ t23, t41 = t33 ^ t37, t42 = t35 ^ t38, t43 = t22 ^ t40;
  const uint32_t t44 = t40 ^ t41, t45 = t22 ^ t41, t46 = t36 ^ t42, t47 = t43 & t36, t48 = t42 ^ t47, t49 = t45 ^ t47;
  const uint32_t t50 = t44 & t48, t51 = t49 & t46, t52 = t47 ^ t51, t53 = t47 ^ t50, t54 = t42 ^ t51, t55 = t50 ^ t45;
  const uint32_t t56 = t54 ^ t55, t57 = t42 & t52, t58 = t45 & t53, t59 = t54 & u7, t60 = t55 & t13, t61 = t54 & t24;
  const uint32_t t62 = t55 & t26, t63 = t36 ^ t57, t64 = t43 ^ t58, t65 = t56 & t10, t66 = t56 & t3, t67 = t63 ^ t54;
  const uint32_t t68 = t64 ^ t55, t69 = t63 ^ t64, t70 = t63 & t11, t71 = t64 & t9, t72 = t63 & t7, t73 = t64 & t2;
  const uint32_t t74 = t67 ^ t68, t75 = t65 ^ t71, t76 = t70 ^ t71, t77 = t62 ^ t73, t78 = t67 & t14, t79 = t68 & t19;
  const uint32_t t80 = t69 & t15, t81 = t67 & t30, t82 = t68 & t25, t83 = t69 & t4, t84 = t78 ^ t79, t85 = t80 ^ t79;
  const uint32_t t86 = t83 ^ t66, t87 = t59 ^ t76, t88 = t74 & t20, t89 = t74 & t5, t90 = t75 ^ t85, t91 = t88 ^ t85;
  const uint32_t t92 = t81 ^ t86, t93 = t82 ^ t86, t94 = t84 ^ t76, t95 = t60 ^ t87, t96 = t89 ^ t90, t97 = t72 ^ t92;
  const uint32_t t98 = t61 ^ t92, t99 = t93 ^ t73, t100 = t91 ^ t87, t101 = t96 ^ t66, s0 = t90 ^ t97, s3 = t94 ^ t97;
  const uint32_t s7 = ~(t99 ^ t95), t102 = t77 ^ t100, s1 = ~(t90 ^ s3), s4 = s3 ^ t95, s6 = s7 ^ t100;
  const uint32_t s2 = ~(t101 ^ t102), s5 = t98 ^ t102;
  q[7] = s0, q[6] = s1, q[5] = s2, q[4] = s3, q[3] = s4, q[2] = s5, q[1] = s6, q[0] = s7;
}

// Row r of each block is the nibble at 4r (+16): ShiftRows rotates it right by r bit positions.
inline uint32_t shiftRows(uint32_t x) {
  return (x & 0x000F000F) | ((x >> 1) & 0x00700070) | ((x << 3) & 0x00800080) | ((x >> 2) & 0x03000300) |
         ((x << 2) & 0x0C000C00) | ((x >> 3) & 0x10001000) | ((x << 1) & 0xE000E000);
}
// The column's row r + n moved to row r (n = 1, 2), per block.
inline uint32_t rows1(uint32_t x) { return ((x >> 4) & 0x0FFF0FFF) | ((x << 12) & 0xF000F000); }
inline uint32_t rows2(uint32_t x) { return ((x >> 8) & 0x00FF00FF) | ((x << 8) & 0xFF00FF00); }

// Transposes the 8x8 bit matrix in each byte lane of w[0..7]: bit i of lane L of w[j] <-> bit j of
// lane L of w[i]. Its own inverse.
inline void swapMove(uint32_t& a, uint32_t& b, uint32_t mask, int n) {
  uint32_t t = ((a >> n) ^ b) & mask;
  b ^= t;
  a ^= t << n;
}
void transpose(uint32_t* w) {
  for (int j = 0; j < 8; j += 2) swapMove(w[j], w[j + 1], 0x55555555, 1);
  for (int j = 0; j < 8; j += (j & 1) ? 3 : 1) swapMove(w[j], w[j + 2], 0x33333333, 2);
  for (int j = 0; j < 4; j++) swapMove(w[j], w[j + 4], 0x0F0F0F0F, 4);
}

// Bit 16k + 4r + c = bit 8L + i with lane L = 2k + r/2 and word i = 4(r % 2) + c.
void load(const uint8_t* b0, const uint8_t* b1, uint32_t* q) {
  for (int i = 0; i < 8; i++) {
    int j = (i >> 2) + 4 * (i & 3);
    q[i] = b0[j] | static_cast<uint32_t>(b0[j + 2]) << 8 | static_cast<uint32_t>(b1[j]) << 16 |
           static_cast<uint32_t>(b1[j + 2]) << 24;
  }
  transpose(q);
}
void store(uint32_t* q, uint8_t* b0, uint8_t* b1) {
  transpose(q);
  for (int i = 0; i < 8; i++) {
    int j = (i >> 2) + 4 * (i & 3);
    b0[j] = static_cast<uint8_t>(q[i]);
    b0[j + 2] = static_cast<uint8_t>(q[i] >> 8);
    b1[j] = static_cast<uint8_t>(q[i] >> 16);
    b1[j + 2] = static_cast<uint8_t>(q[i] >> 24);
  }
}

inline uint8_t xtime(uint8_t x) { return static_cast<uint8_t>((x << 1) ^ (0x1b & (0 - (x >> 7)))); }
}  // namespace

// FIPS 197 5.2, keeping only the last 8 words. SubWord goes through the same circuit; each round
// key is stored as its 8 bit planes (block 0's half).
void Aes256::setKey(const uint8_t key[32]) {
  uint8_t w[32];
  memcpy(w, key, 32);
  uint8_t rcon = 1;
  uint32_t q[8];
  for (int r = 0; r < 15; r++) {
    uint8_t* words = w + 16 * (r & 1);  // words 4r..4r+3 replace words 4r-8..4r-5
    if (r >= 2) {
      const uint8_t* prev = w + 16 * ((r + 1) & 1) + 12;  // word 4r-1
      uint8_t t[16] = {0};
      for (int j = 0; j < 4; j++) t[j] = prev[(r & 1) ? j : (j + 1) & 3];  // RotWord when 4r % 8 == 0
      load(t, t, q);
      subBytes(q);
      store(q, t, t);
      if (!(r & 1)) {
        t[0] ^= rcon;
        rcon = xtime(rcon);
      }
      for (int j = 0; j < 16; j++) words[j] ^= j < 4 ? t[j] : words[j - 4];
    }
    load(words, words, q);
    for (int b = 0; b < 8; b++) roundKeys_[8 * r + b] = static_cast<uint16_t>(q[b]);
  }
}

void Aes256::encryptBlocks(const uint8_t in0[16], const uint8_t in1[16], uint8_t out0[16], uint8_t out1[16]) const {
  uint32_t q[8];
  load(in0, in1, q);
  const uint16_t* rk = roundKeys_;
  for (int b = 0; b < 8; b++) q[b] ^= rk[b] | static_cast<uint32_t>(rk[b]) << 16;
  for (int round = 1; round <= 14; round++) {
    rk += 8;
    subBytes(q);
    // ShiftRows, MixColumns (not in round 14) and AddRoundKey plane by plane. MixColumns row r:
    // 2(a_r ^ a_r+1) ^ a_r+1 ^ (a_r+2 ^ a_r+3) with t = a_r ^ a_r+1; doubling in GF(2^8) moves
    // plane b - 1 to plane b and folds plane 7 into planes 0, 1, 3, 4 (0x1b).
    for (int b = 0; b < 8; b++) q[b] = shiftRows(q[b]);
    uint32_t t7 = q[7] ^ rows1(q[7]), carry = 0;
    for (int b = 0; b < 8; b++) {
      uint32_t x = q[b], key = rk[b] | static_cast<uint32_t>(rk[b]) << 16;
      if (round == 14) {
        q[b] = x ^ key;
        continue;
      }
      uint32_t next = rows1(x), t = x ^ next;
      q[b] = carry ^ (t7 & (0 - ((0x1b >> b) & 1))) ^ next ^ rows2(t) ^ key;  // b is public
      carry = t;
    }
  }
  store(q, out0, out1);
}

void Aes256::encryptBlock(const uint8_t in[16], uint8_t out[16]) const {
  uint8_t unused[16];
  encryptBlocks(in, in, out, unused);
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
  for (int i = 0; i < 16; i++) tag[i] = static_cast<uint8_t>(s[i] ^ ej0[i]);
}

bool Aes256Gcm::open(const uint8_t nonce[12], const uint8_t* aad, size_t aadLength, const uint8_t* in, size_t length,
                     const uint8_t tag[16], uint8_t* out) const {
  uint8_t expected[16];
  expectedTag(nonce, aad, aadLength, in, length, expected);
  uint8_t diff = 0;
  for (int i = 0; i < 16; i++) diff |= static_cast<uint8_t>(expected[i] ^ tag[i]);
  if (diff != 0) return false;
  ctr(nonce, in, length, out);
  return true;
}

}  // namespace udp
}  // namespace hypertcp

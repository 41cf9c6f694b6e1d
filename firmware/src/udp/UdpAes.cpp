#include "UdpCrypto.h"

#include <string.h>

namespace hypertcp {
namespace udp {

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
  uint8_t t[16];
  for (int r = 0; r < 15; r++) {
    uint8_t* words = w + 16 * (r & 1);  // words 4r..4r+3 replace words 4r-8..4r-5
    if (r >= 2) {
      const uint8_t* prev = w + 16 * ((r + 1) & 1) + 12;  // word 4r-1
      memset(t, 0, sizeof t);
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
  wipeBytes(w, sizeof w);  // the last 8 words of the key schedule
  wipeBytes(q, sizeof q);  // the last round key's planes
  wipeBytes(t, sizeof t);  // the last SubWord
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
  wipeBytes(q, sizeof q);  // the state: the two output blocks (keystream, or H and E(K, J0))
}

void Aes256::encryptBlock(const uint8_t in[16], uint8_t out[16]) const {
  uint8_t unused[16];
  encryptBlocks(in, in, out, unused);
  wipeBytes(unused, sizeof unused);  // a copy of out
}

}  // namespace udp
}  // namespace hypertcp

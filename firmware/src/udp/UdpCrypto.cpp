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
namespace {
const uint8_t SBOX[256] = {
    0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76, 0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59,
    0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0, 0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1,
    0x71, 0xd8, 0x31, 0x15, 0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75, 0x09, 0x83,
    0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84, 0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b,
    0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf, 0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c,
    0x9f, 0xa8, 0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2, 0xcd, 0x0c, 0x13, 0xec,
    0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73, 0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee,
    0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb, 0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
    0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08, 0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6,
    0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a, 0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9,
    0x86, 0xc1, 0x1d, 0x9e, 0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf, 0x8c, 0xa1,
    0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16};

inline uint8_t xtime(uint8_t x) { return static_cast<uint8_t>((x << 1) ^ ((x & 0x80) ? 0x1b : 0)); }
}  // namespace

void Aes256::setKey(const uint8_t key[32]) {
  memcpy(roundKeys_, key, 32);
  uint8_t rcon = 1;
  for (int i = 8; i < 60; i++) {
    uint8_t t[4];
    memcpy(t, roundKeys_ + 4 * (i - 1), 4);
    if (i % 8 == 0) {
      uint8_t first = t[0];
      t[0] = static_cast<uint8_t>(SBOX[t[1]] ^ rcon);
      t[1] = SBOX[t[2]];
      t[2] = SBOX[t[3]];
      t[3] = SBOX[first];
      rcon = xtime(rcon);
    } else if (i % 8 == 4) {
      for (int j = 0; j < 4; j++) t[j] = SBOX[t[j]];
    }
    for (int j = 0; j < 4; j++) roundKeys_[4 * i + j] = static_cast<uint8_t>(roundKeys_[4 * (i - 8) + j] ^ t[j]);
  }
}

void Aes256::encryptBlock(const uint8_t in[16], uint8_t out[16]) const {
  uint8_t s[16];
  for (int i = 0; i < 16; i++) s[i] = static_cast<uint8_t>(in[i] ^ roundKeys_[i]);
  for (int round = 1; round <= 14; round++) {
    uint8_t t[16];
    // SubBytes + ShiftRows (state is column-major: byte r + 4c).
    for (int c = 0; c < 4; c++)
      for (int r = 0; r < 4; r++) t[r + 4 * c] = SBOX[s[r + 4 * ((c + r) % 4)]];
    if (round != 14) {
      for (int c = 0; c < 4; c++) {
        uint8_t* col = t + 4 * c;
        uint8_t a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3];
        uint8_t all = static_cast<uint8_t>(a0 ^ a1 ^ a2 ^ a3);
        col[0] = static_cast<uint8_t>(a0 ^ all ^ xtime(static_cast<uint8_t>(a0 ^ a1)));
        col[1] = static_cast<uint8_t>(a1 ^ all ^ xtime(static_cast<uint8_t>(a1 ^ a2)));
        col[2] = static_cast<uint8_t>(a2 ^ all ^ xtime(static_cast<uint8_t>(a2 ^ a3)));
        col[3] = static_cast<uint8_t>(a3 ^ all ^ xtime(static_cast<uint8_t>(a3 ^ a0)));
      }
    }
    for (int i = 0; i < 16; i++) s[i] = static_cast<uint8_t>(t[i] ^ roundKeys_[16 * round + i]);
  }
  memcpy(out, s, 16);
}

// ---- GCM (NIST SP 800-38D) ----
namespace {
// X = X * Y in GF(2^128), bit-reflected as the standard describes (algorithm 1).
void gfMul(uint8_t x[16], const uint8_t y[16]) {
  uint8_t z[16];
  uint8_t v[16];
  memset(z, 0, 16);
  memcpy(v, y, 16);
  for (int i = 0; i < 128; i++) {
    if (x[i / 8] & (0x80 >> (i % 8)))
      for (int j = 0; j < 16; j++) z[j] ^= v[j];
    bool lsb = v[15] & 1;
    for (int j = 15; j > 0; j--) v[j] = static_cast<uint8_t>((v[j] >> 1) | (v[j - 1] << 7));
    v[0] >>= 1;
    if (lsb) v[0] ^= 0xe1;
  }
  memcpy(x, z, 16);
}

void ghashAbsorb(uint8_t y[16], const uint8_t h[16], const uint8_t* data, size_t length) {
  while (length > 0) {
    size_t take = length < 16 ? length : 16;
    for (size_t i = 0; i < take; i++) y[i] ^= data[i];
    gfMul(y, h);
    data += take;
    length -= take;
  }
}
}  // namespace

void Aes256Gcm::setKey(const uint8_t key[32]) {
  aes_.setKey(key);
  uint8_t zero[16];
  memset(zero, 0, 16);
  aes_.encryptBlock(zero, h_);
}

void Aes256Gcm::ghash(const uint8_t* aad, size_t aadLength, const uint8_t* c, size_t length, uint8_t out[16]) const {
  memset(out, 0, 16);
  ghashAbsorb(out, h_, aad, aadLength);
  ghashAbsorb(out, h_, c, length);
  uint8_t lengths[16];
  uint64_t aBits = static_cast<uint64_t>(aadLength) * 8, cBits = static_cast<uint64_t>(length) * 8;
  for (int i = 0; i < 8; i++) {
    lengths[i] = static_cast<uint8_t>(aBits >> (56 - 8 * i));
    lengths[8 + i] = static_cast<uint8_t>(cBits >> (56 - 8 * i));
  }
  ghashAbsorb(out, h_, lengths, 16);
}

void Aes256Gcm::ctr(const uint8_t nonce[12], const uint8_t* in, size_t length, uint8_t* out) const {
  uint8_t counter[16];
  memcpy(counter, nonce, 12);
  uint32_t n = 2;  // counter 1 is J0, used for the tag
  uint8_t stream[16];
  while (length > 0) {
    putBe32(counter + 12, n++);
    aes_.encryptBlock(counter, stream);
    size_t take = length < 16 ? length : 16;
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

// The tag: GHASH over AAD and ciphertext, masked with E(K, J0).
void Aes256Gcm::expectedTag(const uint8_t nonce[12], const uint8_t* aad, size_t aadLength, const uint8_t* c, size_t length,
                            uint8_t tag[16]) const {
  uint8_t s[16];
  ghash(aad, aadLength, c, length, s);
  uint8_t j0[16];
  memcpy(j0, nonce, 12);
  putBe32(j0 + 12, 1);
  uint8_t ej0[16];
  aes_.encryptBlock(j0, ej0);
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

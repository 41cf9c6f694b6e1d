// The constant-time AES-256 and GHASH of udp/UdpAes.cpp and udp/UdpCrypto.cpp against published
// answers (FIPS 197 C.3, the GCM specification's AES-256 test cases 13-16) and against the table-driven versions
// they replaced, which live on here only as the reference (they index a table with secret bytes
// and branch on secret bits: fine for a test, not for a device).
#include <string.h>

#include "check.h"
#include "udp/UdpCrypto.h"

using namespace hypertcp::udp;

namespace {

// ---- Reference: the previous table-driven AES-256 and bitwise GHASH, unchanged in behaviour ----
const uint8_t kSbox[256] = {
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

uint8_t refXtime(uint8_t x) { return static_cast<uint8_t>((x << 1) ^ ((x & 0x80) ? 0x1b : 0)); }

struct RefAes {
  uint8_t rk[240];
  void setKey(const uint8_t key[32]) {
    memcpy(rk, key, 32);
    uint8_t rcon = 1;
    for (int i = 8; i < 60; i++) {
      uint8_t t[4];
      memcpy(t, rk + 4 * (i - 1), 4);
      if (i % 8 == 0) {
        uint8_t first = t[0];
        t[0] = static_cast<uint8_t>(kSbox[t[1]] ^ rcon);
        t[1] = kSbox[t[2]];
        t[2] = kSbox[t[3]];
        t[3] = kSbox[first];
        rcon = refXtime(rcon);
      } else if (i % 8 == 4) {
        for (int j = 0; j < 4; j++) t[j] = kSbox[t[j]];
      }
      for (int j = 0; j < 4; j++) rk[4 * i + j] = static_cast<uint8_t>(rk[4 * (i - 8) + j] ^ t[j]);
    }
  }
  void encrypt(const uint8_t in[16], uint8_t out[16]) const {
    uint8_t s[16];
    for (int i = 0; i < 16; i++) s[i] = static_cast<uint8_t>(in[i] ^ rk[i]);
    for (int round = 1; round <= 14; round++) {
      uint8_t t[16];
      for (int c = 0; c < 4; c++)
        for (int r = 0; r < 4; r++) t[r + 4 * c] = kSbox[s[r + 4 * ((c + r) % 4)]];
      if (round != 14) {
        for (int c = 0; c < 4; c++) {
          uint8_t* col = t + 4 * c;
          uint8_t a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3];
          uint8_t all = static_cast<uint8_t>(a0 ^ a1 ^ a2 ^ a3);
          col[0] = static_cast<uint8_t>(a0 ^ all ^ refXtime(static_cast<uint8_t>(a0 ^ a1)));
          col[1] = static_cast<uint8_t>(a1 ^ all ^ refXtime(static_cast<uint8_t>(a1 ^ a2)));
          col[2] = static_cast<uint8_t>(a2 ^ all ^ refXtime(static_cast<uint8_t>(a2 ^ a3)));
          col[3] = static_cast<uint8_t>(a3 ^ all ^ refXtime(static_cast<uint8_t>(a3 ^ a0)));
        }
      }
      for (int i = 0; i < 16; i++) s[i] = static_cast<uint8_t>(t[i] ^ rk[16 * round + i]);
    }
    memcpy(out, s, 16);
  }
};

void refGfMul(uint8_t x[16], const uint8_t y[16]) {
  uint8_t z[16], v[16];
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

void refAbsorb(uint8_t y[16], const uint8_t h[16], const uint8_t* d, size_t n) {
  for (size_t at = 0; at < n; at += 16) {
    for (size_t i = 0; i < 16 && at + i < n; i++) y[i] ^= d[at + i];
    refGfMul(y, h);
  }
}

// GCM (SP 800-38D, 96-bit IV) on the reference pieces.
void refSeal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t* aad, size_t aadLength, const uint8_t* in,
             size_t length, uint8_t* out, uint8_t tag[16]) {
  RefAes aes;
  aes.setKey(key);
  uint8_t h[16] = {0}, block[16], stream[16];
  aes.encrypt(h, h);
  memcpy(block, nonce, 12);
  for (size_t at = 0; at < length; at += 16) {
    uint32_t n = static_cast<uint32_t>(at / 16 + 2);
    block[12] = static_cast<uint8_t>(n >> 24), block[13] = static_cast<uint8_t>(n >> 16);
    block[14] = static_cast<uint8_t>(n >> 8), block[15] = static_cast<uint8_t>(n);
    aes.encrypt(block, stream);
    for (size_t i = 0; i < 16 && at + i < length; i++) out[at + i] = static_cast<uint8_t>(in[at + i] ^ stream[i]);
  }
  uint8_t s[16] = {0}, lengths[16];
  refAbsorb(s, h, aad, aadLength);
  refAbsorb(s, h, out, length);
  for (int i = 0; i < 8; i++) {
    lengths[i] = static_cast<uint8_t>((static_cast<uint64_t>(aadLength) * 8) >> (56 - 8 * i));
    lengths[8 + i] = static_cast<uint8_t>((static_cast<uint64_t>(length) * 8) >> (56 - 8 * i));
  }
  refAbsorb(s, h, lengths, 16);
  block[12] = block[13] = block[14] = 0, block[15] = 1;
  aes.encrypt(block, stream);
  for (int i = 0; i < 16; i++) tag[i] = static_cast<uint8_t>(s[i] ^ stream[i]);
}

// ---- helpers ----
uint32_t rng = 0x9e3779b9;
uint32_t next() {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}
void fill(uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = static_cast<uint8_t>(next());
}

size_t unhex(const char* text, uint8_t* out) {
  size_t n = 0;
  for (; text[0] && text[1]; text += 2) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    out[n++] = static_cast<uint8_t>(nibble(text[0]) << 4 | nibble(text[1]));
  }
  return n;
}

}  // namespace

TEST(aes256_fips197_c3) {
  uint8_t key[32], in[16], out[16], expected[16], other[16];
  for (int i = 0; i < 32; i++) key[i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 16; i++) in[i] = static_cast<uint8_t>(i * 0x11);
  unhex("8ea2b7ca516745bfeafc49904b496089", expected);
  Aes256 aes;
  aes.setKey(key);
  aes.encryptBlock(in, out);
  CHECK(memcmp(out, expected, 16) == 0);
  // The same block in either lane of the two-block pass, and in place.
  memset(other, 0xa5, 16);
  uint8_t a[16], b[16];
  aes.encryptBlocks(other, in, a, b);
  CHECK(memcmp(b, expected, 16) == 0);
  memcpy(a, in, 16);
  aes.encryptBlocks(a, a, a, a);
  CHECK(memcmp(a, expected, 16) == 0);
}

TEST(gcm_spec_aes256_cases_13_to_16) {
  struct Case {
    const char *key, *iv, *plain, *aad, *cipher, *tag;
  };
  const char* k15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
  const char* p15 =
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
  const char* c15 =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
  char p15full[160], c15full[160];
  strcpy(p15full, p15), strcat(p15full, "1aafd255");
  strcpy(c15full, c15), strcat(c15full, "898015ad");
  const Case cases[] = {
      {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "", "",
       "530f8afbc74536b9a963b4f1c4cb738b"},
      {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
       "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
      {k15, "cafebabefacedbaddecaf888", p15full, "", c15full, "b094dac5d93471bdec1a502270e3cc6c"},
      {k15, "cafebabefacedbaddecaf888", p15, "feedfacedeadbeeffeedfacedeadbeefabaddad2", c15, "76fc6ece0f4e1768cddf8853bb2d551b"},
  };
  for (const Case& c : cases) {
    uint8_t key[32], iv[12], plain[64], aad[32], cipher[64], tag[16], out[64], got[16];
    unhex(c.key, key);
    unhex(c.iv, iv);
    size_t n = unhex(c.plain, plain), a = unhex(c.aad, aad);
    CHECK_EQ(unhex(c.cipher, cipher), n);
    unhex(c.tag, tag);
    Aes256Gcm gcm;
    gcm.setKey(key);
    gcm.seal(iv, aad, a, plain, n, out, got);
    CHECK(memcmp(out, cipher, n) == 0);
    CHECK(memcmp(got, tag, 16) == 0);
    memset(out, 0, sizeof out);
    CHECK(gcm.open(iv, aad, a, cipher, n, tag, out));
    CHECK(memcmp(out, plain, n) == 0);
    tag[15] ^= 1;
    CHECK(!gcm.open(iv, aad, a, cipher, n, tag, out));
  }
}

TEST(aes_matches_table_reference_10000_random) {
  int differ = 0;
  for (int round = 0; round < 10000; round++) {
    uint8_t key[32], in[32], out[32], expected[32];
    fill(key, 32);
    fill(in, 32);
    Aes256 aes;
    RefAes ref;
    aes.setKey(key);
    ref.setKey(key);
    ref.encrypt(in, expected);
    ref.encrypt(in + 16, expected + 16);
    aes.encryptBlocks(in, in + 16, out, out + 16);
    differ += memcmp(out, expected, 32) != 0;
    aes.encryptBlock(in + 16, out);
    differ += memcmp(out, expected + 16, 16) != 0;
  }
  CHECK_EQ(differ, 0);
}

TEST(gcm_matches_table_reference_random) {
  int differ = 0, refused = 0;
  for (int round = 0; round < 2000; round++) {
    uint8_t key[32], nonce[12], aad[48], plain[100], out[100], expected[100], tag[16], expectedTag[16];
    fill(key, 32);
    fill(nonce, 12);
    size_t a = next() % sizeof aad, n = next() % sizeof plain;
    fill(aad, a);
    fill(plain, n);
    Aes256Gcm gcm;
    gcm.setKey(key);
    gcm.seal(nonce, aad, a, plain, n, out, tag);
    refSeal(key, nonce, aad, a, plain, n, expected, expectedTag);
    differ += memcmp(out, expected, n) != 0 || memcmp(tag, expectedTag, 16) != 0;
    refused += !gcm.open(nonce, aad, a, out, n, tag, out) || memcmp(out, plain, n) != 0;  // in place
  }
  CHECK_EQ(differ, 0);
  CHECK_EQ(refused, 0);
}

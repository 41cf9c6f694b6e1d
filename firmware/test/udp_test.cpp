// The UDP datagram layer in C++ against shared/protocol/udp-vectors.txt (the TypeScript side reads
// the same file), plus known-answer tests for SHA-256 and HKDF (AES and GCM: udp_crypto_test.cpp).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "udp/UdpWire.h"

using namespace hypertcp::udp;

namespace {

struct UdpVector {
  char kind[16];
  char name[64];
  uint8_t bytes[512];
  size_t length;
  char expect[1024];
};

UdpVector vectors[64];
int vectorCount = -1;

size_t unhex(const char* text, uint8_t* out, size_t max) {
  size_t n = 0;
  for (const char* p = text; p[0] && p[1] && n < max;) {
    if (*p == ' ') {
      p++;
      continue;
    }
    char pair[3] = {p[0], p[1], 0};
    out[n++] = static_cast<uint8_t>(strtoul(pair, nullptr, 16));
    p += 2;
  }
  return n;
}

void trim(char* out, size_t size, const char* start, const char* end) {
  while (start < end && *start == ' ') start++;
  while (end > start && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r')) end--;
  size_t n = static_cast<size_t>(end - start) < size - 1 ? static_cast<size_t>(end - start) : size - 1;
  memcpy(out, start, n);
  out[n] = 0;
}

// udp-vectors.txt sits beside vectors.txt ($HYPERTCP_VECTORS or the compiled-in default).
void load() {
  if (vectorCount >= 0) return;
  const char* base = getenv("HYPERTCP_VECTORS");
#ifdef HYPERTCP_VECTORS_DEFAULT
  if (!base || !*base) base = HYPERTCP_VECTORS_DEFAULT;
#endif
  if (!base) base = "../shared/protocol/vectors.txt";
  char path[1024];
  snprintf(path, sizeof path, "%s", base);
  char* slash = strrchr(path, '/');
  snprintf(slash ? slash + 1 : path, sizeof path - static_cast<size_t>(slash ? slash + 1 - path : 0), "udp-vectors.txt");
  FILE* f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    vectorCount = 0;
    return;
  }
  static char line[8192];
  static char hex[4096];
  vectorCount = 0;
  while (fgets(line, sizeof line, f) && vectorCount < 64) {
    if (line[0] == '#' || line[0] == '\n') continue;
    const char* bars[4];
    int n = 0;
    for (const char* q = line; *q && n < 4; q++)
      if (*q == '|') bars[n++] = q;
    if (n < 3) continue;
    UdpVector& v = vectors[vectorCount++];
    trim(v.kind, sizeof v.kind, line, bars[0]);
    trim(v.name, sizeof v.name, bars[0] + 1, bars[1]);
    trim(hex, sizeof hex, bars[1] + 1, bars[2]);
    trim(v.expect, sizeof v.expect, bars[2] + 1, n > 3 ? bars[3] : bars[2] + strlen(bars[2]));
    v.length = strcmp(hex, "-") == 0 ? 0 : unhex(hex, v.bytes, sizeof v.bytes);
  }
  fclose(f);
}

// Value of key=... in an expectation (static buffer), or nullptr.
const char* field(const char* expect, const char* key) {
  static char value[512];
  size_t k = strlen(key);
  for (const char* p = expect; *p;) {
    while (*p == ' ') p++;
    const char* end = strchr(p, ' ');
    if (!end) end = p + strlen(p);
    if (static_cast<size_t>(end - p) > k && strncmp(p, key, k) == 0 && p[k] == '=') {
      size_t n = static_cast<size_t>(end - p) - k - 1;
      if (n >= sizeof value) n = sizeof value - 1;
      memcpy(value, p + k + 1, n);
      value[n] = 0;
      return value;
    }
    p = end;
  }
  return nullptr;
}

void toHex(const uint8_t* b, size_t n, char* out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
  out[2 * n] = 0;
}

struct NamedKey {
  char name[64];
  DirectionKey key;
};
NamedKey keys[8];
int keyCount = 0;

const DirectionKey* keyNamed(const char* name) {
  for (int i = 0; i < keyCount; i++)
    if (strcmp(keys[i].name, name) == 0) return &keys[i].key;
  return nullptr;
}

}  // namespace

TEST(sha256_known_answers) {
  uint8_t out[32];
  char hex[65];
  Sha256 sha;
  sha.update(reinterpret_cast<const uint8_t*>("abc"), 3);
  sha.finish(out);
  toHex(out, 32, hex);
  CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Two blocks of padding.
  const char* longer = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha.update(reinterpret_cast<const uint8_t*>(longer), strlen(longer));
  sha.finish(out);
  toHex(out, 32, hex);
  CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(hkdf_rfc5869_case1) {
  uint8_t ikm[22], salt[13], info[10], okm[42];
  memset(ikm, 0x0b, sizeof ikm);
  for (int i = 0; i < 13; i++) salt[i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 10; i++) info[i] = static_cast<uint8_t>(0xf0 + i);
  hkdfSha256(ikm, sizeof ikm, salt, sizeof salt, info, sizeof info, okm, sizeof okm);
  char hex[85];
  toHex(okm, sizeof okm, hex);
  CHECK_STR(hex, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

// Case 2: an 80-byte info. It was once cut at 64 bytes, so infos differing after that gave one key.
TEST(hkdf_rfc5869_case2_long_info) {
  uint8_t ikm[80], salt[80], info[80], okm[82];
  for (int i = 0; i < 80; i++) {
    ikm[i] = static_cast<uint8_t>(i);
    salt[i] = static_cast<uint8_t>(0x60 + i);
    info[i] = static_cast<uint8_t>(0xb0 + i);
  }
  CHECK(hkdfSha256(ikm, sizeof ikm, salt, sizeof salt, info, sizeof info, okm, sizeof okm));
  char hex[165];
  toHex(okm, sizeof okm, hex);
  CHECK_STR(hex,
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09"
            "b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
}

// Case 3: no salt, no info.
TEST(hkdf_rfc5869_case3_empty_salt_and_info) {
  uint8_t ikm[22], okm[42];
  memset(ikm, 0x0b, sizeof ikm);
  CHECK(hkdfSha256(ikm, sizeof ikm, nullptr, 0, nullptr, 0, okm, sizeof okm));
  char hex[85];
  toHex(okm, sizeof okm, hex);
  CHECK_STR(hex, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

// More than 255 blocks would wrap the one-byte block counter: refused, and nothing usable written.
TEST(hkdf_refuses_output_past_255_blocks) {
  static uint8_t okm[kHkdfMaxOutput + 1];
  uint8_t ikm[32];
  memset(ikm, 7, sizeof ikm);
  memset(okm, 0xaa, sizeof okm);
  CHECK(!hkdfSha256(ikm, sizeof ikm, nullptr, 0, nullptr, 0, okm, sizeof okm));
  size_t nonzero = 0;
  for (uint8_t b : okm) nonzero += b != 0;
  CHECK(nonzero == 0);
  CHECK(hkdfSha256(ikm, sizeof ikm, nullptr, 0, nullptr, 0, okm, kHkdfMaxOutput));
}

TEST(udp_vectors_load) {
  load();
  CHECK(vectorCount > 20);
}

TEST(udp_key_vectors) {
  load();
  int seen = 0;
  for (int i = 0; i < vectorCount; i++) {
    const UdpVector& v = vectors[i];
    if (strcmp(v.kind, "udpkey") != 0) continue;
    NamedKey& nk = keys[keyCount++];
    snprintf(nk.name, sizeof nk.name, "%s", v.name);
    if (field(v.expect, "base")) {
      const DirectionKey* base = keyNamed(field(v.expect, "base"));
      CHECK(base != nullptr);
      DirectionKey k = *base;
      for (int u = atoi(field(v.expect, "updates")); u > 0; u--) nextDirectionKey(k, k);
      nk.key = k;
    } else {
      uint8_t hash[32], snonce[16], dnonce[16];
      char token[128];
      snprintf(token, sizeof token, "%s", field(v.expect, "token"));
      Sha256 sha;
      sha.update(reinterpret_cast<const uint8_t*>(token), strlen(token));
      sha.finish(hash);
      unhex(field(v.expect, "snonce"), snonce, 16);
      unhex(field(v.expect, "dnonce"), dnonce, 16);
      uint32_t sid = static_cast<uint32_t>(strtoul(field(v.expect, "sid"), nullptr, 10));
      char dir[4];
      snprintf(dir, sizeof dir, "%s", field(v.expect, "dir"));
      deriveDirectionKey(hash, snonce, dnonce, sid, dir, nk.key);
    }
    CHECK_EQ(v.length, 44);
    CHECK(memcmp(nk.key.key, v.bytes, 32) == 0);
    CHECK(memcmp(nk.key.iv, v.bytes + 32, 12) == 0);
    seen++;
  }
  CHECK_EQ(seen, 3);
}

TEST(udp_datagram_vectors) {
  load();
  int seen = 0;
  for (int i = 0; i < vectorCount; i++) {
    const UdpVector& v = vectors[i];
    if (strcmp(v.kind, "datagram") != 0) continue;
    seen++;
    Header h;
    HeaderError e = decodeHeader(v.bytes, v.length, h);
    const char* error = field(v.expect, "error");
    if (error && strcmp(error, "auth") != 0) {
      CHECK_STR(headerErrorName(e), error);
      continue;
    }
    CHECK_EQ(e, kHeaderOk);
    const DirectionKey* k = keyNamed(field(v.expect, "key"));
    CHECK(k != nullptr);
    uint8_t plain[512];
    size_t plainLength = 0;
    bool ok = openDatagram(*k, v.bytes, v.length, h, plain, plainLength);
    if (error) {
      CHECK(!ok);
      continue;
    }
    CHECK(ok);
    CHECK_EQ(h.packetNumber, strtoull(field(v.expect, "pn"), nullptr, 10));
    CHECK_EQ(h.keyPhase, atoi(field(v.expect, "phase")));
    CHECK_EQ(h.hello, atoi(field(v.expect, "hello")));
    CHECK_EQ(h.sessionId, strtoul(field(v.expect, "sid"), nullptr, 10));
    char hex[1024];
    toHex(plain, plainLength, hex);
    CHECK_STR(hex, field(v.expect, "plain"));
    // Sealing the same plaintext reproduces the datagram byte for byte.
    uint8_t again[512];
    size_t hl = encodeHeader(again, h.keyPhase, h.sessionId, h.packetNumber, h.deviceNonce);
    size_t n = sealDatagram(*k, h.packetNumber, again, hl, plain, plainLength);
    CHECK_EQ(n, v.length);
    CHECK(memcmp(again, v.bytes, n) == 0);
  }
  CHECK(seen >= 12);
}

TEST(udp_frame_vectors) {
  load();
  int seen = 0;
  for (int i = 0; i < vectorCount; i++) {
    const UdpVector& v = vectors[i];
    if (strcmp(v.kind, "frames") != 0) continue;
    seen++;
    FrameReader reader(v.bytes, v.length);
    const char* error = field(v.expect, "error");
    // validate() judges the whole plaintext as decodeFrames (which wrote the vectors) does, then
    // next() reads from the first frame again.
    CHECK_EQ(reader.validate(), error == nullptr);
    Frame f, first;
    char types[64] = "";
    int r, count = 0;
    while ((r = reader.next(f)) == 1) {
      if (count++ == 0) first = f;
      char t[8];
      snprintf(t, sizeof t, "%s%d", types[0] ? "," : "", f.type);
      strcat(types, t);
    }
    if (error) {
      CHECK_EQ(r, -1);
      CHECK_STR(reader.error(), error);
      continue;
    }
    CHECK_EQ(r, 0);
    CHECK_STR(types, field(v.expect, "types"));
    if (first.type == kAck) {
      CHECK_EQ(first.largest, strtoull(field(v.expect, "largest"), nullptr, 10));
      CHECK_EQ(first.delayMs, atoi(field(v.expect, "delay")));
      CHECK(first.mask == strtoull(field(v.expect, "mask"), nullptr, 16));
    }
    if (first.type == kWindow) CHECK_EQ(first.window, atoi(field(v.expect, "window")));
    if (first.type == kMsg) {
      CHECK_EQ(first.channel, atoi(field(v.expect, "channel")));
      CHECK_EQ(first.seq, strtoul(field(v.expect, "seq"), nullptr, 10));
      CHECK_EQ(first.dataLength, atoi(field(v.expect, "len")));
      if (field(v.expect, "index")) {
        CHECK(first.fragmented);
        CHECK_EQ(first.index, atoi(field(v.expect, "index")));
        CHECK_EQ(first.count, atoi(field(v.expect, "count")));
        CHECK_EQ(first.total, strtoul(field(v.expect, "total"), nullptr, 10));
      }
    }
  }
  CHECK(seen >= 9);
}

TEST(udp_replay_window) {
  Window w;
  CHECK_EQ(w.check(0), Window::kNew);
  w.accept(0);
  CHECK_EQ(w.check(0), Window::kDuplicate);
  w.accept(5);
  CHECK_EQ(w.check(3), Window::kNew);
  w.accept(3);
  CHECK_EQ(w.check(3), Window::kDuplicate);
  CHECK_EQ(w.mask(), (1u << 4) | (1u << 1));  // packets 0 and 3 below 5
  w.accept(100);
  CHECK_EQ(w.check(35), Window::kTooOld);
  CHECK_EQ(w.check(36), Window::kNew);
  CHECK_EQ(w.check(5), Window::kTooOld);
  w.accept(164);
  CHECK_EQ(w.mask(), static_cast<uint64_t>(1) << 63);
  // 1,000 replays of accepted packets: none is new.
  int accepted = 0;
  for (int i = 0; i < 1000; i++) accepted += w.check(i % 2 ? 164 : 100) == Window::kNew;
  CHECK_EQ(accepted, 0);
}

// The broker's packet numbers start at a random 1..65536 and jump as much again on every address
// move (PROTOCOL.md 9.5, Address validation): the first packet and a jump are new, and the ACK mask
// names none of the numbers jumped over.
TEST(udp_replay_window_takes_the_brokers_jumps) {
  Window w;
  CHECK_EQ(w.check(65536), Window::kNew);
  w.accept(65536);
  CHECK_EQ(w.mask(), 0u);
  w.accept(65537);
  CHECK_EQ(w.mask(), 1u);
  CHECK_EQ(w.check(131073), Window::kNew);
  w.accept(131073);  // a jump of 65536
  CHECK_EQ(w.largest(), 131073u);
  CHECK_EQ(w.mask(), 0u);
  CHECK_EQ(w.check(65537), Window::kTooOld);
  w.accept(131010);  // a late packet from before the jump, within 64: acknowledged as itself only
  CHECK_EQ(w.mask(), static_cast<uint64_t>(1) << 62);
}

TEST(udp_tamper_and_nonces) {
  DirectionKey k;
  memset(&k, 0x5a, sizeof k);
  uint8_t d[128];
  const uint8_t msg[] = {2};
  size_t hl = encodeHeader(d, 0, 7, (static_cast<uint64_t>(1) << 32) - 1, nullptr);
  size_t n = sealDatagram(k, (static_cast<uint64_t>(1) << 32) - 1, d, hl, msg, 1);
  Header h;
  CHECK_EQ(decodeHeader(d, n, h), kHeaderOk);
  uint8_t plain[16];
  size_t pl;
  CHECK(openDatagram(k, d, n, h, plain, pl));
  for (size_t bit = 0; bit < n * 8; bit += 7) {
    d[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    Header t;
    if (decodeHeader(d, n, t) == kHeaderOk) CHECK(!openDatagram(k, d, n, t, plain, pl));
    d[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
  }
  // Nonces of consecutive packet numbers across the 32-bit boundary are all different.
  uint8_t a[12], b[12];
  gcmNonce(k, (static_cast<uint64_t>(1) << 32) - 1, a);
  gcmNonce(k, static_cast<uint64_t>(1) << 32, b);
  CHECK(memcmp(a, b, 12) != 0);
  gcmNonce(k, 1, b);
  CHECK(memcmp(a, b, 12) != 0);
}

TEST(udp_random_input_is_harmless) {
  // Random and mutated inputs through every parser (ASan/UBSan watch every read).
  uint32_t seed = 12345;
  auto next = [&seed]() {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
  };
  DirectionKey k;
  memset(&k, 7, sizeof k);
  static uint8_t d[2100];
  static uint8_t plain[2100];
  int opened = 0;
  for (int round = 0; round < 20000; round++) {
    size_t n = next() % sizeof d;
    for (size_t i = 0; i < n; i++) d[i] = static_cast<uint8_t>(next());
    if (round % 2) d[0] = static_cast<uint8_t>(0x10 | (next() & 3));
    if (round % 4 == 1 && n > 12) memset(d + 5, 0, 4);
    Header h;
    if (decodeHeader(d, n, h) == kHeaderOk) {
      size_t pl;
      opened += openDatagram(k, d, n, h, plain, pl) ? 1 : 0;
    }
    FrameReader reader(d, n);
    Frame f;
    int frames = 0, r;
    while ((r = reader.next(f)) == 1) frames++;
    CHECK(frames <= static_cast<int>(n));
    FrameReader whole(d, n);
    CHECK_EQ(whole.validate(), r == 0);
  }
  CHECK_EQ(opened, 0);
}

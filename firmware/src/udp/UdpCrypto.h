// Portable crypto for the UDP transport (docs/PROTOCOL.md 9.2): SHA-256, HMAC-SHA256, HKDF-SHA256
// and AES-256-GCM. No heap, no exceptions, C++11. Small and clear rather than fast: a board with
// hardware AES (ESP32) may swap in mbedTLS behind the same functions.
#ifndef HYPERTCP_UDP_CRYPTO_H
#define HYPERTCP_UDP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

namespace hypertcp {
namespace udp {

class Sha256 {
 public:
  Sha256() { reset(); }
  void reset();
  void update(const uint8_t* data, size_t length);
  void finish(uint8_t out[32]);

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buffer_[64];
  uint64_t total_;
  size_t used_;
};

// Zeroes n bytes through a volatile pointer (not removed as a dead store): for key material,
// including the temporary copies and intermediate values on the stack of the functions here.
void wipeBytes(void* p, size_t n);

void hmacSha256(const uint8_t* key, size_t keyLength, const uint8_t* data, size_t length, uint8_t out[32]);

// HKDF-SHA256 (RFC 5869), any info length. False (and out zeroed) when outLength > kHkdfMaxOutput.
constexpr size_t kHkdfMaxOutput = 255 * 32;
bool hkdfSha256(const uint8_t* ikm, size_t ikmLength, const uint8_t* salt, size_t saltLength, const uint8_t* info,
                size_t infoLength, uint8_t* out, size_t outLength);

// Constant time (bitsliced, no tables, no branches on key or data). Two blocks cost one pass.
class Aes256 {
 public:
  void setKey(const uint8_t key[32]);
  void encryptBlock(const uint8_t in[16], uint8_t out[16]) const;
  // Two blocks at once; in and out may be the same buffers.
  void encryptBlocks(const uint8_t in0[16], const uint8_t in1[16], uint8_t out0[16], uint8_t out1[16]) const;

 private:
  uint16_t roundKeys_[15 * 8];  // bit planes of each round key
};

// AES-256-GCM with a 12-byte nonce and a 16-byte tag. In-place use (out == in) is allowed.
// GHASH is constant time too (masks, no branches on data).
class Aes256Gcm {
 public:
  void setKey(const uint8_t key[32]);
  void seal(const uint8_t nonce[12], const uint8_t* aad, size_t aadLength, const uint8_t* in, size_t length, uint8_t* out,
            uint8_t tag[16]) const;
  // Returns false (and leaves out unspecified) when the tag does not match. Constant-time compare.
  bool open(const uint8_t nonce[12], const uint8_t* aad, size_t aadLength, const uint8_t* in, size_t length,
            const uint8_t tag[16], uint8_t* out) const;

 private:
  void ghash(const uint8_t h[16], const uint8_t* aad, size_t aadLength, const uint8_t* c, size_t length,
             uint8_t out[16]) const;
  void ctr(const uint8_t nonce[12], const uint8_t* in, size_t length, uint8_t* out) const;
  void expectedTag(const uint8_t nonce[12], const uint8_t* aad, size_t aadLength, const uint8_t* c, size_t length,
                   uint8_t tag[16]) const;
  Aes256 aes_;  // the hash key H is derived per message, in the same AES pass as E(K, J0)
};

}  // namespace udp
}  // namespace hypertcp

#endif

// Constant-time check of AES-256 and AES-256-GCM (the "ctgrind" technique): the key and the
// plaintext are marked undefined for valgrind's memcheck, which then reports every branch and
// every memory index that depends on them ("Conditional jump or move depends on uninitialised
// value(s)", "Use of uninitialised value" in an address). Results are marked defined again before
// anything looks at them, so a clean run means no secret-dependent branch or table index.
// Step udp-ct (test/udp.mk): valgrind --error-exitcode=1 on this program.
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "udp/UdpCrypto.h"

using namespace hypertcp::udp;

int main() {
  uint8_t key[32], block[16], out[16], nonce[12], aad[13], plain[256], sealed[256], tag[16];
  for (int i = 0; i < 32; i++) key[i] = static_cast<uint8_t>(i * 11 + 3);
  for (int i = 0; i < 16; i++) block[i] = static_cast<uint8_t>(i * 7);
  for (int i = 0; i < 256; i++) plain[i] = static_cast<uint8_t>(i);
  memset(nonce, 0x42, sizeof nonce);  // nonce and header (AAD) are public
  memset(aad, 0x17, sizeof aad);
  VALGRIND_MAKE_MEM_UNDEFINED(key, sizeof key);
  VALGRIND_MAKE_MEM_UNDEFINED(block, sizeof block);
  VALGRIND_MAKE_MEM_UNDEFINED(plain, sizeof plain);

  Aes256 aes;  // key schedule and one block
  aes.setKey(key);
  aes.encryptBlock(block, out);
  Aes256Gcm gcm;  // key schedule, H, CTR and GHASH over secret ciphertext
  gcm.setKey(key);
  gcm.seal(nonce, aad, sizeof aad, plain, sizeof plain, sealed, tag);

  VALGRIND_MAKE_MEM_DEFINED(out, sizeof out);
  VALGRIND_MAKE_MEM_DEFINED(sealed, sizeof sealed);
  VALGRIND_MAKE_MEM_DEFINED(tag, sizeof tag);
  unsigned sum = 0;
  for (int i = 0; i < 16; i++) sum += out[i] + tag[i];
  printf("ctgrind: AES-256 block, key schedule and a 256-byte GCM seal ran (checksum %u)\n", sum);
  return 0;
}

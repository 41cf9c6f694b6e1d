// Constant-time check of AES-256 and AES-256-GCM (the "ctgrind" technique): the key and the
// plaintext are marked undefined for valgrind's memcheck, which then reports every branch and
// every memory index that depends on them ("Conditional jump or move depends on uninitialised
// value(s)", "Use of uninitialised value" in an address). Results are marked defined again before
// anything looks at them, so a clean run means no secret-dependent branch or table index.
// Step udp-ct (test/udp.mk): valgrind --error-exitcode=1 on this program. Opening is the same CTR
// and GHASH code plus the tag comparison, whose result (authentic or not) is public, so its final
// branch would be reported by design; it is covered by the seals.
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "udp/UdpCrypto.h"
#include "udp/UdpWire.h"

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


  // The device's path: a SessionKey with its cached key schedule (HYPERTCP_UDP_KEY_CACHE), key and
  // IV secret, datagrams of 64 and 256 bytes sealed with it, a key update (set() with another
  // secret key) and more datagrams, then wipe(). The header (AAD) and packet numbers are public.
  DirectionKey first, second;
  for (int i = 0; i < 32; i++) first.key[i] = static_cast<uint8_t>(i * 5 + 9), second.key[i] = static_cast<uint8_t>(i * 13 + 1);
  for (int i = 0; i < 12; i++) first.iv[i] = static_cast<uint8_t>(i * 3), second.iv[i] = static_cast<uint8_t>(i * 17);
  VALGRIND_MAKE_MEM_UNDEFINED(&first, sizeof first);
  VALGRIND_MAKE_MEM_UNDEFINED(&second, sizeof second);
  static uint8_t datagram[4][13 + 256 + 16];
  SessionKey session;
  session.set(first);
  size_t hl = encodeHeader(datagram[0], 0, 7, 1, nullptr);
  sealDatagram(session, 1, datagram[0], hl, plain, 64);
  hl = encodeHeader(datagram[1], 0, 7, 2, nullptr);
  sealDatagram(session, 2, datagram[1], hl, plain, 256);
  session.set(second);
  hl = encodeHeader(datagram[2], 1, 7, 3, nullptr);
  sealDatagram(session, 3, datagram[2], hl, plain, 64);
  hl = encodeHeader(datagram[3], 1, 7, 4, nullptr);
  sealDatagram(session, 4, datagram[3], hl, plain, 256);
  session.wipe();

  VALGRIND_MAKE_MEM_DEFINED(out, sizeof out);
  VALGRIND_MAKE_MEM_DEFINED(sealed, sizeof sealed);
  VALGRIND_MAKE_MEM_DEFINED(tag, sizeof tag);
  VALGRIND_MAKE_MEM_DEFINED(datagram, sizeof datagram);
  unsigned sum = 0;
  for (int i = 0; i < 16; i++) sum += out[i] + tag[i];
  for (int d = 0; d < 4; d++) sum += datagram[d][13 + 64 + 15];
  printf("ctgrind: AES-256 block, key schedule, a 256-byte GCM seal and cached-key datagrams ran (checksum %u)\n", sum);
  return 0;
}

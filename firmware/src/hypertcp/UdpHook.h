// The seam between the TCP client and its optional UDP side (udp/UdpLink.h, docs/PROTOCOL.md 9).
// HYPERTCP_ENABLE_UDP (Config.h) 0 compiles the seam out of ClientCore entirely (the AVR default:
// no room for AES-GCM and a 30 KB datagram peer, and the TCP build stays byte-for-byte the same).
#ifndef HYPERTCP_UDP_HOOK_H
#define HYPERTCP_UDP_HOOK_H

#include <stddef.h>
#include <stdint.h>

#include "Config.h"  // HYPERTCP_ENABLE_UDP

#if HYPERTCP_ENABLE_UDP
namespace hypertcp {

// What ClientCore calls on an attached UDP side. With one attached, the v2 LOGIN asks for UDP.
class UdpHook {
 public:
  // Logged in (v2): reply is the login reply's JSON (it may grant UDP), token and host as used.
  virtual void udpLogin(const char* reply, size_t length, const char* token, const char* host, uint32_t now) = 0;
  virtual void udpPoll(uint32_t now) = 0;  // from run() while online
  virtual void udpStop() = 0;              // the TCP session ended: the UDP session ends with it

 protected:
  ~UdpHook() {}
};

}  // namespace hypertcp
#endif

#endif

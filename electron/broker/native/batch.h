// Events for JS, packed into one byte buffer and one string table per batch (layout: wire.ts,
// "Batch layout"). Little-endian, unaligned: JS reads it with a DataView.
#ifndef HYPERTCP_NATIVE_BATCH_H
#define HYPERTCP_NATIVE_BATCH_H

#include <stdint.h>
#include <string.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace native {

enum Record : uint8_t { ACCEPTED = 1, DATA = 2, CLOSED = 3, DRAINED = 4, TRACE = 5, COUNTERS = 6 };

struct Counters {
  uint32_t msgsIn = 0, msgsOut = 0, bytesIn = 0, bytesOut = 0, acksOut = 0, rateLimited = 0, acksIn = 0;
  bool any() const { return (msgsIn | msgsOut | bytesIn | bytesOut | acksOut | rateLimited | acksIn) != 0; }
};

struct Batch {
  std::vector<uint8_t> bytes;
  std::vector<std::string> strings;
  std::unordered_map<std::string, uint32_t> index;
  // The open DATA record (its length field's offset) while slow bytes of one connection follow
  // each other: one record for them instead of one per read.
  size_t dataLengthAt = 0;
  uint32_t dataConn = 0;

  // Holds something JS must act on soon (a connection, bytes, a close, a drain), not only
  // counters and traces.
  bool urgent = false;

  bool empty() const { return bytes.empty(); }

  void accepted(uint32_t conn, const std::string& address, uint16_t port) {
    urgent = true;
    head(ACCEPTED, conn);
    u16(port);
    u32(intern(address));
  }

  void data(uint32_t conn, const uint8_t* p, size_t n) {
    if (n == 0) return;
    urgent = true;
    if (dataLengthAt != 0 && dataConn == conn) {
      uint32_t length;
      memcpy(&length, &bytes[dataLengthAt], 4);
      length += uint32_t(n);
      memcpy(&bytes[dataLengthAt], &length, 4);
    } else {
      head(DATA, conn);
      dataLengthAt = bytes.size();
      dataConn = conn;
      u32(uint32_t(n));
    }
    bytes.insert(bytes.end(), p, p + n);
  }

  void closed(uint32_t conn, const std::string& reason) {
    urgent = true;
    head(CLOSED, conn);
    u32(intern(reason));
  }

  void drained(uint32_t conn) {
    urgent = true;
    head(DRAINED, conn);
  }

  // One record per fast message: JS makes both its 'frame' events from it (the 'out' payload is
  // {"from":"<sender's id>","payload": + envelope[payloadStart, payloadEnd) + }). The devices' names
  // are not in it: JS has them from the two connections' sessions.
  void trace(uint32_t sender, uint32_t receiver, uint16_t inMsgId, uint16_t outMsgId, uint8_t status,
             const uint8_t* envelope, size_t n, size_t payloadStart, size_t payloadEnd) {
    head(TRACE, sender);
    u32(receiver);
    u16(inMsgId);
    u16(outMsgId);
    bytes.push_back(status);
    u16(uint16_t(payloadStart));
    u16(uint16_t(payloadEnd));
    u32(uint32_t(n));
    bytes.insert(bytes.end(), envelope, envelope + n);
  }

  void counters(uint32_t conn, const Counters& c) {
    head(COUNTERS, conn);
    for (uint32_t v : {c.msgsIn, c.msgsOut, c.bytesIn, c.bytesOut, c.acksOut, c.rateLimited, c.acksIn}) u32(v);
  }

 private:
  void head(Record kind, uint32_t conn) {
    dataLengthAt = 0;
    bytes.push_back(kind);
    u32(conn);
  }
  void u16(uint16_t v) { bytes.insert(bytes.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 2); }
  void u32(uint32_t v) { bytes.insert(bytes.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 4); }
  uint32_t intern(const std::string& s) {
    auto [it, added] = index.emplace(s, uint32_t(strings.size()));
    if (added) strings.push_back(s);
    return it->second;
  }
};

}  // namespace native

#endif

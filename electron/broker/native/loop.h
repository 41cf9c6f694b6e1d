// The epoll thread that owns the plain-TCP sockets (see README.md). Every public method is
// called on the JS thread and takes the one mutex the thread holds while it handles a wake-up.
#ifndef HYPERTCP_NATIVE_LOOP_H
#define HYPERTCP_NATIVE_LOOP_H

#include <stdint.h>

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "batch.h"

namespace native {

struct Route {
  std::string deviceId;
  bool v2 = false;
  uint32_t maxPayload = 16384;
  // The largest delivered payload the device takes (its v2 LOGIN's receive limit); 65535: none of its own.
  uint32_t receiveLimit = 65535;
  double ratePerSecond = 0, rateBurst = 0;
  // What the bucket holds when the connection becomes routed (JS's bucket until then); < 0: full.
  double tokens = -1;
};

struct Conn;

class Loop {
 public:
  // Called (under the lock) when a batch becomes ready and JS has not been asked for it yet.
  explicit Loop(std::function<void()> notify);
  ~Loop();

  // The bound port, or -1 with `error` set.
  int listen(const std::string& host, int port, std::string& error);
  // Stops accepting (the port is free again); the connections stay until they close or close().
  void unlisten();
  // Stops listening and closes every connection ('shutdown'); the thread ends.
  void close();
  bool write(uint32_t id, const uint8_t* p, size_t n);
  bool end(uint32_t id);
  bool destroy(uint32_t id);
  bool route(uint32_t id, const Route* route);
  bool take(uint32_t id);
  // The connection's rate bucket refilled to now, also once it is unrouted or closed while routed
  // (a closed one's is kept until asked once); -1: it never had one. JS carries it to the device's next session.
  double level(uint32_t id);
  // A msg id for JS's frame; `ping`: for a PING, whose RESPONSE then goes to JS (not counted here).
  int nextId(uint32_t id, bool ping);
  bool pause(uint32_t id, bool paused);
  void setTracing(bool on);
  void processed(uint64_t seq);
  // Moves the ready batch out (false if there is none).
  bool takeBatch(Batch& out, uint64_t& seq);
  size_t connections();
  // The largest batch that waited for JS (bytes), for tests of the cap.
  size_t pendingPeak();
  // What the connections' output and hold buffers keep allocated (bytes), for tests that a burst's
  // memory is given back.
  size_t bufferedBytes();

 private:
  void run();
  void acceptAll();
  void readFrom(Conn& c);
  void consume(Conn& c, const uint8_t* p, size_t n);
  void handleFrame(Conn& c, const uint8_t* f, size_t n);
  bool tryFast(Conn& c, const uint8_t* f, size_t n);
  bool countAck(Conn& c, const uint8_t* f, size_t n);
  void slow(Conn& c, const uint8_t* p, size_t n);
  void queue(Conn& c, const uint8_t* p, size_t n);
  // n bytes at the end of c's output, written at the end of this wake-up.
  uint8_t* append(Conn& c, size_t n);
  void flush(Conn& c);
  void flushDirty();
  void watch(Conn& c);
  void throttle(Conn& c);
  void closeConn(Conn& c, const std::string& reason);
  void emitCounters(Conn& c);
  void publish();
  // Counter deltas into the batch JS takes, one record per connection (all, or c's alone).
  void foldCounters();
  void foldCounters(Conn& c);
  bool takeToken(Conn& c);
  uint16_t nextMsgId(Conn& c);
  Conn* find(uint32_t id);

  std::function<void()> notify_;
  std::mutex mu_;
  std::thread thread_;
  int epollFd_ = -1, listenFd_ = -1, wakeFd_ = -1;
  bool stopping_ = false;
  uint32_t lastId_ = 0;
  std::unordered_map<uint32_t, Conn*> conns_;
  std::unordered_map<std::string, Conn*> devices_;
  // Buckets of routed connections that closed, until JS asks for their level (it does at its close).
  struct ClosedBucket {
    double tokens, at, ratePerSecond, rateBurst;
  };
  std::unordered_map<uint32_t, ClosedBucket> closedBuckets_;
  std::vector<uint32_t> dirty_;     // connections with bytes to write at the end of this wake-up
  std::vector<uint32_t> counted_;   // connections with counter deltas not yet in a batch
  std::vector<uint32_t> throttled_; // connections not read until JS takes the batch
  size_t pendingPeak_ = 0;
  Batch pending_;
  uint64_t pendingSeq_ = 1;  // the sequence number the pending batch will carry
  uint64_t processedSeq_ = 0;
  bool notified_ = false;
  bool lazyDue_ = false;      // a batch of counters and traces waits for kLazyMs since the last notify
  double notifiedAt_ = 0;
  bool tracing_ = false;
  std::vector<uint8_t> readBuf_;
};

}  // namespace native

#endif

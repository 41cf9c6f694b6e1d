// The simulated devices of the native load generator: one TCP client each, HyperTCP or MQTT,
// non-blocking on one epoll set; what they send, how they ack and what they count.
#pragma once
#include <sys/epoll.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wire.h"

namespace loadgen {

struct Counters {
  uint64_t sent = 0, received = 0, acksOk = 0, acksRefused = 0, errors = 0, forgiven = 0;
};

struct Client {
  bool mqtt = false;
  int port = 0, qos = 0, src = 0, fanout = 1, fd = -1;
  std::string id, token, sendTo, subscribe;
  std::string frame;  // pre-built message; stamped in place per send
  size_t payloadAt = 0, msgIdAt = 0;
  uint16_t msgId = 1;
  std::vector<uint8_t> pending;  // a partial packet between reads
  std::string outbox;            // bytes the socket did not take yet
  bool watchingOut = false;      // EPOLLOUT is in the socket's epoll interest (outbox not empty)
  bool handshaking = true;
  std::string failure;
  // saturation: what this publisher sent, wrote off, and when its deliveries last moved
  uint64_t sent = 0, forgiven = 0, lastDone = 0, lastProgress = 0;
};

constexpr int kMaxSrc = 10000;  // the payload's 4-digit publisher index

extern Counters counters;
/** Delivery latencies since the last mark, in the coordinator's buckets: to the receiver's read. */
extern uint64_t histogram[kBuckets];
/**
 * The same deliveries to the moment the broker's write reached the receiving socket (the kernel's
 * receive timestamp, SO_TIMESTAMPNS): the broker's share, without the receiver's own wake-up.
 */
extern uint64_t socketHistogram[kBuckets];

/** Pre-builds the client's message frame (a publisher's). */
void buildFrame(Client& c);
/** Starts a non-blocking connect and queues the login (HyperTCP) or CONNECT (MQTT). */
bool connectClient(Client& c, int epfd);
/** Handles one epoll event of a client's socket. */
void dispatch(const epoll_event& ev, int epfd);
/** Writes `count` stamped messages in one write. */
void send(Client& c, int count, int epfd);
/** One saturation step over every publisher; returns whether anything was sent. */
bool pump(std::vector<Client*>& publishers, int window, int batch, int epfd);
/** The counters since `since` and the histogram, as one JSON object. */
std::string reportJson(uint64_t elapsedUs, const Counters& since);

}  // namespace loadgen

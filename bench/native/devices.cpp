// The simulated devices of the native load generator (devices.h).
#include "devices.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace loadgen {

Counters counters;
uint64_t histogram[kBuckets];
uint64_t socketHistogram[kBuckets];

static uint64_t deliveredBySrc[kMaxSrc];  // deliveries per publisher, for the window

/** `atSocket`: when the chunk reached the socket (monotonic µs), 0 when the kernel did not say. */
static void recordDelivery(const uint8_t* from, const uint8_t* end, uint64_t now, uint64_t atSocket) {
  const uint8_t* at = static_cast<const uint8_t*>(memmem(from, end - from, kTsMarker.data(), kTsMarker.size()));
  if (!at || at + 64 > end) return;
  counters.received++;
  const int64_t src = readDigits(at + kSrcAt, 4);
  if (src >= 0) deliveredBySrc[src]++;
  const int64_t ts = readDigits(at + kTsAt, 15);
  if (ts >= 0) histogram[bucketOf(int64_t(now) - ts)]++;
  if (ts >= 0 && atSocket) socketHistogram[bucketOf(int64_t(atSocket) - ts)]++;
  // LOADGEN_TRACE=<file>: every slow delivery's arrival time and latency (µs), to see when the
  // tail happens (clusters, periods, GC pauses) rather than only how long it is. "Slow" is over
  // LOADGEN_TRACE_US (default 300).
  static FILE* const trace = getenv("LOADGEN_TRACE") ? fopen(getenv("LOADGEN_TRACE"), "w") : nullptr;
  static const int64_t slowMicros = getenv("LOADGEN_TRACE_US") ? atoll(getenv("LOADGEN_TRACE_US")) : 300;
  if (trace && ts >= 0 && int64_t(now) - ts > slowMicros) fprintf(trace, "%llu %lld\n", (unsigned long long)now, (long long)(int64_t(now) - ts));
}

void buildFrame(Client& c) {
  if (c.sendTo.empty()) return;
  if (!c.mqtt) {
    const std::string prefix = "{\"targetId\":\"" + c.sendTo + "\",\"payload\":";
    c.frame = hypertcpFrame(c.sendTo == "broadcast" ? BROADCAST : JSON_MESSAGE, 1, prefix + kPayload + "}");
    c.payloadAt = 5 + prefix.size();
    c.msgIdAt = 1;
  } else {
    const std::string id = c.qos == 1 ? std::string{0, 1} : std::string();
    c.frame = mqttPacket(uint8_t(PUBLISH << 4 | c.qos << 1), mqttString(c.sendTo) + id + kPayload);
    c.payloadAt = c.frame.size() - kPayload.size();
    c.msgIdAt = c.qos == 1 ? c.payloadAt - 2 : 0;
  }
}

static void writeOut(Client& c, const std::string& bytes, int epfd);

/** Handles one whole packet, appending the ack it needs (if any) to `acks`. */
static void onPacket(Client& c, const uint8_t* p, size_t size, uint64_t now, uint64_t atSocket, std::string& acks, int epfd) {
  if (!c.mqtt) {
    const uint8_t type = p[0];
    if (type == JSON_MESSAGE || type == BROADCAST || type == PING) {
      acks += std::string{char(RESPONSE), char(p[1]), char(p[2]), 0, 0};
      if (type != PING) recordDelivery(p + 5, p + size, now, atSocket);
    } else if (type == RESPONSE) {
      const uint8_t status = size > 5 ? p[5] : kSuccess;
      if (c.handshaking) {
        c.handshaking = false;
        if (status != kSuccess) c.failure = c.id + ": login refused, status " + std::to_string(status);
      } else if (status == kSuccess) {
        counters.acksOk++;
      } else {
        counters.acksRefused++;
      }
    }
    return;
  }
  const uint8_t type = p[0] >> 4;
  if (type == PUBLISH) {
    size_t i = 1;
    while (p[i] & 0x80) i++;
    i++;
    const size_t topicLength = (size_t(p[i]) << 8) | p[i + 1];
    const size_t payloadStart = i + 2 + topicLength + ((p[0] & 0x06) ? 2 : 0);
    if (p[0] & 0x06) acks += std::string{char(PUBACK << 4), 2, char(p[payloadStart - 2]), char(p[payloadStart - 1])};
    recordDelivery(p + payloadStart, p + size, now, atSocket);
  } else if (type == PUBACK) {
    counters.acksOk++;
  } else if (type == CONNACK) {
    if (p[3] != 0) {
      c.failure = c.id + ": CONNACK " + std::to_string(p[3]);
      c.handshaking = false;
    } else if (!c.subscribe.empty()) {
      writeOut(c, mqttPacket(SUBSCRIBE << 4 | 0x02, std::string{0, 1} + mqttString(c.subscribe) + char(c.qos)), epfd);
    } else {
      c.handshaking = false;
    }
  } else if (type == SUBACK) {
    c.handshaking = false;
    if (p[4] == 0x80) c.failure = c.id + ": SUBACK failure";
  }
}

static void fail(Client& c, int epfd, const char* why) {
  if (c.fd < 0) return;
  if (!c.handshaking) counters.errors++;
  if (c.failure.empty()) c.failure = c.id + ": " + why;
  epoll_ctl(epfd, EPOLL_CTL_DEL, c.fd, nullptr);
  close(c.fd);
  c.fd = -1;
}

static void flushOutbox(Client& c, int epfd) {
  while (!c.outbox.empty()) {
    const ssize_t n = write(c.fd, c.outbox.data(), c.outbox.size());
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
    if (n < 0) return fail(c, epfd, strerror(errno));
    c.outbox.erase(0, size_t(n));
  }
  // Only when the interest changes: a system call per write would be the generator's own cost,
  // paid more often by acked protocols (an ack is a write), so part of what a broker is measured by.
  const bool wantOut = !c.outbox.empty();
  if (wantOut == c.watchingOut) return;
  c.watchingOut = wantOut;
  epoll_event ev{};
  ev.events = EPOLLIN | (wantOut ? uint32_t(EPOLLOUT) : 0u);
  ev.data.ptr = &c;
  epoll_ctl(epfd, EPOLL_CTL_MOD, c.fd, &ev);
}

static void writeOut(Client& c, const std::string& bytes, int epfd) {
  if (c.fd < 0 || bytes.empty()) return;
  const bool wasEmpty = c.outbox.empty();
  c.outbox += bytes;
  if (wasEmpty) flushOutbox(c, epfd);
}

/**
 * When the newest bytes of a read reached the socket, on the clock of `now` (nowMicros(), taken
 * just after the read), from the kernel's receive timestamp (CLOCK_REALTIME), or 0 without one. On
 * loopback the kernel stamps a packet as the sender's write queues it, so this is when the broker wrote.
 */
static uint64_t socketArrival(msghdr& msg, uint64_t now) {
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec at{}, real{};
    memcpy(&at, CMSG_DATA(cm), sizeof at);
    clock_gettime(CLOCK_REALTIME, &real);
    const int64_t agoUs = (int64_t(real.tv_sec) - at.tv_sec) * 1000000 + (int64_t(real.tv_nsec) - at.tv_nsec) / 1000;
    return agoUs < 0 || uint64_t(agoUs) > now ? 0 : now - uint64_t(agoUs);
  }
  return 0;
}

static void onReadable(Client& c, int epfd) {
  static uint8_t chunk[1 << 16];
  iovec iov{chunk, sizeof chunk};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = recvmsg(c.fd, &msg, 0);
  if (n == 0) return fail(c, epfd, "closed by the broker");
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) fail(c, epfd, strerror(errno));
    return;
  }
  const uint64_t now = nowMicros();  // one stamp per chunk, as the Node receivers do
  const uint64_t atSocket = socketArrival(msg, now);
  const uint8_t* buf = chunk;
  size_t size = size_t(n);
  if (!c.pending.empty()) {
    c.pending.insert(c.pending.end(), chunk, chunk + n);
    buf = c.pending.data();
    size = c.pending.size();
  }
  std::string acks;
  size_t at = 0;
  while (at < size) {
    const size_t packet = measure(c.mqtt, buf + at, size - at);
    if (packet == SIZE_MAX) return fail(c, epfd, "malformed packet");
    if (packet == 0 || at + packet > size) break;
    onPacket(c, buf + at, packet, now, atSocket, acks, epfd);
    at += packet;
  }
  std::vector<uint8_t> rest(buf + at, buf + size);
  c.pending.swap(rest);
  writeOut(c, acks, epfd);  // a chunk's acks in one write, as the Node receivers do
}

/** Writes `count` stamped messages in one write. */
void send(Client& c, int count, int epfd) {
  static std::string batch;
  batch.clear();
  const uint64_t now = nowMicros();
  for (int i = 0; i < count; i++) {
    const size_t at = batch.size();
    batch += c.frame;
    uint8_t* f = reinterpret_cast<uint8_t*>(&batch[at]);
    writeDigits(f + c.payloadAt + kTsAt, 15, now);
    writeDigits(f + c.payloadAt + kSrcAt, 4, uint64_t(c.src));
    writeDigits(f + c.payloadAt + kSeqAt, 8, c.sent % 100000000u);
    if (c.msgIdAt) {
      f[c.msgIdAt] = uint8_t(c.msgId >> 8);
      f[c.msgIdAt + 1] = uint8_t(c.msgId & 0xff);
      c.msgId = c.msgId == 0xffff ? 1 : c.msgId + 1;
    }
    c.sent++;
  }
  counters.sent += uint64_t(count);
  writeOut(c, batch, epfd);
}

/**
 * Saturation, closed loop: each publisher keeps at most `window` messages in flight (sent, not yet
 * delivered to all `fanout` receivers) and writes up to `batch` per write. A window stalled for
 * 0.5 s (messages the broker dropped) is written off. Returns whether anything was sent.
 */
bool pump(std::vector<Client*>& publishers, int window, int batch, int epfd) {
  constexpr uint64_t kStallMicros = 500000;
  constexpr size_t kHighWater = 64 * 1024;  // above this many unsent bytes a publisher waits
  const uint64_t now = nowMicros();
  bool progressed = false;
  for (Client* p : publishers) {
    if (p->fd < 0) continue;
    const uint64_t done = deliveredBySrc[p->src] / uint64_t(p->fanout);
    if (done != p->lastDone) {
      p->lastDone = done;
      p->lastProgress = now;
    }
    // late deliveries of written-off messages can put done above sent - forgiven: none in flight
    const uint64_t settled = done + p->forgiven;
    uint64_t inflight = p->sent > settled ? p->sent - settled : 0;
    if (inflight >= uint64_t(window)) {
      if (now - p->lastProgress < kStallMicros) continue;
      p->forgiven += inflight;
      counters.forgiven += inflight;
      p->lastProgress = now;
      inflight = 0;
    }
    if (p->outbox.size() > kHighWater) continue;
    send(*p, int(std::min<uint64_t>(uint64_t(batch), uint64_t(window) - inflight)), epfd);
    progressed = true;
  }
  return progressed;
}

bool connectClient(Client& c, int epfd) {
  c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(c.port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(c.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);  // socketHistogram
  if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 && errno != EINPROGRESS) {
    c.failure = c.id + ": connect: " + strerror(errno);
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &c;
  epoll_ctl(epfd, EPOLL_CTL_ADD, c.fd, &ev);
  if (!c.mqtt) {
    writeOut(c, hypertcpFrame(LOGIN, 1, "{\"v\":2,\"token\":\"" + c.token + "\"}"), epfd);
  } else {
    const std::string header{0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60};
    writeOut(c, mqttPacket(CONNECT << 4, header + mqttString(c.id)), epfd);
  }
  return true;
}

void dispatch(const epoll_event& ev, int epfd) {
  Client& c = *static_cast<Client*>(ev.data.ptr);
  if (c.fd < 0) return;
  if (ev.events & EPOLLOUT) flushOutbox(c, epfd);
  if (c.fd >= 0 && (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR))) onReadable(c, epfd);
}

/** A histogram as [[bucket, count], ...] over the buckets that have any. */
static std::string sparse(const uint64_t* h) {
  std::string out = "[";
  for (int i = 0; i < kBuckets; i++) {
    if (!h[i]) continue;
    out += (out.size() > 1 ? ",[" : "[") + std::to_string(i) + "," + std::to_string(h[i]) + "]";
  }
  return out + "]";
}

std::string reportJson(uint64_t elapsedUs, const Counters& since) {
  std::ostringstream out;
  out << "{\"elapsedMs\":" << elapsedUs / 1000.0 << ",\"sent\":" << counters.sent - since.sent
      << ",\"received\":" << counters.received - since.received << ",\"acksOk\":" << counters.acksOk - since.acksOk
      << ",\"acksRefused\":" << counters.acksRefused - since.acksRefused << ",\"errors\":" << counters.errors
      << ",\"forgiven\":" << counters.forgiven - since.forgiven
      << ",\"histogram\":" << sparse(histogram) << ",\"socketHistogram\":" << sparse(socketHistogram) << "}";
  return out.str();
}

}  // namespace loadgen

#include "loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "fast-envelope.h"

namespace native {
namespace {

constexpr uint8_t kJsonMessage = 30;
constexpr uint8_t kResponse = 0;
constexpr uint8_t kSuccess = 200;
constexpr size_t kHeader = 5;
// write() says "wait for drained" past this many unsent bytes (Node's sockets say it at 16 KiB).
constexpr size_t kHighWater = 64 * 1024;
// An emptied output or hold buffer bigger than this is freed, not kept: a burst to one device (JS's
// write() takes any amount) would otherwise stay allocated for as long as the device is connected.
constexpr size_t kKeepBufferBytes = 64 * 1024;
// Past this many bytes in the batch JS has not taken, connections are not read (TCP pushes back on
// the devices) until JS takes it: memory stays bounded when JS falls behind. Small, so a stall while
// JS works through a batch stays short (about a thousand traces, ~1 ms): at saturation 4 MiB gave
// a p99 of 80-106 ms, 128 KiB 18-19 ms at 95 % of the throughput (docs/BENCHMARKS.md).
constexpr size_t kMaxPendingBytes = 128 * 1024;
// The shortest fast envelope: {"targetId":"x","payload":{}}
constexpr size_t kMinFastBody = 29;
// Counters and traces alone reach JS at most this often (publish()).
constexpr double kLazyMs = 5;
constexpr uint64_t kListenKey = 0;
constexpr uint64_t kWakeKey = UINT64_MAX;

// The scheduler slice the epoll thread asks for: the kernel's shortest. Its turns take tens of µs;
// EEVDF (Linux 6.12+) lets a woken thread with a shorter slice preempt the running one at once,
// where with the default slice (1.4 ms here) it may wait out a JavaScript turn on its CPU.
constexpr uint64_t kSliceNs = 100'000;

// The kernel's struct sched_attr (glibc before 2.41 has no wrapper).
struct SchedAttr {
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
  uint32_t utilMin, utilMax;
};

/** Sets the calling thread's slice, its policy and nice kept. Older kernels ignore it. */
void askShortSlice() {
  SchedAttr attr{};
  if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return;
  attr.size = sizeof attr;
  attr.runtime = kSliceNs;
  (void)!syscall(SYS_sched_setattr, 0, &attr, 0);
}

void emptyBuffer(std::vector<uint8_t>& buffer) {
  if (buffer.capacity() > kKeepBufferBytes) std::vector<uint8_t>().swap(buffer);
  else buffer.clear();
}

double nowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A rate bucket's tokens at `now`, refilled since `at` (nothing gained for a clock that went back).
double refilled(double tokens, double at, double ratePerSecond, double burst, double now) {
  return now > at ? std::min(burst, tokens + (now - at) * ratePerSecond / 1000) : tokens;
}

// The name Node gives the error (err.code), so JS reports a native close like its own sockets.
std::string errnoName(int e) {
  switch (e) {
    case ECONNRESET: return "ECONNRESET";
    case EPIPE: return "EPIPE";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case ECONNABORTED: return "ECONNABORTED";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EACCES: return "EACCES";
    default: return "errno " + std::to_string(e);
  }
}

}  // namespace

struct Conn {
  uint32_t id = 0;
  int fd = -1;
  // Input: where the stream stands between frames.
  uint8_t hdr[kHeader] = {};
  size_t hdrFill = 0;               // header bytes read but not yet handed on
  size_t skip = 0;                  // bytes of the current slow frame still to hand to JS
  std::vector<uint8_t> hold;        // a fast-path candidate frame being read
  size_t holdTotal = 0;
  uint64_t lastSlowSeq = 0;         // the batch that carried this connection's last slow bytes
  uint64_t drainedSeq = 0;          // the batch that said drained: JS flushes its queue on it
  bool paused = false;
  bool throttled = false;           // not read until JS takes the batch (kMaxPendingBytes)
  // Fast path.
  bool routed = false;
  Route route;
  std::string prefix;               // {"from":"<id>","payload":
  double tokens = 0, refilledAt = 0;
  bool bucketSet = false;           // routed once: tokens/refilledAt are its rate bucket
  uint16_t msgId = 1;
  uint16_t pongId = 0;               // the msg id of the broker's last PING (its answer goes to JS)
  // Output.
  std::vector<uint8_t> out;
  size_t outAt = 0;                 // bytes of `out` already written
  bool dirty = false, waitingOut = false, wantDrain = false, ending = false, shut = false;
  Counters delta;
  bool counted = false;

  size_t pendingOut() const { return out.size() - outAt; }
};

Loop::Loop(std::function<void()> notify) : notify_(std::move(notify)), readBuf_(65536) {}

Loop::~Loop() { close(); }

Conn* Loop::find(uint32_t id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : it->second;
}

int Loop::listen(const std::string& host, int port, std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (epollFd_ >= 0 || stopping_) {
    error = "already listening (or closed)";
    return -1;
  }
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    error = std::string("getaddrinfo: ") + gai_strerror(rc);
    return -1;
  }
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1, zero = 0;
  if (fd >= 0) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // "::" takes IPv4 too, as Node's listen does.
    if (found->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  }
  if (fd < 0 || bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
    const int err = errno;  // as Node words it: "listen EADDRINUSE: address already in use host:port"
    error = std::string("listen ") + errnoName(err) + ": " + strerror(err) + " " + host + ":" + service;
    if (fd >= 0) ::close(fd);
    freeaddrinfo(found);
    return -1;
  }
  freeaddrinfo(found);
  sockaddr_storage bound{};
  socklen_t size = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &size);
  const int boundPort = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                          : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listenFd_ = fd;
  epollFd_ = epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.u64 = kListenKey;
  epoll_ctl(epollFd_, EPOLL_CTL_ADD, listenFd_, &e);
  e.data.u64 = kWakeKey;
  epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &e);
  thread_ = std::thread([this] {
    // named, so `top -H`, perf and /proc tell it from the JavaScript thread it would inherit the name of
    pthread_setname_np(pthread_self(), "hypertcp-wire");
    askShortSlice();
    run();
  });
  return boundPort;
}

void Loop::unlisten() {
  std::lock_guard<std::mutex> lock(mu_);
  if (listenFd_ < 0) return;
  epoll_ctl(epollFd_, EPOLL_CTL_DEL, listenFd_, nullptr);
  ::close(listenFd_);
  listenFd_ = -1;  // acceptAll() then finds nothing to accept
}

void Loop::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    if (wakeFd_ >= 0) {
      uint64_t one = 1;
      (void)!::write(wakeFd_, &one, sizeof one);
    }
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint32_t> ids;
  for (auto& [id, c] : conns_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (uint32_t id : ids) closeConn(*conns_[id], "shutdown");
  for (int* fd : {&listenFd_, &wakeFd_, &epollFd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  publish();
}

void Loop::run() {
  epoll_event events[64];
  int timeout = -1;
  for (;;) {
    const int n = epoll_wait(epollFd_, events, 64, timeout);
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    for (int i = 0; i < n; i++) {
      const uint64_t key = events[i].data.u64;
      if (key == kListenKey) {
        acceptAll();
        continue;
      }
      if (key == kWakeKey) {
        uint64_t count;
        (void)!::read(wakeFd_, &count, sizeof count);
        continue;
      }
      Conn* c = find(uint32_t(key));
      if (!c) continue;  // closed earlier in this wake-up
      if (events[i].events & EPOLLOUT) {
        c->waitingOut = false;
        watch(*c);
        flush(*c);
        if (!(c = find(uint32_t(key)))) continue;
      }
      // A paused connection is read only once the peer has gone (JS must learn it).
      if (events[i].events & (EPOLLERR | EPOLLHUP)) {
        readFrom(*c);
      } else if ((events[i].events & EPOLLIN) && !c->paused) {
        if (pending_.bytes.size() < kMaxPendingBytes) readFrom(*c);
        else throttle(*c);
      }
    }
    pendingPeak_ = std::max(pendingPeak_, pending_.bytes.size());
    flushDirty();
    publish();
    timeout = lazyDue_ ? std::max(1, int(kLazyMs - (nowMs() - notifiedAt_)) + 1) : -1;
  }
}

void Loop::acceptAll() {
  for (;;) {
    sockaddr_storage peer{};
    socklen_t size = sizeof peer;
    const int fd = accept4(listenFd_, reinterpret_cast<sockaddr*>(&peer), &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or EMFILE: the listener stays readable and is tried again
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char text[INET6_ADDRSTRLEN] = "";
    uint16_t port = 0;
    if (peer.ss_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&peer);
      inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
      port = ntohs(a->sin6_port);
    } else if (peer.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&peer);
      inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
      port = ntohs(a->sin_port);
    }
    auto* c = new Conn();
    c->id = ++lastId_ == 0 ? ++lastId_ : lastId_;
    c->fd = fd;
    conns_[c->id] = c;
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = c->id;
    epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &e);
    pending_.accepted(c->id, text, port);
  }
}

void Loop::readFrom(Conn& c) {
  const ssize_t r = ::read(c.fd, readBuf_.data(), readBuf_.size());
  if (r == 0) return closeConn(c, "end");
  if (r < 0) {
    if (errno != EAGAIN && errno != EINTR) closeConn(c, errnoName(errno));
    return;
  }
  consume(c, readBuf_.data(), size_t(r));
}

// Splits the stream at frame boundaries: fast-path candidates (whole JSON_MESSAGE frames of a
// routed connection) are kept until complete; every other byte goes to JS as it arrives.
void Loop::consume(Conn& c, const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (c.skip > 0) {
      const size_t take = std::min(c.skip, n - i);
      slow(c, p + i, take);
      c.skip -= take;
      i += take;
      continue;
    }
    if (c.holdTotal > 0) {
      const size_t take = std::min(c.holdTotal - c.hold.size(), n - i);
      c.hold.insert(c.hold.end(), p + i, p + i + take);
      i += take;
      if (c.hold.size() < c.holdTotal) return;
      handleFrame(c, c.hold.data(), c.hold.size());
      emptyBuffer(c.hold);
      c.holdTotal = 0;
      continue;
    }
    // At a frame boundary. The header is read in place when it is whole in this chunk.
    const uint8_t* h = p + i;
    const bool inPlace = c.hdrFill == 0 && n - i >= kHeader;
    if (!inPlace) {
      const size_t take = std::min(kHeader - c.hdrFill, n - i);
      memcpy(c.hdr + c.hdrFill, p + i, take);
      c.hdrFill += take;
      i += take;
      if (c.hdrFill < kHeader) return;
      h = c.hdr;
    }
    const size_t length = size_t(h[3]) << 8 | h[4];
    const size_t total = kHeader + length;
    const bool candidate = c.routed && length <= c.route.maxPayload && ((h[0] == kJsonMessage && length >= kMinFastBody) || h[0] == kResponse);
    if (!inPlace) {
      c.hdrFill = 0;
      if (candidate) {
        c.hold.assign(c.hdr, c.hdr + kHeader);
        c.holdTotal = total;
      } else {
        slow(c, c.hdr, kHeader);
        c.skip = length;
      }
      continue;
    }
    if (candidate && n - i >= total) {
      handleFrame(c, p + i, total);
      i += total;
    } else if (candidate) {
      c.hold.assign(p + i, p + n);
      c.holdTotal = total;
      return;
    } else {
      const size_t take = std::min(total, n - i);
      slow(c, p + i, take);
      c.skip = total - take;
      i += take;
    }
  }
}

void Loop::handleFrame(Conn& c, const uint8_t* f, size_t n) {
  if (!countAck(c, f, n) && !tryFast(c, f, n)) slow(c, f, n);
}

// A routed device's ack of a delivery is only counted (handlers/response.ts), so it need not wake
// JS; the answer to the broker's PING (pongId) goes to JS, which takes the RTT from it. Like the
// fast path, only once JS has handled this connection's slow bytes: one of them may close the
// session (a second LOGIN, an unknown type), and nothing after it counts.
bool Loop::countAck(Conn& c, const uint8_t* f, size_t n) {
  if (!c.routed || f[0] != kResponse || processedSeq_ < c.lastSlowSeq) return false;
  const uint16_t id = uint16_t(f[1] << 8 | f[2]);
  if (c.pongId != 0 && id == c.pongId) return false;
  c.delta.acksIn++;
  c.delta.bytesIn += uint32_t(n);
  emitCounters(c);
  return true;
}

void Loop::slow(Conn& c, const uint8_t* p, size_t n) {
  pending_.data(c.id, p, n);
  c.lastSlowSeq = pendingSeq_;
}

// The fast path's rules (README.md); any one failing leaves the frame to JS, unchanged.
bool Loop::tryFast(Conn& c, const uint8_t* f, size_t n) {
  if (!c.routed || f[0] != kJsonMessage || processedSeq_ < c.lastSlowSeq) return false;
  FastEnvelope env;
  const uint8_t* body = f + kHeader;
  if (!matchFastEnvelope(body, n - kHeader, env)) return false;
  const std::string target(reinterpret_cast<const char*>(body) + env.idStart, env.idEnd - env.idStart);
  if (target == "server" || target == "broadcast") return false;
  auto it = devices_.find(target);
  if (it == devices_.end()) return false;
  Conn& r = *it->second;
  // Backed up exactly when write() would say so (or JS has not yet flushed its queue on drained):
  // then JS's OutboundQueue decides (drop-oldest, QUEUE_FULL, slow consumer) and order holds.
  if (r.ending || r.wantDrain || r.pendingOut() > kHighWater || processedSeq_ < r.drainedSeq) return false;
  const size_t payload = env.payloadEnd - env.payloadStart;
  const size_t length = c.prefix.size() + payload + 1;
  // Over the receiver's own limit: JS refuses it (PAYLOAD_TOO_LARGE), the same as for a sender on the slow path.
  if (length > c.route.maxPayload || length > r.route.receiveLimit || length > 0xffff) return false;
  if (!takeToken(c)) {
    c.delta.rateLimited++;
    emitCounters(c);
    return false;
  }
  const uint16_t id = nextMsgId(r);
  // Built in place at the end of the receiver's queue: no frame of its own per message.
  uint8_t* frame = append(r, kHeader + length);
  frame[0] = kJsonMessage;
  frame[1] = uint8_t(id >> 8);
  frame[2] = uint8_t(id);
  frame[3] = uint8_t(length >> 8);
  frame[4] = uint8_t(length);
  memcpy(frame + kHeader, c.prefix.data(), c.prefix.size());
  memcpy(frame + kHeader + c.prefix.size(), body + env.payloadStart, payload);
  frame[kHeader + length - 1] = '}';
  // What Session.ack() writes: v2 a SUCCESS status byte, legacy an empty RESPONSE.
  const uint8_t ack[6] = {kResponse, f[1], f[2], 0, uint8_t(c.route.v2 ? 1 : 0), kSuccess};
  const size_t ackSize = c.route.v2 ? 6 : 5;
  queue(c, ack, ackSize);
  c.delta.msgsIn++;
  c.delta.bytesIn += uint32_t(n);
  c.delta.acksOut++;
  c.delta.bytesOut += uint32_t(ackSize);
  r.delta.msgsOut++;
  r.delta.bytesOut += uint32_t(kHeader + length);
  emitCounters(c);
  emitCounters(r);
  if (tracing_) {
    const uint16_t inId = uint16_t(f[1] << 8 | f[2]);
    pending_.trace(c.id, r.id, inId, id, kSuccess, body, n - kHeader, env.payloadStart, env.payloadEnd);
  }
  return true;
}

bool Loop::takeToken(Conn& c) {
  const double now = nowMs();
  c.tokens = refilled(c.tokens, c.refilledAt, c.route.ratePerSecond, c.route.rateBurst, now);
  c.refilledAt = now;
  if (c.tokens < 1) return false;
  c.tokens -= 1;
  return true;
}

uint16_t Loop::nextMsgId(Conn& c) {
  const uint16_t id = c.msgId;
  c.msgId = id == 0xffff ? 1 : uint16_t(id + 1);
  return id;
}

// A connection's counter deltas add up until JS takes the batch: one record per connection per
// batch (takeBatch; closeConn puts a closing one's in before its 'closed').
void Loop::emitCounters(Conn& c) {
  if (c.counted) return;
  c.counted = true;
  counted_.push_back(c.id);
}

void Loop::queue(Conn& c, const uint8_t* p, size_t n) {
  memcpy(append(c, n), p, n);
}

uint8_t* Loop::append(Conn& c, size_t n) {
  const size_t at = c.out.size();
  c.out.resize(at + n);
  if (!c.dirty) {
    c.dirty = true;
    dirty_.push_back(c.id);
  }
  return c.out.data() + at;
}

void Loop::flushDirty() {
  std::vector<uint32_t> ids;
  ids.swap(dirty_);
  for (uint32_t id : ids) {
    Conn* c = find(id);
    if (!c) continue;
    c->dirty = false;
    flush(*c);
  }
}

// One write() for everything queued; the rest waits for EPOLLOUT.
void Loop::flush(Conn& c) {
  if (c.waitingOut) return;
  while (c.pendingOut() > 0) {
    const ssize_t w = ::send(c.fd, c.out.data() + c.outAt, c.pendingOut(), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) break;
    if (w < 0) return closeConn(c, errnoName(errno));
    c.outAt += size_t(w);
    break;
  }
  if (c.pendingOut() == 0) {
    emptyBuffer(c.out);
    c.outAt = 0;
    if (c.wantDrain) {
      c.wantDrain = false;
      pending_.drained(c.id);
      c.drainedSeq = pendingSeq_;
    }
    if (c.ending && !c.shut) {
      c.shut = true;
      shutdown(c.fd, SHUT_WR);
    }
  } else {
    if (c.outAt > 65536 && c.outAt * 2 > c.out.size()) {
      c.out.erase(c.out.begin(), c.out.begin() + long(c.outAt));
      c.outAt = 0;
    }
    c.waitingOut = true;
    watch(c);
  }
}

// Stops reading a connection until JS takes the batch (takeBatch resumes it).
void Loop::throttle(Conn& c) {
  if (c.throttled) return;
  c.throttled = true;
  throttled_.push_back(c.id);
  watch(c);
}

void Loop::watch(Conn& c) {
  epoll_event e{};
  e.events = (c.paused || c.throttled ? 0u : uint32_t(EPOLLIN)) | (c.waitingOut ? uint32_t(EPOLLOUT) : 0u);
  e.data.u64 = c.id;
  epoll_ctl(epollFd_, EPOLL_CTL_MOD, c.fd, &e);
}

void Loop::closeConn(Conn& c, const std::string& reason) {
  // Bytes held back at a frame boundary are the peer's too: JS sees every byte before the close.
  if (c.hdrFill > 0) slow(c, c.hdr, c.hdrFill);
  if (!c.hold.empty()) slow(c, c.hold.data(), c.hold.size());
  foldCounters(c);
  pending_.closed(c.id, reason);
  if (epollFd_ >= 0) epoll_ctl(epollFd_, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  if (c.routed) {
    auto it = devices_.find(c.route.deviceId);
    if (it != devices_.end() && it->second == &c) devices_.erase(it);
    // JS reads it at the session's close; the cap only guards against a JS that never asks.
    if (closedBuckets_.size() >= 65536) closedBuckets_.clear();
    closedBuckets_[c.id] = {c.tokens, c.refilledAt, c.route.ratePerSecond, c.route.rateBurst};
  }
  conns_.erase(c.id);
  delete &c;
}

void Loop::foldCounters() {
  for (uint32_t id : counted_)
    if (Conn* c = find(id)) foldCounters(*c);
  counted_.clear();
}

void Loop::foldCounters(Conn& c) {
  if (!c.counted) return;
  c.counted = false;
  if (c.delta.any()) pending_.counters(c.id, c.delta);
  c.delta = Counters();
}

void Loop::publish() {
  if ((pending_.empty() && counted_.empty()) || notified_) return;
  // Counters and traces only: they are for the hub and the stats, not for a device, so a steady
  // stream of routed messages wakes JS at most every kLazyMs, not per message (its wake-ups
  // compete with this thread for the CPU). Anything else goes at once, as do calls from JS.
  const double now = nowMs();
  lazyDue_ = !pending_.urgent && pending_.bytes.size() < kMaxPendingBytes && now - notifiedAt_ < kLazyMs && std::this_thread::get_id() == thread_.get_id();
  if (lazyDue_) return;
  notified_ = true;
  notifiedAt_ = now;
  notify_();
}

bool Loop::takeBatch(Batch& out, uint64_t& seq) {
  std::lock_guard<std::mutex> lock(mu_);
  notified_ = false;
  for (uint32_t id : throttled_) {
    if (Conn* c = find(id)) {
      c->throttled = false;
      watch(*c);
    }
  }
  throttled_.clear();
  foldCounters();
  pendingPeak_ = std::max(pendingPeak_, pending_.bytes.size());
  if (pending_.empty()) return false;
  out = std::move(pending_);
  pending_ = Batch();
  seq = pendingSeq_++;
  return true;
}

bool Loop::write(uint32_t id, const uint8_t* p, size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  Conn* c = find(id);
  if (!c || c->ending) return false;
  c->out.insert(c->out.end(), p, p + n);
  flush(*c);  // JS's writes go out at once: it coalesces per event-loop turn itself
  if (!(c = find(id))) {
    publish();
    return false;
  }
  if (c->pendingOut() <= kHighWater) return true;
  c->wantDrain = true;
  return false;
}

bool Loop::end(uint32_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  Conn* c = find(id);
  if (!c || c->ending) return false;
  c->ending = true;
  flush(*c);
  publish();
  return true;
}

bool Loop::destroy(uint32_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  Conn* c = find(id);
  if (!c) return false;
  closeConn(*c, "destroyed");
  publish();
  return true;
}

bool Loop::route(uint32_t id, const Route* route) {
  std::lock_guard<std::mutex> lock(mu_);
  Conn* c = find(id);
  if (!c) return false;
  if (c->routed) {
    auto it = devices_.find(c->route.deviceId);
    if (it != devices_.end() && it->second == c) devices_.erase(it);
  }
  if (!route) {
    c->routed = false;
    return true;
  }
  if (!c->routed) {
    c->tokens = route->tokens < 0 ? route->rateBurst : route->tokens;
    c->refilledAt = nowMs();
    c->bucketSet = true;
  }
  c->routed = true;
  c->route = *route;
  c->tokens = std::min(c->tokens, route->rateBurst);
  c->prefix = "{\"from\":\"" + route->deviceId + "\",\"payload\":";
  auto it = devices_.find(route->deviceId);
  if (it != devices_.end() && it->second != c) it->second->routed = false;  // replaced by the newer session
  devices_[route->deviceId] = c;
  return true;
}

bool Loop::take(uint32_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  Conn* c = find(id);
  if (!c) return false;
  return !c->routed || takeToken(*c);
}

double Loop::level(uint32_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  const double now = nowMs();
  if (Conn* c = find(id)) return c->bucketSet ? refilled(c->tokens, c->refilledAt, c->route.ratePerSecond, c->route.rateBurst, now) : -1;
  auto it = closedBuckets_.find(id);
  if (it == closedBuckets_.end()) return -1;
  const ClosedBucket b = it->second;
  closedBuckets_.erase(it);
  return refilled(b.tokens, b.at, b.ratePerSecond, b.rateBurst, now);
}

int Loop::nextId(uint32_t id, bool ping) {
  std::lock_guard<std::mutex> lock(mu_);
  Conn* c = find(id);
  if (!c) return 0;
  const uint16_t msgId = nextMsgId(*c);
  if (ping) c->pongId = msgId;
  return msgId;
}

bool Loop::pause(uint32_t id, bool paused) {
  std::lock_guard<std::mutex> lock(mu_);
  Conn* c = find(id);
  if (!c) return false;
  c->paused = paused;
  watch(*c);
  return true;
}

void Loop::setTracing(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  tracing_ = on;
}

void Loop::processed(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  processedSeq_ = std::max(processedSeq_, seq);
}

size_t Loop::pendingPeak() {
  std::lock_guard<std::mutex> lock(mu_);
  return pendingPeak_;
}

size_t Loop::bufferedBytes() {
  std::lock_guard<std::mutex> lock(mu_);
  size_t bytes = 0;
  for (auto& [id, c] : conns_) bytes += c->out.capacity() + c->hold.capacity();
  return bytes;
}

size_t Loop::connections() {
  std::lock_guard<std::mutex> lock(mu_);
  return conns_.size();
}

}  // namespace native

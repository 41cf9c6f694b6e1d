// A yardstick for issue 3's p99 at a fixed 5 k msg/s: the bare forwarder's data path
// (bench/brokers/bare.ts: any LOGIN accepted, token = device id, envelope rewritten without
// parsing the payload, an ack per message, writes coalesced per wake-up) in C++, on its own epoll
// thread inside a Node process (a Node-API addon). It answers "what would a native data path in
// our process buy?" without the broker's features: no auth, limits, counters or events.
// Linux only; the bench builds it with g++ against the running Node's headers.
#include <node_api.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "wire.h"

namespace {

using loadgen::BROADCAST;
using loadgen::JSON_MESSAGE;

struct Peer {
  int fd;
  std::string id;
  std::string in;      // a partial frame kept between reads
  std::string out;     // bytes to write at the end of this wake-up (or when writable again)
  bool loggedIn = false;
  bool queued = false;  // in `dirty`
};

struct Forwarder {
  int listenFd = -1;
  int epollFd = -1;
  std::unordered_map<int, Peer*> byFd;
  std::unordered_map<std::string, Peer*> byId;
  std::vector<Peer*> dirty;

  void queue(Peer* p, const char* bytes, size_t n) {
    p->out.append(bytes, n);
    if (!p->queued) {
      p->queued = true;
      dirty.push_back(p);
    }
  }

  void watch(Peer* p, bool writable) {
    epoll_event e{};
    e.events = EPOLLIN | (writable ? EPOLLOUT : 0u);
    e.data.fd = p->fd;
    epoll_ctl(epollFd, EPOLL_CTL_MOD, p->fd, &e);
  }

  void drop(Peer* p) {
    epoll_ctl(epollFd, EPOLL_CTL_DEL, p->fd, nullptr);
    close(p->fd);
    byFd.erase(p->fd);
    auto it = byId.find(p->id);
    if (it != byId.end() && it->second == p) byId.erase(it);
    for (Peer*& d : dirty)
      if (d == p) d = nullptr;
    delete p;
  }

  void accept() {
    for (;;) {
      int fd = accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      byFd[fd] = new Peer{fd, {}, {}, {}};
      epoll_event e{};
      e.events = EPOLLIN;
      e.data.fd = fd;
      epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, &e);
    }
  }

  void frame(Peer* p, const char* f, size_t n) {
    const char ack[6] = {char(loadgen::RESPONSE), f[1], f[2], 0, 1, char(loadgen::kSuccess)};
    const std::string_view body(f + 5, n - 5);
    if (!p->loggedIn) {
      static constexpr std::string_view kToken = "\"token\":\"";
      size_t at = body.find(kToken);
      if (at == body.npos) return;
      at += kToken.size();
      p->id = std::string(body.substr(at, body.find('"', at) - at));
      p->loggedIn = true;
      byId[p->id] = p;
      queue(p, ack, sizeof ack);
      return;
    }
    const uint8_t cmd = uint8_t(f[0]);
    if (cmd != JSON_MESSAGE && cmd != BROADCAST) return;
    queue(p, ack, sizeof ack);
    static constexpr std::string_view kTarget = "{\"targetId\":\"", kPayload = "\",\"payload\":";
    const size_t idEnd = body.find(kPayload);
    if (body.substr(0, kTarget.size()) != kTarget || idEnd == body.npos) return;
    const std::string target(body.substr(kTarget.size(), idEnd - kTarget.size()));
    const std::string_view payload = body.substr(idEnd + kPayload.size(), body.size() - 1 - idEnd - kPayload.size());
    const std::string head = "{\"from\":\"" + p->id + "\",\"payload\":";
    const size_t length = head.size() + payload.size() + 1;
    std::string out{char(cmd), 0, 1, char(length >> 8), char(length & 0xff)};
    out.append(head).append(payload).push_back('}');
    if (cmd == BROADCAST) {
      for (auto& [id, peer] : byId)
        if (peer != p) queue(peer, out.data(), out.size());
    } else if (auto it = byId.find(target); it != byId.end()) {
      queue(it->second, out.data(), out.size());
    }
  }

  void read(Peer* p, char* buf, size_t size) {
    const ssize_t r = ::read(p->fd, buf, size);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return drop(p);
    if (r < 0) return;
    std::string_view data(buf, size_t(r));
    if (!p->in.empty()) data = p->in.append(buf, size_t(r));
    size_t at = 0;
    while (data.size() - at >= 5) {
      const size_t n = 5 + ((size_t(uint8_t(data[at + 3])) << 8) | uint8_t(data[at + 4]));
      if (data.size() - at < n) break;
      frame(p, data.data() + at, n);
      at += n;
    }
    p->in = std::string(data.substr(at));
  }

  // One write per peer per wake-up; what the socket does not take waits for EPOLLOUT.
  void flush() {
    std::vector<Peer*> blocked;
    for (Peer* p : dirty) {
      if (!p) continue;
      const ssize_t w = ::write(p->fd, p->out.data(), p->out.size());
      if (w > 0) p->out.erase(0, size_t(w));
      if (p->out.empty()) {
        p->queued = false;
      } else {
        blocked.push_back(p);
        watch(p, true);
      }
    }
    dirty.clear();
    for (Peer* p : blocked) p->queued = false;
  }

  void run() {
    epoll_event events[64];
    static char buf[65536];
    for (;;) {
      const int n = epoll_wait(epollFd, events, 64, -1);
      for (int i = 0; i < n; i++) {
        if (events[i].data.fd == listenFd) {
          accept();
          continue;
        }
        auto it = byFd.find(events[i].data.fd);
        if (it == byFd.end()) continue;
        Peer* p = it->second;
        if (events[i].events & EPOLLOUT) {
          watch(p, false);
          queue(p, nullptr, 0);
        }
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read(p, buf, sizeof buf);
      }
      flush();
    }
  }

  int listen() {
    listenFd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof a;
    if (bind(listenFd, reinterpret_cast<sockaddr*>(&a), size) != 0 || ::listen(listenFd, 1024) != 0) return -1;
    getsockname(listenFd, reinterpret_cast<sockaddr*>(&a), &size);
    epollFd = epoll_create1(EPOLL_CLOEXEC);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = listenFd;
    epoll_ctl(epollFd, EPOLL_CTL_ADD, listenFd, &e);
    std::thread([this] { run(); }).detach();  // lives as long as the bench's child process
    return ntohs(a.sin_port);
  }
};

Forwarder forwarder;

// listen() -> the loopback port it serves on; throws when it cannot listen.
napi_value Listen(napi_env env, napi_callback_info) {
  const int port = forwarder.listenFd < 0 ? forwarder.listen() : -1;
  if (port < 0) {
    napi_throw_error(env, nullptr, "forwarder: cannot listen on 127.0.0.1 (or already listening)");
    return nullptr;
  }
  napi_value result;
  napi_create_int32(env, port, &result);
  return result;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "listen", NAPI_AUTO_LENGTH, Listen, nullptr, &fn);
  napi_set_named_property(env, exports, "listen", fn);
  return exports;
}

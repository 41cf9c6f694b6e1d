// A native load generator: the same simulated devices, payload, stamps, acks and send modes (fixed
// rate; saturation with a bounded in-flight window) as the Node generator in bench/load, in one
// epoll thread (Linux: epoll, timerfd). On this 2-core machine the Node generator's worker threads
// compete with the broker for the cores (and for an acked protocol wake twice as often); this one
// needs less CPU and no garbage collector, so more of what is measured is the broker's and less
// the scheduler's (docs/BENCHMARKS.md). Driven over stdin/stdout by bench/load/native.ts.
//
// stdin, before the run:  client <hypertcp|mqtt> <port> <id> <token|-> <sendTo|-> <subscribe|-> <qos> <src> <fanout>
//                         rate <deliveries per second per publisher> | saturate <window> <batch>
//                         end
// stdout: "ready <n>" once every client is logged in / subscribed, or "failed <why>".
// stdin, then: start | mark | report (prints one JSON line) | close.
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "devices.h"

namespace {
using namespace loadgen;

struct Config {
  std::vector<Client> clients;
  double perSecond = 0;  // rate mode: deliveries per second per publisher
  int window = 0, batch = 1;  // saturation mode when window > 0
};

/** Reads the config lines up to "end"; false (after saying why) on a bad client line. */
bool readConfig(Config& config) {
  std::string line;
  while (std::getline(std::cin, line) && line != "end") {
    std::istringstream in(line);
    std::string word, protocol;
    in >> word;
    if (word == "rate") {
      in >> config.perSecond;
      continue;
    }
    if (word == "saturate") {
      in >> config.window >> config.batch;
      continue;
    }
    Client c;
    in >> protocol >> c.port >> c.id >> c.token >> c.sendTo >> c.subscribe >> c.qos >> c.src >> c.fanout;
    if (c.src < 0 || c.src >= kMaxSrc || c.fanout < 1) {
      printf("failed %s: src must be 0..%d and fanout >= 1\n", c.id.c_str(), kMaxSrc - 1);
      return false;
    }
    c.mqtt = protocol == "mqtt";
    for (std::string* field : {&c.token, &c.sendTo, &c.subscribe})
      if (*field == "-") field->clear();
    buildFrame(c);
    config.clients.push_back(c);
  }
  return true;
}

/** Connects and logs in (or subscribes) each client in order; false (after saying why) on failure. */
bool connectAll(std::vector<Client>& clients, int epfd) {
  const uint64_t deadline = nowMicros() + 60000000u;
  epoll_event events[256];
  for (Client& c : clients) {
    if (connectClient(c, epfd)) {
      while (c.handshaking && c.failure.empty() && nowMicros() < deadline) {
        const int n = epoll_wait(epfd, events, 256, 100);
        for (int i = 0; i < n; i++) dispatch(events[i], epfd);
      }
      if (c.handshaking && c.failure.empty()) c.failure = c.id + ": handshake timeout";
    }
    if (!c.failure.empty()) {
      printf("failed %s\n", c.failure.c_str());
      return false;
    }
  }
  return true;
}

/** Rate mode: one message every 1/(total rate) seconds, publishers in turn, as devices spread out. */
void armRateTimer(int timer, double perSecond, size_t publishers) {
  const long long intervalNs = (long long)(1e9 / (perSecond * double(publishers)));
  itimerspec spec{};
  spec.it_interval = {time_t(intervalNs / 1000000000), long(intervalNs % 1000000000)};
  spec.it_value = spec.it_interval;
  timerfd_settime(timer, 0, &spec, nullptr);
}

void addToEpoll(int epfd, int fd, void* tag) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = tag;
  epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/** The run after "ready": the coordinator's commands on stdin, the rate timer, the sockets. */
class Run {
 public:
  Run(Config& config, int epfd) : config_(config), epfd_(epfd) {
    for (Client& c : config.clients)
      if (!c.sendTo.empty()) publishers_.push_back(&c);
    addToEpoll(epfd, timer_, &timerTag_);
    addToEpoll(epfd, 0, &inputTag_);
  }

  /** Returns the exit status once the coordinator says close (or goes away). */
  int loop() {
    epoll_event events[256];
    for (;;) {
      // saturating: pump again at once while it moves, else look every millisecond
      const int n = epoll_wait(epfd_, events, 256, saturating_ ? (progressed_ ? 0 : 1) : -1);
      for (int i = 0; i < n; i++) {
        if (events[i].data.ptr == &timerTag_) {
          onTimer();
        } else if (events[i].data.ptr == &inputTag_) {
          if (!onInput()) return 0;
        } else {
          dispatch(events[i], epfd_);
        }
      }
      if (saturating_) progressed_ = pump(publishers_, config_.window, config_.batch, epfd_);
    }
  }

 private:
  void onTimer() {
    uint64_t expirations = 0;
    if (read(timer_, &expirations, sizeof expirations) != sizeof expirations) return;
    for (uint64_t k = 0; k < expirations && k < 1000 && !publishers_.empty(); k++) {
      Client& p = *publishers_[turn_++ % publishers_.size()];
      if (p.fd >= 0) send(p, 1, epfd_);
    }
  }

  /** Runs the complete command lines read; false when the run is over. */
  bool onInput() {
    char buf[256];
    const ssize_t got = read(0, buf, sizeof buf);
    if (got <= 0) return false;  // the coordinator went away
    input_.append(buf, size_t(got));
    for (size_t eol; (eol = input_.find('\n')) != std::string::npos; input_.erase(0, eol + 1)) {
      if (!onCommand(input_.substr(0, eol))) return false;
    }
    return true;
  }

  bool onCommand(const std::string& command) {
    if (command == "start" && config_.window > 0) {
      saturating_ = true;
      for (Client* p : publishers_) p->lastProgress = nowMicros();  // a stall is counted from here
    } else if (command == "start" && config_.perSecond > 0 && !publishers_.empty()) {
      armRateTimer(timer_, config_.perSecond, publishers_.size());
    } else if (command == "mark") {
      atMark_ = counters;
      memset(histogram, 0, sizeof histogram);
      memset(socketHistogram, 0, sizeof socketHistogram);
      markAt_ = nowMicros();
    } else if (command == "report") {
      printf("report %s\n", reportJson(nowMicros() - markAt_, atMark_).c_str());
    } else if (command == "close") {
      for (Client& c : config_.clients)
        if (c.fd >= 0) close(c.fd);
      printf("closed\n");
      return false;
    }
    return true;
  }

  Config& config_;
  const int epfd_;
  const int timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  char timerTag_ = 0, inputTag_ = 0;  // epoll tags telling the timer and stdin from the clients
  std::vector<Client*> publishers_;
  std::string input_;
  Counters atMark_;
  uint64_t markAt_ = nowMicros();
  size_t turn_ = 0;
  bool saturating_ = false, progressed_ = false;
};

}  // namespace

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  Config config;
  if (!readConfig(config)) return 1;
  const int epfd = epoll_create1(0);
  // Receivers come first in the list: each is subscribed before any publisher connects.
  if (!connectAll(config.clients, epfd)) return 1;
  printf("ready %zu\n", config.clients.size());
  return Run(config, epfd).loop();
}

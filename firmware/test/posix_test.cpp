// The POSIX transport on real sockets (127.0.0.1, ephemeral ports): non-blocking connect,
// refusal, reads and writes, peer close, a host name with several addresses; then the whole
// client logging in through it.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "HyperTCP.h"
#include "check.h"

using namespace hypertcp;

namespace {
// A listening socket on 127.0.0.1:0; returns its fd and sets port.
int listenLocal(uint16_t& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4) != 0) return -1;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  port = ntohs(addr.sin_port);
  return fd;
}

ConnectStatus waitConnect(PosixTransport& t) {
  for (int i = 0; i < 2000; i++) {
    ConnectStatus s = t.connectStatus();
    if (s != ConnectStatus::InProgress) return s;
    poll(nullptr, 0, 1);
  }
  return ConnectStatus::InProgress;
}

int readSome(PosixTransport& t, uint8_t* buffer, size_t size) {
  for (int i = 0; i < 2000; i++) {
    int n = t.read(buffer, size);
    if (n != 0) return n;
    poll(nullptr, 0, 1);
  }
  return 0;
}
}  // namespace

TEST(connects_reads_writes_and_sees_the_close) {
  uint16_t port = 0;
  int server = listenLocal(port);
  CHECK(server >= 0);
  PosixTransport t;
  CHECK(t.connect("127.0.0.1", port));
  CHECK(waitConnect(t) == ConnectStatus::Connected);
  int peer = accept(server, nullptr, nullptr);
  CHECK(peer >= 0);
  CHECK_EQ(t.write(reinterpret_cast<const uint8_t*>("ping"), 4), 4);
  char got[8] = {0};
  CHECK_EQ(recv(peer, got, sizeof got, 0), 4);
  CHECK(memcmp(got, "ping", 4) == 0);
  uint8_t buffer[16];
  CHECK_EQ(t.read(buffer, sizeof buffer), 0);  // nothing yet: no blocking
  CHECK_EQ(send(peer, "pong", 4, 0), 4);
  CHECK_EQ(readSome(t, buffer, sizeof buffer), 4);
  close(peer);
  CHECK_EQ(readSome(t, buffer, sizeof buffer), -1);
  t.close();
  CHECK_EQ(t.fd(), -1);
  close(server);
}

TEST(a_closed_port_fails) {
  uint16_t port = 0;
  int server = listenLocal(port);
  close(server);  // nothing listens there now
  PosixTransport t;
  bool started = t.connect("127.0.0.1", port);
  CHECK(!started || waitConnect(t) == ConnectStatus::Failed);
  CHECK(!t.connect("name.invalid", 80));  // resolution fails: refused at once
}

// Host names with several addresses, whatever this machine's resolver says (its "localhost" may
// be 127.0.0.1 alone): getaddrinfo() and freeaddrinfo() below take the place of the C library's in
// this test binary, which links the transport's object, and pass every other name on.
namespace {
const char kFallbackHost[] = "fallback.hypertcp.test";  // addresses that fail first, then 127.0.0.1
const char kRefusedHost[] = "refused.hypertcp.test";    // only addresses that fail
const char kSilentHost[] = "silent.hypertcp.test";      // first an address that never answers, then 127.0.0.1
uint16_t silentPort = 0;  // where the address that never answers listens (its SYNs are dropped)
const char kFakeMark[] = "fake";
int fakeListsOut = 0;  // handed out and not freed yet

struct FakeAddress {
  addrinfo info;
  sockaddr_storage address;
};

addrinfo* fakeAddress(int family, int protocol, const char* ip, uint16_t port, addrinfo* next) {
  FakeAddress* f = static_cast<FakeAddress*>(calloc(1, sizeof(FakeAddress)));
  f->info.ai_family = family;
  f->info.ai_socktype = SOCK_STREAM;
  f->info.ai_protocol = protocol;
  f->info.ai_canonname = const_cast<char*>(kFakeMark);
  f->info.ai_addr = reinterpret_cast<sockaddr*>(&f->address);
  f->info.ai_next = next;
  if (family == AF_INET6) {
    sockaddr_in6* a = reinterpret_cast<sockaddr_in6*>(&f->address);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    inet_pton(AF_INET6, ip, &a->sin6_addr);
    f->info.ai_addrlen = sizeof *a;
  } else {
    sockaddr_in* a = reinterpret_cast<sockaddr_in*>(&f->address);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    inet_pton(AF_INET, ip, &a->sin_addr);
    f->info.ai_addrlen = sizeof *a;
  }
  return &f->info;
}
}  // namespace

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** result) {
  if (node != nullptr && strcmp(node, kSilentHost) == 0) {
    uint16_t port = static_cast<uint16_t>(atoi(service));
    *result = fakeAddress(AF_INET, IPPROTO_TCP, "127.0.0.1", silentPort, fakeAddress(AF_INET, IPPROTO_TCP, "127.0.0.1", port, nullptr));
    fakeListsOut++;
    return 0;
  }
  bool fallback = node != nullptr && strcmp(node, kFallbackHost) == 0;
  if (fallback || (node != nullptr && strcmp(node, kRefusedHost) == 0)) {
    uint16_t port = static_cast<uint16_t>(atoi(service));
    addrinfo* list = fallback ? fakeAddress(AF_INET, IPPROTO_TCP, "127.0.0.1", port, nullptr) : nullptr;
    list = fakeAddress(AF_INET6, IPPROTO_TCP, "::1", port, list);         // refused later, or no IPv6 here
    list = fakeAddress(AF_INET, IPPROTO_TCP, "127.0.0.2", port, list);    // refused later (EINPROGRESS first)
    list = fakeAddress(AF_INET, 253, "127.0.0.1", port, list);            // socket() fails: no such protocol
    *result = list;
    fakeListsOut++;
    return 0;
  }
  typedef int (*Fn)(const char*, const char*, const addrinfo*, addrinfo**);
  static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "getaddrinfo"));
  return real(node, service, hints, result);
}

extern "C" void freeaddrinfo(addrinfo* list) noexcept {
  if (list != nullptr && list->ai_canonname == kFakeMark) {
    while (list != nullptr) {
      addrinfo* next = list->ai_next;
      free(list);  // info is FakeAddress's first member
      list = next;
    }
    fakeListsOut--;
    return;
  }
  typedef void (*Fn)(addrinfo*);
  static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "freeaddrinfo"));
  real(list);
}

// A listener on 127.0.0.1 only, a name whose first addresses fail (no socket, then two refusals
// that only show in connectStatus()): the transport goes on to the address that works.
TEST(tries_each_address_until_one_connects) {
  uint16_t port = 0;
  int server = listenLocal(port);
  CHECK(server >= 0);
  PosixTransport t;
  bool started = t.connect(kFallbackHost, port);
  CHECK(started);
  bool connected = started && waitConnect(t) == ConnectStatus::Connected;
  CHECK(connected);
  CHECK_EQ(fakeListsOut, 0);  // the list is freed once connected
  if (connected) {  // (accept() would wait forever otherwise)
    int peer = accept(server, nullptr, nullptr);
    CHECK(peer >= 0);
    CHECK_EQ(t.write(reinterpret_cast<const uint8_t*>("hi"), 2), 2);
    char got[4] = {0};
    CHECK_EQ(recv(peer, got, sizeof got, 0), 2);
    close(peer);
  }
  t.close();

  // Every address fails: Failed in the end, and nothing left over.
  CHECK(!t.connect(kRefusedHost, port) || waitConnect(t) == ConnectStatus::Failed);
  CHECK_EQ(t.fd(), -1);
  CHECK_EQ(fakeListsOut, 0);

  // close() while addresses are left frees them too.
  if (t.connect(kRefusedHost, port)) t.close();
  CHECK_EQ(fakeListsOut, 0);
  close(server);
}

// A first address that drops SYNs (here a listener whose accept queue is full; on the Internet a
// firewall or a dead host) never fails, so it used to hold the whole connect deadline: the next
// address was never tried, and every attempt started with the same silent one. Each address now
// gets its share of HYPERTCP_CONNECT_TIMEOUT_MS before the next one is tried.
TEST(an_address_that_never_answers_gives_way_to_the_next) {
  int silent = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  CHECK(bind(silent, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && listen(silent, 0) == 0);
  getsockname(silent, reinterpret_cast<sockaddr*>(&addr), &length);
  silentPort = ntohs(addr.sin_port);
  int filler = socket(AF_INET, SOCK_STREAM, 0);  // fills the accept queue: later SYNs are dropped
  CHECK(::connect(filler, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  uint16_t port = 0;
  int server = listenLocal(port);
  PosixTransport t;
  uint32_t start = platformMillis();
  CHECK(t.connect(kSilentHost, port));
  ConnectStatus status = ConnectStatus::InProgress;
  while (status == ConnectStatus::InProgress && platformMillis() - start < HYPERTCP_CONNECT_TIMEOUT_MS + 1000) {
    status = t.connectStatus();
    poll(nullptr, 0, 5);
  }
  uint32_t took = platformMillis() - start;
  printf("  connected to the second address after %u ms\n", static_cast<unsigned>(took));
  CHECK(status == ConnectStatus::Connected);
  CHECK(took < HYPERTCP_CONNECT_TIMEOUT_MS);  // within the client's deadline for the attempt
  CHECK_EQ(fakeListsOut, 0);
  t.close();
  close(server);
  close(filler);
  close(silent);
}

TEST(the_client_logs_in_over_a_real_socket) {
  uint16_t port = 0;
  int server = listenLocal(port);
  PosixTransport t;
  HyperTCPProtocol<PosixTransport> client(t);
  client.setLegacyLogin(true);
  CHECK(client.begin("token-0123456789", "127.0.0.1", port));
  int peer = -1;
  uint8_t login[64];
  ssize_t got = 0;
  for (int i = 0; i < 2000 && !client.connected(); i++) {
    client.run();
    if (peer < 0) {
      pollfd p = {server, POLLIN, 0};
      if (poll(&p, 1, 0) == 1) peer = accept(server, nullptr, nullptr);
    } else if (got == 0) {
      pollfd p = {peer, POLLIN, 0};
      if (poll(&p, 1, 0) == 1 && (got = recv(peer, login, sizeof login, 0)) > 0) {
        static const uint8_t ok[] = {0x00, 0x00, 0x01, 0x00, 0x01, 0xC8};
        send(peer, ok, sizeof ok, 0);
      }
    }
    poll(nullptr, 0, 1);
  }
  CHECK(client.connected());
  CHECK_EQ(got, 5 + 16);
  CHECK(memcmp(login, "\x1D\x00\x01\x00\x10token-0123456789", 21) == 0);
  client.disconnect();
  if (peer >= 0) close(peer);
  close(server);
}

// The POSIX transport on real sockets (127.0.0.1, ephemeral ports): non-blocking connect,
// refusal, reads and writes, peer close; then the whole client logging in through it.
#include <arpa/inet.h>
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

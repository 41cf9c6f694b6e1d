// The simulator binary (build/hypertcp-sim, HYPERTCP_SIM) run as a child process against a broker
// this test plays on a real socket (127.0.0.1, ephemeral port). What it checks is the process:
// the CPU time it used (wait4's rusage), the lines it printed, how and when it exited.
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#ifndef HYPERTCP_SIM_PATH
#define HYPERTCP_SIM_PATH "build/hypertcp-sim"
#endif

namespace {

const char* simPath() {
  const char* path = getenv("HYPERTCP_SIM");
  return path && *path ? path : HYPERTCP_SIM_PATH;
}

double seconds() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int listenLocal(uint16_t& port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0) return -1;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  port = ntohs(addr.sin_port);
  return fd;
}

// The broker's side of one connection: frames are parsed from `in`; the LOGIN gets a v2 reply
// announcing maxPayload, messages and pings get a SUCCESS, unless the broker stops reading.
struct Peer {
  int fd;
  bool loggedIn;
  size_t inLength;
  unsigned char in[70000];
};

struct Broker {
  int listenFd;
  uint16_t port;
  unsigned maxPayload;
  bool readAfterLogin;  // false: after the login reply it never reads again (its socket fills)
  int receiveBuffer;    // SO_RCVBUF of accepted sockets (0: the default)
  static const int kPeers = 48;
  Peer peers[kPeers];
  unsigned long messages;

  bool start(unsigned maxPayloadValue, bool reads, int rcvbuf = 0) {
    listenFd = listenLocal(port);
    maxPayload = maxPayloadValue;
    readAfterLogin = reads;
    receiveBuffer = rcvbuf;
    messages = 0;
    for (int i = 0; i < kPeers; i++) peers[i].fd = -1;
    if (listenFd >= 0 && rcvbuf > 0) setsockopt(listenFd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    return listenFd >= 0;
  }
  void stop() {
    for (int i = 0; i < kPeers; i++)
      if (peers[i].fd >= 0) close(peers[i].fd), peers[i].fd = -1;
    if (listenFd >= 0) close(listenFd);
    listenFd = -1;
  }
  // pollfds for the listener and every peer still read; returns how many.
  int fill(pollfd* fds) {
    int n = 0;
    fds[n++] = pollfd{listenFd, POLLIN, 0};
    for (int i = 0; i < kPeers; i++) {
      Peer& p = peers[i];
      if (p.fd >= 0 && (!p.loggedIn || readAfterLogin)) fds[n++] = pollfd{p.fd, POLLIN, 0};
    }
    return n;
  }
  void serve(const pollfd* fds, int n) {
    for (int k = 0; k < n; k++) {
      if (!fds[k].revents) continue;
      if (fds[k].fd == listenFd) {
        int fd = accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
        for (int i = 0; i < kPeers && fd >= 0; i++) {
          if (peers[i].fd >= 0) continue;
          peers[i].fd = fd;
          peers[i].loggedIn = false;
          peers[i].inLength = 0;
          fd = -1;
        }
        if (fd >= 0) close(fd);
        continue;
      }
      for (int i = 0; i < kPeers; i++)
        if (peers[i].fd == fds[k].fd) receive(peers[i]);
    }
  }
  void receive(Peer& p) {
    ssize_t got = recv(p.fd, p.in + p.inLength, sizeof p.in - p.inLength, MSG_DONTWAIT);
    if (got <= 0) {
      if (got == 0 || (errno != EAGAIN && errno != EINTR)) close(p.fd), p.fd = -1;
      return;
    }
    p.inLength += static_cast<size_t>(got);
    size_t used = 0;
    while (p.inLength - used >= 5) {
      const unsigned char* h = p.in + used;
      size_t length = static_cast<size_t>(h[3] << 8 | h[4]);
      if (p.inLength - used < 5 + length) break;
      unsigned type = h[0], id = static_cast<unsigned>(h[1] << 8 | h[2]);
      used += 5 + length;
      if (type == 29) {
        char reply[128];
        int n = snprintf(reply + 6, sizeof reply - 6, "{\"id\":\"s1\",\"keepalive\":10,\"maxPayload\":%u}", maxPayload);
        respond(p, id, reply, static_cast<size_t>(n));
        p.loggedIn = true;
        if (!readAfterLogin) break;
      } else if (type == 30 || type == 50 || type == 6) {
        char reply[6];
        if (type != 6) messages++;
        respond(p, id, reply, 0);
      }
    }
    memmove(p.in, p.in + used, p.inLength - used);
    p.inLength -= used;
  }
  // reply: 6 bytes of room for header and status, then `length` bytes of JSON.
  static void respond(Peer& p, unsigned id, char* reply, size_t length) {
    reply[0] = 0;
    reply[1] = static_cast<char>(id >> 8);
    reply[2] = static_cast<char>(id);
    reply[3] = static_cast<char>((length + 1) >> 8);
    reply[4] = static_cast<char>(length + 1);
    reply[5] = static_cast<char>(200);
    send(p.fd, reply, 6 + length, MSG_DONTWAIT | MSG_NOSIGNAL);
  }
};

struct Run {
  int status;          // from wait4; -1 if it had to be killed
  double cpu;          // user + system seconds of the child
  double wall;         // seconds from start to exit
  double exitAfterClose;  // seconds from closing its stdout pipe to its exit (closeStdout runs)
  int lines;
  char head[4096];     // the first lines, for the failure message
  size_t headLength;
};

struct RunOptions {
  double deadline;     // seconds until the child is killed
  bool closeStdout;    // close our end of its stdout once it printed "connected"
  rlim_t files, filesHard;  // RLIMIT_NOFILE soft and hard for the child (0: unchanged)
};

// Runs the simulator with the broker's --host/--port plus extra, serving the broker meanwhile.
void runSim(Broker* broker, const char* const* extra, const RunOptions& options, Run& run) {
  memset(&run, 0, sizeof run);
  run.status = -1;
  run.exitAfterClose = -1;
  const char* argv[128];
  int argc = 0;
  char port[8];
  argv[argc++] = simPath();
  if (broker) {
    snprintf(port, sizeof port, "%u", static_cast<unsigned>(broker->port));
    argv[argc++] = "--host";
    argv[argc++] = "127.0.0.1";
    argv[argc++] = "--port";
    argv[argc++] = port;
  }
  for (int i = 0; extra[i] && argc < 127; i++) argv[argc++] = extra[i];
  argv[argc] = nullptr;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return;
  double start = seconds(), closedAt = 0;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    if (options.files) {
      rlimit limit = {options.files, options.filesHard};
      setrlimit(RLIMIT_NOFILE, &limit);
    }
    execv(argv[0], const_cast<char* const*>(argv));
    _exit(127);
  }
  close(out[1]);
  int reader = out[0];
  bool exited = false;
  rusage usage = {};
  char partial[256];
  size_t partialLength = 0;
  for (;;) {
    pollfd fds[2 + Broker::kPeers];
    int n = broker ? broker->fill(fds) : 0;
    int readerIndex = -1;
    if (reader >= 0) {
      readerIndex = n;
      fds[n++] = pollfd{reader, POLLIN, 0};
    }
    poll(fds, static_cast<nfds_t>(n), 10);
    if (broker) broker->serve(fds, readerIndex < 0 ? n : readerIndex);
    if (readerIndex >= 0 && fds[readerIndex].revents) {
      char buffer[4096];
      ssize_t got = read(reader, buffer, sizeof buffer);
      if (got <= 0) {
        close(reader);
        reader = -1;
      }
      for (ssize_t i = 0; i < got; i++) {
        if (run.headLength + 1 < sizeof run.head) run.head[run.headLength++] = buffer[i];
        if (buffer[i] == '\n') {
          run.lines++;
          partial[partialLength < sizeof partial ? partialLength : sizeof partial - 1] = '\0';
          if (options.closeStdout && closedAt == 0 && strstr(partial, " connected as ")) {
            close(reader);
            reader = -1;
            closedAt = seconds();
            break;
          }
          partialLength = 0;
        } else if (partialLength + 1 < sizeof partial) {
          partial[partialLength++] = buffer[i];
        }
      }
    }
    if (!exited) {
      int status = 0;
      pid_t done = wait4(pid, &status, WNOHANG, &usage);
      if (done == pid) {
        exited = true;
        run.status = status;
        run.wall = seconds() - start;
        if (closedAt > 0) run.exitAfterClose = seconds() - closedAt;
      } else if (seconds() - start > options.deadline) {
        kill(pid, SIGKILL);
        wait4(pid, &status, 0, &usage);
        exited = true;
        run.wall = seconds() - start;
      }
    }
    if (exited && reader < 0) break;
    if (exited && seconds() - start > options.deadline + 2) break;  // a grandchild holding the pipe
  }
  if (reader >= 0) close(reader);
  run.head[run.headLength] = '\0';
  run.cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

void show(const char* what, const Run& run) {
  printf("  %s: exit %d, cpu %.3f s, wall %.2f s, %d lines\n", what, run.status, run.cpu, run.wall, run.lines);
}

void showHead(const Run& run) {
  const char* p = run.head;
  for (int i = 0; i < 12 && *p; i++) {
    const char* end = strchr(p, '\n');
    int length = end ? static_cast<int>(end - p) : static_cast<int>(strlen(p));
    printf("    | %.*s\n", length, p);
    p += length + (end ? 1 : 0);
  }
}

bool exitedWith(const Run& run, int code) { return run.status >= 0 && WIFEXITED(run.status) && WEXITSTATUS(run.status) == code; }

}  // namespace

// A broker whose maxPayload (64, allowed by its settings) is below the ~100-byte telemetry: every
// sample fails with payload_too_large. The simulator must drop it and wait for the next one, not
// retry at once in a loop without poll() (which used 100% CPU and printed a line per try).
TEST(a_telemetry_limit_below_the_sample_neither_spins_nor_floods) {
  Broker broker;
  CHECK(broker.start(64, true));
  const char* extra[] = {"--device", "sensor:s1:token-0123456789", "--rate", "10", "--duration", "2", nullptr};
  Run run;
  runSim(&broker, extra, RunOptions{8, false, 0, 0}, run);
  broker.stop();
  show("maxPayload 64, 2 s", run);
  CHECK(exitedWith(run, 0));
  CHECK(run.cpu < 0.2);
  CHECK(run.lines < 50);
  CHECK(strstr(run.head, "s1 send failed telemetry payload_too_large") != nullptr);  // said once
  if (run.cpu >= 0.2 || run.lines >= 50) showHead(run);
}

// A broker that stops reading after the login: the socket and then the TX queue fill
// (tx_buffer_full). The simulator waits for the socket (POLLOUT) and its next sample instead of
// retrying in a loop.
TEST(a_broker_that_stops_reading_does_not_make_it_spin) {
  Broker broker;
  CHECK(broker.start(16384, false, 4096));
  const char* extra[] = {"--device", "sensor:s1:token-0123456789", "--rate", "200", "--payload", "8000",
                         "--duration", "3", "--quiet", nullptr};
  Run run;
  runSim(&broker, extra, RunOptions{9, false, 0, 0}, run);
  broker.stop();
  show("broker stops reading, 3 s", run);
  CHECK(exitedWith(run, 0));
  CHECK(run.cpu < 0.3);
  CHECK(run.lines < 50);
  if (run.cpu >= 0.3 || run.lines >= 50) showHead(run);
}

// Telemetry padded past what the simulator's TX buffer can ever hold is refused at start, with
// the limit, instead of failing every sample.
TEST(a_payload_larger_than_the_tx_buffer_is_refused_at_start) {
  const char* extra[] = {"--host", "127.0.0.1", "--port", "9", "--device", "sensor:s1:token-0123456789",
                         "--payload", "65535", "--duration", "1", nullptr};
  Run run;
  runSim(nullptr, extra, RunOptions{5, false, 0, 0}, run);
  show("--payload 65535", run);
  CHECK(exitedWith(run, 2));
  CHECK(strstr(run.head, "--payload must be 0..") != nullptr);
  const char* fits[] = {"--host", "127.0.0.1", "--port", "9", "--device", "sensor:s1:token-0123456789",
                        "--payload", "16000", "--duration", "0.2", nullptr};
  runSim(nullptr, fits, RunOptions{5, false, 0, 0}, run);
  CHECK(exitedWith(run, 0));
}

// A host that runs the simulator and goes away (crashes, is killed) closes the read end of its
// stdout: the simulator ends within a second, printing or not, instead of reconnecting its
// devices forever with nobody listening.
TEST(it_exits_when_nobody_reads_its_output) {
  for (int quiet = 0; quiet < 2; quiet++) {
    Broker broker;
    CHECK(broker.start(16384, true));
    const char* extra[] = {"--device", "sensor:s1:token-0123456789", "--rate", "20", quiet ? "--quiet" : nullptr, nullptr};
    Run run;
    runSim(&broker, extra, RunOptions{6, true, 0, 0}, run);
    broker.stop();
    show(quiet ? "stdout closed (--quiet)" : "stdout closed", run);
    CHECK(run.exitAfterClose >= 0 && run.exitAfterClose < 1.0);
    CHECK(exitedWith(run, 1));
  }
}

// The same when the process that started it ends while keeping the pipe open somewhere (Linux:
// the parent's death sends SIGTERM, which ends it like a signal does).
TEST(it_ends_with_the_process_that_started_it) {
  prctl(PR_SET_CHILD_SUBREAPER, 1);  // the orphaned simulator becomes this process's child
  Broker broker;
  CHECK(broker.start(16384, true));
  int out[2], pids[2];
  CHECK(pipe2(out, O_CLOEXEC) == 0 && pipe2(pids, O_CLOEXEC) == 0);
  char port[8];
  snprintf(port, sizeof port, "%u", static_cast<unsigned>(broker.port));
  pid_t parent = fork();
  if (parent == 0) {
    pid_t sim = fork();
    if (sim == 0) {
      dup2(out[1], 1);
      execl(simPath(), simPath(), "--host", "127.0.0.1", "--port", port, "--device", "relay:r1:token-0123456789",
            "--quiet", static_cast<char*>(nullptr));
      _exit(127);
    }
    ssize_t wrote = write(pids[1], &sim, sizeof sim);
    (void)wrote;
    pause();
    _exit(0);
  }
  close(out[1]);
  close(pids[1]);
  pid_t sim = -1;
  CHECK(read(pids[0], &sim, sizeof sim) == static_cast<ssize_t>(sizeof sim));
  // Wait for "sim started" (the simulator is set up), serving the broker meanwhile.
  char text[512];
  size_t length = 0;
  double start = seconds();
  while (!memmem(text, length, "connected as", 12) && seconds() - start < 5) {
    pollfd fds[2 + Broker::kPeers];
    int n = broker.fill(fds);
    fds[n] = pollfd{out[0], POLLIN, 0};
    poll(fds, static_cast<nfds_t>(n + 1), 10);
    broker.serve(fds, n);
    if (fds[n].revents) {
      ssize_t got = read(out[0], text + length, sizeof text - 1 - length);
      if (got > 0) length += static_cast<size_t>(got);
    }
  }
  CHECK(memmem(text, length, "connected as", 12) != nullptr);
  kill(parent, SIGKILL);
  waitpid(parent, nullptr, 0);
  double killedAt = seconds();
  int status = 0;
  pid_t done = 0;
  while (done != sim && seconds() - killedAt < 3) {
    pollfd fds[1 + Broker::kPeers];
    int n = broker.fill(fds);
    poll(fds, static_cast<nfds_t>(n), 10);
    broker.serve(fds, n);
    done = waitpid(sim, &status, WNOHANG);
  }
  double took = seconds() - killedAt;
  printf("  parent killed: the simulator %s after %.2f s\n", done == sim ? "exited" : "still ran", took);
  if (done != sim) {
    kill(sim, SIGKILL);
    waitpid(sim, &status, 0);
  }
  CHECK(done == sim && took < 1.0);
  CHECK(done == sim && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(out[0]);
  close(pids[0]);
  broker.stop();
}

// Rates whose interval does not fit the schedule's milliseconds (1e-9/s: 1e12 ms) are refused.
TEST(a_rate_too_small_to_schedule_is_refused) {
  const char* extra[] = {"--host", "127.0.0.1", "--port", "9", "--device", "sensor:s1:token-0123456789",
                         "--rate", "1e-9", "--duration", "0.3", nullptr};
  Run run;
  runSim(nullptr, extra, RunOptions{5, false, 0, 0}, run);
  show("--rate 1e-9", run);
  CHECK(exitedWith(run, 2));
  CHECK(strstr(run.head, "--rate must be") != nullptr);
}

// Every device needs a socket, two with --udp: a soft open-file limit below that is raised to
// what the devices need (here 40 devices with a soft limit of 32: all 40 log in), and a hard
// limit below it refuses to start with a message that says so, instead of devices failing to
// connect one by one.
TEST(the_open_file_limit_is_raised_or_the_start_refused) {
  static Broker broker;
  CHECK(broker.start(16384, true));
  static char specs[40][48];
  const char* extra[2 * 40 + 8];
  int n = 0;
  for (int i = 0; i < 40; i++) {
    snprintf(specs[i], sizeof specs[i], "relay:r%d:token-0123456789", i);
    extra[n++] = "--device";
    extra[n++] = specs[i];
  }
  extra[n++] = "--duration";
  extra[n++] = "3";
  extra[n++] = "--quiet";
  extra[n] = nullptr;
  Run run;
  runSim(&broker, extra, RunOptions{8, false, 32, 4096}, run);
  int connected = 0;
  for (const char* p = run.head; (p = strstr(p, " connected as ")) != nullptr; p++) connected++;
  show("40 devices, soft limit 32", run);
  CHECK(exitedWith(run, 0));
  CHECK_EQ(connected, 40);
  CHECK(strstr(run.head, "connect_failed") == nullptr);

  extra[n++] = "--udp";
  extra[n] = nullptr;
  runSim(&broker, extra, RunOptions{8, false, 64, 64}, run);
  broker.stop();
  show("40 devices --udp, hard limit 64", run);
  CHECK(exitedWith(run, 2));
  CHECK(strstr(run.head, "open files") != nullptr);
}

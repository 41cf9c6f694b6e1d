// hypertcp-sim: runs N simulated devices (the real library code) against a broker.
// CLI (fixed in /work/coord/INTERFACES.md):
//   hypertcp-sim --host 127.0.0.1 --port P --device KIND:ID:TOKEN [--device ...] [--legacy]
//                [--rate MSGS_PER_S] [--payload BYTES] [--duration SECONDS] [--count N] [--quiet] [--udp]
#include <errno.h>
#include <new>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "SimDevice.h"
#include "hypertcp/Envelope.h"

namespace {

const int kMaxDevices = 1000;
// The largest telemetry payload one frame of the TX buffer holds: header and the "server"
// envelope around it.
const size_t kMaxTelemetry = HYPERTCP_TX_BUFFER_SIZE - hypertcp::kHeaderSize - hypertcp::envelopeLength(6, 0);
volatile sig_atomic_t stopSignal = 0;

void onSignal(int) { stopSignal = 1; }

int usage(const char* why) {
  if (why) fprintf(stderr, "hypertcp-sim: %s\n", why);
  fprintf(stderr,
          "usage: hypertcp-sim --host HOST --port PORT --device KIND:ID:TOKEN [--device ...]\n"
          "                    [--legacy] [--rate MSGS_PER_S] [--payload BYTES]\n"
          "                    [--duration SECONDS] [--count N] [--quiet] [--udp]\n"
          "  KIND       relay | sensor\n"
          "  --legacy   log in with the raw token like the seed firmware (no device description)\n"
          "  --rate     telemetry messages per second per sensor (default 1)\n"
          "  --payload  pad each telemetry payload to at least BYTES\n"
          "  --duration exit after SECONDS;  --count  exit after N messages sent in total\n"
          "  --quiet    print only connection events and the summary\n"
          "  --udp      ask for a UDP session at login (v2): telemetry goes unreliable and replies\n"
          "             reliable over UDP while it is open, TCP otherwise\n");
  return 2;
}

struct DeviceSpec {
  sim::Kind kind;
  char id[hypertcp::kMaxIdLength + 1];
  const char* token;
};

// KIND:ID:TOKEN. Ids may contain ':', tokens never do (URL-safe base64), so split at the last ':'.
bool parseDevice(const char* text, DeviceSpec& out) {
  const char* first = strchr(text, ':');
  const char* last = strrchr(text, ':');
  if (!first || first == last) return false;
  size_t kindLength = static_cast<size_t>(first - text);
  if (kindLength == 5 && strncmp(text, "relay", 5) == 0) out.kind = sim::Kind::Relay;
  else if (kindLength == 6 && strncmp(text, "sensor", 6) == 0) out.kind = sim::Kind::Sensor;
  else return false;
  size_t idLength = static_cast<size_t>(last - first - 1);
  if (!hypertcp::isValidId(first + 1, idLength)) return false;
  memcpy(out.id, first + 1, idLength);
  out.id[idLength] = '\0';
  out.token = last + 1;
  size_t tokenLength = strlen(out.token);
  return tokenLength > 0 && tokenLength <= HYPERTCP_MAX_TOKEN_LENGTH;
}

// Sockets per device (TCP, and UDP with --udp) plus stdio and a few spare: the soft open-file
// limit is raised to that if the hard limit allows, else the start is refused with the numbers.
const int kSpareFiles = 16;

bool enoughFiles(int needed) {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur >= static_cast<rlim_t>(needed)) {
    return true;
  }
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < static_cast<rlim_t>(needed)) {
    fprintf(stderr,
            "hypertcp-sim: these devices need %d open files (a socket each, two with --udp) but the hard limit is "
            "%lu: raise it (ulimit -Hn) or run fewer devices per simulator\n",
            needed, static_cast<unsigned long>(limit.rlim_max));
    return false;
  }
  limit.rlim_cur = static_cast<rlim_t>(needed);
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0) return true;
  fprintf(stderr, "hypertcp-sim: these devices need %d open files but the limit is %lu and could not be raised\n",
          needed, static_cast<unsigned long>(limit.rlim_cur));
  return false;
}

// True when nobody reads our stdout any more: a write failed (EPIPE, SIGPIPE being ignored), or
// stdout is a pipe or socket whose reader has gone (POLLERR / POLLHUP, also while we print
// nothing). A terminal, a file or /dev/null never look gone.
bool stdoutGone(const pollfd& out) {
  return ferror(stdout) || (out.revents & (POLLERR | POLLHUP)) != 0;
}

bool parseNumber(const char* text, double min, double max, double& out) {
  char* end = nullptr;
  errno = 0;
  out = strtod(text, &end);
  return errno == 0 && end != text && *end == '\0' && out >= min && out <= max;
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // one line per event, visible at once through a pipe
  static DeviceSpec specs[kMaxDevices];
  int deviceCount = 0;
  sim::Options options = {nullptr, 0, false, false, false, 1.0, 0};
  double duration = 0, count = 0;
  for (int i = 1; i < argc; i++) {
    const char* arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    double number = 0;
    if (strcmp(arg, "--legacy") == 0) {
      options.legacy = true;
      continue;
    }
    if (strcmp(arg, "--quiet") == 0) {
      options.quiet = true;
      continue;
    }
    if (strcmp(arg, "--udp") == 0) {
      options.udp = true;
      continue;
    }
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) return usage(nullptr), 0;
    if (!value) return usage("missing value after an option");
    i++;
    if (strcmp(arg, "--host") == 0) {
      options.host = value;
    } else if (strcmp(arg, "--port") == 0) {
      if (!parseNumber(value, 1, 65535, number)) return usage("--port must be 1..65535");
      options.port = static_cast<uint16_t>(number);
    } else if (strcmp(arg, "--device") == 0) {
      if (deviceCount >= kMaxDevices) return usage("too many devices (at most 1000)");
      if (!parseDevice(value, specs[deviceCount])) return usage("--device must be relay|sensor:ID:TOKEN");
      deviceCount++;
    } else if (strcmp(arg, "--rate") == 0) {
      // At least one message in 1000 s: the interval is scheduled in 32-bit milliseconds.
      if (!parseNumber(value, 0, 100000, options.rate) || (options.rate > 0 && options.rate < 0.001)) {
        return usage("--rate must be 0 (none) or 0.001..100000");
      }
    } else if (strcmp(arg, "--payload") == 0) {
      if (!parseNumber(value, 0, kMaxTelemetry, number)) {
        char why[160];
        snprintf(why, sizeof why, "--payload must be 0..%u (a telemetry frame must fit the TX buffer of %u bytes)",
                 static_cast<unsigned>(kMaxTelemetry), static_cast<unsigned>(HYPERTCP_TX_BUFFER_SIZE));
        return usage(why);
      }
      options.payload = static_cast<unsigned>(number);
    } else if (strcmp(arg, "--duration") == 0) {
      if (!parseNumber(value, 0.001, 1e7, duration)) return usage("--duration must be a positive number");
    } else if (strcmp(arg, "--count") == 0) {
      if (!parseNumber(value, 1, 4e9, count)) return usage("--count must be a positive integer");
    } else {
      return usage("unknown option");
    }
  }
  if (!options.host || options.port == 0 || deviceCount == 0) return usage("--host, --port and --device are required");
  if (!enoughFiles(deviceCount * (options.udp ? 2 : 1) + kSpareFiles)) return 2;

  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = onSignal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed stdout shows as a failed write (ferror) or POLLERR below
#if defined(__linux__)
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // the process that started us ended: stop like on SIGTERM
#endif
  srand(static_cast<unsigned>(hypertcp::platformRandomSeed()));

  sim::Totals totals = {0, 0, 0, 0, 0, 0};
  // Devices are large (fixed buffers), so they live in static storage, built in place.
  static unsigned char storage[kMaxDevices][sizeof(sim::Device)] __attribute__((aligned(16)));
  sim::Device* devices[kMaxDevices];
  for (int i = 0; i < deviceCount; i++) {
    devices[i] = new (storage[i]) sim::Device(specs[i].kind, specs[i].id, specs[i].token, options, totals);
    devices[i]->start();
  }
  printf("sim started %d device%s to %s:%u (%s)\n", deviceCount, deviceCount == 1 ? "" : "s", options.host,
         static_cast<unsigned>(options.port), options.legacy ? "legacy" : "v2");

  const uint32_t startedAt = hypertcp::platformMillis();
  const char* why = "signal";
  static pollfd fds[2 * kMaxDevices + 1];  // TCP and UDP socket of each device, and stdout
  fds[0].revents = 0;
  bool orphaned = false;
  for (;;) {
    uint32_t now = hypertcp::platformMillis();
    uint32_t wait = 20;
    for (int i = 0; i < deviceCount; i++) {
      uint32_t next = devices[i]->tick(now);
      if (next < wait) wait = next;
    }
    if (stopSignal) break;
    if (stdoutGone(fds[0])) {
      orphaned = true;
      break;
    }
    if (duration > 0 && now - startedAt >= duration * 1000) {
      why = "duration";
      break;
    }
    if (count > 0 && totals.sent >= count) {
      why = "count";
      break;
    }
    fds[0].fd = 1;
    fds[0].events = 0;  // POLLERR and POLLHUP only
    fds[0].revents = 0;
    int n = 1;
    for (int i = 0; i < deviceCount; i++) {
      if (devices[i]->fd() < 0) continue;
      fds[n].fd = devices[i]->fd();
      fds[n].events = static_cast<short>(POLLIN | (devices[i]->wantsWrite() ? POLLOUT : 0));
      fds[n].revents = 0;
      n++;
      if (devices[i]->udpFd() >= 0) {
        fds[n].fd = devices[i]->udpFd();
        fds[n].events = POLLIN;
        fds[n].revents = 0;
        n++;
      }
    }
    // Always: readiness is what run() needs, also when a device wants to run again at once.
    poll(fds, static_cast<nfds_t>(n), static_cast<int>(wait));
  }

  if (orphaned) {  // nobody to tell, and nobody waiting for the drain: close and go
    for (int i = 0; i < deviceCount; i++) devices[i]->disconnect();
    return 1;
  }
  // Let queued frames leave (up to 1 s), then close every session.
  uint32_t drainStart = hypertcp::platformMillis();
  for (;;) {
    size_t pending = 0;
    for (int i = 0; i < deviceCount; i++) {
      devices[i]->run();
      if (devices[i]->connected()) pending += devices[i]->txPending();
    }
    if (pending == 0 || hypertcp::platformMillis() - drainStart > 1000) break;
    poll(nullptr, 0, 5);
  }
  for (int i = 0; i < deviceCount; i++) devices[i]->disconnect();
  printf("sim done (%s) sent=%lu received=%lu acked=%lu refused=%lu failed=%lu%s", why, totals.sent, totals.received,
         totals.acked, totals.refused, totals.sendFailures, options.udp ? "" : "\n");
  if (options.udp) printf(" udp=%lu\n", totals.sentUdp);
  return 0;
}

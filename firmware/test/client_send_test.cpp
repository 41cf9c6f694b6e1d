// The send path: envelopes, msg ids, refusals, a busy socket, write errors, disconnect().
#include <string.h>

#include "check.h"
#include "scripted.h"

using namespace hypertcp;
using test::Recorder;
using test::Scripted;

namespace {
Scripted t;
}  // namespace

TEST(sends_build_envelopes_with_unique_nonzero_ids) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  CHECK_EQ(c.sendToServer("{\"t\":21.5}"), 2);
  CHECK(t.expectFrame(Command::JsonMessage, 2, "{\"targetId\":\"server\",\"payload\":{\"t\":21.5}}"));
  CHECK_EQ(c.sendMessage("relay-1", "{\"cmd\":\"toggle\"}"), 3);
  CHECK(t.expectFrame(Command::JsonMessage, 3, "{\"targetId\":\"relay-1\",\"payload\":{\"cmd\":\"toggle\"}}"));
  CHECK_EQ(c.broadcastMessage("{\"alert\":1}"), 4);
  CHECK(t.expectFrame(Command::Broadcast, 4, "{\"targetId\":\"broadcast\",\"payload\":{\"alert\":1}}"));
  uint16_t previous = 4;
  bool wrapped = false, sawZero = false;
  for (long i = 0; i < 70000; i++) {
    uint16_t id = c.sendToServer("{}");
    sawZero |= id == 0;
    if (id < previous) wrapped = id == 1 && previous == 65535;
    previous = id;
    t.dropOutput();
  }
  CHECK(!sawZero);
  CHECK(wrapped);
}

TEST(send_errors_are_reported_not_sent) {
  t.reset();
  Recorder c(t);
  CHECK_EQ(c.sendToServer("{}"), 0);
  CHECK(c.lastError() == Error::NotConnected);
  CHECK(test::login(c, t, false, "{\"id\":\"lamp\",\"keepalive\":10,\"maxPayload\":100}"));
  t.dropOutput();
  CHECK_EQ(c.sendMessage("bad target", "{}"), 0);
  CHECK(c.lastError() == Error::BadTarget);
  CHECK_EQ(c.sendMessage("", "{}"), 0);
  CHECK(c.lastError() == Error::BadTarget);
  CHECK_EQ(c.sendToServer("[1]"), 0);
  CHECK(c.lastError() == Error::InvalidPayload);
  CHECK_EQ(c.sendToServer("{\"a\":"), 0);
  CHECK(c.lastError() == Error::InvalidPayload);
  CHECK_EQ(c.sendToServer(nullptr), 0);
  CHECK(c.lastError() == Error::InvalidPayload);
  char big[200];
  memset(big, ' ', sizeof big);
  big[0] = '{';
  big[sizeof big - 2] = '}';
  big[sizeof big - 1] = '\0';
  CHECK_EQ(c.sendToServer(big), 0);  // over the broker's announced maxPayload of 100
  CHECK(c.lastError() == Error::PayloadTooLarge);
  CHECK_EQ(t.outLen, 0);
}

TEST(a_busy_socket_queues_then_refuses_then_drains) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  t.dropOutput();
  t.writeLimit = 0;
  int queued = 0;
  while (c.sendToServer("{\"fill\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}") != 0) queued++;
  CHECK(c.lastError() == Error::TxBufferFull);
  CHECK(queued > 0);
  CHECK(c.txPending() > 0 && c.txPending() <= HYPERTCP_TX_BUFFER_SIZE);
  t.writeLimit = 7;  // trickles out over several runs
  for (int i = 0; i < 1000 && c.txPending() > 0; i++) c.run();
  CHECK_EQ(c.txPending(), 0);
  int frames = 0;
  FrameHeader h;
  const uint8_t* p;
  while (t.nextOut(h, p)) frames++;
  CHECK_EQ(frames, queued);
}

TEST(write_errors_drop_the_connection) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  t.writeError = true;
  CHECK_EQ(c.sendToServer("{}"), 0);
  CHECK_EQ(c.disconnects, 1);
  CHECK(c.lastDisconnect == Error::IoError);
}

TEST(disconnect_stops_until_begin) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  c.disconnect();
  CHECK(c.state() == State::Idle);
  CHECK(c.lastDisconnect == Error::Stopped);
  int connects = t.connects;
  test::now += 100000;
  c.run();
  CHECK_EQ(t.connects, connects);
}

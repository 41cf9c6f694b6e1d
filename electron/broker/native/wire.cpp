// Node-API glue for the native data path (loop.h). Every function here runs on the JS thread;
// batches cross from the epoll thread through one threadsafe function call per ready batch.
// Functions take the handle from create() first; bad arguments throw a TypeError here, on the
// JS thread, and nothing ever throws on the epoll thread.
#include <node_api.h>

#include <cmath>
#include <memory>
#include <string>

#include "fast-envelope.h"
#include "loop.h"

namespace {

struct Addon {
  napi_ref onBatch = nullptr;
  napi_threadsafe_function tsfn = nullptr;
  bool tsfnAlive = false;  // until its finalizer ran (after close() released it)
  bool collected = false;  // the handle was garbage-collected: the finalizer frees what is left
  std::unique_ptr<native::Loop> loop;
};

void freeAddon(napi_env env, Addon* addon) {
  napi_delete_reference(env, addon->onBatch);
  delete addon;
}

#define CHECK(call)                                      \
  do {                                                   \
    if ((call) != napi_ok) return fail(env, #call);      \
  } while (0)

napi_value fail(napi_env env, const char* what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_type_error(env, nullptr, what);
  return nullptr;
}

napi_value boolean(napi_env env, bool value) {
  napi_value v;
  napi_get_boolean(env, value, &v);
  return v;
}

struct Args {
  size_t argc = 4;
  napi_value argv[4] = {};
  Addon* addon = nullptr;
  uint32_t conn = 0;
};

// Reads (handle, connId?, ...) into `a`; false with a pending TypeError when they are wrong.
bool args(napi_env env, napi_callback_info info, Args& a, bool withConn) {
  if (napi_get_cb_info(env, info, &a.argc, a.argv, nullptr, nullptr) != napi_ok ||
      napi_get_value_external(env, a.argv[0], reinterpret_cast<void**>(&a.addon)) != napi_ok || !a.addon) {
    napi_throw_type_error(env, nullptr, "native wire: the first argument must be a handle from create()");
    return false;
  }
  if (withConn && napi_get_value_uint32(env, a.argv[1], &a.conn) != napi_ok) {
    napi_throw_type_error(env, nullptr, "native wire: connId must be a number");
    return false;
  }
  return true;
}

// On the JS thread: hands the ready batch to onBatch(seq, ArrayBuffer, strings). The bytes are
// copied into a V8 ArrayBuffer (Electron's memory cage refuses external ones).
void deliver(napi_env env, napi_value callback, void* context, void*) {
  if (!env) return;
  auto* addon = static_cast<Addon*>(context);
  native::Batch batch;
  uint64_t seq = 0;
  if (addon->collected || !addon->loop->takeBatch(batch, seq)) return;
  napi_value argv[3], global;
  void* data = nullptr;
  napi_create_double(env, double(seq), &argv[0]);
  napi_create_arraybuffer(env, batch.bytes.size(), &data, &argv[1]);
  if (!batch.bytes.empty()) memcpy(data, batch.bytes.data(), batch.bytes.size());
  napi_create_array_with_length(env, batch.strings.size(), &argv[2]);
  for (size_t i = 0; i < batch.strings.size(); i++) {
    napi_value s;
    napi_create_string_latin1(env, batch.strings[i].data(), batch.strings[i].size(), &s);
    napi_set_element(env, argv[2], uint32_t(i), s);
  }
  napi_get_global(env, &global);
  napi_call_function(env, global, callback, 3, argv, nullptr);
}

// After close(): the last batch went out; onBatch(0) says no more will come.
void finished(napi_env env, void* data, void*) {
  auto* addon = static_cast<Addon*>(data);
  addon->tsfnAlive = false;
  if (addon->collected) return freeAddon(env, addon);
  napi_value callback, global, zero;
  if (napi_get_reference_value(env, addon->onBatch, &callback) != napi_ok || !callback) return;
  napi_get_global(env, &global);
  napi_create_double(env, 0, &zero);
  napi_call_function(env, global, callback, 1, &zero, nullptr);
}

void destroyAddon(napi_env env, void* data, void*) {
  auto* addon = static_cast<Addon*>(data);
  addon->collected = true;
  if (addon->loop) addon->loop->close();
  if (addon->tsfn) napi_release_threadsafe_function(addon->tsfn, napi_tsfn_abort);
  addon->tsfn = nullptr;
  if (!addon->tsfnAlive) freeAddon(env, addon);
}

// create(onBatch) -> handle
napi_value Create(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  napi_valuetype type;
  CHECK(napi_typeof(env, argv[0], &type));
  if (type != napi_function) return fail(env, "native wire: create(onBatch) needs a function");
  auto* addon = new Addon();
  napi_create_reference(env, argv[0], 1, &addon->onBatch);
  addon->loop = std::make_unique<native::Loop>([addon] {
    if (addon->tsfn) napi_call_threadsafe_function(addon->tsfn, nullptr, napi_tsfn_nonblocking);
  });
  napi_value handle;
  CHECK(napi_create_external(env, addon, destroyAddon, nullptr, &handle));
  return handle;
}

// listen(handle, host, port) -> bound port; throws when it cannot listen.
napi_value Listen(napi_env env, napi_callback_info info) {
  Args a;
  if (!args(env, info, a, false)) return nullptr;
  char host[256];
  size_t hostLength = 0;
  int32_t port = 0;
  CHECK(napi_get_value_string_utf8(env, a.argv[1], host, sizeof host, &hostLength));
  CHECK(napi_get_value_int32(env, a.argv[2], &port));
  if (!a.addon->tsfn) {
    napi_value callback, name;
    napi_get_reference_value(env, a.addon->onBatch, &callback);
    napi_create_string_utf8(env, "hypertcp-native-wire", NAPI_AUTO_LENGTH, &name);
    CHECK(napi_create_threadsafe_function(env, callback, nullptr, name, 0, 1, a.addon, finished, a.addon, deliver,
                                          &a.addon->tsfn));
    a.addon->tsfnAlive = true;
  }
  std::string error;
  const int bound = a.addon->loop->listen(std::string(host, hostLength), port, error);
  if (bound < 0) {
    napi_throw_error(env, "ENATIVELISTEN", error.c_str());
    return nullptr;
  }
  napi_value result;
  napi_create_int32(env, bound, &result);
  return result;
}

// unlisten(handle): stops accepting; the connections stay until they close or close().
napi_value Unlisten(napi_env env, napi_callback_info info) {
  Args a;
  if (!args(env, info, a, false)) return nullptr;
  a.addon->loop->unlisten();
  return nullptr;
}

// close(handle): stops listening, closes every connection ('shutdown'); onBatch(0) follows the last batch.
napi_value Close(napi_env env, napi_callback_info info) {
  Args a;
  if (!args(env, info, a, false)) return nullptr;
  a.addon->loop->close();
  if (a.addon->tsfn) {
    napi_release_threadsafe_function(a.addon->tsfn, napi_tsfn_release);
    a.addon->tsfn = nullptr;
  }
  return nullptr;
}

napi_value Write(napi_env env, napi_callback_info info) {
  Args a;
  if (!args(env, info, a, true)) return nullptr;
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer;
  if (napi_get_typedarray_info(env, a.argv[2], &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array)
    return fail(env, "native wire: write() needs a Uint8Array");
  return boolean(env, a.addon->loop->write(a.conn, static_cast<const uint8_t*>(data), length));
}

napi_value End(napi_env env, napi_callback_info info) {
  Args a;
  if (!args(env, info, a, true)) return nullptr;
  return boolean(env, a.addon->loop->end(a.conn));
}

napi_value Destroy(napi_env env, napi_callback_info info) {
  Args a;
  if (!args(env, info, a, true)) return nullptr;
  return boolean(env, a.addon->loop->destroy(a.conn));
}

bool numberField(napi_env env, napi_value object, const char* key, double& out) {
  napi_value v;
  return napi_get_named_property(env, object, key, &v) == napi_ok && napi_get_value_double(env, v, &out) == napi_ok;
}

// route(handle, connId, {deviceId, v2, maxPayload, receiveLimit?, ratePerSecond, rateBurst, tokens?} | null)
napi_value RouteFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!args(env, info, a, true)) return nullptr;
  napi_valuetype type;
  CHECK(napi_typeof(env, a.argv[2], &type));
  if (type == napi_null || type == napi_undefined) return boolean(env, a.addon->loop->route(a.conn, nullptr));
  native::Route route;
  napi_value id, v2;
  char text[80];
  size_t length = 0;
  double maxPayload = 0;
  if (napi_get_named_property(env, a.argv[2], "deviceId", &id) != napi_ok ||
      napi_get_value_string_latin1(env, id, text, sizeof text, &length) != napi_ok || length == 0 || length > 64 ||
      napi_get_named_property(env, a.argv[2], "v2", &v2) != napi_ok ||
      napi_get_value_bool(env, v2, &route.v2) != napi_ok || !numberField(env, a.argv[2], "maxPayload", maxPayload) ||
      !numberField(env, a.argv[2], "ratePerSecond", route.ratePerSecond) ||
      !numberField(env, a.argv[2], "rateBurst", route.rateBurst))
    return fail(env, "native wire: route() needs {deviceId (1-64 chars), v2, maxPayload, ratePerSecond, rateBurst}");
  // tokens: optional, the bucket's level to start from (left out: full)
  bool hasTokens = false;
  double tokens = 0;
  if (napi_has_named_property(env, a.argv[2], "tokens", &hasTokens) == napi_ok && hasTokens &&
      numberField(env, a.argv[2], "tokens", tokens) && !std::isnan(tokens))
    route.tokens = tokens < 0 ? 0 : tokens;
  route.deviceId.assign(text, length);
  route.maxPayload = maxPayload < 0 ? 0 : maxPayload > 65535 ? 65535 : uint32_t(maxPayload);
  // receiveLimit: optional, the device's own receive limit (left out: none, only the sender's maxPayload)
  bool hasReceiveLimit = false;
  double receiveLimit = 65535;
  if (napi_has_named_property(env, a.argv[2], "receiveLimit", &hasReceiveLimit) == napi_ok && hasReceiveLimit &&
      (!numberField(env, a.argv[2], "receiveLimit", receiveLimit) || std::isnan(receiveLimit)))
    receiveLimit = 0;  // present but not a number: deliver nothing on the fast path rather than too much
  route.receiveLimit = receiveLimit < 0 ? 0 : receiveLimit > 65535 ? 65535 : uint32_t(receiveLimit);
  return boolean(env, a.addon->loop->route(a.conn, &route));
}

napi_value Take(napi_env env, napi_callback_info info) {
  Args a;
  if (!args(env, info, a, true)) return nullptr;
  return boolean(env, a.addon->loop->take(a.conn));
}

napi_value Level(napi_env env, napi_callback_info info) {
  Args a;
  if (!args(env, info, a, true)) return nullptr;
  napi_value v;
  napi_create_double(env, a.addon->loop->level(a.conn), &v);
  return v;
}

napi_value NextId(napi_env env, napi_callback_info info) {
  Args a;
  if (!args(env, info, a, true)) return nullptr;
  bool ping = false;  // optional third argument: the id is for a PING
  if (a.argc > 2) napi_get_value_bool(env, a.argv[2], &ping);
  napi_value v;
  napi_create_int32(env, a.addon->loop->nextId(a.conn, ping), &v);
  return v;
}

napi_value Pause(napi_env env, napi_callback_info info) {
  Args a;
  bool paused = false;
  if (!args(env, info, a, true)) return nullptr;
  CHECK(napi_get_value_bool(env, a.argv[2], &paused));
  return boolean(env, a.addon->loop->pause(a.conn, paused));
}

napi_value SetTracing(napi_env env, napi_callback_info info) {
  Args a;
  bool on = false;
  if (!args(env, info, a, false)) return nullptr;
  CHECK(napi_get_value_bool(env, a.argv[1], &on));
  a.addon->loop->setTracing(on);
  return nullptr;
}

napi_value Processed(napi_env env, napi_callback_info info) {
  Args a;
  double seq = 0;
  if (!args(env, info, a, false)) return nullptr;
  CHECK(napi_get_value_double(env, a.argv[1], &seq));
  a.addon->loop->processed(seq < 0 ? 0 : uint64_t(seq));
  return nullptr;
}

// A count the loop keeps (connections, bytes), as a JS number.
napi_value LoopCount(napi_env env, napi_callback_info info, size_t (native::Loop::*count)()) {
  Args a;
  if (!args(env, info, a, false)) return nullptr;
  napi_value v;
  napi_create_double(env, double((a.addon->loop.get()->*count)()), &v);
  return v;
}

napi_value Connections(napi_env env, napi_callback_info info) { return LoopCount(env, info, &native::Loop::connections); }

// Test-only: the largest batch (bytes) that waited for JS so far.
napi_value PendingPeak(napi_env env, napi_callback_info info) { return LoopCount(env, info, &native::Loop::pendingPeak); }

// Test-only: what the connections' output and hold buffers keep allocated (bytes).
napi_value BufferedBytes(napi_env env, napi_callback_info info) { return LoopCount(env, info, &native::Loop::bufferedBytes); }

// Test-only: classify(bytes) -> [idStart, idEnd, payloadStart, payloadEnd] when the fast path
// would take this envelope, else null.
napi_value Classify(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer, result;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array)
    return fail(env, "native wire: classify() needs a Uint8Array");
  native::FastEnvelope env_;
  if (!native::matchFastEnvelope(static_cast<const uint8_t*>(data), length, env_)) {
    napi_get_null(env, &result);
    return result;
  }
  napi_create_array_with_length(env, 4, &result);
  const size_t spans[4] = {env_.idStart, env_.idEnd, env_.payloadStart, env_.payloadEnd};
  for (uint32_t i = 0; i < 4; i++) {
    napi_value v;
    napi_create_uint32(env, uint32_t(spans[i]), &v);
    napi_set_element(env, result, i, v);
  }
  return result;
}

}  // namespace

NAPI_MODULE_INIT() {
  const struct {
    const char* name;
    napi_callback fn;
  } functions[] = {
      {"create", Create},   {"listen", Listen},       {"close", Close},         {"write", Write},
      {"end", End},         {"destroy", Destroy},     {"route", RouteFn},       {"take", Take},
      {"level", Level},
      {"nextId", NextId},   {"pause", Pause},         {"setTracing", SetTracing}, {"processed", Processed},
      {"connections", Connections}, {"classify", Classify}, {"pendingPeak", PendingPeak}, {"bufferedBytes", BufferedBytes}, {"unlisten", Unlisten},
  };
  for (const auto& f : functions) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
  return exports;
}

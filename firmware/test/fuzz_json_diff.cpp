// Differential libFuzzer target: the JSON scanner with its key table (a small one, so that enclosing
// objects keep releasing their room) against the same scanner with no table (every key compared by
// walking back over its object). The table may change the time, never an answer: validate() and
// every ObjectReader step must agree on texts built from the input as nested objects whose keys
// repeat often (also escaped, and cut short). mk/fuzz.mk builds src/hypertcp/JsonScan.cpp twice,
// the second copy in namespace hypertcp_walk.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <string>

#include "JsonScan.h"
#undef HYPERTCP_JSON_SCAN_H
#define hypertcp hypertcp_walk
#include "JsonScan.h"
#undef hypertcp

namespace {

// Each input byte pair is one step: close the object, or add a member whose key comes from a small
// alphabet (so repeats are frequent at every depth) with a nested object, an array or a plain value.
std::string build(const uint8_t* d, size_t n) {
  std::string s = "{";
  int depth = 1;
  bool first[16] = {false, true};
  for (size_t i = 0; i + 1 < n; i += 2) {
    const uint8_t op = d[i] % 10, arg = d[i + 1];
    if (op == 0 && depth > 1) {
      s += '}';
      depth--;
      continue;
    }
    if (!first[depth]) s += ',';
    first[depth] = false;
    char key[24];
    const int k = arg % (op < 5 ? 60 : 7);
    snprintf(key, sizeof key, op == 9 ? "\"\\u006b%d\":" : "\"k%d\":", k);  // "\u006b1" is "k1"
    s += key;
    if (op == 1 && depth < 14) {
      s += '{';
      first[++depth] = true;
    } else {
      s += op == 2 ? "[1,{\"a\":1,\"b\":2}]" : op == 3 ? "\"v\"" : "1";
    }
  }
  while (depth-- > 0) s += '}';
  if (n >= 2 && (d[n - 1] & 7) == 0) s.resize(d[n - 2] * s.size() / 256);
  return s;
}

[[noreturn]] void differ(const char* what, const std::string& text) {
  fprintf(stderr, "the key table and the walk disagree (%s) on:\n%s\n", what, text.c_str());
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = build(data, size);
  const char* t = text.data();
  const size_t len = text.size();
  if (int(hypertcp::json::validate(t, len)) != int(hypertcp_walk::json::validate(t, len))) differ("validate", text);
  hypertcp::json::ObjectReader table(t, len);
  hypertcp_walk::json::ObjectReader walk(t, len);
  for (;;) {
    hypertcp::json::Span tk = {nullptr, 0}, tv = {nullptr, 0};
    hypertcp_walk::json::Span wk = {nullptr, 0}, wv = {nullptr, 0};
    hypertcp::json::Check tw = hypertcp::json::Check::Ok;
    hypertcp_walk::json::Check ww = hypertcp_walk::json::Check::Ok;
    const int ts = table.next(tk, tv, tw), ws = walk.next(wk, wv, ww);
    if (ts != ws || tk.ptr != wk.ptr || tk.len != wk.len) differ("reader step", text);
    if (ts == hypertcp::json::ObjectReader::Fail && int(tw) != int(ww)) differ("reader failure", text);
    if (ts != hypertcp::json::ObjectReader::Member) break;
    if (tv.ptr != wv.ptr || tv.len != wv.len) differ("reader value", text);
  }
  return 0;
}

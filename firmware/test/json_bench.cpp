// Host benchmark of the JSON scanner's repeated-key check (not a test: nothing but the answers is
// checked, timings vary by machine). Flat objects of short distinct keys ("aa":0,"ab":1,...), the
// sizes docs/FIRMWARE.md "Repeated keys" quotes (140 two-letter keys, about 1 KB, and 1,900
// three-letter keys, about 15 KB), each validated whole, the same with its last key repeating the first, and looked up
// with json::getLong (which reads the object to its end). Then one nested case: an outer object of
// 110 keys whose last member is an object of 1,000 keys, so the outer keys nearly fill the table
// (120 entries) before the inner object opens.
// Build and run: make -C firmware json-bench
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hypertcp/JsonScan.h"

using namespace hypertcp;

namespace {
double nowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

char text[32768];

// Key number k spelled with `width` letters and digits.
void keyName(int k, int width, char* out) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (int c = width - 1; c >= 0; c--, k /= 62) out[c] = kAlphabet[k % 62];
  out[width] = '\0';
}

// {"aa":0,"ab":1,...} with single-digit values; with repeat, the last key is the first again.
size_t flatObject(int keys, int width, bool repeat) {
  size_t n = 0;
  char name[8];
  text[n++] = '{';
  for (int k = 0; k < keys; k++) {
    keyName(repeat && k == keys - 1 ? 0 : k, width, name);
    n += static_cast<size_t>(snprintf(text + n, sizeof text - n, "%s\"%s\":%d", k ? "," : "", name, k % 10));
  }
  text[n++] = '}';
  return n;
}

// {"aa":0,...,(outer-1 keys),"zz":{(inner keys)}}; with repeat, the inner object's last key is its
// first again.
size_t nestedObject(int outer, int inner, bool repeat) {
  size_t n = 0;
  char name[8];
  text[n++] = '{';
  for (int k = 0; k < outer - 1; k++) {
    keyName(k, 2, name);
    n += static_cast<size_t>(snprintf(text + n, sizeof text - n, "%s\"%s\":%d", k ? "," : "", name, k % 10));
  }
  n += static_cast<size_t>(snprintf(text + n, sizeof text - n, ",\"zz\":{"));
  for (int k = 0; k < inner; k++) {
    keyName(repeat && k == inner - 1 ? 0 : k, 2, name);
    n += static_cast<size_t>(snprintf(text + n, sizeof text - n, "%s\"%s\":%d", k ? "," : "", name, k % 10));
  }
  text[n++] = '}';
  text[n++] = '}';
  return n;
}

// Best of 5 passes of `rounds` calls, in microseconds per call.
template <typename Fn>
double measure(int rounds, Fn fn) {
  double best = 1e30;
  for (int pass = 0; pass < 5; pass++) {
    double t0 = nowNs();
    for (int i = 0; i < rounds; i++) fn();
    double us = (nowNs() - t0) / rounds / 1000;
    if (us < best) best = us;
  }
  return best;
}

// json::ObjectReader over text[0..n): the members read, or minus the number read before a failure.
int readAll(size_t n) {
  json::ObjectReader reader(text, n);
  json::Span key, value;
  json::Check why;
  int members = 0;
  for (;;) {
    json::ObjectReader::Step step = reader.next(key, value, why);
    if (step == json::ObjectReader::End) return members;
    if (step == json::ObjectReader::Fail) return -members;
    members++;
  }
}

volatile int sink;
}  // namespace

int main() {
  const int sizes[] = {140, 1900};
  for (int keys : sizes) {
    int rounds = keys < 1000 ? 20000 : 200, width = keys < 1000 ? 2 : 3;
    size_t n = flatObject(keys, width, false);
    if (json::validate(text, n) != json::Check::Ok) printf("bench: %d keys not accepted\n", keys);
    double whole = measure(rounds, [&] { sink = static_cast<int>(json::validate(text, n)); });
    long last = 0;
    char name[8];
    keyName(keys - 1, width, name);
    if (!json::getLong(text, n, name, last) || last != (keys - 1) % 10) printf("bench: getLong failed\n");
    double lookup = measure(rounds, [&] { sink = json::getLong(text, n, name, last); });
    if (readAll(n) != keys) printf("bench: %d keys: reader failed\n", keys);
    double reader = measure(rounds, [&] { sink = readAll(n); });
    size_t r = flatObject(keys, width, true);
    if (json::validate(text, r) != json::Check::DuplicateKey) printf("bench: %d keys: repeat not found\n", keys);
    double repeated = measure(rounds, [&] { sink = static_cast<int>(json::validate(text, r)); });
    if (readAll(r) != -(keys - 1)) printf("bench: %d keys: reader missed the repeat\n", keys);
    double readerRepeated = measure(rounds, [&] { sink = readAll(r); });
    printf("%5d keys (%5zu B): validate %9.2f us, getLong %9.2f us, last key repeating the first %9.2f us\n", keys, n,
           whole, lookup, repeated);
    printf("%25s ObjectReader over every member %9.2f us, to the repeated last key %9.2f us\n", "", reader,
           readerRepeated);
  }
  const int outer = 110, inner = 1000;
  size_t n = nestedObject(outer, inner, false);
  if (json::validate(text, n) != json::Check::Ok) printf("bench: nested not accepted\n");
  double whole = measure(200, [&] { sink = static_cast<int>(json::validate(text, n)); });
  long first = -1;
  if (!json::getLong(text, n, "aa", first) || first != 0) printf("bench: nested getLong failed\n");
  double lookup = measure(200, [&] { sink = json::getLong(text, n, "aa", first); });
  size_t r = nestedObject(outer, inner, true);
  if (json::validate(text, r) != json::Check::DuplicateKey) printf("bench: nested repeat not found\n");
  double repeated = measure(200, [&] { sink = static_cast<int>(json::validate(text, r)); });
  printf("%d keys with an object of %d (%zu B): validate %9.2f us, getLong %9.2f us, inner last key repeating its first %9.2f us\n",
         outer, inner, n, whole, lookup, repeated);
  return 0;
}

// A tiny test harness: TEST(name) { CHECK(...); } and a main() in check.cpp that runs them all.
#ifndef HYPERTCP_TEST_CHECK_H
#define HYPERTCP_TEST_CHECK_H

#include <stddef.h>
#include <stdint.h>

namespace check {
typedef void (*TestFn)();
struct Registrar {
  Registrar(const char* name, TestFn fn);
};
void fail(const char* file, int line, const char* expression);
void failEq(const char* file, int line, const char* expression, long long a, long long b);
void failStr(const char* file, int line, const char* expression, const char* a, const char* b);
bool same(const char* a, const char* b);
}  // namespace check

#define TEST(name)                                              \
  static void test_##name();                                    \
  static check::Registrar registrar_##name(#name, test_##name); \
  static void test_##name()

#define CHECK(cond)                                     \
  do {                                                  \
    if (!(cond)) check::fail(__FILE__, __LINE__, #cond); \
  } while (0)

#define CHECK_EQ(a, b)                                                                        \
  do {                                                                                        \
    long long va_ = static_cast<long long>(a), vb_ = static_cast<long long>(b);               \
    if (va_ != vb_) check::failEq(__FILE__, __LINE__, #a " == " #b, va_, vb_);                 \
  } while (0)

#define CHECK_STR(a, b)                                                            \
  do {                                                                             \
    if (!check::same((a), (b))) check::failStr(__FILE__, __LINE__, #a " == " #b, (a), (b)); \
  } while (0)

#endif

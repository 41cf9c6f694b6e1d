// JSON scanner, writer and the payload codecs (LOGIN, delivered envelope, reply, REDIRECT).
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "hypertcp/Config.h"
#include "hypertcp/Envelope.h"
#include "hypertcp/JsonScan.h"
#include "hypertcp/JsonWriter.h"

using namespace hypertcp;

namespace {
json::Check validate(const char* text) { return json::validate(text, strlen(text)); }
}  // namespace

TEST(validate_accepts_strict_json) {
  const char* good[] = {"{}", "[]", " {\"a\":[1,-2.5e+3,true,false,null,\"x\"]} ", "\"caf\xC3\xA9\"", "0", "-0.1",
                        "{\"a\":{\"b\":{}}}", "[\"\\u00e9\\n\\\"\"]", "\"\xF0\x9F\x98\x80\"",
                        "-0", "10", "0.5e-3", "1E5", "[-12.25E+2,0e0]"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) CHECK(validate(good[i]) == json::Check::Ok);
}

TEST(validate_rejects_bad_json) {
  const char* bad[] = {"", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{,}", "-", "{\"a\":1} x", "\"a\nb\"", "{'a':1}",
                       "[1 2]", "[1}", "{\"a\":1]", "\"ab", "\"a\\\"", "{\"a\"}", "{1:2}", "-a", "[-]"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (validate(bad[i]) != json::Check::NotJson) check::fail(__FILE__, __LINE__, bad[i]);
  }
  // Details only the strict scanner checks (HYPERTCP_STRICT_JSON=0 leaves them to the consumer).
  const char* strictOnly[] = {"01", "1.", "tru", "\"\\q\"", "\"\xFF\"", "\"\xC0\xAF\"", "\"\xED\xA0\x80\"",
                              "\"\\u12G4\"", "-01", "1.e3", "1e", "1e+", "1.5e", "[0,01]"};
  for (size_t i = 0; i < sizeof strictOnly / sizeof strictOnly[0]; i++) {
    json::Check expected = HYPERTCP_STRICT_JSON ? json::Check::NotJson : json::Check::Ok;
    if (validate(strictOnly[i]) != expected) check::fail(__FILE__, __LINE__, strictOnly[i]);
  }
}

TEST(validate_limits_depth_and_forbids_proto) {
  char deep[80];
  for (int depth = 30; depth <= 34; depth++) {
    memset(deep, '[', static_cast<size_t>(depth));
    memset(deep + depth, ']', static_cast<size_t>(depth));
    deep[2 * depth] = '\0';
    CHECK(json::validate(deep, strlen(deep)) == (depth <= 32 ? json::Check::Ok : json::Check::TooDeep));
  }
  CHECK(validate("{\"a\":[{\"__proto__\":1}]}") == json::Check::ForbiddenKey);
  CHECK(validate("{\"__proto__x\":1}") == json::Check::Ok);
}

// Escapes spell the same key: "\u005f_proto__" is __proto__ to every JSON library, and the broker
// refuses it (shared/protocol/json-scan.ts isForbiddenKey), so the device must too, both builds.
TEST(validate_forbids_proto_spelled_with_escapes) {
  const char* forbidden[] = {"{\"\\u005f_proto__\":1}", "{\"a\":{\"__\\u0070roto__\":{}}}", "[{\"__prot\\u006F__\":1}]",
                             "{\"\\u005F\\u005F\\u0070\\u0072\\u006F\\u0074\\u006F\\u005F\\u005F\":1}"};
  for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
    if (validate(forbidden[i]) != json::Check::ForbiddenKey) check::fail(__FILE__, __LINE__, forbidden[i]);
  }
  CHECK(checkPayload("{\"\\u005f_proto__\":{}}", 21) == Error::InvalidPayload);
  // Other keys with escapes, and near misses, stay allowed.
  const char* allowed[] = {"{\"\\u005f_proto_\":1}", "{\"\\u005f_proto__x\":1}", "{\"__pro\\to__\":1}",
                           "{\"\\u005f\":1}", "{\"_\\/proto__\":1}", "{\"\\u00e9\":1}"};
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
    if (validate(allowed[i]) != json::Check::Ok) check::fail(__FILE__, __LINE__, allowed[i]);
  }
}

// A key twice in one object, at any depth and however it is spelled, is refused like the broker
// does (PROTOCOL 5.1): readers disagree on which one counts. Both scanner modes.
TEST(validate_refuses_a_repeated_key_at_any_depth) {
  const char* repeated[] = {"{\"a\":1,\"a\":2}", "{\"x\":{\"a\":1,\"b\":{\"a\":0},\"a\":2}}", "[1,{\"k\":[],\"k\":{}}]",
                            "{\"relay\":1,\"\\u0072elay\":2}", "{\"\xC3\xA9\":1,\"\\u00E9\":2}",
                            "{\"\xF0\x9F\x98\x80\":1,\"\\ud83d\\uDE00\":2}", "{\"a/b\":1,\"a\\/b\":2}", "{\"\\n\":1,\"\\u000a\":2}",
                            "{\"a\\\\\":1,\"s\":\"\\\"}{\\\"\",\"a\\\\\":2}", "{\"\":1,\"\":2}", "{\"a\":1,\"b\":2,\"a\" 3}"};
  for (size_t i = 0; i < sizeof repeated / sizeof repeated[0]; i++) {
    if (validate(repeated[i]) != json::Check::DuplicateKey) check::fail(__FILE__, __LINE__, repeated[i]);
  }
  // Near misses, and one key in different objects.
  const char* fine[] = {"{\"a\":1,\"ab\":2,\"A\":3,\"b\":\"a\",\"\\u0061b2\":4}",
                        "{\"a\\\\\":1,\"a\\\"\":2,\"s\":\"\\\"a\\\":\",\"\\ud800\":4,\"\\udc00\":5,\"a\":3}",
                        "{\"a\":{\"k\":1},\"b\":{\"k\":1},\"k\":[{\"k\":1},{\"k\":2}]}", "{\"a\":{\"a\":{\"a\":1}}}",
                        "[{\"a\":1},{\"a\":1}]", "{\"\\ud83d\":1,\"\\ud83d\\ude00\":2}"};
  for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
    if (validate(fine[i]) != json::Check::Ok) check::fail(__FILE__, __LINE__, fine[i]);
  }
  // Every way in: a payload to send, a delivered envelope, the accessors, the object reader.
  const char* twoRelays = "{\"relay\":true,\"relay\":false}";
  CHECK(checkPayload(twoRelays, strlen(twoRelays)) == Error::InvalidPayload);
  Delivered d;
  const char* delivered = "{\"from\":\"server\",\"payload\":{\"on\":true,\"on\":false}}";
  CHECK(!parseDelivered(delivered, strlen(delivered), d));
  const char* twoFroms = "{\"from\":\"a\",\"from\":\"b\",\"payload\":{}}";
  CHECK(!parseDelivered(twoFroms, strlen(twoFroms), d));
  bool on = false;
  const char* twoOns[] = {"{\"on\":true,\"on\":false}", "{\"on\":true,\"x\":1,\"\\u006fn\":false}"};
  for (size_t i = 0; i < 2; i++) CHECK(!json::getBool(twoOns[i], strlen(twoOns[i]), "on", on));
  const char* nestedOn = "{\"on\":true,\"x\":{\"on\":false}}";
  CHECK(json::getBool(nestedOn, strlen(nestedOn), "on", on) && on);
  json::ObjectReader reader("{\"a\":1,\"b\":2,\"a\":3}", 19);
  json::Span key, value;
  json::Check why;
  CHECK(reader.next(key, value, why) == json::ObjectReader::Member);
  CHECK(reader.next(key, value, why) == json::ObjectReader::Member);
  CHECK(reader.next(key, value, why) == json::ObjectReader::Fail);
  CHECK(why == json::Check::DuplicateKey);
  CHECK(json::keyIs(key, "a"));  // named for the caller
}

namespace {
// Random nested JSON whose keys collide often (spellings of a few keys, some with escapes, and
// values full of quotes, backslashes and braces), with the answer worked out while writing it.
struct Keys {
  const char* spelling;
  uint8_t id;  // equal ids decode to the same key
};
const Keys kKeys[] = {{"a", 0}, {"\\u0061", 0}, {"ab", 1}, {"a\\u0062", 1}, {"a\\\\", 2}, {"a\\\"", 3},
                      {"\\u00e9", 4}, {"\xC3\xA9", 4}, {"\\/", 5}, {"/", 5}, {"", 6}};
const char* const kValues[] = {"1", "\"a\"", "\"\\\"a\\\":{\"", "\"}]\\\\\"", "[]", "{}", "true"};
uint32_t seed = 12345;
uint32_t roll(uint32_t n) {
  seed = seed * 1103515245u + 12345u;
  return (seed >> 16) % n;
}
void put(char* out, size_t& n, const char* text) {
  while (*text) out[n++] = *text++;
}
// Writes one object; true when it or an object inside repeats a key.
bool writeObject(char* out, size_t& n, int depth) {
  bool repeated = false;
  uint16_t seen = 0;
  put(out, n, "{");
  for (uint32_t m = 0, members = roll(4); m < members; m++) {
    const Keys& key = kKeys[roll(sizeof kKeys / sizeof kKeys[0])];
    repeated |= (seen >> key.id) & 1;
    seen |= static_cast<uint16_t>(1u << key.id);
    put(out, n, m ? ",\"" : "\"");
    put(out, n, key.spelling);
    put(out, n, "\":");
    uint32_t kind = depth < 4 && n < 4000 ? roll(4) : 3;  // past 4000 bytes only scalars: 16 KB is room
    if (kind == 0) {
      repeated |= writeObject(out, n, depth + 1);
    } else if (kind == 1) {
      put(out, n, "[");
      repeated |= writeObject(out, n, depth + 1);
      put(out, n, ",");
      repeated |= writeObject(out, n, depth + 1);
      put(out, n, "]");
    } else {
      put(out, n, kValues[roll(sizeof kValues / sizeof kValues[0])]);
    }
  }
  put(out, n, "}");
  return repeated;
}
}  // namespace

TEST(validate_refuses_exactly_the_objects_that_repeat_a_key) {
  static char text[16384];
  int refused = 0;
  for (int round = 0; round < 3000; round++) {
    size_t n = 0;
    bool repeated = writeObject(text, n, 0);
    json::Check want = repeated ? json::Check::DuplicateKey : json::Check::Ok;
    if (json::validate(text, n) != want) {
      text[n] = '\0';
      check::fail(__FILE__, __LINE__, text);
    }
    refused += repeated;
  }
  CHECK(refused > 300 && refused < 2700);  // both answers well covered
}

// Many keys: more than the key table (HYPERTCP_JSON_KEY_HASHES) holds, so batches of keys are
// checked against earlier ones in one pass. The variants keytable and keyhash run these with a
// tiny table and a hash that makes most keys collide.
namespace {
char big[65536];

// {"k0":0,...,"k<count-1>":0} without its closing brace; member `nested` (-1: none) holds an object
// that reuses the keys k<nested> and k0.
size_t manyKeys(int count, int nested) {
  size_t n = 0;
  big[n++] = '{';
  for (int k = 0; k < count; k++) {
    n += static_cast<size_t>(snprintf(big + n, sizeof big - n, "%s\"k%d\":", k ? "," : "", k));
    if (k == nested) n += static_cast<size_t>(snprintf(big + n, sizeof big - n, "{\"k%d\":[{\"k0\":1}],\"k0\":2}", k));
    else big[n++] = '0';
  }
  return n;
}
json::Check validateBig(size_t n, const char* tail) {
  n += static_cast<size_t>(snprintf(big + n, sizeof big - n, "%s", tail));
  return json::validate(big, n);
}
}  // namespace

TEST(validate_finds_a_repeat_among_many_keys) {
  const int counts[] = {3, 119, 120, 121, 122, 250, 1900, 4000};
  for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
    int count = counts[c];
    size_t n = manyKeys(count, count / 3);
    CHECK(validateBig(n, "}") == json::Check::Ok);
    // The last key repeats the first, one in the middle, the one before it, in plain or escaped spelling.
    const int repeated[] = {0, count / 2, count - 1};
    for (int r = 0; r < 3; r++) {
      char tail[40];
      snprintf(tail, sizeof tail, ",\"k%d\":1}", repeated[r]);
      if (validateBig(n, tail) != json::Check::DuplicateKey) check::fail(__FILE__, __LINE__, tail);
      snprintf(tail, sizeof tail, ",\"\\u006b%d\":1}", repeated[r]);
      if (validateBig(n, tail) != json::Check::DuplicateKey) check::fail(__FILE__, __LINE__, tail);
      // A failure after the repeated key: the repeat comes first, as a key-by-key check finds it.
      snprintf(tail, sizeof tail, ",\"k%d\" 1}", repeated[r]);
      if (validateBig(n, tail) != json::Check::DuplicateKey) check::fail(__FILE__, __LINE__, tail);
      snprintf(tail, sizeof tail, ",\"k%d\":[1,,", repeated[r]);
      if (validateBig(n, tail) != json::Check::DuplicateKey) check::fail(__FILE__, __LINE__, tail);
      snprintf(tail, sizeof tail, ",\"k%d\":{\"__proto__\":1}}", repeated[r]);
      if (validateBig(n, tail) != json::Check::DuplicateKey) check::fail(__FILE__, __LINE__, tail);
    }
    // Near misses, and failures with no repeat before them.
    CHECK(validateBig(n, ",\"k\":1,\"K0\":1,\"\\u006b\":2,\"k00\":3}") == json::Check::DuplicateKey);  // "k" twice
    CHECK(validateBig(n, ",\"k\":1,\"K0\":1,\"k00\":3}") == json::Check::Ok);
    CHECK(validateBig(n, ",\"kk\":[1,,") == json::Check::NotJson);
    CHECK(validateBig(n, ",\"kk\":{\"__proto__\":1}}") == json::Check::ForbiddenKey);
    CHECK(validateBig(n, ",\"kk\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}") == json::Check::TooDeep);
    // The same many keys one level down, and beside it: keys repeat only within one object.
    size_t inner = manyKeys(count, -1);
    memmove(big + 6, big, inner);
    memcpy(big, "{\"o\":", 5);
    big[5] = ' ';
    inner += 6;
    inner += static_cast<size_t>(snprintf(big + inner, sizeof big - inner, "},\"k0\":{\"k0\":0},\"k1\":1"));
    CHECK(validateBig(inner, "}") == json::Check::Ok);
    CHECK(validateBig(inner, ",\"o\":1}") == json::Check::DuplicateKey);
    CHECK(validateBig(inner, ",\"k1\":1}") == json::Check::DuplicateKey);
    // The accessors read to the end.
    n = manyKeys(count, -1);
    long value = 1;
    CHECK(validateBig(n, "}") == json::Check::Ok);
    CHECK(json::getLong(big, n + 1, "k0", value) && value == 0);
    n += static_cast<size_t>(snprintf(big + n, sizeof big - n, ",\"k%d\":5}", count - 1));
    CHECK(!json::getLong(big, n, "k0", value));
  }
}

namespace {
// Random objects of up to 40 members over a pool of 60 keys (some spelled with escapes) and
// nesting, with the end of the first repeated key noted while writing them: the text cut anywhere
// must fail as a key-by-key check would, DuplicateKey once that key is complete, else NotJson.
size_t firstRepeatEnd;
void writeWide(char* out, size_t& n, int depth) {
  bool seen[60] = {false};
  put(out, n, "{");
  for (uint32_t m = 0, members = roll(41); m < members && n < 30000; m++) {
    uint32_t key = roll(60);
    char name[16];
    snprintf(name, sizeof name, roll(4) == 0 ? "\\u0078%u" : "x%u", key);
    put(out, n, m ? ",\"" : "\"");
    put(out, n, name);
    put(out, n, "\"");
    if (seen[key] && firstRepeatEnd == 0) firstRepeatEnd = n;
    seen[key] = true;
    put(out, n, ":");
    if (depth < 3 && roll(6) == 0) writeWide(out, n, depth + 1);
    else put(out, n, kValues[roll(sizeof kValues / sizeof kValues[0])]);
  }
  put(out, n, "}");
}
}  // namespace

TEST(validate_refuses_wide_objects_exactly_where_a_key_repeats) {
  int refused = 0;
  for (int round = 0; round < 400; round++) {
    size_t n = 0;
    firstRepeatEnd = 0;
    writeWide(big, n, 0);
    json::Check want = firstRepeatEnd ? json::Check::DuplicateKey : json::Check::Ok;
    if (json::validate(big, n) != want) {
      big[n] = '\0';
      check::fail(__FILE__, __LINE__, big);
    }
    refused += firstRepeatEnd != 0;
    for (size_t cut = 1; cut < n; cut += 1 + roll(20)) {
      want = firstRepeatEnd && firstRepeatEnd <= cut ? json::Check::DuplicateKey : json::Check::NotJson;
      if (json::validate(big, cut) != want) {
        big[cut] = '\0';
        check::fail(__FILE__, __LINE__, big);
      }
    }
  }
  CHECK(refused > 100 && refused < 400);
}

namespace {
// Chains of nested objects: each level has up to 139 keys before the member that holds the next
// level and up to 19 after it, so the enclosing objects' keys fill the key table (120 entries)
// before an inner object opens or while it grows. Every level uses the same names (a0, a1, ...,
// some spelled \u0061..); a level may have one key repeat an earlier one of its own. The end of the
// first repeated key in the text is noted, and which member of the outermost object holds it.
struct Chain {
  int repeatAt[8];        // per level: the member whose key repeats member repeatOf (-1: none)
  int repeatOf[8];
  size_t firstRepeatEnd;  // 0: no repeat
  int outerMember;        // the outermost object's member being written, and its key's offset
  size_t outerKey;
  int repeatMember;       // the outermost member that holds the first repeat, and its key's offset
  size_t repeatKey;
};
void writeChain(char* out, size_t& n, int level, int levels, Chain& chain) {
  int before = static_cast<int>(roll(level == levels - 1 ? 300 : 140)), after = static_cast<int>(roll(20));
  int members = level == levels - 1 ? before : before + 1 + after;
  if (chain.repeatAt[level] >= members) chain.repeatAt[level] = members - 1;  // may be -1: none
  if (chain.repeatAt[level] > 0) chain.repeatOf[level] = static_cast<int>(roll(static_cast<uint32_t>(chain.repeatAt[level])));
  put(out, n, "{");
  for (int m = 0; m < members; m++) {
    if (m) put(out, n, ",");
    if (level == 0) {
      chain.outerMember = m;
      chain.outerKey = n;
    }
    bool repeats = m == chain.repeatAt[level] && m > 0;
    char name[24];
    snprintf(name, sizeof name, roll(4) == 0 ? "\"\\u0061%d\":" : "\"a%d\":", repeats ? chain.repeatOf[level] : m);
    put(out, n, name);
    if (repeats && chain.firstRepeatEnd == 0) {
      chain.firstRepeatEnd = n - 1;  // before the colon
      chain.repeatMember = chain.outerMember;
      chain.repeatKey = chain.outerKey;
    }
    if (level < levels - 1 && m == before) writeChain(out, n, level + 1, levels, chain);
    else put(out, n, kValues[roll(sizeof kValues / sizeof kValues[0])]);
  }
  put(out, n, "}");
}

// json::ObjectReader over text[0..n): the members it read before End or Fail.
int readMembers(size_t n, json::ObjectReader::Step& step, json::Check& why, json::Span& key) {
  json::ObjectReader reader(big, n);
  json::Span value;
  int members = 0;
  for (key.ptr = nullptr; (step = reader.next(key, value, why)) == json::ObjectReader::Member; key.ptr = nullptr) members++;
  return members;
}
}  // namespace

// Both the validating scan and the object reader give a key-by-key check's answer: the whole text,
// and the text cut anywhere (DuplicateKey once the first repeated key is complete, else NotJson),
// with the reader failing at the member that holds the repeat and naming its key.
TEST(nested_objects_whose_outer_keys_fill_the_key_table) {
  // Fewer rounds where a 3-bit hash (the keytable and keyhash variants) makes every key walk back.
#ifdef HYPERTCP_JSON_KEY_HASH_MASK
  const int rounds = 80;
#else
  const int rounds = 200;
#endif
  int refused = 0;
  for (int round = 0; round < rounds; round++) {
    Chain chain;
    memset(&chain, 0, sizeof chain);
    int levels = 1 + static_cast<int>(roll(7));
    for (int l = 0; l < 8; l++) chain.repeatAt[l] = roll(3) == 0 ? 1 + static_cast<int>(roll(150)) : -1;
    size_t n = 0;
    writeChain(big, n, 0, levels, chain);
    json::Check want = chain.firstRepeatEnd ? json::Check::DuplicateKey : json::Check::Ok;
    if (json::validate(big, n) != want) {
      big[n] = '\0';
      check::fail(__FILE__, __LINE__, big);
    }
    refused += chain.firstRepeatEnd != 0;
    json::ObjectReader::Step step;
    json::Check why;
    json::Span key;
    int members = readMembers(n, step, why, key);
    if (chain.firstRepeatEnd) {
      CHECK(step == json::ObjectReader::Fail && why == json::Check::DuplicateKey);
      CHECK_EQ(members, chain.repeatMember);
      CHECK(key.ptr == big + chain.repeatKey);
    } else {
      CHECK(step == json::ObjectReader::End && why == json::Check::Ok);
    }
    for (size_t cut = 1; cut < n; cut += 1 + roll(90)) {
      bool repeated = chain.firstRepeatEnd && chain.firstRepeatEnd <= cut;
      want = repeated ? json::Check::DuplicateKey : json::Check::NotJson;
      if (json::validate(big, cut) != want) {
        big[cut] = '\0';
        check::fail(__FILE__, __LINE__, big);
      }
      members = readMembers(cut, step, why, key);
      if (step != json::ObjectReader::Fail || why != want ||
          (repeated && (members != chain.repeatMember || key.ptr != big + chain.repeatKey))) {
        big[cut] = '\0';
        check::fail(__FILE__, __LINE__, big);
      }
    }
  }
  CHECK(refused > rounds / 4 && refused < rounds - 5);
}

namespace {
struct Seen {
  char text[160];
  size_t len;
};
void record(const json::Span& key, const json::Span& value, void* context) {
  Seen& seen = *static_cast<Seen*>(context);
  size_t n = key.len + value.len + 2;
  if (seen.len + n >= sizeof seen.text) return;
  memcpy(seen.text + seen.len, key.ptr, key.len);
  seen.text[seen.len + key.len] = '=';
  memcpy(seen.text + seen.len + key.len + 1, value.ptr, value.len);
  seen.text[seen.len + n - 1] = ';';
  seen.len += n;
  seen.text[seen.len] = '\0';
}
}  // namespace

TEST(scan_reports_the_outer_members_in_one_pass) {
  const char* text = "{\"a\":1, \"b\" : {\"c\":[2,{\"d\":3}]},\"e\":\"x\\\"y\",\"f\":[],\"g\":{}}";
  Seen seen = {{0}, 0};
  json::Check why;
  size_t end = json::scanValue(text, strlen(text), 0, 32, why, record, &seen);
  CHECK_EQ(end, strlen(text));
  CHECK(why == json::Check::Ok);
  CHECK_STR(seen.text, "\"a\"=1;\"b\"={\"c\":[2,{\"d\":3}]};\"e\"=\"x\\\"y\";\"f\"=[];\"g\"={};");
  // Arrays have no members; a scan that fails later still fails (members seen so far are not trusted).
  seen.len = 0;
  seen.text[0] = '\0';
  CHECK(json::scanValue("[{\"a\":1}]", 9, 0, 32, why, record, &seen) == 9);
  CHECK_STR(seen.text, "");
  CHECK(json::scanValue("{\"a\":1,\"b\":[}", 14, 0, 32, why, record, &seen) == 0);
  CHECK(why == json::Check::NotJson);
  // validate() with a member callback: whitespace around, the same members, trailing bytes fail.
  seen.len = 0;
  seen.text[0] = '\0';
  CHECK(json::validate(" {\"k\": [1]}\n", 12, 32, record, &seen) == json::Check::Ok);
  CHECK_STR(seen.text, "\"k\"=[1];");
  CHECK(json::validate("{\"k\":1} 2", 10, 32, record, &seen) == json::Check::NotJson);
  CHECK(json::validate("{\"k\":[[1]]}", 11, 2, record, &seen) == json::Check::TooDeep);
  CHECK_EQ(json::skipSpace(" \t\r\nx ", 6, 0), 4);
  CHECK_EQ(json::skipSpace("  ", 2, 1), 2);
  CHECK_EQ(json::skipSpace("x", 1, 0), 0);
}

TEST(find_and_typed_getters) {
  const char* text = "{\"cmd\":\"toggle\",\"n\":-42,\"on\":true,\"nested\":{\"cmd\":\"no\"},\"esc\":\"a\\\"b\\u00e9\"}";
  size_t n = strlen(text);
  char out[32];
  CHECK(json::getString(text, n, "cmd", out, sizeof out));
  CHECK_STR(out, "toggle");
  long value = 0;
  CHECK(json::getLong(text, n, "n", value));
  CHECK_EQ(value, -42);
  bool on = false;
  CHECK(json::getBool(text, n, "on", on));
  CHECK(on);
  CHECK(json::getString(text, n, "esc", out, sizeof out));
  CHECK_STR(out, "a\"b\xC3\xA9");
  CHECK(!json::getString(text, n, "esc", out, 3));  // does not fit
  CHECK(!json::getString(text, n, "missing", out, sizeof out));
  // Cut or bad \u escapes fail cleanly in both scanner modes (the structural one lets them through).
  const char* badEscapes[] = {"{\"s\":\"\\u\"}", "{\"s\":\"\\u12\"}", "{\"s\":\"\\u12G4\"}", "{\"s\":\"\\uD800\\u\"}"};
  for (size_t i = 0; i < sizeof badEscapes / sizeof badEscapes[0]; i++)
    CHECK(!json::getString(badEscapes[i], strlen(badEscapes[i]), "s", out, sizeof out));
  CHECK(!json::getLong(text, n, "cmd", value));
  CHECK(!json::getLong("{\"n\":1.5}", 9, "n", value));
  CHECK(!json::getLong("{\"n\":99999999999999999999999}", 29, "n", value));
}

TEST(to_long_bounds) {
  // The limits of long on this host, and one past each: checked without run-time division.
  char text[48];
  json::Span span = {text, 0};
  long value = 0;
  span.len = static_cast<size_t>(snprintf(text, sizeof text, "%ld", __LONG_MAX__));
  CHECK(json::toLong(span, value) && value == __LONG_MAX__);
  span.len = static_cast<size_t>(snprintf(text, sizeof text, "%ld", -__LONG_MAX__ - 1));
  CHECK(json::toLong(span, value) && value == -__LONG_MAX__ - 1);
  span.len = static_cast<size_t>(snprintf(text, sizeof text, "%lu", static_cast<unsigned long>(__LONG_MAX__) + 1));
  CHECK(!json::toLong(span, value));
  span.len = static_cast<size_t>(snprintf(text, sizeof text, "-%lu", static_cast<unsigned long>(__LONG_MAX__) + 2));
  CHECK(!json::toLong(span, value));
  span.len = static_cast<size_t>(snprintf(text, sizeof text, "%lu0", static_cast<unsigned long>(__LONG_MAX__) / 10 + 1));
  CHECK(!json::toLong(span, value));
  const char* bad[] = {"", "-", "1a", "+1", "1.0", "1e3"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json::Span b = {bad[i], strlen(bad[i])};
    CHECK(!json::toLong(b, value));
  }
  json::Span zero = {"-0", 2};
  CHECK(json::toLong(zero, value) && value == 0);
}

TEST(writer_escapes_and_nests) {
  char buf[128];
  JsonWriter w(buf, sizeof buf);
  w.beginObject().field("s", "a\"b\\c\n\x01").field("i", -5).field("u", 7u).field("b", false);
  w.key("f").value(21.456, 1).key("neg").value(-0.5, 2).key("arr").beginArray().value(1).value("x").null().endArray();
  w.key("o").beginObject().endObject().endObject();
  CHECK(w.ok());
  CHECK_STR(buf, "{\"s\":\"a\\\"b\\\\c\\u000a\\u0001\",\"i\":-5,\"u\":7,\"b\":false,\"f\":21.5,\"neg\":-0.50,"
                 "\"arr\":[1,\"x\",null],\"o\":{}}");
  CHECK(json::validate(buf, w.length()) == json::Check::Ok);
  JsonWriter c(buf, sizeof buf);
  c.beginArray().value("\x1f\x10\t\x7f").beginArray().endArray().value(HYPERTCP_F("k\"")).endArray();
  CHECK(c.ok());
  CHECK_STR(buf, "[\"\\u001f\\u0010\\u0009\x7f\",[],\"k\\\"\"]");
}

// Text from a sketch is not always UTF-8 (a Latin-1 SSID, a truncated buffer): the writer replaces
// what is not well-formed with U+FFFD, one per maximal subpart like the broker's TextDecoder, so its
// output always passes checkPayload and the broker's scanner (which refuse broken UTF-8 and would
// otherwise reject the v2 LOGIN on every retry). Well-formed text is copied unchanged.
TEST(writer_replaces_invalid_utf8) {
#define FFFD "\xEF\xBF\xBD"
  struct Case {
    const char* in;
    const char* out;
  };
  static const Case cases[] = {
      {"Caf\xE9", "Caf" FFFD},                                         // Latin-1
      {"a\x80" "b\xBF", "a" FFFD "b" FFFD},                            // lone continuation bytes
      {"\xC3", FFFD},                                                  // truncated at the end
      {"x\xE2\x82", "x" FFFD},                                         // one U+FFFD per maximal subpart
      {"\xF0\x9F\x98", FFFD},
      {"\xE2\x82" "A", FFFD "A"},                                      // truncated before ASCII
      {"\xC0\x80", FFFD FFFD},                                         // overlong NUL
      {"\xC1\xBF\xE0\x80\x80\xF0\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD},  // overlongs
      {"\xED\xA0\x80", FFFD FFFD FFFD},                                // encoded surrogate
      {"\xED\xBF\xBF", FFFD FFFD FFFD},
      {"\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD},                       // above U+10FFFF
      {"\xF5\xF8\xFE\xFF", FFFD FFFD FFFD FFFD},                       // never in UTF-8
      {"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xED\x9F\xBF\xEE\x80\x80\xF4\x8F\xBF\xBF\xC2\x80\xDF\xBF",  // valid
       "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xED\x9F\xBF\xEE\x80\x80\xF4\x8F\xBF\xBF\xC2\x80\xDF\xBF"},
      {"\xE9\"\x01", FFFD "\\\"\\u0001"},                              // escapes still apply after
  };
  char buf[128], expected[128];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    JsonWriter w(buf, sizeof buf);
    w.beginObject().field(cases[i].in, cases[i].in).endObject();  // keys too
    CHECK(w.ok());
    snprintf(expected, sizeof expected, "{\"%s\":\"%s\"}", cases[i].out, cases[i].out);
    if (strcmp(buf, expected) != 0) check::failStr(__FILE__, __LINE__, cases[i].in, buf, expected);
    if (checkPayload(buf, w.length()) != Error::None) check::fail(__FILE__, __LINE__, cases[i].in);
  }
  // Flash strings take the same path.
  JsonWriter f(buf, sizeof buf);
  f.beginObject().field(HYPERTCP_F("ssid"), HYPERTCP_F("Caf\xE9\xC3\xA9")).endObject();
  CHECK_STR(buf, "{\"ssid\":\"Caf" FFFD "\xC3\xA9\"}");
  // A replacement that does not fit overflows like any other byte.
  char small[12];
  JsonWriter o(small, sizeof small);
  o.beginObject().field("s", "\xFF\xFF").endObject();
  CHECK(!o.ok());
  // A device description in the v2 LOGIN: the broker must accept it.
  static const Control controls[] = {{"relay1", ControlKind::Relay, "Caf\xE9 light", 0, 0, 0, nullptr, 0}};
  static const DeviceInfo device = {"Caf\xE9", "1.0\xC0", "esp\xED\xA0\x80", controls, 1, nullptr, 0};
  char login[256];
  size_t n = writeV2Login(login, sizeof login, "abc", &device, 1024);
  CHECK(n > 0);
  CHECK(checkPayload(login, n) == Error::None);
#undef FFFD
}

TEST(writer_numbers_at_the_limits) {
  char buf[96], expected[96];
  JsonWriter w(buf, sizeof buf);
  w.beginArray().value(0).value(-__LONG_MAX__ - 1).value(__LONG_MAX__).value(~0UL).value(10).value(-9).endArray();
  CHECK(w.ok());
  snprintf(expected, sizeof expected, "[0,%ld,%ld,%lu,10,-9]", -__LONG_MAX__ - 1, __LONG_MAX__, ~0UL);
  CHECK_STR(buf, expected);
}

TEST(writer_reports_overflow) {
  char buf[8];
  JsonWriter w(buf, sizeof buf);
  w.beginObject().field("long", "value").endObject();
  CHECK(!w.ok());
  CHECK_EQ(buf[0], 0);
}

TEST(v2_login_describes_the_device) {
  static const char* const modes[] = {"off", "auto"};
  static const Control controls[] = {{"relay1", ControlKind::Relay, "Lamp", 0, 0, 0, nullptr, 0},
                                     {"dim", ControlKind::Slider, nullptr, 0, 100, 5, nullptr, 0},
                                     {"mode", ControlKind::Select, nullptr, 0, 0, 0, modes, 2}};
  static const Telemetry telemetry[] = {{"temp", "C", nullptr}};
  static const DeviceInfo device = {"lamp", "1.0.0", "esp32", controls, 3, telemetry, 1};
  char buf[512];
  size_t n = writeV2Login(buf, sizeof buf, "abc", &device, 0);
  CHECK(n > 0);
  CHECK_STR(buf,
            "{\"v\":2,\"token\":\"abc\",\"device\":{\"name\":\"lamp\",\"fw\":\"1.0.0\",\"board\":\"esp32\",\"controls\":["
            "{\"id\":\"relay1\",\"kind\":\"relay\",\"label\":\"Lamp\"},{\"id\":\"dim\",\"kind\":\"slider\",\"min\":0,"
            "\"max\":100,\"step\":5},{\"id\":\"mode\",\"kind\":\"select\",\"options\":[\"off\",\"auto\"]}],"
            "\"telemetry\":[{\"id\":\"temp\",\"unit\":\"C\"}]}}");
  CHECK_EQ(writeV2Login(buf, 40, "abc", &device, 0), 0);
  CHECK(writeV2Login(buf, sizeof buf, "abc", nullptr, 0) > 0);
  CHECK_STR(buf, "{\"v\":2,\"token\":\"abc\"}");
  // The receive limit, right after the token (the broker refuses deliveries bigger than it).
  CHECK(writeV2Login(buf, sizeof buf, "abc", nullptr, 65535) > 0);
  CHECK_STR(buf, "{\"v\":2,\"token\":\"abc\",\"maxPayload\":65535}");
  CHECK_EQ(writeV2Login(buf, 36, "abc", nullptr, 65535), 0);
  // Every kind name; an unknown kind is written as relay.
  static const Control kinds[] = {control("s", ControlKind::Switch), control("b", ControlKind::Button),
                                  control("x", static_cast<ControlKind>(9))};
  static const DeviceInfo kindDevice = {nullptr, nullptr, nullptr, kinds, 3, nullptr, 0};
  CHECK(writeV2Login(buf, sizeof buf, "t", &kindDevice, 0) > 0);
  CHECK_STR(buf, "{\"v\":2,\"token\":\"t\",\"device\":{\"controls\":[{\"id\":\"s\",\"kind\":\"switch\"},"
                 "{\"id\":\"b\",\"kind\":\"button\"},{\"id\":\"x\",\"kind\":\"relay\"}],\"telemetry\":[]}}");
}

TEST(envelope_writer_and_payload_checks) {
  char buf[64];
  const char* payload = "{\"t\":1}";
  size_t n = writeEnvelope(buf, sizeof buf, "server", payload, strlen(payload));
  CHECK_EQ(n, envelopeLength(6, strlen(payload)));
  buf[n] = '\0';
  CHECK_STR(buf, "{\"targetId\":\"server\",\"payload\":{\"t\":1}}");
  CHECK(checkDeviceEnvelope(buf, n, nullptr) == nullptr);
  CHECK_EQ(writeEnvelope(buf, n - 1, "server", payload, strlen(payload)), 0);
  CHECK(checkPayload("{}", 2) == Error::None);
  CHECK(checkPayload(" {\"a\":1} ", 9) == Error::None);
  CHECK(checkPayload("[1]", 3) == Error::InvalidPayload);
  CHECK(checkPayload("{\"a\":", 5) == Error::InvalidPayload);
  CHECK(checkPayload("{\"__proto__\":{}}", 16) == Error::InvalidPayload);
  CHECK(isValidId("relay-1.a:b_C", 13));
  CHECK(!isValidId("a b", 3));
  CHECK(!isValidId("", 0));
}

TEST(delivered_envelope_parsing) {
  char text[] = "{\"from\":\"server\",\"payload\":{\"cmd\":\"toggle\"}}";
  Delivered d;
  CHECK(parseDelivered(text, strlen(text), d));
  CHECK_STR(d.from, "server");
  CHECK_EQ(d.payload.len, 16);
  CHECK(memcmp(d.payload.ptr, "{\"cmd\":\"toggle\"}", 16) == 0);
  const char* bad[] = {"{\"from\":\"server\"}", "{\"from\":1,\"payload\":{}}", "{\"from\":\"a b\",\"payload\":{}}",
                       "{\"from\":\"x\",\"payload\":[]}", "{\"from\":\"x\",\"payload\":{}", "nope"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(!parseDelivered(bad[i], strlen(bad[i]), d));
}

TEST(login_reply_and_redirect_parsing) {
  const char* reply = "{\"id\":\"lamp\",\"keepalive\":10,\"maxPayload\":16384}";
  LoginReply r;
  CHECK(parseLoginReply(reply, strlen(reply), r));
  CHECK_STR(r.id, "lamp");
  CHECK_EQ(r.keepaliveMs, 10000);
  CHECK_EQ(r.maxPayload, 16384);
  CHECK(parseLoginReply("", 0, r));
  CHECK_STR(r.id, "");
  CHECK(!parseLoginReply("{\"id\":", 6, r));
  // A failed parse leaves the defaults only (the client carries on with them).
  const char* badId = "{\"keepalive\":5,\"maxPayload\":100,\"id\":\"a b\"}";
  CHECK(parseLoginReply(reply, strlen(reply), r));
  CHECK(!parseLoginReply(badId, strlen(badId), r));
  CHECK_STR(r.id, "");
  CHECK_EQ(r.keepaliveMs, 0);
  CHECK_EQ(r.maxPayload, 0);
  // Host names of exactly the room left fit; one more does not.
  const char* fits = "{\"server\":\"abcdefghijklmno\",\"port\":1}";
  char room[16];
  uint16_t roomPort = 0;
  CHECK(parseRedirect(fits, strlen(fits), room, sizeof room, roomPort));
  CHECK_STR(room, "abcdefghijklmno");
  CHECK(!parseRedirect(fits, strlen(fits), room, sizeof room - 1, roomPort));

  char host[16];
  uint16_t port = 0;
  const char* redirect = "{\"server\":\"10.0.0.5\",\"port\":8081}";
  CHECK(parseRedirect(redirect, strlen(redirect), host, sizeof host, port));
  CHECK_STR(host, "10.0.0.5");
  CHECK_EQ(port, 8081);
  const char* bad[] = {"{\"server\":\"h\",\"port\":0}", "{\"server\":\"h\",\"port\":70000}", "{\"server\":\"\",\"port\":1}",
                       "{\"server\":\"a/b\",\"port\":1}", "{\"port\":1}", "{\"server\":\"averyveryverylonghost\",\"port\":1}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(!parseRedirect(bad[i], strlen(bad[i]), host, sizeof host, port));
  // A refused REDIRECT leaves host and port as they were (the client parses into its target).
  CHECK_STR(host, "10.0.0.5");
  CHECK_EQ(port, 8081);
}

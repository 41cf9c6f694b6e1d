// A small strict JSON scanner over bytes: validates without building anything, finds top-level
// keys, and copies out strings and numbers. Iterative (a 32-bit nesting stack), so hostile input
// costs neither heap nor deep recursion.
#ifndef HYPERTCP_JSON_SCAN_H
#define HYPERTCP_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

namespace hypertcp {
namespace json {

// DuplicateKey: one object holds two keys that decode to the same text (at any depth).
enum class Check : uint8_t { Ok, NotJson, TooDeep, ForbiddenKey, DuplicateKey };

// Raw bytes of one value (strings keep their quotes).
struct Span {
  const char* ptr;
  size_t len;
};

// Called by scanValue for each member of the outermost object, in order, as it is passed (key
// with quotes). A failure later in the text still fails the scan: only trust the members once
// scanValue succeeded.
typedef void (*MemberFn)(const Span& key, const Span& value, void* context);

// Validates exactly one JSON value in text[0..len), surrounding whitespace allowed. Rejects
// invalid UTF-8, nesting deeper than maxDepth containers, the key "__proto__" anywhere, and an
// object that repeats a key (compared once decoded: "a" and "\u0061" are one key), at any depth.
// Keys are found again by short hashes in a stack table (HYPERTCP_JSON_KEY_HASHES, no heap); when
// it is full, enclosing objects give up their room first, then batches of keys are checked in one
// walk back over their object each. Without a table (0, the AVR default) every key walks back
// over its object, time quadratic in its member count (docs/FIRMWARE.md, "Repeated keys").
Check validate(const char* text, size_t len, uint8_t maxDepth = 32);
// The same, reporting the outermost object's members to onMember on the way (see scanValue).
Check validate(const char* text, size_t len, uint8_t maxDepth, MemberFn onMember, void* context);

// The offset of the first byte at or after pos that is not JSON whitespace (len if none).
size_t skipSpace(const char* text, size_t len, size_t pos);

// Scans one value starting at text[pos] (no leading whitespace). Returns the offset after it, or
// 0 on failure with `why` set. One pass, no recursion; onMember sees the outermost object's
// members, so a caller can validate and pick fields in the same pass.
size_t scanValue(const char* text, size_t len, size_t pos, uint8_t maxDepth, Check& why, MemberFn onMember = nullptr,
                 void* context = nullptr);

// Walks the members of one object. Values are scanned with maxDepth counting the object itself.
// With the key table (HYPERTCP_JSON_KEY_HASHES) the first next() scans the whole object once to
// learn where a key first repeats, so the reader's answers stay those of a key-by-key check
// without comparing each key with the earlier ones; without the table each key walks back.
class ObjectReader {
 public:
  enum Step : uint8_t { Member, End, Fail };
  // text[pos] should be '{' (after any whitespace); otherwise the first next() fails.
  ObjectReader(const char* text, size_t len, size_t pos = 0, uint8_t maxDepth = 32);
  // Member: key (with quotes) and value are set. End: the closing brace was read and end() is the
  // offset after it. Fail: why says what was wrong (NotJson when it is no object at all); key is
  // set when the failing member's key was read (its value failed, or it repeats an earlier key).
  Step next(Span& key, Span& value, Check& why);
  size_t end() const { return pos_; }

 private:
  const char* text_;
  size_t len_;
  size_t pos_;
  size_t repeatEnd_;  // the offset after the first repeated key in the object, at any depth (0: none)
  uint8_t maxDepth_;
  uint8_t state_;  // 0 before '{', 1 first member, 2 later members, 3 done
};

// True when the key token (with quotes, no escapes) spells word.
bool keyIs(const Span& key, const char* word);

// Looks `key` up among the members of the top-level object (escapes in keys are not decoded).
// False if text is not an object, the key is absent, or the object is malformed or repeats a key
// (read to its end for that).
bool find(const char* text, size_t len, const char* key, Span& out);

// Typed lookups on the top-level object. getString decodes escapes into out (NUL-terminated) and
// fails when the value is not a string or does not fit.
bool getString(const char* text, size_t len, const char* key, char* out, size_t outSize);
bool getBool(const char* text, size_t len, const char* key, bool& out);
bool getLong(const char* text, size_t len, const char* key, long& out);

// An integer value (no fraction or exponent) that fits a long.
bool toLong(const Span& value, long& out);

// Decodes a string token (with quotes) into out; false if it does not fit.
bool decodeString(const Span& token, char* out, size_t outSize);

}  // namespace json
}  // namespace hypertcp

#endif

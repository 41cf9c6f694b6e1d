#include "JsonScan.h"

#include <string.h>

#include "Config.h"
#include "Flash.h"

namespace hypertcp {
namespace json {
namespace {

const uint8_t* bytes(const char* text) { return reinterpret_cast<const uint8_t*>(text); }

size_t skipWs(const uint8_t* s, size_t n, size_t i) { return skipSpace(reinterpret_cast<const char*>(s), n, i); }

bool isDigit(uint8_t c) { return c >= '0' && c <= '9'; }

#if HYPERTCP_STRICT_JSON
bool isHex(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Length of a valid UTF-8 sequence starting at s[i] (non-ASCII lead), or 0.
size_t utf8Length(const uint8_t* s, size_t n, size_t i) {
  uint8_t c = s[i];
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else return 0;
  if (i + len > n) return 0;
  for (size_t k = 1; k < len; k++, lo = 0x80, hi = 0xBF)  // the second byte's range, then 80..BF
    if (s[i + k] < lo || s[i + k] > hi) return 0;
  return len;
}

// s[i] is '"'. Returns the offset after the closing quote, or 0.
size_t scanString(const uint8_t* s, size_t n, size_t i) {
  i++;
  while (i < n) {
    uint8_t c = s[i];
    if (c == '"') return i + 1;
    if (c < 0x20) return 0;
    if (c == '\\') {
      if (i + 1 >= n) return 0;
      uint8_t e = s[i + 1];
      if (e == 'u') {
        if (i + 6 > n) return 0;
        for (size_t k = 2; k < 6; k++)
          if (!isHex(s[i + k])) return 0;
        i += 6;
      } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
        i += 2;
      } else {
        return 0;
      }
    } else if (c < 0x80) {
      i++;
    } else {
      size_t len = utf8Length(s, n, i);
      if (len == 0) return 0;
      i += len;
    }
  }
  return 0;
}

// One or more digits at s[i]: the offset after them, or 0.
size_t digits(const uint8_t* s, size_t n, size_t i) {
  size_t start = i;
  while (i < n && isDigit(s[i])) i++;
  return i == start ? 0 : i;
}

size_t scanNumber(const uint8_t* s, size_t n, size_t i) {
  if (s[i] == '-') i++;  // s[i] exists: the caller saw it
  size_t end = digits(s, n, i);
  if (end == 0) return 0;
  if (s[i] == '0') end = i + 1;  // no leading zeros: what follows "0" is left to the caller
  i = end;
  if (i < n && s[i] == '.' && (i = digits(s, n, i + 1)) == 0) return 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    i = digits(s, n, i);
  }
  return i;
}

struct Literals {
  char t[5], f[6], n[5];
};
const Literals kLiterals HYPERTCP_FLASH = {"true", "false", "null"};

// s[i] is 't', 'f' or 'n'.
size_t scanLiteral(const uint8_t* s, size_t n, size_t i) {
  const char* word = s[i] == 't' ? kLiterals.t : s[i] == 'f' ? kLiterals.f : kLiterals.n;
  size_t len = s[i] == 'f' ? sizeof kLiterals.f - 1 : sizeof kLiterals.t - 1;  // null is as long as true
  if (i + len > n || !flashEquals(reinterpret_cast<const char*>(s + i), word, len)) return 0;
  return i + len;
}
#else
// Structure only (HYPERTCP_STRICT_JSON 0): strings end at the first unescaped quote and hold no
// control characters; escapes, UTF-8, number and literal spelling are left to the consumer.
size_t scanString(const uint8_t* s, size_t n, size_t i) {
  for (i++; i < n; i++) {
    if (s[i] == '"') return i + 1;
    if (s[i] < 0x20) return 0;
    if (s[i] == '\\') i++;
  }
  return 0;
}

// A run of number characters: a digit, or '-' and a digit, first.
size_t scanNumber(const uint8_t* s, size_t n, size_t i) {
  if (s[i] == '-') i++;
  if (i >= n || !isDigit(s[i])) return 0;
  for (i++; i < n && (isDigit(s[i]) || s[i] == '.' || s[i] == 'e' || s[i] == 'E' || s[i] == '+' || s[i] == '-'); i++) {
  }
  return i;
}

// true, false, null: a run of lowercase letters starting with the right one.
size_t scanLiteral(const uint8_t* s, size_t n, size_t i) {
  for (i++; i < n && s[i] >= 'a' && s[i] <= 'z'; i++) {
  }
  return i;
}
#endif


// A key's text as the broker's (JavaScript) strings hold it: UTF-16 units, escapes and UTF-8
// decoded, so "\u00e9", "\u00E9" and the bytes C3 A9 read the same, and a 4-byte character the
// same as its escaped surrogate pair. Keys compare this way for "__proto__" and for repeats
// (PROTOCOL 5.1). Malformed text (only the structural scanner lets it through) reads as something,
// never past the closing quote.
class KeyText {
 public:
  // The key's text from s[i] to its closing quote s[end].
  KeyText(const uint8_t* s, size_t i, size_t end) : s_(s), i_(i), end_(end), low_(0) {}
  bool done() const { return i_ >= end_ && low_ == 0; }
  uint16_t next() {
    uint16_t unit = low_;
    if (unit != 0) {
      low_ = 0;
      return unit;
    }
    uint8_t c = s_[i_++];
    if (c == '\\' && i_ < end_) {
      uint8_t e = s_[i_++];
      if (e != 'u' || end_ - i_ < 4) return e == 'b' ? 8 : e == 'f' ? 12 : e == 'n' ? 10 : e == 'r' ? 13 : e == 't' ? 9 : e;
      for (uint8_t k = 0; k < 4; k++) {
        uint8_t h = s_[i_++];
        unit = static_cast<uint16_t>(unit << 4 | ((h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10) & 15));
      }
      return unit;
    }
    if (c < 0xC0) return c;
    uint8_t more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    uint32_t cp = c & (0x3F >> more);
    for (; more > 0 && i_ < end_; more--) cp = cp << 6 | (s_[i_++] & 0x3F);
    if (cp < 0x10000) return static_cast<uint16_t>(cp);
    low_ = static_cast<uint16_t>(0xDC00 | (cp & 0x3FF));
    return static_cast<uint16_t>(0xD800 + ((cp - 0x10000) >> 10));
  }

 private:
  const uint8_t* s_;
  size_t i_, end_;
  uint16_t low_;
};

// True when the key token s[start..end) decodes to __proto__, escapes included: "\u005f_proto__"
// is that key to every JSON library, and the broker refuses it too (shared/protocol/json-scan.ts).
bool isForbiddenKey(const uint8_t* s, size_t start, size_t end) {
  static const char kProto[] HYPERTCP_FLASH = "__proto__";
  if (end - start < 11 || (s[start + 1] != '_' && s[start + 1] != '\\')) return false;  // most keys, at once
  KeyText key(s, start + 1, end - 1);
  for (uint8_t k = 0; k < sizeof kProto - 1; k++)
    if (key.done() || key.next() != flashByte(kProto + k)) return false;
  return key.done();
}

// Whether the key tokens s[a..aEnd) and s[b..bEnd) (quotes included) decode to the same text.
bool sameKey(const uint8_t* s, size_t a, size_t aEnd, size_t b, size_t bEnd) {
  // Plain ASCII (most keys) compares as bytes, and the first difference in it decides.
  for (a++, b++; s[a] == s[b] && s[a] != '"' && s[a] != '\\' && s[a] < 0x80; a++, b++) {
  }
  if (s[a] != '\\' && s[a] < 0x80 && s[b] != '\\' && s[b] < 0x80) return s[a] == s[b];  // both may end here
  KeyText x(s, a, aEnd - 1), y(s, b, bEnd - 1);
  while (!x.done() && !y.done())
    if (x.next() != y.next()) return false;
  return x.done() && y.done();
}

// s[end] closes a string: the offset of its opening quote, the nearest quote before it that an
// even run of backslashes precedes (an odd run escapes it).
size_t openingQuote(const uint8_t* s, size_t end) {
  for (size_t i = end;;) {
    while (s[--i] != '"') {
    }
    size_t run = 0;
    while (s[i - 1 - run] == '\\') run++;
    if (run % 2 == 0) return i;
  }
}

// The keys of one object before its key at s[from], nearest first: walks back
// over text already scanned to the object's '{', so it needs no memory, only time.
class EarlierKeys {
 public:
  EarlierKeys(const uint8_t* s, size_t from) : s_(s), i_(from), depth_(0), beforeColon_(false) {}
  // The next key token s[start..end), or false at the object's '{'.
  bool next(size_t& start, size_t& end) {
    for (;;) {
      uint8_t c = s_[--i_];
      if (c == '"') {
        end = i_ + 1;
        i_ = openingQuote(s_, i_);
        bool isKey = depth_ == 0 && beforeColon_;
        beforeColon_ = false;
        if (isKey) {
          start = i_;
          return true;
        }
        continue;
      }
      if (c == '}' || c == ']') {
        depth_++;
      } else if (c == '{' || c == '[') {
        if (depth_ == 0) return false;  // the object's own brace
        depth_--;
      }
      if (c > ' ') beforeColon_ = c == ':';
    }
  }

 private:
  const uint8_t* s_;
  size_t i_;
  uint8_t depth_;     // containers entered on the way back
  bool beforeColon_;  // the byte after this one (whitespace aside) is ':': a key ends here
};

// True when an earlier key of the object that the key token s[key..keyEnd) is in decodes to the
// same text (PROTOCOL 5.1: readers disagree on which of two counts). The price is time: the
// object's bytes before the key.
bool repeatsKey(const uint8_t* s, size_t key, size_t keyEnd) {
  size_t start, end;
  for (EarlierKeys earlier(s, key); earlier.next(start, end);)
    if (sameKey(s, start, end, key, keyEnd)) return true;
  return false;
}

#if HYPERTCP_JSON_KEY_HASHES
// s[i] opens a string that was scanned: the offset after its closing quote.
size_t afterString(const uint8_t* s, size_t i) {
  for (i++; s[i] != '"'; i++)
    if (s[i] == '\\') i++;
  return i + 1;
}

// Where one of `count` keys of an object, from its key at s[from] on (the text up to the last of
// them scanned), decodes like the key token s[key..keyEnd): the offset after it, or 0.
size_t laterKeyLike(const uint8_t* s, size_t from, uint16_t count, size_t key, size_t keyEnd) {
  for (size_t i = from;;) {
    size_t end = afterString(s, i);
    if (sameKey(s, i, end, key, keyEnd)) return end;
    if (--count == 0) return 0;
    uint8_t depth = 0;  // skip the member's value: to the ',' outside it, then the next key's quote
    for (i = end; s[i] != ',' || depth != 0; i++) {
      uint8_t c = s[i];
      if (c == '"') i = afterString(s, i) - 1;
      else if (c == '{' || c == '[') depth++;
      else if (c == '}' || c == ']') depth--;
    }
    while (s[i] != '"') i++;
  }
}

// Tests shrink the hash to force collisions (json_test, the keytable variant).
#ifndef HYPERTCP_JSON_KEY_HASH_MASK
#define HYPERTCP_JSON_KEY_HASH_MASK 0xFFFF
#endif
// Table entries that open an object's run; no key hashes to them.
const uint16_t kObjectMark = 0;  // all the object's keys so far are in the run
const uint16_t kBatchMark = 1;   // only those from an offset on (the two entries below the mark)

uint16_t hashKey(const uint8_t* s, size_t start, size_t end) {
  uint32_t h = 2166136261u;  // FNV-1a over the decoded UTF-16 units
  size_t i = start + 1;
  for (; s[i] != '"' && s[i] != '\\' && s[i] < 0x80; i++) h = (h ^ s[i]) * 16777619u;  // plain ASCII as it is
  for (KeyText rest(s, i, end - 1); !rest.done();) h = (h ^ rest.next()) * 16777619u;
  uint16_t folded = static_cast<uint16_t>((h ^ h >> 16) & HYPERTCP_JSON_KEY_HASH_MASK);
  return folded <= kBatchMark ? static_cast<uint16_t>(folded + 2) : folded;
}

// The hashes of the keys of the open objects, innermost object last, each object's run opened by
// a mark. A new key is compared with its own run, and the text is read only when a hash matches
// (a repeat, or two keys sharing a hash). When the table is full (an object opens with fewer than
// 4 entries left, or a key finds no room), the runs of the enclosing objects are released first:
// each such run's unchecked batch (below) is checked against its object's earlier keys, and the
// run shrinks to an empty batch that its object's next key starts; the runs above move down. If
// that frees nothing, an object whose run fills the table checks that batch of keys against its
// earlier keys in one walk back over its text and starts a new batch; batches not yet checked so
// are checked when their object closes or the scan fails (before any other failure is reported,
// so the answer is the one of a key-by-key check). An object that still finds fewer than 4 entries
// left, and everything inside it, compares each key by walking back over the text. The table's
// size never changes an answer, only the time.
class KeyTable {
 public:
  KeyTable() : top_(0), lastKey_(0), walkDepth_(kNoDepth) {}

  // An object at `depth` opens (and has a member): false when releasing the runs around it found a
  // batch of keys that repeats a key.
  bool open(const uint8_t* s, uint8_t depth) {
    if (depth > walkDepth_) return true;  // inside an object that walks
    // Room for the mark, a batch's offset and a key, so a full run can restart.
    if (kSize - top_ < 4 && !release(s, 0, 4)) return false;
    if (kSize - top_ < 4) {
      walkDepth_ = depth;
      return true;
    }
    hashes_[top_++] = kObjectMark;
    return true;
  }

  // The object at `depth` that open() saw closes: false when a batch of its keys repeats a key.
  bool close(const uint8_t* s, uint8_t depth) {
    if (depth > walkDepth_) return true;
    if (depth == walkDepth_) {
      walkDepth_ = kNoDepth;
      return true;
    }
    uint16_t mark = runStart(top_);
    if (batchRepeat(s, mark, top_, true)) return false;  // its run stays for firstRepeat()
    top_ = runBottom(mark);
    return true;
  }

  // True when the key token s[key..keyEnd) of the object at `depth` repeats one of its keys.
  bool repeats(const uint8_t* s, size_t key, size_t keyEnd, uint8_t depth) {
    lastKey_ = keyEnd;
    if (depth >= walkDepth_) return repeatsKey(s, key, keyEnd);
    uint16_t hash = hashKey(s, key, keyEnd), mark = runStart(top_);
    for (uint16_t i = top_; --i > mark;) {
      if (hashes_[i] == hash) {
        if (repeatsKey(s, key, keyEnd)) return true;  // against all its earlier keys: one walk is enough
        break;
      }
    }
    if (top_ == kSize) {  // the run fills the table: make room around it, else a new batch
      if (!release(s, 1, 1)) return true;
      mark = runStart(top_);
    }
    bool full = top_ == kSize;  // release() left it at least 3 entries, as open() did
    if (full || (top_ == mark + 1 && hashes_[mark] == kBatchMark)) {  // a new batch, or the first key of a released run
      if (static_cast<unsigned long long>(key) >> 32 != 0) return repeatsKey(s, key, keyEnd);  // past 4 GB: walk
      if (full && batchRepeat(s, mark, top_, true)) return true;
      if (hashes_[mark] == kObjectMark) mark = static_cast<uint16_t>(mark + 2);
      hashes_[mark - 2] = static_cast<uint16_t>(key);
      hashes_[mark - 1] = static_cast<uint16_t>(static_cast<uint32_t>(key) >> 16);
      hashes_[mark] = kBatchMark;
      top_ = static_cast<uint16_t>(mark + 1);
    }
    hashes_[top_++] = hash;
    return false;
  }

  // Where a batch of an open object repeats a key of the same object before the batch: the offset
  // after such a key (0: none); with `any` the first found, else the earliest in the text.
  size_t pendingRepeat(const uint8_t* s, bool any) const {
    size_t first = 0;
    for (uint16_t top = top_; top > 0 && !(any && first);) {
      uint16_t mark = runStart(top);
      size_t end = batchRepeat(s, mark, top, any);
      if (end && (!first || end < first)) first = end;
      top = runBottom(mark);
    }
    return first;
  }

  // After a scan that stopped on a repeated key: the offset after the first repeated key in the
  // text, as a key-by-key check finds it. A batch not yet checked may hold one before the key
  // that stopped the scan (checked batches all stay in the table until they pass).
  size_t firstRepeat(const uint8_t* s) const {
    size_t pending = pendingRepeat(s, false);
    return pending ? pending : lastKey_;
  }

 private:
  // The mark of the run that ends below `top`.
  uint16_t runStart(uint16_t top) const {
    while (hashes_[--top] > kBatchMark) {
    }
    return top;
  }
  // The first entry of the run whose mark is at `mark` (a batch's offset sits below its mark).
  uint16_t runBottom(uint16_t mark) const { return static_cast<uint16_t>(hashes_[mark] == kBatchMark ? mark - 2 : mark); }

  // Releases the runs of the enclosing objects (all runs but the top `keep`) that hold enough
  // hashes: an object's whole run from 3 keys on (its keys were all compared already), a batch from
  // kReleaseBatch on (checked now, as its object's close would). Each becomes an empty batch of 3
  // entries, started by its object's next key, and the runs above move down. Nothing changes
  // unless that leaves `room` entries free. False when a checked batch repeats a key.
  bool release(const uint8_t* s, uint8_t keep, uint16_t room) {
    uint16_t marks[kMaxRuns];  // innermost first
    uint8_t runs = 0;
    for (uint16_t top = top_; top > 0 && runs < kMaxRuns; top = runBottom(marks[runs++])) marks[runs] = runStart(top);
    uint16_t freed = 0;
    for (uint8_t r = keep; r < runs; r++) {
      uint16_t end = r == 0 ? top_ : runBottom(marks[r - 1]), size = static_cast<uint16_t>(end - runBottom(marks[r]));
      if (releases(marks[r], end)) freed = static_cast<uint16_t>(freed + size - 3);
    }
    if (freed == 0 || kSize - (top_ - freed) < room) return true;
    for (uint8_t r = keep; r < runs; r++) {
      uint16_t end = r == 0 ? top_ : runBottom(marks[r - 1]);
      if (hashes_[marks[r]] == kBatchMark && releases(marks[r], end) && batchRepeat(s, marks[r], end, true)) return false;
    }
    uint16_t to = runBottom(marks[runs - 1]);  // rebuilt from the outermost run up
    for (uint8_t r = runs; r-- > 0;) {
      uint16_t from = runBottom(marks[r]), end = r == 0 ? top_ : runBottom(marks[r - 1]);
      if (r >= keep && releases(marks[r], end)) {
        hashes_[to] = hashes_[to + 1] = 0;  // the batch's offset, set by its first key
        hashes_[to + 2] = kBatchMark;
        to = static_cast<uint16_t>(to + 3);
      } else {
        memmove(hashes_ + to, hashes_ + from, (end - from) * sizeof hashes_[0]);
        to = static_cast<uint16_t>(to + end - from);
      }
    }
    top_ = to;
    return true;
  }
  // Whether the run with its mark at `mark`, ending below `end`, is worth releasing.
  bool releases(uint16_t mark, uint16_t end) const {
    return end - mark - 1 >= (hashes_[mark] == kObjectMark ? 3 : kReleaseBatch);
  }

  // Where the batch of the run from `mark` to `top` holds a key that one before the batch repeats:
  // the offset after it (0: none); with `any` the first found, else the earliest. Each earlier
  // key's hash is looked up in the batch, and a match read in the text (the batch's own keys all
  // differ: each was compared with them when it came).
  size_t batchRepeat(const uint8_t* s, uint16_t mark, uint16_t top, bool any) const {
    if (hashes_[mark] != kBatchMark || top - mark < 2) return 0;
    size_t from = static_cast<size_t>(hashes_[mark - 2] | static_cast<uint32_t>(hashes_[mark - 1]) << 16);
    uint16_t count = static_cast<uint16_t>(top - mark - 1);
    size_t start, end, first = 0;
    for (EarlierKeys earlier(s, from); earlier.next(start, end);) {
      uint16_t hash = hashKey(s, start, end);
      for (uint16_t i = mark + 1; i < top; i++) {
        if (hashes_[i] == hash) {
          size_t later = laterKeyLike(s, from, count, start, end);
          if (later && (!first || later < first)) first = later;
          if (later && any) return first;
          break;
        }
      }
    }
    return first;
  }

  static const uint16_t kSize = HYPERTCP_JSON_KEY_HASHES;
  // A released batch costs one more walk back over its object when it is checked, so a batch is
  // released again only once it holds this many keys: the walks stay one per that many keys.
  static const uint16_t kReleaseBatch = kSize / 8 > 3 ? kSize / 8 : 3;
  static const uint8_t kMaxRuns = 32;  // objects open at once: the scanner's depth limit
  static const uint8_t kNoDepth = 255;
  uint16_t hashes_[kSize];
  uint16_t top_;
  size_t lastKey_;     // the offset after the last key repeats() saw
  uint8_t walkDepth_;  // the outermost object that walks (kNoDepth: none)
};
#else
// HYPERTCP_JSON_KEY_HASHES 0: no table and none of its code; every key is compared with its
// object's earlier keys by walking back over the text.
class KeyTable {
 public:
  bool open(const uint8_t*, uint8_t) { return true; }
  bool close(const uint8_t*, uint8_t) { return true; }
  bool repeats(const uint8_t* s, size_t key, size_t keyEnd, uint8_t) { return repeatsKey(s, key, keyEnd); }
  size_t pendingRepeat(const uint8_t*, bool) const { return 0; }
};
#endif

// Scans `"key" ws : ws` at s[i]. Returns the offset of the value, or 0; end = after the key (0 when
// it is no string). Repeats are looked up in keys (the key's object at `depth`); without it (the
// object reader) the key repeats when it ends at repeatEnd, or, with no table at all, when walking
// the object's text finds it.
size_t scanKey(const uint8_t* s, size_t n, size_t i, Check& why, size_t& end, KeyTable* keys, uint8_t depth,
               size_t repeatEnd = 0) {
  end = 0;
  if (i >= n || s[i] != '"') return 0;
  end = scanString(s, n, i);
  if (end == 0) return 0;
  if (isForbiddenKey(s, i, end)) {
    why = Check::ForbiddenKey;
    return 0;
  }
#if HYPERTCP_JSON_KEY_HASHES
  bool repeated = keys ? keys->repeats(s, i, end, depth) : end == repeatEnd;
#else
  // Without a table both ways are the walk: one call of it, which AVR's compiler then inlines
  // instead of keeping a copy (100 B).
  (void)keys, (void)depth, (void)repeatEnd;
  bool repeated = repeatsKey(s, i, end);
#endif
  if (repeated) {
    why = Check::DuplicateKey;
    return 0;
  }
  i = skipWs(s, n, end);
  if (i >= n || s[i] != ':') return 0;
  return skipWs(s, n, i + 1);
}

// find(): keeps the first member named `name` of the outermost object.
struct Lookup {
  const char* name;
  Span found;
};
void keepMember(const Span& key, const Span& value, void* context) {
  Lookup& lookup = *static_cast<Lookup*>(context);
  if (lookup.found.ptr == nullptr && keyIs(key, lookup.name)) lookup.found = value;
}

// scanValue's pass; keys ends holding what a failure leaves unchecked.
size_t scan(const char* text, size_t n, size_t i, uint8_t maxDepth, Check& why, MemberFn onMember, void* context,
            KeyTable& keys) {
  const uint8_t* s = bytes(text);
  uint32_t objectBits = 0;  // a stack of container kinds, innermost in bit 0 (1: object)
  uint8_t depth = 0;
  bool wantKey = false;
  Span key = {text, 0}, value = {text, 0};  // the outermost object's current member
  why = Check::NotJson;
  for (;;) {
    if (wantKey) {
      size_t start = i, keyEnd;
      if ((i = scanKey(s, n, i, why, keyEnd, &keys, depth)) == 0) return 0;
      if (depth == 1) {
        key.ptr = text + start;
        key.len = keyEnd - start;
        value.ptr = text + i;
      }
    }
    // Here a value starts at s[i].
    if (i >= n) return 0;
    uint8_t c = s[i];
    if (c == '{' || c == '[') {
      if (depth >= maxDepth || depth >= 32) {
        why = Check::TooDeep;
        return 0;
      }
      bool isObject = c == '{';
      objectBits = objectBits << 1 | isObject;  // push
      depth++;
      i = skipWs(s, n, i + 1);
      if (i < n && s[i] == (isObject ? '}' : ']')) {
        depth--;
        objectBits >>= 1;  // pop
        i++;
      } else {
        if (isObject && !keys.open(s, depth)) {
          why = Check::DuplicateKey;
          return 0;
        }
        wantKey = isObject;
        continue;
      }
    } else if (c == '"') {
      i = scanString(s, n, i);
    } else if (c == 't' || c == 'f' || c == 'n') {
      i = scanLiteral(s, n, i);
    } else {
      i = scanNumber(s, n, i);
    }
    if (i == 0) return 0;
    // After a value: close containers or move to the next element.
    for (;;) {
      if (depth == 0) {
        why = Check::Ok;
        return i;
      }
      bool inObject = objectBits & 1;
      if (depth == 1 && inObject && onMember) {
        value.len = i - static_cast<size_t>(value.ptr - text);
        onMember(key, value, context);
      }
      i = skipWs(s, n, i);
      if (i >= n) return 0;
      if (s[i] == ',') {
        i = skipWs(s, n, i + 1);
        wantKey = inObject;
        break;
      }
      if (s[i] != (inObject ? '}' : ']')) return 0;
      if (inObject && !keys.close(s, depth)) {
        why = Check::DuplicateKey;
        return 0;
      }
      depth--;
      objectBits >>= 1;  // pop
      i++;
    }
  }
}

#if HYPERTCP_JSON_KEY_HASHES
// Where a key-by-key check of the value at text[pos] first finds a repeated key: the offset after
// that key, at any depth (0: none before the value ends or fails otherwise). One scan, so the
// object reader needs no walk back per key.
size_t firstRepeatEnd(const char* text, size_t len, size_t pos, uint8_t maxDepth) {
  KeyTable keys;
  Check why;
  if (scan(text, len, pos, maxDepth, why, nullptr, nullptr, keys) != 0) return 0;
  return why == Check::DuplicateKey ? keys.firstRepeat(bytes(text)) : keys.pendingRepeat(bytes(text), false);
}
#endif

}  // namespace

size_t scanValue(const char* text, size_t n, size_t i, uint8_t maxDepth, Check& why, MemberFn onMember,
                 void* context) {
  KeyTable keys;
  size_t end = scan(text, n, i, maxDepth, why, onMember, context, keys);
  // A batch of keys not yet checked may repeat a key before this failure: a key-by-key check
  // would have stopped there.
  if (end == 0 && why != Check::DuplicateKey && keys.pendingRepeat(bytes(text), true)) why = Check::DuplicateKey;
  return end;
}

size_t skipSpace(const char* text, size_t len, size_t pos) {
  while (pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) pos++;
  return pos;
}

Check validate(const char* text, size_t len, uint8_t maxDepth) { return validate(text, len, maxDepth, nullptr, nullptr); }

Check validate(const char* text, size_t len, uint8_t maxDepth, MemberFn onMember, void* context) {
  Check why;
  size_t end = scanValue(text, len, skipSpace(text, len, 0), maxDepth, why, onMember, context);
  if (end == 0) return why;
  return skipSpace(text, len, end) == len ? Check::Ok : Check::NotJson;
}

ObjectReader::ObjectReader(const char* text, size_t len, size_t pos, uint8_t maxDepth)
    : text_(text), len_(len), pos_(pos), repeatEnd_(0), maxDepth_(maxDepth), state_(0) {}


ObjectReader::Step ObjectReader::next(Span& key, Span& value, Check& why) {
  const uint8_t* s = bytes(text_);
  why = Check::NotJson;
  if (state_ == 3) return Fail;
  size_t i = skipWs(s, len_, pos_);
  if (state_ == 0) {
    if (i >= len_ || s[i] != '{' || maxDepth_ == 0) {
      state_ = 3;
      return Fail;
    }
#if HYPERTCP_JSON_KEY_HASHES
    repeatEnd_ = firstRepeatEnd(text_, len_, i, maxDepth_);
#endif
    i = skipWs(s, len_, i + 1);
    if (i < len_ && s[i] == '}') {
      pos_ = i + 1;
      state_ = 3;
      why = Check::Ok;
      return End;
    }
  } else {
    if (i < len_ && s[i] == '}') {
      pos_ = i + 1;
      state_ = 3;
      why = Check::Ok;
      return End;
    }
    if (i >= len_ || s[i] != ',') {
      state_ = 3;
      return Fail;
    }
    i = skipWs(s, len_, i + 1);
  }
  state_ = 3;  // until this member is complete
  size_t keyEnd;
  size_t start = scanKey(s, len_, i, why, keyEnd, nullptr, 0, repeatEnd_);
  if (start != 0 || why == Check::DuplicateKey) {
    key.ptr = text_ + i;
    key.len = keyEnd - i;
  }
  if (start == 0) return Fail;
  size_t end = scanValue(text_, len_, start, static_cast<uint8_t>(maxDepth_ - 1), why);
  if (end == 0) return Fail;
  value.ptr = text_ + start;
  value.len = end - start;
  pos_ = end;
  state_ = 2;
  return Member;
}

bool keyIs(const Span& key, const char* word) {
  size_t n = strlen(word);
  return key.len == n + 2 && memcmp(key.ptr + 1, word, n) == 0;
}

bool find(const char* text, size_t len, const char* key, Span& out) {
  size_t start = skipSpace(text, len, 0);
  if (start >= len || text[start] != '{') return false;
  // Read to the end: a later member could repeat the key and mean something else to another reader.
  Lookup lookup = {key, {nullptr, 0}};
  Check why;
  if (scanValue(text, len, start, 32, why, keepMember, &lookup) == 0 || lookup.found.ptr == nullptr) return false;
  out = lookup.found;
  return true;
}

}  // namespace json
}  // namespace hypertcp

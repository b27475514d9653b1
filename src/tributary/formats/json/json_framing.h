// Record framing for JSON Lines and JSON array input: finds where each record
// starts and ends in a byte stream without decoding it.
//
// RecordFramer pulls blocks (about 1 MiB) from an InputStream into one buffer
// and hands out record spans that point into it. A record split across blocks
// is carried over to the next read, so memory is bounded by the block size
// plus the largest record, which in turn is bounded by max_record_bytes:
// a longer record is an error, never an unbounded allocation.
//
// Framing rules:
//   kLines: one record per '\n'-terminated line. A trailing '\r' is dropped,
//     blank and whitespace-only lines are skipped (but counted), the last
//     line may lack its '\n'.
//   kArray: the input is one top-level JSON array; each element is a record.
//     Element boundaries come from a quote-, escape- and depth-aware scan, so
//     strings holding brackets, commas or escaped quotes are fine, and so is
//     whitespace anywhere (pretty-printed files). A single top-level object
//     is accepted as a file holding one record. Broken structure (no ']' at
//     the end, text after it, a top level that is neither array nor object)
//     is an error naming the line.
//   shell_syntax (kArray): elements are mongo shell syntax (mongo_shell.h),
//     so single-quoted strings and /regular expressions/ (where a value may
//     start) are skipped like double-quoted strings, escapes included; both
//     end at a line end, as the shell allows no line breaks in them.
// Both skip a UTF-8 byte order mark at the start of the input. Records and
// lines are numbered from 1.
//
// Every span handed out has at least kRecordPadding readable bytes after its
// end, so simdjson can parse it in place, and the byte right after it reads
// as a space until the next call: simdjson peeks at that byte on malformed
// records, and what it sees must not depend on what followed the record or
// on where a read happened to end.
//
// Thread-safety: a framer is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tributary/core/status.h"
#include "tributary/io/stream.h"

namespace tributary::json_internal {

// Readable bytes guaranteed after every record span (simdjson's
// SIMDJSON_PADDING; checked by a static_assert where simdjson is included).
inline constexpr size_t kRecordPadding = 64;

inline constexpr size_t kDefaultBlockBytes = size_t{1} << 20;

enum class Framing : uint8_t { kLines, kArray };

struct RecordSpan {
  std::string_view text;  // the record's exact bytes (line terminator excluded)
  int64_t line = 0;       // 1-based line the record starts on
};

// "64 MiB", "1 KiB", "1000 bytes": a byte limit for messages.
std::string FormatByteLimit(size_t bytes);

class RecordFramer {
 public:
  // in must outlive the framer. block_bytes > 0 is how much is requested from
  // in per read (tests use tiny blocks to split records everywhere).
  RecordFramer(Framing framing, InputStream* in, size_t max_record_bytes,
               size_t block_bytes = kDefaultBlockBytes, bool shell_syntax = false);
  RecordFramer(const RecordFramer&) = delete;
  RecordFramer& operator=(const RecordFramer&) = delete;

  // On OK, either *record is the next record and *done is false, or *done is
  // true at the end of the input. record->text stays valid until the next
  // call. A non-OK Status means the input cannot be framed further; every
  // later call returns the same Status. An error found right after a
  // complete record (an array lacking its ']') is reported by the call after
  // the one that returns that record.
  Status Next(RecordSpan* record, bool* done);

  // Bytes currently held, for tests of the memory bound.
  size_t buffer_capacity() const { return capacity_; }

 private:
  enum class State : uint8_t {
    kStart,          // before the top-level value (array mode)
    kBeforeFirst,    // after '[', before the first element or ']'
    kBeforeNext,     // after ',', before an element
    kInElement,      // scanning an element
    kAfterArray,     // after the closing ']'
    kAfterObject,    // after a single top-level object
    kMissingClose,   // returned an element that ended at EOF; report no ']'
    kDone,
  };

  Status NextLine(RecordSpan* record, bool* done);
  // Puts a space after the record (remembering the byte it replaces).
  void MarkEnd(const RecordSpan& record);
  Status NextElement(RecordSpan* record, bool* done);
  // Moves the bytes from keep_ on to the buffer start (adjusting every
  // offset) and reads one more block after them. Sets eof_ at end of input.
  Status Fill();
  // Reads until at least n bytes lie after pos_ or the input ends.
  Status FillAtLeast(size_t n);
  // Skips whitespace from pos_, counting lines. Returns false when it reached
  // the end of the buffered bytes.
  bool SkipWhitespace();
  Status Fail(Status st);
  Status TooLong(int64_t line) const;
  // Line of the last non-whitespace byte of text, which starts on `line`.
  static int64_t LastContentLine(std::string_view text, int64_t line);

  const Framing framing_;
  const bool shell_syntax_;
  InputStream* const in_;
  const size_t max_record_bytes_;
  const size_t block_bytes_;

  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;  // allocated bytes, padding included
  size_t end_ = 0;       // bytes [0, end_) hold input
  bool eof_ = false;
  bool started_ = false;  // BOM checked

  // Offsets into buf_; Fill() shifts them all.
  size_t pos_ = 0;    // next unconsumed byte
  size_t scan_ = 0;   // where scanning resumes (>= pos_)
  size_t keep_ = 0;   // first byte Fill() must keep
  int64_t line_ = 1;  // line of the byte at scan_ (kArray) or pos_ (kLines)

  // kArray scanner state.
  State state_ = State::kStart;
  bool single_object_ = false;
  bool in_string_ = false;
  bool escaped_ = false;
  char quote_ = '"';  // what ends the string in_string_ is in ('"', '\'' or '/')
  int64_t depth_ = 0;
  size_t elem_start_ = 0;
  int64_t elem_line_ = 0;
  int64_t content_line_ = 1;  // line of the last structural byte outside elements

  // The byte MarkEnd replaced, restored by the next call.
  static constexpr size_t kNoMark = ~size_t{0};
  size_t mark_pos_ = kNoMark;
  char mark_saved_ = 0;

  Status error_;
};

}  // namespace tributary::json_internal

#include "tributary/formats/json/mongo_shell.h"

#include <charconv>
#include <cstring>
#include <vector>

#include "tributary/core/json.h"

namespace tributary::json_internal {
namespace {

bool IsIdentStart(char c) {
  return c == '$' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendBase64(std::string_view bytes, std::string* out) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                 (uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) | static_cast<unsigned char>(bytes[i + 2]);
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back(kAlphabet[v & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (i + 1 < bytes.size()) v |= uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out->push_back('=');
  }
}

// True when t is a (possibly negative) whole number in [lo, hi].
bool WholeNumberIn(std::string_view t, int64_t lo, int64_t hi) {
  int64_t v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  return r.ec == std::errc() && r.ptr == t.data() + t.size() && v >= lo && v <= hi;
}

class Translator {
 public:
  Translator(std::string_view s, int64_t first_line, std::string* out) : s_(s), first_line_(first_line), out_(out) {}

  Status Run() {
    out_->clear();
    out_->reserve(s_.size() + 64);
    SkipSpace();
    TRIB_RETURN_NOT_OK(Value(0));
    SkipSpace();
    if (p_ != s_.size()) return Error("unexpected text after the document");
    return Status::OK();
  }

 private:
  // A constructor argument: its strict JSON text, and for strings the
  // decoded value.
  struct Arg {
    std::string json;
    bool is_string = false;
    bool is_number = false;
    std::string str;  // decoded string, or the number's text
  };

  Status Error(const std::string& what) const {
    size_t at = std::min(p_, s_.size());
    int64_t line = first_line_;
    size_t line_start = 0;
    for (size_t i = 0; i < at; ++i) {
      if (s_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    std::string msg = "Invalid JSON: " + what + " at line " + std::to_string(line) + ", column " +
                      std::to_string(at - line_start + 1);
    return Status::InvalidData(msg);
  }

  bool AtEnd() const { return p_ >= s_.size(); }
  char Peek() const { return p_ < s_.size() ? s_[p_] : '\0'; }

  void SkipSpace() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) ++p_;
  }

  Status CheckOutput() const {
    if (out_->size() > kMaxShellOutputBytes) {
      return Error("document grows past " + std::to_string(kMaxShellOutputBytes >> 20) +
                   " MiB when its shell syntax is written out");
    }
    return Status::OK();
  }

  Status Value(int depth) {
    if (depth > kMaxShellDepth) return Error("nesting deeper than " + std::to_string(kMaxShellDepth) + " levels");
    if (AtEnd()) return Error("unexpected end of the document, expecting a value");
    TRIB_RETURN_NOT_OK(CheckOutput());
    const char c = Peek();
    if (c == '{') return Object(depth);
    if (c == '[') return Array(depth);
    if (c == '"') return DoubleQuoted();
    if (c == '\'') return SingleQuoted();
    if (c == '-' || c == '+' || c == '.' || IsDigit(c)) return Number();
    if (c == '/') return RegexLiteral();
    if (IsIdentStart(c)) return Identifier(depth);
    return Error(std::string("unexpected character '") + (static_cast<unsigned char>(c) < 0x20 ? '?' : c) +
                 "', expecting a value");
  }

  Status Object(int depth) {
    ++p_;  // '{'
    out_->push_back('{');
    SkipSpace();
    if (Peek() == '}') {
      ++p_;
      out_->push_back('}');
      return Status::OK();
    }
    for (;;) {
      SkipSpace();
      const char c = Peek();
      if (c == '"') {
        TRIB_RETURN_NOT_OK(DoubleQuoted());
      } else if (c == '\'') {
        TRIB_RETURN_NOT_OK(SingleQuoted());
      } else if (IsIdentStart(c)) {
        size_t start = p_;
        while (p_ < s_.size() && IsIdentChar(s_[p_])) ++p_;
        out_->push_back('"');
        out_->append(s_.substr(start, p_ - start));
        out_->push_back('"');
      } else {
        return Error("expecting an object key");
      }
      SkipSpace();
      if (Peek() != ':') return Error("expecting ':' after an object key");
      ++p_;
      out_->push_back(':');
      SkipSpace();
      TRIB_RETURN_NOT_OK(Value(depth + 1));
      SkipSpace();
      if (Peek() == ',') {
        ++p_;
        out_->push_back(',');
        continue;
      }
      if (Peek() == '}') {
        ++p_;
        out_->push_back('}');
        return Status::OK();
      }
      return Error("expecting ',' or '}' after an object value");
    }
  }

  Status Array(int depth) {
    ++p_;  // '['
    out_->push_back('[');
    SkipSpace();
    if (Peek() == ']') {
      ++p_;
      out_->push_back(']');
      return Status::OK();
    }
    for (;;) {
      SkipSpace();
      TRIB_RETURN_NOT_OK(Value(depth + 1));
      SkipSpace();
      if (Peek() == ',') {
        ++p_;
        out_->push_back(',');
        continue;
      }
      if (Peek() == ']') {
        ++p_;
        out_->push_back(']');
        return Status::OK();
      }
      return Error("expecting ',' or ']' after an array element");
    }
  }

  // Checks a backslash escape at p_ (on the backslash) of a quoted string;
  // leaves p_ after it. quote is the string's delimiter.
  Status Escape(char quote, bool* single_quote) {
    *single_quote = false;
    if (p_ + 1 >= s_.size()) return Error("unterminated string");
    const char e = s_[p_ + 1];
    switch (e) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        p_ += 2;
        return Status::OK();
      case 'u':
        for (size_t k = 2; k < 6; ++k) {
          if (p_ + k >= s_.size() || HexDigit(s_[p_ + k]) < 0) return Error("bad \\u escape in a string");
        }
        p_ += 6;
        return Status::OK();
      default:
        if (e == '\'' && quote == '\'') {
          *single_quote = true;
          p_ += 2;
          return Status::OK();
        }
        return Error(std::string("bad escape '\\") + (static_cast<unsigned char>(e) < 0x20 ? '?' : e) +
                     "' in a string");
    }
  }

  Status DoubleQuoted() {
    const size_t start = p_++;
    for (;;) {
      if (AtEnd()) return Error("unterminated string");
      const char c = s_[p_];
      if (c == '"') {
        ++p_;
        out_->append(s_.substr(start, p_ - start));
        return Status::OK();
      }
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in a string");
      if (c == '\\') {
        bool unused;
        TRIB_RETURN_NOT_OK(Escape('"', &unused));
      } else {
        ++p_;
      }
    }
  }

  Status SingleQuoted() {
    ++p_;
    out_->push_back('"');
    for (;;) {
      if (AtEnd()) return Error("unterminated string");
      const char c = s_[p_];
      if (c == '\'') {
        ++p_;
        out_->push_back('"');
        return Status::OK();
      }
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in a string");
      if (c == '"') {
        out_->append("\\\"");
        ++p_;
      } else if (c == '\\') {
        const size_t at = p_;
        bool single_quote = false;
        TRIB_RETURN_NOT_OK(Escape('\'', &single_quote));
        if (single_quote) out_->push_back('\''); else out_->append(s_.substr(at, p_ - at));
      } else {
        out_->push_back(c);
        ++p_;
      }
    }
  }

  Status Number() {
    bool negative = false;
    if (Peek() == '+' || Peek() == '-') {
      negative = Peek() == '-';
      ++p_;
    }
    if (Peek() == 'I') {
      size_t start = p_;
      while (p_ < s_.size() && IsIdentChar(s_[p_])) ++p_;
      if (s_.substr(start, p_ - start) != "Infinity") {
        p_ = start;
        return Error("bad number");
      }
      out_->append(negative ? "{\"$numberDouble\":\"-Infinity\"}" : "{\"$numberDouble\":\"Infinity\"}");
      return Status::OK();
    }
    if (Peek() == '0' && p_ + 1 < s_.size() && (s_[p_ + 1] == 'x' || s_[p_ + 1] == 'X')) {
      p_ += 2;
      uint64_t v = 0;
      size_t digits = 0;
      while (p_ < s_.size() && HexDigit(s_[p_]) >= 0) {
        if (v > (UINT64_MAX >> 4)) return Error("hex number out of the 64-bit range");
        v = (v << 4) | static_cast<uint64_t>(HexDigit(s_[p_]));
        ++p_;
        ++digits;
      }
      if (digits == 0) return Error("bad hex number");
      if (v > (negative ? uint64_t{1} << 63 : uint64_t{INT64_MAX})) return Error("hex number out of the 64-bit range");
      if (negative && v != 0) out_->push_back('-');
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof(buf), v);
      out_->append(buf, static_cast<size_t>(r.ptr - buf));
      if (p_ < s_.size() && IsIdentChar(s_[p_])) return Error("bad hex number");
      return Status::OK();
    }
    if (negative) out_->push_back('-');
    if (Peek() == '.') {
      out_->push_back('0');  // .5 -> 0.5
    } else if (Peek() == '0') {
      out_->push_back('0');
      ++p_;
    } else if (IsDigit(Peek())) {
      while (p_ < s_.size() && IsDigit(s_[p_])) out_->push_back(s_[p_++]);
    } else {
      return Error("bad number");
    }
    if (Peek() == '.') {
      out_->push_back('.');
      ++p_;
      if (!IsDigit(Peek())) return Error("expecting a digit after the decimal point");
      while (p_ < s_.size() && IsDigit(s_[p_])) out_->push_back(s_[p_++]);
    }
    if (Peek() == 'e' || Peek() == 'E') {
      out_->push_back('e');
      ++p_;
      if (Peek() == '+' || Peek() == '-') out_->push_back(s_[p_++]);
      if (!IsDigit(Peek())) return Error("expecting a digit in the exponent");
      while (p_ < s_.size() && IsDigit(s_[p_])) out_->push_back(s_[p_++]);
    }
    if (p_ < s_.size() && (IsIdentChar(s_[p_]) || s_[p_] == '.')) return Error("bad number");
    return Status::OK();
  }

  Status RegexLiteral() {
    ++p_;  // '/'
    std::string pattern;
    for (;;) {
      if (AtEnd()) return Error("unterminated regular expression");
      const char c = s_[p_];
      if (c == '/') break;
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in a regular expression");
      if (c == '\\') {
        if (p_ + 1 >= s_.size()) return Error("unterminated regular expression");
        // "\/" is a slash; every other escape is part of the pattern.
        if (s_[p_ + 1] != '/') pattern.push_back('\\');
        pattern.push_back(s_[p_ + 1]);
        p_ += 2;
        continue;
      }
      pattern.push_back(c);
      ++p_;
    }
    ++p_;  // closing '/'
    size_t start = p_;
    while (p_ < s_.size() && std::strchr("gimsux", s_[p_]) != nullptr && s_[p_] != '\0') ++p_;
    if (p_ < s_.size() && IsIdentChar(s_[p_])) return Error("bad regular expression option");
    AppendRegex(pattern, s_.substr(start, p_ - start));
    return Status::OK();
  }

  void AppendRegex(std::string_view pattern, std::string_view options) {
    out_->append("{\"$regularExpression\":{\"pattern\":");
    AppendJsonString(pattern, out_);
    out_->append(",\"options\":");
    AppendJsonString(options, out_);
    out_->append("}}");
  }

  // Reads "(" args ")" after a constructor name; at most max_args.
  Status Args(int depth, const std::string& name, size_t max_args, std::vector<Arg>* args) {
    // Each argument is copied out once per enclosing constructor: bound the
    // constructor nesting so that copying stays linear.
    if (ctor_depth_ >= kMaxCtorDepth) return Error("constructors nested more than 4 deep");
    ++ctor_depth_;
    Status st = ArgList(depth, name, max_args, args);
    --ctor_depth_;
    return st;
  }

  Status ArgList(int depth, const std::string& name, size_t max_args, std::vector<Arg>* args) {
    SkipSpace();
    if (Peek() != '(') return Error("expecting '(' after " + name);
    ++p_;
    SkipSpace();
    if (Peek() == ')') {
      ++p_;
      return Status::OK();
    }
    for (;;) {
      if (args->size() == max_args) {
        return Error(name + " takes at most " + std::to_string(max_args) + " argument" + (max_args == 1 ? "" : "s"));
      }
      SkipSpace();
      const size_t mark = out_->size();
      const char first = Peek();
      TRIB_RETURN_NOT_OK(Value(depth + 1));
      Arg& a = args->emplace_back();
      a.json.assign(*out_, mark, std::string::npos);
      out_->resize(mark);
      if (first == '"' || first == '\'') {
        auto v = JsonValue::Parse(a.json);
        if (!v.ok() || !v->is_string()) return Error("bad string argument to " + name);
        a.is_string = true;
        a.str = v->str();
      } else if (!a.json.empty() && (a.json[0] == '-' || IsDigit(a.json[0]))) {
        a.is_number = true;
        a.str = a.json;
      }
      SkipSpace();
      if (Peek() == ',') {
        ++p_;
        continue;
      }
      if (Peek() == ')') {
        ++p_;
        return Status::OK();
      }
      return Error("expecting ',' or ')' in the arguments of " + name);
    }
  }

  Status Identifier(int depth) {
    const size_t start = p_;
    while (p_ < s_.size() && IsIdentChar(s_[p_])) ++p_;
    std::string name(s_.substr(start, p_ - start));
    if (name == "true" || name == "false" || name == "null") {
      out_->append(name);
      return Status::OK();
    }
    if (name == "undefined") {
      out_->append("{\"$undefined\":true}");
      return Status::OK();
    }
    if (name == "NaN" || name == "Infinity") {
      out_->append("{\"$numberDouble\":\"" + name + "\"}");
      return Status::OK();
    }
    if (name == "MinKey" || name == "MaxKey") {
      size_t after = p_;
      SkipSpace();
      if (Peek() == '(') {
        ++p_;
        SkipSpace();
        if (Peek() != ')') return Error(name + " takes no arguments");
        ++p_;
      } else {
        p_ = after;
      }
      out_->append(name == "MinKey" ? "{\"$minKey\":1}" : "{\"$maxKey\":1}");
      return Status::OK();
    }
    if (name == "new") {
      SkipSpace();
      if (!IsIdentStart(Peek())) return Error("expecting a constructor after 'new'");
      const size_t ctor = p_;
      while (p_ < s_.size() && IsIdentChar(s_[p_])) ++p_;
      name.assign(s_.substr(ctor, p_ - ctor));
      const bool known = name == "Date" || name == "ISODate" || name == "ObjectId" || name == "NumberInt" ||
                         name == "NumberLong" || name == "NumberDecimal" || name == "Timestamp" ||
                         name == "BinData" || name == "HexData" || name == "Boolean" || name == "RegExp" ||
                         name == "DBRef" || name == "Dbref" || name == "DBPointer" || name == "Dbpointer";
      if (!known) {
        p_ = ctor;
        return Error("unknown constructor '" + name + "'");
      }
    }
    return Constructor(depth, start, name);
  }

  Status Constructor(int depth, size_t start, const std::string& name) {
    std::vector<Arg> args;
    auto fail_at_start = [&](const std::string& what) {
      p_ = start;
      return Error(what);
    };
    if (name == "ObjectId") {
      TRIB_RETURN_NOT_OK(Args(depth, name, 1, &args));
      if (args.size() != 1 || !args[0].is_string || args[0].str.size() != 24 ||
          args[0].str.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
        return fail_at_start("ObjectId takes one string of 24 hex digits");
      }
      out_->append("{\"$oid\":" + args[0].json + "}");
    } else if (name == "ISODate" || name == "Date") {
      TRIB_RETURN_NOT_OK(Args(depth, name, 1, &args));
      if (args.size() == 1 && args[0].is_string) {
        out_->append("{\"$date\":" + args[0].json + "}");
      } else if (args.size() == 1 && args[0].is_number && WholeNumberIn(args[0].str, INT64_MIN, INT64_MAX)) {
        out_->append("{\"$date\":{\"$numberLong\":\"" + args[0].str + "\"}}");
      } else {
        return fail_at_start(name + " takes one date string or whole number of milliseconds");
      }
    } else if (name == "NumberInt" || name == "NumberLong") {
      TRIB_RETURN_NOT_OK(Args(depth, name, 1, &args));
      const bool is_int = name == "NumberInt";
      std::string text = args.size() == 1 && (args[0].is_string || args[0].is_number) ? args[0].str : "";
      if (!WholeNumberIn(text, is_int ? INT32_MIN : INT64_MIN, is_int ? INT32_MAX : INT64_MAX)) {
        return fail_at_start(name + " takes one whole number within " + (is_int ? "32" : "64") + " bits");
      }
      out_->append(std::string("{\"$number") + (is_int ? "Int" : "Long") + "\":\"" + text + "\"}");
    } else if (name == "NumberDecimal") {
      TRIB_RETURN_NOT_OK(Args(depth, name, 1, &args));
      if (args.size() != 1 || !(args[0].is_string || args[0].is_number)) {
        return fail_at_start("NumberDecimal takes one number or string");
      }
      out_->append("{\"$numberDecimal\":");
      AppendJsonString(args[0].str, out_);
      out_->push_back('}');
    } else if (name == "Timestamp") {
      TRIB_RETURN_NOT_OK(Args(depth, name, 2, &args));
      if (args.size() != 2 || !args[0].is_number || !args[1].is_number ||
          !WholeNumberIn(args[0].str, 0, UINT32_MAX) || !WholeNumberIn(args[1].str, 0, UINT32_MAX)) {
        return fail_at_start("Timestamp takes two whole numbers within 32 bits (seconds, increment)");
      }
      out_->append("{\"$timestamp\":{\"t\":" + args[0].str + ",\"i\":" + args[1].str + "}}");
    } else if (name == "BinData" || name == "HexData") {
      TRIB_RETURN_NOT_OK(Args(depth, name, 2, &args));
      if (args.size() != 2 || !args[0].is_number || !WholeNumberIn(args[0].str, 0, 255) || !args[1].is_string) {
        return fail_at_start(name + " takes a subtype (0 to 255) and a string");
      }
      std::string base64;
      if (name == "HexData") {
        const std::string& hex = args[1].str;
        if (hex.size() % 2 != 0) return fail_at_start("HexData: odd number of hex digits");
        std::string bytes;
        bytes.reserve(hex.size() / 2);
        for (size_t i = 0; i < hex.size(); i += 2) {
          int hi = HexDigit(hex[i]), lo = HexDigit(hex[i + 1]);
          if (hi < 0 || lo < 0) return fail_at_start("HexData: '" + hex.substr(i, 2) + "' is not hex");
          bytes.push_back(static_cast<char>(hi * 16 + lo));
        }
        AppendBase64(bytes, &base64);
      } else {
        const std::string& b = args[1].str;
        if (b.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
                std::string::npos ||
            b.size() % 4 != 0) {
          return fail_at_start("BinData: the data is not base64");
        }
        base64 = b;
      }
      char sub[3];
      static constexpr char kHex[] = "0123456789abcdef";
      int subtype = std::stoi(args[0].str);
      sub[0] = kHex[subtype >> 4];
      sub[1] = kHex[subtype & 15];
      sub[2] = '\0';
      out_->append("{\"$binary\":{\"base64\":\"" + base64 + "\",\"subType\":\"" + sub + "\"}}");
    } else if (name == "Boolean") {
      TRIB_RETURN_NOT_OK(Args(depth, name, 1, &args));
      bool value = false;
      if (args.size() == 1) {
        const Arg& a = args[0];
        if (a.is_string) {
          value = !a.str.empty();
        } else if (a.is_number) {
          value = std::strtod(a.str.c_str(), nullptr) != 0;
        } else if (a.json == "true" || a.json == "false" || a.json == "null") {
          value = a.json == "true";
        } else {
          return fail_at_start("Boolean takes a boolean, number or string");
        }
      }
      out_->append(value ? "true" : "false");
    } else if (name == "RegExp") {
      TRIB_RETURN_NOT_OK(Args(depth, name, 2, &args));
      if (args.empty() || !args[0].is_string || (args.size() == 2 && !args[1].is_string)) {
        return fail_at_start("RegExp takes a pattern string and an options string");
      }
      AppendRegex(args[0].str, args.size() == 2 ? std::string_view(args[1].str) : std::string_view());
    } else if (name == "DBRef" || name == "Dbref") {
      TRIB_RETURN_NOT_OK(Args(depth, name, 3, &args));
      if (args.size() < 2 || !args[0].is_string || (args.size() == 3 && !args[2].is_string)) {
        return fail_at_start(name + " takes a collection name, an id and optionally a database name");
      }
      out_->append("{\"$ref\":" + args[0].json + ",\"$id\":" + args[1].json);
      if (args.size() == 3) out_->append(",\"$db\":" + args[2].json);
      out_->push_back('}');
    } else if (name == "DBPointer" || name == "Dbpointer") {
      TRIB_RETURN_NOT_OK(Args(depth, name, 2, &args));
      if (args.size() != 2 || !args[0].is_string || args[1].json.rfind("{\"$oid\":", 0) != 0) {
        return fail_at_start(name + " takes a namespace string and an ObjectId");
      }
      out_->append("{\"$dbPointer\":{\"$ref\":" + args[0].json + ",\"$id\":" + args[1].json + "}}");
    } else {
      return fail_at_start("unexpected '" + name + "'");
    }
    return Status::OK();
  }

  const std::string_view s_;
  const int64_t first_line_;
  std::string* const out_;
  size_t p_ = 0;
  static constexpr int kMaxCtorDepth = 4;
  int ctor_depth_ = 0;
};

}  // namespace

Status ShellToExtendedJson(std::string_view text, int64_t first_line, std::string* out) {
  Translator t(text, first_line, out);
  return t.Run();
}

}  // namespace tributary::json_internal

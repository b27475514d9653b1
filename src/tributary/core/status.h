// Status and Result<T>: how tributary reports expected failures.
//
// Bad input, missing files, full disks and the like are values, not
// exceptions. A Status carries a code and a message that names where the
// problem is (file, row or line, field). Result<T> is either a value or a
// non-OK Status. Both are cheap to move; an OK Status allocates nothing.
//
// Thread-safety: distinct objects may be used from different threads; a single
// object is not synchronized.
#pragma once

#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tributary {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,   // the caller asked for something malformed (usage, filter, option)
  kInvalidData,       // the input data is malformed (bad file, bad row)
  kNotFound,
  kAlreadyExists,
  kIOError,
  kUnsupported,
  kCancelled,
  kResourceExhausted, // a limit was reached (size, memory, error count)
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status InvalidData(std::string msg) { return {StatusCode::kInvalidData, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {StatusCode::kUnsupported, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) { return {StatusCode::kResourceExhausted, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  // The message alone, without the code name. Empty for OK.
  const std::string& message() const;
  // "<CodeName>: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>". OK stays OK.
  Status WithPrefix(std::string_view prefix) const;

  bool IsInvalidArgument() const { return code() == StatusCode::kInvalidArgument; }
  bool IsInvalidData() const { return code() == StatusCode::kInvalidData; }
  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsCancelled() const { return code() == StatusCode::kCancelled; }

  Status(const Status& other)
      : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T ValueOr(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace tributary

#define TRIB_CONCAT_INNER_(a, b) a##b
#define TRIB_CONCAT_(a, b) TRIB_CONCAT_INNER_(a, b)

#define TRIB_RETURN_NOT_OK(expr)              \
  do {                                        \
    ::tributary::Status _st = (expr);         \
    if (!_st.ok()) return _st;                \
  } while (0)

#define TRIB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()

#define TRIB_ASSIGN_OR_RETURN(lhs, expr) \
  TRIB_ASSIGN_OR_RETURN_IMPL_(TRIB_CONCAT_(_result_, __LINE__), lhs, expr)

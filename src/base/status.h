// Status: the result of an operation that can fail on bad input, LevelDB style.
//
// Success carries nothing and costs one null pointer; failure carries a code and a message a
// user can act on ("G2 point is not in the prime-order subgroup"). Decoders of external input
// return a Status and write their result through an out-parameter, which they leave untouched
// on failure.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/return_if_error.h"

namespace depinfer {

class Status {
 public:
  enum class Code { kOk = 0, kInvalidArgument, kCorruption, kNotFound, kIOError, kUnavailable };

  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status Unavailable(std::string_view msg) { return Status(Code::kUnavailable, msg); }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  const std::string& message() const {
    static const std::string kEmpty;
    return rep_ ? rep_->message : kEmpty;
  }
  std::string ToString() const;

  // Prefixes the message with context ("proof.A: " + "point is not on the curve").
  Status WithContext(std::string_view context) const {
    if (ok()) return *this;
    return Status(rep_->code, std::string(context) + ": " + rep_->message);
  }

 private:
  struct Rep {
    Code code;
    std::string message;
  };
  Status(Code code, std::string_view msg)
      : rep_(std::make_shared<const Rep>(Rep{code, std::string(msg)})) {}
  std::shared_ptr<const Rep> rep_;
};

inline std::string Status::ToString() const {
  if (ok()) return "OK";
  const char* name = "error";
  switch (rep_->code) {
    case Code::kInvalidArgument: name = "invalid argument"; break;
    case Code::kCorruption: name = "corruption"; break;
    case Code::kNotFound: name = "not found"; break;
    case Code::kIOError: name = "I/O error"; break;
    case Code::kUnavailable: name = "unavailable"; break;
    case Code::kOk: break;
  }
  return std::string(name) + ": " + rep_->message;
}

}  // namespace depinfer

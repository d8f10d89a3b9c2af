// Status and Result: errors as values for the inference layer.
//
// A Status is either OK or carries a message a user can act on ("tensor blk.3.ffn_up.weight:
// data runs past end of file"). Result<T> holds a T or a failed Status. Functions that read
// untrusted input (files, requests) return these; the hot paths (kernels, the forward pass)
// work on data already validated and do not fail.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "base/return_if_error.h"

namespace depinfer::infer {

class Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !message_.has_value(); }
  const std::string& message() const {
    static const std::string kOk = "OK";
    return message_ ? *message_ : kOk;
  }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: must not be OK

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace depinfer::infer

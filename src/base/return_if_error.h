// DEPINFER_RETURN_IF_ERROR, shared by every Status type of the project (depinfer::Status in
// base/status.h, infer::Status in infer/status.h): anything with ok() that the enclosing
// function can return.
#pragma once

// Returns early from the enclosing function when `expr` yields a failed status.
#define DEPINFER_RETURN_IF_ERROR(expr) \
  do {                                 \
    auto _st = (expr);                 \
    if (!_st.ok()) return _st;         \
  } while (0)

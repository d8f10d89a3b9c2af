// DEPINFER_SNARK_CHECK: stops the process when a caller breaks a documented precondition.
//
// Circuit code is written by programmers, not received from outside: a gadget asked for 300
// bits of a 254-bit field, or a Poseidon of width 40, is a bug in the calling code that no
// error value could make right, so it ends the process with the file, line and reason, in
// every build type. Input from outside (files, network, user values) never reaches these
// checks: it is validated first and rejected with a Status.
#pragma once

#include <cstdio>
#include <cstdlib>

#define DEPINFER_SNARK_CHECK(cond, msg)                                                   \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: precondition failed: %s (%s)\n", __FILE__, __LINE__, \
                   #cond, msg);                                                           \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

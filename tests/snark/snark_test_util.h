// Helpers shared by the snark tests.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "snark/constraint_system.h"

namespace depinfer::snark::testing {

inline Fr Dec(const std::string& s) {
  Fr f;
  Status st = Fr::FromDecimal(s, &f);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return f;
}

inline Fr PMinus1() { return -Fr::One(); }

// 2^i as a field element.
inline Fr Pow2(std::size_t i) { return Fr::FromU64(2).PowU64(i); }

// The internal wire created `back` wires before the last one.
inline Variable LastInternal(const ConstraintSystem& cs, std::size_t back = 0) {
  return Variable(Variable::Kind::kInternal,
                  static_cast<std::uint32_t>(cs.num_internal() - 1 - back));
}

// Sets v to `value`, then expects IsSatisfied to fail in a scope whose path starts with
// `scope_prefix`; returns where it failed.
inline UnsatisfiedConstraint ExpectUnsatisfiedAfter(ConstraintSystem& cs, Variable v,
                                                    const Fr& value,
                                                    const std::string& scope_prefix) {
  EXPECT_TRUE(cs.TEST_SetValue(v, value).ok());
  UnsatisfiedConstraint u;
  Status st = cs.IsSatisfied(&u);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(u.scope_path.rfind(scope_prefix, 0), 0u)
      << "failed in '" << u.scope_path << "', expected '" << scope_prefix << "': " << st.ToString();
  return u;
}

#define EXPECT_SATISFIED(cs)               \
  do {                                     \
    Status _st = (cs).IsSatisfied();       \
    EXPECT_TRUE(_st.ok()) << _st.ToString(); \
  } while (0)

inline std::mt19937_64& Rng() {
  static std::mt19937_64 rng(20261125);
  return rng;
}

}  // namespace depinfer::snark::testing

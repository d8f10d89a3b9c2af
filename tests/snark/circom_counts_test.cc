// Our gadgets cost no more constraints than circomlib's circuits for the same job.
// oracle/circom_counts.mjs compiles circomlib's templates with circom2 and writes circom's
// counts (non-linear + linear, at --O2 and for some at --O1) to $DEPINFER_CIRCOM_COUNTS; this
// test builds our equivalent on non-constant inputs, requires ours <= circom --O2 (circom's
// smallest output) and prints both.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "snark/gadgets.h"
#include "snark/merkle.h"
#include "snark/poseidon_gadget.h"

namespace depinfer::snark {
namespace {

using nlohmann::json;

const json& Counts() {
  static const json v = [] {
    const char* path = std::getenv("DEPINFER_CIRCOM_COUNTS");
    if (path == nullptr) return json();
    std::ifstream f(path);
    return f.good() ? json::parse(f) : json();
  }();
  return v;
}

std::vector<LC> Inputs(ConstraintSystem& cs, std::size_t n) {
  std::vector<LC> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(cs.PrivateInput("in", std::nullopt));
  return v;
}

// Our constraint count for each circomlib case, built without values (setup mode).
std::map<std::string, std::function<void(ConstraintSystem&)>> OurCircuits() {
  std::map<std::string, std::function<void(ConstraintSystem&)>> m;
  for (std::size_t n = 1; n <= 6; ++n) {
    m["Poseidon(" + std::to_string(n) + ")"] = [n](ConstraintSystem& cs) {
      PoseidonGadget(cs, Inputs(cs, n));
    };
  }
  for (std::size_t n : {8, 64, 253}) {
    m["Num2Bits(" + std::to_string(n) + ")"] = [n](ConstraintSystem& cs) {
      ToBits(cs, Inputs(cs, 1)[0], n);
    };
  }
  m["Num2Bits_strict()"] = [](ConstraintSystem& cs) { ToBitsStrict(cs, Inputs(cs, 1)[0]); };
  for (std::size_t n : {64, 252}) {
    m["LessThan(" + std::to_string(n) + ")"] = [n](ConstraintSystem& cs) {
      auto in = Inputs(cs, 2);
      LessThan(cs, in[0], in[1], n);
    };
  }
  m["IsZero()"] = [](ConstraintSystem& cs) { IsZero(cs, Inputs(cs, 1)[0]); };
  m["IsEqual()"] = [](ConstraintSystem& cs) {
    auto in = Inputs(cs, 2);
    IsEqual(cs, in[0], in[1]);
  };
  m["Mux1()"] = [](ConstraintSystem& cs) {
    auto in = Inputs(cs, 3);
    Select(cs, in[2], in[1], in[0]);
  };
  for (std::size_t n : {2, 3, 4}) {
    m["Mux" + std::to_string(n) + "()"] = [n](ConstraintSystem& cs) {
      auto bits = Inputs(cs, n), options = Inputs(cs, std::size_t{1} << n);
      Mux(cs, bits, options);
    };
  }
  m["Switcher()"] = [](ConstraintSystem& cs) {
    auto in = Inputs(cs, 3);
    ConditionalSwap(cs, in[0], in[1], in[2]);
  };
  m["MerkleRootFromPath(32)"] = [](ConstraintSystem& cs) {
    auto leaf = Inputs(cs, 1), bits = Inputs(cs, 32), siblings = Inputs(cs, 32);
    MerkleRootGadget(cs, leaf[0], bits, siblings);
  };
  return m;
}

TEST(CircomCounts, OursAreNoMoreThanCircomlibs) {
  if (Counts().is_null()) GTEST_SKIP() << "set DEPINFER_CIRCOM_COUNTS (run via run_oracle.sh)";
  std::printf("%s\n%-24s %8s %12s %12s\n", Counts()["circom"].get<std::string>().c_str(),
              "circuit", "ours", "circom -O2", "circom -O1");
  auto ours = OurCircuits();
  ASSERT_EQ(Counts()["counts"].size(), ours.size());
  for (const auto& [name, levels] : Counts()["counts"].items()) {
    ASSERT_TRUE(ours.count(name)) << name;
    ConstraintSystem cs(ConstraintSystem::Mode::kWithoutValues);
    ours[name](cs);
    std::size_t o2 = levels["O2"]["total"].get<std::size_t>();
    std::string o1 = levels.contains("O1") ? std::to_string(levels["O1"]["total"].get<std::size_t>()) : "-";
    std::printf("%-24s %8zu %12zu %12s\n", name.c_str(), cs.num_constraints(), o2, o1.c_str());
    EXPECT_LE(cs.num_constraints(), o2) << name;
  }
}

}  // namespace
}  // namespace depinfer::snark

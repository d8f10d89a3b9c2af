// The AVX-512 IFMA field kernels against the scalar field they twin (STYLE: the plain kernel is
// the specification; the vector one must agree with it exactly).
#include <gtest/gtest.h>

#include "math/fp52x8.h"
#include "test_util.h"

#ifdef DEPINFER_HAVE_IFMA
namespace depinfer::math::bn254 {
namespace {

using testing::TestRng;

template <class F>
class Fp52Test : public ::testing::Test {};
using Fields = ::testing::Types<Fp, Fr>;
TYPED_TEST_SUITE(Fp52Test, Fields);

template <class F>
Vec52 Load(const F* xs) {
  using V = Ifma52<F>;
  alignas(64) u64 limbs[5][8];
  for (int i = 0; i < 8; ++i) {
    u64 l[5];
    V::ToLimbs(xs[i], l);
    for (int j = 0; j < 5; ++j) limbs[j][i] = l[j];
  }
  Vec52 v;
  for (int j = 0; j < 5; ++j) v.l[j] = _mm512_load_si512(limbs[j]);
  return v;
}

template <class F>
std::vector<F> Store(const Vec52& a) {
  using V = Ifma52<F>;
  Vec52 c = V::Canonical(a);
  alignas(64) u64 limbs[5][8];
  for (int j = 0; j < 5; ++j) _mm512_store_si512(limbs[j], c.l[j]);
  std::vector<F> out;
  for (int i = 0; i < 8; ++i) {
    u64 l[5] = {limbs[0][i], limbs[1][i], limbs[2][i], limbs[3][i], limbs[4][i]};
    out.push_back(V::FromLimbs(l));
  }
  return out;
}

TYPED_TEST(Fp52Test, KernelsMatchScalarField) {
  using F = TypeParam;
  using V = Ifma52<F>;
  TestRng rng(60);
  for (int round = 0; round < 200; ++round) {
    F a[8], b[8];
    for (int i = 0; i < 8; ++i) {
      a[i] = F::Random(rng);
      b[i] = F::Random(rng);
    }
    if (round == 0) {  // edge values
      a[0] = F::Zero(); a[1] = F::One(); a[2] = -F::One(); a[3] = -F::One();
      b[0] = -F::One(); b[1] = F::Zero(); b[2] = -F::One(); b[3] = F::One();
    }
    Vec52 va = Load(a), vb = Load(b);
    auto prod = Store<F>(V::Mul(va, vb));
    auto sum = Store<F>(V::Add(va, vb));
    auto diff = Store<F>(V::Sub(va, vb));
    // Lazy inputs (up to 4p) into Mul: (a + b) * (a - b).
    auto lazy = Store<F>(V::Mul(V::Add(va, vb), V::Sub(va, vb)));
    auto neg = Store<F>(V::NegateMasked(va, 0x55));
    // a*b + (a+b)*(a-b) with one reduction, lazy inputs in the second product.
    auto sum2 = Store<F>(V::MulSum2(va, vb, V::Add(va, vb), V::Sub(va, vb)));
    F via8[8];
    V::Store8(V::Load8(a), via8);
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(prod[i], a[i] * b[i]);
      EXPECT_EQ(sum[i], a[i] + b[i]);
      EXPECT_EQ(diff[i], a[i] - b[i]);
      EXPECT_EQ(lazy[i], (a[i] + b[i]) * (a[i] - b[i]));
      EXPECT_EQ(neg[i], (i % 2 == 0) ? -a[i] : a[i]);
      EXPECT_EQ(sum2[i], a[i] * b[i] + (a[i] + b[i]) * (a[i] - b[i]));
      EXPECT_EQ(via8[i], a[i]);
    }
    EXPECT_EQ(V::Equal(va, va), 0xff);
  }
}

}  // namespace
}  // namespace depinfer::math::bn254
#else
TEST(Fp52Test, SkippedWithoutIfma) { GTEST_SKIP() << "no AVX-512 IFMA on this build"; }
#endif

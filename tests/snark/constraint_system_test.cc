// The circuit builder: linear combinations, wire order, values, hints, scopes, reports.
#include "snark/constraint_system.h"

#include <gtest/gtest.h>

#include "snark/gadgets.h"
#include "snark_test_util.h"

namespace depinfer::snark {
namespace {

using testing::PMinus1;
using Kind = Variable::Kind;

// A base allocator that, before freeing, counts the buffers it gets back and how many of them
// still held a nonzero byte.
struct Returned {
  static inline int buffers = 0, dirty = 0;
};
template <class T>
struct CheckingAllocator {
  using value_type = T;
  CheckingAllocator() = default;
  template <class U>
  CheckingAllocator(const CheckingAllocator<U>&) {}
  friend bool operator==(const CheckingAllocator&, const CheckingAllocator&) { return true; }
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(p);
    bool zero = true;
    for (std::size_t i = 0; i < n * sizeof(T); ++i) zero = zero && bytes[i] == 0;
    ++Returned::buffers;
    if (!zero) ++Returned::dirty;
    std::allocator<T>().deallocate(p, n);
  }
};

// What a witness vector lets go of (on growing, assignment and destruction) is zero by then.
TEST(WipingAllocator, EveryFreedBufferIsZero) {
  Returned::buffers = Returned::dirty = 0;
  {
    std::vector<Fr, WipingAllocator<Fr, CheckingAllocator>> v;
    for (int i = 0; i < 100; ++i) v.push_back(Fr::FromU64(0x5eC2e7 + i));  // grows: frees
    std::vector<Fr, WipingAllocator<Fr, CheckingAllocator>> w(3, Fr::One());
    w = v;  // may free w's buffer
    v = std::move(w);  // frees v's
  }
  EXPECT_GE(Returned::buffers, 5);
  EXPECT_EQ(Returned::dirty, 0);
  // The check itself sees secrets left behind by a vector that does not wipe.
  Returned::buffers = Returned::dirty = 0;
  {
    std::vector<Fr, CheckingAllocator<Fr>> plain;
    for (int i = 0; i < 100; ++i) plain.push_back(Fr::FromU64(0x5eC2e7 + i));
  }
  EXPECT_GT(Returned::dirty, 0);
}

TEST(LinearCombination, MergesTermsAndDropsZeros) {
  Variable x(Kind::kInternal, 0), y(Kind::kPrivateInput, 3), z(Kind::kPublicInput, 1);
  LC a = x + y + y + Fr::FromU64(5);
  ASSERT_EQ(a.size(), 3u);
  // Sorted by wire order: one, public input, private input, internal.
  EXPECT_TRUE(a.terms()[0].var.IsOne());
  EXPECT_EQ(a.terms()[0].coeff, Fr::FromU64(5));
  EXPECT_EQ(a.terms()[1].var, y);
  EXPECT_EQ(a.terms()[1].coeff, Fr::FromU64(2));
  EXPECT_EQ(a.terms()[2].var, x);
  LC b = a - x - Fr::FromU64(2) * LC(y) + z;
  EXPECT_EQ(b, LC(Fr::FromU64(5)) + z);
  EXPECT_TRUE((b - b).IsZero());
  EXPECT_TRUE((LC(x) * Fr::Zero()).IsZero());
  EXPECT_TRUE(LC(Fr::FromU64(7)).IsConstant());
  EXPECT_TRUE(LC().IsConstant());
  EXPECT_FALSE(LC(x).IsConstant());
  EXPECT_EQ((-LC(x) + x).size(), 0u);
  Variable v;
  EXPECT_TRUE(LC(z).AsVariable(&v));
  EXPECT_EQ(v, z);
  EXPECT_FALSE((LC(z) * Fr::FromU64(2)).AsVariable(&v));
}

TEST(ConstraintSystem, WireOrderIsCircoms) {
  ConstraintSystem cs;
  Variable priv = cs.PrivateInput("secret", Fr::FromU64(3));
  Variable pub = cs.PublicInput("x", Fr::FromU64(4));
  LC prod = cs.Mul(priv, pub);  // internal wire 12
  Variable out = cs.PublicOutput("y", prod + Fr::FromU64(1));
  Variable pub2 = cs.PublicInput("x2", Fr::FromU64(9));
  EXPECT_EQ(cs.num_wires(), 6u);
  EXPECT_EQ(cs.num_public(), 3u);
  EXPECT_EQ(cs.WireIndex(Variable::One()), 0u);
  EXPECT_EQ(cs.WireIndex(out), 1u);
  EXPECT_EQ(cs.WireIndex(pub), 2u);
  EXPECT_EQ(cs.WireIndex(pub2), 3u);
  EXPECT_EQ(cs.WireIndex(priv), 4u);
  Variable internal;
  ASSERT_TRUE(prod.AsVariable(&internal));
  EXPECT_EQ(cs.WireIndex(internal), 5u);
  std::vector<Fr> w = cs.Witness();
  std::vector<Fr> expect = {Fr::One(), Fr::FromU64(13), Fr::FromU64(4), Fr::FromU64(9),
                            Fr::FromU64(3), Fr::FromU64(12)};
  EXPECT_EQ(w, expect);
  EXPECT_EQ(cs.PublicValues(), (std::vector<Fr>{Fr::FromU64(13), Fr::FromU64(4), Fr::FromU64(9)}));
  EXPECT_EQ(cs.Name(pub2), "x2");
  EXPECT_EQ(cs.Name(out), "y");
  EXPECT_EQ(cs.Name(internal), "");
  EXPECT_SATISFIED(cs);
}

TEST(ConstraintSystem, MulByAConstantIsFree) {
  ConstraintSystem cs;
  Variable x = cs.PrivateInput("x", Fr::FromU64(6));
  LC y = cs.Mul(x, Fr::FromU64(7));
  LC z = cs.Mul(Fr::FromU64(2), Fr::FromU64(3));
  EXPECT_EQ(cs.num_constraints(), 0u);
  EXPECT_EQ(cs.Value(y), Fr::FromU64(42));
  EXPECT_EQ(cs.Value(z), Fr::FromU64(6));
  cs.Mul(x, x);
  EXPECT_EQ(cs.num_constraints(), 1u);
}

TEST(ConstraintSystem, MissingInputValueIsAnError) {
  ConstraintSystem cs;
  cs.PublicInput("root", std::nullopt);
  EXPECT_FALSE(cs.status().ok());
  EXPECT_NE(cs.status().message().find("'root'"), std::string::npos);
  EXPECT_FALSE(cs.IsSatisfied().ok());
}

TEST(ConstraintSystem, WithoutValuesIgnoresValuesAndSkipsHints) {
  ConstraintSystem cs(ConstraintSystem::Mode::kWithoutValues);
  Variable x = cs.PublicInput("x", std::nullopt);
  bool ran = false;
  Variable h = cs.Hint(x, [&ran](const Fr& v) {
    ran = true;
    return v;
  });
  cs.AssertEqual(h, x);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(cs.status().ok());
  EXPECT_EQ(cs.num_constraints(), 1u);
  EXPECT_FALSE(cs.IsSatisfied().ok());
  EXPECT_FALSE(cs.TEST_SetValue(x, Fr::One()).ok());
}

TEST(ConstraintSystem, HintComputesFromInputValues) {
  ConstraintSystem cs;
  Variable x = cs.PrivateInput("x", Fr::FromU64(10));
  LC in[2] = {x, LC(x) + Fr::FromU64(1)};
  std::vector<Variable> out = cs.Hint(in, 2, [](std::span<const Fr> a, std::span<Fr> b) {
    b[0] = a[0] * a[1];
    b[1] = a[1] - a[0];
  });
  EXPECT_EQ(cs.Value(out[0]), Fr::FromU64(110));
  EXPECT_EQ(cs.Value(out[1]), Fr::FromU64(1));
  EXPECT_EQ(cs.num_constraints(), 0u);  // hints constrain nothing
}

TEST(ConstraintSystem, TestSetValueRejectsBadTargets) {
  ConstraintSystem cs;
  EXPECT_FALSE(cs.TEST_SetValue(Variable::One(), Fr::Zero()).ok());
  EXPECT_FALSE(cs.TEST_SetValue(Variable(Kind::kInternal, 0), Fr::Zero()).ok());
  Variable x = cs.PrivateInput("x", Fr::Zero());
  EXPECT_TRUE(cs.TEST_SetValue(x, Fr::One()).ok());
  EXPECT_EQ(cs.Value(x), Fr::One());
}

TEST(ConstraintSystem, IsSatisfiedNamesTheFirstFailingConstraint) {
  ConstraintSystem cs;
  Variable x = cs.PrivateInput("x", Fr::FromU64(3));
  {
    ConstraintSystem::Scope outer(cs, "outer");
    cs.Mul(x, x);
    for (std::size_t i = 0; i < 3; ++i) {
      ConstraintSystem::Scope inner(cs, "inner", i);
      cs.Mul(x, x);
      cs.AssertEqual(x, Fr::FromU64(3));
    }
  }
  cs.AssertEqual(x, x);
  EXPECT_SATISFIED(cs);
  // The third Mul's output (internal wire 2, in outer/inner[1]) breaks its own constraint.
  UnsatisfiedConstraint u =
      testing::ExpectUnsatisfiedAfter(cs, Variable(Kind::kInternal, 2), Fr::Zero(), "outer");
  EXPECT_EQ(u.scope_path, "outer/inner[1]");
  EXPECT_EQ(u.index, 3u);
  EXPECT_EQ(u.index_in_scope, 0u);
  // Changing x breaks the first constraint that reads it: outer, #0.
  ASSERT_TRUE(cs.TEST_SetValue(Variable(Kind::kInternal, 2), Fr::FromU64(9)).ok());
  u = testing::ExpectUnsatisfiedAfter(cs, x, Fr::FromU64(4), "outer");
  EXPECT_EQ(u.scope_path, "outer");
  EXPECT_EQ(u.index, 0u);
  Status st = cs.IsSatisfied();
  EXPECT_NE(st.message().find("scope 'outer'"), std::string::npos) << st.ToString();
}

TEST(ConstraintSystem, ScopeReportCountsPerPath) {
  ConstraintSystem cs;
  Variable x = cs.PrivateInput("x", Fr::FromU64(3));
  cs.Mul(x, x);
  {
    ConstraintSystem::Scope a(cs, "a");
    for (std::size_t i = 0; i < 4; ++i) {
      ConstraintSystem::Scope b(cs, "b", i);
      cs.Mul(x, x);
      ConstraintSystem::Scope c(cs, "c");
      cs.Mul(x, x);
      cs.Mul(x, x);
    }
  }
  std::vector<ScopeCost> rows = cs.ScopeReport();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].path, "");
  EXPECT_EQ(rows[0].constraints, 13u);
  EXPECT_EQ(rows[1].path, "a");
  EXPECT_EQ(rows[1].constraints, 12u);
  EXPECT_EQ(rows[2].path, "a/b");
  EXPECT_EQ(rows[2].instances, 4u);
  EXPECT_EQ(rows[2].constraints, 12u);
  EXPECT_EQ(rows[3].path, "a/b/c");
  EXPECT_EQ(rows[3].constraints, 8u);
  std::string text = cs.ScopeReportText();
  EXPECT_NE(text.find("a/b/c"), std::string::npos) << text;
  EXPECT_EQ(cs.ScopePath(cs.constraint(cs.num_constraints() - 1).scope), "a/b[3]/c");
}

TEST(ConstraintSystem, ManualPushPop) {
  ConstraintSystem cs;
  cs.PushScope("p", 7);
  cs.AssertEqual(LC(), LC());
  cs.PopScope();
  EXPECT_EQ(cs.ScopePath(cs.constraint(0).scope), "p[7]");
}

TEST(ConstraintSystemDeathTest, UnbalancedPopAborts) {
  ConstraintSystem cs;
  EXPECT_DEATH(cs.PopScope(), "PopScope");
}

// A circuit built with and without values has the same constraints.
void SmallCircuit(ConstraintSystem& cs, std::optional<Fr> a, std::optional<Fr> b) {
  Variable x = cs.PublicInput("a", a);
  Variable y = cs.PrivateInput("b", b);
  LC eq = IsEqual(cs, x, y);
  std::vector<LC> bits = ToBits(cs, y, 8);
  LC lt = LessThan(cs, x, y, 16);
  cs.PublicOutput("out", Select(cs, eq, lt, FromBits(bits)));
}

TEST(ConstraintSystem, SameConstraintsWithAndWithoutValues) {
  ConstraintSystem prove;
  SmallCircuit(prove, Fr::FromU64(5), Fr::FromU64(200));
  EXPECT_SATISFIED(prove);
  ConstraintSystem setup(ConstraintSystem::Mode::kWithoutValues);
  SmallCircuit(setup, std::nullopt, std::nullopt);
  ASSERT_EQ(prove.num_constraints(), setup.num_constraints());
  ASSERT_EQ(prove.num_wires(), setup.num_wires());
  for (std::size_t i = 0; i < prove.num_constraints(); ++i) {
    const ConstraintView p = prove.constraint(i);
    const ConstraintView s = setup.constraint(i);
    EXPECT_TRUE(p.a.ToLinearCombination() == s.a.ToLinearCombination() &&
                p.b.ToLinearCombination() == s.b.ToLinearCombination() &&
                p.c.ToLinearCombination() == s.c.ToLinearCombination())
        << "constraint " << i;
  }
  EXPECT_EQ(prove.PublicValues()[0], Fr::FromU64(200));
}

}  // namespace
}  // namespace depinfer::snark

namespace depinfer::snark {
namespace {

TEST(R1cs, MatricesMatchTheConstraintsAndWitness) {
  ConstraintSystem cs;
  SmallCircuit(cs, Fr::FromU64(7), Fr::FromU64(100));
  R1cs r = cs.ToR1cs();
  EXPECT_EQ(r.num_constraints(), cs.num_constraints());
  EXPECT_EQ(r.num_wires, cs.num_wires());
  EXPECT_EQ(r.num_public(), 2u);
  EXPECT_EQ(r.num_private_inputs, 1u);
  for (const SparseMatrix* m : {&r.a, &r.b, &r.c}) {
    for (std::size_t i = 0; i < m->rows(); ++i) {
      for (std::size_t k = m->row_start[i] + 1; k < m->row_start[i + 1]; ++k) {
        EXPECT_LT(m->column[k - 1], m->column[k]);
      }
    }
  }
  std::vector<Fr> w = cs.Witness();
  EXPECT_TRUE(CheckWitness(r, w).ok());
  // The public output is wire 1; a different one breaks the last constraint (PublicOutput's).
  w[1] += Fr::One();
  std::size_t first = 0;
  EXPECT_FALSE(CheckWitness(r, w, &first).ok());
  EXPECT_EQ(first, r.num_constraints() - 1);
  w.pop_back();
  EXPECT_FALSE(CheckWitness(r, w).ok());
}

TEST(R1cs, AppendRowCanonicalisesAndCheckShapeGuardsTheForm) {
  ConstraintSystem cs;
  SmallCircuit(cs, Fr::FromU64(7), Fr::FromU64(100));
  const R1cs good = cs.ToR1cs();
  EXPECT_TRUE(CheckShape(good).ok());

  SparseMatrix m;
  m.AppendRow({{5, Fr::FromU64(2)}, {1, Fr::FromU64(3)}, {5, Fr::FromU64(4)}, {3, Fr::Zero()},
               {2, Fr::One()}, {2, -Fr::One()}});
  m.AppendRow({});
  EXPECT_EQ(m.rows(), 2u);
  EXPECT_EQ(m.column, (std::vector<std::uint32_t>{1, 5}));
  EXPECT_EQ(m.value, (std::vector<Fr>{Fr::FromU64(3), Fr::FromU64(6)}));
  EXPECT_EQ(m.row_start, (std::vector<std::size_t>{0, 2, 2}));

  auto broken = [&](auto edit) {
    R1cs r = good;
    edit(r);
    return !CheckShape(r).ok();
  };
  EXPECT_TRUE(broken([](R1cs& r) { r.num_wires = 0; }));
  EXPECT_TRUE(broken([](R1cs& r) { r.num_private_inputs = r.num_wires; }));
  EXPECT_TRUE(broken([](R1cs& r) { r.a.column[0] = static_cast<std::uint32_t>(r.num_wires); }));
  EXPECT_TRUE(broken([](R1cs& r) { r.c.value[0] = Fr::Zero(); }));
  EXPECT_TRUE(broken([](R1cs& r) { r.b.row_start.pop_back(); }));
  EXPECT_TRUE(broken([](R1cs& r) { r.b.value.pop_back(); }));
  EXPECT_TRUE(broken([](R1cs& r) { r.a.row_start.clear(); }));
  EXPECT_TRUE(broken([](R1cs& r) {
    // Two entries of one row swapped: columns no longer ascending.
    for (std::size_t i = 0; i < r.a.rows(); ++i) {
      if (r.a.row_start[i + 1] - r.a.row_start[i] >= 2) {
        std::swap(r.a.column[r.a.row_start[i]], r.a.column[r.a.row_start[i] + 1]);
        return;
      }
    }
    r.a.column.clear();  // no row with two entries: break it another way
  }));
}

TEST(R1cs, TakeEqualsToR1csAndEmptiesTheSystem) {
  ConstraintSystem cs;
  SmallCircuit(cs, Fr::FromU64(7), Fr::FromU64(100));
  R1cs copy = cs.ToR1cs();
  std::vector<Fr> w = cs.Witness();
  R1cs taken = cs.TakeR1cs();
  for (auto [x, y] : {std::pair{&copy.a, &taken.a}, {&copy.b, &taken.b}, {&copy.c, &taken.c}}) {
    EXPECT_EQ(x->row_start, y->row_start);
    EXPECT_EQ(x->column, y->column);
    EXPECT_EQ(x->value, y->value);
  }
  EXPECT_EQ(cs.num_constraints(), 0u);
  EXPECT_EQ(cs.Witness(), w);
  EXPECT_TRUE(CheckWitness(taken, w).ok());
}

}  // namespace
}  // namespace depinfer::snark

namespace depinfer::snark {
namespace {

TEST(ConstraintSystem, ReserveFromAnEarlierShape) {
  ConstraintSystem first(ConstraintSystem::Mode::kWithoutValues);
  SmallCircuit(first, std::nullopt, std::nullopt);
  ConstraintSystem::Shape shape = first.shape();
  EXPECT_EQ(shape.constraints, first.num_constraints());
  ConstraintSystem second;
  second.Reserve(shape);
  SmallCircuit(second, Fr::FromU64(1), Fr::FromU64(2));
  ConstraintSystem::Shape again = second.shape();
  EXPECT_EQ(again.constraints, shape.constraints);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(again.nonzeros[k], shape.nonzeros[k]);
  EXPECT_SATISFIED(second);
}

}  // namespace
}  // namespace depinfer::snark

// ConstraintSystem: builds a rank-1 constraint system and, in the same pass, its witness.
//
// A circuit is ordinary C++ that calls this class (and the gadgets built on it). Each call
// that adds a constraint also computes the values of the wires it creates, from the values of
// the wires it reads, so the constraints and the witness come from one code path and cannot
// disagree. Non-deterministic advice (the bits of a number, an inverse) comes from hints:
// functions that compute new private wires from the values of existing ones; the circuit must
// then constrain what the hint produced.
//
// Two modes:
//   * with values (proving): every input must be given a value; the witness is complete;
//   * without values (setup, export): the same circuit code builds the same constraints,
//     input values are ignored and hints are not run.
//
// Constraints are  <A, w> * <B, w> = <C, w>  over the witness vector w, which follows circom's
// wire order: w[0] = 1, then public outputs, public inputs, private inputs and internal wires,
// each group in declaration order (see Variable). Public outputs and public inputs together
// are the statement a Groth16 verifier sees, outputs first, as in snarkjs's public.json.
//
// Named scopes (Scope, RAII) label the constraints added while they are open; IsSatisfied
// names the first failing constraint by its scope path, and ScopeReport tells what each part
// of the circuit costs.
//
// Not thread safe: one thread builds one system.
//
// Example (membership of a leaf in a Poseidon Merkle tree, snark/merkle.h):
//   ConstraintSystem cs;                                  // Mode::kWithoutValues for setup
//   Variable root = cs.PublicInput("root", root_value);   // std::nullopt without values
//   Variable leaf = cs.PrivateInput("leaf", leaf_value);
//   ... siblings and index bits likewise ...
//   AssertMerkleMembership(cs, leaf, index_bits, siblings, root);
//   Status st = cs.IsSatisfied();          // names the first failing row by scope
//   R1cs r1cs = cs.ToR1cs();               // or TakeR1cs(); the witness: cs.Witness()
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/wiping_allocator.h"
#include "math/bn254.h"
#include "snark/linear_combination.h"
#include "snark/r1cs.h"

namespace depinfer::snark {

// One side (A, B or C) of a stored constraint: parallel views of its variables and
// coefficients, in wire order. Valid until the system is changed.
struct RowView {
  std::span<const Variable> vars;
  std::span<const Fr> coeffs;

  std::size_t size() const { return vars.size(); }
  LinearCombination ToLinearCombination() const;
};

// A stored constraint a * b = c.
struct ConstraintView {
  RowView a, b, c;
  std::uint32_t scope;  // the innermost scope open when it was added (ConstraintSystem::ScopePath)
};

// Where IsSatisfied found the first failing constraint.
struct UnsatisfiedConstraint {
  std::size_t index = 0;           // position among all constraints
  std::string scope_path;          // e.g. "merkle/level[3]/poseidon"
  std::size_t index_in_scope = 0;  // position among the constraints of that scope instance
};

// One line of the constraint-count report: all instances of a scope path (indices dropped,
// so "merkle/level" gathers level[0] .. level[31]).
struct ScopeCost {
  std::string path;             // "" for the whole circuit
  std::size_t instances = 0;    // how many times the scope was opened
  std::size_t constraints = 0;  // added inside it (its sub-scopes included), all instances
};

class ConstraintSystem {
 public:
  enum class Mode { kWithValues, kWithoutValues };

  explicit ConstraintSystem(Mode mode = Mode::kWithValues);
  ConstraintSystem(const ConstraintSystem&) = delete;
  ConstraintSystem& operator=(const ConstraintSystem&) = delete;
  // Movable once no Scope is open on it (a Scope keeps a reference).
  ConstraintSystem(ConstraintSystem&&) = default;
  ConstraintSystem& operator=(ConstraintSystem&&) = default;

  bool has_values() const { return has_values_; }

  // ---- capacity ----------------------------------------------------------------------
  // The storage a circuit needs. A prover that rebuilds the same circuit for every proof
  // passes the shape of an earlier build to Reserve, so the flat arrays are allocated once
  // at their final size instead of growing (and being copied) while the circuit is built.
  struct Shape {
    std::size_t constraints = 0;
    std::size_t nonzeros[3] = {0, 0, 0};  // in A, B, C
  };
  Shape shape() const;
  void Reserve(const Shape& shape);

  // ---- inputs and outputs ------------------------------------------------------------
  // Declare an input wire. With values, `value` must be present (a missing one is recorded
  // in status() and counts as 0); without values it is ignored. Names label the wire in
  // reports and exports; they need not be unique.
  Variable PublicInput(std::string_view name, std::optional<Fr> value);
  Variable PrivateInput(std::string_view name, std::optional<Fr> value);
  // A public output wire equal to `value` (one constraint: (value - out) * 1 = 0).
  Variable PublicOutput(std::string_view name, const LinearCombination& value);

  // ---- constraints -------------------------------------------------------------------
  // Adds a * b = c. Its values are not checked here (IsSatisfied does).
  void Enforce(const LinearCombination& a, const LinearCombination& b, const LinearCombination& c);
  // a = b, one constraint (a - b) * 1 = 0.
  void AssertEqual(const LinearCombination& a, const LinearCombination& b);
  // a * b. Free when a or b is constant (a scaled copy of the other); otherwise a new internal
  // wire p with value a*b and one constraint a * b = p.
  LinearCombination Mul(const LinearCombination& a, const LinearCombination& b);
  // Mul for a caller that already knows the product's value (a gadget tracking its values,
  // such as Poseidon's, saves evaluating a and b): adds a new internal wire p and a * b = p,
  // always, even for constant operands. `product` is p's value; ignored without values. A
  // wrong value is caught by IsSatisfied like any other.
  Variable MulWithValue(const LinearCombination& a, const LinearCombination& b,
                        std::optional<Fr> product);
  // A new internal wire equal to lc, one constraint. Caps the size of a combination that
  // would otherwise grow through many rounds (and so the R1CS density), at one constraint.
  Variable Materialize(const LinearCombination& lc);

  // ---- hints -------------------------------------------------------------------------
  // fn(in, out): computes out (already sized) from the values of the inputs. It must be a
  // pure function of `in`.
  using HintFn = std::function<void(std::span<const Fr> in, std::span<Fr> out)>;
  // Allocates n_out new internal wires. With values their values are fn of the input
  // values; without values fn is not called. The wires are unconstrained: the caller must
  // constrain them.
  std::vector<Variable> Hint(std::span<const LinearCombination> in, std::size_t n_out,
                             const HintFn& fn);
  Variable Hint(const LinearCombination& in, const std::function<Fr(const Fr&)>& fn);

  // ---- values ------------------------------------------------------------------------
  // The value of lc under the current assignment. Precondition: has_values().
  Fr Value(const LinearCombination& lc) const;
  Fr Value(Variable v) const;
  // The witness vector in wire order (w[0] = 1). Precondition: has_values().
  std::vector<Fr> Witness() const;
  // The public wires' values, outputs then inputs (w[1 .. num_public]).
  std::vector<Fr> PublicValues() const;
  // Overwrites one wire's value, to build an unsatisfied instance in tests. Fails without
  // values, for the constant wire, or for a variable that does not exist.
  Status TEST_SetValue(Variable v, const Fr& value);

  // ---- scopes ------------------------------------------------------------------------
  // Opens a scope named `name` (or "name[index]") inside the current one; closes it when
  // destroyed. Scopes must close in reverse order of opening (RAII guarantees it).
  class Scope {
   public:
    Scope(ConstraintSystem& cs, std::string_view name);
    Scope(ConstraintSystem& cs, std::string_view name, std::size_t index);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    ConstraintSystem& cs_;
  };
  void PushScope(std::string_view name, std::optional<std::size_t> index = std::nullopt);
  void PopScope();
  // "a/b[2]/c" for a scope id; "" for the root.
  std::string ScopePath(std::uint32_t scope) const;

  // ---- the result --------------------------------------------------------------------
  std::size_t num_constraints() const { return scope_of_constraint_.size(); }
  std::size_t num_public_outputs() const { return Count(Variable::Kind::kPublicOutput); }
  std::size_t num_public_inputs() const { return Count(Variable::Kind::kPublicInput); }
  // Outputs and inputs: the statement's length.
  std::size_t num_public() const { return num_public_outputs() + num_public_inputs(); }
  std::size_t num_private_inputs() const { return Count(Variable::Kind::kPrivateInput); }
  std::size_t num_internal() const { return Count(Variable::Kind::kInternal); }
  // All wires, the constant 1 included.
  std::size_t num_wires() const;
  // The position of v in the witness vector. Valid once the circuit is complete (declaring
  // more variables of an earlier kind shifts the later ones).
  std::size_t WireIndex(Variable v) const;
  // Constraint i, 0 <= i < num_constraints().
  ConstraintView constraint(std::size_t i) const;
  // The constraints as sparse matrices over wire indices (call once the circuit is complete).
  R1cs ToR1cs() const;
  // The same without copying the coefficients: they move into the result and the system is
  // left with no constraints (its wires, values and scopes stay). For large circuits this
  // halves the peak memory of handing the constraints to a prover.
  R1cs TakeR1cs();
  // The label given to an input or output wire ("" for internal wires).
  const std::string& Name(Variable v) const;

  // The first misuse seen while building (an input without a value), or OK.
  const Status& status() const { return status_; }

  // OK when every constraint holds under the witness. Otherwise an error naming the first
  // failing constraint by index and scope path, also written to *first when given. Fails too
  // when status() is not OK or there are no values.
  Status IsSatisfied(UnsatisfiedConstraint* first = nullptr) const;

  // Constraint counts per scope path, in order of first opening; the first row is the
  // whole circuit.
  std::vector<ScopeCost> ScopeReport() const;
  // ScopeReport as an aligned text table (average constraints per instance in the last column).
  std::string ScopeReportText() const;

 private:
  struct ScopeNode {
    std::string name;  // with "[index]" when opened with an index
    std::string key;   // the name without the index: instances of one scope share it
    std::uint32_t parent;
    std::size_t depth;
    std::size_t constraints;  // added while this node was innermost
  };

  std::size_t Count(Variable::Kind kind) const {
    return counts_[static_cast<int>(kind)];
  }
  Variable NewVariable(Variable::Kind kind, std::string_view name, std::optional<Fr> value);
  void RecordError(const Status& st);
  bool Exists(Variable v) const;

  bool has_values_;
  Status status_;
  std::size_t counts_[Variable::kNumKinds] = {1, 0, 0, 0, 0};
  // Values per kind, indexed by Variable::index(); empty without values. They are the
  // witness (secrets), so every buffer they leave behind is wiped.
  WipedVector<Fr> values_[Variable::kNumKinds];
  // Labels of the declared inputs and outputs, per kind (internal wires have none).
  std::vector<std::string> names_[Variable::kNumKinds];
  // The constraints, stored as three matrices with symbolic columns: row i of `a` is the A
  // side of constraint i. Flat arrays keep a million constraints to a few allocations.
  struct SymbolicMatrix {
    std::vector<std::size_t> start{0};
    std::vector<Variable> vars;
    std::vector<Fr> coeffs;
    void Append(const LinearCombination& lc);
    RowView Row(std::size_t i) const;
  };
  Fr RowValue(const RowView& row) const;
  // An R1cs with the wire counts and no matrices.
  R1cs R1csShape() const;
  // The wire index of every variable of m.
  std::vector<std::uint32_t> WireColumns(const SymbolicMatrix& m) const;

  SymbolicMatrix rows_[3];  // A, B, C
  std::vector<std::uint32_t> scope_of_constraint_;
  std::vector<ScopeNode> scopes_;     // scopes_[0] is the root
  std::uint32_t current_scope_ = 0;
};

}  // namespace depinfer::snark

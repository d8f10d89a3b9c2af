#include "snark/constraint_system.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "snark/check.h"

namespace depinfer::snark {
namespace {

using Kind = Variable::Kind;

constexpr int KindIndex(Kind k) { return static_cast<int>(k); }

}  // namespace

ConstraintSystem::ConstraintSystem(Mode mode) : has_values_(mode == Mode::kWithValues) {
  scopes_.push_back(ScopeNode{"", "", 0, 0, 0});
  if (has_values_) values_[KindIndex(Kind::kOne)].push_back(Fr::One());
  names_[KindIndex(Kind::kOne)].push_back("one");
}

// ---- variables ------------------------------------------------------------------------

Variable ConstraintSystem::NewVariable(Kind kind, std::string_view name, std::optional<Fr> value) {
  const int k = KindIndex(kind);
  DEPINFER_SNARK_CHECK(counts_[k] < UINT32_MAX, "too many variables of one kind");
  Variable v(kind, static_cast<std::uint32_t>(counts_[k]++));
  if (kind != Kind::kInternal) names_[k].emplace_back(name);
  if (has_values_) values_[k].push_back(value.value_or(Fr::Zero()));
  return v;
}

void ConstraintSystem::RecordError(const Status& st) {
  if (status_.ok()) status_ = st;
}

Variable ConstraintSystem::PublicInput(std::string_view name, std::optional<Fr> value) {
  if (has_values_ && !value) {
    RecordError(Status::InvalidArgument("public input '" + std::string(name) + "' has no value"));
  }
  return NewVariable(Kind::kPublicInput, name, value);
}

Variable ConstraintSystem::PrivateInput(std::string_view name, std::optional<Fr> value) {
  if (has_values_ && !value) {
    RecordError(Status::InvalidArgument("private input '" + std::string(name) + "' has no value"));
  }
  return NewVariable(Kind::kPrivateInput, name, value);
}

Variable ConstraintSystem::PublicOutput(std::string_view name, const LinearCombination& value) {
  std::optional<Fr> v;
  if (has_values_) v = Value(value);
  Variable out = NewVariable(Kind::kPublicOutput, name, v);
  AssertEqual(value, out);
  return out;
}

bool ConstraintSystem::Exists(Variable v) const {
  return v.index() < counts_[KindIndex(v.kind())];
}

std::size_t ConstraintSystem::num_wires() const {
  std::size_t n = 0;
  for (std::size_t c : counts_) n += c;
  return n;
}

std::size_t ConstraintSystem::WireIndex(Variable v) const {
  std::size_t offset = 0;
  for (int k = 0; k < KindIndex(v.kind()); ++k) offset += counts_[k];
  return offset + v.index();
}

const std::string& ConstraintSystem::Name(Variable v) const {
  static const std::string kNone;
  const auto& names = names_[KindIndex(v.kind())];
  return v.index() < names.size() ? names[v.index()] : kNone;
}

R1cs ConstraintSystem::R1csShape() const {
  DEPINFER_SNARK_CHECK(num_wires() <= UINT32_MAX, "too many wires for 32-bit indices");
  R1cs r;
  r.num_wires = num_wires();
  r.num_public_outputs = num_public_outputs();
  r.num_public_inputs = num_public_inputs();
  r.num_private_inputs = num_private_inputs();
  return r;
}

std::vector<std::uint32_t> ConstraintSystem::WireColumns(const SymbolicMatrix& m) const {
  std::size_t offset[Variable::kNumKinds] = {0};
  for (int k = 1; k < Variable::kNumKinds; ++k) offset[k] = offset[k - 1] + counts_[k - 1];
  // Variables are sorted by wire order within a row, so the columns come out ascending.
  std::vector<std::uint32_t> columns(m.vars.size());
  for (std::size_t j = 0; j < m.vars.size(); ++j) {
    const Variable v = m.vars[j];
    columns[j] = static_cast<std::uint32_t>(offset[KindIndex(v.kind())] + v.index());
  }
  return columns;
}

R1cs ConstraintSystem::ToR1cs() const {
  R1cs r = R1csShape();
  SparseMatrix* out[3] = {&r.a, &r.b, &r.c};
  for (int k = 0; k < 3; ++k) {
    out[k]->column = WireColumns(rows_[k]);
    out[k]->row_start = rows_[k].start;
    out[k]->value = rows_[k].coeffs;
  }
  return r;
}

R1cs ConstraintSystem::TakeR1cs() {
  R1cs r = R1csShape();
  SparseMatrix* out[3] = {&r.a, &r.b, &r.c};
  for (int k = 0; k < 3; ++k) {
    out[k]->column = WireColumns(rows_[k]);
    out[k]->row_start = std::move(rows_[k].start);
    out[k]->value = std::move(rows_[k].coeffs);
    rows_[k] = SymbolicMatrix();
  }
  scope_of_constraint_.clear();
  return r;
}

ConstraintSystem::Shape ConstraintSystem::shape() const {
  Shape s;
  s.constraints = num_constraints();
  for (int k = 0; k < 3; ++k) s.nonzeros[k] = rows_[k].vars.size();
  return s;
}

void ConstraintSystem::Reserve(const Shape& shape) {
  scope_of_constraint_.reserve(shape.constraints);
  for (int k = 0; k < 3; ++k) {
    rows_[k].start.reserve(shape.constraints + 1);
    rows_[k].vars.reserve(shape.nonzeros[k]);
    rows_[k].coeffs.reserve(shape.nonzeros[k]);
  }
}

void ConstraintSystem::SymbolicMatrix::Append(const LinearCombination& lc) {
  for (const Term& t : lc.terms()) {
    vars.push_back(t.var);
    coeffs.push_back(t.coeff);
  }
  start.push_back(vars.size());
}

RowView ConstraintSystem::SymbolicMatrix::Row(std::size_t i) const {
  const std::size_t b = start[i], n = start[i + 1] - b;
  return RowView{std::span<const Variable>(vars.data() + b, n),
                 std::span<const Fr>(coeffs.data() + b, n)};
}

LinearCombination RowView::ToLinearCombination() const {
  std::vector<Term> terms(vars.size());
  for (std::size_t j = 0; j < vars.size(); ++j) terms[j] = {vars[j], coeffs[j]};
  return LinearCombination::FromSortedTerms(std::move(terms));
}

ConstraintView ConstraintSystem::constraint(std::size_t i) const {
  DEPINFER_SNARK_CHECK(i < num_constraints(), "constraint index out of range");
  return ConstraintView{rows_[0].Row(i), rows_[1].Row(i), rows_[2].Row(i), scope_of_constraint_[i]};
}

Fr ConstraintSystem::RowValue(const RowView& row) const {
  Fr acc;
  for (std::size_t j = 0; j < row.size(); ++j) {
    acc += row.vars[j].IsOne() ? row.coeffs[j] : row.coeffs[j] * Value(row.vars[j]);
  }
  return acc;
}

// ---- constraints ----------------------------------------------------------------------

void ConstraintSystem::Enforce(const LinearCombination& a, const LinearCombination& b,
                               const LinearCombination& c) {
  DEPINFER_SNARK_CHECK(scope_of_constraint_.size() < UINT32_MAX, "too many constraints");
  rows_[0].Append(a);
  rows_[1].Append(b);
  rows_[2].Append(c);
  scope_of_constraint_.push_back(current_scope_);
  ++scopes_[current_scope_].constraints;
}

void ConstraintSystem::AssertEqual(const LinearCombination& a, const LinearCombination& b) {
  Enforce(a - b, LinearCombination::Constant(1), LinearCombination());
}

LinearCombination ConstraintSystem::Mul(const LinearCombination& a, const LinearCombination& b) {
  if (a.IsConstant()) return b * a.ConstantTerm();
  if (b.IsConstant()) return a * b.ConstantTerm();
  std::optional<Fr> v;
  if (has_values_) v = Value(a) * Value(b);
  Variable p = NewVariable(Kind::kInternal, "", v);
  Enforce(a, b, p);
  return p;
}

Variable ConstraintSystem::MulWithValue(const LinearCombination& a, const LinearCombination& b,
                                        std::optional<Fr> product) {
  Variable p = NewVariable(Kind::kInternal, "", product);
  Enforce(a, b, p);
  return p;
}

Variable ConstraintSystem::Materialize(const LinearCombination& lc) {
  std::optional<Fr> v;
  if (has_values_) v = Value(lc);
  Variable out = NewVariable(Kind::kInternal, "", v);
  AssertEqual(lc, out);
  return out;
}

// ---- hints ----------------------------------------------------------------------------

std::vector<Variable> ConstraintSystem::Hint(std::span<const LinearCombination> in,
                                             std::size_t n_out, const HintFn& fn) {
  std::vector<Fr> out_values;
  if (has_values_) {
    std::vector<Fr> in_values;
    in_values.reserve(in.size());
    for (const LinearCombination& lc : in) in_values.push_back(Value(lc));
    out_values.resize(n_out);
    fn(in_values, out_values);
  }
  std::vector<Variable> out;
  out.reserve(n_out);
  for (std::size_t i = 0; i < n_out; ++i) {
    std::optional<Fr> v;
    if (has_values_) v = out_values[i];
    out.push_back(NewVariable(Kind::kInternal, "", v));
  }
  return out;
}

Variable ConstraintSystem::Hint(const LinearCombination& in,
                                const std::function<Fr(const Fr&)>& fn) {
  std::vector<Variable> out = Hint(std::span<const LinearCombination>(&in, 1), 1,
                                   [&fn](std::span<const Fr> x, std::span<Fr> y) { y[0] = fn(x[0]); });
  return out[0];
}

// ---- values ---------------------------------------------------------------------------

Fr ConstraintSystem::Value(Variable v) const {
  DEPINFER_SNARK_CHECK(has_values_, "values asked of a system built without values");
  DEPINFER_SNARK_CHECK(Exists(v), "variable of another constraint system");
  return values_[KindIndex(v.kind())][v.index()];
}

Fr ConstraintSystem::Value(const LinearCombination& lc) const {
  Fr acc;
  for (const Term& t : lc.terms()) {
    acc += t.var.IsOne() ? t.coeff : t.coeff * Value(t.var);
  }
  return acc;
}

std::vector<Fr> ConstraintSystem::Witness() const {
  DEPINFER_SNARK_CHECK(has_values_, "witness asked of a system built without values");
  std::vector<Fr> w;
  w.reserve(num_wires());
  for (const auto& group : values_) w.insert(w.end(), group.begin(), group.end());
  return w;
}

std::vector<Fr> ConstraintSystem::PublicValues() const {
  DEPINFER_SNARK_CHECK(has_values_, "values asked of a system built without values");
  const auto& outs = values_[KindIndex(Kind::kPublicOutput)];
  std::vector<Fr> out(outs.begin(), outs.end());
  const auto& in = values_[KindIndex(Kind::kPublicInput)];
  out.insert(out.end(), in.begin(), in.end());
  return out;
}

Status ConstraintSystem::TEST_SetValue(Variable v, const Fr& value) {
  if (!has_values_) return Status::InvalidArgument("system has no values");
  if (v.IsOne()) return Status::InvalidArgument("the constant wire cannot change");
  if (!Exists(v)) return Status::InvalidArgument("no such variable");
  values_[KindIndex(v.kind())][v.index()] = value;
  return Status::Ok();
}

// ---- scopes ---------------------------------------------------------------------------

ConstraintSystem::Scope::Scope(ConstraintSystem& cs, std::string_view name) : cs_(cs) {
  cs_.PushScope(name);
}

ConstraintSystem::Scope::Scope(ConstraintSystem& cs, std::string_view name, std::size_t index)
    : cs_(cs) {
  cs_.PushScope(name, index);
}

ConstraintSystem::Scope::~Scope() { cs_.PopScope(); }

void ConstraintSystem::PushScope(std::string_view name, std::optional<std::size_t> index) {
  DEPINFER_SNARK_CHECK(scopes_.size() < UINT32_MAX, "too many scopes");
  ScopeNode node;
  node.key = std::string(name);
  node.name = index ? node.key + "[" + std::to_string(*index) + "]" : node.key;
  node.parent = current_scope_;
  node.depth = scopes_[current_scope_].depth + 1;
  node.constraints = 0;
  scopes_.push_back(std::move(node));
  current_scope_ = static_cast<std::uint32_t>(scopes_.size() - 1);
}

void ConstraintSystem::PopScope() {
  DEPINFER_SNARK_CHECK(current_scope_ != 0, "PopScope without a matching PushScope");
  current_scope_ = scopes_[current_scope_].parent;
}

std::string ConstraintSystem::ScopePath(std::uint32_t scope) const {
  if (scope == 0 || scope >= scopes_.size()) return "";
  std::vector<const std::string*> parts;
  for (std::uint32_t s = scope; s != 0; s = scopes_[s].parent) parts.push_back(&scopes_[s].name);
  std::string path;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!path.empty()) path += '/';
    path += **it;
  }
  return path;
}

// ---- checking and reporting -------------------------------------------------------------

Status ConstraintSystem::IsSatisfied(UnsatisfiedConstraint* first) const {
  if (!status_.ok()) return status_.WithContext("circuit built with an error");
  if (!has_values_) return Status::InvalidArgument("constraint system has no values");
  for (std::size_t i = 0; i < num_constraints(); ++i) {
    const ConstraintView c = constraint(i);
    Fr a = RowValue(c.a), b = RowValue(c.b), out = RowValue(c.c);
    if (a * b == out) continue;
    UnsatisfiedConstraint u;
    u.index = i;
    u.scope_path = ScopePath(c.scope);
    for (std::size_t j = 0; j < i; ++j) u.index_in_scope += scope_of_constraint_[j] == c.scope;
    std::string where = u.scope_path.empty() ? "the top level" : "scope '" + u.scope_path + "'";
    // The values stay out of the message: they derive from secrets (keys, amounts) and
    // messages end up in logs.
    Status st = Status::InvalidArgument("constraint " + std::to_string(i) + " (#" +
                                        std::to_string(u.index_in_scope) + " in " + where +
                                        ") is not satisfied");
    if (first != nullptr) *first = std::move(u);
    return st;
  }
  return Status::Ok();
}

std::vector<ScopeCost> ConstraintSystem::ScopeReport() const {
  // Rows by scope path without indices, in order of first opening. Parents are always
  // created before their children, so one forward pass assigns every node its row.
  std::vector<ScopeCost> rows;
  std::unordered_map<std::string, std::size_t> row_of_path;
  std::vector<std::size_t> row_of_node(scopes_.size());
  for (std::size_t i = 0; i < scopes_.size(); ++i) {
    const ScopeNode& n = scopes_[i];
    std::string path;
    if (i != 0) {
      const std::string& parent_path = rows[row_of_node[n.parent]].path;
      path = parent_path.empty() ? n.key : parent_path + "/" + n.key;
    }
    auto [it, inserted] = row_of_path.try_emplace(path, rows.size());
    if (inserted) rows.push_back(ScopeCost{path, 0, 0});
    row_of_node[i] = it->second;
    ++rows[it->second].instances;
  }
  // Each node's own constraints count for its row and every ancestor's row.
  for (std::size_t i = 0; i < scopes_.size(); ++i) {
    std::size_t own = scopes_[i].constraints;
    if (own == 0) continue;
    for (std::size_t s = i;; s = scopes_[s].parent) {
      rows[row_of_node[s]].constraints += own;
      if (s == 0) break;
    }
  }
  return rows;
}

std::string ConstraintSystem::ScopeReportText() const {
  std::vector<ScopeCost> rows = ScopeReport();
  std::size_t width = 9;  // "(circuit)"
  for (const ScopeCost& row : rows) width = std::max(width, row.path.size());
  auto pad_left = [](std::string s, std::size_t w) { return std::string(w > s.size() ? w - s.size() : 0, ' ') + s; };
  auto pad_right = [](std::string s, std::size_t w) { return s + std::string(w > s.size() ? w - s.size() : 0, ' '); };
  std::string out = pad_right("scope", width) + "  instances  constraints  per instance\n";
  for (const ScopeCost& row : rows) {
    out += pad_right(row.path.empty() ? "(circuit)" : row.path, width);
    out += pad_left(std::to_string(row.instances), 11);
    out += pad_left(std::to_string(row.constraints), 13);
    out += pad_left(std::to_string(row.constraints / row.instances), 14);
    out += '\n';
  }
  return out;
}

}  // namespace depinfer::snark

//===- Reference.cpp - the reference evaluator: scans from the recurrence -===//
//
// The reference evaluator. Each entry point works in three phases:
//
//   1. validate: every rank, extent and dtype of every argument is checked
//      against the symbolic layout of Reference.h (B, T, DK, ... are bound
//      from designated tensors first), the graph of the DAG op is validated
//      (SPEC A6); the first problem found is returned as a Status naming the
//      argument;
//   2. gather: every input view (any strides, f32/f64) is copied into a
//      contiguous std::vector<double>, so the arithmetic below sees dense
//      C-order fp64 arrays only;
//   3. compute in fp64 straight from the per-edge recurrence (SPEC §1, §2.2,
//      §3.2, §3.6, §4), then scatter into the output views (f32 or f64).
//
// No chunking, no reassociation tricks: this file is the definition every
// schedule is compared against, so it is written for obviousness.
//
// Depends on the C++ standard library only.
//
//===----------------------------------------------------------------------===//

#include "runtime/Reference.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>

namespace plstm {
namespace {

//===----------------------------------------------------------------------===//
// Shape validation
//===----------------------------------------------------------------------===//

/// How a tensor argument is used; decides presence and dtype rules.
enum class Role {
  Input,          ///< required, f32 or f64
  OptionalInput,  ///< may be absent (null data), f32 or f64
  IndexInput,     ///< required, i32 or i64
  Output,         ///< required, f32 or f64
  OptionalOutput, ///< skipped when data is null, f32 or f64
};

/// Binds the dim symbols of a layout (B, T, DK, ...) from the first tensor
/// that mentions them and checks every later tensor against them.
class ShapeChecker {
public:
  /// Binds `symbol` to `value`; `origin` says where the value came from.
  void bind(const std::string &symbol, int64_t value,
            const std::string &origin) {
    symbols_.push_back({symbol, value, origin});
  }

  /// The value of a bound symbol (0 if unbound).
  int64_t get(const std::string &symbol) const {
    const Binding *binding = find(symbol);
    return binding ? binding->value : 0;
  }

  /// Checks `ref` (argument `name`) against the symbolic layout `layout`.
  /// Symbols not yet bound take their value from `ref`.
  Status check(const std::string &name, const TensorRef &ref,
               const std::vector<std::string> &layout, Role role) {
    bool optional = role == Role::OptionalInput || role == Role::OptionalOutput;
    if (optional && !ref.present())
      return Status::success();

    std::string symbolic = "[";
    for (size_t i = 0; i < layout.size(); ++i)
      symbolic += (i ? ", " : "") + layout[i];
    symbolic += "]";

    if (ref.shape.size() != layout.size())
      return Status::error(name + ": expected rank " +
                           std::to_string(layout.size()) + " " + symbolic +
                           ", got rank " + std::to_string(ref.shape.size()) +
                           " " + formatShape(ref.shape));
    if (ref.strides.size() != ref.shape.size())
      return Status::error(
          name + ": has " + std::to_string(ref.strides.size()) +
          " strides for rank " + std::to_string(ref.shape.size()));
    int64_t count = 1;
    for (size_t i = 0; i < ref.shape.size(); ++i) {
      if (ref.shape[i] < 0)
        return Status::error(name + ": dim " + std::to_string(i) + " (" +
                             layout[i] + ") has negative extent " +
                             std::to_string(ref.shape[i]));
      if (ref.shape[i] != 0 &&
          count > std::numeric_limits<int64_t>::max() / ref.shape[i])
        count = -1; // overflow; only an error if no extent is 0
      else if (count >= 0)
        count *= ref.shape[i];
    }
    bool hasZero =
        std::find(ref.shape.begin(), ref.shape.end(), 0) != ref.shape.end();
    if (count < 0 && !hasZero)
      return Status::error(name + ": shape " + formatShape(ref.shape) +
                           " has too many elements");

    for (size_t i = 0; i < layout.size(); ++i)
      if (!isLiteral(layout[i]) && !find(layout[i]))
        bind(layout[i], ref.shape[i], name);

    std::vector<int64_t> expected(layout.size());
    for (size_t i = 0; i < layout.size(); ++i)
      expected[i] = isLiteral(layout[i]) ? literalValue(layout[i])
                                         : find(layout[i])->value;
    for (size_t i = 0; i < layout.size(); ++i) {
      if (expected[i] == ref.shape[i])
        continue;
      std::string reason =
          "dim " + std::to_string(i) + " is " + std::to_string(ref.shape[i]);
      if (isLiteral(layout[i])) {
        reason += " but must be " + layout[i];
      } else {
        const Binding *binding = find(layout[i]);
        reason += " but " + layout[i] + " = " + std::to_string(binding->value) +
                  " (from " + binding->origin + ")";
      }
      return Status::error(name + ": expected shape " + formatShape(expected) +
                           ", got " + formatShape(ref.shape) + ": " + reason +
                           "; layout " + symbolic);
    }

    if (role == Role::IndexInput) {
      if (ref.dtype != DType::I32 && ref.dtype != DType::I64)
        return Status::error(name +
                             ": expected an integer dtype (i32 or i64), got " +
                             dtypeName(ref.dtype));
    } else if (!isFloat(ref.dtype)) {
      return Status::error(name + ": expected dtype f32 or f64, got " +
                           dtypeName(ref.dtype));
    }
    if (!ref.present() && count != 0)
      return Status::error(name + (role == Role::Output
                                       ? ": required output has null data"
                                       : ": required input has null data"));
    return Status::success();
  }

private:
  struct Binding {
    std::string symbol;
    int64_t value;
    std::string origin;
  };

  static bool isLiteral(const std::string &symbol) {
    return !symbol.empty() && symbol[0] >= '0' && symbol[0] <= '9';
  }
  static int64_t literalValue(const std::string &symbol) {
    int64_t value = 0;
    for (char c : symbol)
      value = value * 10 + (c - '0');
    return value;
  }
  const Binding *find(const std::string &symbol) const {
    for (const Binding &binding : symbols_)
      if (binding.symbol == symbol)
        return &binding;
    return nullptr;
  }

  std::vector<Binding> symbols_;
};

/// One argument to validate: its name in messages, the view, its symbolic
/// layout and its role.
struct ArgSpec {
  const char *name;
  const TensorRef &ref;
  std::vector<std::string> layout;
  Role role;
};

/// Validates `specs` in order; the first tensor that names a symbol binds it,
/// so the order decides which argument defines each dim.
Status checkAll(ShapeChecker &shapes, std::initializer_list<ArgSpec> specs) {
  for (const ArgSpec &spec : specs)
    if (Status status =
            shapes.check(spec.name, spec.ref, spec.layout, spec.role);
        !status)
      return status;
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Gather / scatter between strided views and dense fp64 arrays
//===----------------------------------------------------------------------===//

/// Visits the element offsets of `ref` in C order.
template <typename Fn> void forEachOffset(const TensorRef &ref, Fn &&fn) {
  int64_t count = ref.numElements();
  if (count == 0)
    return;
  size_t rank = ref.shape.size();
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (int64_t linear = 0; linear < count; ++linear) {
    fn(linear, offset);
    for (size_t axis = rank; axis-- > 0;) {
      if (++index[axis] < ref.shape[axis]) {
        offset += ref.strides[axis];
        break;
      }
      offset -= (ref.shape[axis] - 1) * ref.strides[axis];
      index[axis] = 0;
    }
  }
}

/// A dense C-order fp64 copy of a validated float view; zeros if absent.
std::vector<double> gather(const TensorRef &ref) {
  std::vector<double> dense(static_cast<size_t>(ref.numElements()), 0.0);
  if (!ref.present())
    return dense;
  if (ref.dtype == DType::F32) {
    const float *base = static_cast<const float *>(ref.data);
    forEachOffset(ref, [&](int64_t linear, int64_t offset) {
      dense[linear] = static_cast<double>(base[offset]);
    });
  } else {
    const double *base = static_cast<const double *>(ref.data);
    forEachOffset(ref, [&](int64_t linear, int64_t offset) {
      dense[linear] = base[offset];
    });
  }
  return dense;
}

/// Writes a dense C-order fp64 array into a validated float view (skipped if
/// the view is absent).
void scatter(const std::vector<double> &dense, const TensorRef &ref) {
  if (!ref.present())
    return;
  if (ref.dtype == DType::F32) {
    float *base = static_cast<float *>(ref.data);
    forEachOffset(ref, [&](int64_t linear, int64_t offset) {
      base[offset] = static_cast<float>(dense[linear]);
    });
  } else {
    double *base = static_cast<double *>(ref.data);
    forEachOffset(ref, [&](int64_t linear, int64_t offset) {
      base[offset] = dense[linear];
    });
  }
}

/// Integer entries of a validated index view, in C order.
std::vector<int64_t> gatherIndices(const TensorRef &ref) {
  std::vector<int64_t> dense(static_cast<size_t>(ref.numElements()), 0);
  // Contiguous views (the usual case; every kernel call with a graph comes
  // here): a plain widening copy instead of the strided walk.
  bool contiguous = true;
  int64_t stride = 1;
  for (size_t axis = ref.shape.size(); axis-- > 0;) {
    if (ref.shape[axis] != 1 && ref.strides[axis] != stride)
      contiguous = false;
    stride *= ref.shape[axis];
  }
  if (contiguous) {
    if (ref.dtype == DType::I32) {
      const int32_t *base = static_cast<const int32_t *>(ref.data);
      std::copy(base, base + dense.size(), dense.begin());
    } else {
      const int64_t *base = static_cast<const int64_t *>(ref.data);
      std::copy(base, base + dense.size(), dense.begin());
    }
    return dense;
  }
  if (ref.dtype == DType::I32) {
    const int32_t *base = static_cast<const int32_t *>(ref.data);
    forEachOffset(ref, [&](int64_t linear, int64_t offset) {
      dense[linear] = base[offset];
    });
  } else {
    const int64_t *base = static_cast<const int64_t *>(ref.data);
    forEachOffset(ref, [&](int64_t linear, int64_t offset) {
      dense[linear] = base[offset];
    });
  }
  return dense;
}

//===----------------------------------------------------------------------===//
// Per-position algebra (SPEC §0 layouts)
//===----------------------------------------------------------------------===//

/// The per-position sizes. Layouts: q [DK,JQ], k [DK,JK], v [DV,JV],
/// state C [DK,DV,JT], T [JT,JT], S [JT,JK,JV], M [JO,JQ,JT],
/// D [JO,JQ,JK,JV], y [DV,JO].
struct Dims {
  int64_t dk, dv, jt, jk, jv, jq, jo;

  int64_t q() const { return dk * jq; }
  int64_t k() const { return dk * jk; }
  int64_t v() const { return dv * jv; }
  int64_t state() const { return dk * dv * jt; }
  int64_t transition() const { return jt * jt; }
  int64_t source() const { return jt * jk * jv; }
  int64_t mark() const { return jo * jq * jt; }
  int64_t direct() const { return jo * jq * jk * jv; }
  int64_t y() const { return dv * jo; }
};

/// out[d,v,i] += Σ_j T[i,j] in[d,v,j]
void addTransition(const Dims &dims, const double *t, const double *in,
                   double *out) {
  for (int64_t dv = 0; dv < dims.dk * dims.dv; ++dv) {
    const double *cin = in + dv * dims.jt;
    double *cout = out + dv * dims.jt;
    for (int64_t i = 0; i < dims.jt; ++i) {
      double sum = 0.0;
      for (int64_t j = 0; j < dims.jt; ++j)
        sum += t[i * dims.jt + j] * cin[j];
      cout[i] += sum;
    }
  }
}

/// c[d,v,i] += Σ_{j,l} S[i,j,l] k[d,j] v[v,l]
void addSource(const Dims &dims, const double *s, const double *k,
               const double *v, double *c) {
  for (int64_t d = 0; d < dims.dk; ++d)
    for (int64_t e = 0; e < dims.dv; ++e) {
      double *cell = c + (d * dims.dv + e) * dims.jt;
      for (int64_t i = 0; i < dims.jt; ++i) {
        double sum = 0.0;
        for (int64_t j = 0; j < dims.jk; ++j)
          for (int64_t l = 0; l < dims.jv; ++l)
            sum += s[(i * dims.jk + j) * dims.jv + l] * k[d * dims.jk + j] *
                   v[e * dims.jv + l];
        cell[i] += sum;
      }
    }
}

/// y[v,o] += Σ_{d,j,u} q[d,j] M[o,j,u] C[d,v,u]
void addMark(const Dims &dims, const double *q, const double *m,
             const double *c, double *y) {
  for (int64_t e = 0; e < dims.dv; ++e)
    for (int64_t o = 0; o < dims.jo; ++o) {
      double sum = 0.0;
      for (int64_t d = 0; d < dims.dk; ++d)
        for (int64_t j = 0; j < dims.jq; ++j)
          for (int64_t u = 0; u < dims.jt; ++u)
            sum += q[d * dims.jq + j] * m[(o * dims.jq + j) * dims.jt + u] *
                   c[(d * dims.dv + e) * dims.jt + u];
      y[e * dims.jo + o] += sum;
    }
}

/// y[v,o] += Σ_{d,j,k,l} q[d,j] D[o,j,k,l] k[d,k] v[v,l]
void addDirect(const Dims &dims, const double *q, const double *direct,
               const double *k, const double *v, double *y) {
  std::vector<double> qk(static_cast<size_t>(dims.jq * dims.jk), 0.0);
  for (int64_t j = 0; j < dims.jq; ++j)
    for (int64_t kk = 0; kk < dims.jk; ++kk)
      for (int64_t d = 0; d < dims.dk; ++d)
        qk[j * dims.jk + kk] += q[d * dims.jq + j] * k[d * dims.jk + kk];
  for (int64_t e = 0; e < dims.dv; ++e)
    for (int64_t o = 0; o < dims.jo; ++o) {
      double sum = 0.0;
      for (int64_t j = 0; j < dims.jq; ++j)
        for (int64_t kk = 0; kk < dims.jk; ++kk)
          for (int64_t l = 0; l < dims.jv; ++l)
            sum += direct[((o * dims.jq + j) * dims.jk + kk) * dims.jv + l] *
                   qk[j * dims.jk + kk] * v[e * dims.jv + l];
      y[e * dims.jo + o] += sum;
    }
}

/// The QK scale s (SPEC A7): NaN selects DK^-1/2.
double resolveQkScale(double qkScale, int64_t dk) {
  if (!std::isnan(qkScale))
    return qkScale;
  return dk > 0 ? 1.0 / std::sqrt(static_cast<double>(dk)) : 1.0;
}

void scaleAll(std::vector<double> &values, double factor) {
  for (double &value : values)
    value *= factor;
}

/// Text of one (a, b) pair of an index tensor, e.g. "edges[3] = (5, 9)".
std::string pairText(const char *name, int64_t index, int64_t first,
                     int64_t second) {
  return std::string(name) + "[" + std::to_string(index) + "] = (" +
         std::to_string(first) + ", " + std::to_string(second) + ")";
}

/// Checks an [X, 2] integer index tensor; binds nothing.
Status checkPairTensor(const char *name, const char *countSymbol,
                       const TensorRef &ref) {
  ShapeChecker shapes;
  return shapes.check(name, ref, {countSymbol, "2"}, Role::IndexInput);
}

} // namespace

//===----------------------------------------------------------------------===//
// Graph validation (SPEC A6)
//===----------------------------------------------------------------------===//

Status validateGraph(int64_t numNodes, const TensorRef &edges,
                     const TensorRef &lineEdges,
                     std::vector<int64_t> *edgeOrder) {
  if (numNodes < 0)
    return Status::error("graph: negative node count " +
                         std::to_string(numNodes));
  if (Status status = checkPairTensor("edges", "E", edges); !status)
    return status;
  if (Status status = checkPairTensor("line_edges", "L", lineEdges); !status)
    return status;
  const int64_t numEdges = edges.shape[0];
  const int64_t numLines = lineEdges.shape[0];
  std::vector<int64_t> edgeData = gatherIndices(edges);
  std::vector<int64_t> lineData = gatherIndices(lineEdges);
  auto tail = [&](int64_t e) { return edgeData[2 * e]; };
  auto head = [&](int64_t e) { return edgeData[2 * e + 1]; };

  for (int64_t e = 0; e < numEdges; ++e) {
    for (int64_t node : {tail(e), head(e)})
      if (node < 0 || node >= numNodes)
        return Status::error(pairText("edges", e, tail(e), head(e)) +
                             ": node " + std::to_string(node) +
                             " is out of range [0, " +
                             std::to_string(numNodes) + ")");
    if (tail(e) == head(e))
      return Status::error(pairText("edges", e, tail(e), head(e)) +
                           ": self-loop at node " + std::to_string(tail(e)) +
                           " (a cycle)");
  }
  for (int64_t l = 0; l < numLines; ++l) {
    int64_t in = lineData[2 * l], out = lineData[2 * l + 1];
    for (int64_t e : {in, out})
      if (e < 0 || e >= numEdges)
        return Status::error(pairText("line_edges", l, in, out) + ": edge " +
                             std::to_string(e) + " is out of range [0, " +
                             std::to_string(numEdges) + ")");
    if (head(in) != tail(out))
      return Status::error(
          pairText("line_edges", l, in, out) + ": edge " + std::to_string(in) +
          " ends at node " + std::to_string(head(in)) + " but edge " +
          std::to_string(out) + " starts at node " + std::to_string(tail(out)));
  }

  // Kahn's algorithm on the nodes. Each node's outgoing and incoming edges
  // in edge order, as ranges of one array each (compressed rows: a few
  // allocations per call, not two vectors per node; this runs on every
  // kernel call with a graph).
  struct EdgesByNode {
    std::vector<int64_t> start, edges; // node n: edges[start[n] .. start[n+1])
  };
  auto groupBy = [&](auto nodeOf) {
    EdgesByNode g{std::vector<int64_t>(numNodes + 1, 0),
                  std::vector<int64_t>(numEdges)};
    for (int64_t e = 0; e < numEdges; ++e)
      ++g.start[nodeOf(e) + 1];
    for (int64_t n = 0; n < numNodes; ++n)
      g.start[n + 1] += g.start[n];
    std::vector<int64_t> next(g.start.begin(), g.start.end() - 1);
    for (int64_t e = 0; e < numEdges; ++e)
      g.edges[next[nodeOf(e)]++] = e;
    return g;
  };
  const EdgesByNode outgoing = groupBy(tail), incoming = groupBy(head);
  std::vector<int64_t> inDegree(numNodes);
  for (int64_t n = 0; n < numNodes; ++n)
    inDegree[n] = incoming.start[n + 1] - incoming.start[n];
  std::vector<int64_t> position(numNodes, -1), ready;
  ready.reserve(numNodes);
  for (int64_t n = 0; n < numNodes; ++n)
    if (inDegree[n] == 0)
      ready.push_back(n);
  int64_t placed = 0;
  while (!ready.empty()) {
    int64_t n = ready.back();
    ready.pop_back();
    position[n] = placed++;
    for (int64_t i = outgoing.start[n]; i < outgoing.start[n + 1]; ++i)
      if (--inDegree[head(outgoing.edges[i])] == 0)
        ready.push_back(head(outgoing.edges[i]));
  }
  if (placed != numNodes) {
    // Every unplaced node has an incoming edge from another unplaced node:
    // walking such edges backwards must revisit a node, closing a cycle.
    int64_t start = 0;
    while (position[start] >= 0)
      ++start;
    std::vector<int64_t> walkIndex(numNodes, -1), walkEdges;
    int64_t node = start;
    while (walkIndex[node] < 0) {
      walkIndex[node] = static_cast<int64_t>(walkEdges.size());
      int64_t via = -1;
      for (int64_t i = incoming.start[node]; i < incoming.start[node + 1]; ++i)
        if (position[tail(incoming.edges[i])] < 0) {
          via = incoming.edges[i];
          break;
        }
      walkEdges.push_back(via);
      node = tail(via);
    }
    // The cycle is walkEdges[walkIndex[node] ..], in reverse edge direction.
    std::vector<int64_t> cycle(walkEdges.begin() + walkIndex[node],
                               walkEdges.end());
    std::reverse(cycle.begin(), cycle.end());
    std::string text = "edges: the graph has a cycle through node " +
                       std::to_string(node) + ":";
    const size_t shown = 8;
    for (size_t i = 0; i < cycle.size() && i < shown; ++i)
      text += (i ? ", " : " ") +
              pairText("edges", cycle[i], tail(cycle[i]), head(cycle[i]));
    if (cycle.size() > shown)
      text += ", ... (" + std::to_string(cycle.size()) + " edges)";
    return Status::error(text);
  }

  if (edgeOrder) {
    // Ordering edges by the topological position of their tail is a
    // topological order of the line graph: for a line edge e' -> e,
    // pos(tail e') < pos(head e') = pos(tail e).
    edgeOrder->resize(numEdges);
    for (int64_t e = 0; e < numEdges; ++e)
      (*edgeOrder)[e] = e;
    std::stable_sort(edgeOrder->begin(), edgeOrder->end(),
                     [&](int64_t a, int64_t b) {
                       return position[tail(a)] < position[tail(b)];
                     });
  }
  return Status::success();
}

//===----------------------------------------------------------------------===//
// scan1d (SPEC §2.2)
//===----------------------------------------------------------------------===//

Status referenceScan1D(const Scan1DArgs &args, const Scan1DResults &results) {
  ShapeChecker shapes;
  // The order decides which tensor defines each symbol: JT comes from the
  // transition, JO from the mark.
  Status status = checkAll(
      shapes,
      {
          {"q", args.q, {"B", "T", "DK", "JQ"}, Role::Input},
          {"k", args.k, {"B", "T", "DK", "JK"}, Role::Input},
          {"v", args.v, {"B", "T", "DV", "JV"}, Role::Input},
          {"transition", args.transition, {"B", "T", "JT", "JT"}, Role::Input},
          {"source", args.source, {"B", "T", "JT", "JK", "JV"}, Role::Input},
          {"mark", args.mark, {"B", "T", "JO", "JQ", "JT"}, Role::Input},
          {"direct",
           args.direct,
           {"B", "T", "JO", "JQ", "JK", "JV"},
           Role::Input},
          {"initial",
           args.initial,
           {"B", "DK", "DV", "JT"},
           Role::OptionalInput},
          {"y", results.y, {"B", "T", "DV", "JO"}, Role::Output},
          {"last", results.last, {"B", "DK", "DV", "JT"}, Role::OptionalOutput},
      });
  if (!status)
    return status;

  const Dims dims{shapes.get("DK"), shapes.get("DV"), shapes.get("JT"),
                  shapes.get("JK"), shapes.get("JV"), shapes.get("JQ"),
                  shapes.get("JO")};
  const int64_t batch = shapes.get("B"), length = shapes.get("T");
  const double scale = resolveQkScale(args.qkScale, dims.dk);

  const std::vector<double> q = gather(args.q), k = gather(args.k),
                            v = gather(args.v), source = gather(args.source),
                            transition = gather(args.transition),
                            mark = gather(args.mark),
                            direct = gather(args.direct),
                            initial = gather(args.initial);
  std::vector<double> y(static_cast<size_t>(batch * length * dims.y()), 0.0);
  std::vector<double> last(static_cast<size_t>(batch * dims.state()), 0.0);

  std::vector<double> state(dims.state()), next(dims.state());
  for (int64_t b = 0; b < batch; ++b) {
    // C_{-1} = C_initial or 0.
    if (args.initial.present())
      std::copy_n(initial.data() + b * dims.state(), dims.state(),
                  state.begin());
    else
      std::fill(state.begin(), state.end(), 0.0);
    for (int64_t t = 0; t < length; ++t) {
      int64_t at = b * length + t;
      const double *qt = q.data() + at * dims.q(),
                   *kt = k.data() + at * dims.k(),
                   *vt = v.data() + at * dims.v();
      double *yt = y.data() + at * dims.y();
      // y_t reads the state arriving at t (C_{t-1}), plus the direct term.
      addMark(dims, qt, mark.data() + at * dims.mark(), state.data(), yt);
      addDirect(dims, qt, direct.data() + at * dims.direct(), kt, vt, yt);
      // C_t = T0_t · C_{t-1} + S0_t ⋆ (k_t ⊗ v_t).
      std::fill(next.begin(), next.end(), 0.0);
      addTransition(dims, transition.data() + at * dims.transition(),
                    state.data(), next.data());
      addSource(dims, source.data() + at * dims.source(), kt, vt, next.data());
      std::swap(state, next);
    }
    std::copy(state.begin(), state.end(), last.begin() + b * dims.state());
  }
  scaleAll(y, scale);
  // Optional RMS norm of each output row over DV·JO (output_norm_eps).
  if (args.outputNormEps > 0)
    for (int64_t row = 0; row < batch * length; ++row) {
      double *yt = y.data() + row * dims.y(), squares = 0;
      for (int64_t e = 0; e < dims.y(); ++e)
        squares += yt[e] * yt[e];
      double inverse = 1.0 / std::sqrt(squares / static_cast<double>(dims.y()) +
                                       args.outputNormEps);
      for (int64_t e = 0; e < dims.y(); ++e)
        yt[e] *= inverse;
    }

  scatter(y, results.y);
  scatter(last, results.last);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// scan2d (SPEC §3.2, §3.6, A3-A5)
//===----------------------------------------------------------------------===//

Status referenceScan2D(const Scan2DArgs &args, const Scan2DResults &results) {
  const std::vector<int> &orientations = args.orientations;
  if (orientations.empty())
    return Status::error("orientations: the set is empty");
  for (size_t i = 0; i < orientations.size(); ++i) {
    if (orientations[i] < 0 || orientations[i] > 3)
      return Status::error("orientations[" + std::to_string(i) +
                           "] = " + std::to_string(orientations[i]) +
                           " is not an orientation (expected 0, 1, 2 or 3)");
    for (size_t j = 0; j < i; ++j)
      if (orientations[j] == orientations[i])
        return Status::error("orientations[" + std::to_string(i) +
                             "] = " + std::to_string(orientations[i]) +
                             " repeats orientations[" + std::to_string(j) +
                             "]");
  }

  ShapeChecker shapes;
  shapes.bind("O", static_cast<int64_t>(orientations.size()), "orientations");
  const std::vector<std::string> transitionLayout = {"B",  "O",  "MX",
                                                     "MY", "JT", "JT"};
  const std::vector<std::string> sourceLayout = {"B",  "O",  "MX", "MY",
                                                 "JT", "JK", "JV"};
  const std::vector<std::string> markLayout = {"B",  "O",  "MX", "MY",
                                               "JO", "JQ", "JT"};
  Status status = checkAll(
      shapes, {
                  {"q", args.q, {"B", "MX", "MY", "DK", "JQ"}, Role::Input},
                  {"k", args.k, {"B", "MX", "MY", "DK", "JK"}, Role::Input},
                  {"v", args.v, {"B", "MX", "MY", "DV", "JV"}, Role::Input},
                  {"t_rl", args.tRL, transitionLayout, Role::Input},
                  {"t_du", args.tDU, transitionLayout, Role::Input},
                  {"t_dl", args.tDL, transitionLayout, Role::OptionalInput},
                  {"t_ru", args.tRU, transitionLayout, Role::OptionalInput},
                  {"source_r", args.sourceR, sourceLayout, Role::Input},
                  {"source_d", args.sourceD, sourceLayout, Role::Input},
                  {"mark_l", args.markL, markLayout, Role::Input},
                  {"mark_u", args.markU, markLayout, Role::Input},
                  {"direct",
                   args.direct,
                   {"B", "MX", "MY", "JO", "JQ", "JK", "JV"},
                   Role::Input},
                  {"init_left",
                   args.initLeft,
                   {"B", "O", "MY", "DK", "DV", "JT"},
                   Role::OptionalInput},
                  {"init_top",
                   args.initTop,
                   {"B", "O", "MX", "DK", "DV", "JT"},
                   Role::OptionalInput},
                  {"y", results.y, {"B", "MX", "MY", "DV", "JO"}, Role::Output},
                  {"last_right",
                   results.lastRight,
                   {"B", "O", "MY", "DK", "DV", "JT"},
                   Role::OptionalOutput},
                  {"last_down",
                   results.lastDown,
                   {"B", "O", "MX", "DK", "DV", "JT"},
                   Role::OptionalOutput},
              });
  if (!status)
    return status;

  const Dims dims{shapes.get("DK"), shapes.get("DV"), shapes.get("JT"),
                  shapes.get("JK"), shapes.get("JV"), shapes.get("JQ"),
                  shapes.get("JO")};
  const int64_t batch = shapes.get("B"), mx = shapes.get("MX"),
                my = shapes.get("MY");
  const int64_t numOrient = static_cast<int64_t>(orientations.size());
  const double scale = resolveQkScale(args.qkScale, dims.dk);
  const bool hasDL = args.tDL.present(), hasRU = args.tRU.present();

  const std::vector<double> q = gather(args.q), k = gather(args.k),
                            v = gather(args.v), sourceR = gather(args.sourceR),
                            sourceD = gather(args.sourceD),
                            tRL = gather(args.tRL), tDU = gather(args.tDU),
                            tDL = gather(args.tDL), tRU = gather(args.tRU),
                            markL = gather(args.markL),
                            markU = gather(args.markU),
                            direct = gather(args.direct),
                            initLeft = gather(args.initLeft),
                            initTop = gather(args.initTop);
  std::vector<double> y(static_cast<size_t>(batch * mx * my * dims.y()), 0.0);
  std::vector<double> lastRight(
      static_cast<size_t>(batch * numOrient * my * dims.state()), 0.0);
  std::vector<double> lastDown(
      static_cast<size_t>(batch * numOrient * mx * dims.state()), 0.0);

  const int64_t stateSize = dims.state();
  std::vector<double> rights(static_cast<size_t>(my * stateSize));
  std::vector<double> down(stateSize), newRight(stateSize), newDown(stateSize);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t oi = 0; oi < numOrient; ++oi) {
      const bool flipX = orientations[oi] & 1, flipY = orientations[oi] & 2;
      // Scan coordinates (sx, sy) run along the orientation's edges; the
      // original coordinates index every tensor, boundaries included.
      auto origX = [&](int64_t sx) { return flipX ? mx - 1 - sx : sx; };
      auto origY = [&](int64_t sy) { return flipY ? my - 1 - sy : sy; };
      const int64_t borderBase = b * numOrient + oi;

      // Per-row right-going states, entering the first scanned column.
      if (args.initLeft.present()) {
        for (int64_t sy = 0; sy < my; ++sy)
          std::copy_n(initLeft.data() +
                          (borderBase * my + origY(sy)) * stateSize,
                      stateSize, rights.data() + sy * stateSize);
      } else {
        std::fill(rights.begin(), rights.end(), 0.0);
      }

      for (int64_t sx = 0; sx < mx; ++sx) {
        const int64_t x = origX(sx);
        // The down-going state entering this column at its first row.
        if (args.initTop.present())
          std::copy_n(initTop.data() + (borderBase * mx + x) * stateSize,
                      stateSize, down.begin());
        else
          std::fill(down.begin(), down.end(), 0.0);

        for (int64_t sy = 0; sy < my; ++sy) {
          const int64_t yy = origY(sy);
          const int64_t node = (b * mx + x) * my + yy;
          const int64_t gate = ((b * numOrient + oi) * mx + x) * my + yy;
          const double *qn = q.data() + node * dims.q(),
                       *kn = k.data() + node * dims.k(),
                       *vn = v.data() + node * dims.v();
          double *left = rights.data() + sy * stateSize;
          const double *up = down.data();

          // y reads the incoming l and u states.
          double *yn = y.data() + node * dims.y();
          addMark(dims, qn, markL.data() + gate * dims.mark(), left, yn);
          addMark(dims, qn, markU.data() + gate * dims.mark(), up, yn);

          // C^r = T_rl·C^l + T_ru·C^u + S_r ⋆ kv.
          std::fill(newRight.begin(), newRight.end(), 0.0);
          addTransition(dims, tRL.data() + gate * dims.transition(), left,
                        newRight.data());
          if (hasRU)
            addTransition(dims, tRU.data() + gate * dims.transition(), up,
                          newRight.data());
          addSource(dims, sourceR.data() + gate * dims.source(), kn, vn,
                    newRight.data());
          // C^d = T_du·C^u + T_dl·C^l + S_d ⋆ kv.
          std::fill(newDown.begin(), newDown.end(), 0.0);
          addTransition(dims, tDU.data() + gate * dims.transition(), up,
                        newDown.data());
          if (hasDL)
            addTransition(dims, tDL.data() + gate * dims.transition(), left,
                          newDown.data());
          addSource(dims, sourceD.data() + gate * dims.source(), kn, vn,
                    newDown.data());

          std::copy(newRight.begin(), newRight.end(), left);
          std::swap(down, newDown);
        }
        std::copy(down.begin(), down.end(),
                  lastDown.begin() + (borderBase * mx + x) * stateSize);
      }
      for (int64_t sy = 0; sy < my; ++sy)
        std::copy_n(rights.data() + sy * stateSize, stateSize,
                    lastRight.begin() +
                        (borderBase * my + origY(sy)) * stateSize);
    }
    // D is added once, whatever the orientations (SPEC A5).
    for (int64_t x = 0; x < mx; ++x)
      for (int64_t yy = 0; yy < my; ++yy) {
        const int64_t node = (b * mx + x) * my + yy;
        addDirect(dims, q.data() + node * dims.q(),
                  direct.data() + node * dims.direct(),
                  k.data() + node * dims.k(), v.data() + node * dims.v(),
                  y.data() + node * dims.y());
      }
  }
  scaleAll(y, scale);

  scatter(y, results.y);
  scatter(lastRight, results.lastRight);
  scatter(lastDown, results.lastDown);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// scan_dag (SPEC §1, §4, A6)
//===----------------------------------------------------------------------===//

Status referenceScanDag(const ScanDagArgs &args,
                        const ScanDagResults &results) {
  ShapeChecker shapes;
  Status status = checkAll(
      shapes,
      {
          {"q", args.q, {"B", "N", "DK", "JQ"}, Role::Input},
          {"k", args.k, {"B", "N", "DK", "JK"}, Role::Input},
          {"v", args.v, {"B", "N", "DV", "JV"}, Role::Input},
          {"edges", args.edges, {"E", "2"}, Role::IndexInput},
          {"line_edges", args.lineEdges, {"L", "2"}, Role::IndexInput},
          {"transition", args.transition, {"B", "L", "JT", "JT"}, Role::Input},
          {"source", args.source, {"B", "E", "JT", "JK", "JV"}, Role::Input},
          {"mark", args.mark, {"B", "E", "JO", "JQ", "JT"}, Role::Input},
          {"direct",
           args.direct,
           {"B", "N", "JO", "JQ", "JK", "JV"},
           Role::Input},
          {"y", results.y, {"B", "N", "DV", "JO"}, Role::Output},
      });
  if (!status)
    return status;

  const Dims dims{shapes.get("DK"), shapes.get("DV"), shapes.get("JT"),
                  shapes.get("JK"), shapes.get("JV"), shapes.get("JQ"),
                  shapes.get("JO")};
  const int64_t batch = shapes.get("B"), numNodes = shapes.get("N"),
                numEdges = shapes.get("E"), numLines = shapes.get("L");

  std::vector<int64_t> order;
  if (Status status =
          validateGraph(numNodes, args.edges, args.lineEdges, &order);
      !status)
    return status;
  const std::vector<int64_t> edges = gatherIndices(args.edges);
  const std::vector<int64_t> lines = gatherIndices(args.lineEdges);
  // The line edges entering each edge.
  std::vector<std::vector<int64_t>> linesInto(numEdges);
  for (int64_t l = 0; l < numLines; ++l)
    linesInto[lines[2 * l + 1]].push_back(l);

  const double scale = resolveQkScale(args.qkScale, dims.dk);
  const std::vector<double> q = gather(args.q), k = gather(args.k),
                            v = gather(args.v), source = gather(args.source),
                            transition = gather(args.transition),
                            mark = gather(args.mark),
                            direct = gather(args.direct);
  std::vector<double> y(static_cast<size_t>(batch * numNodes * dims.y()), 0.0);

  const int64_t stateSize = dims.state();
  std::vector<double> states(static_cast<size_t>(numEdges * stateSize));
  for (int64_t b = 0; b < batch; ++b) {
    std::fill(states.begin(), states.end(), 0.0);
    // C_e = Σ_{e'→e} T_{e,e'}·C_{e'} + S_e ⋆ (k_u ⊗ v_u), e = (u→w), in
    // topological order of the line graph.
    for (int64_t e : order) {
      const int64_t tail = edges[2 * e];
      double *state = states.data() + e * stateSize;
      for (int64_t l : linesInto[e])
        addTransition(
            dims, transition.data() + (b * numLines + l) * dims.transition(),
            states.data() + lines[2 * l] * stateSize, state);
      const int64_t node = b * numNodes + tail;
      addSource(dims, source.data() + (b * numEdges + e) * dims.source(),
                k.data() + node * dims.k(), v.data() + node * dims.v(), state);
    }
    // y_w = Σ_{e into w} q_w⋅M_e⋅C_e + q_w⋅D_w⋅(k_w ⊗ v_w).
    for (int64_t e = 0; e < numEdges; ++e) {
      const int64_t node = b * numNodes + edges[2 * e + 1];
      addMark(dims, q.data() + node * dims.q(),
              mark.data() + (b * numEdges + e) * dims.mark(),
              states.data() + e * stateSize, y.data() + node * dims.y());
    }
    for (int64_t n = 0; n < numNodes; ++n) {
      const int64_t node = b * numNodes + n;
      addDirect(dims, q.data() + node * dims.q(),
                direct.data() + node * dims.direct(),
                k.data() + node * dims.k(), v.data() + node * dims.v(),
                y.data() + node * dims.y());
    }
  }
  scaleAll(y, scale);

  scatter(y, results.y);
  return Status::success();
}

} // namespace plstm

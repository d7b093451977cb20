//===- JITTest.cpp - compiled kernels against the reference evaluator -----===//
//
// Randomized problems for each scan op (non-power-of-two sizes, J > 1,
// missing turns, orientation sets, initial/final states, dynamic batch,
// random multi-component DAGs up to 200 nodes) compiled with the JIT and, for
// one spec per op, as an AOT shared library loaded by the core runtime; each
// result must equal the fp64 reference evaluator within the documented
// tolerance (1e-4 of the largest reference value for f32, 1e-10 for f64).
// Outputs are poisoned with NaN before every call. Call-time errors must be
// reported as values.
//
//===----------------------------------------------------------------------===//

#include "runtime/jit/JIT.h"
#include "codegen/CPUTarget.h"
#include "runtime/Kernel.h"
#include "runtime/Reference.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/OptBisect.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Target/TargetMachine.h"

#include <gtest/gtest.h>

#include <cmath>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif
#include <functional>
#include <cstdio>
#include <map>
#include <random>
#include <set>

using namespace plstm;

namespace {

std::string dims(std::vector<std::string> parts, const std::string &et) {
  std::string text = "tensor<";
  for (const std::string &p : parts)
    text += p + "x";
  return text + et + ">";
}
std::string s(int64_t v) { return std::to_string(v); }

/// "tensor<?x4x...xET>" for a shape with -1 for dynamic dims.
std::string tensorType(const std::vector<int64_t> &shape,
                       const std::string &et) {
  std::vector<std::string> parts;
  for (int64_t v : shape)
    parts.push_back(v < 0 ? "?" : s(v));
  return dims(parts, et);
}

/// Appends the weights of a layer spec (named shapes) as function
/// arguments %w<i>, op operands, the `names` list and the operand types.
void appendWeightArgs(
    const std::vector<std::pair<std::string, std::vector<int64_t>>> &weights,
    const std::string &et, std::string &args, std::string &ops,
    std::string &names, std::string &types) {
  for (size_t i = 0; i < weights.size(); ++i) {
    std::string t = tensorType(weights[i].second, et);
    args += ", %w" + s(i) + ": " + t;
    ops += (i ? ", %w" : "%w") + s(i);
    names += std::string(i ? ", " : "") + "\"" + weights[i].first + "\"";
    types += ", " + t;
  }
}

struct J {
  int64_t dk, dv, jq, jk, jv, jt, jo;
};

/// A spec with one scan1d (B, T dynamic).
std::string spec1D(const J &j, bool init, const std::string &et) {
  std::vector<std::string> types = {
      dims({"?", "?", s(j.dk), s(j.jq)}, et),
      dims({"?", "?", s(j.dk), s(j.jk)}, et),
      dims({"?", "?", s(j.dv), s(j.jv)}, et),
      dims({"?", "?", s(j.jt), s(j.jk), s(j.jv)}, et),
      dims({"?", "?", s(j.jt), s(j.jt)}, et),
      dims({"?", "?", s(j.jo), s(j.jq), s(j.jt)}, et),
      dims({"?", "?", s(j.jo), s(j.jq), s(j.jk), s(j.jv)}, et)};
  if (init)
    types.push_back(dims({"?", s(j.dk), s(j.dv), s(j.jt)}, et));
  std::string y = dims({"?", "?", s(j.dv), s(j.jo)}, et),
              last = dims({"?", s(j.dk), s(j.dv), s(j.jt)}, et);
  std::string args, list;
  for (size_t i = 0; i < types.size(); ++i) {
    args += (i ? ", %a" : "%a") + s(i) + ": " + types[i];
    list += (i ? ", " : "") + types[i];
  }
  return "func.func @k(" + args + ") -> (" + y + ", " + last +
         ") {\n  %y, %c = plstm.scan1d qkv(%a0, %a1, %a2) source(%a3) "
         "transition(%a4) mark(%a5) direct(%a6)" +
         (init ? std::string(" init(%a7)") : "") + " : (" + list + ") -> (" +
         y + ", " + last + ")\n  return %y, %c : " + y + ", " + last + "\n}\n";
}

/// A spec with one scan2d (B dynamic).
std::string spec2D(const J &j, int64_t mx, int64_t my,
                   const std::vector<int> &orientations, bool dl, bool ru,
                   bool initLeft, bool initTop, const std::string &et,
                   bool yOnly = false) {
  std::string o = s(orientations.size()), x = s(mx), yy = s(my);
  std::string src = dims({"?", o, x, yy, s(j.jt), s(j.jk), s(j.jv)}, et);
  std::string tr = dims({"?", o, x, yy, s(j.jt), s(j.jt)}, et);
  std::string mk = dims({"?", o, x, yy, s(j.jo), s(j.jq), s(j.jt)}, et);
  std::string left = dims({"?", o, yy, s(j.dk), s(j.dv), s(j.jt)}, et);
  std::string top = dims({"?", o, x, s(j.dk), s(j.dv), s(j.jt)}, et);
  std::vector<std::pair<std::string, std::string>> operands = {
      {"q", dims({"?", x, yy, s(j.dk), s(j.jq)}, et)},
      {"k", dims({"?", x, yy, s(j.dk), s(j.jk)}, et)},
      {"v", dims({"?", x, yy, s(j.dv), s(j.jv)}, et)},
      {"sr", src},
      {"sd", src},
      {"trl", tr},
      {"tdu", tr}};
  if (dl)
    operands.push_back({"tdl", tr});
  if (ru)
    operands.push_back({"tru", tr});
  operands.push_back({"ml", mk});
  operands.push_back({"mu", mk});
  operands.push_back(
      {"d", dims({"?", x, yy, s(j.jo), s(j.jq), s(j.jk), s(j.jv)}, et)});
  if (initLeft)
    operands.push_back({"il", left});
  if (initTop)
    operands.push_back({"it", top});
  std::string args, list;
  for (size_t i = 0; i < operands.size(); ++i) {
    args += (i ? ", %" : "%") + operands[i].first + ": " + operands[i].second;
    list += (i ? ", " : "") + operands[i].second;
  }
  std::string y = dims({"?", x, yy, s(j.dv), s(j.jo)}, et);
  std::string orient;
  for (size_t i = 0; i < orientations.size(); ++i)
    orient += (i ? ", " : "") + s(orientations[i]);
  std::string all = y + ", " + left + ", " + top;
  std::string results = yOnly ? y : all;
  return "func.func @k(" + args + ") -> (" + results +
         ") {\n  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) "
         "transition(%trl, %tdu)" +
         (dl ? " turn_dl(%tdl)" : "") + (ru ? " turn_ru(%tru)" : "") +
         " mark(%ml, %mu) direct(%d)" + (initLeft ? " init_left(%il)" : "") +
         (initTop ? " init_top(%it)" : "") + " orientations [" + orient +
         "] : (" + list + ") -> (" + all + ")\n  return " +
         (yOnly ? "%y" : "%y, %r, %dd") + " : " + results + "\n}\n";
}

/// A spec with one scan_dag (B, N, E, L dynamic).
std::string specDag(const J &j, const std::string &et) {
  std::vector<std::string> types = {
      dims({"?", "?", s(j.dk), s(j.jq)}, et),
      dims({"?", "?", s(j.dk), s(j.jk)}, et),
      dims({"?", "?", s(j.dv), s(j.jv)}, et),
      "tensor<?x2xi32>",
      "tensor<?x2xi64>",
      dims({"?", "?", s(j.jt), s(j.jk), s(j.jv)}, et),
      dims({"?", "?", s(j.jt), s(j.jt)}, et),
      dims({"?", "?", s(j.jo), s(j.jq), s(j.jt)}, et),
      dims({"?", "?", s(j.jo), s(j.jq), s(j.jk), s(j.jv)}, et)};
  std::string y = dims({"?", "?", s(j.dv), s(j.jo)}, et);
  std::string args, list;
  for (size_t i = 0; i < types.size(); ++i) {
    args += (i ? ", %a" : "%a") + s(i) + ": " + types[i];
    list += (i ? ", " : "") + types[i];
  }
  return "func.func @k(" + args + ") -> " + y +
         " {\n  %y = plstm.scan_dag qkv(%a0, %a1, %a2) graph(%a3, %a4) "
         "source(%a5) transition(%a6) mark(%a7) direct(%a8) : (" +
         list + ") -> " + y + "\n  return %y : " + y + "\n}\n";
}

/// Random inputs for a signature: dynamic dims from `sizes`; a random
/// multi-component DAG for graph roles (sizes["N"] nodes).
std::vector<Tensor> randomInputs(const KernelSignature &sig,
                                 std::map<std::string, int64_t> sizes,
                                 std::mt19937 &rng) {
  std::vector<std::pair<int64_t, int64_t>> edges, lines;
  if (sizes.count("CHAIN")) {
    // One long chain 0 -> 1 -> ... -> N-1: N - 1 levels.
    for (int64_t i = 0; i + 1 < sizes["N"]; ++i)
      edges.push_back({i, i + 1});
    for (int64_t e = 0; e + 1 < int64_t(edges.size()); ++e)
      lines.push_back({e, e + 1});
    sizes["E"] = edges.size();
    sizes["L"] = lines.size();
  } else if (sizes.count("N")) {
    // Components of 1..12 nodes; edges i -> j (i < j) inside a component.
    int64_t n = sizes["N"];
    std::vector<int64_t> perm(n);
    for (int64_t i = 0; i < n; ++i)
      perm[i] = i;
    std::shuffle(perm.begin(), perm.end(), rng); // node labels not sorted
    for (int64_t start = 0; start < n;) {
      int64_t size = std::min<int64_t>(n - start, 1 + rng() % 12);
      for (int64_t a = 0; a < size; ++a)
        for (int64_t b = a + 1; b < size; ++b)
          if (rng() % 3 == 0)
            edges.push_back({perm[start + a], perm[start + b]});
      start += size;
    }
    std::shuffle(edges.begin(), edges.end(), rng);
    for (size_t a = 0; a < edges.size(); ++a)
      for (size_t b = 0; b < edges.size(); ++b)
        if (edges[a].second == edges[b].first && rng() % 4 != 0)
          lines.push_back({int64_t(a), int64_t(b)});
    sizes["E"] = edges.size();
    sizes["L"] = lines.size();
  }
  std::uniform_real_distribution<double> uniform(0, 1);
  std::vector<Tensor> inputs;
  for (const KernelArg &arg : sig.inputs) {
    std::vector<int64_t> shape;
    for (size_t d = 0; d < arg.dims.size(); ++d)
      shape.push_back(arg.dims[d] >= 0 ? arg.dims[d]
                                       : sizes.at(arg.dimNames[d]));
    Tensor t(arg.dtype, shape);
    TensorRef ref = t.ref();
    if (arg.role == "edges" || arg.role == "line_edges") {
      auto &pairs = arg.role == "edges" ? edges : lines;
      for (size_t e = 0; e < pairs.size(); ++e) {
        ref.storeLinear(2 * e, pairs[e].first);
        ref.storeLinear(2 * e + 1, pairs[e].second);
      }
    } else {
      bool transition =
          arg.role == "transition" || arg.role.rfind("t_", 0) == 0;
      bool gate = transition || arg.role.rfind("source", 0) == 0 ||
                  arg.role.rfind("mark", 0) == 0 || arg.role == "direct";
      double jt = arg.dims.back() > 0 ? double(arg.dims.back()) : 1.0;
      for (int64_t i = 0; i < t.numElements(); ++i)
        ref.storeLinear(i, transition ? uniform(rng) * 0.5 / jt
                           : gate     ? uniform(rng)
                                      : 2 * uniform(rng) - 1);
    }
    inputs.push_back(std::move(t));
  }
  return inputs;
}

const TensorRef *byRole(const KernelSignature &sig,
                        const std::vector<TensorRef> &refs,
                        const std::string &role) {
  for (size_t i = 0; i < sig.inputs.size(); ++i)
    if (sig.inputs[i].role == role)
      return &refs[i];
  return nullptr;
}

/// Runs the reference evaluator for the single scan of a generated spec.
Status reference(const KernelSignature &sig, const std::vector<Tensor> &inputs,
                 const std::vector<int> &orientations,
                 std::vector<Tensor> &outputs) {
  std::vector<TensorRef> in;
  for (const Tensor &t : inputs)
    in.push_back(t.ref());
  std::vector<std::vector<int64_t>> shapes;
  if (Status st = sig.resolveShapes(in, shapes); !st)
    return st;
  outputs.clear();
  for (auto &shape : shapes)
    outputs.emplace_back(DType::F64, shape);
  auto get = [&](const char *role) {
    const TensorRef *r = byRole(sig, in, role);
    return r ? *r : TensorRef();
  };
  if (byRole(sig, in, "edges")) {
    ScanDagArgs a;
    a.q = get("q"), a.k = get("k"), a.v = get("v"), a.edges = get("edges");
    a.lineEdges = get("line_edges"), a.source = get("source");
    a.transition = get("transition"), a.mark = get("mark");
    a.direct = get("direct");
    return referenceScanDag(a, {outputs[0].ref()});
  }
  if (byRole(sig, in, "t_rl")) {
    // The last states, also when the kernel does not return them.
    std::vector<int64_t> q = get("q").shape, v = get("v").shape;
    int64_t o = orientations.size(), jt = get("t_rl").shape[4];
    outputs.resize(1);
    outputs.emplace_back(DType::F64,
                         std::vector<int64_t>{q[0], o, q[2], q[3], v[3], jt});
    outputs.emplace_back(DType::F64,
                         std::vector<int64_t>{q[0], o, q[1], q[3], v[3], jt});
    Scan2DArgs a;
    a.q = get("q"), a.k = get("k"), a.v = get("v");
    a.sourceR = get("source_r"), a.sourceD = get("source_d");
    a.tRL = get("t_rl"), a.tDU = get("t_du"), a.tDL = get("t_dl");
    a.tRU = get("t_ru"), a.markL = get("mark_l"), a.markU = get("mark_u");
    a.direct = get("direct"), a.initLeft = get("init_left");
    a.initTop = get("init_top"), a.orientations = orientations;
    return referenceScan2D(
        a, {outputs[0].ref(), outputs[1].ref(), outputs[2].ref()});
  }
  Scan1DArgs a;
  a.q = get("q"), a.k = get("k"), a.v = get("v"), a.source = get("source");
  a.transition = get("transition"), a.mark = get("mark");
  a.direct = get("direct"), a.initial = get("initial");
  return referenceScan1D(a, {outputs[0].ref(), outputs[1].ref()});
}

/// Calls `call` on NaN-poisoned outputs and compares with the reference.
template <typename CallFn>
void expectMatchesReference(const KernelSignature &sig,
                            const std::vector<Tensor> &inputs,
                            const std::vector<int> &orientations, CallFn call) {
  std::vector<Tensor> expected;
  ASSERT_TRUE(reference(sig, inputs, orientations, expected).ok());
  std::vector<TensorRef> in, out;
  for (const Tensor &t : inputs)
    in.push_back(t.ref());
  std::vector<Tensor> outputs;
  expected.resize(std::min(expected.size(), sig.outputs.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    outputs.emplace_back(sig.outputs[i].dtype, expected[i].shape());
    outputs.back().fill(NAN);
  }
  for (Tensor &t : outputs)
    out.push_back(t.ref());
  Status st = call(in, out);
  ASSERT_TRUE(st.ok()) << st.message();
  for (size_t i = 0; i < outputs.size(); ++i) {
    double worst = 0, scale = 0;
    for (int64_t e = 0; e < outputs[i].numElements(); ++e) {
      double got = outputs[i].ref().loadLinear(e);
      double want = expected[i].ref().loadLinear(e);
      ASSERT_TRUE(std::isfinite(got))
          << "output #" << i << " element " << e << " is " << got;
      worst = std::max(worst, std::fabs(got - want));
      scale = std::max(scale, std::fabs(want));
    }
    double tol = sig.outputs[i].dtype == DType::F64 ? 1e-10 : 1e-4;
    EXPECT_LE(worst, tol * std::max(scale, 1e-30))
        << "output #" << i << " (" << sig.outputs[i].role << "): max abs error "
        << worst << ", max |reference| " << scale;
  }
}

Kernel compileOrDie(const std::string &text) {
  auto kernel = compile(text);
  if (!kernel) {
    ADD_FAILURE() << llvm::toString(kernel.takeError()) << "\n" << text;
    return Kernel();
  }
  return *kernel;
}

void runJit(const std::string &text, std::map<std::string, int64_t> sizes,
            unsigned seed, const std::vector<int> &orientations = {0},
            const std::string &schedule = "") {
  CompileOptions options;
  options.schedule = schedule;
  auto kernel = compile(text, options);
  ASSERT_TRUE(static_cast<bool>(kernel))
      << llvm::toString(kernel.takeError()) << "\n"
      << text;
  std::mt19937 rng(seed);
  std::vector<Tensor> inputs = randomInputs(kernel->signature(), sizes, rng);
  expectMatchesReference(
      kernel->signature(), inputs, orientations,
      [&](const std::vector<TensorRef> &in, const std::vector<TensorRef> &out) {
        return (*kernel)(in, out);
      });
}

/// Random inputs (seeded) and f32 outputs of the right shapes for calls of
/// one kernel.
struct KernelCall {
  std::vector<Tensor> inputs, outputs;
  std::vector<TensorRef> in, out;
  KernelCall(const Kernel &kernel, const std::map<std::string, int64_t> &sizes,
             unsigned seed) {
    std::mt19937 rng(seed);
    inputs = randomInputs(kernel.signature(), sizes, rng);
    for (Tensor &t : inputs)
      in.push_back(t.ref());
    std::vector<std::vector<int64_t>> shapes;
    EXPECT_TRUE(kernel.outputShapes(in, shapes).ok());
    for (auto &shape : shapes)
      outputs.emplace_back(DType::F32, shape);
    for (Tensor &t : outputs)
      out.push_back(t.ref());
  }
};

/// Runs a layer kernel on `inputs` into a NaN-poisoned output of x's shape
/// and compares it with the fp64 `expected` at the output dtype's
/// tolerance (relative to the largest reference entry).
void expectKernelMatches(const Kernel &kernel, const std::vector<Tensor> &inputs,
                         const Tensor &expected) {
  Tensor got(kernel.signature().outputs[0].dtype, expected.shape());
  got.fill(NAN);
  std::vector<TensorRef> in;
  for (const Tensor &t : inputs)
    in.push_back(t.ref());
  Status st = kernel(in, {got.ref()});
  ASSERT_TRUE(st.ok()) << st.message();
  double worst = 0, scale = 0;
  for (int64_t e = 0; e < got.numElements(); ++e) {
    double g = got.ref().loadLinear(e), w = expected.ref().loadLinear(e);
    ASSERT_TRUE(std::isfinite(g)) << "element " << e << " is " << g;
    worst = std::max(worst, std::fabs(g - w));
    scale = std::max(scale, std::fabs(w));
  }
  double tol = got.dtype() == DType::F64 ? 1e-10 : 1e-4;
  EXPECT_LE(worst, tol * std::max(scale, 1e-30))
      << "max abs error " << worst << ", max |reference| " << scale;
}

/// The shape of a plstm.layer2d spec.
struct LayerShape {
  int64_t mx, my, d, h, dk, dv;
};

/// The gate-layer form of a 2D or graph layer spec: weights with J axes
/// (JQ, JK, JV, JO; JT = 1) or without, and the sub-heads (the input
/// projections then have D / subHeads rows; the attribute is the caller's).
struct LayerForm {
  bool withJ = false;
  int64_t jq = 1, jk = 1, jv = 1, jo = 1;
  int64_t subHeads = 1, gateSubHeads = 1;
  /// Graph layers: F > 0 adds edge features [B, E, F] and every
  /// edge-feature weight.
  int64_t edgeFeatures = 0;
  /// The rows of a gate projection over `channels` channels.
  int64_t gateRows(int64_t d, int64_t channels) const {
    return d / std::min(gateSubHeads, channels);
  }
  /// `own` followed by `j` in the form with J axes.
  std::vector<int64_t> with(std::vector<int64_t> own,
                            const std::vector<int64_t> &j) const {
    if (withJ)
      own.insert(own.end(), j.begin(), j.end());
    return own;
  }
};

/// A spec with one plstm.layer2d (B dynamic): every weight of the mode, the
/// optional projections when `allWeights` (else only w_alpha), `attrs` in
/// braces (may be empty), weights in `form`.
std::string specLayer2D(const std::string &mode, const LayerShape &l,
                        const std::vector<int> &orientations, bool allWeights,
                        const std::string &attrs, const std::string &et,
                        const LayerForm &f = {}) {
  int64_t o = orientations.size();
  int64_t din = l.d / f.subHeads, dgh = f.gateRows(l.d, l.h),
          dgo = f.gateRows(l.d, o * l.h);
  std::vector<std::pair<std::string, std::vector<int64_t>>> weights = {
      {"w_q", f.with({din, l.h, l.dk}, {f.jq})},
      {"b_q", f.with({l.h, l.dk}, {f.jq})},
      {"w_k", f.with({din, l.h, l.dk}, {f.jk})},
      {"b_k", f.with({l.h, l.dk}, {f.jk})},
      {"w_v", f.with({din, l.h, l.dv}, {f.jv})},
      {"b_v", f.with({l.h, l.dv}, {f.jv})},
      {"b_direct", f.with({l.h}, {f.jo, f.jq, f.jk, f.jv})},
      {"norm_scale", f.with({l.h, l.dv}, {f.jo})},
      {"w_out", f.with({l.h, l.dv}, {f.jo})}};
  weights.back().second.push_back(l.d);
  if (allWeights) {
    weights.push_back(
        {"w_direct", f.with({dgh, l.h}, {f.jo, f.jq, f.jk, f.jv})});
    weights.push_back({"passthrough", {l.d}});
  }
  std::vector<std::string> gates =
      mode == "P" ? std::vector<std::string>{"alpha", "source", "transition",
                                             "mark"}
                  : std::vector<std::string>{"source_r", "source_d", "t_rl",
                                             "t_du",     "t_turn",   "mark_l",
                                             "mark_u"};
  for (const std::string &g : gates) {
    std::vector<int64_t> j;
    if (g.rfind("source", 0) == 0)
      j = {f.jk, f.jv};
    if (g.rfind("mark", 0) == 0)
      j = {f.jo, f.jq};
    weights.push_back({"b_" + g, f.with({o, l.h}, j)});
    if (allWeights || g == "alpha")
      weights.push_back({"w_" + g, f.with({dgo, o, l.h}, j)});
  }
  auto type = [&](const std::vector<int64_t> &shape) {
    return tensorType(shape, et);
  };
  std::string x = type({-1, l.mx, l.my, l.d});
  std::string args = "%x: " + x, ops, names, types = x;
  appendWeightArgs(weights, et, args, ops, names, types);
  std::string list;
  for (size_t i = 0; i < orientations.size(); ++i)
    list += (i ? ", " : "") + s(orientations[i]);
  return "func.func @layer(" + args + ") -> " + x +
         " {\n  %y = plstm.layer2d %x weights(" + ops + ") names [" + names +
         "] mode \"" + mode + "\" orientations [" + list + "]" +
         (attrs.empty() ? "" : " {" + attrs + "}") + " : (" + types + ") -> " +
         x + "\n  return %y : " + x + "\n}\n";
}

/// The weights of a layer kernel's inputs from `first` on, by role.
std::map<std::string, TensorRef> weightsOf(const KernelSignature &sig,
                                           const std::vector<Tensor> &inputs,
                                           size_t first) {
  std::map<std::string, TensorRef> weights;
  for (size_t i = first; i < inputs.size(); ++i)
    weights[sig.inputs[i].role] = inputs[i].ref();
  return weights;
}

/// Layer2DArgs for a layer kernel's inputs (weights bound by role).
Layer2DArgs layerArgs(const KernelSignature &sig,
                      const std::vector<Tensor> &inputs, bool pMode) {
  Layer2DArgs args;
  args.x = inputs[0].ref();
  args.weights = weightsOf(sig, inputs, 1);
  args.pMode = pMode;
  return args;
}

/// Fills the fp64 expected output of a layer kernel from its inputs.
using LayerReference = std::function<Status(
    const KernelSignature &, const std::vector<Tensor> &, Tensor &)>;

/// Compiles a layer spec (`schedule` forced when not empty), runs it on
/// random inputs of `sizes` and compares with `reference`.
void runLayerCase(const std::string &text,
                  const std::map<std::string, int64_t> &sizes, unsigned seed,
                  const std::string &schedule,
                  const LayerReference &reference) {
  CompileOptions options;
  options.schedule = schedule;
  auto kernel = compile(text, options);
  ASSERT_TRUE(static_cast<bool>(kernel))
      << llvm::toString(kernel.takeError()) << "\n"
      << text;
  std::mt19937 rng(seed);
  std::vector<Tensor> inputs = randomInputs(kernel->signature(), sizes, rng);
  Tensor expected(DType::F64, inputs[0].shape());
  Status st = reference(kernel->signature(), inputs, expected);
  ASSERT_TRUE(st.ok()) << st.message();
  expectKernelMatches(*kernel, inputs, expected);
}

/// runLayerCase against referenceLayer2D (`configure` sets the mode
/// attributes of the args).
template <typename Configure>
void runLayerJit(const std::string &text, int64_t batch, unsigned seed,
                 bool pMode, Configure configure,
                 const std::string &schedule = "") {
  runLayerCase(text, {{"B", batch}}, seed, schedule,
               [&](const KernelSignature &sig,
                   const std::vector<Tensor> &inputs, Tensor &expected) {
                 Layer2DArgs args = layerArgs(sig, inputs, pMode);
                 configure(args);
                 return referenceLayer2D(args, expected.ref());
               });
}

/// The shape of a plstm.layer1d spec.
struct Layer1DShape {
  int64_t d, h, dk, dv;
  J j; // dk/dv fields unused; JQ, JK, JV, JT, JO
};

/// A spec with one plstm.layer1d (B, T dynamic): the required weights, the
/// optional projections when `allWeights`, b_in (JT > 1) and, when
/// `withOut`, b_out/w_out_t; `attrs` in braces (may be empty).
std::string specLayer1D(const Layer1DShape &l, bool allWeights, bool withOut,
                        const std::string &attrs, const std::string &et,
                        int64_t subHeads = 1, int64_t gateSubHeads = 1) {
  const J &j = l.j;
  int64_t din = l.d / subHeads,
          dgh = l.d / std::min(gateSubHeads, l.h);
  std::vector<std::pair<std::string, std::vector<int64_t>>> weights = {
      {"w_conv", {4, l.d}},
      {"b_conv", {l.d}},
      {"w_q", {din, l.h, l.dk, j.jq}},
      {"b_q", {l.h, l.dk, j.jq}},
      {"w_k", {din, l.h, l.dk, j.jk}},
      {"b_k", {l.h, l.dk, j.jk}},
      {"w_v", {din, l.h, l.dv, j.jv}},
      {"b_v", {l.h, l.dv, j.jv}},
      {"b_source", {l.h, j.jt, j.jk, j.jv}},
      {"b_mark", {l.h, j.jo, j.jq, j.jt}},
      {"b_direct", {l.h, j.jo, j.jq, j.jk, j.jv}},
      {"b_eigen", {l.h, j.jt}},
      {"norm_scale", {l.h, l.dv, j.jo}},
      {"w_out", {l.h, l.dv, j.jo, l.d}}};
  if (allWeights) {
    weights.push_back({"w_source", {dgh, l.h, j.jt, j.jk, j.jv}});
    weights.push_back({"w_mark", {dgh, l.h, j.jo, j.jq, j.jt}});
    weights.push_back({"w_direct", {dgh, l.h, j.jo, j.jq, j.jk, j.jv}});
    weights.push_back({"w_eigen", {dgh, l.h, j.jt}});
    weights.push_back({"passthrough", {l.d}});
  }
  if (j.jt > 1) {
    weights.push_back({"b_in", {l.h, j.jt, j.jt}});
    if (allWeights)
      weights.push_back({"w_in", {dgh, l.h, j.jt, j.jt}});
    if (withOut) {
      weights.push_back({"b_out", {l.h, j.jt, j.jt}});
      weights.push_back({"w_out_t", {dgh, l.h, j.jt, j.jt}});
    }
  }
  auto type = [&](const std::vector<int64_t> &shape) {
    return tensorType(shape, et);
  };
  std::string x = type({-1, -1, l.d});
  std::string args = "%x: " + x, ops, names, types = x;
  appendWeightArgs(weights, et, args, ops, names, types);
  return "func.func @layer(" + args + ") -> " + x +
         " {\n  %y = plstm.layer1d %x weights(" + ops + ") names [" + names +
         "]" + (attrs.empty() ? "" : " {" + attrs + "}") + " : (" + types +
         ") -> " + x + "\n  return %y : " + x + "\n}\n";
}

/// runLayerCase against referenceLayer1D.
template <typename Configure>
void runLayer1DJit(const std::string &text, int64_t batch, int64_t length,
                   unsigned seed, Configure configure,
                   const std::string &schedule = "") {
  runLayerCase(text, {{"B", batch}, {"T", length}}, seed, schedule,
               [&](const KernelSignature &sig,
                   const std::vector<Tensor> &inputs, Tensor &expected) {
                 Layer1DArgs args;
                 args.x = inputs[0].ref();
                 args.weights = weightsOf(sig, inputs, 1);
                 configure(args);
                 return referenceLayer1D(args, expected.ref());
               });
}

/// A spec with one plstm.layer_dag (B, N, E, L dynamic, i32 graph).
std::string specLayerDag(const std::string &mode, int64_t d, int64_t h,
                         int64_t dk, int64_t dv, bool allWeights,
                         const std::string &attrs, const std::string &et,
                         const LayerForm &f = {}) {
  int64_t din = d / f.subHeads, dgh = f.gateRows(d, h);
  std::vector<int64_t> sourceJ = {f.jk, f.jv}, markJ = {f.jo, f.jq},
                       directJ = {f.jo, f.jq, f.jk, f.jv};
  std::vector<std::pair<std::string, std::vector<int64_t>>> weights = {
      {"w_q", f.with({din, h, dk}, {f.jq})},
      {"b_q", f.with({h, dk}, {f.jq})},
      {"w_k", f.with({din, h, dk}, {f.jk})},
      {"b_k", f.with({h, dk}, {f.jk})},
      {"w_v", f.with({din, h, dv}, {f.jv})},
      {"b_v", f.with({h, dv}, {f.jv})},
      {"b_source", f.with({h}, sourceJ)},
      {"b_mark", f.with({h}, markJ)},
      {"b_direct", f.with({h}, directJ)},
      {"b_transition", {h}},
      {"norm_scale", f.with({h, dv}, {f.jo})},
      {"w_out", f.with({h, dv}, {f.jo})}};
  weights.back().second.push_back(d);
  if (allWeights) {
    weights.push_back({"w_source", f.with({dgh, h}, sourceJ)});
    weights.push_back({"w_mark", f.with({dgh, h}, markJ)});
    weights.push_back({"w_direct", f.with({dgh, h}, directJ)});
    weights.push_back({"w_transition", {dgh, h}});
    weights.push_back({"passthrough", {d}});
  }
  if (f.edgeFeatures > 0) {
    int64_t fe = f.edgeFeatures;
    weights.push_back({"w_source_edge", f.with({fe, h}, sourceJ)});
    weights.push_back({"w_mark_edge", f.with({fe, h}, markJ)});
    weights.push_back({"w_transition_in", {fe, h}});
    weights.push_back({"w_transition_out", {fe, h}});
  }
  auto type = tensorType;
  std::string x = type({-1, -1, d}, et), g = type({-1, 2}, "i32");
  std::string args = "%x: " + x + ", %e: " + g + ", %l: " + g, ops, names,
              types = x + ", " + g + ", " + g, features;
  if (f.edgeFeatures > 0) {
    std::string t = type({-1, -1, f.edgeFeatures}, et);
    args += ", %ef: " + t;
    types += ", " + t;
    features = " edge_features(%ef)";
  }
  appendWeightArgs(weights, et, args, ops, names, types);
  return "func.func @layer(" + args + ") -> " + x +
         " {\n  %y = plstm.layer_dag %x graph(%e, %l)" + features +
         " weights(" + ops +
         ") names [" + names + "] mode \"" + mode + "\"" +
         (attrs.empty() ? "" : " {" + attrs + "}") + " : (" + types +
         ") -> " + x + "\n  return %y : " + x + "\n}\n";
}

/// runLayerCase against referenceLayerDag on a random multi-component DAG.
void runLayerDagJit(const std::string &text, int64_t batch, int64_t nodes,
                    unsigned seed, bool pMode, double qkScale = NAN,
                    const std::string &schedule = "",
                    const GateLayerOptions &gates = {}) {
  runLayerCase(text, {{"B", batch}, {"N", nodes}}, seed, schedule,
               [&](const KernelSignature &sig,
                   const std::vector<Tensor> &inputs, Tensor &expected) {
                 LayerDagArgs args;
                 args.x = inputs[0].ref();
                 args.edges = inputs[1].ref();
                 args.lineEdges = inputs[2].ref();
                 args.weights = weightsOf(sig, inputs, 3);
                 if (sig.inputs.size() > 3 &&
                     sig.inputs[3].role == "edge_features")
                   args.edgeFeatures = inputs[3].ref();
                 args.pMode = pMode;
                 args.qkScale = qkScale;
                 args.gates = gates;
                 return referenceLayerDag(args, expected.ref());
               });
}

//===----------------------------------------------------------------------===//
// Tests
//===----------------------------------------------------------------------===//

TEST(JIT, Scan1DMatchesReference) {
  J scalar{8, 4, 1, 1, 1, 1, 1}, wide{5, 3, 2, 2, 3, 3, 2};
  runJit(spec1D(scalar, false, "f32"), {{"B", 2}, {"T", 1}}, 1);
  runJit(spec1D(scalar, true, "f32"), {{"B", 3}, {"T", 37}}, 2);
  runJit(spec1D(wide, true, "f32"), {{"B", 2}, {"T", 19}}, 3);
  runJit(spec1D(wide, false, "f64"), {{"B", 1}, {"T", 33}}, 4);
}

TEST(JIT, Scan1DChunkwiseAndLogdepthMatchReference) {
  J scalar{8, 4, 1, 1, 1, 1, 1}, wide{5, 3, 2, 2, 3, 3, 2};
  for (const char *schedule :
       {"chunkwise:1", "chunkwise:4", "chunkwise:7", "chunkwise:64",
        "logdepth:1", "logdepth:3", "logdepth:8", "logdepth"}) {
    SCOPED_TRACE(schedule);
    // Chunk sizes below, equal to and above the length; odd lengths; J > 1;
    // with and without initial states; f32 and f64; T = 0 and T = 1.
    runJit(spec1D(scalar, true, "f32"), {{"B", 2}, {"T", 37}}, 40, {0},
           schedule);
    runJit(spec1D(wide, true, "f32"), {{"B", 2}, {"T", 21}}, 41, {0}, schedule);
    runJit(spec1D(wide, false, "f64"), {{"B", 1}, {"T", 8}}, 42, {0}, schedule);
    runJit(spec1D(scalar, true, "f32"), {{"B", 1}, {"T", 1}}, 43, {0},
           schedule);
    runJit(spec1D(scalar, true, "f32"), {{"B", 2}, {"T", 0}}, 44, {0},
           schedule);
  }
}

TEST(JIT, Scan1DLongSequenceStability) {
  // T = 65 536 with transitions in [0.95, 1] (‖T‖ <= 1, slow decay):
  // chunkwise and log-depth stay within tolerance of the reference and
  // finite (SPEC A1, issue "Parallel schedules", stability).
  J small{4, 4, 1, 1, 1, 1, 1};
  std::string text = spec1D(small, true, "f32");
  for (const char *schedule : {"sequential", "chunkwise:64", "logdepth:64"}) {
    SCOPED_TRACE(schedule);
    CompileOptions options;
    options.schedule = schedule;
    auto kernel = compile(text, options);
    ASSERT_TRUE(static_cast<bool>(kernel))
        << llvm::toString(kernel.takeError());
    std::mt19937 rng(50);
    std::vector<Tensor> inputs =
        randomInputs(kernel->signature(), {{"B", 1}, {"T", 65536}}, rng);
    std::uniform_real_distribution<float> slow(0.95f, 1.0f);
    for (int64_t i = 0; i < inputs[4].numElements(); ++i)
      inputs[4].as<float>()[i] = slow(rng);
    expectMatchesReference(
        kernel->signature(), inputs, {0},
        [&](const std::vector<TensorRef> &in,
            const std::vector<TensorRef> &out) { return (*kernel)(in, out); });
  }
}

TEST(JIT, Scan1DOneKernelServesEveryBatchAndLength) {
  J wide{4, 3, 1, 2, 2, 2, 3};
  std::string text = spec1D(wide, true, "f32");
  for (auto [b, t] : {std::pair<int64_t, int64_t>{1, 5}, {4, 2}, {2, 64}})
    runJit(text, {{"B", b}, {"T", t}}, unsigned(b * 100 + t));
  auto again = compile(text);
  ASSERT_TRUE(static_cast<bool>(again));
  EXPECT_TRUE(again->fromCache());
}

TEST(JIT, Scan2DMatchesReferenceForTurnsOrientationsAndStates) {
  J scalar{4, 3, 1, 1, 1, 1, 1}, wide{3, 2, 2, 1, 2, 2, 3};
  runJit(spec2D(scalar, 3, 5, {0}, true, true, false, false, "f32"), {{"B", 2}},
         10, {0});
  runJit(spec2D(wide, 4, 3, {0, 1, 2, 3}, true, true, true, true, "f32"),
         {{"B", 2}}, 11, {0, 1, 2, 3});
  runJit(spec2D(wide, 5, 2, {1, 2}, true, false, true, false, "f32"),
         {{"B", 1}}, 12, {1, 2});
  runJit(spec2D(wide, 2, 5, {3}, false, true, false, true, "f32"), {{"B", 3}},
         13, {3});
  runJit(spec2D(scalar, 3, 3, {0, 3}, false, false, true, true, "f64"),
         {{"B", 2}}, 14, {0, 3});
  runJit(spec2D(scalar, 1, 6, {0, 1, 2, 3}, true, true, false, false, "f32"),
         {{"B", 1}}, 15, {0, 1, 2, 3});
  runJit(spec2D(scalar, 6, 1, {2}, true, false, false, false, "f32"),
         {{"B", 1}}, 16, {2});
}

TEST(JIT, Scan2DTiledSchedulesMatchReference) {
  // Chunkwise (P×P quad-tree tiles, anti-diagonal wavefronts) and log-depth
  // (one tile over the grid): tiles of 1, 2 and 4 and grids that are not
  // multiples of them, 1×N and N×1 grids, J > 1, every turn setting, one to
  // four orientations, with and without initial states, f32 and f64.
  J scalar{4, 3, 1, 1, 1, 1, 1}, wide{3, 2, 2, 1, 2, 2, 3};
  for (const char *schedule :
       {"chunkwise:1", "chunkwise:2", "chunkwise:4", "logdepth"}) {
    SCOPED_TRACE(schedule);
    runJit(spec2D(scalar, 5, 7, {0}, true, true, false, false, "f32"),
           {{"B", 2}}, 60, {0}, schedule);
    runJit(spec2D(wide, 4, 3, {0, 1, 2, 3}, true, true, true, true, "f32"),
           {{"B", 2}}, 61, {0, 1, 2, 3}, schedule);
    runJit(spec2D(wide, 5, 2, {1, 2}, true, false, true, false, "f32"),
           {{"B", 1}}, 62, {1, 2}, schedule);
    runJit(spec2D(wide, 2, 5, {3}, false, true, false, true, "f32"),
           {{"B", 3}}, 63, {3}, schedule);
    runJit(spec2D(scalar, 3, 3, {0, 3}, false, false, true, true, "f64"),
           {{"B", 2}}, 64, {0, 3}, schedule);
    runJit(spec2D(scalar, 1, 6, {0, 1, 2, 3}, true, true, true, true, "f32"),
           {{"B", 1}}, 65, {0, 1, 2, 3}, schedule);
    runJit(spec2D(scalar, 6, 1, {2}, true, false, true, true, "f32"),
           {{"B", 1}}, 66, {2}, schedule);
    // Larger than one 64×64 tile: log-depth is the state quad tree over
    // 16×16 leaves (a 66×3 grid padded to 128×128).
    runJit(spec2D(wide, 66, 3, {0, 3}, true, false, true, true, "f32"),
           {{"B", 1}}, 69, {0, 3}, schedule);
    // Only y returned: one tile skips the border states.
    runJit(spec2D(wide, 3, 6, {0, 1, 2, 3}, true, false, false, false, "f32",
                  /*yOnly=*/true),
           {{"B", 2}}, 67, {0, 1, 2, 3}, schedule);
    runJit(spec2D(scalar, 5, 4, {1, 2}, false, true, true, false, "f64",
                  /*yOnly=*/true),
           {{"B", 1}}, 68, {1, 2}, schedule);
  }
  // The state quad tree with both turns, MY > MX and orientations 1 and 2.
  runJit(spec2D(wide, 3, 70, {1, 2}, true, true, false, true, "f32"),
         {{"B", 1}}, 90, {1, 2}, "logdepth");
}

TEST(JIT, Scan2DDynamicQuadLevelsMatchReference) {
  // Tiles from 32×32 on: the CPU pipeline merges the quad tree's cells up
  // to 8×8 in one loop with dynamic level shapes (plstm-lower-logdepth's
  // and -chunkwise's dynamic-quad-levels), the larger levels with static
  // ones. One tile of 32 (log-depth on a 20×17 grid: every orientation,
  // both turns, J > 1, initial states), of 64 (a 33×5 grid) and chunkwise
  // tiles of 32 in wavefronts (a 40×33 grid, f64).
  J scalar{4, 3, 1, 1, 1, 1, 1}, wide{3, 2, 2, 1, 2, 2, 3};
  runJit(spec2D(wide, 20, 17, {0, 1, 2, 3}, true, true, true, true, "f32"),
         {{"B", 2}}, 91, {0, 1, 2, 3}, "logdepth");
  runJit(spec2D(scalar, 33, 5, {0, 2}, true, false, false, true, "f32"),
         {{"B", 1}}, 92, {0, 2}, "logdepth");
  runJit(spec2D(scalar, 40, 33, {1, 3}, false, true, true, false, "f64"),
         {{"B", 1}}, 93, {1, 3}, "chunkwise:32");
}

TEST(JIT, Scan2DLongRangeStabilityPMode) {
  // P-mode gates (SPEC §5.3, A10): non-negative transitions with
  // T_rl + T_dl <= 1 and T_du + T_ru <= 1 at every node, so every path sum
  // is bounded. On a 256×256 grid (paths of up to 510 steps, ~10^152 of
  // them) chunkwise tiles and log-depth (the state quad tree over 16×16
  // leaf tiles: 16 tiles per side, 4 levels up and down) stay within
  // tolerance of the reference and finite.
  J small{2, 2, 1, 1, 1, 1, 1};
  for (auto [side, schedule] :
       {std::pair<int64_t, const char *>{256, "sequential"},
        {256, "chunkwise:16"},
        {256, "chunkwise:8"},
        {256, "logdepth"}}) {
    SCOPED_TRACE(schedule);
    std::string text =
        spec2D(small, side, side, {0}, true, true, false, false, "f32");
    CompileOptions options;
    options.schedule = schedule;
    auto kernel = compile(text, options);
    ASSERT_TRUE(static_cast<bool>(kernel))
        << llvm::toString(kernel.takeError());
    std::mt19937 rng(70);
    std::vector<Tensor> inputs =
        randomInputs(kernel->signature(), {{"B", 1}}, rng);
    // Inputs: q k v sr sd trl tdu tdl tru ml mu d.
    std::uniform_real_distribution<float> split(0.0f, 1.0f);
    for (int64_t i = 0; i < inputs[5].numElements(); ++i) {
      float straight = split(rng), turn = split(rng);
      inputs[5].as<float>()[i] = straight;       // T_rl
      inputs[7].as<float>()[i] = 1 - straight;   // T_dl
      inputs[6].as<float>()[i] = turn;           // T_du
      inputs[8].as<float>()[i] = 1 - turn;       // T_ru
    }
    expectMatchesReference(
        kernel->signature(), inputs, {0},
        [&](const std::vector<TensorRef> &in,
            const std::vector<TensorRef> &out) { return (*kernel)(in, out); });
  }
}

TEST(JIT, ScanDagMatchesReferenceOnRandomMultiComponentGraphs) {
  J scalar{8, 8, 1, 1, 1, 1, 1}, wide{3, 2, 2, 2, 1, 2, 2};
  runJit(specDag(scalar, "f32"), {{"B", 2}, {"N", 200}}, 20);
  runJit(specDag(wide, "f32"), {{"B", 3}, {"N", 41}}, 21);
  runJit(specDag(wide, "f64"), {{"B", 1}, {"N", 17}}, 22);
  runJit(specDag(scalar, "f32"), {{"B", 2}, {"N", 1}}, 23); // one node
  runJit(specDag(scalar, "f32"), {{"B", 1}, {"N", 0}}, 24); // empty graph
}

TEST(JIT, ScanDagLevelBlockSchedulesMatchReference) {
  // Chunkwise = blocks of C line-graph levels (C = 1: the level-parallel
  // wavefront), log-depth = one block, path sums by repeated squaring: many
  // components with isolated nodes, J > 1, f64, one node, no node, a chain
  // of 40 nodes (39 levels).
  J scalar{8, 8, 1, 1, 1, 1, 1}, wide{3, 2, 2, 2, 1, 2, 2};
  for (const char *schedule :
       {"chunkwise:1", "chunkwise:2", "chunkwise:5", "logdepth"}) {
    SCOPED_TRACE(schedule);
    runJit(specDag(scalar, "f32"), {{"B", 2}, {"N", 200}}, 80, {0}, schedule);
    runJit(specDag(wide, "f32"), {{"B", 3}, {"N", 41}}, 81, {0}, schedule);
    runJit(specDag(wide, "f64"), {{"B", 1}, {"N", 17}}, 82, {0}, schedule);
    runJit(specDag(scalar, "f32"), {{"B", 2}, {"N", 1}}, 83, {0}, schedule);
    runJit(specDag(scalar, "f32"), {{"B", 1}, {"N", 0}}, 84, {0}, schedule);
    runJit(specDag(wide, "f32"), {{"B", 2}, {"N", 40}, {"CHAIN", 1}}, 85, {0},
           schedule);
  }
}

TEST(JIT, ResultsDoNotDependOnTheThreadCount) {
  // The threads split the batch; what the split leaves goes to the kernel's
  // parallel loops (orientations and tiles of a wavefront, chunks of the 1D
  // schedules, leaves of the 2D state quad tree, edges of a DAG block), so a
  // batch of 1 runs those on every thread. Every schedule with parallel
  // loops, at batch 1 and 5 and 1, 2 or 3 threads, must give the bits of
  // the kernel compiled without parallel loops.
  J wide{4, 3, 1, 2, 2, 2, 3}, scalar{4, 3, 1, 1, 1, 1, 1};
  struct Case {
    std::string text, schedule;
  };
  std::vector<Case> cases = {
      {spec1D(wide, true, "f32"), ""},
      {spec1D(wide, true, "f32"), "logdepth:2"},
      {spec1D(wide, true, "f32"), "chunkwise:4"},
      {spec2D(scalar, 7, 9, {0, 3}, true, true, true, false, "f32"),
       "chunkwise:2"},
      {spec2D(scalar, 66, 3, {1}, true, false, false, true, "f32"),
       "logdepth"},
      {specDag(wide, "f32"), "chunkwise:1"},
      {specDag(wide, "f32"), "chunkwise:3"},
      {specDag(wide, "f32"), "logdepth"}};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.schedule.empty() ? "default schedule" : c.schedule);
    CompileOptions options;
    options.schedule = c.schedule;
    auto parallel = compile(c.text, options);
    options.parallelLoops = false;
    auto serial = compile(c.text, options);
    ASSERT_TRUE(parallel && serial) << c.text;
    EXPECT_FALSE(serial->fromCache())
        << "the kernel without parallel loops is a compilation of its own";
    for (int64_t batch : {1, 5}) {
      std::mt19937 rng(60 + batch);
      std::vector<Tensor> inputs = randomInputs(
          parallel->signature(), {{"B", batch}, {"T", 13}, {"N", 30}}, rng);
      std::vector<TensorRef> in;
      for (Tensor &t : inputs)
        in.push_back(t.ref());
      std::vector<std::vector<int64_t>> shapes;
      ASSERT_TRUE(parallel->outputShapes(in, shapes).ok());
      // {kernel, threads}: the serial kernel on 1 thread first.
      std::vector<std::pair<const Kernel *, int>> runs = {
          {&*serial, 1}, {&*parallel, 1}, {&*parallel, 2}, {&*parallel, 3}};
      std::vector<std::vector<Tensor>> results(runs.size());
      for (size_t r = 0; r < runs.size(); ++r) {
        std::vector<TensorRef> out;
        for (size_t i = 0; i < shapes.size(); ++i) {
          results[r].emplace_back(DType::F32, shapes[i]);
          results[r].back().fill(NAN);
        }
        for (Tensor &t : results[r])
          out.push_back(t.ref());
        ASSERT_TRUE((*runs[r].first)(in, out, runs[r].second).ok());
      }
      for (size_t r = 1; r < runs.size(); ++r)
        for (size_t i = 0; i < shapes.size(); ++i)
          for (int64_t e = 0; e < results[0][i].numElements(); ++e)
            ASSERT_EQ(results[0][i].as<float>()[e], results[r][i].as<float>()[e])
                << "batch " << batch << ", parallel kernel on "
                << runs[r].second << " threads, output " << i << " element "
                << e;
    }
  }
}

/// Runs two compilations of one spec on the same random inputs (`seed`)
/// into NaN-poisoned f32 outputs and expects the same bits.
void expectSameBits(const Kernel &x, const Kernel &y,
                    const std::map<std::string, int64_t> &sizes, unsigned seed,
                    int threads) {
  KernelCall a(x, sizes, seed), b(y, sizes, seed);
  for (Tensor &t : a.outputs)
    t.fill(NAN);
  for (Tensor &t : b.outputs)
    t.fill(NAN);
  ASSERT_TRUE(x(a.in, a.out, threads).ok());
  ASSERT_TRUE(y(b.in, b.out, threads).ok());
  for (size_t i = 0; i < a.outputs.size(); ++i)
    for (int64_t e = 0; e < a.outputs[i].numElements(); ++e)
      ASSERT_EQ(a.outputs[i].as<float>()[e], b.outputs[i].as<float>()[e])
          << "output " << i << " element " << e;
}

TEST(JIT, SplitCompilationGivesTheSameKernel) {
  // The JIT splits the LLVM module into one part per compile thread and
  // optimizes and compiles the parts in parallel (the outlined parts and
  // OpenMP bodies reference each other across parts, and become hidden
  // symbols there). Compiled as one module or as three parts, a kernel must
  // give the same bits.
  J wide{4, 3, 1, 2, 2, 2, 3}, scalar{4, 3, 1, 1, 1, 1, 1};
  struct Case {
    std::string text, schedule;
  };
  std::vector<Case> cases = {
      {spec1D(wide, true, "f32"), "chunkwise:4"},
      {spec2D(scalar, 7, 9, {0, 3}, true, true, true, false, "f32"),
       "logdepth"},
      {specDag(wide, "f32"), "chunkwise:1"}};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.schedule);
    CompileOptions options;
    options.schedule = c.schedule;
    options.compileThreads = 1;
    auto whole = compile(c.text, options);
    ASSERT_TRUE(static_cast<bool>(whole)) << llvm::toString(whole.takeError());
    options.compileThreads = 3;
    auto split = compile(c.text, options);
    ASSERT_TRUE(static_cast<bool>(split)) << llvm::toString(split.takeError());
    EXPECT_FALSE(split->fromCache());
    expectSameBits(*whole, *split, {{"B", 3}, {"T", 13}, {"N", 30}}, 77, 2);
  }
}

TEST(JIT, KernelPassGateSkipsLoopStrengthReductionOnly) {
  // The kernels' code generation (JIT and AOT) runs without LLVM's Loop
  // Strength Reduction, through a pass gate of the module's context
  // (codegen/CPUTarget.h): every other pass runs, and other contexts keep
  // the default gate.
  llvm::LLVMContext kernel, other;
  ASSERT_FALSE(kernel.getOptPassGate().isEnabled());
  mlir::plstm::setKernelPassGate(kernel);
  const llvm::OptPassGate &gate = kernel.getOptPassGate();
  ASSERT_TRUE(gate.isEnabled());
  EXPECT_FALSE(gate.shouldRunPass("loop-reduce", "loop"));
  EXPECT_FALSE(gate.shouldRunPass("Loop Strength Reduction", "loop"));
  for (const char *pass : {"codegenprepare", "machine-scheduler", "greedy",
                           "X86 DAG->DAG Instruction Selection",
                           "Canonicalize Freeze Instructions in Loops"})
    EXPECT_TRUE(gate.shouldRunPass(pass, "function (f)")) << pass;
  EXPECT_FALSE(other.getOptPassGate().isEnabled());

  // The AOT path sets it on the module it writes.
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine =
      mlir::plstm::createHostTargetMachine(3, error);
  ASSERT_TRUE(machine) << error;
  llvm::LLVMContext aot;
  llvm::Module module("m", aot);
  module.setDataLayout(machine->createDataLayout());
  module.setTargetTriple(machine->getTargetTriple());
  ASSERT_FALSE(aot.getOptPassGate().isEnabled());
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("gate", "o", path));
  EXPECT_TRUE(mlir::plstm::emitNativeFile(module, *machine, path.str().str(),
                                          false, error))
      << error;
  llvm::sys::fs::remove(path);
  EXPECT_TRUE(aot.getOptPassGate().isEnabled());
  EXPECT_FALSE(aot.getOptPassGate().shouldRunPass("loop-reduce", "loop"));
}

TEST(JIT, VerifyingEachPassGivesTheSameKernel) {
  // CompileOptions::verifyEachPass runs the verifier after every pass of
  // the CPU pipeline (by default after the schedule lowering's passes, then
  // once at the end): every pass's output verifies, and the kernel is the
  // same (a smoke test of the option: the verifier changes no IR).
  J wide{4, 3, 1, 2, 2, 2, 3};
  std::string text = specDag(wide, "f32");
  CompileOptions options;
  options.schedule = "chunkwise:1";
  auto once = compile(text, options);
  ASSERT_TRUE(static_cast<bool>(once)) << llvm::toString(once.takeError());
  options.verifyEachPass = true;
  auto each = compile(text, options);
  ASSERT_TRUE(static_cast<bool>(each)) << llvm::toString(each.takeError());
  EXPECT_FALSE(each->fromCache());
  expectSameBits(*once, *each, {{"B", 2}, {"N", 20}}, 5, 1);
}

TEST(JIT, GPUMappingOptionsAreInTheCacheKey) {
  // The GPU mapping run on the CPU: a kernel compiled with other GPU
  // options is another kernel, not the cached one (the key had none of
  // them: --gpu-chunk-grid=false got the chunk grid's kernel).
  J wide{4, 3, 1, 2, 2, 2, 3};
  std::string text = spec1D(wide, true, "f32");
  CompileOptions base;
  base.target = Target::GPUMappingOnCPU;
  base.schedule = "chunkwise:4";
  auto first = compile(text, base);
  ASSERT_TRUE(static_cast<bool>(first)) << llvm::toString(first.takeError());
  std::vector<std::pair<const char *, CompileOptions>> variants;
  CompileOptions o = base;
  o.gpuThreadsPerRow = 1;
  variants.push_back({"gpuThreadsPerRow", o});
  o = base;
  o.gpuPrefetch = false;
  variants.push_back({"gpuPrefetch", o});
  o = base;
  o.gpuChunkGrid = false;
  variants.push_back({"gpuChunkGrid", o});
  o = base;
  o.gpuOpGrid = false;
  variants.push_back({"gpuOpGrid", o});
  o = base;
  o.gpuRaceCheck = true;
  variants.push_back({"gpuRaceCheck", o});
  for (const auto &[name, options] : variants) {
    SCOPED_TRACE(name);
    auto other = compile(text, options);
    ASSERT_TRUE(static_cast<bool>(other)) << llvm::toString(other.takeError());
    EXPECT_FALSE(other->fromCache());
  }
  auto again = compile(text, base);
  ASSERT_TRUE(static_cast<bool>(again));
  EXPECT_TRUE(again->fromCache());
}

TEST(JIT, Layer1DMatchesTheLayerReference) {
  // The 1D layer (SPEC §5.2) compiled through plstm-decompose-layers equals
  // the fp64 layer reference: J = 1 (T = λ) and J > 1 (T = U·diag(λ)·W with
  // the exponential orthogonalisation, U = Wᵀ or its own b_out/w_out_t),
  // minimal and full weight sets (passthrough included), lengths that are
  // not multiples of the chunk, f32 and f64, sequential, chunkwise and
  // log-depth scans.
  Layer1DShape scalar{8, 2, 4, 3, J{0, 0, 1, 1, 1, 1, 1}};
  Layer1DShape wide{6, 2, 3, 2, J{0, 0, 1, 2, 3, 3, 2}};
  auto none = [](Layer1DArgs &) {};
  runLayer1DJit(specLayer1D(scalar, true, false, "", "f32"), 2, 11, 30, none);
  runLayer1DJit(specLayer1D(scalar, false, false, "", "f64"), 1, 7, 31, none);
  runLayer1DJit(specLayer1D(wide, true, false,
                            "eigenvalue_factor = 2.0 : f64, "
                            "orthogonal_factor = 0.5 : f64",
                            "f64"),
                2, 9, 32, [](Layer1DArgs &a) {
                  a.eigenvalueFactor = 2.0;
                  a.orthogonalFactor = 0.5;
                });
  runLayer1DJit(specLayer1D(wide, true, true, "qk_scale = 0.5 : f64", "f32"),
                3, 10, 33, [](Layer1DArgs &a) { a.qkScale = 0.5; });
  for (const char *schedule : {"sequential", "chunkwise:4", "logdepth:2"}) {
    SCOPED_TRACE(schedule);
    runLayer1DJit(specLayer1D(wide, true, true, "", "f32"), 2, 13, 34, none,
                  schedule);
  }
}

TEST(JIT, Layer1DGateLayersMatchTheLayerReference) {
  // Block-diagonal projections (sub_heads = H and 2 of 4 heads, so head
  // groups read their own input chunk) and every activation of the gate
  // layers and the eigenvalues (SPEC §5.1), against the fp64 reference.
  Layer1DShape lm{8, 4, 2, 2, J{0, 0, 1, 2, 2, 2, 2}};
  runLayer1DJit(specLayer1D(lm, true, false,
                            "sub_heads = 4 : i64, source_activation = "
                            "\"tanh\", eigenvalue_activation = \"logsigmoid\"",
                            "f64", 4),
                2, 9, 35, [](Layer1DArgs &a) {
                  a.gates.subHeads = 4;
                  a.gates.source = "tanh";
                  a.gates.eigenvalue = "logsigmoid";
                });
  runLayer1DJit(specLayer1D(lm, true, true,
                            "sub_heads = 2 : i64, mark_activation = "
                            "\"identity\", direct_activation = \"tanh\", "
                            "eigenvalue_activation = \"expexp\"",
                            "f32", 2),
                2, 12, 36,
                [](Layer1DArgs &a) {
                  a.gates.subHeads = 2;
                  a.gates.mark = "identity";
                  a.gates.direct = "tanh";
                  a.gates.eigenvalue = "expexp";
                },
                "chunkwise:4");
}

TEST(JIT, LayerDagMatchesTheLayerReference) {
  // The graph layer (SPEC §5.5) compiled through plstm-decompose-layers
  // equals the fp64 layer reference on random multi-component DAGs: P-mode
  // (incoming transitions normalised by 0.5 + Σ|t|) and D-mode (tanh),
  // minimal and full weight sets, f32 and f64, one node, the sequential,
  // level-block and log-depth scans.
  runLayerDagJit(specLayerDag("P", 6, 2, 3, 2, true, "", "f32"), 2, 40, 40,
                 true);
  runLayerDagJit(specLayerDag("D", 6, 2, 3, 2, true, "", "f64"), 1, 25, 41,
                 false);
  runLayerDagJit(specLayerDag("P", 4, 1, 2, 3, false, "qk_scale = 1.0 : f64",
                              "f64"),
                 3, 17, 42, true, 1.0);
  runLayerDagJit(specLayerDag("D", 4, 2, 2, 2, false, "", "f32"), 1, 1, 43,
                 false);
  for (const char *schedule : {"sequential", "chunkwise:1", "logdepth"}) {
    SCOPED_TRACE(schedule);
    runLayerDagJit(specLayerDag("P", 6, 2, 3, 2, true, "", "f32"), 2, 30, 44,
                   true, NAN, schedule);
  }
}

TEST(JIT, LayerDagWithEdgeFeaturesMatchesTheLayerReference) {
  // Edge features (SPEC §5.5 pLSTMGraphEdgeLayer): f_e into each edge's
  // source and mark, f at e_in and e_out into each line edge's transition;
  // P- and D-mode, with and without J axes, against the fp64 reference.
  LayerForm plain, j{true, 2, 2, 3, 2, 1};
  plain.edgeFeatures = 5;
  j.edgeFeatures = 3;
  runLayerDagJit(specLayerDag("P", 6, 2, 3, 2, true, "", "f64", plain), 2, 30,
                 49, true);
  runLayerDagJit(specLayerDag("D", 6, 2, 3, 2, false, "", "f32", j), 2, 25,
                 50, false);
  runLayerDagJit(specLayerDag("P", 6, 2, 3, 2, true, "", "f32", plain), 1, 20,
                 51, true, NAN, "chunkwise:1");
}

TEST(JIT, LayerDagWithJAxesAndGateLayersMatchesTheLayerReference) {
  // J > 1 (JQ, JK, JV, JO; JT = 1), block-diagonal projections and the
  // gate activations, P- and D-mode, against the fp64 reference.
  LayerForm j{true, 2, 3, 2, 2, 1}, jSub{true, 1, 2, 3, 2, 2};
  GateLayerOptions plain, sub;
  sub.subHeads = 2;
  sub.source = "identity";
  sub.mark = "tanh";
  runLayerDagJit(specLayerDag("P", 6, 2, 3, 2, true, "", "f64", j), 2, 30,
                 45, true, NAN, "", plain);
  runLayerDagJit(specLayerDag("D", 8, 4, 3, 2, true,
                              "sub_heads = 2 : i64, source_activation = "
                              "\"identity\", mark_activation = \"tanh\"",
                              "f32", jSub),
                 2, 25, 46, false, NAN, "", sub);
  for (const char *schedule : {"chunkwise:1", "logdepth"}) {
    SCOPED_TRACE(schedule);
    runLayerDagJit(specLayerDag("P", 6, 2, 3, 2, true, "", "f32", j), 1, 20,
                   47, true, NAN, schedule, plain);
  }
}

TEST(JIT, Layer2DMatchesTheLayerReference) {
  // The fused 2D layer (SPEC §5.4) compiled through plstm-decompose-layers
  // equals the fp64 layer reference (SPEC §5 written out in loops): P-mode
  // bounded and signed, D-mode with chirality L and R, one to four
  // orientations, minimal and full weight sets, DK != DV, f32 and f64, the
  // default and the tiled schedules of the scan.
  LayerShape small{3, 5, 8, 2, 4, 3}, odd{4, 3, 6, 3, 2, 2};
  auto none = [](Layer2DArgs &) {};
  runLayerJit(specLayer2D("P", small, {0, 1, 2, 3}, true, "", "f32"), 2, 1,
              true, none);
  runLayerJit(specLayer2D("P", odd, {0}, false, "", "f64"), 1, 2, true,
              [](Layer2DArgs &a) { a.orientations = {0}; });
  runLayerJit(specLayer2D("P", small, {1, 2}, true,
                          "signed_p_mode, eigenvalue_factor = 2.0 : f64",
                          "f64"),
              2, 3, true, [](Layer2DArgs &a) {
                a.signedPMode = true;
                a.eigenvalueFactor = 2.0;
                a.orientations = {1, 2};
              });
  runLayerJit(specLayer2D("D", small, {0, 1, 2, 3}, true, "", "f32"), 2, 4,
              false, none);
  runLayerJit(specLayer2D("D", odd, {0, 3}, false,
                          "chirality = \"R\", qk_scale = 0.5 : f64", "f64"),
              3, 5, false, [](Layer2DArgs &a) {
                a.chirality = 'R';
                a.qkScale = 0.5;
                a.orientations = {0, 3};
              });
  for (const char *schedule : {"chunkwise:2", "logdepth"}) {
    SCOPED_TRACE(schedule);
    runLayerJit(specLayer2D("P", small, {0, 1, 2, 3}, true, "", "f32"), 2, 6,
                true, none, schedule);
    runLayerJit(specLayer2D("D", odd, {0, 3}, true, "chirality = \"R\"",
                            "f32"),
                1, 7, false,
                [](Layer2DArgs &a) {
                  a.chirality = 'R';
                  a.orientations = {0, 3};
                },
                schedule);
  }
}

TEST(JIT, Layer2DWithJAxesAndGateLayersMatchesTheLayerReference) {
  // J > 1 in the copy dims (JQ, JK, JV, JO; JT = 1: the P-mode algebra is
  // scalar), block-diagonal projections (sub_heads) and the gate layers'
  // activations, P- and D-mode, against the fp64 reference, under the
  // default and the tiled schedules.
  LayerShape small{3, 5, 8, 2, 4, 3};
  LayerForm j{true, 2, 3, 2, 2, 1}, jSub{true, 1, 2, 2, 3, 2};
  auto none = [](Layer2DArgs &) {};
  runLayerJit(specLayer2D("P", small, {0, 1, 2, 3}, true, "", "f64", j), 2,
              10, true, none);
  runLayerJit(specLayer2D("D", small, {0, 3}, true,
                          "sub_heads = 2 : i64, source_activation = \"tanh\", "
                          "mark_activation = \"identity\", "
                          "direct_activation = \"tanh\", "
                          "eigenvalue_activation = \"logsigmoid\"",
                          "f64", jSub),
              2, 11, false, [](Layer2DArgs &a) {
                a.orientations = {0, 3};
                a.gates.subHeads = 2;
                a.gates.source = "tanh";
                a.gates.mark = "identity";
                a.gates.direct = "tanh";
                a.gates.eigenvalue = "logsigmoid";
              });
  runLayerJit(specLayer2D("P", small, {0, 1}, true,
                          "sub_heads = 2 : i64, "
                          "eigenvalue_activation = \"expexp\"",
                          "f32", LayerForm{false, 1, 1, 1, 1, 2}),
              1, 12, true, [](Layer2DArgs &a) {
                a.orientations = {0, 1};
                a.gates.subHeads = 2;
                a.gates.eigenvalue = "expexp";
              });
  for (const char *schedule : {"chunkwise:2", "logdepth"}) {
    SCOPED_TRACE(schedule);
    runLayerJit(specLayer2D("P", small, {0, 1, 2, 3}, true, "", "f32", j), 1,
                13, true, none, schedule);
  }
}

TEST(JIT, LayersWithGateSubHeadsMatchTheLayerReference) {
  // gate_sub_heads separate from sub_heads (SPEC §8: the vision models use
  // stmd_sub_heads = 4·H with dense Q/K/V): each gate channel reads its own
  // input chunk (2D: the O·H orientation-gate channels, numbered h·O + o,
  // and the direct gate's H), against the fp64 layer references. H = 4
  // and g = 2 < H also checks the channel-to-chunk grouping.
  LayerShape vit{3, 4, 16, 2, 2, 3};
  LayerForm perChannel;
  perChannel.gateSubHeads = 8; // O·H with O = 4, H = 2
  runLayerJit(specLayer2D("P", vit, {0, 1, 2, 3}, true,
                          "gate_sub_heads = 8 : i64", "f64", perChannel),
              2, 14, true, [](Layer2DArgs &a) { a.gates.gateSubHeads = 8; });
  LayerShape four{3, 4, 8, 4, 2, 2};
  LayerForm grouped;
  grouped.gateSubHeads = 2;
  grouped.subHeads = 4;
  runLayerJit(specLayer2D("D", four, {0, 3}, true,
                          "gate_sub_heads = 2 : i64, sub_heads = 4 : i64",
                          "f32", grouped),
              1, 15, false, [](Layer2DArgs &a) {
                a.orientations = {0, 3};
                a.gates.gateSubHeads = 2;
                a.gates.subHeads = 4;
              });
  Layer1DShape lm{8, 4, 2, 2, J{0, 0, 1, 2, 2, 2, 2}};
  runLayer1DJit(specLayer1D(lm, true, true, "gate_sub_heads = 2 : i64", "f64",
                            1, 2),
                2, 9, 37, [](Layer1DArgs &a) { a.gates.gateSubHeads = 2; });
  GateLayerOptions dag;
  dag.gateSubHeads = 4;
  LayerForm dagForm;
  dagForm.gateSubHeads = 4;
  runLayerDagJit(specLayerDag("P", 8, 4, 3, 2, true, "gate_sub_heads = 4 : i64",
                              "f64", dagForm),
                 2, 20, 48, true, NAN, "", dag);
}

TEST(JIT, Layer2DPModeIsBoundedUnlessSigned) {
  // SPEC A10 / P8 on a 64×64 grid: α ≈ 1 (b_alpha = 5) and
  // τ = tanh(5·(−0.5)) ≈ −0.99. Bounded P-mode clamps τ to 0 (T_rl = 0,
  // T_dl = 1): the scan's output (before the norm, which hides its scale)
  // stays of the order of q·M·S·k·v and the compiled layer is finite. The
  // signed option keeps τ, so T_dl = 1 − α·τ ≈ 2: the documented blow-up of
  // the path sums (SPEC §6) is reproduced.
  LayerShape big{64, 64, 4, 1, 2, 2};
  double largest[2] = {0, 0};
  for (bool isSigned : {false, true}) {
    SCOPED_TRACE(isSigned ? "signed" : "bounded");
    auto kernel = compile(specLayer2D("P", big, {0}, true,
                                      isSigned ? "signed_p_mode" : "", "f32"));
    ASSERT_TRUE(static_cast<bool>(kernel))
        << llvm::toString(kernel.takeError());
    const KernelSignature &sig = kernel->signature();
    std::mt19937 rng(8);
    std::vector<Tensor> inputs = randomInputs(sig, {{"B", 1}}, rng);
    for (size_t i = 0; i < inputs.size(); ++i) {
      const std::string &role = sig.inputs[i].role;
      if (role == "b_alpha" || role == "b_transition" ||
          role == "w_transition" || role == "w_alpha")
        inputs[i].fill(role == "b_alpha" ? 5.0
                       : role == "b_transition" ? -0.5
                                                : 0.0);
    }
    Layer2DArgs args = layerArgs(sig, inputs, true);
    args.signedPMode = isSigned;
    args.orientations = {0};
    Tensor scan(DType::F64, {1, 64, 64, 2, 1});
    args.scanOutput = scan.ref();
    Tensor expected(DType::F64, inputs[0].shape());
    ASSERT_TRUE(referenceLayer2D(args, expected.ref()).ok());
    for (int64_t e = 0; e < scan.numElements(); ++e)
      largest[isSigned] =
          std::max(largest[isSigned], std::fabs(scan.as<double>()[e]));
    if (isSigned)
      continue;
    Tensor y(DType::F32, inputs[0].shape());
    std::vector<TensorRef> in;
    for (const Tensor &t : inputs)
      in.push_back(t.ref());
    ASSERT_TRUE((*kernel)(in, {y.ref()}).ok());
    for (int64_t e = 0; e < y.numElements(); ++e)
      ASSERT_TRUE(std::isfinite(y.as<float>()[e])) << "element " << e;
  }
  // |q|, |k|, |v| ≲ 3, M, S < 1, s = DK^-1/2 and at most 2 incoming
  // states per node: the bounded scan stays small; the signed one does not.
  EXPECT_LT(largest[0], 1e3);
  EXPECT_GT(largest[1], 1e12);
}

TEST(JIT, ParallelLoopsFreeTheirBuffers) {
  // The buffers allocated inside the schedules' parallel loops (chunk
  // stacks, per-tile temporaries) are freed on every call: repeated calls
  // of one kernel keep the resident size flat. (Deallocation once ran before
  // scf.forall became scf.parallel and missed those bodies: 1D log-depth at
  // B = 16, T = 4096 then grew by ~1 GB per call.)
  auto residentBytes = [] {
    long pages = 0, resident = 0;
    FILE *statm = std::fopen("/proc/self/statm", "r");
    if (!statm)
      return int64_t(-1);
    if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2)
      resident = -1;
    std::fclose(statm);
    return int64_t(resident) * 4096;
  };
  if (residentBytes() < 0)
    GTEST_SKIP() << "no /proc/self/statm";
  J wide{32, 32, 1, 1, 1, 1, 1};
  struct Case {
    std::string text, schedule;
    std::map<std::string, int64_t> sizes;
  };
  std::vector<Case> cases = {
      {spec1D(wide, false, "f32"), "logdepth:16", {{"B", 2}, {"T", 2048}}},
      {spec1D(wide, false, "f32"), "chunkwise:16", {{"B", 2}, {"T", 2048}}},
      {specDag(wide, "f32"), "chunkwise:1", {{"B", 2}, {"N", 300}}}};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.schedule);
    CompileOptions options;
    options.schedule = c.schedule;
    auto kernel = compile(c.text, options);
    ASSERT_TRUE(static_cast<bool>(kernel))
        << llvm::toString(kernel.takeError());
    KernelCall call(*kernel, c.sizes, 70);
    for (int warm = 0; warm < 3; ++warm)
      ASSERT_TRUE((*kernel)(call.in, call.out, 2).ok());
    int64_t before = residentBytes();
    for (int repeat = 0; repeat < 30; ++repeat)
      ASSERT_TRUE((*kernel)(call.in, call.out, 2).ok());
    int64_t grown = residentBytes() - before;
    EXPECT_LT(grown, int64_t(16) << 20)
        << "30 calls grew the resident size by " << (grown >> 20) << " MB";
  }
}

extern "C" void omp_set_num_threads(int);
extern "C" int omp_get_max_threads(void);

TEST(JIT, CallsLeaveTheCallersOpenMPSettingAlone) {
  // A call on the caller's thread (B = 1, all threads to the kernel's
  // loops) sets OpenMP's thread count for the kernel and restores it.
  J wide{4, 3, 1, 2, 2, 2, 3};
  CompileOptions options;
  options.schedule = "logdepth:2";
  auto kernel = compile(spec1D(wide, true, "f32"), options);
  ASSERT_TRUE(static_cast<bool>(kernel)) << llvm::toString(kernel.takeError());
  KernelCall call(*kernel, {{"B", 1}, {"T", 9}}, 3);
  omp_set_num_threads(3);
  ASSERT_TRUE((*kernel)(call.in, call.out, 2).ok());
  EXPECT_EQ(omp_get_max_threads(), 3);
}

#if defined(__x86_64__)
TEST(JIT, KernelsFlushDenormalsAndRestoreTheCallersMXCSR) {
  // The kernels run with FTZ/DAZ (products of many decays underflow into
  // the denormal range, where each x86 FP op takes a microcode assist):
  // y = q (k^T v) with q = v = 1e-20 and k = 1 is a sum of ~1e-40 terms,
  // all denormal, so every output is exactly 0 (without the flush it is
  // not). The caller's MXCSR is restored after the call, on the caller's
  // thread (B = 1) and with the batch split over threads.
  J unit{16, 16, 1, 1, 1, 1, 1};
  for (const char *schedule : {"sequential", "chunkwise:4"}) {
    SCOPED_TRACE(schedule);
    CompileOptions options;
    options.schedule = schedule;
    auto kernel = compile(spec1D(unit, false, "f32"), options);
    ASSERT_TRUE(static_cast<bool>(kernel))
        << llvm::toString(kernel.takeError());
    for (int64_t batch : {1, 2}) {
      KernelCall call(*kernel, {{"B", batch}, {"T", 9}}, 5);
      call.inputs[0].fill(1e-20);
      call.inputs[1].fill(1.0);
      call.inputs[2].fill(1e-20);
      call.outputs[0].fill(NAN);
      unsigned before = _mm_getcsr();
      ASSERT_TRUE((*kernel)(call.in, call.out, 2).ok());
      EXPECT_EQ(_mm_getcsr(), before);
      TensorRef y = call.outputs[0].ref();
      for (int64_t i = 0; i < y.numElements(); ++i)
        ASSERT_EQ(y.loadLinear(i), 0.0) << "element " << i;
    }
  }
}
#endif

TEST(JIT, StridedViewsGiveTheSameResult) {
  J scalar{4, 2, 1, 1, 1, 1, 1};
  Kernel kernel = compileOrDie(spec1D(scalar, false, "f32"));
  std::mt19937 rng(5);
  std::vector<Tensor> inputs =
      randomInputs(kernel.signature(), {{"B", 2}, {"T", 6}}, rng);
  // q as a view with doubled strides over a larger buffer.
  Tensor big(DType::F32, {2, 6, 4, 2});
  for (int64_t i = 0; i < inputs[0].numElements(); ++i)
    big.as<float>()[2 * i] = inputs[0].as<float>()[i];
  expectMatchesReference(
      kernel.signature(), inputs, {0},
      [&](std::vector<TensorRef> in, const std::vector<TensorRef> &out) {
        in[0] = TensorRef(big.data(), DType::F32, {2, 6, 4, 1}, {48, 8, 2, 2});
        return kernel(in, out);
      });
}

TEST(JIT, CallTimeErrorsAreReported) {
  J scalar{4, 2, 1, 1, 1, 1, 1};
  Kernel kernel = compileOrDie(spec1D(scalar, false, "f32"));
  std::mt19937 rng(6);
  std::vector<Tensor> inputs =
      randomInputs(kernel.signature(), {{"B", 2}, {"T", 6}}, rng);
  std::vector<TensorRef> in;
  for (Tensor &t : inputs)
    in.push_back(t.ref());
  Tensor y(DType::F32, {2, 6, 2, 1}), last(DType::F32, {2, 4, 2, 1});
  y.fill(7);
  auto call = [&](std::vector<TensorRef> args, std::vector<TensorRef> outs) {
    return kernel(args, outs);
  };
  std::vector<TensorRef> out = {y.ref(), last.ref()};

  Status st = call({in.begin(), in.end() - 1}, out);
  EXPECT_EQ(st.message(), "kernel 'k' takes 7 inputs, got 6");
  Tensor kF64(DType::F64, {2, 6, 4, 1});
  std::vector<TensorRef> wrong = in;
  wrong[1] = kF64.ref();
  EXPECT_EQ(call(wrong, out).message(),
            "input #1 (k) has dtype f64, expected f32");
  Tensor vBad(DType::F32, {2, 6, 3, 1});
  wrong = in;
  wrong[2] = vBad.ref();
  EXPECT_EQ(call(wrong, out).message(),
            "input #2 (v) has shape [2, 6, 3, 1], expected [?, ?, 2, 1]");
  Tensor tShort(DType::F32, {2, 5, 1, 1});
  wrong = in;
  wrong[4] = tShort.ref();
  EXPECT_EQ(call(wrong, out).message(),
            "input #4 (transition) has T = 5, expected T = 6 as in input #0 "
            "(q)");
  Tensor yBad(DType::F32, {2, 7, 2, 1});
  EXPECT_EQ(call(in, {yBad.ref(), last.ref()}).message(),
            "output #0 (y) has shape [2, 7, 2, 1], expected [2, 6, 2, 1]");
  EXPECT_EQ(call(in, {y.ref()}).message(), "kernel 'k' has 2 outputs, got 1");
  // Nothing was written by the failed calls.
  for (int64_t i = 0; i < y.numElements(); ++i)
    ASSERT_EQ(y.as<float>()[i], 7.0f);
}

TEST(JIT, InvalidGraphsAreRejectedBeforeTheKernelRuns) {
  J scalar{2, 2, 1, 1, 1, 1, 1};
  Kernel kernel = compileOrDie(specDag(scalar, "f32"));
  std::mt19937 rng(7);
  std::vector<Tensor> inputs =
      randomInputs(kernel.signature(), {{"B", 1}, {"N", 3}}, rng);
  Tensor edges(DType::I32, {3, 2}), lines(DType::I64, {0, 2});
  int32_t cycle[] = {0, 1, 1, 2, 2, 0};
  std::copy(cycle, cycle + 6, edges.as<int32_t>());
  std::vector<TensorRef> in;
  for (Tensor &t : inputs)
    in.push_back(t.ref());
  in[3] = edges.ref();
  in[4] = lines.ref();
  Tensor s(DType::F32, {1, 3, 1, 1, 1}), m(DType::F32, {1, 3, 1, 1, 1});
  Tensor t(DType::F32, {1, 0, 1, 1});
  in[5] = s.ref(), in[6] = t.ref(), in[7] = m.ref();
  Tensor y(DType::F32, {1, 3, 2, 1});
  Status st = kernel(in, {y.ref()});
  EXPECT_NE(st.message().find("cycle"), std::string::npos) << st.message();
  cycle[5] = 7; // out of range
  std::copy(cycle, cycle + 6, edges.as<int32_t>());
  st = kernel(in, {y.ref()});
  EXPECT_NE(st.message().find("edges[2] = (2, 7): node 7 is out of range"),
            std::string::npos)
      << st.message();
}

TEST(JIT, CompileErrorsAreValues) {
  auto bad = compile("func.func @k() { plstm.nonsense }");
  ASSERT_FALSE(static_cast<bool>(bad));
  EXPECT_NE(llvm::toString(bad.takeError()).find("does not parse"),
            std::string::npos);
  CompileOptions options;
  options.entry = "nope";
  auto noEntry = compile(spec1D({2, 2, 1, 1, 1, 1, 1}, false, "f32"), options);
  ASSERT_FALSE(static_cast<bool>(noEntry));
  EXPECT_NE(
      llvm::toString(noEntry.takeError()).find("no public function @nope"),
      std::string::npos);
  options.entry = "";
  options.schedule = "chunkwise";
  auto badSchedule =
      compile(spec1D({2, 2, 1, 1, 1, 1, 1}, false, "f32"), options);
  ASSERT_FALSE(static_cast<bool>(badSchedule));
  EXPECT_NE(llvm::toString(badSchedule.takeError()).find("chunkwise needs"),
            std::string::npos);
}

/// Compiles `text` into a shared library the way `plstm-compile --emit=so`
/// does.
std::string buildSharedLibrary(const std::string &text,
                               const std::string &name) {
  mlir::DialectRegistry registry;
  mlir::plstm::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  EXPECT_TRUE(module);
  auto kernels = mlir::plstm::describeKernels(*module);
  EXPECT_TRUE(succeeded(mlir::plstm::lowerToLLVMDialect(*module, {})));
  llvm::LLVMContext llvmContext;
  std::string error;
  auto llvmModule =
      mlir::plstm::translateToLLVMIR(*module, llvmContext, kernels, error);
  EXPECT_TRUE(llvmModule) << error;
  auto machine = mlir::plstm::createHostTargetMachine(3, error);
  EXPECT_TRUE(machine) << error;
  EXPECT_TRUE(mlir::plstm::optimizeModule(*llvmModule, *machine, 3, error));
  llvm::SmallString<128> dir;
  EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("plstm-aot", dir));
  std::string object = (dir + "/" + name + ".o").str();
  std::string library = (dir + "/lib" + name + ".so").str();
  EXPECT_TRUE(
      mlir::plstm::emitNativeFile(*llvmModule, *machine, object, false, error))
      << error;
  EXPECT_TRUE(mlir::plstm::linkSharedLibrary(object, library, error)) << error;
  return library;
}

TEST(AOT, SharedLibrariesMatchTheReference) {
  J wide{3, 2, 2, 1, 2, 2, 3};
  struct Case {
    std::string text;
    std::map<std::string, int64_t> sizes;
    std::vector<int> orientations;
  } cases[] = {
      {spec1D(wide, true, "f32"), {{"B", 2}, {"T", 23}}, {0}},
      {spec2D(wide, 3, 4, {0, 1, 2, 3}, true, false, true, true, "f32"),
       {{"B", 2}},
       {0, 1, 2, 3}},
      {specDag(wide, "f32"), {{"B", 2}, {"N", 30}}, {0}},
  };
  int index = 0;
  for (Case &c : cases) {
    std::string path = buildSharedLibrary(c.text, "k" + s(index++));
    std::unique_ptr<AotLibrary> library;
    Status st = AotLibrary::open(path, library);
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_EQ(library->kernelNames(), std::vector<std::string>{"k"});
    std::mt19937 rng(30 + index);
    std::vector<Tensor> inputs =
        randomInputs(*library->signature("k"), c.sizes, rng);
    expectMatchesReference(*library->signature("k"), inputs, c.orientations,
                           [&](const std::vector<TensorRef> &in,
                               const std::vector<TensorRef> &out) {
                             return library->call("k", in, out);
                           });
    EXPECT_NE(library->call("nope", {}, {}).message().find("has no kernel"),
              std::string::npos);
  }
  std::unique_ptr<AotLibrary> missing;
  EXPECT_NE(AotLibrary::open("/nonexistent/libk.so", missing)
                .message()
                .find("cannot load kernel library"),
            std::string::npos);
}

} // namespace

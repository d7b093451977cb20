//===- ReferenceLayers.cpp - reference evaluator of the layer ops ---------===//
//
// The fused 2D layer (SPEC §5.3-§5.4) in plain fp64 loops: projections and
// gates node by node from the formulas of the spec, heads folded into the
// batch, referenceScan2D, then the per-head RMS norm and the output
// projection. Written from the spec, independently of the compiler's
// decomposition (passes/DecomposeLayers.cpp), so that one checks the other.
//
//===----------------------------------------------------------------------===//

#include "runtime/Reference.h"

#include <cmath>
#include <string>

namespace plstm {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// Element at a multi-index of a strided view.
double at(const TensorRef &t, std::initializer_list<int64_t> index) {
  int64_t linear = 0, i = 0;
  for (int64_t v : index) {
    linear = linear * t.shape[i] + v;
    ++i;
  }
  return t.loadLinear(linear);
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

using WeightMap = std::map<std::string, TensorRef>;
using WeightShapes = std::vector<std::pair<std::string, std::vector<int64_t>>>;

/// The weight `name` of a layer (a view that is not present when absent).
TensorRef weightIn(const WeightMap &weights, const std::string &name) {
  auto it = weights.find(name);
  return it == weights.end() ? TensorRef() : it->second;
}

/// Every name of `required` is present.
Status requireWeights(const WeightMap &weights,
                      const std::vector<std::string> &required) {
  for (const std::string &name : required)
    if (!weightIn(weights, name).present())
      return Status::error("layer weight '" + name + "' is missing");
  return Status::success();
}

/// Every present weight of `shapes` has its shape; `y` has `yShape`.
Status checkShapes(const WeightMap &weights, const WeightShapes &shapes,
                   const TensorRef &y, const std::vector<int64_t> &yShape) {
  for (const auto &[name, shape] : shapes) {
    TensorRef t = weightIn(weights, name);
    if (t.present() && t.shape != shape)
      return Status::error("layer weight '" + name + "' has shape " +
                           shapeText(t.shape) + ", expected " +
                           shapeText(shape));
  }
  if (y.shape != yShape)
    return Status::error("layer result y has shape " + shapeText(y.shape) +
                         ", expected " + shapeText(yShape));
  return Status::success();
}

/// Element at a multi-index given as a vector.
double atv(const TensorRef &t, const std::vector<int64_t> &index) {
  int64_t linear = 0;
  for (size_t i = 0; i < index.size(); ++i)
    linear = linear * t.shape[i] + index[i];
  return t.loadLinear(linear);
}

/// `fn(linear, index)` for every multi-index of `extents`, in C order.
template <typename Fn>
void each(const std::vector<int64_t> &extents, Fn fn) {
  int64_t count = 1;
  for (int64_t e : extents)
    count *= e;
  std::vector<int64_t> j(extents.size());
  for (int64_t linear = 0; linear < count; ++linear) {
    int64_t rest = linear;
    for (int64_t i = static_cast<int64_t>(extents.size()) - 1; i >= 0; --i) {
      j[i] = rest % extents[i];
      rest /= extents[i];
    }
    fn(linear, j);
  }
}

/// A gate layer's activation (SPEC §5.1): sigmoid, tanh or identity.
double activate(double x, const std::string &kind) {
  if (kind == "tanh")
    return std::tanh(x);
  if (kind == "identity")
    return x;
  return sigmoid(x);
}

/// The eigenvalue activation with factor f: tanh(f·x), σ(x)^f or
/// exp(−f·e^(−x)).
double eigenvalue(double x, const std::string &kind, double f) {
  if (kind == "logsigmoid")
    return std::pow(sigmoid(x), f);
  if (kind == "expexp")
    return std::exp(-f * std::exp(-x));
  return std::tanh(f * x);
}

/// Block-diagonal input projections (SPEC §5.1): `chunks` input chunks of
/// D / chunks features over `channels` output channels; channel c reads the
/// chunk c / (channels / chunks).
struct Chunking {
  int64_t channels, chunks;
};

/// `sub_heads` (Q/K/V: `value` chunks over H channels) or `gate_sub_heads`
/// (`capped`: min(value, channels) chunks) must split D and the channels
/// evenly.
Status checkChunks(const std::string &name, int64_t value, int64_t channels,
                   int64_t d, bool capped) {
  int64_t chunks = capped ? std::min(value, channels) : value;
  if (value < 1 || channels % chunks != 0 || d % chunks != 0)
    return Status::error("layer " + name + " = " + std::to_string(value) +
                         ": " + std::to_string(chunks) +
                         " input chunks do not divide D = " +
                         std::to_string(d) + " and the " +
                         std::to_string(channels) + " channels");
  return Status::success();
}

/// The head and J dims of a 2D or graph layer from its weights: without J
/// axes w_q is [DIN, H, DK]; with them [DIN, H, DK, JQ] (and every J dim
/// from its weight).
/// `own` followed by `j` when the weights carry J axes.
std::vector<int64_t> withJDims(std::vector<int64_t> own,
                               const std::vector<int64_t> &j, bool withJ) {
  if (withJ)
    own.insert(own.end(), j.begin(), j.end());
  return own;
}

struct HeadDims {
  bool withJ;
  int64_t h, dk, dv, jq, jk, jv, jo;

  /// `own` followed by `j` in the form with J axes.
  std::vector<int64_t> with(std::vector<int64_t> own,
                            const std::vector<int64_t> &j) const {
    return withJDims(std::move(own), j, withJ);
  }

  /// The shapes of the weights both layers have: Q/K/V (DIN rows), the
  /// direct gate (DGH rows), the norm, the output projection and the
  /// passthrough.
  WeightShapes commonShapes(int64_t din, int64_t dgh, int64_t d) const {
    return {{"w_q", with({din, h, dk}, {jq})},
            {"b_q", with({h, dk}, {jq})},
            {"w_k", with({din, h, dk}, {jk})},
            {"b_k", with({h, dk}, {jk})},
            {"w_v", with({din, h, dv}, {jv})},
            {"b_v", with({h, dv}, {jv})},
            {"b_direct", with({h}, {jo, jq, jk, jv})},
            {"w_direct", with({dgh, h}, {jo, jq, jk, jv})},
            {"norm_scale", with({h, dv}, {jo})},
            {"w_out", outRows(d)},
            {"passthrough", {d}}};
  }
  /// w_out: [H, DV, (JO,) D].
  std::vector<int64_t> outRows(int64_t d) const {
    std::vector<int64_t> shape = with({h, dv}, {jo});
    shape.push_back(d);
    return shape;
  }
};
Status headDims(const WeightMap &weights, HeadDims &dims) {
  auto weight = [&](const std::string &name) { return weightIn(weights, name); };
  bool withJ = weight("w_q").rank() == 4;
  int64_t rank = withJ ? 4 : 3;
  if (weight("w_q").rank() != rank || weight("w_k").rank() != rank ||
      weight("w_v").rank() != rank || weight("norm_scale").rank() != rank - 1)
    return Status::error("layer weights w_q, w_k, w_v, norm_scale: expected "
                         "ranks 3, 3, 3, 2 (no J axes) or 4, 4, 4, 3");
  dims = {withJ,
          weight("w_v").shape[1],
          weight("w_q").shape[2],
          weight("w_v").shape[2],
          withJ ? weight("w_q").shape[3] : 1,
          withJ ? weight("w_k").shape[3] : 1,
          withJ ? weight("w_v").shape[3] : 1,
          withJ ? weight("norm_scale").shape[2] : 1};
  return Status::success();
}

/// The chunks of the Q/K/V projections (sub_heads over H) and of the gate
/// layers of H channels (min(gate_sub_heads, H)), checked against D and H.
Status headChunks(const GateLayerOptions &options, int64_t h, int64_t d,
                  Chunking &qkv, Chunking &gates) {
  if (Status s = checkChunks("sub_heads", options.subHeads, h, d, false); !s)
    return s;
  if (Status s =
          checkChunks("gate_sub_heads", options.gateSubHeads, h, d, true);
      !s)
    return s;
  qkv = {h, options.subHeads};
  gates = {h, std::min(options.gateSubHeads, h)};
  return Status::success();
}

/// bias[lead..., j...] + scale · in[at..., block]·w[:, lead..., j...], the
/// input projection of one output channel, which reads the input block of
/// its chunk (`Chunking`). `j` (the J indices) is used only when the weights
/// carry J axes.
struct Projector {
  int64_t d;
  bool withJ;

  double operator()(const TensorRef &in, const std::vector<int64_t> &at,
                    Chunking chunking, int64_t channel, const TensorRef &bias,
                    const TensorRef &w, const std::vector<int64_t> &lead,
                    const std::vector<int64_t> &j, double scale = 1.0) const {
    std::vector<int64_t> index = lead;
    if (withJ)
      index.insert(index.end(), j.begin(), j.end());
    double sum = atv(bias, index);
    if (!w.present())
      return sum;
    int64_t width = d / chunking.chunks;
    int64_t first =
        (channel / (chunking.channels / chunking.chunks)) * width;
    std::vector<int64_t> xi = at, wi = {0};
    xi.push_back(0);
    wi.insert(wi.end(), index.begin(), index.end());
    for (int64_t c = 0; c < width; ++c) {
      xi.back() = first + c;
      wi[0] = c;
      sum += scale * atv(in, xi) * atv(w, wi);
    }
    return sum;
  }
};

/// y[b, r, :] = Σ_{h, v, o} norm(out)[b·H + h, r, v, o] · w_out[h, v, (o,) :]
/// with the per-head RMS norm over DV·JO (eps 1e-5) times norm_scale;
/// `out` is [B·H, R, DV, JO] (rows flattened), scale and w_out with or
/// without the JO axis.
void normAndProject(const TensorRef &out, int64_t batch, int64_t h,
                    int64_t rows, int64_t dv, int64_t jo,
                    const TensorRef &scale, const TensorRef &wOut,
                    const TensorRef &y) {
  int64_t d = wOut.shape.back();
  bool withJ = scale.rank() == 3;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<double> acc(d, 0.0);
      for (int64_t hh = 0; hh < h; ++hh) {
        int64_t base = ((b * h + hh) * rows + r) * dv * jo;
        double squares = 0;
        for (int64_t e = 0; e < dv * jo; ++e) {
          double value = out.loadLinear(base + e);
          squares += value * value;
        }
        double inverse =
            1.0 / std::sqrt(squares / static_cast<double>(dv * jo) + 1e-5);
        for (int64_t j = 0; j < dv; ++j)
          for (int64_t o = 0; o < jo; ++o) {
            double value = out.loadLinear(base + j * jo + o) * inverse *
                           (withJ ? atv(scale, {hh, j, o}) : atv(scale, {hh, j}));
            for (int64_t c = 0; c < d; ++c)
              acc[c] += value * (withJ ? atv(wOut, {hh, j, o, c})
                                       : atv(wOut, {hh, j, c}));
          }
      }
      for (int64_t c = 0; c < d; ++c)
        y.storeLinear((b * rows + r) * d + c, acc[c]);
    }
}

/// y += passthrough ⊙ x (per channel, the last axis), when present.
void addPassthrough(const TensorRef &passthrough, const TensorRef &x,
                    const TensorRef &y) {
  if (!passthrough.present())
    return;
  int64_t d = x.shape.back(), count = 1;
  for (int64_t extent : x.shape)
    count *= extent;
  for (int64_t e = 0; e < count; ++e)
    y.storeLinear(e, y.loadLinear(e) +
                         passthrough.loadLinear(e % d) * x.loadLinear(e));
}

} // namespace

Status referenceLayer2D(const Layer2DArgs &args, const TensorRef &y) {
  const TensorRef &x = args.x;
  if (x.rank() != 4)
    return Status::error("layer x: expected rank 4 [B, MX, MY, D], got " +
                         shapeText(x.shape));
  int64_t batch = x.shape[0], mx = x.shape[1], my = x.shape[2],
          d = x.shape[3];
  auto weight = [&](const std::string &name) {
    return weightIn(args.weights, name);
  };
  std::vector<std::string> gates =
      args.pMode ? std::vector<std::string>{"alpha", "source", "transition",
                                            "mark"}
                 : std::vector<std::string>{"source_r", "source_d", "t_rl",
                                            "t_du",     "t_turn",   "mark_l",
                                            "mark_u"};
  std::vector<std::string> required = {"w_q",      "b_q",        "w_k",
                                       "b_k",      "w_v",        "b_v",
                                       "b_direct", "norm_scale", "w_out"};
  for (const std::string &g : gates)
    required.push_back("b_" + g);
  if (Status s = requireWeights(args.weights, required); !s)
    return s;
  HeadDims dims;
  if (Status s = headDims(args.weights, dims); !s)
    return s;
  bool withJ = dims.withJ;
  int64_t h = dims.h, dk = dims.dk, dv = dims.dv, jq = dims.jq, jk = dims.jk,
          jv = dims.jv, jo = dims.jo;
  int64_t numO = static_cast<int64_t>(args.orientations.size());
  const GateLayerOptions &act = args.gates;
  // Q/K/V and the direct gate (H channels) as in the other layers; the
  // orientation gates have O·H channels.
  Chunking qkvChunks, directChunks;
  if (Status s = headChunks(act, h, d, qkvChunks, directChunks); !s)
    return s;
  if (Status s = checkChunks("gate_sub_heads", act.gateSubHeads, h * numO, d,
                             true);
      !s)
    return s;
  Chunking orientChunks{h * numO, std::min(act.gateSubHeads, h * numO)};
  int64_t dgo = d / orientChunks.chunks;
  Projector project{d, withJ};
  // Every weight's shape, from the op's table.
  WeightShapes shapes =
      dims.commonShapes(d / qkvChunks.chunks, d / directChunks.chunks, d);
  // The J dims of each gate's weights: sources JK, JV; marks JO, JQ; none
  // for α and the transitions (JT = 1).
  auto gateJ = [&](const std::string &g) -> std::vector<int64_t> {
    if (g.rfind("source", 0) == 0)
      return {jk, jv};
    if (g.rfind("mark", 0) == 0)
      return {jo, jq};
    return {};
  };
  for (const std::string &g : gates) {
    shapes.push_back({"b_" + g, dims.with({numO, h}, gateJ(g))});
    shapes.push_back({"w_" + g, dims.with({dgo, numO, h}, gateJ(g))});
  }
  if (Status s = checkShapes(args.weights, shapes, y, {batch, mx, my, d}); !s)
    return s;

  // Projections and gates per (batch, head, node), heads in the batch.
  int64_t bh = batch * h;
  Tensor q(DType::F64, {bh, mx, my, dk, jq}), k(DType::F64, {bh, mx, my, dk, jk}),
      v(DType::F64, {bh, mx, my, dv, jv});
  std::vector<int64_t> srcShape = {bh, numO, mx, my, 1, jk, jv},
                       trShape = {bh, numO, mx, my, 1, 1},
                       markShape = {bh, numO, mx, my, jo, jq, 1};
  Tensor sr(DType::F64, srcShape), sd(DType::F64, srcShape),
      trl(DType::F64, trShape), tdu(DType::F64, trShape),
      turn(DType::F64, trShape), tdl2(DType::F64, trShape),
      ml(DType::F64, markShape), mu(DType::F64, markShape),
      direct(DType::F64, {bh, mx, my, jo, jq, jk, jv});
  double f = args.eigenvalueFactor;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t hh = 0; hh < h; ++hh)
      for (int64_t ix = 0; ix < mx; ++ix)
        for (int64_t iy = 0; iy < my; ++iy) {
          std::vector<int64_t> cell = {b, ix, iy};
          int64_t n = ((b * h + hh) * mx + ix) * my + iy;
          // bias[lead..., j...] + scale·x·w[:, lead..., j...]; the
          // channel is the head (Q/K/V, direct) or h·O + o (the
          // orientation gates, head-major as in the fused kernel).
          auto qkv = [&](const std::string &bias, const std::string &w,
                         const std::vector<int64_t> &lead,
                         const std::vector<int64_t> &j) {
            return project(x, cell, qkvChunks, hh, weight(bias), weight(w),
                           lead, j);
          };
          // An orientation gate (lead = {o, h}): channel h·O + o.
          auto pre = [&](const std::string &bias, const std::string &w,
                         const std::vector<int64_t> &lead,
                         const std::vector<int64_t> &j, double scale = 1.0) {
            return project(x, cell, orientChunks, hh * numO + lead[0],
                           weight(bias), weight(w), lead, j, scale);
          };
          // q, k, v: lead (h, feature), J index last.
          each({dk, jq}, [&](int64_t e, const std::vector<int64_t> &i) {
            q.ref().storeLinear(n * dk * jq + e,
                                qkv("b_q", "w_q", {hh, i[0]}, {i[1]}));
          });
          each({dk, jk}, [&](int64_t e, const std::vector<int64_t> &i) {
            k.ref().storeLinear(n * dk * jk + e,
                                qkv("b_k", "w_k", {hh, i[0]}, {i[1]}));
          });
          each({dv, jv}, [&](int64_t e, const std::vector<int64_t> &i) {
            v.ref().storeLinear(n * dv * jv + e,
                                qkv("b_v", "w_v", {hh, i[0]}, {i[1]}));
          });
          int64_t directSize = jo * jq * jk * jv;
          each({jo, jq, jk, jv}, [&](int64_t e, const std::vector<int64_t> &j) {
            direct.ref().storeLinear(
                n * directSize + e,
                activate(project(x, cell, directChunks, hh, weight("b_direct"),
                                 weight("w_direct"), {hh}, j),
                         act.direct));
          });
          for (int64_t o = 0; o < numO; ++o) {
            int64_t g = (((b * h + hh) * numO + o) * mx + ix) * my + iy;
            std::vector<int64_t> lead = {o, hh};
            auto sources = [&](auto fn) {
              each({jk, jv}, [&](int64_t e, const std::vector<int64_t> &j) {
                fn(g * jk * jv + e, j);
              });
            };
            auto marks = [&](auto fn) {
              each({jo, jq}, [&](int64_t e, const std::vector<int64_t> &j) {
                fn(g * jo * jq + e, j);
              });
            };
            if (args.pMode) {
              // SPEC §5.3 P-mode, A10: τ clamped to [0, 1] unless signed.
              double alpha = sigmoid(pre("b_alpha", "w_alpha", lead, {},
                                         0.5 / static_cast<double>(d)));
              double tau = eigenvalue(
                  pre("b_transition", "w_transition", lead, {}), act.eigenvalue,
                  f);
              if (!args.signedPMode)
                tau = std::max(tau, 0.0);
              sources([&](int64_t e, const std::vector<int64_t> &j) {
                double s =
                    activate(pre("b_source", "w_source", lead, j), act.source);
                sr.ref().storeLinear(e, alpha * s);
                sd.ref().storeLinear(e, 1.0 - alpha * s);
              });
              trl.ref().storeLinear(g, alpha * tau);
              tdu.ref().storeLinear(g, 1.0 - alpha * tau);
              turn.ref().storeLinear(g, alpha * tau);      // T_ru = T_rl
              tdl2.ref().storeLinear(g, 1.0 - alpha * tau); // T_dl = T_du
              marks([&](int64_t e, const std::vector<int64_t> &j) {
                double m = activate(pre("b_mark", "w_mark", lead, j), act.mark);
                ml.ref().storeLinear(e, m);
                mu.ref().storeLinear(e, m);
              });
            } else {
              sources([&](int64_t e, const std::vector<int64_t> &j) {
                sr.ref().storeLinear(
                    e, activate(pre("b_source_r", "w_source_r", lead, j),
                                act.source));
                sd.ref().storeLinear(
                    e, activate(pre("b_source_d", "w_source_d", lead, j),
                                act.source));
              });
              auto transition = [&](const std::string &name) {
                return eigenvalue(pre("b_" + name, "w_" + name, lead, {}),
                                  act.eigenvalue, f);
              };
              trl.ref().storeLinear(g, transition("t_rl"));
              tdu.ref().storeLinear(g, transition("t_du"));
              turn.ref().storeLinear(g, transition("t_turn"));
              marks([&](int64_t e, const std::vector<int64_t> &j) {
                ml.ref().storeLinear(
                    e, activate(pre("b_mark_l", "w_mark_l", lead, j), act.mark));
                mu.ref().storeLinear(
                    e, activate(pre("b_mark_u", "w_mark_u", lead, j), act.mark));
              });
            }
          }
        }

  Scan2DArgs scan;
  scan.q = q.ref(), scan.k = k.ref(), scan.v = v.ref();
  scan.sourceR = sr.ref(), scan.sourceD = sd.ref();
  scan.tRL = trl.ref(), scan.tDU = tdu.ref();
  if (args.pMode) {
    scan.tRU = turn.ref();
    scan.tDL = tdl2.ref();
  } else if (args.chirality == 'L') {
    scan.tRU = turn.ref();
  } else {
    scan.tDL = turn.ref();
  }
  scan.markL = ml.ref(), scan.markU = mu.ref();
  scan.direct = direct.ref();
  scan.orientations = args.orientations;
  scan.qkScale = args.qkScale;
  Tensor out(DType::F64, {bh, mx, my, dv, jo});
  if (Status s = referenceScan2D(scan, Scan2DResults{out.ref(), {}, {}}); !s)
    return Status::error("layer scan: " + s.message());

  if (args.scanOutput.present()) {
    if (args.scanOutput.shape != out.shape())
      return Status::error("layer scanOutput has shape " +
                           shapeText(args.scanOutput.shape) + ", expected " +
                           shapeText(out.shape()));
    for (int64_t e = 0; e < out.numElements(); ++e)
      args.scanOutput.storeLinear(e, out.ref().loadLinear(e));
  }
  normAndProject(out.ref(), batch, h, mx * my, dv, jo, weight("norm_scale"),
                 weight("w_out"), y);
  addPassthrough(weight("passthrough"), x, y);
  return Status::success();
}

namespace {

/// Dense matrix product of n × n row-major matrices.
std::vector<double> matmul(const std::vector<double> &a,
                           const std::vector<double> &b, int64_t n) {
  std::vector<double> c(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < n; ++j)
        c[i * n + j] += a[i * n + k] * b[k * n + j];
  return c;
}

/// SPEC §5.1 exponential orthogonalisation: Σ_{n=0}^{15} Aⁿ/n!,
/// A = g·(X − Xᵀ).
std::vector<double> expOrthogonal(const std::vector<double> &x, int64_t n,
                                  double g) {
  std::vector<double> a(n * n), sum(n * n, 0.0), power(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      a[i * n + j] = g * (x[i * n + j] - x[j * n + i]);
  for (int64_t i = 0; i < n; ++i)
    sum[i * n + i] = power[i * n + i] = 1.0;
  for (int64_t k = 1; k < 16; ++k) {
    power = matmul(power, a, n);
    for (double &p : power)
      p /= static_cast<double>(k);
    for (int64_t e = 0; e < n * n; ++e)
      sum[e] += power[e];
  }
  return sum;
}

} // namespace

Status referenceLayer1D(const Layer1DArgs &args, const TensorRef &y) {
  const TensorRef &x = args.x;
  if (x.rank() != 3)
    return Status::error("layer x: expected rank 3 [B, T, D], got " +
                         shapeText(x.shape));
  int64_t batch = x.shape[0], len = x.shape[1], d = x.shape[2];
  auto weight = [&](const std::string &name) {
    return weightIn(args.weights, name);
  };
  if (Status s = requireWeights(
          args.weights,
          {"w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v",
           "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out"});
      !s)
    return s;
  if (weight("w_q").rank() != 4 || weight("w_v").rank() != 4 ||
      weight("w_k").rank() != 4 || weight("b_mark").rank() != 4 ||
      weight("b_eigen").rank() != 2)
    return Status::error("layer weights w_q, w_k, w_v, b_mark, b_eigen: "
                         "expected ranks 4, 4, 4, 4, 2");
  int64_t h = weight("w_q").shape[1], dk = weight("w_q").shape[2],
          jq = weight("w_q").shape[3], jk = weight("w_k").shape[3],
          dv = weight("w_v").shape[2], jv = weight("w_v").shape[3],
          jo = weight("b_mark").shape[1], jt = weight("b_eigen").shape[1];
  Chunking qkvChunks, gateChunks;
  if (Status s = headChunks(args.gates, h, d, qkvChunks, gateChunks); !s)
    return s;
  int64_t din = d / qkvChunks.chunks, dgh = d / gateChunks.chunks;
  Projector project{d, /*withJ=*/true};
  WeightShapes shapes = {
      {"w_conv", {4, d}},
      {"b_conv", {d}},
      {"w_q", {din, h, dk, jq}},
      {"b_q", {h, dk, jq}},
      {"w_k", {din, h, dk, jk}},
      {"b_k", {h, dk, jk}},
      {"w_v", {din, h, dv, jv}},
      {"b_v", {h, dv, jv}},
      {"b_source", {h, jt, jk, jv}},
      {"w_source", {dgh, h, jt, jk, jv}},
      {"b_mark", {h, jo, jq, jt}},
      {"w_mark", {dgh, h, jo, jq, jt}},
      {"b_direct", {h, jo, jq, jk, jv}},
      {"w_direct", {dgh, h, jo, jq, jk, jv}},
      {"b_eigen", {h, jt}},
      {"w_eigen", {dgh, h, jt}},
      {"b_in", {h, jt, jt}},
      {"w_in", {dgh, h, jt, jt}},
      {"b_out", {h, jt, jt}},
      {"w_out_t", {dgh, h, jt, jt}},
      {"norm_scale", {h, dv, jo}},
      {"w_out", {h, dv, jo, d}},
      {"passthrough", {d}}};
  if (jt > 1 && !weight("b_in").present())
    return Status::error("layer weight 'b_in' is missing (JT > 1)");
  if (Status s = checkShapes(args.weights, shapes, y, {batch, len, d}); !s)
    return s;

  // c = causal depthwise convolution of kernel 4.
  Tensor conv(DType::F64, {batch, len, d});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < len; ++t)
      for (int64_t c = 0; c < d; ++c) {
        double sum = at(weight("b_conv"), {c});
        for (int64_t i = 0; i < 4; ++i)
          if (t - 3 + i >= 0)
            sum += at(weight("w_conv"), {i, c}) * at(x, {b, t - 3 + i, c});
        conv.ref().storeLinear((b * len + t) * d + c, sum);
      }
  const TensorRef c = conv.ref();

  // bias[h, j...] + in[b, t, :]·w[:, h, j...] for the multi-index `j`
  // (block-diagonal: Q/K/V over sub_heads, the gates over gate_sub_heads).
  auto pre = [&](const TensorRef &in, const std::string &bias,
                 const std::string &w, int64_t b, int64_t t, int64_t hh,
                 const std::vector<int64_t> &j) {
    bool qkv = bias == "b_q" || bias == "b_k" || bias == "b_v";
    return project(in, {b, t}, qkv ? qkvChunks : gateChunks, hh, weight(bias),
                   weight(w), {hh}, j);
  };

  int64_t bh = batch * h;
  Tensor q(DType::F64, {bh, len, dk, jq}), k(DType::F64, {bh, len, dk, jk}),
      v(DType::F64, {bh, len, dv, jv}),
      source(DType::F64, {bh, len, jt, jk, jv}),
      transition(DType::F64, {bh, len, jt, jt}),
      mark(DType::F64, {bh, len, jo, jq, jt}),
      direct(DType::F64, {bh, len, jo, jq, jk, jv});
  double f = args.eigenvalueFactor, g = args.orthogonalFactor;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t hh = 0; hh < h; ++hh)
      for (int64_t t = 0; t < len; ++t) {
        int64_t n = (b * h + hh) * len + t;
        // `activation`: a gate layer's ("source", ...), or none.
        auto fill = [&](Tensor &out, const TensorRef &in,
                        const std::string &bias, const std::string &w,
                        const std::vector<int64_t> &extents,
                        const std::string *activation) {
          int64_t size = 1;
          for (int64_t e : extents)
            size *= e;
          each(extents, [&](int64_t linear, const std::vector<int64_t> &j) {
            double value = pre(in, bias, w, b, t, hh, j);
            out.ref().storeLinear(
                n * size + linear,
                activation ? activate(value, *activation) : value);
          });
        };
        const GateLayerOptions &act = args.gates;
        fill(q, c, "b_q", "w_q", {dk, jq}, nullptr);
        fill(k, c, "b_k", "w_k", {dk, jk}, nullptr);
        fill(v, x, "b_v", "w_v", {dv, jv}, nullptr);
        fill(source, c, "b_source", "w_source", {jt, jk, jv}, &act.source);
        fill(mark, c, "b_mark", "w_mark", {jo, jq, jt}, &act.mark);
        fill(direct, c, "b_direct", "w_direct", {jo, jq, jk, jv}, &act.direct);
        std::vector<double> lambda(jt);
        for (int64_t i = 0; i < jt; ++i)
          lambda[i] = eigenvalue(pre(c, "b_eigen", "w_eigen", b, t, hh, {i}),
                                 act.eigenvalue, f);
        std::vector<double> tm(jt * jt, 0.0);
        if (jt == 1) {
          tm[0] = lambda[0];
        } else {
          // T = U·diag(λ)·W (SPEC §5.1), U = Wᵀ without b_out.
          std::vector<double> xin(jt * jt), xout(jt * jt);
          for (int64_t i = 0; i < jt; ++i)
            for (int64_t j = 0; j < jt; ++j) {
              xin[i * jt + j] = pre(c, "b_in", "w_in", b, t, hh, {i, j});
              if (weight("b_out").present())
                xout[i * jt + j] = pre(c, "b_out", "w_out_t", b, t, hh, {i, j});
            }
          std::vector<double> w = expOrthogonal(xin, jt, g), u(jt * jt);
          if (weight("b_out").present()) {
            u = expOrthogonal(xout, jt, g);
          } else {
            for (int64_t i = 0; i < jt; ++i)
              for (int64_t j = 0; j < jt; ++j)
                u[i * jt + j] = w[j * jt + i];
          }
          for (int64_t i = 0; i < jt; ++i)
            for (int64_t j = 0; j < jt; ++j)
              for (int64_t m = 0; m < jt; ++m)
                tm[i * jt + j] += u[i * jt + m] * lambda[m] * w[m * jt + j];
        }
        for (int64_t e = 0; e < jt * jt; ++e)
          transition.ref().storeLinear(n * jt * jt + e, tm[e]);
      }

  Scan1DArgs scan;
  scan.q = q.ref(), scan.k = k.ref(), scan.v = v.ref();
  scan.source = source.ref(), scan.transition = transition.ref();
  scan.mark = mark.ref(), scan.direct = direct.ref();
  scan.qkScale = args.qkScale;
  Tensor out(DType::F64, {bh, len, dv, jo});
  if (Status s = referenceScan1D(scan, Scan1DResults{out.ref(), {}}); !s)
    return Status::error("layer scan: " + s.message());

  // Per-head RMS norm over DV·JO, output projection, passthrough (of c).
  normAndProject(out.ref(), batch, h, len, dv, jo, weight("norm_scale"),
                 weight("w_out"), y);
  addPassthrough(weight("passthrough"), c, y);
  return Status::success();
}

Status referenceLayerDag(const LayerDagArgs &args, const TensorRef &y) {
  const TensorRef &x = args.x;
  if (x.rank() != 3)
    return Status::error("layer x: expected rank 3 [B, N, D], got " +
                         shapeText(x.shape));
  if (args.edges.rank() != 2 || args.lineEdges.rank() != 2)
    return Status::error("layer graph: expected [E, 2] and [L, 2] tables");
  int64_t batch = x.shape[0], nodes = x.shape[1], d = x.shape[2];
  int64_t numEdges = args.edges.shape[0], numLines = args.lineEdges.shape[0];
  auto weight = [&](const std::string &name) {
    return weightIn(args.weights, name);
  };
  if (Status s = requireWeights(
          args.weights,
          {"w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark",
           "b_direct", "b_transition", "norm_scale", "w_out"});
      !s)
    return s;
  HeadDims dims;
  if (Status s = headDims(args.weights, dims); !s)
    return s;
  bool withJ = dims.withJ;
  int64_t h = dims.h, dk = dims.dk, dv = dims.dv, jq = dims.jq, jk = dims.jk,
          jv = dims.jv, jo = dims.jo;
  Chunking qkvChunks, gateChunks;
  if (Status s = headChunks(args.gates, h, d, qkvChunks, gateChunks); !s)
    return s;
  int64_t dgh = d / gateChunks.chunks;
  Projector project{d, withJ};
  auto with = [&](std::vector<int64_t> own, const std::vector<int64_t> &j) {
    return dims.with(std::move(own), j);
  };
  WeightShapes shapes = dims.commonShapes(d / qkvChunks.chunks, dgh, d);
  for (const auto &entry : WeightShapes{{"b_source", with({h}, {jk, jv})},
                                        {"w_source", with({dgh, h}, {jk, jv})},
                                        {"b_mark", with({h}, {jo, jq})},
                                        {"w_mark", with({dgh, h}, {jo, jq})},
                                        {"b_transition", {h}},
                                        {"w_transition", {dgh, h}}})
    shapes.push_back(entry);
  const TensorRef &ef = args.edgeFeatures;
  int64_t numFeatures = ef.present() ? ef.shape.back() : 0;
  if (ef.present() && (ef.rank() != 3 || ef.shape[0] != batch ||
                       ef.shape[1] != numEdges))
    return Status::error("layer edge features have shape " +
                         shapeText(ef.shape) + ", expected [B, E, F] = [" +
                         std::to_string(batch) + ", " +
                         std::to_string(numEdges) + ", F]");
  shapes.push_back({"w_source_edge", with({numFeatures, h}, {jk, jv})});
  shapes.push_back({"w_mark_edge", with({numFeatures, h}, {jo, jq})});
  shapes.push_back({"w_transition_in", {numFeatures, h}});
  shapes.push_back({"w_transition_out", {numFeatures, h}});
  for (const char *name : {"w_source_edge", "w_mark_edge", "w_transition_in",
                           "w_transition_out"})
    if (weight(name).present() && !ef.present())
      return Status::error(std::string("layer weight '") + name +
                           "' needs the edge features");
  if (Status s = checkShapes(args.weights, shapes, y, {batch, nodes, d}); !s)
    return s;
  if (Status s = validateGraph(nodes, args.edges, args.lineEdges); !s)
    return s;
  auto edgeAt = [&](int64_t e, int64_t c) {
    return args.edges.loadIndexLinear(e * 2 + c);
  };
  auto lineAt = [&](int64_t l, int64_t c) {
    return args.lineEdges.loadIndexLinear(l * 2 + c);
  };
  const GateLayerOptions &act = args.gates;
  int64_t bh = batch * h;
  Tensor q(DType::F64, {bh, nodes, dk, jq}), k(DType::F64, {bh, nodes, dk, jk}),
      v(DType::F64, {bh, nodes, dv, jv}),
      source(DType::F64, {bh, numEdges, 1, jk, jv}),
      mark(DType::F64, {bh, numEdges, jo, jq, 1}),
      transition(DType::F64, {bh, numLines, 1, 1}),
      direct(DType::F64, {bh, nodes, jo, jq, jk, jv});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t hh = 0; hh < h; ++hh) {
      int64_t row = b * h + hh;
      // bias[lead..., j...] + x_n·w[:, lead..., j...] (block-diagonal).
      auto pre = [&](int64_t n, const std::string &bias, const std::string &w,
                     const std::vector<int64_t> &lead,
                     const std::vector<int64_t> &j) {
        bool qkv = bias == "b_q" || bias == "b_k" || bias == "b_v";
        return project(x, {b, n}, qkv ? qkvChunks : gateChunks, hh,
                       weight(bias), weight(w), lead, j);
      };
      for (int64_t n = 0; n < nodes; ++n) {
        int64_t at = row * nodes + n;
        each({dk, jq}, [&](int64_t e, const std::vector<int64_t> &i) {
          q.ref().storeLinear(at * dk * jq + e,
                              pre(n, "b_q", "w_q", {hh, i[0]}, {i[1]}));
        });
        each({dk, jk}, [&](int64_t e, const std::vector<int64_t> &i) {
          k.ref().storeLinear(at * dk * jk + e,
                              pre(n, "b_k", "w_k", {hh, i[0]}, {i[1]}));
        });
        each({dv, jv}, [&](int64_t e, const std::vector<int64_t> &i) {
          v.ref().storeLinear(at * dv * jv + e,
                              pre(n, "b_v", "w_v", {hh, i[0]}, {i[1]}));
        });
        int64_t size = jo * jq * jk * jv;
        each({jo, jq, jk, jv}, [&](int64_t e, const std::vector<int64_t> &j) {
          direct.ref().storeLinear(
              at * size + e,
              activate(pre(n, "b_direct", "w_direct", {hh}, j), act.direct));
        });
      }
      // f_e·w[:, h, j...] for the edge features (0 without them).
      auto features = [&](int64_t e, const std::string &w,
                          const std::vector<int64_t> &j) {
        TensorRef wt = weight(w);
        if (!wt.present())
          return 0.0;
        std::vector<int64_t> wi = {0, hh};
        if (withJ)
          wi.insert(wi.end(), j.begin(), j.end());
        double sum = 0;
        for (int64_t c = 0; c < numFeatures; ++c) {
          wi[0] = c;
          sum += at(ef, {b, e, c}) * atv(wt, wi);
        }
        return sum;
      };
      for (int64_t e = 0; e < numEdges; ++e) {
        int64_t at = row * numEdges + e;
        // Source at the tail, mark at the head (SPEC A6), plus the edge's
        // features.
        each({jk, jv}, [&](int64_t i, const std::vector<int64_t> &j) {
          source.ref().storeLinear(
              at * jk * jv + i,
              activate(pre(edgeAt(e, 0), "b_source", "w_source", {hh}, j) +
                           features(e, "w_source_edge", j),
                       act.source));
        });
        each({jo, jq}, [&](int64_t i, const std::vector<int64_t> &j) {
          mark.ref().storeLinear(
              at * jo * jq + i,
              activate(pre(edgeAt(e, 1), "b_mark", "w_mark", {hh}, j) +
                           features(e, "w_mark_edge", j),
                       act.mark));
        });
      }
      // Transitions at the node each line edge passes (head of e_in).
      std::vector<double> t(numLines), incoming(numEdges, 0.0);
      for (int64_t l = 0; l < numLines; ++l) {
        // Scalar transitions: no J axes whatever the weights' form.
        Projector scalar{d, false};
        t[l] = scalar(x, {b, edgeAt(lineAt(l, 0), 1)}, gateChunks, hh,
                      weight("b_transition"), weight("w_transition"), {hh},
                      {}) +
               features(lineAt(l, 0), "w_transition_in", {}) +
               features(lineAt(l, 1), "w_transition_out", {});
        incoming[lineAt(l, 1)] += std::fabs(t[l]);
      }
      for (int64_t l = 0; l < numLines; ++l)
        transition.ref().storeLinear(
            row * numLines + l,
            args.pMode ? t[l] / (0.5 + incoming[lineAt(l, 1)])
                       : std::tanh(t[l]));
    }
  ScanDagArgs scan;
  scan.q = q.ref(), scan.k = k.ref(), scan.v = v.ref();
  scan.edges = args.edges, scan.lineEdges = args.lineEdges;
  scan.source = source.ref(), scan.transition = transition.ref();
  scan.mark = mark.ref(), scan.direct = direct.ref();
  scan.qkScale = args.qkScale;
  Tensor out(DType::F64, {bh, nodes, dv, jo});
  if (Status s = referenceScanDag(scan, ScanDagResults{out.ref()}); !s)
    return Status::error("layer scan: " + s.message());
  normAndProject(out.ref(), batch, h, nodes, dv, jo, weight("norm_scale"),
                 weight("w_out"), y);
  addPassthrough(weight("passthrough"), x, y);
  return Status::success();
}

} // namespace plstm

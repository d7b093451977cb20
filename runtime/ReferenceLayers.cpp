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
  if (weight("w_q").rank() != 3 || weight("w_v").rank() != 3)
    return Status::error("layer weights w_q, w_v: expected rank 3 [D, H, K]");
  int64_t h = weight("w_v").shape[1], dv = weight("w_v").shape[2],
          dk = weight("w_q").shape[2];
  int64_t numO = static_cast<int64_t>(args.orientations.size());
  // Every weight's shape, from the op's table.
  WeightShapes shapes = {
      {"w_q", {d, h, dk}},   {"b_q", {h, dk}},     {"w_k", {d, h, dk}},
      {"b_k", {h, dk}},      {"w_v", {d, h, dv}},  {"b_v", {h, dv}},
      {"b_direct", {h}},     {"w_direct", {d, h}}, {"norm_scale", {h, dv}},
      {"w_out", {h, dv, d}}};
  for (const std::string &g : gates) {
    shapes.push_back({"b_" + g, {numO, h}});
    shapes.push_back({"w_" + g, {d, numO, h}});
  }
  if (Status s = checkShapes(args.weights, shapes, y, {batch, mx, my, d}); !s)
    return s;

  // Projections and gates per (batch, head, node), heads in the batch.
  int64_t bh = batch * h;
  Tensor q(DType::F64, {bh, mx, my, dk, 1}), k(DType::F64, {bh, mx, my, dk, 1}),
      v(DType::F64, {bh, mx, my, dv, 1});
  auto linear = [&](const std::string &w, const std::string &bias, int64_t b,
                    int64_t ix, int64_t iy, int64_t hh, int64_t j) {
    double sum = at(weight(bias), {hh, j});
    for (int64_t c = 0; c < d; ++c)
      sum += at(x, {b, ix, iy, c}) * at(weight(w), {c, hh, j});
    return sum;
  };
  // Gate pre-activation b[o,h] + scale·x·w[:, o, h] (w optional).
  auto gate = [&](const std::string &g, int64_t b, int64_t ix, int64_t iy,
                  int64_t o, int64_t hh, double scale = 1.0) {
    double sum = at(weight("b_" + g), {o, hh});
    TensorRef w = weight("w_" + g);
    if (w.present())
      for (int64_t c = 0; c < d; ++c)
        sum += scale * at(x, {b, ix, iy, c}) * at(w, {c, o, hh});
    return sum;
  };
  std::vector<int64_t> src = {bh, numO, mx, my, 1, 1, 1},
                       tr = {bh, numO, mx, my, 1, 1};
  Tensor sr(DType::F64, src), sd(DType::F64, src), trl(DType::F64, tr),
      tdu(DType::F64, tr), turn(DType::F64, tr), tdl2(DType::F64, tr),
      ml(DType::F64, src), mu(DType::F64, src),
      direct(DType::F64, {bh, mx, my, 1, 1, 1, 1});
  double f = args.eigenvalueFactor;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t hh = 0; hh < h; ++hh)
      for (int64_t ix = 0; ix < mx; ++ix)
        for (int64_t iy = 0; iy < my; ++iy) {
          int64_t n = ((b * h + hh) * mx + ix) * my + iy;
          for (int64_t j = 0; j < dk; ++j) {
            q.ref().storeLinear(n * dk + j,
                                linear("w_q", "b_q", b, ix, iy, hh, j));
            k.ref().storeLinear(n * dk + j,
                                linear("w_k", "b_k", b, ix, iy, hh, j));
          }
          for (int64_t j = 0; j < dv; ++j)
            v.ref().storeLinear(n * dv + j,
                                linear("w_v", "b_v", b, ix, iy, hh, j));
          double dpre = at(weight("b_direct"), {hh});
          if (weight("w_direct").present())
            for (int64_t c = 0; c < d; ++c)
              dpre += at(x, {b, ix, iy, c}) * at(weight("w_direct"), {c, hh});
          direct.ref().storeLinear(n, sigmoid(dpre));
          for (int64_t o = 0; o < numO; ++o) {
            int64_t g = (((b * h + hh) * numO + o) * mx + ix) * my + iy;
            if (args.pMode) {
              // SPEC §5.3 P-mode, A10: τ clamped to [0, 1] unless signed.
              double alpha = sigmoid(gate("alpha", b, ix, iy, o, hh,
                                          0.5 / static_cast<double>(d)));
              double s = sigmoid(gate("source", b, ix, iy, o, hh));
              double tau = std::tanh(f * gate("transition", b, ix, iy, o, hh));
              if (!args.signedPMode)
                tau = std::max(tau, 0.0);
              double m = sigmoid(gate("mark", b, ix, iy, o, hh));
              sr.ref().storeLinear(g, alpha * s);
              sd.ref().storeLinear(g, 1.0 - alpha * s);
              trl.ref().storeLinear(g, alpha * tau);
              tdu.ref().storeLinear(g, 1.0 - alpha * tau);
              turn.ref().storeLinear(g, alpha * tau);      // T_ru = T_rl
              tdl2.ref().storeLinear(g, 1.0 - alpha * tau); // T_dl = T_du
              ml.ref().storeLinear(g, m);
              mu.ref().storeLinear(g, m);
            } else {
              sr.ref().storeLinear(g, sigmoid(gate("source_r", b, ix, iy, o, hh)));
              sd.ref().storeLinear(g, sigmoid(gate("source_d", b, ix, iy, o, hh)));
              trl.ref().storeLinear(
                  g, std::tanh(f * gate("t_rl", b, ix, iy, o, hh)));
              tdu.ref().storeLinear(
                  g, std::tanh(f * gate("t_du", b, ix, iy, o, hh)));
              turn.ref().storeLinear(
                  g, std::tanh(f * gate("t_turn", b, ix, iy, o, hh)));
              ml.ref().storeLinear(g, sigmoid(gate("mark_l", b, ix, iy, o, hh)));
              mu.ref().storeLinear(g, sigmoid(gate("mark_u", b, ix, iy, o, hh)));
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
  Tensor out(DType::F64, {bh, mx, my, dv, 1});
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
  // Per-head RMS norm over DV (eps 1e-5) times norm_scale, then w_out.
  std::vector<double> normed(dv);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t ix = 0; ix < mx; ++ix)
      for (int64_t iy = 0; iy < my; ++iy) {
        std::vector<double> acc(d, 0.0);
        for (int64_t hh = 0; hh < h; ++hh) {
          int64_t n = ((b * h + hh) * mx + ix) * my + iy;
          double squares = 0;
          for (int64_t j = 0; j < dv; ++j) {
            double value = out.ref().loadLinear(n * dv + j);
            squares += value * value;
          }
          double inverse =
              1.0 / std::sqrt(squares / static_cast<double>(dv) + 1e-5);
          for (int64_t j = 0; j < dv; ++j) {
            double value = out.ref().loadLinear(n * dv + j) * inverse *
                           at(weight("norm_scale"), {hh, j});
            for (int64_t c = 0; c < d; ++c)
              acc[c] += value * at(weight("w_out"), {hh, j, c});
          }
        }
        for (int64_t c = 0; c < d; ++c)
          y.storeLinear(((b * mx + ix) * my + iy) * d + c, acc[c]);
      }
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

/// Element at a multi-index given as a vector.
double atv(const TensorRef &t, const std::vector<int64_t> &index) {
  int64_t linear = 0;
  for (size_t i = 0; i < index.size(); ++i)
    linear = linear * t.shape[i] + index[i];
  return t.loadLinear(linear);
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
  WeightShapes shapes = {
      {"w_conv", {4, d}},
      {"b_conv", {d}},
      {"w_q", {d, h, dk, jq}},
      {"b_q", {h, dk, jq}},
      {"w_k", {d, h, dk, jk}},
      {"b_k", {h, dk, jk}},
      {"w_v", {d, h, dv, jv}},
      {"b_v", {h, dv, jv}},
      {"b_source", {h, jt, jk, jv}},
      {"w_source", {d, h, jt, jk, jv}},
      {"b_mark", {h, jo, jq, jt}},
      {"w_mark", {d, h, jo, jq, jt}},
      {"b_direct", {h, jo, jq, jk, jv}},
      {"w_direct", {d, h, jo, jq, jk, jv}},
      {"b_eigen", {h, jt}},
      {"w_eigen", {d, h, jt}},
      {"b_in", {h, jt, jt}},
      {"w_in", {d, h, jt, jt}},
      {"b_out", {h, jt, jt}},
      {"w_out_t", {d, h, jt, jt}},
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

  // bias[h, j...] + in[b, t, :]·w[:, h, j...] for the J multi-index `j`.
  auto pre = [&](const TensorRef &in, const std::string &bias,
                 const std::string &w, int64_t b, int64_t t, int64_t hh,
                 const std::vector<int64_t> &j) {
    std::vector<int64_t> index = {hh};
    index.insert(index.end(), j.begin(), j.end());
    double sum = atv(weight(bias), index);
    TensorRef wt = weight(w);
    if (wt.present())
      for (int64_t e = 0; e < d; ++e) {
        std::vector<int64_t> wi = {e, hh};
        wi.insert(wi.end(), j.begin(), j.end());
        sum += at(in, {b, t, e}) * atv(wt, wi);
      }
    return sum;
  };
  // Every J multi-index of `extents`, in C order.
  auto each = [](const std::vector<int64_t> &extents, auto fn) {
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
        auto fill = [&](Tensor &out, const TensorRef &in,
                        const std::string &bias, const std::string &w,
                        const std::vector<int64_t> &extents, bool gate) {
          int64_t size = 1;
          for (int64_t e : extents)
            size *= e;
          each(extents, [&](int64_t linear, const std::vector<int64_t> &j) {
            double value = pre(in, bias, w, b, t, hh, j);
            out.ref().storeLinear(n * size + linear,
                                  gate ? sigmoid(value) : value);
          });
        };
        fill(q, c, "b_q", "w_q", {dk, jq}, false);
        fill(k, c, "b_k", "w_k", {dk, jk}, false);
        fill(v, x, "b_v", "w_v", {dv, jv}, false);
        fill(source, c, "b_source", "w_source", {jt, jk, jv}, true);
        fill(mark, c, "b_mark", "w_mark", {jo, jq, jt}, true);
        fill(direct, c, "b_direct", "w_direct", {jo, jq, jk, jv}, true);
        std::vector<double> lambda(jt);
        for (int64_t i = 0; i < jt; ++i)
          lambda[i] = std::tanh(f * pre(c, "b_eigen", "w_eigen", b, t, hh, {i}));
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

  // Per-head RMS norm over DV·JO, output projection, passthrough.
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < len; ++t) {
      std::vector<double> acc(d, 0.0);
      for (int64_t hh = 0; hh < h; ++hh) {
        int64_t n = ((b * h + hh) * len + t) * dv * jo;
        double squares = 0;
        for (int64_t e = 0; e < dv * jo; ++e) {
          double value = out.ref().loadLinear(n + e);
          squares += value * value;
        }
        double inverse =
            1.0 / std::sqrt(squares / static_cast<double>(dv * jo) + 1e-5);
        for (int64_t j = 0; j < dv; ++j)
          for (int64_t o = 0; o < jo; ++o) {
            double value = out.ref().loadLinear(n + j * jo + o) * inverse *
                           at(weight("norm_scale"), {hh, j, o});
            for (int64_t e = 0; e < d; ++e)
              acc[e] += value * at(weight("w_out"), {hh, j, o, e});
          }
      }
      for (int64_t e = 0; e < d; ++e) {
        if (weight("passthrough").present())
          acc[e] += at(weight("passthrough"), {e}) * at(c, {b, t, e});
        y.storeLinear((b * len + t) * d + e, acc[e]);
      }
    }
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
  if (weight("w_q").rank() != 3 || weight("w_v").rank() != 3)
    return Status::error("layer weights w_q, w_v: expected rank 3 [D, H, K]");
  int64_t h = weight("w_q").shape[1], dk = weight("w_q").shape[2],
          dv = weight("w_v").shape[2];
  WeightShapes shapes = {
      {"w_q", {d, h, dk}}, {"b_q", {h, dk}},         {"w_k", {d, h, dk}},
      {"b_k", {h, dk}},    {"w_v", {d, h, dv}},      {"b_v", {h, dv}},
      {"b_source", {h}},   {"w_source", {d, h}},     {"b_mark", {h}},
      {"w_mark", {d, h}},  {"b_direct", {h}},        {"w_direct", {d, h}},
      {"b_transition", {h}}, {"w_transition", {d, h}},
      {"norm_scale", {h, dv}}, {"w_out", {h, dv, d}}};
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
  // b[h] + x_n·w[:, h].
  auto gate = [&](const std::string &g, int64_t b, int64_t n, int64_t hh) {
    double sum = at(weight("b_" + g), {hh});
    TensorRef w = weight("w_" + g);
    if (w.present())
      for (int64_t c = 0; c < d; ++c)
        sum += at(x, {b, n, c}) * at(w, {c, hh});
    return sum;
  };
  int64_t bh = batch * h;
  Tensor q(DType::F64, {bh, nodes, dk, 1}), k(DType::F64, {bh, nodes, dk, 1}),
      v(DType::F64, {bh, nodes, dv, 1}),
      source(DType::F64, {bh, numEdges, 1, 1, 1}),
      mark(DType::F64, {bh, numEdges, 1, 1, 1}),
      transition(DType::F64, {bh, numLines, 1, 1}),
      direct(DType::F64, {bh, nodes, 1, 1, 1, 1});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t hh = 0; hh < h; ++hh) {
      int64_t row = b * h + hh;
      for (int64_t n = 0; n < nodes; ++n) {
        for (int64_t j = 0; j < dk; ++j) {
          double qs = at(weight("b_q"), {hh, j}), ks = at(weight("b_k"), {hh, j});
          for (int64_t c = 0; c < d; ++c) {
            qs += at(x, {b, n, c}) * at(weight("w_q"), {c, hh, j});
            ks += at(x, {b, n, c}) * at(weight("w_k"), {c, hh, j});
          }
          q.ref().storeLinear((row * nodes + n) * dk + j, qs);
          k.ref().storeLinear((row * nodes + n) * dk + j, ks);
        }
        for (int64_t j = 0; j < dv; ++j) {
          double vs = at(weight("b_v"), {hh, j});
          for (int64_t c = 0; c < d; ++c)
            vs += at(x, {b, n, c}) * at(weight("w_v"), {c, hh, j});
          v.ref().storeLinear((row * nodes + n) * dv + j, vs);
        }
        direct.ref().storeLinear(row * nodes + n,
                                 sigmoid(gate("direct", b, n, hh)));
      }
      for (int64_t e = 0; e < numEdges; ++e) {
        source.ref().storeLinear(row * numEdges + e,
                                 sigmoid(gate("source", b, edgeAt(e, 0), hh)));
        mark.ref().storeLinear(row * numEdges + e,
                               sigmoid(gate("mark", b, edgeAt(e, 1), hh)));
      }
      // Transitions at the node each line edge passes (head of e_in).
      std::vector<double> t(numLines), incoming(numEdges, 0.0);
      for (int64_t l = 0; l < numLines; ++l) {
        t[l] = gate("transition", b, edgeAt(lineAt(l, 0), 1), hh);
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
  Tensor out(DType::F64, {bh, nodes, dv, 1});
  if (Status s = referenceScanDag(scan, ScanDagResults{out.ref()}); !s)
    return Status::error("layer scan: " + s.message());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t n = 0; n < nodes; ++n) {
      std::vector<double> acc(d, 0.0);
      for (int64_t hh = 0; hh < h; ++hh) {
        int64_t base = ((b * h + hh) * nodes + n) * dv;
        double squares = 0;
        for (int64_t j = 0; j < dv; ++j) {
          double value = out.ref().loadLinear(base + j);
          squares += value * value;
        }
        double inverse =
            1.0 / std::sqrt(squares / static_cast<double>(dv) + 1e-5);
        for (int64_t j = 0; j < dv; ++j) {
          double value = out.ref().loadLinear(base + j) * inverse *
                         at(weight("norm_scale"), {hh, j});
          for (int64_t c = 0; c < d; ++c)
            acc[c] += value * at(weight("w_out"), {hh, j, c});
        }
      }
      for (int64_t c = 0; c < d; ++c)
        y.storeLinear((b * nodes + n) * d + c, acc[c]);
    }
  return Status::success();
}

} // namespace plstm

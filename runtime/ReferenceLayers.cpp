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

} // namespace

Status referenceLayer2D(const Layer2DArgs &args, const TensorRef &y) {
  const TensorRef &x = args.x;
  if (x.rank() != 4)
    return Status::error("layer x: expected rank 4 [B, MX, MY, D], got " +
                         shapeText(x.shape));
  int64_t batch = x.shape[0], mx = x.shape[1], my = x.shape[2],
          d = x.shape[3];
  auto weight = [&](const std::string &name) {
    auto it = args.weights.find(name);
    return it == args.weights.end() ? TensorRef() : it->second;
  };
  for (const char *name : {"w_q", "b_q", "w_k", "b_k", "w_v", "b_v",
                           "b_direct", "norm_scale", "w_out"})
    if (!weight(name).present())
      return Status::error(std::string("layer weight '") + name +
                           "' is missing");
  if (weight("w_q").rank() != 3 || weight("w_v").rank() != 3)
    return Status::error("layer weights w_q, w_v: expected rank 3 [D, H, K]");
  int64_t h = weight("w_v").shape[1], dv = weight("w_v").shape[2],
          dk = weight("w_q").shape[2];
  int64_t numO = static_cast<int64_t>(args.orientations.size());
  // Every weight's shape, from the op's table.
  auto expect = [&](const std::string &name,
                    std::vector<int64_t> shape) -> Status {
    TensorRef t = weight(name);
    if (t.present() && t.shape != shape)
      return Status::error("layer weight '" + name + "' has shape " +
                           shapeText(t.shape) + ", expected " +
                           shapeText(shape));
    return Status::success();
  };
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes = {
      {"w_q", {d, h, dk}},   {"b_q", {h, dk}},       {"w_k", {d, h, dk}},
      {"b_k", {h, dk}},      {"w_v", {d, h, dv}},    {"b_v", {h, dv}},
      {"b_direct", {h}},     {"w_direct", {d, h}},   {"norm_scale", {h, dv}},
      {"w_out", {h, dv, d}}, {"y", {batch, mx, my, d}}};
  std::vector<std::string> gates =
      args.pMode ? std::vector<std::string>{"alpha", "source", "transition",
                                            "mark"}
                 : std::vector<std::string>{"source_r", "source_d", "t_rl",
                                            "t_du",     "t_turn",   "mark_l",
                                            "mark_u"};
  for (const std::string &g : gates) {
    if (!weight("b_" + g).present())
      return Status::error("layer weight 'b_" + g + "' is missing");
    shapes.push_back({"b_" + g, {numO, h}});
    shapes.push_back({"w_" + g, {d, numO, h}});
  }
  for (auto &[name, shape] : shapes)
    if (name != "y")
      if (Status s = expect(name, shape); !s)
        return s;
  if (y.shape != std::vector<int64_t>{batch, mx, my, d})
    return Status::error("layer result y has shape " + shapeText(y.shape) +
                         ", expected " + shapeText({batch, mx, my, d}));

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

} // namespace plstm

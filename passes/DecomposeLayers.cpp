//===- DecomposeLayers.cpp - plstm-decompose-layers ------------------------===//
//
// Lowers `plstm.layer2d` (the fused 2D layer, SPEC §5.3-§5.4) to linalg on
// tensors, math/arith activations and one `plstm.scan2d`:
//
//   q, k, v      [B, H, MX, MY, DK|DV]   x·w + b (one linalg.generic each)
//   gates        [B, H, O, MX, MY]        act(b + x·w), P- or D-mode algebra
//   (heads folded into the batch, unit J dims added by reshapes)
//   plstm.scan2d over the layer's orientations, y [B·H, MX, MY, DV, 1]
//   RMS norm per head over DV, times norm_scale, and the output projection
//   in one contraction: out [B, MX, MY, D].
//
// Every tensor is produced directly in the layout the scan reads (the
// einsum's output letters place the head next to the batch), so no
// transposes are materialised.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::plstm {
#define GEN_PASS_DEF_PLSTMDECOMPOSELAYERS
#include "passes/Passes.h.inc"
} // namespace mlir::plstm

using namespace mlir;
using namespace mlir::plstm;

namespace {

using Elementwise =
    function_ref<Value(ImplicitLocOpBuilder &, ArrayRef<Value>)>;

/// Builds the lowering of one layer op.
class LayerBuilder {
public:
  LayerBuilder(Layer2DOp op)
      : op(op), b(op.getLoc(), op),
        et(cast<RankedTensorType>(op.getX().getType()).getElementType()) {
    ArrayRef<int64_t> x = shapeOf(op.getX());
    mx = x[1], my = x[2], d = x[3];
    ArrayRef<int64_t> wv = shapeOf(op.getWeight("w_v"));
    h = wv[1], dv = wv[2];
    dk = shapeOf(op.getWeight("w_q"))[2];
    numO = op.getOrientationList().size();
    batch = tensor::DimOp::create(b, op.getX(), 0);
  }

  void run();

private:
  static ArrayRef<int64_t> shapeOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  }

  /// A zero tensor of `shape` whose dim 0 is the (dynamic) batch.
  Value zeros(ArrayRef<int64_t> shapeAfterBatch) {
    SmallVector<int64_t> shape = {ShapedType::kDynamic};
    llvm::append_range(shape, shapeAfterBatch);
    Value empty = tensor::EmptyOp::create(b, shape, et, ValueRange{batch});
    Value zero = arith::ConstantOp::create(b, b.getZeroAttr(et));
    return linalg::FillOp::create(b, ValueRange{zero}, ValueRange{empty})
        .getResult(0);
  }

  /// `fn` applied elementwise to tensors of one shape.
  Value map(ArrayRef<Value> inputs, Elementwise fn) {
    auto type = cast<RankedTensorType>(inputs[0].getType());
    AffineMap id =
        AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext());
    SmallVector<AffineMap> maps(inputs.size() + 1, id);
    SmallVector<utils::IteratorType> iterators(type.getRank(),
                                               utils::IteratorType::parallel);
    Value init = tensor::EmptyOp::create(
        b, type.getShape(), et,
        type.isDynamicDim(0) ? ValueRange{batch} : ValueRange{});
    return linalg::GenericOp::create(
               b, b.getLoc(), TypeRange{type}, inputs, ValueRange{init}, maps,
               iterators,
               [&](OpBuilder &nested, Location loc, ValueRange args) {
                 ImplicitLocOpBuilder ib(loc, nested);
                 SmallVector<Value> in(args.drop_back());
                 linalg::YieldOp::create(ib, fn(ib, in));
               })
        .getResult(0);
  }

  Value constant(ImplicitLocOpBuilder &ib, double value) {
    return arith::ConstantOp::create(ib, ib.getFloatAttr(et, value));
  }
  Value sigmoid(ImplicitLocOpBuilder &ib, Value x) {
    Value e = math::ExpOp::create(ib, arith::NegFOp::create(ib, x));
    return arith::DivFOp::create(ib, constant(ib, 1.0),
                                 arith::AddFOp::create(ib, constant(ib, 1.0), e));
  }

  /// b + x·w (w scaled by `scale`) as [B, H, O, MX, MY]; w may be absent.
  Value gatePre(StringRef bias, StringRef weight, double scale = 1.0) {
    Value acc = einsum(b, {{op.getWeight(bias), "oh"}},
                       zeros({h, numO, mx, my}), "bhoxy");
    if (Value w = op.getWeight(weight)) {
      if (scale != 1.0)
        w = scaleTensor(b, w, arith::ConstantOp::create(
                                  b, b.getFloatAttr(et, scale)));
      acc = einsum(b, {{op.getX(), "bxyd"}, {w, "doh"}}, acc, "bhoxy");
    }
    return acc;
  }
  Value sigmoidGate(StringRef bias, StringRef weight) {
    return map({gatePre(bias, weight)},
               [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
                 return sigmoid(ib, a[0]);
               });
  }
  /// tanh(f·pre), clamped to [0, 1] when `bounded`.
  Value transitionGate(StringRef bias, StringRef weight, bool bounded) {
    double f = op.getEigenvalueFactorOrDefault();
    return map({gatePre(bias, weight)},
               [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
                 Value t = math::TanhOp::create(
                     ib, arith::MulFOp::create(ib, constant(ib, f), a[0]));
                 if (bounded)
                   t = arith::MaximumFOp::create(ib, t, constant(ib, 0.0));
                 return t;
               });
  }

  /// x·w + b as [B, H, MX, MY, K].
  Value projection(StringRef weight, StringRef bias, int64_t k) {
    Value acc = einsum(b, {{op.getWeight(bias), "hk"}}, zeros({h, mx, my, k}),
                       "bhxyk");
    return einsum(b, {{op.getX(), "bxyd"}, {op.getWeight(weight), "dhk"}}, acc,
                  "bhxyk");
  }

  /// [B, H, rest...] -> [B·H, rest..., 1 × units].
  Value toScanLayout(Value t, int64_t units) {
    auto type = cast<RankedTensorType>(t.getType());
    int64_t rank = type.getRank();
    SmallVector<ReassociationIndices> collapse = {{0, 1}};
    for (int64_t i = 2; i < rank; ++i)
      collapse.push_back({i});
    Value folded = tensor::CollapseShapeOp::create(b, t, collapse);
    SmallVector<int64_t> shape(type.getShape().drop_front(2));
    shape.insert(shape.begin(), ShapedType::kDynamic);
    SmallVector<ReassociationIndices> expand;
    for (int64_t i = 0; i + 1 < rank - 1; ++i)
      expand.push_back({i});
    ReassociationIndices last = {rank - 2};
    for (int64_t u = 0; u < units; ++u) {
      shape.push_back(1);
      last.push_back(rank - 1 + u);
    }
    expand.push_back(last);
    return tensor::ExpandShapeOp::create(b, RankedTensorType::get(shape, et),
                                         folded, expand);
  }

  Layer2DOp op;
  ImplicitLocOpBuilder b;
  Type et;
  int64_t mx, my, d, h, dk, dv, numO;
  Value batch;
};

void LayerBuilder::run() {
  Value q = toScanLayout(projection("w_q", "b_q", dk), 1);
  Value k = toScanLayout(projection("w_k", "b_k", dk), 1);
  Value v = toScanLayout(projection("w_v", "b_v", dv), 1);
  // Direct: [B, H, MX, MY], shared by the orientations.
  Value directPre = einsum(b, {{op.getWeight("b_direct"), "h"}},
                           zeros({h, mx, my}), "bhxy");
  if (Value w = op.getWeight("w_direct"))
    directPre = einsum(b, {{op.getX(), "bxyd"}, {w, "dh"}}, directPre, "bhxy");
  Value direct = toScanLayout(
      map({directPre},
          [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
            return sigmoid(ib, a[0]);
          }),
      4);

  Value sr, sd, trl, tdu, tdl, tru, ml, mu;
  if (op.isPMode()) {
    // SPEC §5.3: α = σ(b + 0.5·(x·w)/D); S_r = α·src, S_d = 1 − S_r;
    // T_rl = T_ru = α·τ, T_du = T_dl = 1 − α·τ.
    Value alpha = map({gatePre("b_alpha", "w_alpha", 0.5 / double(d))},
                      [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
                        return sigmoid(ib, a[0]);
                      });
    Value src = sigmoidGate("b_source", "w_source");
    Value tau = transitionGate("b_transition", "w_transition",
                               /*bounded=*/!op.getSignedPMode());
    auto product = [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
      return arith::MulFOp::create(ib, a[0], a[1]).getResult();
    };
    auto complement = [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
      return arith::SubFOp::create(ib, constant(ib, 1.0), a[0]).getResult();
    };
    Value sRight = map({alpha, src}, product);
    Value tRight = map({alpha, tau}, product);
    sr = toScanLayout(sRight, 3);
    sd = toScanLayout(map({sRight}, complement), 3);
    trl = tru = toScanLayout(tRight, 2);
    tdu = tdl = toScanLayout(map({tRight}, complement), 2);
    ml = mu = toScanLayout(sigmoidGate("b_mark", "w_mark"), 3);
  } else {
    sr = toScanLayout(sigmoidGate("b_source_r", "w_source_r"), 3);
    sd = toScanLayout(sigmoidGate("b_source_d", "w_source_d"), 3);
    trl = toScanLayout(transitionGate("b_t_rl", "w_t_rl", false), 2);
    tdu = toScanLayout(transitionGate("b_t_du", "w_t_du", false), 2);
    Value turn = toScanLayout(transitionGate("b_t_turn", "w_t_turn", false), 2);
    // Chirality L: up-in → right-out (T_ru); R: left-in → down-out (T_dl).
    (op.getChiralityOrDefault() == "L" ? tru : tdl) = turn;
    ml = toScanLayout(sigmoidGate("b_mark_l", "w_mark_l"), 3);
    mu = toScanLayout(sigmoidGate("b_mark_u", "w_mark_u"), 3);
  }

  // The scan, heads in the batch.
  int64_t dyn = ShapedType::kDynamic;
  auto yType = RankedTensorType::get({dyn, mx, my, dv, 1}, et);
  auto rightType = RankedTensorType::get({dyn, numO, my, dk, dv, 1}, et);
  auto downType = RankedTensorType::get({dyn, numO, mx, dk, dv, 1}, et);
  auto scan = Scan2DOp::create(
      b, TypeRange{yType, rightType, downType}, q, k, v, sr, sd, trl, tdu, tdl,
      tru, ml, mu, direct, /*init_left=*/Value(), /*init_top=*/Value(),
      b.getDenseI32ArrayAttr(op.getOrientationList()), op.getQkScaleAttr(),
      op.getScheduleAttr());

  // [B·H, MX, MY, DV, 1] -> [B, H, MX, MY, DV].
  Value y = tensor::CollapseShapeOp::create(
      b, scan.getY(), SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
  y = tensor::ExpandShapeOp::create(
      b, RankedTensorType::get({dyn, h, mx, my, dv}, et), y,
      SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
  // Per-head RMS norm over DV (eps 1e-5), folded into the output
  // projection: out = Σ_{h,v} y · r · scale · w_out, r = 1/√(mean y² + eps).
  Value squares = einsum(b, {{y, "bhxyv"}, {y, "bhxyv"}}, zeros({h, mx, my}),
                         "bhxy");
  Value inverseRms = map({squares}, [&](ImplicitLocOpBuilder &ib,
                                        ArrayRef<Value> a) {
    Value mean = arith::DivFOp::create(ib, a[0], constant(ib, double(dv)));
    return math::RsqrtOp::create(
               ib, arith::AddFOp::create(ib, mean, constant(ib, 1e-5)))
        .getResult();
  });
  Value out = einsum(b,
                     {{y, "bhxyv"},
                      {inverseRms, "bhxy"},
                      {op.getWeight("norm_scale"), "hv"},
                      {op.getWeight("w_out"), "hvd"}},
                     zeros({mx, my, d}), "bxyd");
  op.getY().replaceAllUsesWith(out);
  op.erase();
}

struct DecomposeLayersPass
    : public plstm::impl::PLSTMDecomposeLayersBase<DecomposeLayersPass> {
  void runOnOperation() override {
    SmallVector<Layer2DOp> layers;
    getOperation().walk([&](Layer2DOp op) { layers.push_back(op); });
    for (Layer2DOp op : layers)
      LayerBuilder(op).run();
  }
};

} // namespace

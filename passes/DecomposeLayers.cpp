//===- DecomposeLayers.cpp - plstm-decompose-layers ------------------------===//
//
// Lowers `plstm.layer1d` (SPEC §5.2: causal convolution, projections,
// gates, the transition layer with the exponential orthogonalisation for
// JT > 1, one `plstm.scan1d`, RMS norm, output projection, passthrough) and
// `plstm.layer2d` (the fused 2D layer, SPEC §5.3-§5.4) to linalg on
// tensors, math/arith activations and one scan op. For layer2d:
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

/// Tensor helpers shared by the layer lowerings.
class LayerLowering {
public:
  LayerLowering(Operation *op, Value x)
      : b(op->getLoc(), op),
        et(cast<RankedTensorType>(x.getType()).getElementType()), layer(op),
        subHeads(getLayerSubHeads(op)), gateSubHeads(getLayerGateSubHeads(op)) {}

protected:
  static ArrayRef<int64_t> shapeOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  }

  /// A zero tensor of `shape`; its dynamic dims take the sizes in `dynamic`
  /// in order (the batch, then the length).
  Value zeros(ArrayRef<int64_t> shape) {
    SmallVector<Value> sizes;
    for (int64_t extent : shape)
      if (ShapedType::isDynamic(extent))
        sizes.push_back(dynamic[sizes.size()]);
    return zerosWith(shape, sizes);
  }
  /// A zero tensor of `shape` with explicit sizes of its dynamic dims.
  Value zerosWith(ArrayRef<int64_t> shape, ValueRange sizes) {
    Value empty = tensor::EmptyOp::create(b, shape, et, sizes);
    Value zero = arith::ConstantOp::create(b, b.getZeroAttr(et));
    return linalg::FillOp::create(b, ValueRange{zero}, ValueRange{empty})
        .getResult(0);
  }

  /// `fn` applied elementwise to tensors of one shape; `transposed[i]`
  /// reads input i with its last two dims swapped.
  Value map(ArrayRef<Value> inputs, Elementwise fn,
            ArrayRef<bool> transposed = {}) {
    auto type = cast<RankedTensorType>(inputs[0].getType());
    int64_t rank = type.getRank();
    MLIRContext *ctx = b.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    SmallVector<AffineMap> maps;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (i < transposed.size() && transposed[i]) {
        SmallVector<unsigned> perm;
        for (int64_t d = 0; d < rank; ++d)
          perm.push_back(d);
        std::swap(perm[rank - 1], perm[rank - 2]);
        maps.push_back(AffineMap::getPermutationMap(perm, ctx));
      } else {
        maps.push_back(id);
      }
    }
    maps.push_back(id);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < rank; ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(tensor::DimOp::create(b, inputs[0], d));
    Value init = tensor::EmptyOp::create(b, type.getShape(), et, sizes);
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
  /// The activation of gate layer `gate` ("source", "mark", "direct") on x:
  /// sigmoid (default), tanh or identity (SPEC §5.1).
  Value activate(ImplicitLocOpBuilder &ib, Value x, StringRef gate) {
    StringRef kind = getLayerActivation(layer, gate);
    if (kind == "tanh")
      return math::TanhOp::create(ib, x);
    if (kind == "identity")
      return x;
    return sigmoid(ib, x);
  }
  /// The gate tensor act(t) of gate layer `gate`.
  Value gateOf(Value t, StringRef gate) {
    return map({t}, [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
      return activate(ib, a[0], gate);
    });
  }
  /// λ(x) with factor f by the eigenvalue activation: tanh(f·x) (default),
  /// σ(x)^f = exp(−f·log1p(e^(−x))) or exp(−f·e^(−x)); clamped to [0, 1]
  /// when `bounded`.
  Value eigenvalue(ImplicitLocOpBuilder &ib, Value x, double f, bool bounded) {
    StringRef kind = getLayerActivation(layer, "eigenvalue");
    Value fv = constant(ib, f);
    Value v;
    if (kind == "logsigmoid") {
      Value softplus = math::Log1pOp::create(
          ib, math::ExpOp::create(ib, arith::NegFOp::create(ib, x)));
      v = math::ExpOp::create(
          ib, arith::NegFOp::create(ib, arith::MulFOp::create(ib, fv, softplus)));
    } else if (kind == "expexp") {
      Value e = math::ExpOp::create(ib, arith::NegFOp::create(ib, x));
      v = math::ExpOp::create(
          ib, arith::NegFOp::create(ib, arith::MulFOp::create(ib, fv, e)));
    } else {
      v = math::TanhOp::create(ib, arith::MulFOp::create(ib, fv, x));
    }
    if (bounded)
      v = arith::MaximumFOp::create(ib, v, constant(ib, 0.0));
    return v;
  }
  Value eigenvalueOf(Value t, double f, bool bounded = false) {
    return map({t}, [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
      return eigenvalue(ib, a[0], f, bounded);
    });
  }
  /// tanh(t) (the graph layer's D-mode transitions).
  Value tanhOf(Value t) {
    return map({t}, [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
      return math::TanhOp::create(ib, a[0]).getResult();
    });
  }

  /// acc + in·w as einsum letters: `in` carries the input feature letter
  /// 'd', w carries 'd' (its D / chunks rows) and the head letter 'h', acc
  /// 'h'. With `chunks` > 1 the projection is block-diagonal (SPEC §5.1):
  /// in's d axis is split into (S, d) and the h axes of w and acc into
  /// (S, h), so head group S reads only input chunk S; acc is reshaped back.
  Value project(Value in, StringRef inIdx, Value w, StringRef wIdx, Value acc,
                StringRef accIdx, int64_t chunks) {
    if (chunks == 1)
      return einsum(b, {{in, inIdx}, {w, wIdx}}, acc, accIdx);
    SmallVector<ReassociationIndices> accGroups;
    auto split = [&](Value t, StringRef idx, char letter, std::string &newIdx,
                     SmallVector<ReassociationIndices> &groups) -> Value {
      auto type = cast<RankedTensorType>(t.getType());
      size_t pos = idx.find(letter);
      SmallVector<int64_t> shape;
      groups.clear();
      for (int64_t i = 0; i < type.getRank(); ++i) {
        int64_t extent = type.getDimSize(i);
        if (static_cast<size_t>(i) == pos) {
          shape.push_back(chunks);
          shape.push_back(extent / chunks);
          int64_t first = static_cast<int64_t>(shape.size()) - 2;
          groups.push_back({first, first + 1});
        } else {
          shape.push_back(extent);
          groups.push_back({static_cast<int64_t>(shape.size()) - 1});
        }
      }
      newIdx = (idx.take_front(pos) + "S" + idx.drop_front(pos)).str();
      return tensor::ExpandShapeOp::create(b, RankedTensorType::get(shape, et),
                                           t, groups);
    };
    std::string inSplit, wSplit, accSplit;
    SmallVector<ReassociationIndices> unused;
    Value inS = split(in, inIdx, 'd', inSplit, unused);
    Value wS = split(w, wIdx, 'h', wSplit, unused);
    Value accS = split(acc, accIdx, 'h', accSplit, accGroups);
    Value sum = einsum(b, {{inS, inSplit}, {wS, wSplit}}, accS, accSplit);
    return tensor::CollapseShapeOp::create(b, acc.getType(), sum, accGroups);
  }
  Value scaled(Value t, double factor) {
    return scaleTensor(b, t,
                       arith::ConstantOp::create(b, b.getFloatAttr(et, factor)));
  }

  /// [B, H, rest...] -> [B·H, rest..., 1 × units].
  Value toScanLayout(Value t, int64_t units) {
    auto type = cast<RankedTensorType>(t.getType());
    int64_t rank = type.getRank();
    SmallVector<ReassociationIndices> collapse = {{0, 1}};
    for (int64_t i = 2; i < rank; ++i)
      collapse.push_back({i});
    Value folded = tensor::CollapseShapeOp::create(b, t, collapse);
    if (units == 0)
      return folded;
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

  /// y [B·H, rest...] -> [B, H, rest...] for `h` heads.
  Value splitHeads(Value y, int64_t h) {
    auto type = cast<RankedTensorType>(y.getType());
    SmallVector<int64_t> shape = {ShapedType::kDynamic, h};
    llvm::append_range(shape, type.getShape().drop_front());
    SmallVector<ReassociationIndices> groups = {{0, 1}};
    for (int64_t i = 1; i < type.getRank(); ++i)
      groups.push_back({i + 1});
    return tensor::ExpandShapeOp::create(b, RankedTensorType::get(shape, et),
                                         y, groups);
  }

  /// The per-head RMS norm (eps 1e-5) over the `features` letters of y
  /// [B, H, rows..., features...], times `scale` ("h" + its feature
  /// letters, `scaleIdx`), then the output projection w_out (`wOutIdx`,
  /// ending in "d"): one contraction into [B, rows..., D]. A feature letter
  /// the weights lack is a unit dim of y. `rowsShape`/`outShape` (with their
  /// dynamic sizes) are the shapes of the squares [B, H, rows...] and of the
  /// result.
  /// `normalized`: y is already RMS-normalised (by the scan), so only the
  /// scale and the projection remain.
  Value normAndProject(Value y, StringRef rows, StringRef features,
                       int64_t count, Value scale, StringRef scaleIdx,
                       Value wOut, StringRef wOutIdx, bool normalized,
                       ArrayRef<int64_t> rowsShape, ValueRange rowsSizes,
                       ArrayRef<int64_t> outShape, ValueRange outSizes) {
    std::string yIdx = ("bh" + rows + features).str();
    std::string rowIdx = ("bh" + rows).str();
    if (normalized)
      return einsum(b, {{y, yIdx}, {scale, scaleIdx}, {wOut, wOutIdx}},
                    zerosWith(outShape, outSizes), ("b" + rows + "d").str());
    Value squares = einsum(b, {{y, yIdx}, {y, yIdx}},
                           zerosWith(rowsShape, rowsSizes), rowIdx);
    Value inverseRms = map({squares}, [&](ImplicitLocOpBuilder &ib,
                                          ArrayRef<Value> a) {
      Value mean = arith::DivFOp::create(ib, a[0], constant(ib, double(count)));
      return math::RsqrtOp::create(
                 ib, arith::AddFOp::create(ib, mean, constant(ib, 1e-5)))
          .getResult();
    });
    return einsum(b,
                  {{y, yIdx},
                   {inverseRms, rowIdx},
                   {scale, scaleIdx},
                   {wOut, wOutIdx}},
                  zerosWith(outShape, outSizes), ("b" + rows + "d").str());
  }

  /// Ends a layer's lowering: adds the optional passthrough
  /// (out += passthrough ⊙ `in`, `letters` naming both, the features last),
  /// casts back to the layer's result type (the decomposition builds dynamic
  /// batch and length dims; a static result type gets them back), and
  /// replaces the layer op.
  void replaceLayer(Operation *layerOp, Value out, Value passthrough, Value in,
                    StringRef letters) {
    if (passthrough)
      out = einsum(b, {{passthrough, "d"}, {in, letters}}, out, letters);
    Value result = layerOp->getResult(0);
    if (out.getType() != result.getType())
      out = tensor::CastOp::create(b, result.getType(), out);
    result.replaceAllUsesWith(out);
    layerOp->erase();
  }

  ImplicitLocOpBuilder b;
  Type et;
  /// The layer op (activations), its sub_heads (Q/K/V) and gate_sub_heads.
  Operation *layer;
  int64_t subHeads, gateSubHeads;
  /// The input chunks of a gate layer of `channels` channels.
  int64_t gateChunks(int64_t channels) const {
    return std::min(gateSubHeads, channels);
  }
  /// Sizes of the dynamic dims in order (zeros).
  SmallVector<Value> dynamic;
};

/// Builds the lowering of one plstm.layer2d.
class LayerBuilder : public LayerLowering {
public:
  LayerBuilder(Layer2DOp op) : LayerLowering(op, op.getX()), op(op) {
    ArrayRef<int64_t> x = shapeOf(op.getX());
    mx = x[1], my = x[2], d = x[3];
    ArrayRef<int64_t> wv = shapeOf(op.getWeight("w_v"));
    ArrayRef<int64_t> wq = shapeOf(op.getWeight("w_q"));
    h = wv[1], dv = wv[2];
    dk = wq[2];
    numO = op.getOrientationList().size();
    withJ = layerHasJAxes(op);
    if (withJ) {
      jq = wq[3], jk = shapeOf(op.getWeight("w_k"))[3], jv = wv[3];
      jo = shapeOf(op.getWeight("norm_scale"))[2];
    }
    dynamic = {tensor::DimOp::create(b, op.getX(), 0)};
  }

  void run();

private:
  static constexpr int64_t kDyn = ShapedType::kDynamic;

  // J letters: JT 'i' (and 'm' for a transition's second), JK 'j', JV 'l',
  // JO 'p', JQ 'q'. `jl` keeps the letters the weights carry in the form
  // with J axes; a result letter no weight carries is a broadcast.
  std::string jl(StringRef letters) const {
    return withJ ? letters.str() : std::string();
  }
  /// The J letters and extents of a gate's scan operand, and those of its
  /// weights.
  struct GateJ {
    StringRef letters;
    SmallVector<int64_t> extents;
    StringRef weightLetters;
  };
  GateJ sourceJ() const { return {"ijl", {1, jk, jv}, "jl"}; }
  GateJ markJ() const { return {"pqi", {jo, jq, 1}, "pq"}; }
  GateJ transitionJ() const { return {"im", {1, 1}, ""}; }
  /// α broadcast over the J dims of `like`.
  GateJ alphaJ(const GateJ &like) const {
    return {like.letters, like.extents, ""};
  }

  /// b + x·w (w scaled by `scale`) as [B, H, O, MX, MY, J...] with the J
  /// dims of `j`; w may be absent.
  Value gatePre(StringRef bias, StringRef weight, const GateJ &j,
                double scale = 1.0) {
    SmallVector<int64_t> shape = {kDyn, h, numO, mx, my};
    llvm::append_range(shape, j.extents);
    std::string out = ("bhoxy" + j.letters).str();
    Value acc = einsum(b, {{op.getWeight(bias), "oh" + jl(j.weightLetters)}},
                       zeros(shape), out);
    if (Value w = op.getWeight(weight)) {
      if (scale != 1.0)
        w = scaled(w, scale);
      acc = projectChannels(w, jl(j.weightLetters), acc, j.letters);
    }
    return acc;
  }

  /// acc [B, H, O, MX, MY, J...] + x·w for w [DGO, O, H, J...] with the
  /// gate_sub_heads chunks over the O·H channels, numbered c = h·O + o (the
  /// fused kernel's head-major order, SPEC §5.4): channel c reads the chunk
  /// c / (O·H / m). w is transposed to [DGO, H, O, J...] and both w and acc
  /// are viewed with their channels as (S, r), S the chunk.
  Value projectChannels(Value w, StringRef wJ, Value acc, StringRef accJ) {
    int64_t channels = h * numO, m = gateChunks(channels);
    std::string out = ("bhoxy" + accJ).str();
    if (m == 1)
      return einsum(b, {{op.getX(), "bxyd"}, {w, "doh" + wJ.str()}}, acc, out);
    ArrayRef<int64_t> wShape = shapeOf(w);
    SmallVector<int64_t> tShape = {wShape[0], h, numO};
    llvm::append_range(tShape, wShape.drop_front(3));
    Value wT = einsum(b, {{w, "doh" + wJ.str()}}, zeros(tShape),
                      "dho" + wJ.str());
    // [DGO, H, O, J...] -> [DGO, m, C/m, J...].
    auto channelsAsChunks = [&](Value t, int64_t at) {
      auto type = cast<RankedTensorType>(t.getType());
      SmallVector<ReassociationIndices> groups;
      SmallVector<int64_t> shape;
      for (int64_t i = 0; i < type.getRank(); ++i) {
        if (i == at + 1)
          continue;
        if (i == at) {
          groups.push_back({i, i + 1});
          shape.push_back(m);
          shape.push_back(channels / m);
        } else {
          groups.push_back({i});
          shape.push_back(type.getDimSize(i));
        }
      }
      Value flat = tensor::CollapseShapeOp::create(b, t, groups);
      SmallVector<ReassociationIndices> split;
      for (int64_t i = 0, r = 0; i < type.getRank() - 1; ++i) {
        if (i == at) {
          split.push_back({r, r + 1});
          r += 2;
        } else {
          split.push_back({r++});
        }
      }
      return std::make_pair(
          tensor::ExpandShapeOp::create(b, RankedTensorType::get(shape, et),
                                        flat, split)
              .getResult(),
          groups);
    };
    Value wS = channelsAsChunks(wT, 1).first;
    auto [accS, accGroups] = channelsAsChunks(acc, 1);
    // x [B, MX, MY, D] -> [B, MX, MY, m, D/m].
    int64_t xBatch = cast<RankedTensorType>(op.getX().getType()).getDimSize(0);
    Value xS = tensor::ExpandShapeOp::create(
        b, RankedTensorType::get({xBatch, mx, my, m, d / m}, et), op.getX(),
        SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
    Value sum = einsum(b, {{xS, "bxySd"}, {wS, "dSr" + wJ.str()}}, accS,
                       ("bSrxy" + accJ).str());
    // [B, m, C/m, ...] -> [B, H·O, ...] -> [B, H, O, ...].
    auto sumType = cast<RankedTensorType>(sum.getType());
    SmallVector<ReassociationIndices> merge;
    for (int64_t i = 0, r = 0; i < sumType.getRank() - 1; ++i) {
      if (i == 1) {
        merge.push_back({r, r + 1});
        r += 2;
      } else {
        merge.push_back({r++});
      }
    }
    Value flat = tensor::CollapseShapeOp::create(b, sum, merge);
    return tensor::ExpandShapeOp::create(b, acc.getType(), flat, accGroups);
  }
  /// The gate act(b + x·w) in the scan's layout ([B·H, O, MX, MY] and
  /// `units` unit J dims): the activation is applied after the reshape, so
  /// it is the elementwise generic the scan reads (plstm-fuse-gates).
  Value gate(StringRef kind, StringRef bias, StringRef weight, const GateJ &j) {
    return gateOf(toScanLayout(gatePre(bias, weight, j), 0), kind);
  }
  Value transitionGate(StringRef bias, StringRef weight, bool bounded) {
    return eigenvalueOf(
        toScanLayout(gatePre(bias, weight, transitionJ()), 0),
        op.getEigenvalueFactorOrDefault(), bounded);
  }

  /// x·w + b as [B, H, MX, MY, K, J] (J letter `j` of extent `extent`).
  Value projection(StringRef weight, StringRef bias, int64_t k, StringRef j,
                   int64_t extent) {
    std::string out = ("bhxyk" + j).str();
    Value acc = einsum(b, {{op.getWeight(bias), "hk" + jl(j)}},
                       zeros({kDyn, h, mx, my, k, extent}), out);
    return project(op.getX(), "bxyd", op.getWeight(weight), "dhk" + jl(j),
                   acc, out, subHeads);
  }

  Layer2DOp op;
  int64_t mx, my, d, h, dk, dv, numO;
  bool withJ;
  int64_t jq = 1, jk = 1, jv = 1, jo = 1;
};

void LayerBuilder::run() {
  Value q = toScanLayout(projection("w_q", "b_q", dk, "q", jq), 0);
  Value k = toScanLayout(projection("w_k", "b_k", dk, "j", jk), 0);
  Value v = toScanLayout(projection("w_v", "b_v", dv, "l", jv), 0);
  // Direct: [B, H, MX, MY, JO, JQ, JK, JV], shared by the orientations.
  Value directPre =
      einsum(b, {{op.getWeight("b_direct"), "h" + jl("pqjl")}},
             zeros({kDyn, h, mx, my, jo, jq, jk, jv}), "bhxypqjl");
  if (Value w = op.getWeight("w_direct"))
    directPre = project(op.getX(), "bxyd", w, "dh" + jl("pqjl"), directPre,
                        "bhxypqjl", gateChunks(h));
  Value direct = gateOf(toScanLayout(directPre, 0), "direct");

  Value sr, sd, trl, tdu, tdl, tru, ml, mu;
  if (op.isPMode()) {
    // SPEC §5.3: α = σ(b + 0.5·(x·w)/D); S_r = α·src, S_d = 1 − S_r;
    // T_rl = T_ru = α·τ, T_du = T_dl = 1 − α·τ.
    // Each gate is one elementwise generic over the pre-activations in the
    // scan's layout, so plstm-fuse-gates can compute it inside the scan.
    double alphaScale = 0.5 / double(d);
    bool bounded = !op.getSignedPMode();
    double f = op.getEigenvalueFactorOrDefault();
    auto sRight = [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
      return arith::MulFOp::create(ib, sigmoid(ib, a[0]),
                                   activate(ib, a[1], "source"))
          .getResult();
    };
    auto tRight = [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
      return arith::MulFOp::create(ib, sigmoid(ib, a[0]),
                                   eigenvalue(ib, a[1], f, bounded))
          .getResult();
    };
    auto complementOf = [&](Elementwise fn) {
      return [this, fn](ImplicitLocOpBuilder &ib, ArrayRef<Value> a) {
        return arith::SubFOp::create(ib, constant(ib, 1.0), fn(ib, a))
            .getResult();
      };
    };
    SmallVector<Value> sourceIn = {
        toScanLayout(gatePre("b_alpha", "w_alpha", alphaJ(sourceJ()),
                             alphaScale),
                     0),
        toScanLayout(gatePre("b_source", "w_source", sourceJ()), 0)};
    SmallVector<Value> transitionIn = {
        toScanLayout(gatePre("b_alpha", "w_alpha", alphaJ(transitionJ()),
                             alphaScale),
                     0),
        toScanLayout(gatePre("b_transition", "w_transition", transitionJ()),
                     0)};
    sr = map(sourceIn, sRight);
    sd = map(sourceIn, complementOf(sRight));
    trl = tru = map(transitionIn, tRight);
    tdu = tdl = map(transitionIn, complementOf(tRight));
    ml = mu = gate("mark", "b_mark", "w_mark", markJ());
  } else {
    sr = gate("source", "b_source_r", "w_source_r", sourceJ());
    sd = gate("source", "b_source_d", "w_source_d", sourceJ());
    trl = transitionGate("b_t_rl", "w_t_rl", false);
    tdu = transitionGate("b_t_du", "w_t_du", false);
    Value turn = transitionGate("b_t_turn", "w_t_turn", false);
    // Chirality L: up-in → right-out (T_ru); R: left-in → down-out (T_dl).
    (op.getChiralityOrDefault() == "L" ? tru : tdl) = turn;
    ml = gate("mark", "b_mark_l", "w_mark_l", markJ());
    mu = gate("mark", "b_mark_u", "w_mark_u", markJ());
  }

  // The scan, heads in the batch.
  int64_t dyn = ShapedType::kDynamic;
  auto yType = RankedTensorType::get({dyn, mx, my, dv, jo}, et);
  auto rightType = RankedTensorType::get({dyn, numO, my, dk, dv, 1}, et);
  auto downType = RankedTensorType::get({dyn, numO, mx, dk, dv, 1}, et);
  auto scan = Scan2DOp::create(
      b, TypeRange{yType, rightType, downType}, q, k, v, sr, sd, trl, tdu, tdl,
      tru, ml, mu, direct, /*init_left=*/Value(), /*init_top=*/Value(),
      b.getDenseI32ArrayAttr(op.getOrientationList()), op.getQkScaleAttr(),
      op.getScheduleAttr());

  // [B·H, MX, MY, DV, JO] -> [B, H, MX, MY, DV, JO].
  Value y = splitHeads(scan.getY(), h);
  // Per-head RMS norm over DV·JO (eps 1e-5), folded into the output
  // projection: out = Σ_{h,v,o} y · r · scale · w_out,
  // r = 1/√(mean y² + eps).
  Value out = normAndProject(
      y, "xy", "vp", dv * jo, op.getWeight("norm_scale"), "hv" + jl("p"),
      op.getWeight("w_out"), "hv" + jl("p") + "d", /*normalized=*/false,
      {kDyn, h, mx, my}, dynamic,
      {kDyn, mx, my, d}, dynamic);
  replaceLayer(op, out, op.getWeight("passthrough"), op.getX(), "bxyd");
}

/// Builds the lowering of one plstm.layer1d (SPEC §5.2).
class Layer1DBuilder : public LayerLowering {
public:
  Layer1DBuilder(Layer1DOp op) : LayerLowering(op, op.getX()), op(op) {
    d = shapeOf(op.getX())[2];
    ArrayRef<int64_t> wq = shapeOf(op.getWeight("w_q"));
    ArrayRef<int64_t> wv = shapeOf(op.getWeight("w_v"));
    ArrayRef<int64_t> m = shapeOf(op.getWeight("b_mark"));
    h = wq[1], dk = wq[2], dv = wv[2];
    jo = m[1];
    jt = op.getTransitionSize();
    dynamic = {tensor::DimOp::create(b, op.getX(), 0),
               tensor::DimOp::create(b, op.getX(), 1)};
  }

  void run();

private:
  static constexpr int64_t kDyn = ShapedType::kDynamic;

  /// c[b,t,d] = b_conv[d] + Σ_i w_conv[i,d]·x[b, t − 3 + i, d] (zero before
  /// the sequence): the causal depthwise convolution of kernel 4.
  Value convolution() {
    Value x = op.getX(), w = op.getWeight("w_conv"),
          bias = op.getWeight("b_conv");
    MLIRContext *ctx = b.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(3, ctx);
    Value init = zeros({kDyn, kDyn, d});
    return linalg::GenericOp::create(
               b, b.getLoc(), TypeRange{init.getType()}, ValueRange{},
               ValueRange{init}, ArrayRef<AffineMap>{id},
               SmallVector<utils::IteratorType>(3,
                                                utils::IteratorType::parallel),
               [&](OpBuilder &nested, Location loc, ValueRange) {
                 ImplicitLocOpBuilder ib(loc, nested);
                 Value bi = linalg::IndexOp::create(ib, 0);
                 Value t = linalg::IndexOp::create(ib, 1);
                 Value di = linalg::IndexOp::create(ib, 2);
                 Value sum = tensor::ExtractOp::create(ib, bias, ValueRange{di});
                 Value zeroIndex = indexConst(ib, 0);
                 for (int64_t i = 0; i < 4; ++i) {
                   // source position t − 3 + i, clamped; zero when < 0
                   Value pos = arith::SubIOp::create(ib, t,
                                                     indexConst(ib, 3 - i));
                   Value before = arith::CmpIOp::create(
                       ib, arith::CmpIPredicate::slt, pos, zeroIndex);
                   Value safe =
                       arith::SelectOp::create(ib, before, zeroIndex, pos);
                   Value xv =
                       tensor::ExtractOp::create(ib, x, ValueRange{bi, safe, di});
                   Value wv = tensor::ExtractOp::create(
                       ib, w, ValueRange{indexConst(ib, i), di});
                   Value term = arith::MulFOp::create(ib, xv, wv);
                   term = arith::SelectOp::create(ib, before, constant(ib, 0.0),
                                                  term);
                   sum = arith::AddFOp::create(ib, sum, term);
                 }
                 linalg::YieldOp::create(ib, sum);
               })
        .getResult(0);
  }

  /// bias + in·w as [B, H, T, J...] (`j` the J letters, `shape` their
  /// extents); w may be absent.
  /// (`chunks`: the input chunks, sub_heads for Q/K/V, the gate chunks
  /// for the gate layers.)
  Value gatePre(Value in, StringRef bias, StringRef weight, StringRef j,
                ArrayRef<int64_t> shape, int64_t chunks) {
    SmallVector<int64_t> full = {kDyn, h, kDyn};
    llvm::append_range(full, shape);
    std::string out = "bht" + j.str();
    Value acc =
        einsum(b, {{op.getWeight(bias), "h" + j.str()}}, zeros(full), out);
    if (Value w = op.getWeight(weight))
      acc = project(in, "btd", w, "dh" + j.str(), acc, out, chunks);
    return acc;
  }

  /// expo(X) = Σ_{n=0}^{15} Aⁿ/n!, A = g·(X − Xᵀ), for X [B, H, T, JT, JT].
  Value orthogonal(Value x) {
    double g = op.getOrthogonalFactorOrDefault();
    Value a = map(
        {x, x},
        [&](ImplicitLocOpBuilder &ib, ArrayRef<Value> v) {
          return arith::MulFOp::create(ib, constant(ib, g),
                                       arith::SubFOp::create(ib, v[0], v[1]))
              .getResult();
        },
        {false, true});
    Value identity = map({x}, [&](ImplicitLocOpBuilder &ib, ArrayRef<Value>) {
      Value i = linalg::IndexOp::create(ib, 3), j = linalg::IndexOp::create(ib, 4);
      Value diag = arith::CmpIOp::create(ib, arith::CmpIPredicate::eq, i, j);
      return arith::SelectOp::create(ib, diag, constant(ib, 1.0),
                                     constant(ib, 0.0))
          .getResult();
    });
    Value power = identity, sum = identity;
    for (int64_t n = 1; n < 16; ++n) {
      power = einsum(b, {{power, "bhtik"}, {scaled(a, 1.0 / double(n)), "bhtkj"}},
                     zeros({kDyn, h, kDyn, jt, jt}), "bhtij");
      sum = einsum(b, {{power, "bhtij"}}, sum, "bhtij");
    }
    return sum;
  }

  Layer1DOp op;
  int64_t d, h, dk, dv, jo, jt;
};

void Layer1DBuilder::run() {
  ArrayRef<int64_t> q = shapeOf(op.getWeight("w_q")),
                    k = shapeOf(op.getWeight("w_k")),
                    v = shapeOf(op.getWeight("w_v"));
  int64_t jq = q[3], jk = k[3], jv = v[3];
  Value x = op.getX();
  Value c = convolution();
  int64_t gc = gateChunks(h);
  // Q, K from the convolution, V from the raw input (SPEC §5.2).
  Value qs = toScanLayout(gatePre(c, "b_q", "w_q", "kj", {dk, jq}, subHeads), 0);
  Value ks = toScanLayout(gatePre(c, "b_k", "w_k", "kj", {dk, jk}, subHeads), 0);
  Value vs = toScanLayout(gatePre(x, "b_v", "w_v", "kj", {dv, jv}, subHeads), 0);
  // Gates: the activation applied after the reshape to the scan's layout,
  // so each is an elementwise generic the scan reads (plstm-fuse-gates).
  Value source = gateOf(
      toScanLayout(gatePre(c, "b_source", "w_source", "ijl", {jt, jk, jv}, gc), 0),
      "source");
  Value mark = gateOf(
      toScanLayout(gatePre(c, "b_mark", "w_mark", "oju", {jo, jq, jt}, gc), 0),
      "mark");
  Value direct = gateOf(toScanLayout(gatePre(c, "b_direct", "w_direct", "ojkl",
                                             {jo, jq, jk, jv}, gc),
                                     0),
                        "direct");
  Value lambdaPre = gatePre(c, "b_eigen", "w_eigen", "i", {jt}, gc);
  double f = op.getEigenvalueFactorOrDefault();
  Value transition;
  if (jt == 1) {
    // T = λ: [B, H, T, 1] -> [B·H, T, 1, 1].
    transition = eigenvalueOf(toScanLayout(lambdaPre, 1), f);
  } else {
    Value lambda = eigenvalueOf(lambdaPre, f);
    // T = U·diag(λ)·W, W = expo(b_in + c·w_in), U = expo(b_out + c·w_out_t)
    // or Wᵀ.
    Value w = orthogonal(gatePre(c, "b_in", "w_in", "ij", {jt, jt}, gc));
    Value u = op.getWeight("b_out")
                  ? orthogonal(gatePre(c, "b_out", "w_out_t", "ij", {jt, jt}, gc))
                  : Value();
    Value t = zeros({kDyn, h, kDyn, jt, jt});
    t = u ? einsum(b, {{u, "bhtik"}, {lambda, "bhtk"}, {w, "bhtkj"}}, t,
                   "bhtij")
          : einsum(b, {{w, "bhtki"}, {lambda, "bhtk"}, {w, "bhtkj"}}, t,
                   "bhtij");
    transition = toScanLayout(t, 0);
  }

  auto yType = RankedTensorType::get({kDyn, kDyn, dv, jo}, et);
  auto lastType = RankedTensorType::get({kDyn, dk, dv, jt}, et);
  // The per-head RMS norm (eps 1e-5) runs inside the scan's loops, where
  // each schedule writes its output rows (output_norm_eps); only the scale
  // and the output projection are left for after it.
  auto scan = Scan1DOp::create(b, TypeRange{yType, lastType}, qs, ks, vs,
                               source, transition, mark, direct,
                               /*initial=*/Value(), op.getQkScaleAttr(),
                               op.getScheduleAttr(), b.getF64FloatAttr(1e-5));

  // Per-head RMS norm over DV·JO, the output projection, the passthrough.
  Value y = splitHeads(scan.getY(), h); // [B, H, T, DV, JO]
  Value out = normAndProject(y, "t", "vo", dv * jo,
                             op.getWeight("norm_scale"), "hvo",
                             op.getWeight("w_out"), "hvod", /*normalized=*/true,
                             {kDyn, h, kDyn}, dynamic, {kDyn, kDyn, d},
                             dynamic);
  replaceLayer(op, out, op.getWeight("passthrough"), c, "btd");
}

/// Builds the lowering of one plstm.layer_dag (SPEC §5.5).
class LayerDagBuilder : public LayerLowering {
public:
  LayerDagBuilder(LayerDagOp op) : LayerLowering(op, op.getX()), op(op) {
    d = shapeOf(op.getX())[2];
    ArrayRef<int64_t> wq = shapeOf(op.getWeight("w_q"));
    ArrayRef<int64_t> wv = shapeOf(op.getWeight("w_v"));
    h = wq[1], dk = wq[2];
    dv = wv[2];
    withJ = layerHasJAxes(op);
    if (withJ) {
      jq = wq[3], jk = shapeOf(op.getWeight("w_k"))[3], jv = wv[3];
      jo = shapeOf(op.getWeight("norm_scale"))[2];
    }
    batch = tensor::DimOp::create(b, op.getX(), 0);
    nodes = tensor::DimOp::create(b, op.getX(), 1);
    edges = tensor::DimOp::create(b, op.getEdges(), 0);
    lines = tensor::DimOp::create(b, op.getLineEdges(), 0);
  }

  void run();

private:
  static constexpr int64_t kDyn = ShapedType::kDynamic;

  /// The integer at [row, column] of an [n, 2] index tensor, as an index.
  static Value indexAt(ImplicitLocOpBuilder &ib, Value table, Value row,
                       int64_t column) {
    Value v = tensor::ExtractOp::create(
        ib, table, ValueRange{row, indexConst(ib, column)});
    return arith::IndexCastOp::create(ib, ib.getIndexType(), v);
  }

  /// [B, count, D]: row r is x at the node `node(r)`.
  Value gatherNodes(Value count,
                    function_ref<Value(ImplicitLocOpBuilder &, Value)> node) {
    return gatherRows(op.getX(), count, node);
  }

  /// [B, count, W]: row r is row `row(r)` of `source` [B, rows, W].
  Value gatherRows(Value source, Value count,
                   function_ref<Value(ImplicitLocOpBuilder &, Value)> row) {
    int64_t width = shapeOf(source)[2];
    Value init = zerosWith({kDyn, kDyn, width}, {batch, count});
    AffineMap id = AffineMap::getMultiDimIdentityMap(3, b.getContext());
    return linalg::GenericOp::create(
               b, b.getLoc(), TypeRange{init.getType()}, ValueRange{},
               ValueRange{init}, ArrayRef<AffineMap>{id},
               SmallVector<utils::IteratorType>(3,
                                                utils::IteratorType::parallel),
               [&](OpBuilder &nested, Location loc, ValueRange) {
                 ImplicitLocOpBuilder ib(loc, nested);
                 Value bi = linalg::IndexOp::create(ib, 0);
                 Value r = linalg::IndexOp::create(ib, 1);
                 Value di = linalg::IndexOp::create(ib, 2);
                 linalg::YieldOp::create(
                     ib, tensor::ExtractOp::create(
                             ib, source, ValueRange{bi, row(ib, r), di})
                             .getResult());
               })
        .getResult(0);
  }

  /// `letters` when the weights carry J axes, else "" (J letters: JT 'i',
  /// JK 'j', JV 'l', JO 'p', JQ 'q').
  std::string jl(StringRef letters) const {
    return withJ ? letters.str() : std::string();
  }

  /// b + in·w as [B, H, count, J...]: `j` the result's J letters (extents
  /// `extents`), `weightJ` those the weights carry; w may be absent.
  Value gatePre(Value in, Value count, StringRef bias, StringRef weight,
                StringRef j = "", ArrayRef<int64_t> extents = {},
                StringRef weightJ = "") {
    SmallVector<int64_t> shape = {kDyn, h, kDyn};
    llvm::append_range(shape, extents);
    std::string out = ("bhr" + j).str();
    Value acc = einsum(b, {{op.getWeight(bias), "h" + jl(weightJ)}},
                       zerosWith(shape, {batch, count}), out);
    if (Value w = op.getWeight(weight))
      acc = project(in, "brd", w, "dh" + jl(weightJ), acc, out, gateChunks(h));
    return acc;
  }

  /// x·w + b as [B, H, N, K, J] (J letter `j` of extent `extent`).
  Value projection(StringRef weight, StringRef bias, int64_t k, StringRef j,
                   int64_t extent) {
    std::string out = ("bhnk" + j).str();
    Value acc = einsum(b, {{op.getWeight(bias), "hk" + jl(j)}},
                       zerosWith({kDyn, h, kDyn, k, extent}, {batch, nodes}),
                       out);
    return project(op.getX(), "bnd", op.getWeight(weight), "dhk" + jl(j), acc,
                   out, subHeads);
  }

  /// P-mode: t_l / (0.5 + Σ_{l' into the same edge} |t_l'|), t [B, H, L].
  Value normalizeIncoming(Value t) {
    Value lineTable = op.getLineEdges();
    // Σ |t| per target edge: one pass over the line edges.
    Value sums = zerosWith({kDyn, h, kDyn}, {batch, edges});
    auto column = [&](ImplicitLocOpBuilder &ib, Value tensor, Value at) {
      // tensor[:, :, at] as [B, H].
      SmallVector<OpFoldResult> offsets = {ib.getIndexAttr(0),
                                           ib.getIndexAttr(0), at};
      SmallVector<OpFoldResult> sizes = {OpFoldResult(batch),
                                         ib.getIndexAttr(h), ib.getIndexAttr(1)};
      SmallVector<OpFoldResult> strides(3, ib.getIndexAttr(1));
      auto type = RankedTensorType::get({kDyn, h}, et);
      return std::make_tuple(offsets, sizes, strides, type);
    };
    scf::ForOp pass = forLoop(
        b, indexConst(b, 0), lines, {sums},
        [&](ImplicitLocOpBuilder &ib, Value l, ValueRange it) {
          Value target = indexAt(ib, lineTable, l, 1);
          auto [lo, ls, lst, type] = column(ib, t, l);
          Value tl = tensor::ExtractSliceOp::create(ib, type, t, lo, ls, lst);
          auto [so, ss, sst, stype] = column(ib, it[0], target);
          Value old = tensor::ExtractSliceOp::create(ib, stype, it[0], so, ss,
                                                     sst);
          Value sum = linalg::GenericOp::create(
                          ib, ib.getLoc(), TypeRange{stype}, ValueRange{tl},
                          ValueRange{old},
                          SmallVector<AffineMap>(
                              2, AffineMap::getMultiDimIdentityMap(
                                     2, ib.getContext())),
                          SmallVector<utils::IteratorType>(
                              2, utils::IteratorType::parallel),
                          [&](OpBuilder &nested, Location loc,
                              ValueRange args) {
                            ImplicitLocOpBuilder nb(loc, nested);
                            Value a = math::AbsFOp::create(nb, args[0]);
                            linalg::YieldOp::create(
                                nb, arith::AddFOp::create(nb, args[1], a)
                                        .getResult());
                          })
                          .getResult(0);
          return SmallVector<Value>{tensor::InsertSliceOp::create(
              ib, sum, it[0], so, ss, sst)};
        });
    Value total = pass.getResult(0);
    // T_l = t_l / (0.5 + total[target(l)]).
    auto type = cast<RankedTensorType>(t.getType());
    AffineMap id = AffineMap::getMultiDimIdentityMap(3, b.getContext());
    Value init = tensor::EmptyOp::create(b, type.getShape(), et,
                                         ValueRange{batch, lines});
    return linalg::GenericOp::create(
               b, b.getLoc(), TypeRange{type}, ValueRange{t}, ValueRange{init},
               ArrayRef<AffineMap>{id, id},
               SmallVector<utils::IteratorType>(3,
                                                utils::IteratorType::parallel),
               [&](OpBuilder &nested, Location loc, ValueRange args) {
                 ImplicitLocOpBuilder ib(loc, nested);
                 Value bi = linalg::IndexOp::create(ib, 0);
                 Value hi = linalg::IndexOp::create(ib, 1);
                 Value l = linalg::IndexOp::create(ib, 2);
                 Value target = indexAt(ib, lineTable, l, 1);
                 Value sum = tensor::ExtractOp::create(
                     ib, total, ValueRange{bi, hi, target});
                 Value denom =
                     arith::AddFOp::create(ib, constant(ib, 0.5), sum);
                 linalg::YieldOp::create(
                     ib, arith::DivFOp::create(ib, args[0], denom).getResult());
               })
        .getResult(0);
  }

  LayerDagOp op;
  int64_t d, h, dk, dv;
  bool withJ;
  int64_t jq = 1, jk = 1, jv = 1, jo = 1;
  Value batch, nodes, edges, lines;
};

void LayerDagBuilder::run() {
  Value table = op.getEdges(), lineTable = op.getLineEdges();
  Value q = toScanLayout(projection("w_q", "b_q", dk, "q", jq), 0);
  Value k = toScanLayout(projection("w_k", "b_k", dk, "j", jk), 0);
  Value v = toScanLayout(projection("w_v", "b_v", dv, "l", jv), 0);
  // Node features where each gate lives: the tail of an edge (source),
  // its head (mark), the node a line edge passes (transition).
  Value atTail = gatherNodes(edges, [&](ImplicitLocOpBuilder &ib, Value e) {
    return indexAt(ib, table, e, 0);
  });
  Value atHead = gatherNodes(edges, [&](ImplicitLocOpBuilder &ib, Value e) {
    return indexAt(ib, table, e, 1);
  });
  Value atPass = gatherNodes(lines, [&](ImplicitLocOpBuilder &ib, Value l) {
    return indexAt(ib, table, indexAt(ib, lineTable, l, 0), 1);
  });
  // Gates in the scan's layout, activations last (plstm-fuse-gates).
  // Edge features f [B, E, F] (dense weights): f_e into the source and
  // mark of edge e, f at e_in(l) and e_out(l) into line edge l's transition.
  Value features = op.getEdgeFeatures();
  // acc [B, H, rows, accJ...] + rows·w, w [F, H, weightJ...].
  auto addFeatures = [&](Value acc, Value rows, StringRef weight,
                         StringRef accJ, StringRef weightJ) {
    Value w = op.getWeight(weight);
    if (!w)
      return acc;
    return einsum(b, {{rows, "brf"}, {w, "fh" + jl(weightJ)}}, acc,
                  ("bhr" + accJ).str());
  };
  Value sourcePre = gatePre(atTail, edges, "b_source", "w_source", "ijl",
                            {1, jk, jv}, "jl");
  Value markPre = gatePre(atHead, edges, "b_mark", "w_mark", "pqi",
                          {jo, jq, 1}, "pq");
  if (features) {
    sourcePre =
        addFeatures(sourcePre, features, "w_source_edge", "ijl", "jl");
    markPre = addFeatures(markPre, features, "w_mark_edge", "pqi", "pq");
  }
  Value source = gateOf(toScanLayout(sourcePre, 0), "source");
  Value mark = gateOf(toScanLayout(markPre, 0), "mark");
  Value direct = gateOf(
      toScanLayout(gatePre(op.getX(), nodes, "b_direct", "w_direct", "pqjl",
                           {jo, jq, jk, jv}, "pqjl"),
                   0),
      "direct");
  Value t = gatePre(atPass, lines, "b_transition", "w_transition");
  if (features) {
    for (auto [weight, column] : {std::make_pair("w_transition_in", 0),
                                  std::make_pair("w_transition_out", 1)}) {
      if (!op.getWeight(weight))
        continue;
      Value rows =
          gatherRows(features, lines, [&, column = column](
                                          ImplicitLocOpBuilder &ib, Value l) {
            return indexAt(ib, lineTable, l, column);
          });
      t = addFeatures(t, rows, weight, "", "");
    }
  }
  Value transition = op.isPMode() ? toScanLayout(normalizeIncoming(t), 2)
                                  : tanhOf(toScanLayout(t, 2));

  auto yType = RankedTensorType::get({kDyn, kDyn, dv, jo}, et);
  auto scan = ScanDagOp::create(b, yType, q, k, v, table, lineTable, source,
                                transition, mark, direct, op.getQkScaleAttr(),
                                op.getScheduleAttr());
  Value y = splitHeads(scan.getY(), h); // [B, H, N, DV, JO]
  Value out = normAndProject(y, "n", "vp", dv * jo, op.getWeight("norm_scale"),
                             "hv" + jl("p"), op.getWeight("w_out"),
                             "hv" + jl("p") + "d", /*normalized=*/false,
                             {kDyn, h, kDyn},
                             {batch, nodes}, {kDyn, kDyn, d}, {batch, nodes});
  replaceLayer(op, out, op.getWeight("passthrough"), op.getX(), "bnd");
}

struct DecomposeLayersPass
    : public plstm::impl::PLSTMDecomposeLayersBase<DecomposeLayersPass> {
  void runOnOperation() override {
    SmallVector<Operation *> layers;
    getOperation().walk([&](Operation *op) {
      if (isa<Layer1DOp, Layer2DOp, LayerDagOp>(op))
        layers.push_back(op);
    });
    for (Operation *op : layers) {
      if (auto layer = dyn_cast<Layer1DOp>(op))
        Layer1DBuilder(layer).run();
      else if (auto layer = dyn_cast<LayerDagOp>(op))
        LayerDagBuilder(layer).run();
      else
        LayerBuilder(cast<Layer2DOp>(op)).run();
    }
  }
};

} // namespace

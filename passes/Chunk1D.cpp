//===- Chunk1D.cpp - per-chunk building blocks of the 1D parallel schedules
//===//
//
// See Chunk1D.h.
//
//===----------------------------------------------------------------------===//

#include "passes/Chunk1D.h"
#include "passes/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::plstm;

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

Value plstm::identityMatrix(ImplicitLocOpBuilder &b, int64_t n,
                            Type elementType) {
  auto type = RankedTensorType::get({n, n}, elementType);
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      values.push_back(b.getFloatAttr(elementType, i == j ? 1.0 : 0.0));
  return arith::ConstantOp::create(b, DenseElementsAttr::get(type, values));
}

Value plstm::chunkCount(ImplicitLocOpBuilder &b, Value length,
                        int64_t capacity) {
  return arith::CeilDivUIOp::create(b, length, indexConst(b, capacity));
}

Value plstm::chunkLength(ImplicitLocOpBuilder &b, Value length, Value start,
                         int64_t capacity) {
  Value rest = arith::SubIOp::create(b, length, start);
  return arith::MinUIOp::create(b, rest, indexConst(b, capacity));
}

/// source[bi, start:start+len, ...] zero-padded to [C, ...].
static Value paddedChunk(ImplicitLocOpBuilder &b, Value source, Value bi,
                         Value start, Value len, int64_t capacity) {
  auto type = cast<RankedTensorType>(source.getType());
  ArrayRef<int64_t> trailing = type.getShape().drop_front(2);
  SmallVector<int64_t> chunkShape = {capacity};
  chunkShape.append(trailing.begin(), trailing.end());
  SmallVector<OpFoldResult> offsets = {bi, start},
                            sizes = {b.getIndexAttr(1), len};
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  for (int64_t extent : trailing) {
    offsets.push_back(b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(extent));
  }
  // A full chunk (len the constant C) is a view of the source: no copy.
  std::optional<int64_t> staticLen = getConstantIntValue(len);
  bool full = staticLen && *staticLen == capacity;
  SmallVector<int64_t> sliceShape = {full ? capacity : ShapedType::kDynamic};
  sliceShape.append(trailing.begin(), trailing.end());
  auto sliceType = RankedTensorType::get(sliceShape, type.getElementType());
  if (full)
    sizes[1] = b.getIndexAttr(capacity);
  Value slice = tensor::ExtractSliceOp::create(b, sliceType, source, offsets,
                                               sizes, strides);
  if (full)
    return slice;
  Value zeros = zeroTensor(b, chunkShape, type.getElementType());
  SmallVector<OpFoldResult> dstOffsets(chunkShape.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> dstSizes = {len};
  for (int64_t extent : trailing)
    dstSizes.push_back(b.getIndexAttr(extent));
  SmallVector<OpFoldResult> dstStrides(chunkShape.size(), b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, slice, zeros, dstOffsets, dstSizes,
                                       dstStrides);
}

Chunk1D plstm::buildChunk1D(ImplicitLocOpBuilder &b, Scan1DOp op, Value bi,
                            Value start, Value len, int64_t capacity) {
  Type et = cast<RankedTensorType>(op.getQ().getType()).getElementType();
  ArrayRef<int64_t> tShape = shapeOf(op.getTransition());
  ArrayRef<int64_t> sShape = shapeOf(op.getSource());
  ArrayRef<int64_t> mShape = shapeOf(op.getMark());
  int64_t jt = tShape[2], jk = sShape[3], jv = sShape[4], jo = mShape[2],
          jq = mShape[3];
  Value zero = indexConst(b, 0), one = indexConst(b, 1);
  // With every J = 1 the gate quantities are f32 scalars carried by the
  // loops (tensor.extract / tensor.insert), not 1x1 tensors: no buffer per
  // step after bufferization. The recurrences are the same; these four
  // helpers are what differs. (The builder is a parameter: loop bodies
  // have their own.)
  bool scalar = jt == 1 && jk == 1 && jv == 1 && jo == 1 && jq == 1;
  // gate[bi, start + a, ...]: the J block, or its only element.
  auto at = [&](ImplicitLocOpBuilder &b, Value gate, Value a) -> Value {
    SmallVector<Value> lead = {bi, arith::AddIOp::create(b, start, a)};
    if (!scalar)
      return sliceAt(b, gate, lead);
    for (int64_t d = 2, r = shapeOf(gate).size(); d < r; ++d)
      lead.push_back(zero);
    return tensor::ExtractOp::create(b, gate, lead);
  };
  // dest[lead..., J dims] = value
  auto put = [&](ImplicitLocOpBuilder &b, Value value, Value dest,
                 ValueRange lead) -> Value {
    if (!scalar)
      return insertAt(b, value, dest, lead);
    SmallVector<Value> idx(lead.begin(), lead.end());
    for (int64_t d = lead.size(), r = shapeOf(dest).size(); d < r; ++d)
      idx.push_back(zero);
    return tensor::InsertOp::create(b, value, dest, idx);
  };
  // The product x·y over the J dims (an einsum into `shape`, or mulf).
  auto mul = [&](ImplicitLocOpBuilder &b, Value x, StringRef xs, Value y,
                 StringRef ys, ArrayRef<int64_t> shape,
                 StringRef out) -> Value {
    if (scalar)
      return arith::MulFOp::create(b, x, y);
    return einsum(b, {{x, xs}, {y, ys}}, zeroTensor(b, shape, et), out);
  };
  Value identity =
      scalar ? arith::ConstantOp::create(b, b.getFloatAttr(et, 1.0)).getResult()
             : identityMatrix(b, jt, et);
  Chunk1D chunk;

  // Prefix products: mc[a] = M0_a · P_{a-1}, P_a = T0_a · P_{a-1}.
  scf::ForOp prefix = forLoop(
      b, zero, len, {identity, zeroTensor(b, {capacity, jo, jq, jt}, et)},
      [&](ImplicitLocOpBuilder &b, Value a, ValueRange it) {
        Value m = mul(b, at(b, op.getMark(), a), "oju", it[0], "uw",
                      {jo, jq, jt}, "ojw");
        Value p = mul(b, at(b, op.getTransition(), a), "iu", it[0], "uw",
                      {jt, jt}, "iw");
        return SmallVector<Value>{p, put(b, m, it[1], {a})};
      });
  chunk.tc = scalar ? tensor::FromElementsOp::create(
                          b, RankedTensorType::get({1, 1}, et),
                          ValueRange{prefix.getResult(0)})
                          .getResult()
                    : prefix.getResult(0);
  chunk.mc = prefix.getResult(1);

  // Suffix products: sc[a] = R_{a+1} · S0_a, R_a = R_{a+1} · T0_a.
  scf::ForOp suffix = forLoop(
      b, zero, len, {identity, zeroTensor(b, {capacity, jt, jk, jv}, et)},
      [&](ImplicitLocOpBuilder &b, Value r, ValueRange it) {
        Value a =
            arith::SubIOp::create(b, arith::SubIOp::create(b, len, one), r);
        Value s = mul(b, it[0], "iu", at(b, op.getSource(), a), "ukl",
                      {jt, jk, jv}, "ikl");
        Value next = mul(b, it[0], "iu", at(b, op.getTransition(), a), "uw",
                         {jt, jt}, "iw");
        return SmallVector<Value>{next, put(b, s, it[1], {a})};
      });
  chunk.sc = suffix.getResult(1);

  // Gating: column a' carries W = T0_{a-1} ⋯ T0_{a'+1} · S0_{a'} downwards.
  scf::ForOp gating = forLoop(
      b, zero, len, {zeroTensor(b, {capacity, capacity, jo, jq, jk, jv}, et)},
      [&](ImplicitLocOpBuilder &b, Value src, ValueRange it) {
        Value g = put(b, at(b, op.getDirect(), src), it[0], {src, src});
        Value next = arith::AddIOp::create(b, src, one);
        scf::ForOp column = forLoop(
            b, next, len, {at(b, op.getSource(), src), g},
            [&](ImplicitLocOpBuilder &b, Value a, ValueRange col) {
              Value entry = mul(b, at(b, op.getMark(), a), "oju", col[0],
                                "ukl", {jo, jq, jk, jv}, "ojkl");
              Value w = mul(b, at(b, op.getTransition(), a), "iu", col[0],
                            "ukl", {jt, jk, jv}, "ikl");
              return SmallVector<Value>{w, put(b, entry, col[1], {a, src})};
            });
        return SmallVector<Value>{column.getResult(1)};
      });
  chunk.g = gating.getResult(0);

  chunk.q = chunkQuery(b, op, bi, start, len, capacity);
  chunk.k = paddedChunk(b, op.getK(), bi, start, len, capacity);
  chunk.v = paddedChunk(b, op.getV(), bi, start, len, capacity);
  return chunk;
}

Value plstm::chunkQuery(ImplicitLocOpBuilder &b, Scan1DOp op, Value bi,
                        Value start, Value len, int64_t capacity) {
  Type et = cast<RankedTensorType>(op.getQ().getType()).getElementType();
  Value scale = arith::ConstantOp::create(
      b, b.getFloatAttr(et, op.getEffectiveQkScale()));
  return scaleTensor(b, paddedChunk(b, op.getQ(), bi, start, len, capacity),
                     scale);
}

Value plstm::chunkOutputs(ImplicitLocOpBuilder &b, const Chunk1D &chunk,
                          Value state) {
  return addChunkReadout(b, chunk.q, chunk.mc, state,
                         intraChunkOutputs(b, chunk));
}

Value plstm::addChunkReadout(ImplicitLocOpBuilder &b, Value q, Value mc,
                             Value state, Value acc) {
  return einsum(b, {{q, "adj"}, {mc, "aoju"}, {state, "dvu"}}, acc, "avo");
}

Value plstm::intraChunkOutputs(ImplicitLocOpBuilder &b, const Chunk1D &chunk) {
  auto qType = cast<RankedTensorType>(chunk.q.getType());
  Type et = qType.getElementType();
  int64_t c = qType.getDimSize(0), jq = qType.getDimSize(2);
  int64_t jk = shapeOf(chunk.k)[2];
  int64_t dv = shapeOf(chunk.v)[1], jv = shapeOf(chunk.v)[2];
  int64_t jo = shapeOf(chunk.mc)[1];
  // A[a,a',j,k] = Σ_d Q[a,d,j] K[a',d,k]; W = Σ_{j,k} A·G; y = Σ_{a',l} W·V.
  Value a = einsum(b, {{chunk.q, "adj"}, {chunk.k, "bdk"}},
                   zeroTensor(b, {c, c, jq, jk}, et), "abjk");
  Value w = einsum(b, {{a, "abjk"}, {chunk.g, "abojkl"}},
                   zeroTensor(b, {c, c, jo, jv}, et), "abol");
  return einsum(b, {{w, "abol"}, {chunk.v, "bvl"}},
                zeroTensor(b, {c, dv, jo}, et), "avo");
}

Value plstm::chunkSourceState(ImplicitLocOpBuilder &b, const Chunk1D &chunk) {
  Type et = cast<RankedTensorType>(chunk.q.getType()).getElementType();
  int64_t dk = shapeOf(chunk.k)[1], dv = shapeOf(chunk.v)[1];
  int64_t jt = shapeOf(chunk.tc)[0];
  return einsum(b, {{chunk.sc, "aijl"}, {chunk.k, "adj"}, {chunk.v, "avl"}},
                zeroTensor(b, {dk, dv, jt}, et), "dvi");
}

Value plstm::applyTransition(ImplicitLocOpBuilder &b, Value t, Value state,
                             Value add) {
  return addTransition(b, add, t, state);
}

Value plstm::insertChunkRows(ImplicitLocOpBuilder &b, Value chunkY, Value y,
                             ValueRange lead, Value start, Value len) {
  auto chunkType = cast<RankedTensorType>(chunkY.getType());
  int64_t dv = chunkType.getDimSize(1), jo = chunkType.getDimSize(2);
  auto rowsType = RankedTensorType::get({ShapedType::kDynamic, dv, jo},
                                        chunkType.getElementType());
  SmallVector<OpFoldResult> ones(3, b.getIndexAttr(1));
  Value rows = tensor::ExtractSliceOp::create(
      b, rowsType, chunkY, SmallVector<OpFoldResult>(3, b.getIndexAttr(0)),
      SmallVector<OpFoldResult>{len, b.getIndexAttr(dv), b.getIndexAttr(jo)},
      ones);
  SmallVector<OpFoldResult> offsets, sizes;
  for (Value index : lead) {
    offsets.push_back(index);
    sizes.push_back(b.getIndexAttr(1));
  }
  offsets.append({start, b.getIndexAttr(0), b.getIndexAttr(0)});
  sizes.append({len, b.getIndexAttr(dv), b.getIndexAttr(jo)});
  return tensor::InsertSliceOp::create(
      b, rows, y, offsets, sizes,
      SmallVector<OpFoldResult>(offsets.size(), b.getIndexAttr(1)));
}

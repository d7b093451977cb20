//===- LowerSequential.cpp - plstm-lower-sequential -----------------------===//
//
// Lowers scan ops carrying #plstm.schedule<sequential> to the per-edge
// recurrence of SPEC.md §1 as scf.for loops around linalg.generic
// contractions on tensors:
//
//   plstm.scan1d   for b: for t:            y_t, C_t from C_{t-1}       (§2.2)
//   plstm.scan2d   for b: D term; per orientation o (unrolled, with its
//                  flips): for x': for y':  y, C^r, C^d of node (x, y)  (§3.2)
//   plstm.scan_dag for b: for e in a topological order of the line graph
//                  (Kahn's algorithm in the kernel): C_e, y_head(e)     (§1)
//
// Every step reads and writes per-node slices with tensor.extract_slice /
// tensor.insert_slice; loop-carried states are scf.for iter_args, so one-shot
// bufferization updates them in place.
//
//===----------------------------------------------------------------------===//

#include "dialect/PLSTMDialect.h"
#include "passes/DagGraph.h"
#include "passes/Passes.h"
#include "passes/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::plstm {
#define GEN_PASS_DEF_PLSTMLOWERSEQUENTIAL
#include "passes/Passes.h.inc"
} // namespace mlir::plstm

using namespace mlir;
using namespace mlir::plstm;

namespace {

/// Static extents of a ranked tensor value.
ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}
int64_t dimOf(Value v, int64_t d) { return shapeOf(v)[d]; }

/// Elementwise-typed scalar constant.
Value floatConst(ImplicitLocOpBuilder &b, Type type, double value) {
  return arith::ConstantOp::create(b, b.getFloatAttr(type, value));
}

/// scf.for from 0 to `upper`.
scf::ForOp buildLoop(ImplicitLocOpBuilder &b, Value upper, ValueRange inits,
                     LoopBody body) {
  return forLoop(b, indexConst(b, 0), upper, inits, body);
}

/// `g[lead..., 0, ..., 0]`, the gate of a node when its J dims are 1; null
/// for a missing (optional) gate.
Value scalarAt(ImplicitLocOpBuilder &b, Value g, ValueRange lead) {
  if (!g)
    return {};
  SmallVector<Value> index(lead.begin(), lead.end());
  while (static_cast<int64_t>(index.size()) <
         cast<RankedTensorType>(g.getType()).getRank())
    index.push_back(indexConst(b, 0));
  return tensor::ExtractOp::create(b, g, index);
}

/// `(extent - 1) - i` when `flip`, else `i`.
Value maybeFlip(ImplicitLocOpBuilder &b, Value i, int64_t extent, bool flip) {
  if (!flip)
    return i;
  return arith::SubIOp::create(b, indexConst(b, extent - 1), i);
}

//===----------------------------------------------------------------------===//
// scan1d with J > 1: the state as JT planes
//===----------------------------------------------------------------------===//

/// `x[..., i]`: the last dim of `x` (static shape) dropped at index `i`.
Value lastSlice(ImplicitLocOpBuilder &b, Value x, int64_t i) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)), sizes,
      strides(type.getRank(), b.getIndexAttr(1));
  offsets.back() = b.getIndexAttr(i);
  for (int64_t d : type.getShape())
    sizes.push_back(b.getIndexAttr(d));
  sizes.back() = b.getIndexAttr(1);
  auto resultType =
      RankedTensorType::get(type.getShape().drop_back(), type.getElementType());
  return tensor::ExtractSliceOp::create(b, resultType, x, offsets, sizes,
                                        strides);
}

/// One step of the 1D recurrence with any J on a state kept as JT planes
/// `planes[i]` = C[:, :, i] ([DK, DV], contiguous along DV), factored so
/// that every term costs O(DK·DV) per plane, not the O(DK·DV·J²) of the
/// per-term einsums:
///
///   P[j,u,v]  = Σ_d q[d,j] C_u[d,v]                 (read-out of C_{t-1})
///   C_i[d,v] ← Σ_j T[i,j] C_j[d,v] + Σ_k k[d,k] sv[i,k,v],
///               sv[i,k,v] = Σ_l S[i,k,l] v[v,l]
///
/// in one linalg.generic over (DK, DV), a reduction over DK that updates the
/// planes in place (read through their inits) and reduces P in registers
/// (plstm-cpu-microkernels' row-reduced loops). The read-out is then
/// y[v,o] = Σ_{j,u} M[o,j,u] P[j,u,v] + Σ_{j,l} (Σ_k qk[j,k] D[o,j,k,l])
/// v[v,l] with qk[j,k] = Σ_d q[d,j] k[d,k]: O(DV·J²) per step. Returns the
/// new planes and y [DV, JO].
std::pair<SmallVector<Value>, Value>
stepPlanes(ImplicitLocOpBuilder &b, ValueRange planes, Value q, Value k,
           Value v, Value source, Value transition, Value mark, Value direct) {
  MLIRContext *ctx = b.getContext();
  Type et = cast<RankedTensorType>(q.getType()).getElementType();
  int64_t jq = dimOf(q, 1), jkk = dimOf(k, 1);
  int64_t dv = dimOf(v, 0), jv = dimOf(v, 1), jt = dimOf(transition, 0);
  int64_t jo = dimOf(mark, 0);
  assert(static_cast<int64_t>(planes.size()) == jt && "one plane per JT");
  // v transposed once ([JV, DV]: the contractions below then run along
  // DV, contiguous), sv[i,k,v] = Σ_l S[i,k,l] v[v,l].
  Value vt = einsum(b, {{v, "vl"}}, zeroTensor(b, {jv, dv}, et), "lv");
  Value sv = einsum(b, {{source, "ikl"}, {vt, "lv"}},
                    zeroTensor(b, {jt, jkk, dv}, et), "ikv");

  AffineExpr d = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx);
  AffineMap rowMap = AffineMap::get(2, 0, {d}, ctx);
  AffineMap colMap = AffineMap::get(2, 0, {n}, ctx);
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  SmallVector<Value> inputs, outs;
  SmallVector<AffineMap> maps;
  for (int64_t j = 0; j < jq; ++j) {
    inputs.push_back(lastSlice(b, q, j));
    maps.push_back(rowMap);
  }
  for (int64_t j = 0; j < jkk; ++j) {
    inputs.push_back(lastSlice(b, k, j));
    maps.push_back(rowMap);
  }
  for (int64_t i = 0; i < jt; ++i)
    for (int64_t j = 0; j < jkk; ++j) {
      inputs.push_back(sliceAt(b, sv, {indexConst(b, i), indexConst(b, j)}));
      maps.push_back(colMap);
    }
  for (Value plane : planes) {
    outs.push_back(plane);
    maps.push_back(id);
  }
  // Each P[j,u] a tensor of its own (slices of one tensor as inits of one
  // op would make bufferization copy them).
  for (int64_t j = 0; j < jq * jt; ++j) {
    outs.push_back(zeroTensor(b, {dv}, et));
    maps.push_back(colMap);
  }
  // The transition's entries, scalars used inside the pass.
  SmallVector<Value> t;
  for (int64_t i = 0; i < jt; ++i)
    for (int64_t j = 0; j < jt; ++j)
      t.push_back(tensor::ExtractOp::create(
          b, transition, ValueRange{indexConst(b, i), indexConst(b, j)}));
  SmallVector<Type> types;
  for (Value out : outs)
    types.push_back(out.getType());
  auto generic = linalg::GenericOp::create(
      b, b.getLoc(), types, inputs, outs, maps,
      SmallVector<utils::IteratorType>{utils::IteratorType::reduction,
                                       utils::IteratorType::parallel},
      [&](OpBuilder &nested, Location loc, ValueRange args) {
        auto contract = arith::FastMathFlags::contract;
        auto fma = [&](Value acc, Value x, Value y) {
          Value product = arith::MulFOp::create(nested, loc, x, y, contract);
          return acc ? arith::AddFOp::create(nested, loc, acc, product,
                                             contract)
                           .getResult()
                     : product;
        };
        ValueRange qs = args.take_front(jq);
        ValueRange ks = args.slice(jq, jkk);
        ValueRange svs = args.slice(jq + jkk, jt * jkk);
        ValueRange old = args.slice(inputs.size(), jt);
        ValueRange ps = args.slice(inputs.size() + jt, jq * jt);
        SmallVector<Value> results;
        for (int64_t i = 0; i < jt; ++i) {
          Value sum;
          for (int64_t j = 0; j < jkk; ++j)
            sum = fma(sum, ks[j], svs[i * jkk + j]);
          for (int64_t j = 0; j < jt; ++j)
            sum = fma(sum, t[i * jt + j], old[j]);
          results.push_back(sum);
        }
        for (int64_t j = 0; j < jq; ++j)
          for (int64_t u = 0; u < jt; ++u)
            results.push_back(fma(ps[j * jt + u], qs[j], old[u]));
        linalg::YieldOp::create(nested, loc, results);
      });
  SmallVector<Value> next(generic.getResults().take_front(jt));
  Value p = tensor::EmptyOp::create(b, ArrayRef<int64_t>{jq, jt, dv}, et);
  for (int64_t j = 0; j < jq; ++j)
    for (int64_t u = 0; u < jt; ++u)
      p = insertAt(b, generic.getResult(jt + j * jt + u), p,
                   {indexConst(b, j), indexConst(b, u)});
  // y = M·P + (qk·D)·v, built as yᵀ [JO, DV] (rows of DV: vector
  // contractions; accumulating into y [DV, JO] directly is a scalar
  // read-modify-write per element and term) and transposed once.
  Value yt =
      einsum(b, {{mark, "oju"}, {p, "juv"}}, zeroTensor(b, {jo, dv}, et), "ov");
  Value qk =
      einsum(b, {{q, "dj"}, {k, "dk"}}, zeroTensor(b, {jq, jkk}, et), "jk");
  Value dd = einsum(b, {{direct, "ojkl"}, {qk, "jk"}},
                    zeroTensor(b, {jo, jq, jv}, et), "ojl");
  yt = einsum(b, {{dd, "ojl"}, {vt, "lv"}}, yt, "ov");
  Value y = einsum(b, {{yt, "ov"}}, zeroTensor(b, {dv, jo}, et), "vo");
  return {next, y};
}

//===----------------------------------------------------------------------===//
// scan1d (SPEC §2.2)
//===----------------------------------------------------------------------===//

void lowerScan1D(Scan1DOp op) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  Type et = cast<RankedTensorType>(op.getQ().getType()).getElementType();
  int64_t dk = dimOf(op.getQ(), 2), dv = dimOf(op.getV(), 2);
  int64_t jt = dimOf(op.getTransition(), 2), jo = dimOf(op.getMark(), 2);
  Value scale = floatConst(b, et, op.getEffectiveQkScale());
  Value batch = tensor::DimOp::create(b, op.getQ(), 0);
  Value length = tensor::DimOp::create(b, op.getQ(), 1);
  Value y0 = emptyLike(b, op.getY().getType(), {batch, length});
  Value last0 = emptyLike(b, op.getLast().getType(), {batch});

  // J = 1: the state [DK, DV, 1] updated in one elementwise pass (with the
  // read-out where every J is 1); otherwise JT planes (stepPlanes).
  bool scalarJ = isScalarJ(op.getTransition(), op.getK(), op.getV());
  int64_t planeCount = scalarJ ? 1 : jt;

  scf::ForOp batchLoop = buildLoop(
      b, batch, {y0, last0},
      [&](ImplicitLocOpBuilder &b, Value bi, ValueRange args) {
        Value state0 =
            op.getInitial() ? sliceAt(b, op.getInitial(), {bi}) : Value();
        SmallVector<Value> inits;
        if (scalarJ)
          inits.push_back(state0 ? state0 : zeroTensor(b, {dk, dv, jt}, et));
        else
          for (int64_t i = 0; i < jt; ++i)
            inits.push_back(state0 ? lastSlice(b, state0, i)
                                   : zeroTensor(b, {dk, dv}, et));
        inits.push_back(args[0]);
        scf::ForOp timeLoop = buildLoop(
            b, length, inits,
            [&](ImplicitLocOpBuilder &b, Value t, ValueRange iter) {
              ValueRange states = iter.take_front(planeCount);
              Value y = iter.back();
              Value q = scaleTensor(b, sliceAt(b, op.getQ(), {bi, t}), scale);
              Value k = sliceAt(b, op.getK(), {bi, t});
              Value v = sliceAt(b, op.getV(), {bi, t});
              Value mark = sliceAt(b, op.getMark(), {bi, t});
              Value direct = sliceAt(b, op.getDirect(), {bi, t});
              SmallVector<Value> next;
              Value yt;
              if (!scalarJ) {
                std::tie(next, yt) = stepPlanes(
                    b, states, q, k, v, sliceAt(b, op.getSource(), {bi, t}),
                    sliceAt(b, op.getTransition(), {bi, t}), mark, direct);
              } else {
                // y_t = s·(q⋅M⋅C_{t-1} + q⋅D⋅kv); C_t = T·C_{t-1} + S⋆kv in
                // one elementwise pass that writes C_t in place of C_{t-1}
                // and, where every J is 1, also reads out C_{t-1} and adds
                // the direct term. Otherwise the read-out (of C_{t-1}:
                // before the update) and the direct term are contractions
                // of their own.
                Value state = states[0];
                yt = zeroTensor(b, {dv, jo}, et);
                bool fuse = canFuseReadoutJ1(q, {mark}, direct);
                if (!fuse) {
                  yt = addMarkReadout(b, yt, q, mark, state);
                  yt = addDirectTerm(b, yt, q, direct, k, v);
                }
                StateUpdate update{{scalarAt(b, op.getTransition(), {bi, t})},
                                   scalarAt(b, op.getSource(), {bi, t})};
                if (fuse) {
                  ReadoutJ1 readout{q,
                                    {scalarAt(b, op.getMark(), {bi, t})},
                                    yt,
                                    scalarAt(b, op.getDirect(), {bi, t})};
                  SmallVector<Value> results = updateStatesJ1(
                      b, {state}, k, v, {update}, {state}, &readout);
                  next.push_back(results[0]);
                  yt = results[1];
                } else {
                  next.push_back(
                      updateStatesJ1(b, {state}, k, v, {update}, {state})[0]);
                }
              }
              // The optional RMS norm of the row (output_norm_eps).
              yt = rmsNormalizeRows(b, yt, op.getOutputNormEpsAttr());
              next.push_back(insertAt(b, yt, y, {bi, t}));
              return next;
            });
        Value last = args[1];
        if (scalarJ) {
          last = insertAt(b, timeLoop.getResult(0), last, {bi});
        } else {
          // The planes back into last[bi, :, :, i].
          for (int64_t i = 0; i < jt; ++i) {
            SmallVector<OpFoldResult> offsets{
                bi, b.getIndexAttr(0), b.getIndexAttr(0), b.getIndexAttr(i)};
            SmallVector<OpFoldResult> sizes{
                b.getIndexAttr(1), b.getIndexAttr(dk), b.getIndexAttr(dv),
                b.getIndexAttr(1)};
            SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
            last = tensor::InsertSliceOp::create(b, timeLoop.getResult(i), last,
                                                 offsets, sizes, strides);
          }
        }
        return SmallVector<Value>{timeLoop.getResults().back(), last};
      });
  op.getY().replaceAllUsesWith(batchLoop.getResult(0));
  op.getLast().replaceAllUsesWith(batchLoop.getResult(1));
  op.erase();
}

//===----------------------------------------------------------------------===//
// scan2d (SPEC §3.2, §3.6)
//===----------------------------------------------------------------------===//

/// `(extent - 1) - i` when the i1 `flip` holds, else `i`.
Value flipIf(ImplicitLocOpBuilder &b, Value i, int64_t extent, Value flip) {
  return arith::SelectOp::create(
      b, flip, arith::SubIOp::create(b, indexConst(b, extent - 1), i), i);
}

/// The updates of a 2D node's outgoing states when every J is 1
/// (updateStatesJ1): C^r = T_rl·C^r + T_ru·C^d + S_r⋆kv and C^d = T_dl·C^r +
/// T_du·C^d + S_d⋆kv, the gates at `at` = {b, o, x, y}.
SmallVector<StateUpdate> nodeUpdatesJ1(ImplicitLocOpBuilder &b, Scan2DOp op,
                                       ValueRange at) {
  auto scalar = [&](Value g) { return scalarAt(b, g, at); };
  return {StateUpdate{{scalar(op.getTRl()), scalar(op.getTRu())},
                      scalar(op.getSourceR())},
          StateUpdate{{scalar(op.getTDl()), scalar(op.getTDu())},
                      scalar(op.getSourceD())}};
}

void lowerScan2D(Scan2DOp op, bool parallelOrientations) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  Type et = cast<RankedTensorType>(op.getQ().getType()).getElementType();
  int64_t mx = dimOf(op.getQ(), 1), my = dimOf(op.getQ(), 2);
  int64_t dk = dimOf(op.getQ(), 3), dv = dimOf(op.getV(), 3);
  int64_t jt = dimOf(op.getTRl(), 4), jo = dimOf(op.getMarkL(), 4);
  SmallVector<int32_t> orientations = op.getOrientationList();
  // J = 1 everywhere: each node's outgoing states in one elementwise pass.
  bool scalarJ = isScalarJ(op.getTRl(), op.getK(), op.getV());
  bool fuseReadout =
      scalarJ && canFuseReadoutJ1(op.getQ(), {op.getMarkL(), op.getMarkU()},
                                  op.getDirect());
  Value scale = floatConst(b, et, op.getEffectiveQkScale());
  Value batch = tensor::DimOp::create(b, op.getQ(), 0);
  Value mxV = indexConst(b, mx), myV = indexConst(b, my);
  Value y0 = emptyLike(b, op.getY().getType(), {batch});
  bool keepRight = !op.getLastRight().use_empty(),
       keepDown = !op.getLastDown().use_empty();
  Value right0 = emptyLike(b, op.getLastRight().getType(), {batch});
  Value down0 = emptyLike(b, op.getLastDown().getType(), {batch});

  // Every J = 1, the read-out fused: the orientations as one scf.forall
  // (the GPU pipeline's form, parallel-orientations), each orientation
  // into a partial output [MX, MY, DV, JO] of its own, zeroed node by node
  // (the first one also adds the direct term); the partials summed into
  // y[bi]. The carried states start in, and are updated in, the
  // orientation's slots of the last-state outputs, as below.
  auto lowerOrientationsInParallel = [&](ImplicitLocOpBuilder &b, Value bi,
                                         Value out, Value right,
                                         Value down) -> SmallVector<Value> {
    int64_t numO = static_cast<int64_t>(orientations.size());
    auto rightType = cast<RankedTensorType>(op.getLastRight().getType());
    auto downType = cast<RankedTensorType>(op.getLastDown().getType());
    Value parts0 =
        tensor::EmptyOp::create(b, ArrayRef<int64_t>{numO, mx, my, dv, jo}, et);
    SmallVector<Value> inits = {parts0};
    if (keepRight)
      inits.push_back(right);
    if (keepDown)
      inits.push_back(down);
    scf::ForallOp forall = parallelLoop(
        b, indexConst(b, 0), indexConst(b, numO), inits,
        [&](ImplicitLocOpBuilder &b, Value oIndex, ValueRange shared) {
          // The orientation's code and flips.
          Value code = indexConst(b, orientations.back());
          for (int64_t i = numO - 2; i >= 0; --i)
            code = arith::SelectOp::create(
                b,
                arith::CmpIOp::create(b, arith::CmpIPredicate::eq, oIndex,
                                      indexConst(b, i)),
                indexConst(b, orientations[i]), code);
          auto bit = [&](int64_t mask) {
            return arith::CmpIOp::create(
                b, arith::CmpIPredicate::ne,
                arith::AndIOp::create(b, code, indexConst(b, mask)),
                indexConst(b, 0));
          };
          Value flipX = bit(1), flipY = bit(2);
          Value first = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                              oIndex, indexConst(b, 0));
          auto slot = [&](Value init, ValueRange initLead, Value kept,
                          RankedTensorType type, size_t lead) -> Value {
            Value s = kept ? kept
                           : tensor::EmptyOp::create(
                                 b, type.getShape().drop_front(lead), et);
            if (init)
              return linalg::CopyOp::create(b, sliceAt(b, init, initLead), s)
                  .getResult(0);
            return zeroFill(b, s);
          };
          Value rightSlab =
              keepRight ? sliceAt(b, shared[1], {bi, oIndex}) : Value();
          Value downSlab =
              keepDown ? sliceAt(b, shared.back(), {bi, oIndex}) : Value();
          Value rows0 =
              slot(op.getInitLeft(), {bi, oIndex}, rightSlab, rightType, 2);
          // The orientation's partial, written in place (a slice of the
          // shared output).
          Value part0 = sliceAt(b, shared[0], {oIndex});
          SmallVector<Value> xInits = {rows0, part0};
          if (keepDown)
            xInits.push_back(downSlab);
          scf::ForOp xLoop = buildLoop(
              b, mxV, xInits,
              [&](ImplicitLocOpBuilder &b, Value xp, ValueRange xArgs) {
                Value x = flipIf(b, xp, mx, flipX);
                Value downState0 =
                    slot(op.getInitTop(), {bi, oIndex, x},
                         keepDown ? sliceAt(b, xArgs[2], {x}) : Value(),
                         downType, 3);
                scf::ForOp yLoop = buildLoop(
                    b, myV, {downState0, xArgs[0], xArgs[1]},
                    [&](ImplicitLocOpBuilder &b, Value yp, ValueRange it) {
                      Value cd = it[0], rows = it[1], part = it[2];
                      Value y = flipIf(b, yp, my, flipY);
                      Value cr = sliceAt(b, rows, {y});
                      Value q = scaleTensor(
                          b, sliceAt(b, op.getQ(), {bi, x, y}), scale);
                      Value k = sliceAt(b, op.getK(), {bi, x, y});
                      Value v = sliceAt(b, op.getV(), {bi, x, y});
                      SmallVector<Value> at = {bi, oIndex, x, y};
                      SmallVector<StateUpdate> updates =
                          nodeUpdatesJ1(b, op, at);
                      Value yt = zeroFill(b, sliceAt(b, part, {x, y}));
                      Value direct = scalarAt(b, op.getDirect(), {bi, x, y});
                      if (direct)
                        direct = arith::SelectOp::create(
                            b, first, direct, floatConst(b, et, 0.0));
                      ReadoutJ1 readout{q,
                                        {scalarAt(b, op.getMarkL(), at),
                                         scalarAt(b, op.getMarkU(), at)},
                                        yt,
                                        direct};
                      SmallVector<Value> next = updateStatesJ1(
                          b, {cr, cd}, k, v, updates, {cr, cd}, &readout);
                      return SmallVector<Value>{
                          next[1], insertAt(b, next[0], rows, {y}),
                          insertAt(b, next[2], part, {x, y})};
                    });
                SmallVector<Value> results = {yLoop.getResult(1),
                                              yLoop.getResult(2)};
                if (keepDown)
                  results.push_back(
                      insertAt(b, yLoop.getResult(0), xArgs[2], {x}));
                return results;
              });
          SmallVector<Value> results = {
              insertAt(b, xLoop.getResult(1), shared[0], {oIndex})};
          if (keepRight)
            results.push_back(
                insertAt(b, xLoop.getResult(0), shared[1], {bi, oIndex}));
          if (keepDown)
            results.push_back(insertAt(b, xLoop.getResults().back(),
                                       shared.back(), {bi, oIndex}));
          return results;
        });
    // y[bi] = Σ_o partial[o].
    MLIRContext *ctx = b.getContext();
    AffineMap all = AffineMap::getMultiDimIdentityMap(5, ctx);
    AffineMap dropO =
        AffineMap::get(5, 0,
                       {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx),
                        getAffineDimExpr(3, ctx), getAffineDimExpr(4, ctx)},
                       ctx);
    Value sum0 = zeroTensor(b, {mx, my, dv, jo}, et);
    auto sum = linalg::GenericOp::create(
        b, b.getLoc(), TypeRange{sum0.getType()},
        ValueRange{forall.getResult(0)}, ValueRange{sum0},
        ArrayRef<AffineMap>{all, dropO},
        SmallVector<utils::IteratorType>{
            utils::IteratorType::reduction, utils::IteratorType::parallel,
            utils::IteratorType::parallel, utils::IteratorType::parallel,
            utils::IteratorType::parallel},
        [&](OpBuilder &nested, Location loc, ValueRange args) {
          linalg::YieldOp::create(
              nested, loc,
              ValueRange{arith::AddFOp::create(nested, loc, args[1], args[0])});
        });
    SmallVector<Value> results = {insertAt(b, sum.getResult(0), out, {bi}),
                                  right, down};
    if (keepRight)
      results[1] = forall.getResult(1);
    if (keepDown)
      results[2] = forall.getResults().back();
    return results;
  };

  scf::ForOp batchLoop = buildLoop(
      b, batch, {y0, right0, down0},
      [&](ImplicitLocOpBuilder &b, Value bi, ValueRange args) {
        // The direct term, once for all orientations (SPEC A5); it also
        // initializes every output node. With the fused read-out the first
        // orientation's pass adds it instead, into a zeroed output node.
        Value out = args[0], right = args[1], down = args[2];
        if (!fuseReadout) {
          scf::ForOp directX = buildLoop(
              b, mxV, {args[0]},
              [&](ImplicitLocOpBuilder &b, Value x, ValueRange xArgs) {
                scf::ForOp directY = buildLoop(
                    b, myV, {xArgs[0]},
                    [&](ImplicitLocOpBuilder &b, Value y, ValueRange yArgs) {
                      Value q = scaleTensor(
                          b, sliceAt(b, op.getQ(), {bi, x, y}), scale);
                      Value k = sliceAt(b, op.getK(), {bi, x, y});
                      Value v = sliceAt(b, op.getV(), {bi, x, y});
                      Value direct = sliceAt(b, op.getDirect(), {bi, x, y});
                      Value yt = zeroTensor(b, {dv, jo}, et);
                      yt = addDirectTerm(b, yt, q, direct, k, v);
                      return SmallVector<Value>{
                          insertAt(b, yt, yArgs[0], {bi, x, y})};
                    });
                return SmallVector<Value>{directY.getResult(0)};
              });
          out = directX.getResult(0);
        }

        if (parallelOrientations && scalarJ && fuseReadout &&
            orientations.size() > 1)
          return lowerOrientationsInParallel(b, bi, out, right, down);
        for (auto [oi, o] : llvm::enumerate(orientations)) {
          bool flipX = o & 1, flipY = o & 2;
          Value oIndex = indexConst(b, oi);
          // The carried states start in their slot of the last-state
          // output (the initial states copied there, or zeros) and are
          // updated in place: the last states need no copy at the end.
          // Last states nobody reads (a vision layer's) are carried in
          // scratch tensors instead: one column per batch entry and
          // orientation that stays in cache, not a fresh slot of a
          // batch-sized output per entry.
          auto startIn = [&](ImplicitLocOpBuilder &b, Value init, Value dest,
                             ValueRange lead, bool keep) -> Value {
            Value slot;
            if (keep) {
              slot = sliceAt(b, dest, lead);
            } else {
              auto type = cast<RankedTensorType>(dest.getType());
              slot = tensor::EmptyOp::create(
                  b, type.getShape().drop_front(lead.size()), et);
            }
            if (init)
              return linalg::CopyOp::create(b, sliceAt(b, init, lead), slot)
                  .getResult(0);
            return zeroFill(b, slot);
          };
          // Right-going states of the current column, indexed by original y.
          Value rows0 =
              startIn(b, op.getInitLeft(), right, {bi, oIndex}, keepRight);
          scf::ForOp xLoop = buildLoop(
              b, mxV, {rows0, out, down},
              [&](ImplicitLocOpBuilder &b, Value xp, ValueRange xArgs) {
                Value x = maybeFlip(b, xp, mx, flipX);
                Value downState0 = startIn(b, op.getInitTop(), xArgs[2],
                                           {bi, oIndex, x}, keepDown);
                scf::ForOp yLoop = buildLoop(
                    b, myV, {downState0, xArgs[0], xArgs[1]},
                    [&](ImplicitLocOpBuilder &b, Value yp, ValueRange it) {
                      Value cd = it[0], rows = it[1], outY = it[2];
                      Value y = maybeFlip(b, yp, my, flipY);
                      Value cr = sliceAt(b, rows, {y});
                      Value q = scaleTensor(
                          b, sliceAt(b, op.getQ(), {bi, x, y}), scale);
                      Value k = sliceAt(b, op.getK(), {bi, x, y});
                      Value v = sliceAt(b, op.getV(), {bi, x, y});
                      SmallVector<Value> at = {bi, oIndex, x, y};
                      auto gate = [&](Value g) { return sliceAt(b, g, at); };
                      // y += s·(q⋅M_l⋅C^r(x-1,y) + q⋅M_u⋅C^d(x,y-1))
                      Value yt = sliceAt(b, outY, {bi, x, y});
                      if (!fuseReadout) {
                        yt = addMarkReadout(b, yt, q, gate(op.getMarkL()), cr);
                        yt = addMarkReadout(b, yt, q, gate(op.getMarkU()), cd);
                      }
                      if (scalarJ) {
                        // One pass over the states: C^r, C^d written in
                        // place of the incoming ones; the read-out of the
                        // incoming ones in the same pass where every J is 1.
                        SmallVector<StateUpdate> updates =
                            nodeUpdatesJ1(b, op, at);
                        if (fuseReadout) {
                          // The first orientation also adds the direct
                          // term, into the zeroed output node.
                          Value direct;
                          if (oi == 0) {
                            yt = zeroFill(b, yt);
                            direct = scalarAt(b, op.getDirect(), {bi, x, y});
                          }
                          ReadoutJ1 readout{q,
                                            {scalarAt(b, op.getMarkL(), at),
                                             scalarAt(b, op.getMarkU(), at)},
                                            yt,
                                            direct};
                          SmallVector<Value> next = updateStatesJ1(
                              b, {cr, cd}, k, v, updates, {cr, cd}, &readout);
                          return SmallVector<Value>{
                              next[1], insertAt(b, next[0], rows, {y}),
                              insertAt(b, next[2], outY, {bi, x, y})};
                        }
                        SmallVector<Value> next = updateStatesJ1(
                            b, {cr, cd}, k, v, updates, {cr, cd});
                        return SmallVector<Value>{
                            next[1], insertAt(b, next[0], rows, {y}),
                            insertAt(b, yt, outY, {bi, x, y})};
                      }
                      // An outgoing state: straight transition, optional
                      // turn, source.
                      auto outgoing = [&](Value straight, Value straightIn,
                                          Value turn, Value turnIn,
                                          Value source) {
                        Value c = zeroTensor(b, {dk, dv, jt}, et);
                        c = addTransition(b, c, gate(straight), straightIn);
                        if (turn)
                          c = addTransition(b, c, gate(turn), turnIn);
                        return addSourceTerm(b, c, gate(source), k, v);
                      };
                      // C^r = T_rl·C^r + T_ru·C^d + S_r⋆kv
                      Value nr = outgoing(op.getTRl(), cr, op.getTRu(), cd,
                                          op.getSourceR());
                      // C^d = T_du·C^d + T_dl·C^r + S_d⋆kv
                      Value nd = outgoing(op.getTDu(), cd, op.getTDl(), cr,
                                          op.getSourceD());
                      return SmallVector<Value>{
                          nd, insertAt(b, nr, rows, {y}),
                          insertAt(b, yt, outY, {bi, x, y})};
                    });
                Value lastDown = keepDown ? insertAt(b, yLoop.getResult(0),
                                                     xArgs[2], {bi, oIndex, x})
                                          : xArgs[2];
                return SmallVector<Value>{yLoop.getResult(1),
                                          yLoop.getResult(2), lastDown};
              });
          if (keepRight)
            right = insertAt(b, xLoop.getResult(0), right, {bi, oIndex});
          out = xLoop.getResult(1);
          down = xLoop.getResult(2);
        }
        return SmallVector<Value>{out, right, down};
      });
  op.getY().replaceAllUsesWith(batchLoop.getResult(0));
  op.getLastRight().replaceAllUsesWith(batchLoop.getResult(1));
  op.getLastDown().replaceAllUsesWith(batchLoop.getResult(2));
  op.erase();
}

//===----------------------------------------------------------------------===//
// scan_dag (SPEC §1, §4)
//===----------------------------------------------------------------------===//

/// The new state of a DAG edge and its read-out in one pass (every J = 1):
/// `C = S·(k ⊗ v) + Σ_i T_i·prevs[i]` written into `init` (not read) and
/// `acc[v] += Σ_d (q[d]·m)·C[d,v]`, one row-reduced linalg.generic over
/// (DK, DV, 1) whose read-out plstm-cpu-microkernels keeps in registers.
/// The scalars: `source`, `coefs` (one per incoming state), `mark` (with
/// the qk scale folded in: `q` is the unscaled query).
/// Returns {C, acc}.
std::pair<Value, Value> edgeStepJ1(ImplicitLocOpBuilder &b, ValueRange prevs,
                                   ArrayRef<Value> coefs, Value source, Value k,
                                   Value v, Value init, Value q, Value mark,
                                   Value acc) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
             u = getAffineDimExpr(2, ctx);
  AffineMap id = AffineMap::getMultiDimIdentityMap(3, ctx);
  AffineMap rowMap = AffineMap::get(3, 0, {d, u}, ctx);
  AffineMap colMap = AffineMap::get(3, 0, {n, u}, ctx);
  SmallVector<Value> inputs(prevs.begin(), prevs.end());
  SmallVector<AffineMap> maps(prevs.size(), id);
  inputs.append({k, v, q});
  maps.append({rowMap, colMap, rowMap});
  maps.append({id, colMap});
  auto generic = linalg::GenericOp::create(
      b, b.getLoc(), TypeRange{init.getType(), acc.getType()}, inputs,
      ValueRange{init, acc}, maps,
      SmallVector<utils::IteratorType>{utils::IteratorType::reduction,
                                       utils::IteratorType::parallel,
                                       utils::IteratorType::parallel},
      [&](OpBuilder &nested, Location loc, ValueRange args) {
        auto contract = arith::FastMathFlags::contract;
        size_t np = prevs.size();
        Value kd = args[np], vv = args[np + 1], qd = args[np + 2];
        Value sum = arith::MulFOp::create(
            nested, loc,
            arith::MulFOp::create(nested, loc, source, kd, contract), vv,
            contract);
        for (size_t i = 0; i < np; ++i)
          sum = arith::AddFOp::create(
              nested, loc, sum,
              arith::MulFOp::create(nested, loc, coefs[i], args[i], contract),
              contract);
        Value read = arith::AddFOp::create(
            nested, loc, args.back(),
            arith::MulFOp::create(
                nested, loc,
                arith::MulFOp::create(nested, loc, qd, mark, contract), sum,
                contract),
            contract);
        linalg::YieldOp::create(nested, loc, ValueRange{sum, read});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

/// The most incoming states an edge's fused pass takes (one case each).
constexpr int64_t kFusedIncoming = 8;

void lowerScanDag(ScanDagOp op, bool fuseDagEdges) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  Type et = cast<RankedTensorType>(op.getQ().getType()).getElementType();
  int64_t dk = dimOf(op.getQ(), 2), dv = dimOf(op.getV(), 2);
  int64_t jt = dimOf(op.getTransition(), 2);
  Value scale = floatConst(b, et, op.getEffectiveQkScale());
  Value batch = tensor::DimOp::create(b, op.getQ(), 0);
  Value numNodes = tensor::DimOp::create(b, op.getQ(), 1);
  Value numEdges = tensor::DimOp::create(b, op.getEdges(), 0);
  Value numLines = tensor::DimOp::create(b, op.getLineEdges(), 0);

  // Graph preparation, shared by the batch.
  auto [inPtr, inList] =
      buildLineEdgeRows(b, op.getLineEdges(), numEdges, numLines, 1);
  auto [outPtr, outList] =
      buildLineEdgeRows(b, op.getLineEdges(), numEdges, numLines, 0);
  Value order =
      buildEdgeOrder(b, op.getLineEdges(), numEdges, numLines, outPtr, outList);
  // States live in slots reused after their last read.
  auto [slots, numSlots] = buildEdgeSlots(b, op.getLineEdges(), numEdges,
                                          numLines, order, inPtr, inList);

  Value y0 = emptyLike(b, op.getY().getType(), {batch, numNodes});
  // Every J = 1: an edge's state and read-out in one pass (edgeStepJ1).
  bool fuseEdges = fuseDagEdges &&
                   isScalarJ(op.getTransition(), op.getK(), op.getV()) &&
                   canFuseReadoutJ1(op.getQ(), {op.getMark()});
  auto statesType =
      RankedTensorType::get({ShapedType::kDynamic, dk, dv, jt}, et);
  scf::ForOp batchLoop = buildLoop(
      b, batch, {y0}, [&](ImplicitLocOpBuilder &b, Value bi, ValueRange args) {
        // Direct term: initializes every node's output.
        Value direct = initDagOutputs(b, op, bi, args[0], scale);
        // The fused form keeps the states in a buffer outside one-shot
        // bufferization's analysis: an edge's pass reads its inputs' slots
        // (`to_tensor restrict`) and writes its own slot in place, which
        // the analysis could not tell apart in one tensor (the slots are
        // disjoint by construction, buildEdgeSlots). The separate passes
        // carry the states as a tensor.
        Value statesBuf, states0;
        if (fuseEdges)
          statesBuf = memref::AllocOp::create(
              b, MemRefType::get(statesType.getShape(), et),
              ValueRange{numSlots});
        else
          states0 = tensor::EmptyOp::create(b, statesType.getShape(), et,
                                            ValueRange{numSlots});
        SmallVector<Value> inits;
        if (!fuseEdges)
          inits.push_back(states0);
        inits.push_back(direct);
        scf::ForOp edgeLoop = buildLoop(
            b, numEdges, inits,
            [&](ImplicitLocOpBuilder &b, Value i, ValueRange it) {
              Value yAll = it.back();
              auto slotView = [&](ImplicitLocOpBuilder &b, Value slot) {
                SmallVector<OpFoldResult> offsets{slot, b.getIndexAttr(0),
                                                  b.getIndexAttr(0),
                                                  b.getIndexAttr(0)};
                SmallVector<OpFoldResult> sizes{
                    b.getIndexAttr(1), b.getIndexAttr(dk), b.getIndexAttr(dv),
                    b.getIndexAttr(jt)};
                SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
                auto type = memref::SubViewOp::inferRankReducedResultType(
                    {dk, dv, jt}, cast<MemRefType>(statesBuf.getType()),
                    offsets, sizes, strides);
                return memref::SubViewOp::create(b, type, statesBuf, offsets,
                                                 sizes, strides)
                    .getResult();
              };
              auto stateType = RankedTensorType::get({dk, dv, jt}, et);
              // The state of edge `from` (an input of this edge).
              auto readState = [&](ImplicitLocOpBuilder &b,
                                   Value from) -> Value {
                Value slot = loadAt(b, slots, from);
                if (!fuseEdges)
                  return sliceAt(b, it[0], {slot});
                return bufferization::ToTensorOp::create(
                    b, stateType, slotView(b, slot), /*restrict=*/true);
              };
              Value e = loadAt(b, order, i);
              Value tail = loadIndex(b, op.getEdges(), e, 0);
              Value head = loadIndex(b, op.getEdges(), e, 1);
              Value k = sliceAt(b, op.getK(), {bi, tail});
              Value v = sliceAt(b, op.getV(), {bi, tail});
              Value begin = loadAt(b, inPtr, e);
              Value end = loadAt(b, inPtr,
                                 arith::AddIOp::create(b, e, indexConst(b, 1)));
              Value qHead = sliceAt(b, op.getQ(), {bi, head});
              Value mark = sliceAt(b, op.getMark(), {bi, e});
              Value yt = sliceAt(b, yAll, {bi, head});
              // C_e = S_e⋆kv_tail + Σ_{l=(e',e)} T_l·C_{e'}, in separate
              // passes: the source term, one per incoming state, the
              // read-out y_head += s·q_head⋅M_e⋅C_e.
              auto separate = [&](ImplicitLocOpBuilder &b) {
                Value c;
                if (isScalarJ(op.getTransition(), k, v)) {
                  // J = 1: S_e·(k ⊗ v) in one pass, no zero fill first.
                  c = updateStatesJ1(
                      b, {}, k, v,
                      {StateUpdate{{}, scalarAt(b, op.getSource(), {bi, e})}},
                      {tensor::EmptyOp::create(b, {dk, dv, jt}, et)})[0];
                } else {
                  c = zeroTensor(b, {dk, dv, jt}, et);
                  c = addSourceTerm(b, c, sliceAt(b, op.getSource(), {bi, e}),
                                    k, v);
                }
                scf::ForOp incoming = forLoop(
                    b, begin, end, {c},
                    [&](ImplicitLocOpBuilder &b, Value p, ValueRange acc) {
                      Value l = loadAt(b, inList, p);
                      Value from = loadIndex(b, op.getLineEdges(), l, 0);
                      Value sum = addTransition(
                          b, acc[0], sliceAt(b, op.getTransition(), {bi, l}),
                          readState(b, from));
                      return SmallVector<Value>{sum};
                    });
                c = incoming.getResult(0);
                Value q = scaleTensor(b, qHead, scale);
                return SmallVector<Value>{c, addMarkReadout(b, yt, q, mark, c)};
              };
              if (fuseEdges) {
                // Every J = 1: edges with up to kFusedIncoming incoming
                // states in one pass (edgeStepJ1), one case per count;
                // more take the separate passes.
                // The new state goes to its slot: written in place by the
                // fused passes (their init is the slot), copied there by
                // the separate ones.
                Value dest = slotView(b, loadAt(b, slots, e));
                Value destT = bufferization::ToTensorOp::create(
                    b, stateType, dest, /*restrict=*/true, /*writable=*/true);
                auto store = [&](ImplicitLocOpBuilder &b, Value c) {
                  bufferization::MaterializeInDestinationOp::create(
                      b, TypeRange{}, c, dest, /*restrict=*/true,
                      /*writable=*/true);
                };
                Value count = arith::SubIOp::create(b, end, begin);
                SmallVector<int64_t> cases;
                for (int64_t c = 0; c <= kFusedIncoming; ++c)
                  cases.push_back(c);
                auto sw = scf::IndexSwitchOp::create(
                    b, TypeRange{yt.getType()}, count, cases, cases.size());
                auto fill =
                    [&](Region &region,
                        function_ref<SmallVector<Value>(ImplicitLocOpBuilder &)>
                            body) {
                      OpBuilder::InsertionGuard guard(b);
                      b.setInsertionPointToStart(&region.emplaceBlock());
                      scf::YieldOp::create(b, body(b));
                    };
                for (auto [ci, region] : llvm::enumerate(sw.getCaseRegions()))
                  fill(region, [&, ci = static_cast<int64_t>(ci)](
                                   ImplicitLocOpBuilder &b) {
                    SmallVector<Value> prevs, coefs;
                    for (int64_t p = 0; p < ci; ++p) {
                      Value l = loadAt(
                          b, inList,
                          arith::AddIOp::create(b, begin, indexConst(b, p)));
                      Value from = loadIndex(b, op.getLineEdges(), l, 0);
                      prevs.push_back(readState(b, from));
                      coefs.push_back(scalarAt(b, op.getTransition(), {bi, l}));
                    }
                    auto [c, y] = edgeStepJ1(
                        b, prevs, coefs, scalarAt(b, op.getSource(), {bi, e}),
                        k, v, destT, qHead,
                        arith::MulFOp::create(
                            b, scalarAt(b, op.getMark(), {bi, e}), scale),
                        yt);
                    store(b, c);
                    return SmallVector<Value>{y};
                  });
                fill(sw.getDefaultRegion(), [&](ImplicitLocOpBuilder &b) {
                  SmallVector<Value> r = separate(b);
                  store(b, r[0]);
                  return SmallVector<Value>{r[1]};
                });
                return SmallVector<Value>{
                    insertAt(b, sw.getResult(0), yAll, {bi, head})};
              }
              SmallVector<Value> next = separate(b);
              return SmallVector<Value>{
                  insertAt(b, next[0], it[0], {loadAt(b, slots, e)}),
                  insertAt(b, next[1], yAll, {bi, head})};
            });
        return SmallVector<Value>{edgeLoop.getResults().back()};
      });
  op.getY().replaceAllUsesWith(batchLoop.getResult(0));
  op.erase();
}

struct LowerSequentialPass
    : public plstm::impl::PLSTMLowerSequentialBase<LowerSequentialPass> {
  using Base::Base;
  void runOnOperation() override {
    for (Operation *op :
         scansWithSchedule(getOperation(), ScheduleKind::Sequential)) {
      if (auto scan = dyn_cast<Scan1DOp>(op))
        lowerScan1D(scan);
      else if (auto scan = dyn_cast<Scan2DOp>(op))
        lowerScan2D(scan, parallelOrientations);
      else if (auto scan = dyn_cast<ScanDagOp>(op))
        lowerScanDag(scan, fuseDagEdges);
    }
  }
};

} // namespace

//===- DagBlocks.cpp - the level-block schedules of scan_dag --------------===//
//
// See DagBlocks.h.
//
//===----------------------------------------------------------------------===//

#include "passes/DagBlocks.h"
#include "passes/DagGraph.h"
#include "passes/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace mlir::plstm;

namespace {

int64_t dimOf(Value v, int64_t d) {
  return cast<RankedTensorType>(v.getType()).getDimSize(d);
}

scf::ForOp loopTo(ImplicitLocOpBuilder &b, Value upper, ValueRange inits,
                  LoopBody body) {
  return forLoop(b, indexConst(b, 0), upper, inits, body);
}

Value add(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::AddIOp::create(b, x, y);
}

/// A zero tensor [n, rest...] with a dynamic leading `n` (`square`: [n, n,
/// rest...]).
Value zeroRows(ImplicitLocOpBuilder &b, Value n, ArrayRef<int64_t> rest,
               Type et, bool square) {
  SmallVector<int64_t> shape = {ShapedType::kDynamic};
  SmallVector<Value> sizes = {n};
  if (square) {
    shape.push_back(ShapedType::kDynamic);
    sizes.push_back(n);
  }
  llvm::append_range(shape, rest);
  Value empty = tensor::EmptyOp::create(b, shape, et, sizes);
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(et));
  return linalg::FillOp::create(b, ValueRange{zero}, ValueRange{empty})
      .getResult(0);
}

/// The identity [n, n, JT, JT].
Value identityBlock(ImplicitLocOpBuilder &b, Value n, int64_t jt, Type et) {
  Value init = zeroRows(b, n, {jt, jt}, et, /*square=*/true);
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, b.getLoc(), TypeRange{init.getType()}, ValueRange{},
             ValueRange{init}, ArrayRef<AffineMap>{id}, iterators,
             [&](OpBuilder &nested, Location loc, ValueRange args) {
               ImplicitLocOpBuilder ib(loc, nested);
               Value i = linalg::IndexOp::create(ib, 0),
                     j = linalg::IndexOp::create(ib, 1),
                     u = linalg::IndexOp::create(ib, 2),
                     w = linalg::IndexOp::create(ib, 3);
               Value diag = arith::AndIOp::create(
                   ib,
                   arith::CmpIOp::create(ib, arith::CmpIPredicate::eq, i, j),
                   arith::CmpIOp::create(ib, arith::CmpIPredicate::eq, u, w));
               Value one = arith::ConstantOp::create(ib, ib.getOneAttr(et));
               linalg::YieldOp::create(
                   ib,
                   arith::SelectOp::create(ib, diag, one, args[0]).getResult());
             })
      .getResult(0);
}

} // namespace

void plstm::lowerScanDagBlocked(ScanDagOp op, int64_t levelsPerBlock) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  Type et = cast<RankedTensorType>(op.getQ().getType()).getElementType();
  int64_t dk = dimOf(op.getQ(), 2), dv = dimOf(op.getV(), 2);
  int64_t jo = dimOf(op.getMark(), 2);
  int64_t jt = dimOf(op.getTransition(), 2);
  Value scale = arith::ConstantOp::create(
      b, b.getFloatAttr(et, op.getEffectiveQkScale()));
  Value zero = indexConst(b, 0), one = indexConst(b, 1);
  Value batch = tensor::DimOp::create(b, op.getQ(), 0);
  Value numNodes = tensor::DimOp::create(b, op.getQ(), 1);
  Value numEdges = tensor::DimOp::create(b, op.getEdges(), 0);
  Value numLines = tensor::DimOp::create(b, op.getLineEdges(), 0);
  Value lines = op.getLineEdges();

  // Graph preparation, shared by the batch: rows, a topological order, the
  // level of every edge (longest line-graph path from a source edge), the
  // edges sorted by level (counting sort) and each edge's sorted position.
  auto [inPtr, inList] = buildLineEdgeRows(b, lines, numEdges, numLines, 1);
  auto [outPtr, outList] = buildLineEdgeRows(b, lines, numEdges, numLines, 0);
  Value order = buildEdgeOrder(b, lines, numEdges, numLines, outPtr, outList);
  scf::ForOp levelLoop = loopTo(
      b, numEdges, {zeroIndexVector(b, numEdges), zero},
      [&](ImplicitLocOpBuilder &b, Value i, ValueRange it) {
        Value e = loadAt(b, order, i);
        scf::ForOp in = forLoop(
            b, loadAt(b, inPtr, e), loadAt(b, inPtr, add(b, e, one)), {zero},
            [&](ImplicitLocOpBuilder &b, Value p, ValueRange acc) {
              Value from = loadIndex(b, lines, loadAt(b, inList, p), 0);
              Value level = add(b, loadAt(b, it[0], from), indexConst(b, 1));
              return SmallVector<Value>{
                  arith::MaxUIOp::create(b, acc[0], level)};
            });
        Value level = in.getResult(0);
        Value count = arith::MaxUIOp::create(b, it[1], add(b, level, one));
        return SmallVector<Value>{storeAt(b, level, it[0], e), count};
      });
  Value levelOf = levelLoop.getResult(0), numLevels = levelLoop.getResult(1);
  Value numEdgesPlusOne = add(b, numEdges, one);
  scf::ForOp counts =
      loopTo(b, numEdges, {zeroIndexVector(b, numEdgesPlusOne)},
             [&](ImplicitLocOpBuilder &b, Value e, ValueRange it) {
               Value slot = add(b, loadAt(b, levelOf, e), one);
               return SmallVector<Value>{storeAt(
                   b, add(b, loadAt(b, it[0], slot), one), it[0], slot)};
             });
  scf::ForOp prefix =
      forLoop(b, one, numEdgesPlusOne, {counts.getResult(0)},
              [&](ImplicitLocOpBuilder &b, Value l, ValueRange it) {
                Value sum =
                    add(b, loadAt(b, it[0], arith::SubIOp::create(b, l, one)),
                        loadAt(b, it[0], l));
                return SmallVector<Value>{storeAt(b, sum, it[0], l)};
              });
  Value levelPtr = prefix.getResult(0);
  scf::ForOp sorting = loopTo(
      b, numEdges,
      {levelPtr, zeroIndexVector(b, numEdges), zeroIndexVector(b, numEdges)},
      [&](ImplicitLocOpBuilder &b, Value e, ValueRange it) {
        Value level = loadAt(b, levelOf, e);
        Value pos = loadAt(b, it[0], level);
        return SmallVector<Value>{storeAt(b, add(b, pos, one), it[0], level),
                                  storeAt(b, e, it[1], pos),
                                  storeAt(b, pos, it[2], e)};
      });
  Value sorted = sorting.getResult(1), posOf = sorting.getResult(2);
  // Blocks of `levelsPerBlock` consecutive levels (all levels: one block).
  Value perBlock =
      levelsPerBlock > 0
          ? indexConst(b, levelsPerBlock)
          : Value(arith::MaxUIOp::create(b, numLevels, one).getResult());
  Value numBlocks = arith::CeilDivUIOp::create(b, numLevels, perBlock);

  Value y0 = emptyLike(b, op.getY().getType(), {batch, numNodes});
  auto statesType =
      RankedTensorType::get({ShapedType::kDynamic, dk, dv, jt}, et);
  scf::ForOp batchLoop = loopTo(
      b, batch, {y0}, [&](ImplicitLocOpBuilder &b, Value bi, ValueRange args) {
        auto scaledQ = [&](ImplicitLocOpBuilder &b, Value n) {
          return scaleTensor(b, sliceAt(b, op.getQ(), {bi, n}), scale);
        };
        // Direct term: initializes every node's output.
        Value direct = initDagOutputs(b, op, bi, args[0], scale);
        Value states0 = tensor::EmptyOp::create(b, statesType.getShape(), et,
                                                ValueRange{numEdges});
        scf::ForOp blocks = loopTo(
            b, numBlocks, {states0, direct},
            [&](ImplicitLocOpBuilder &b, Value blk, ValueRange it) {
              Value l0 = arith::MulIOp::create(b, blk, perBlock);
              Value l1 =
                  arith::MinUIOp::create(b, add(b, l0, perBlock), numLevels);
              Value start = loadAt(b, levelPtr, l0);
              Value end = loadAt(b, levelPtr, l1);
              Value n = arith::SubIOp::create(b, end, start);
              // The rows of the block's per-edge buffers: n <= E, so the
              // min changes nothing; it gives the GPU mapping a bound its
              // host knows (the buffers are then slices of the launch
              // scratch, not device mallocs a level).
              Value rows = arith::MinUIOp::create(b, n, numEdges);
              Value span = arith::SubIOp::create(b, l1, l0);
              // A [n, n, JT, JT]: transitions between edges of the block;
              // X [n, DK, DV, JT]: sources plus the states flowing in from
              // earlier blocks (final already). Edge i writes row i of both:
              // the edges of a block are gathered in parallel. One level per
              // block: no line edge joins two edges of one level, so there
              // is no A.
              bool withA = levelsPerBlock != 1;
              SmallVector<Value> gatherInits = {
                  zeroRows(b, rows, {dk, dv, jt}, et, false)};
              if (withA)
                gatherInits.push_back(zeroRows(b, n, {jt, jt}, et, true));
              scf::ForallOp gather = parallelLoop(
                  b, zero, n, gatherInits,
                  [&](ImplicitLocOpBuilder &b, Value i, ValueRange g) {
                    Value e = loadAt(b, sorted, add(b, start, i));
                    Value tail = loadIndex(b, op.getEdges(), e, 0);
                    Value x = zeroTensor(b, {dk, dv, jt}, et);
                    x = addSourceTerm(b, x, sliceAt(b, op.getSource(), {bi, e}),
                                      sliceAt(b, op.getK(), {bi, tail}),
                                      sliceAt(b, op.getV(), {bi, tail}));
                    // Row i of A: [n, JT, JT].
                    SmallVector<Value> inits = {x};
                    if (withA)
                      inits.push_back(zeroRows(b, n, {jt, jt}, et, false));
                    scf::ForOp in = forLoop(
                        b, loadAt(b, inPtr, e),
                        loadAt(b, inPtr, add(b, e, one)), inits,
                        [&](ImplicitLocOpBuilder &b, Value p, ValueRange acc) {
                          Value l = loadAt(b, inList, p);
                          Value from = loadIndex(b, lines, l, 0);
                          Value t = sliceAt(b, op.getTransition(), {bi, l});
                          Value pos = loadAt(b, posOf, from);
                          Value inside = arith::CmpIOp::create(
                              b, arith::CmpIPredicate::uge, pos, start);
                          auto branch = scf::IfOp::create(
                              b, inside,
                              [&](OpBuilder &nested, Location loc) {
                                ImplicitLocOpBuilder ib(loc, nested);
                                SmallVector<Value> next(acc);
                                if (withA) {
                                  Value j =
                                      arith::SubIOp::create(ib, pos, start);
                                  Value old = sliceAt(ib, acc[1], {j});
                                  next[1] = insertAt(
                                      ib, einsum(ib, {{t, "uw"}}, old, "uw"),
                                      acc[1], {j});
                                }
                                scf::YieldOp::create(ib, next);
                              },
                              [&](OpBuilder &nested, Location loc) {
                                ImplicitLocOpBuilder ib(loc, nested);
                                SmallVector<Value> next(acc);
                                next[0] = addTransition(
                                    ib, acc[0], t, sliceAt(ib, it[0], {from}));
                                scf::YieldOp::create(ib, next);
                              });
                          return SmallVector<Value>(branch.getResults());
                        });
                    SmallVector<Value> filled = {
                        insertAt(b, in.getResult(0), g[0], {i})};
                    if (withA) {
                      // Row i of A: [n, JT, JT] into [n, n, JT, JT] at i.
                      SmallVector<OpFoldResult> offsets = {
                          i, b.getIndexAttr(0), b.getIndexAttr(0),
                          b.getIndexAttr(0)};
                      SmallVector<OpFoldResult> sizes = {
                          b.getIndexAttr(1), n, b.getIndexAttr(jt),
                          b.getIndexAttr(jt)};
                      filled.push_back(tensor::InsertSliceOp::create(
                          b, in.getResult(1), g[1], offsets, sizes,
                          SmallVector<OpFoldResult>(4, b.getIndexAttr(1))));
                    }
                    return filled;
                  });
              Value x = gather.getResult(0);
              Value a = withA ? gather.getResult(1) : Value();
              // One level per block: C = X (the wavefront schedule).
              Value c = x;
              if (withA) {
                // Path sums R = Σ_{i < 2^k} A^i by repeated squaring, until
                // 2^k >= span (paths inside a block have fewer than span
                // steps): R ← R + B·R, B ← B·B, from R = I, B = A.
                auto squaring = whileBelow(
                    b, span, ValueRange{one, identityBlock(b, n, jt, et), a},
                    [&](ImplicitLocOpBuilder &ib, ValueRange after) {
                      Value r =
                          einsum(ib, {{after[2], "ikIK"}, {after[1], "kjKJ"}},
                                 after[1], "ijIJ");
                      Value doubled = add(ib, after[0], after[0]);
                      // B² only when another stage follows.
                      Value again = arith::CmpIOp::create(
                          ib, arith::CmpIPredicate::ult, doubled, span);
                      auto square = scf::IfOp::create(
                          ib, again,
                          [&](OpBuilder &nested, Location loc) {
                            ImplicitLocOpBuilder sb(loc, nested);
                            Value sq = einsum(
                                sb, {{after[2], "ikIK"}, {after[2], "kjKJ"}},
                                zeroRows(sb, n, {jt, jt}, et, true), "ijIJ");
                            scf::YieldOp::create(sb, sq);
                          },
                          [&](OpBuilder &nested, Location loc) {
                            scf::YieldOp::create(nested, loc, after[2]);
                          });
                      return SmallVector<Value>{doubled, r,
                                                square.getResult(0)};
                    });
                c = einsum(b, {{squaring.getResult(1), "ijIJ"}, {x, "jdvJ"}},
                           zeroRows(b, rows, {dk, dv, jt}, et, false), "idvI");
              }
              // The block's states into the state table and their
              // read-outs q_head·M_e·C_e, edge by edge in parallel; then
              // the read-outs added into the heads' outputs in order (edges
              // share heads).
              Type readoutType = RankedTensorType::get(
                  {ShapedType::kDynamic, dv, jo}, et);
              scf::ForallOp readouts = parallelLoop(
                  b, zero, n,
                  {it[0], tensor::EmptyOp::create(
                              b, cast<RankedTensorType>(readoutType).getShape(),
                              et, ValueRange{rows})},
                  [&](ImplicitLocOpBuilder &b, Value i, ValueRange s) {
                    Value e = loadAt(b, sorted, add(b, start, i));
                    Value head = loadIndex(b, op.getEdges(), e, 1);
                    Value ce = sliceAt(b, c, {i});
                    Value r = addMarkReadout(
                        b, zeroTensor(b, {dv, jo}, et), scaledQ(b, head),
                        sliceAt(b, op.getMark(), {bi, e}), ce);
                    return SmallVector<Value>{insertAt(b, ce, s[0], {e}),
                                              insertAt(b, r, s[1], {i})};
                  });
              Value readout = readouts.getResult(1);
              scf::ForOp scatter = loopTo(
                  b, n, {it[1]},
                  [&](ImplicitLocOpBuilder &b, Value i, ValueRange s) {
                    Value e = loadAt(b, sorted, add(b, start, i));
                    Value head = loadIndex(b, op.getEdges(), e, 1);
                    Value yt = einsum(b, {{sliceAt(b, readout, {i}), "vo"}},
                                      sliceAt(b, s[0], {bi, head}), "vo");
                    return SmallVector<Value>{insertAt(b, yt, s[0], {bi, head})};
                  });
              return SmallVector<Value>{readouts.getResult(0),
                                        scatter.getResult(0)};
            });
        return SmallVector<Value>{blocks.getResult(1)};
      });
  op.getY().replaceAllUsesWith(batchLoop.getResult(0));
  op.erase();
}

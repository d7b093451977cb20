//===- DagGraph.cpp - graph preparation inside DAG kernels ----------------===//
//
// See DagGraph.h.
//
//===----------------------------------------------------------------------===//

#include "passes/DagGraph.h"
#include "passes/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::plstm;

/// scf.for from 0 to `upper`.
static scf::ForOp buildLoop(ImplicitLocOpBuilder &b, Value upper,
                            ValueRange inits, LoopBody body) {
  return forLoop(b, indexConst(b, 0), upper, inits, body);
}

/// `indexTensor[row, col]` as an index.
Value plstm::loadIndex(ImplicitLocOpBuilder &b, Value indexTensor, Value row,
                       int64_t col) {
  Value raw = tensor::ExtractOp::create(b, indexTensor,
                                        ValueRange{row, indexConst(b, col)});
  return arith::IndexCastOp::create(b, b.getIndexType(), raw);
}

Value plstm::loadAt(ImplicitLocOpBuilder &b, Value vector, Value i) {
  return tensor::ExtractOp::create(b, vector, ValueRange{i});
}
Value plstm::storeAt(ImplicitLocOpBuilder &b, Value value, Value vector,
                     Value i) {
  return tensor::InsertOp::create(b, value, vector, ValueRange{i});
}

/// A zero-filled tensor<?xindex> of `size` elements.
Value plstm::zeroIndexVector(ImplicitLocOpBuilder &b, Value size) {
  auto type = RankedTensorType::get({ShapedType::kDynamic}, b.getIndexType());
  Value empty = tensor::EmptyOp::create(b, type.getShape(), b.getIndexType(),
                                        ValueRange{size});
  return linalg::FillOp::create(b, ValueRange{indexConst(b, 0)},
                                ValueRange{empty})
      .getResult(0);
}

/// Compressed rows of the line edges grouped by their column `col` (0: the
/// incoming edge, 1: the outgoing edge): `ptr[e]..ptr[e+1]` indexes `list`,
/// which holds line-edge ids.
std::pair<Value, Value> plstm::buildLineEdgeRows(ImplicitLocOpBuilder &b,
                                                 Value lineEdges,
                                                 Value numEdges, Value numLines,
                                                 int64_t col) {
  Value one = indexConst(b, 1), zero = indexConst(b, 0);
  Value numEdgesPlusOne = arith::AddIOp::create(b, numEdges, one);
  // Counts at ptr[e + 1].
  scf::ForOp count =
      buildLoop(b, numLines, {zeroIndexVector(b, numEdgesPlusOne)},
                [&](ImplicitLocOpBuilder &b, Value l, ValueRange args) {
                  Value e = arith::AddIOp::create(
                      b, loadIndex(b, lineEdges, l, col), indexConst(b, 1));
                  Value c = arith::AddIOp::create(b, loadAt(b, args[0], e),
                                                  indexConst(b, 1));
                  return SmallVector<Value>{storeAt(b, c, args[0], e)};
                });
  // Prefix sum.
  scf::ForOp prefix =
      forLoop(b, one, numEdgesPlusOne, {count.getResult(0)},
              [&](ImplicitLocOpBuilder &b, Value e, ValueRange args) {
                Value prev = arith::SubIOp::create(b, e, indexConst(b, 1));
                Value sum = arith::AddIOp::create(b, loadAt(b, args[0], prev),
                                                  loadAt(b, args[0], e));
                return SmallVector<Value>{storeAt(b, sum, args[0], e)};
              });
  Value ptr = prefix.getResult(0);
  // Scatter line-edge ids through a cursor copy of ptr.
  scf::ForOp scatter =
      buildLoop(b, numLines, {ptr, zeroIndexVector(b, numLines)},
                [&](ImplicitLocOpBuilder &b, Value l, ValueRange args) {
                  Value e = loadIndex(b, lineEdges, l, col);
                  Value slot = loadAt(b, args[0], e);
                  Value list = storeAt(b, l, args[1], slot);
                  Value next = arith::AddIOp::create(b, slot, indexConst(b, 1));
                  return SmallVector<Value>{storeAt(b, next, args[0], e), list};
                });
  (void)zero;
  // The cursor ends at ptr[e + 1]; rebuild ptr from it by shifting.
  scf::ForOp shift = buildLoop(
      b, numEdgesPlusOne, {zeroIndexVector(b, numEdgesPlusOne)},
      [&](ImplicitLocOpBuilder &b, Value e, ValueRange args) {
        Value isFirst = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, e,
                                              indexConst(b, 0));
        Value prev = arith::SelectOp::create(
            b, isFirst, indexConst(b, 0),
            arith::SubIOp::create(b, e, indexConst(b, 1)));
        Value start =
            arith::SelectOp::create(b, isFirst, indexConst(b, 0),
                                    loadAt(b, scatter.getResult(0), prev));
        return SmallVector<Value>{storeAt(b, start, args[0], e)};
      });
  return {shift.getResult(0), scatter.getResult(1)};
}

/// Slots of the edges' states (see DagGraph.h): positions in `order`, last
/// readers, then a free list in order.
std::pair<Value, Value> plstm::buildEdgeSlots(ImplicitLocOpBuilder &b,
                                              Value lineEdges, Value numEdges,
                                              Value numLines, Value order,
                                              Value inPtr, Value inList) {
  Value zero = indexConst(b, 0), one = indexConst(b, 1);
  // pos[e]: e's position in the order.
  scf::ForOp pos = buildLoop(
      b, numEdges, {zeroIndexVector(b, numEdges)},
      [&](ImplicitLocOpBuilder &b, Value i, ValueRange args) {
        return SmallVector<Value>{storeAt(b, i, args[0], loadAt(b, order, i))};
      });
  // last[e]: 1 + the position of e's last consumer, 0 for none.
  scf::ForOp last = buildLoop(
      b, numLines, {zeroIndexVector(b, numEdges)},
      [&](ImplicitLocOpBuilder &b, Value l, ValueRange args) {
        Value from = loadIndex(b, lineEdges, l, 0);
        Value to = loadIndex(b, lineEdges, l, 1);
        Value use =
            arith::AddIOp::create(b, loadAt(b, pos.getResult(0), to), one);
        Value latest = arith::MaxUIOp::create(b, loadAt(b, args[0], from), use);
        return SmallVector<Value>{storeAt(b, latest, args[0], from)};
      });
  // In order: take a slot (the last freed one, else a new one) for an edge
  // that has consumers, then free the slots of the inputs read for the last
  // time (their last-use mark cleared: a repeated line edge frees once).
  scf::ForOp assign = buildLoop(
      b, numEdges,
      {zeroIndexVector(b, numEdges), zeroIndexVector(b, numEdges), zero, zero,
       last.getResult(0)},
      [&](ImplicitLocOpBuilder &b, Value i, ValueRange args) {
        Value slots = args[0], stack = args[1], top = args[2], next = args[3],
              lastUse = args[4];
        Value e = loadAt(b, order, i);
        Value live = arith::CmpIOp::create(b, arith::CmpIPredicate::ne,
                                           loadAt(b, lastUse, e), zero);
        Value canPop =
            arith::CmpIOp::create(b, arith::CmpIPredicate::ugt, top, zero);
        Value below = arith::SelectOp::create(
            b, canPop, arith::SubIOp::create(b, top, one), zero);
        Value popped = loadAt(b, stack, below);
        Value slot = arith::SelectOp::create(b, canPop, popped, next);
        Value pop = arith::AndIOp::create(b, live, canPop);
        Value fresh = arith::AndIOp::create(
            b, live,
            arith::XOrIOp::create(
                b, canPop, arith::ConstantIntOp::create(b, b.getI1Type(), 1)));
        top = arith::SelectOp::create(b, pop, below, top);
        next = arith::SelectOp::create(
            b, fresh, arith::AddIOp::create(b, next, one), next);
        slots = storeAt(b,
                        arith::SelectOp::create(
                            b, live, arith::AddIOp::create(b, slot, one), zero),
                        slots, e);
        Value done = arith::AddIOp::create(b, i, one);
        scf::ForOp release = forLoop(
            b, loadAt(b, inPtr, e),
            loadAt(b, inPtr, arith::AddIOp::create(b, e, one)),
            {stack, top, lastUse},
            [&](ImplicitLocOpBuilder &b, Value p, ValueRange it) {
              Value from = loadIndex(b, lineEdges, loadAt(b, inList, p), 0);
              Value lastRead = arith::CmpIOp::create(
                  b, arith::CmpIPredicate::eq, loadAt(b, it[2], from), done);
              auto ifOp = scf::IfOp::create(
                  b, lastRead,
                  [&](OpBuilder &nested, Location loc) {
                    ImplicitLocOpBuilder ib(loc, nested);
                    Value freed = arith::SubIOp::create(
                        ib, loadAt(ib, slots, from), indexConst(ib, 1));
                    scf::YieldOp::create(
                        ib,
                        ValueRange{
                            storeAt(ib, freed, it[0], it[1]),
                            arith::AddIOp::create(ib, it[1], indexConst(ib, 1)),
                            storeAt(ib, indexConst(ib, 0), it[2], from)});
                  },
                  [&](OpBuilder &nested, Location loc) {
                    scf::YieldOp::create(nested, loc, it);
                  });
              return SmallVector<Value>(ifOp.getResults());
            });
        return SmallVector<Value>{slots, release.getResult(0),
                                  release.getResult(1), next,
                                  release.getResult(2)};
      });
  // At most one slot an edge: the min changes nothing, and tells the GPU
  // mapping a bound its host knows (the slots' buffer then comes from the
  // launch scratch, not from a device malloc).
  Value peak = arith::AddIOp::create(b, assign.getResult(3), one);
  Value bound = arith::AddIOp::create(b, numEdges, one);
  Value numSlots = arith::MinUIOp::create(b, peak, bound);
  return {assign.getResult(0), numSlots};
}

/// A topological order of the edges (Kahn's algorithm on the line graph,
/// the ready edges on a stack: an edge's successors run soon after it, while
/// its state is still in cache; a queue, breadth first, kept a state for
/// about a third of the edges on average). Assumes a valid DAG: the runtime
/// validates graphs before every call.
Value plstm::buildEdgeOrder(ImplicitLocOpBuilder &b, Value lineEdges,
                            Value numEdges, Value numLines, Value outPtr,
                            Value outList) {
  // In-degrees.
  scf::ForOp degrees =
      buildLoop(b, numLines, {zeroIndexVector(b, numEdges)},
                [&](ImplicitLocOpBuilder &b, Value l, ValueRange args) {
                  Value e = loadIndex(b, lineEdges, l, 1);
                  Value d = arith::AddIOp::create(b, loadAt(b, args[0], e),
                                                  indexConst(b, 1));
                  return SmallVector<Value>{storeAt(b, d, args[0], e)};
                });
  auto pushIfReady = [](ImplicitLocOpBuilder &b, Value degree, Value e,
                        Value stack, Value top) {
    Value ready = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, degree,
                                        indexConst(b, 0));
    auto ifOp = scf::IfOp::create(
        b, ready,
        [&](OpBuilder &nested, Location loc) {
          ImplicitLocOpBuilder ib(loc, nested);
          Value pushed = storeAt(ib, e, stack, top);
          Value next = arith::AddIOp::create(ib, top, indexConst(ib, 1));
          scf::YieldOp::create(ib, ValueRange{pushed, next});
        },
        [&](OpBuilder &nested, Location loc) {
          scf::YieldOp::create(nested, loc, ValueRange{stack, top});
        });
    return std::make_pair(ifOp.getResult(0), ifOp.getResult(1));
  };
  // Push the sources, the last one first (popped in increasing order).
  scf::ForOp seed = buildLoop(
      b, numEdges, {zeroIndexVector(b, numEdges), indexConst(b, 0)},
      [&](ImplicitLocOpBuilder &b, Value i, ValueRange args) {
        Value e = arith::SubIOp::create(
            b, arith::SubIOp::create(b, numEdges, indexConst(b, 1)), i);
        auto [stack, top] = pushIfReady(b, loadAt(b, degrees.getResult(0), e),
                                        e, args[0], args[1]);
        return SmallVector<Value>{stack, top};
      });
  // Pop the top into the order; push the successors it makes ready.
  scf::ForOp kahn = buildLoop(
      b, numEdges,
      {zeroIndexVector(b, numEdges), seed.getResult(0), seed.getResult(1),
       degrees.getResult(0)},
      [&](ImplicitLocOpBuilder &b, Value i, ValueRange args) {
        Value top = arith::SubIOp::create(b, args[2], indexConst(b, 1));
        Value e = loadAt(b, args[1], top);
        Value order = storeAt(b, e, args[0], i);
        Value begin = loadAt(b, outPtr, e);
        Value end =
            loadAt(b, outPtr, arith::AddIOp::create(b, e, indexConst(b, 1)));
        scf::ForOp release =
            forLoop(b, begin, end, {args[1], top, args[3]},
                    [&](ImplicitLocOpBuilder &b, Value p, ValueRange it) {
                      Value l = loadAt(b, outList, p);
                      Value succ = loadIndex(b, lineEdges, l, 1);
                      Value d = arith::SubIOp::create(b, loadAt(b, it[2], succ),
                                                      indexConst(b, 1));
                      Value degrees = storeAt(b, d, it[2], succ);
                      auto [stack, next] =
                          pushIfReady(b, d, succ, it[0], it[1]);
                      return SmallVector<Value>{stack, next, degrees};
                    });
        return SmallVector<Value>{order, release.getResult(0),
                                  release.getResult(1), release.getResult(2)};
      });
  return kahn.getResult(0);
}

Value plstm::initDagOutputs(ImplicitLocOpBuilder &b, ScanDagOp op, Value bi,
                            Value y, Value scale) {
  Value numNodes = tensor::DimOp::create(b, op.getQ(), 1);
  return buildLoop(
             b, numNodes, {y},
             [&](ImplicitLocOpBuilder &b, Value n, ValueRange it) {
               Value q = scaleTensor(b, sliceAt(b, op.getQ(), {bi, n}), scale);
               // Built in the node's slice of y (no buffer of its own, no
               // copy into y).
               Value yt = zeroFill(b, sliceAt(b, it[0], {bi, n}));
               yt = addDirectTerm(b, yt, q, sliceAt(b, op.getDirect(), {bi, n}),
                                  sliceAt(b, op.getK(), {bi, n}),
                                  sliceAt(b, op.getV(), {bi, n}));
               return SmallVector<Value>{insertAt(b, yt, it[0], {bi, n})};
             })
      .getResult(0);
}

//===- Microkernels.cpp - register-blocked contractions for the CPU -------===//
//
// `plstm-cpu-microkernels`: every contraction of the schedules (a
// linalg.generic on memrefs with reductions whose body is
// `out + product`) becomes a register-blocked loop nest in the vector
// dialect, before convert-linalg-to-loops would turn it into a scalar nest
// whose innermost loop reloads and restores its accumulator every step.
//
// The output's last dim `n` is the vector dim (16 f32 lanes, 8 for dims of
// 8 to 15; `NV` vectors per block: 2, 4 without an `m` dim, 1 when `n` is
// dynamic), its second-to-last dim `m` the register rows (`MR`: 8, 12 with
// one vector, a divisor of a static extent where one is >= 4): one block
// holds MR x NV vector accumulators in registers across the whole reduction
// (scf.for iter_args), then stores them once.
//
//   for the other parallel dims
//     for n0 in [0, N - N % NR) step NR         (NR = 16 * NV)
//       for m0 in [0, M - M % MR) step MR
//         acc[r][v] = out[m0 + r, n0 + 16 v]    (or 0, see below)
//         for the reduction dims:  acc[r][v] = fma(a_r, b_v, acc[r][v])
//         out[m0 + r, n0 + 16 v] = acc[r][v]
//   the m and n remainders: the original op on subviews (scalar loops)
//
// Per reduction step an operand that does not use n is one scalar per row
// (broadcast), one that uses n a vector load, shared by the rows when it
// does not use m. Operands that use n but not as their contiguous last dim
// (K in Q K^T) are first packed (transposed) into a buffer of their own.
// Factors of the product that do not depend on the reduction dims (the
// read-out's per-row weight) are taken out of the sum: acc starts at 0 and
// the block ends with out + w * acc.
//
// Two or more factors without n that do depend on the reduction dims (the
// state update's w[l] K[l, i]) are multiplied once, before the blocks, into
// a buffer over the dims they use.
//
// With fewer than 8 accumulators each gets 2 or 4 chains of partial sums
// (chainCount: the reduction loop steps by the chain count, summed pairwise
// after it), so that no accumulator waits on the previous step's FMA.
//
// Row-reduced passes (the sequential schedules' J = 1 state update with its
// read-out fused, see rewriteRowReduced): one reduction dim, one vector dim,
// outputs updated in place or reduced over the reduction dim; the reduced
// outputs' accumulators stay in registers across it (in partial-sum chains
// where they are few). What does not depend on the reduction row is built
// once before the row loop; a product of both kinds is (scalars first) x
// one vector multiply; a reduced output `out + P` sums only P's varying
// factors and multiplies by the invariant ones after the loop. Both
// reassociate the op's sums and products (fp32 results differ from the
// op's own order in the last bits; the schedules' sums have no fixed order
// anyway).
//
// Anything else (other bodies, element types, aliasing operands, vector dims
// shorter than 8) keeps its linalg op.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPUTarget.h"
#include "codegen/CodegenPasses.h"
#include "codegen/MemRefViews.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Pass/Pass.h"

#include <functional>
#include <map>
#include <tuple>

using namespace mlir;

namespace {
/// f32 lanes of a vector: 16 (zmm); 8 (ymm) for vector dims of 8 to 15.
constexpr int64_t kLanes = 16, kHalfLanes = 8;

/// Partial sums per accumulator for a reduction of static extent `extent`
/// with `accumulators` vector accumulators: 4 or 2 chains while the
/// accumulators stay at most 8 in all (and the extent is a multiple of the
/// chain count, at least two chains' worth), else 1.
int64_t chainCount(int64_t accumulators, int64_t extent) {
  if (ShapedType::isDynamic(extent))
    return 1;
  for (int64_t u : {4, 2})
    if (u * accumulators <= 8 && extent % u == 0 && extent >= 2 * u)
      return u;
  return 1;
}

/// `partials` holds `chains` groups of `perChain` partial sums: the groups
/// added pairwise into the first.
SmallVector<Value> sumChains(OpBuilder &b, Location loc, ValueRange partials,
                             int64_t chains, int64_t perChain) {
  SmallVector<Value> sums(partials);
  for (int64_t width = chains; width > 1; width /= 2)
    for (int64_t u = 0; u < width / 2; ++u)
      for (int64_t k = 0; k < perChain; ++k)
        sums[u * perChain + k] =
            arith::AddFOp::create(b, loc, sums[u * perChain + k],
                                  sums[(u + width / 2) * perChain + k],
                                  arith::FastMathFlags::contract);
  sums.resize(perChain);
  return sums;
}

/// The loop dims a body value depends on, as a bit mask.
using DimMask = uint64_t;

/// What the rewrite of one contraction needs (analyze()).
struct Plan {
  linalg::GenericOp op;
  unsigned numLoops = 0;
  int64_t mDim = -1; // register rows; -1: the output has rank 1
  int64_t nDim = -1; // vector dim (the output's last)
  SmallVector<unsigned> outerDims, redDims;
  SmallVector<int64_t> extents; // static loop ranges (kDynamic if not)
  int64_t mr = 1, nv = 1;
  int64_t lanes = kLanes;
  /// Partial sums per accumulator (see `block` in rewrite): 4 or 2 when
  /// mr x nv x chains <= 8 and the innermost reduction dim's static extent
  /// is a multiple of chains (at least 2 chains' worth), else 1.
  int64_t chains = 1;
  SmallVector<bool> pack; // per input: transpose n to the last dim first
  SmallVector<Value> innerFactors, postFactors;
  /// Inner factors without n, two or more: their product is computed once
  /// into a buffer over the dims they use (`premultiplied`), not per block
  /// row and reduction step.
  SmallVector<Value> premultiplied;
  SmallVector<unsigned> premultipliedDims;
  /// No inner factor depends on n and the output has rank 1: the sum over
  /// the one reduction dim is a scalar, the same for every column. With
  /// every inner factor an input read contiguously along that dim (a
  /// static extent, a multiple of 16), it is a dot product: 16-lane loads
  /// along the reduction dim into partial sums, reduced across the lanes
  /// once, before the columns (the DAG's direct term Σ_d q[d] k[d]), where
  /// the blocks would add one broadcast product per column vector and step.
  bool dot = false;
  llvm::DenseMap<Value, DimMask> mask;
  DimMask redMask = 0;
};

bool isAllowedBodyOp(Operation *op) {
  return isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp,
             arith::NegFOp, arith::MaximumFOp, arith::MinimumFOp,
             arith::MaxNumFOp, arith::MinNumFOp, arith::CmpFOp,
             arith::SelectOp, arith::ConstantOp>(op);
}

/// A body op the vector code can rebuild on 16 lanes: allowed, one f32 or
/// i1 result, no regions.
bool isVectorizableBodyOp(Operation &op) {
  if (!isAllowedBodyOp(&op) || op.getNumResults() != 1 ||
      op.getNumRegions() != 0)
    return false;
  Type t = op.getResult(0).getType();
  return t.isF32() || t.isInteger(1);
}

/// The static stride of a memref's last dim (kDynamic if unknown).
int64_t lastStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (type.getRank() == 0 || failed(type.getStridesAndOffset(strides, offset)))
    return ShapedType::kDynamic;
  return strides.back();
}

/// Splits a product into its factors (chains of arith.mulf of the body).
void flattenProduct(Value v, Block &body, SmallVectorImpl<Value> &factors) {
  if (auto mul = v.getDefiningOp<arith::MulFOp>())
    if (mul->getBlock() == &body) {
      flattenProduct(mul.getLhs(), body, factors);
      flattenProduct(mul.getRhs(), body, factors);
      return;
    }
  factors.push_back(v);
}

std::optional<Plan> analyze(linalg::GenericOp op) {
  Plan plan;
  plan.op = op;
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op->getNumResults() != 0)
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return std::nullopt;
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return std::nullopt;
  plan.numLoops = op.getNumLoops();
  if (plan.numLoops > 63)
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < plan.numLoops; ++d)
    if (iterators[d] == utils::IteratorType::reduction) {
      plan.redDims.push_back(d);
      plan.redMask |= DimMask(1) << d;
    }
  if (plan.redDims.empty())
    return std::nullopt;

  // The output: every parallel dim, the last one contiguous.
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap outMap = op.getMatchingIndexingMap(init);
  auto outType = cast<MemRefType>(init->get().getType());
  if (outMap.getNumResults() == 0 ||
      outMap.getNumResults() + plan.redDims.size() != plan.numLoops ||
      lastStride(outType) != 1)
    return std::nullopt;
  plan.nDim = outMap.getDimPosition(outMap.getNumResults() - 1);
  if (outMap.getNumResults() >= 2)
    plan.mDim = outMap.getDimPosition(outMap.getNumResults() - 2);
  for (unsigned j = 0; j + 2 < outMap.getNumResults(); ++j)
    plan.outerDims.push_back(outMap.getDimPosition(j));
  if (outMap.getNumResults() == 1)
    plan.mDim = -1;

  plan.extents = op.getStaticLoopRanges();
  ArrayRef<int64_t> extents = plan.extents;
  int64_t n = extents[plan.nDim];
  if (!ShapedType::isDynamic(n) && n < kHalfLanes)
    return std::nullopt;
  if (!ShapedType::isDynamic(n) && n < kLanes)
    plan.lanes = kHalfLanes;
  int64_t maxNv = plan.mDim < 0 ? 4 : 2;
  // A dynamic vector dim gets one vector per block: the columns past the
  // last full block run as scalar loops, so wide blocks would leave all of
  // a short dim (16 of a tile's 16 columns) to them.
  plan.nv = ShapedType::isDynamic(n) ? 1 : std::min(maxNv, n / plan.lanes);
  if (plan.mDim >= 0) {
    int64_t m = extents[plan.mDim];
    int64_t maxMr = plan.nv == 1 ? 12 : 8;
    // A static extent gets the largest row count <= maxMr that divides it
    // (16 rows: 2 blocks of 8, not 12 + 4 scalar rows), unless that is
    // below 4.
    plan.mr = ShapedType::isDynamic(m) ? maxMr : std::min(maxMr, m);
    if (!ShapedType::isDynamic(m) && m % plan.mr != 0)
      for (int64_t r = plan.mr - 1; r >= 4; --r)
        if (m % r == 0) {
          plan.mr = r;
          break;
        }
    if (plan.mr < 1)
      return std::nullopt;
  }
  plan.chains = chainCount(plan.mr * plan.nv, extents[plan.redDims.back()]);

  // Inputs: no aliasing with the output (it is read once, written once);
  // those that use n as anything but their contiguous last dim are packed.
  Value outRoot = plstm::viewRoot(init->get());
  Block &body = op.getRegion().front();
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (plstm::viewRoot(input->get()) == outRoot)
      return std::nullopt;
    AffineMap map = op.getMatchingIndexingMap(input);
    DimMask m = 0;
    for (unsigned j = 0; j < map.getNumResults(); ++j)
      m |= DimMask(1) << map.getDimPosition(j);
    plan.mask[body.getArgument(input->getOperandNumber())] = m;
    bool usesN = m & (DimMask(1) << plan.nDim);
    bool contiguous =
        map.getNumResults() > 0 &&
        map.getDimPosition(map.getNumResults() - 1) ==
            static_cast<unsigned>(plan.nDim) &&
        lastStride(cast<MemRefType>(input->get().getType())) == 1;
    plan.pack.push_back(usesN && !contiguous);
  }
  BlockArgument outArg = body.getArgument(init->getOperandNumber());

  // The body: elementwise f32 arithmetic, yielding out + e.
  for (Operation &inner : body.without_terminator()) {
    if (!isVectorizableBodyOp(inner))
      return std::nullopt;
    DimMask m = 0;
    for (Value operand : inner.getOperands()) {
      if (operand == outArg)
        continue;
      auto it = plan.mask.find(operand);
      if (it != plan.mask.end())
        m |= it->second;
      else if (operand.getParentRegion() == &op.getRegion())
        return std::nullopt; // defined in the body but not analyzed
      else if (!operand.getType().isF32() && !operand.getType().isInteger(1))
        return std::nullopt;
    }
    plan.mask[inner.getResult(0)] = m;
  }
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (yield.getNumOperands() != 1 || !outArg.hasOneUse())
    return std::nullopt;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || add->getBlock() != &body)
    return std::nullopt;
  Value e;
  if (add.getLhs() == outArg)
    e = add.getRhs();
  else if (add.getRhs() == outArg)
    e = add.getLhs();
  else
    return std::nullopt;
  if (e == outArg || !plan.mask.count(e))
    return std::nullopt;

  SmallVector<Value> factors;
  flattenProduct(e, body, factors);
  for (Value f : factors) {
    if (!plan.mask.count(f))
      return std::nullopt; // a value from outside the op: a post factor
    if (plan.mask[f] & plan.redMask)
      plan.innerFactors.push_back(f);
    else
      plan.postFactors.push_back(f);
  }
  if (plan.innerFactors.empty())
    return std::nullopt;
  if (plan.mDim < 0 && plan.redDims.size() == 1 &&
      !ShapedType::isDynamic(extents[plan.redDims[0]]) &&
      extents[plan.redDims[0]] % kLanes == 0) {
    AffineExpr red = getAffineDimExpr(plan.redDims[0], op.getContext());
    plan.dot = llvm::all_of(plan.innerFactors, [&](Value f) {
      auto arg = dyn_cast<BlockArgument>(f);
      if (!arg || arg.getOwner() != &body ||
          arg.getArgNumber() >= op.getNumDpsInputs())
        return false;
      OpOperand &operand = op->getOpOperand(arg.getArgNumber());
      AffineMap map = op.getMatchingIndexingMap(&operand);
      return map.getNumResults() == 1 && map.getResult(0) == red &&
             lastStride(cast<MemRefType>(operand.get().getType())) == 1;
    });
    if (plan.dot)
      return plan;
  }
  DimMask scalarDims = 0;
  SmallVector<Value> scalars;
  for (Value f : plan.innerFactors)
    if (!(plan.mask[f] & (DimMask(1) << plan.nDim))) {
      scalars.push_back(f);
      scalarDims |= plan.mask[f];
    }
  if (scalars.size() >= 2) {
    int64_t elements = 1;
    for (unsigned d = 0; d < plan.numLoops; ++d)
      if (scalarDims & (DimMask(1) << d)) {
        plan.premultipliedDims.push_back(d);
        elements = ShapedType::isDynamic(extents[d]) || elements < 0
                       ? -1
                       : elements * extents[d];
      }
    // The buffer's dims in the order of the widest factor's operand (when
    // it is one): its last dim innermost, so the loop that fills the
    // buffer reads that operand contiguously (the reads of the buffer are
    // scalar broadcasts, indifferent to its layout).
    Value widest;
    for (Value f : scalars)
      if (!widest ||
          llvm::popcount(plan.mask[f]) > llvm::popcount(plan.mask[widest]))
        widest = f;
    if (auto arg = dyn_cast<BlockArgument>(widest);
        arg && arg.getOwner() == op.getBody()) {
      AffineMap map = op.getMatchingIndexingMap(op.getMatchingOpOperand(arg));
      auto position = [&](unsigned d) {
        for (unsigned j = 0; j < map.getNumResults(); ++j)
          if (map.getResult(j) == getAffineDimExpr(d, op.getContext()))
            return int(j);
        return -1;
      };
      llvm::stable_sort(plan.premultipliedDims, [&](unsigned x, unsigned y) {
        return position(x) < position(y);
      });
    }
    // Static and at most 1 MiB: a buffer per op execution.
    if (elements >= 0 && elements <= (1 << 18))
      plan.premultiplied = scalars;
    else
      plan.premultipliedDims.clear();
  }
  return plan;
}

/// Builds the vector code of one block: values of the body evaluated per
/// register row r and vector v, memoized.
struct BlockEmitter {
  const Plan &plan;
  OpBuilder &b;
  Location loc;
  ArrayRef<Value> inputs;     // memrefs (packed where planned)
  ArrayRef<AffineMap> inMaps; // their maps
  ArrayRef<Value> iv;         // per loop dim (m, n: the block's origin)
  ArrayRef<Value> mIdx, nIdx; // m0 + r, n0 + 16 v
  Value premultiplied;        // Plan::premultiplied's products, or null
  BlockEmitter(const Plan &plan, OpBuilder &b, Location loc,
               ArrayRef<Value> inputs, ArrayRef<AffineMap> inMaps,
               ArrayRef<Value> iv, ArrayRef<Value> mIdx, ArrayRef<Value> nIdx,
               Value premultiplied)
      : plan(plan), b(b), loc(loc), inputs(inputs), inMaps(inMaps), iv(iv),
        mIdx(mIdx), nIdx(nIdx), premultiplied(premultiplied) {}
  /// eval(): body values per (value, row, vector).
  llvm::DenseMap<std::tuple<Value, int64_t, int64_t>, Value> memo;
  /// multiplicands(): the broadcast product of the factors without n, per
  /// (inner, row).
  llvm::DenseMap<std::pair<int, int64_t>, Value> rowProducts;

  bool usesM(Value v) const {
    auto it = plan.mask.find(v);
    return plan.mDim >= 0 && it != plan.mask.end() &&
           (it->second & (DimMask(1) << plan.mDim));
  }
  bool usesN(Value v) const {
    auto it = plan.mask.find(v);
    return it != plan.mask.end() && (it->second & (DimMask(1) << plan.nDim));
  }
  Value index(unsigned dim, int64_t r, int64_t v) const {
    if (static_cast<int64_t>(dim) == plan.mDim)
      return mIdx[r];
    if (static_cast<int64_t>(dim) == plan.nDim)
      return nIdx[v];
    return iv[dim];
  }
  Value broadcast(Value scalar) {
    auto type = VectorType::get({plan.lanes}, scalar.getType());
    return vector::BroadcastOp::create(b, loc, type, scalar);
  }
  /// `x` for row r and vector v: a scalar if x does not use n, else a
  /// vector of 16 lanes.
  Value eval(Value x, int64_t r, int64_t v) {
    if (!plan.mask.count(x))
      return x; // defined outside the op
    int64_t rr = usesM(x) ? r : 0, vv = usesN(x) ? v : 0;
    auto key = std::make_tuple(x, rr, vv);
    if (Value done = memo.lookup(key))
      return done;
    Value result;
    if (auto arg = dyn_cast<BlockArgument>(x)) {
      unsigned i = arg.getArgNumber();
      AffineMap map = inMaps[i];
      SmallVector<Value> idx;
      for (unsigned j = 0; j < map.getNumResults(); ++j)
        idx.push_back(index(map.getDimPosition(j), rr, vv));
      if (usesN(x))
        result = vector::LoadOp::create(
            b, loc, VectorType::get({plan.lanes}, b.getF32Type()), inputs[i],
            idx);
      else
        result = memref::LoadOp::create(b, loc, inputs[i], idx);
    } else {
      Operation *def = x.getDefiningOp();
      bool vec = usesN(x);
      SmallVector<Value> operands;
      for (Value operand : def->getOperands()) {
        Value value = eval(operand, rr, vv);
        if (vec && !isa<VectorType>(value.getType()))
          value = broadcastCached(operand, value, rr);
        operands.push_back(value);
      }
      Type type = x.getType();
      if (vec)
        type = VectorType::get({plan.lanes}, type);
      OperationState state(loc, def->getName().getStringRef(), operands,
                           TypeRange{type}, def->getAttrs());
      if (isa<arith::ConstantOp>(def))
        state.operands.clear();
      result = b.create(state)->getResult(0);
    }
    memo[key] = result;
    return result;
  }
  Value broadcastCached(Value x, Value scalar, int64_t r) {
    auto key = std::make_tuple(x, usesM(x) ? r : 0, int64_t(-1));
    if (Value done = memo.lookup(key))
      return done;
    Value result = broadcast(scalar);
    memo[key] = result;
    return result;
  }
  /// The product of `factors` for (r, v) as a list of vector multiplicands:
  /// the factors without n multiplied as scalars first (one broadcast).
  /// `inner`: the reduction's factors, whose Plan::premultiplied part (if
  /// any) is one load from `premultiplied`.
  SmallVector<Value> multiplicands(ArrayRef<Value> factors, bool inner,
                                   int64_t r, int64_t v) {
    inner = inner && premultiplied;
    // The factors without n do not depend on v: their product and its
    // broadcast are built once per row (null: there are none).
    auto [row, fresh] = rowProducts.try_emplace({int(inner), r}, Value());
    if (fresh) {
      SmallVector<Value> scalars;
      if (inner) {
        SmallVector<Value> idx;
        for (unsigned d : plan.premultipliedDims)
          idx.push_back(index(d, r, v));
        scalars.push_back(memref::LoadOp::create(b, loc, premultiplied, idx));
      }
      for (Value f : factors)
        if (!(inner && llvm::is_contained(plan.premultiplied, f)) &&
            !usesN(f))
          scalars.push_back(eval(f, r, v));
      if (!scalars.empty()) {
        Value s = scalars.front();
        for (Value other : ArrayRef<Value>(scalars).drop_front())
          s = arith::MulFOp::create(b, loc, s, other,
                                    arith::FastMathFlags::contract);
        row->second = broadcast(s);
      }
    }
    SmallVector<Value> result;
    if (row->second)
      result.push_back(row->second);
    for (Value f : factors)
      if (!(inner && llvm::is_contained(plan.premultiplied, f)) && usesN(f))
        result.push_back(eval(f, r, v));
    return result;
  }

  /// acc + product(list): the last multiplication fused.
  Value accumulate(ArrayRef<Value> list, Value acc) {
    if (list.size() == 1)
      return arith::AddFOp::create(b, loc, acc, list.front(),
                                   arith::FastMathFlags::contract);
    Value p = list.front();
    for (Value other : list.drop_front().drop_back())
      p = arith::MulFOp::create(b, loc, p, other,
                                arith::FastMathFlags::contract);
    return vector::FMAOp::create(b, loc, p, list.back(), acc);
  }
};

/// The original op restricted to [offsets, offsets + sizes) of its loops,
/// on subviews (the remainders of the blocks).
void cloneOnRange(OpBuilder &b, linalg::GenericOp op,
                  ArrayRef<OpFoldResult> offsets,
                  ArrayRef<OpFoldResult> sizes) {
  Location loc = op.getLoc();
  SmallVector<Value> operands;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    auto type = cast<MemRefType>(operand.get().getType());
    if (type.getRank() == 0) {
      operands.push_back(operand.get());
      continue;
    }
    SmallVector<OpFoldResult> o, s, st;
    for (unsigned j = 0; j < map.getNumResults(); ++j) {
      o.push_back(offsets[map.getDimPosition(j)]);
      s.push_back(sizes[map.getDimPosition(j)]);
      st.push_back(b.getIndexAttr(1));
    }
    operands.push_back(
        memref::SubViewOp::create(b, loc, operand.get(), o, s, st));
  }
  unsigned numInputs = op.getNumDpsInputs();
  auto clone = linalg::GenericOp::create(
      b, loc, TypeRange{}, ValueRange(operands).take_front(numInputs),
      ValueRange(operands).drop_front(numInputs), op.getIndexingMaps(),
      op.getIteratorTypes(), StringAttr(), StringAttr());
  IRMapping mapping;
  op.getRegion().cloneInto(&clone.getRegion(), mapping);
}

/// `dst = transpose(src, perm)` for a swap of the last two dims (the
/// leading ones in place) whose extents are static multiples of 16, f32,
/// src contiguous along its last dim: 16×16 tiles read as 16 row vectors,
/// transposed in registers (vector.transpose, lowered to shuffles) and
/// stored as 16 row vectors, instead of the scalar loop LLVM turns into
/// gathers. False (nothing emitted) for any other transpose.
bool transposeInTiles(OpBuilder &b, Location loc, Value src, Value dst,
                      ArrayRef<int64_t> perm) {
  constexpr int64_t kTile = 16;
  auto type = cast<MemRefType>(src.getType());
  int64_t rank = type.getRank();
  if (rank < 2 || !type.getElementType().isF32())
    return false;
  for (int64_t d = 0; d + 2 < rank; ++d)
    if (perm[d] != d)
      return false;
  if (perm[rank - 2] != rank - 1 || perm[rank - 1] != rank - 2)
    return false;
  int64_t rows = type.getDimSize(rank - 2), cols = type.getDimSize(rank - 1);
  if (ShapedType::isDynamic(rows) || ShapedType::isDynamic(cols) ||
      rows % kTile || cols % kTile)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1)
    return false;
  auto rowType = VectorType::get({kTile}, b.getF32Type());
  auto tileType = VectorType::get({kTile, kTile}, b.getF32Type());
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value zero = index(0), one = index(1), tile = index(kTile);
  // Loops over the leading dims, then the tiles.
  SmallVector<Value> lead;
  std::function<void(OpBuilder &, int64_t)> nest = [&](OpBuilder &b,
                                                       int64_t d) {
    if (d + 2 < rank) {
      Value extent = memref::DimOp::create(b, loc, src, d);
      scf::ForOp::create(b, loc, zero, extent, one, ValueRange{},
                         [&](OpBuilder &b, Location, Value iv, ValueRange) {
                           lead.push_back(iv);
                           nest(b, d + 1);
                           lead.pop_back();
                           scf::YieldOp::create(b, loc);
                         });
      return;
    }
    scf::ForOp::create(
        b, loc, zero, index(rows), tile, ValueRange{},
        [&](OpBuilder &b, Location, Value i, ValueRange) {
          scf::ForOp::create(
              b, loc, zero, index(cols), tile, ValueRange{},
              [&](OpBuilder &b, Location, Value j, ValueRange) {
                Value acc = arith::ConstantOp::create(
                    b, loc, tileType,
                    DenseElementsAttr::get(tileType, b.getF32FloatAttr(0)));
                for (int64_t r = 0; r < kTile; ++r) {
                  SmallVector<Value> at(lead);
                  at.push_back(arith::AddIOp::create(b, loc, i, index(r)));
                  at.push_back(j);
                  Value row = vector::LoadOp::create(b, loc, rowType, src, at);
                  acc = vector::InsertOp::create(b, loc, row, acc, r);
                }
                Value t = vector::TransposeOp::create(b, loc, acc,
                                                      ArrayRef<int64_t>{1, 0});
                for (int64_t c = 0; c < kTile; ++c) {
                  SmallVector<Value> at(lead);
                  at.push_back(arith::AddIOp::create(b, loc, j, index(c)));
                  at.push_back(i);
                  Value col = vector::ExtractOp::create(b, loc, t, c);
                  vector::StoreOp::create(b, loc, col, dst, at);
                }
                scf::YieldOp::create(b, loc);
              });
          scf::YieldOp::create(b, loc);
        });
  };
  nest(b, 0);
  return true;
}

void rewrite(const Plan &plan) {
  linalg::GenericOp op = plan.op;
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Range, 4> ranges =
      cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc);
  SmallVector<Value> ext;
  for (Range &range : ranges)
    ext.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value zero = cst(0), one = cst(1);
  // Loop nests over some of the op's dims: from 0 to their extents, step 1;
  // `place` puts the nest's induction variables at their dims.
  struct Bounds {
    SmallVector<Value> lbs, ubs, steps;
  };
  auto boundsOf = [&](ArrayRef<unsigned> dims) {
    Bounds bounds;
    for (unsigned d : dims) {
      bounds.lbs.push_back(zero);
      bounds.ubs.push_back(ext[d]);
      bounds.steps.push_back(one);
    }
    return bounds;
  };
  auto place = [](SmallVectorImpl<Value> &all, ArrayRef<unsigned> dims,
                  ValueRange ivs) {
    for (auto [j, d] : llvm::enumerate(dims))
      all[d] = ivs[j];
  };

  // Packing: inputs that use n but not contiguously, transposed so that
  // their n dim is the last one.
  SmallVector<Value> inputs;
  SmallVector<AffineMap> inMaps;
  SmallVector<Value> packs;
  for (OpOperand *input : op.getDpsInputOperands()) {
    unsigned i = input->getOperandNumber();
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!plan.pack[i]) {
      inputs.push_back(input->get());
      inMaps.push_back(map);
      continue;
    }
    SmallVector<int64_t> perm;
    unsigned nPos = 0;
    for (unsigned j = 0; j < map.getNumResults(); ++j) {
      if (map.getDimPosition(j) == static_cast<unsigned>(plan.nDim))
        nPos = j;
      else
        perm.push_back(j);
    }
    perm.push_back(nPos);
    auto type = cast<MemRefType>(input->get().getType());
    SmallVector<int64_t> shape;
    SmallVector<Value> dynSizes;
    SmallVector<AffineExpr> results;
    for (int64_t j : perm) {
      shape.push_back(type.getDimSize(j));
      if (type.isDynamicDim(j))
        dynSizes.push_back(memref::DimOp::create(b, loc, input->get(), j));
      results.push_back(map.getResult(j));
    }
    auto packedType = MemRefType::get(shape, type.getElementType());
    Value packed = memref::AllocOp::create(b, loc, packedType, dynSizes,
                                           b.getI64IntegerAttr(64));
    if (!transposeInTiles(b, loc, input->get(), packed, perm))
      linalg::TransposeOp::create(b, loc, input->get(), packed, perm);
    packs.push_back(packed);
    inputs.push_back(packed);
    inMaps.push_back(
        AffineMap::get(map.getNumDims(), 0, results, op.getContext()));
  }

  // The product of the scalar inner factors, once per element of the dims
  // they use (the state update's w[l] K[l, i]).
  Value pre;
  if (!plan.premultiplied.empty()) {
    SmallVector<int64_t> shape;
    for (unsigned d : plan.premultipliedDims)
      shape.push_back(plan.extents[d]);
    Bounds bounds = boundsOf(plan.premultipliedDims);
    pre = memref::AllocOp::create(b, loc,
                                  MemRefType::get(shape, b.getF32Type()),
                                  ValueRange{}, b.getI64IntegerAttr(64));
    scf::buildLoopNest(
        b, loc, bounds.lbs, bounds.ubs, bounds.steps,
        [&](OpBuilder &pb, Location, ValueRange piv) {
          SmallVector<Value> all(plan.numLoops);
          place(all, plan.premultipliedDims, piv);
          SmallVector<Value> row = {plan.mDim >= 0 ? all[plan.mDim] : Value()};
          BlockEmitter emit(plan, pb, loc, inputs, inMaps, all, row, {},
                            Value());
          Value product;
          for (Value f : plan.premultiplied) {
            Value value = emit.eval(f, 0, 0);
            product = product ? arith::MulFOp::create(
                                    pb, loc, product, value,
                                    arith::FastMathFlags::contract)
                                    .getResult()
                              : value;
          }
          memref::StoreOp::create(pb, loc, product, pre, piv);
        });
    packs.push_back(pre);
  }

  // The dot product (plan.dot), once.
  Value dotSum;
  if (plan.dot) {
    auto laneType = VectorType::get({kLanes}, b.getF32Type());
    int64_t extent = plan.extents[plan.redDims[0]];
    int64_t vectors = extent / kLanes;
    int64_t chains = vectors % 4 == 0 ? 4 : vectors % 2 == 0 ? 2 : 1;
    Value zeroLanes = arith::ConstantOp::create(
        b, loc, cast<TypedAttr>(b.getZeroAttr(laneType)));
    SmallVector<Value> inits(chains, zeroLanes);
    auto loop = scf::ForOp::create(
        b, loc, zero, cst(extent), cst(kLanes * chains), inits,
        [&](OpBuilder &kb, Location, Value k0, ValueRange accs) {
          SmallVector<Value> next;
          for (int64_t u = 0; u < chains; ++u) {
            Value k = arith::AddIOp::create(
                kb, loc, k0,
                arith::ConstantIndexOp::create(kb, loc, u * kLanes));
            Value product;
            for (Value f : plan.innerFactors) {
              unsigned a = cast<BlockArgument>(f).getArgNumber();
              Value value = vector::LoadOp::create(
                  kb, loc, laneType, op->getOperand(a), ValueRange{k});
              product =
                  product
                      ? arith::MulFOp::create(kb, loc, product, value,
                                              arith::FastMathFlags::contract)
                            .getResult()
                      : value;
            }
            next.push_back(arith::AddFOp::create(
                kb, loc, accs[u], product, arith::FastMathFlags::contract));
          }
          scf::YieldOp::create(kb, loc, next);
        });
    Value lanes = sumChains(b, loc, loop.getResults(), chains, 1)[0];
    dotSum = vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                         lanes, arith::FastMathFlags::contract);
  }

  int64_t nr = plan.lanes * plan.nv;
  Value nExt = ext[plan.nDim];
  Value nFull =
      arith::SubIOp::create(b, loc, nExt,
                            arith::RemUIOp::create(b, loc, nExt, cst(nr)));
  Value mFull;
  if (plan.mDim >= 0) {
    Value mExt = ext[plan.mDim];
    mFull = arith::SubIOp::create(
        b, loc, mExt, arith::RemUIOp::create(b, loc, mExt, cst(plan.mr)));
  }
  Value outBuf = op.getDpsInitOperand(0)->get();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  auto vecType = VectorType::get({plan.lanes}, b.getF32Type());

  auto block = [&](OpBuilder &nb, Location, SmallVector<Value> iv, Value m0,
                   Value n0) {
    SmallVector<Value> mIdx, nIdx;
    for (int64_t r = 0; r < plan.mr; ++r)
      mIdx.push_back(m0 ? arith::AddIOp::create(
                              nb, loc, m0,
                              arith::ConstantIndexOp::create(nb, loc, r))
                                .getResult()
                        : Value());
    for (int64_t v = 0; v < plan.nv; ++v)
      nIdx.push_back(arith::AddIOp::create(
          nb, loc, n0,
          arith::ConstantIndexOp::create(nb, loc, v * plan.lanes)));
    auto outIndices = [&](int64_t r, int64_t v) {
      SmallVector<Value> idx;
      for (unsigned j = 0; j < outMap.getNumResults(); ++j) {
        int64_t d = outMap.getDimPosition(j);
        idx.push_back(d == plan.mDim   ? mIdx[r]
                      : d == plan.nDim ? nIdx[v]
                                       : iv[d]);
      }
      return idx;
    };
    bool post = !plan.postFactors.empty();
    if (plan.dot) {
      // The scalar sum, computed once before the columns.
      Value sum = vector::BroadcastOp::create(nb, loc, vecType, dotSum);
      BlockEmitter emit(plan, nb, loc, inputs, inMaps, iv, mIdx, nIdx, pre);
      for (int64_t v = 0; v < plan.nv; ++v) {
        Value acc = sum;
        Value out =
            vector::LoadOp::create(nb, loc, vecType, outBuf, outIndices(0, v));
        if (post) {
          SmallVector<Value> list =
              emit.multiplicands(plan.postFactors, /*inner=*/false, 0, v);
          list.push_back(acc);
          acc = emit.accumulate(list, out);
        } else {
          acc = arith::AddFOp::create(nb, loc, out, acc,
                                      arith::FastMathFlags::contract);
        }
        vector::StoreOp::create(nb, loc, acc, outBuf, outIndices(0, v));
      }
      return;
    }
    SmallVector<Value> accInit;
    Value zeroVec;
    if (post)
      zeroVec = arith::ConstantOp::create(
          nb, loc, cast<TypedAttr>(nb.getZeroAttr(vecType)));
    for (int64_t r = 0; r < plan.mr; ++r)
      for (int64_t v = 0; v < plan.nv; ++v)
        accInit.push_back(post ? zeroVec
                               : vector::LoadOp::create(
                                     nb, loc, vecType, outBuf, outIndices(r, v))
                                     .getResult());
    // With fewer than 8 accumulators, `plan.chains` partial sums of each
    // (the innermost reduction loop steps by chains, step k + u adds into
    // chain u; summed after the nest): one accumulator's chain of
    // dependent FMAs over the whole reduction is latency-bound.
    int64_t perChain = plan.mr * plan.nv;
    if (plan.chains > 1 && !zeroVec)
      zeroVec = arith::ConstantOp::create(
          nb, loc, cast<TypedAttr>(nb.getZeroAttr(vecType)));
    accInit.append((plan.chains - 1) * perChain, zeroVec);
    Bounds bounds = boundsOf(plan.redDims);
    bounds.steps.back() = arith::ConstantIndexOp::create(nb, loc, plan.chains);
    scf::LoopNest nest = scf::buildLoopNest(
        nb, loc, bounds.lbs, bounds.ubs, bounds.steps, accInit,
        [&](OpBuilder &kb, Location, ValueRange kiv,
            ValueRange accs) -> scf::ValueVector {
          scf::ValueVector next;
          for (int64_t u = 0; u < plan.chains; ++u) {
            SmallVector<Value> all = iv;
            place(all, plan.redDims, kiv);
            if (u > 0)
              all[plan.redDims.back()] = arith::AddIOp::create(
                  kb, loc, kiv.back(),
                  arith::ConstantIndexOp::create(kb, loc, u));
            BlockEmitter emit(plan, kb, loc, inputs, inMaps, all, mIdx, nIdx,
                              pre);
            for (int64_t r = 0; r < plan.mr; ++r)
              for (int64_t v = 0; v < plan.nv; ++v)
                next.push_back(emit.accumulate(
                    emit.multiplicands(plan.innerFactors, /*inner=*/true, r, v),
                    accs[u * perChain + r * plan.nv + v]));
          }
          return next;
        });
    SmallVector<Value> sums =
        sumChains(nb, loc, nest.results, plan.chains, perChain);
    BlockEmitter emit(plan, nb, loc, inputs, inMaps, iv, mIdx, nIdx, pre);
    for (int64_t r = 0; r < plan.mr; ++r)
      for (int64_t v = 0; v < plan.nv; ++v) {
        Value acc = sums[r * plan.nv + v];
        if (post) {
          SmallVector<Value> list =
              emit.multiplicands(plan.postFactors, /*inner=*/false, r, v);
          list.push_back(acc);
          Value out =
              vector::LoadOp::create(nb, loc, vecType, outBuf, outIndices(r, v));
          acc = emit.accumulate(list, out);
        }
        vector::StoreOp::create(nb, loc, acc, outBuf, outIndices(r, v));
      }
  };

  Bounds outer = boundsOf(plan.outerDims);
  scf::buildLoopNest(
      b, loc, outer.lbs, outer.ubs, outer.steps,
      [&](OpBuilder &ob, Location, ValueRange outerIv) {
        SmallVector<Value> iv(plan.numLoops);
        place(iv, plan.outerDims, outerIv);
        auto nLoop = scf::ForOp::create(ob, loc, zero, nFull,
                                        arith::ConstantIndexOp::create(ob, loc, nr));
        OpBuilder nb = OpBuilder::atBlockBegin(nLoop.getBody());
        Value n0 = nLoop.getInductionVar();
        if (plan.mDim < 0) {
          block(nb, loc, iv, Value(), n0);
          return;
        }
        auto mLoop = scf::ForOp::create(
            nb, loc, zero, mFull, arith::ConstantIndexOp::create(nb, loc, plan.mr));
        OpBuilder mb = OpBuilder::atBlockBegin(mLoop.getBody());
        block(mb, loc, iv, mLoop.getInductionVar(), n0);
      });

  // Remainders: rows past the last full block (all columns), then columns
  // past the last full block (the full rows).
  ArrayRef<int64_t> extents = plan.extents;
  SmallVector<OpFoldResult> offsets(plan.numLoops, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes;
  for (Value e : ext)
    sizes.push_back(e);
  if (plan.mDim >= 0 && (ShapedType::isDynamic(extents[plan.mDim]) ||
                         extents[plan.mDim] % plan.mr != 0)) {
    SmallVector<OpFoldResult> o = offsets, s = sizes;
    o[plan.mDim] = mFull;
    s[plan.mDim] =
        arith::SubIOp::create(b, loc, ext[plan.mDim], mFull).getResult();
    cloneOnRange(b, op, o, s);
  }
  if (ShapedType::isDynamic(extents[plan.nDim]) ||
      extents[plan.nDim] % nr != 0) {
    SmallVector<OpFoldResult> o = offsets, s = sizes;
    if (plan.mDim >= 0)
      s[plan.mDim] = mFull;
    o[plan.nDim] = nFull;
    s[plan.nDim] =
        arith::SubIOp::create(b, loc, ext[plan.nDim], nFull).getResult();
    cloneOnRange(b, op, o, s);
  }
  for (Value packed : packs)
    memref::DeallocOp::create(b, loc, packed);
  op.erase();
}

//===----------------------------------------------------------------------===//
// Row-reduced passes
//===----------------------------------------------------------------------===//

/// A linalg.generic on memrefs with one reduction dim `r` and one other dim
/// `n` of static extent a multiple of 16 (every other dim has extent 1), in
/// which every output uses n contiguously and is either updated in place
/// (it uses r: each element is read through its block argument and written
/// at the same point) or reduced over r (it does not use r): the J = 1
/// state update with its read-out fused (passes/TensorBuilders.h,
/// updateStatesJ1). convert-linalg-to-loops would reload and restore the
/// reduced outputs at every step of the inner loop; here they stay in
/// registers across r:
///
///   for n0 in [0, N) step 16 * NV
///     acc[o][v] = red_o[n0 + 16 v]
///     for i in [0, R):
///       per vector v: the body on 16 lanes, the in-place outputs stored
///       at [i, n0 + 16 v], acc[o][v] = its new value
///     red_o[n0 + 16 v] = acc[o][v]
struct RowPlan {
  linalg::GenericOp op;
  unsigned rDim = 0, nDim = 0;
  int64_t n = 0, nv = 1;
  /// Independent partial sums per reduced output and vector (the r loop
  /// steps by `chains`, step i + u adds into chain u; summed after the
  /// loop): one accumulator's chain of dependent adds over all of r is
  /// latency-bound when there are few accumulators (the DAG edge pass,
  /// d = 32: one read-out, two vectors, 32 dependent FMAs). Only for
  /// reductions that add into their output (`out + x`).
  int64_t chains = 1;
  /// Every reduced output is `out + x` with `out` used nowhere else.
  bool additive = false;
  /// With `additive`: the `x` of each reduced output, by output number.
  llvm::DenseMap<unsigned, Value> addends;
  /// Body values that depend on n (vectors of 16 lanes); the others are
  /// scalars, broadcast where a vector value uses them.
  llvm::DenseSet<Value> vectors;
  /// (output, input) operand numbers whose views share a buffer: the
  /// vector loops run only when, at run time, their byte ranges do not
  /// overlap; the op runs as it is otherwise.
  SmallVector<std::pair<unsigned, unsigned>> overlapChecks;
};

std::optional<RowPlan> analyzeRowReduced(linalg::GenericOp op) {
  RowPlan plan;
  plan.op = op;
  if (!op.hasPureBufferSemantics() || op->getNumResults() != 0)
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  int rDim = -1, nDim = -1;
  for (unsigned d = 0; d < op.getNumLoops(); ++d) {
    if (iterators[d] == utils::IteratorType::reduction) {
      if (rDim >= 0)
        return std::nullopt;
      rDim = d;
    } else if (extents[d] != 1) {
      if (nDim >= 0)
        return std::nullopt;
      nDim = d;
    }
  }
  if (rDim < 0 || nDim < 0 || ShapedType::isDynamic(extents[nDim]) ||
      extents[nDim] % kLanes != 0)
    return std::nullopt;
  plan.rDim = rDim;
  plan.nDim = nDim;
  plan.n = extents[nDim];
  // 8 / (reduced outputs) vectors per block, at least 1, a divisor of
  // N / 16: the reduced outputs' accumulators stay in registers (up to 8 of
  // them; more than 8 reduced outputs keep one vector each).
  int64_t reducedOuts =
      llvm::count_if(op.getDpsInitsMutable(), [&](OpOperand &init) {
        return !op.getMatchingIndexingMap(&init).isFunctionOfDim(rDim);
      });
  int64_t perBlock =
      std::max<int64_t>(1, 8 / std::max<int64_t>(1, reducedOuts));
  int64_t vectors = plan.n / kLanes;
  for (int64_t c = std::min<int64_t>(vectors, perBlock); c >= 1; --c)
    if (vectors % c == 0) {
      plan.nv = c;
      break;
    }

  Block &body = op.getRegion().front();
  // Partial sums: every reduced output's yielded value is `out + x` with
  // `out` (its block argument) used nowhere else, the r extent static; up
  // to 8 accumulators in all.
  auto yieldOp = cast<linalg::YieldOp>(body.getTerminator());
  bool additive = reducedOuts > 0 && !ShapedType::isDynamic(extents[rDim]);
  for (OpOperand &init : op.getDpsInitsMutable()) {
    if (!additive || op.getMatchingIndexingMap(&init).isFunctionOfDim(rDim))
      continue;
    BlockArgument out = body.getArgument(init.getOperandNumber());
    unsigned o = init.getOperandNumber() - op.getNumDpsInputs();
    auto add = yieldOp.getOperand(o).getDefiningOp<arith::AddFOp>();
    // The running sum itself is only yielded: a body value that read it
    // would see a chain's partial sum (or, with factors taken out of the
    // sum, a sum without them).
    additive = add && add->getBlock() == &body && out.hasOneUse() &&
               add->hasOneUse() && (add.getLhs() == out || add.getRhs() == out);
    if (additive)
      plan.addends[o] = add.getLhs() == out ? add.getRhs() : add.getLhs();
  }
  plan.additive = additive;
  if (!additive)
    plan.addends.clear();
  if (additive)
    plan.chains = chainCount(reducedOuts * plan.nv, extents[rDim]);
  SmallVector<Value> inRoots, outRoots;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return std::nullopt;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return std::nullopt;
    bool isOut = op.isDpsInit(&operand);
    std::optional<unsigned> nPos =
        map.getResultPosition(getAffineDimExpr(nDim, op.getContext()));
    if (!nPos) {
      if (isOut)
        return std::nullopt;
    } else {
      // n contiguous: stride 1, only unit dims after it.
      SmallVector<int64_t> strides;
      int64_t offset;
      if (failed(type.getStridesAndOffset(strides, offset)) ||
          strides[*nPos] != 1)
        return std::nullopt;
      for (unsigned j = *nPos + 1; j < map.getNumResults(); ++j)
        if (extents[map.getDimPosition(j)] != 1)
          return std::nullopt;
      plan.vectors.insert(body.getArgument(operand.getOperandNumber()));
    }
    (isOut ? outRoots : inRoots).push_back(plstm::viewRoot(operand.get()));
  }
  // Each output its own buffer, none read as an input: every element is
  // read (through its block argument) before it is written, at the same
  // point.
  // An output that shares its buffer with inputs (a DAG edge's state slot
  // and its inputs' slots, disjoint by construction) gets a run-time check
  // of the views' ranges instead.
  unsigned numInputs = op.getNumDpsInputs();
  for (auto [i, root] : llvm::enumerate(outRoots)) {
    if (llvm::is_contained(ArrayRef<Value>(outRoots).drop_front(i + 1), root))
      return std::nullopt;
    for (auto [j, inRoot] : llvm::enumerate(inRoots)) {
      if (inRoot != root)
        continue;
      // The same view is sure to overlap: kept as it is.
      if (op->getOperand(j) == op->getOperand(numInputs + i))
        return std::nullopt;
      plan.overlapChecks.push_back(
          {numInputs + static_cast<unsigned>(i), static_cast<unsigned>(j)});
    }
  }
  for (Operation &inner : body.without_terminator()) {
    if (!isVectorizableBodyOp(inner))
      return std::nullopt;
    for (Value operand : inner.getOperands())
      if (plan.vectors.contains(operand))
        plan.vectors.insert(inner.getResult(0));
  }
  return plan;
}

/// `[first, last]` byte addresses a strided view touches (static or
/// dynamic sizes, any strides).
std::pair<Value, Value> byteRange(OpBuilder &b, Location loc, Value view) {
  auto type = cast<MemRefType>(view.getType());
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, view);
  Value base =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, view).getResult();
  Value bytes =
      arith::ConstantIndexOp::create(b, loc, type.getElementTypeBitWidth() / 8);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value span = arith::ConstantIndexOp::create(b, loc, 0);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    Value extent = arith::SubIOp::create(b, loc, meta.getSizes()[d], one);
    span = arith::AddIOp::create(
        b, loc, span,
        arith::MulIOp::create(b, loc, extent, meta.getStrides()[d]));
  }
  Value first = arith::AddIOp::create(
      b, loc, base, arith::MulIOp::create(b, loc, meta.getOffset(), bytes));
  Value last = arith::AddIOp::create(
      b, loc, first, arith::MulIOp::create(b, loc, span, bytes));
  return {first, last};
}

void rewriteRowReduced(const RowPlan &plan);

/// With overlap checks: `scf.if` (every checked pair disjoint) the vector
/// loops, else the op itself.
void rewriteRowReducedVersioned(const RowPlan &plan) {
  linalg::GenericOp op = plan.op;
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value disjoint;
  llvm::DenseMap<unsigned, std::pair<Value, Value>> ranges; // per operand
  auto rangeOf = [&](unsigned operand) {
    auto [it, fresh] = ranges.try_emplace(operand);
    if (fresh)
      it->second = byteRange(b, loc, op->getOperand(operand));
    return it->second;
  };
  for (auto [out, in] : plan.overlapChecks) {
    auto [outFirst, outLast] = rangeOf(out);
    auto [inFirst, inLast] = rangeOf(in);
    Value below = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                        outLast, inFirst);
    Value above = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                        inLast, outFirst);
    Value apart = arith::OrIOp::create(b, loc, below, above);
    disjoint =
        disjoint ? arith::AndIOp::create(b, loc, disjoint, apart) : apart;
  }
  auto ifOp = scf::IfOp::create(b, loc, disjoint, /*withElseRegion=*/true);
  OpBuilder elseBuilder = ifOp.getElseBodyBuilder();
  elseBuilder.clone(*op);
  op->moveBefore(ifOp.thenBlock()->getTerminator());
  RowPlan inner = plan;
  inner.overlapChecks.clear();
  rewriteRowReduced(inner);
}

void rewriteRowReduced(const RowPlan &plan) {
  if (!plan.overlapChecks.empty())
    return rewriteRowReducedVersioned(plan);
  linalg::GenericOp op = plan.op;
  OpBuilder b(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  auto cst = [&](OpBuilder &ob, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(ob, loc, v);
  };
  auto vecType = VectorType::get({kLanes}, b.getF32Type());
  AffineExpr nExpr = getAffineDimExpr(plan.nDim, ctx);
  // Per operand: the memref (the unit dims after n dropped, so that n is
  // the last dim of the vector loads and stores) and its loop dims.
  SmallVector<Value> buffers;
  SmallVector<SmallVector<unsigned>> dims;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    Value buffer = operand.get();
    unsigned rank = map.getNumResults();
    if (std::optional<unsigned> nPos = map.getResultPosition(nExpr)) {
      rank = *nPos + 1;
      if (rank != map.getNumResults()) {
        auto type = cast<MemRefType>(buffer.getType());
        buffer = memref::createCanonicalRankReducingSubViewOp(
            b, loc, buffer, type.getShape().take_front(rank));
      }
    }
    SmallVector<unsigned> d;
    for (unsigned j = 0; j < rank; ++j)
      d.push_back(map.getDimPosition(j));
    buffers.push_back(buffer);
    dims.push_back(d);
  }
  auto indices = [&](OpBuilder &ob, unsigned operand, Value i, Value n) {
    SmallVector<Value> idx;
    for (unsigned d : dims[operand])
      idx.push_back(d == plan.rDim ? i : d == plan.nDim ? n : cst(ob, 0));
    return idx;
  };
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  unsigned numInputs = op.getNumDpsInputs();
  SmallVector<unsigned> inPlace, reduced; // init numbers
  for (OpOperand &init : op.getDpsInitsMutable())
    (op.getMatchingIndexingMap(&init).isFunctionOfDim(plan.rDim) ? inPlace
                                                                 : reduced)
        .push_back(init.getOperandNumber() - numInputs);
  SmallVector<Range, 4> ranges =
      cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc);
  Value rExt = getValueOrCreateConstantIndexOp(b, loc, ranges[plan.rDim].size);
  int64_t nr = kLanes * plan.nv;

  auto nLoop =
      scf::ForOp::create(b, loc, cst(b, 0), cst(b, plan.n), cst(b, nr));
  OpBuilder nb = OpBuilder::atBlockBegin(nLoop.getBody());
  SmallVector<Value> nIdx;
  for (int64_t v = 0; v < plan.nv; ++v)
    nIdx.push_back(arith::AddIOp::create(nb, loc, nLoop.getInductionVar(),
                                         cst(nb, v * kLanes)));
  Value zero = cst(nb, 0);

  // Body values that depend on r (the r-indexed operands and what is
  // computed from them); the others are evaluated once, before the r loop.
  llvm::DenseSet<Value> varying;
  for (OpOperand &operand : op->getOpOperands())
    if (op.getMatchingIndexingMap(&operand).isFunctionOfDim(plan.rDim) ||
        llvm::is_contained(reduced, operand.getOperandNumber() - numInputs))
      varying.insert(body.getArgument(operand.getOperandNumber()));
  for (Operation &inner : body.without_terminator())
    if (llvm::any_of(inner.getOperands(),
                     [&](Value x) { return varying.contains(x); }))
      varying.insert(inner.getResult(0));
  // Products (arith.mulf chains) with factors of both kinds are evaluated
  // as (invariant factors, before the loop) x (varying factors): `S k[d]
  // v` becomes k[d] x (S v), one vector multiply per row. A reduced
  // output `out + P` with invariant factors in P sums only P's varying
  // factors over r and multiplies by the invariant ones once, after the
  // loop (the read-out's q[d] M C[d] is M x Σ q[d] C[d]).
  auto split = [&](Value x, SmallVectorImpl<Value> &inv,
                   SmallVectorImpl<Value> &var) {
    SmallVector<Value> factors;
    flattenProduct(x, body, factors);
    for (Value f : factors)
      (varying.contains(f) ? var : inv).push_back(f);
    return !inv.empty() && !var.empty();
  };
  // Per reduced output: the invariant factors taken out of its sum (empty:
  // none) and the varying ones it sums instead.
  SmallVector<SmallVector<Value>> outside(reduced.size()),
      inside(reduced.size());
  if (plan.additive)
    for (auto [j, o] : llvm::enumerate(reduced)) {
      SmallVector<Value> inv, var;
      if (split(plan.addends.lookup(o), inv, var)) {
        outside[j] = inv;
        inside[j] = var;
      }
    }

  // Accumulators [chain][reduced output][vector]: chain 0 starts from the
  // output (zero when factors are taken out), the others from zero.
  int64_t perChain = static_cast<int64_t>(reduced.size()) * plan.nv;
  Value zeroVec;
  if (plan.chains > 1 || llvm::any_of(outside, [](const auto &factors) {
        return !factors.empty();
      }))
    zeroVec = arith::ConstantOp::create(
        nb, loc, cast<TypedAttr>(nb.getZeroAttr(vecType)));
  SmallVector<Value> accInit;
  for (auto [j, o] : llvm::enumerate(reduced))
    for (int64_t v = 0; v < plan.nv; ++v)
      accInit.push_back(outside[j].empty()
                            ? vector::LoadOp::create(
                                  nb, loc, vecType, buffers[numInputs + o],
                                  indices(nb, numInputs + o, zero, nIdx[v]))
                                  .getResult()
                            : zeroVec);
  accInit.append((plan.chains - 1) * perChain, zeroVec);
  auto rLoop =
      scf::ForOp::create(nb, loc, zero, rExt, cst(nb, plan.chains), accInit);
  // Invariant values, per vector (scalars shared), built before the loop.
  OpBuilder hb(rLoop);
  SmallVector<llvm::DenseMap<Value, Value>> hoistedVectors(plan.nv);
  llvm::DenseMap<Value, Value> hoistedScalars;
  // The hoisted factors of mixed products, per (product, vector, kind).
  std::map<std::tuple<void *, int64_t, int>, Value> hoistedProducts;

  // The body's value x at row i (null: invariant) and vector v, built with
  // `ob`; `cache` holds the values built at this point.
  struct Point {
    OpBuilder &ob;
    Value i;
    int64_t v;
    llvm::DenseMap<Value, Value> &vectors, &scalars;
    ValueRange accs;
  };
  std::function<Value(const Point &, Value)> eval;
  auto broadcastTo = [&](OpBuilder &ob, Value value) -> Value {
    if (isa<VectorType>(value.getType()))
      return value;
    // f32 values, or the i1 conditions of selects.
    return vector::BroadcastOp::create(
        ob, loc, VectorType::get({kLanes}, value.getType()), value);
  };
  auto multiply = [&](const Point &at, ArrayRef<Value> factors) -> Value {
    Value product;
    for (Value f : factors) {
      Value value = eval(at, f);
      if (!product) {
        product = value;
        continue;
      }
      if (isa<VectorType>(product.getType()) !=
          isa<VectorType>(value.getType())) {
        product = broadcastTo(at.ob, product);
        value = broadcastTo(at.ob, value);
      }
      product = arith::MulFOp::create(at.ob, loc, product, value,
                                      arith::FastMathFlags::contract);
    }
    return product;
  };
  eval = [&](const Point &at, Value x) -> Value {
    if (x.getParentRegion() != &op.getRegion())
      return x; // defined outside the op
    if (at.i && !varying.contains(x)) {
      Point before{
          hb,          Value(), at.v, hoistedVectors[at.v], hoistedScalars,
          ValueRange()};
      return eval(before, x);
    }
    bool vec = plan.vectors.contains(x);
    auto &cache = vec ? at.vectors : at.scalars;
    if (Value done = cache.lookup(x))
      return done;
    Value result;
    SmallVector<Value> inv, var;
    if (auto arg = dyn_cast<BlockArgument>(x)) {
      unsigned a = arg.getArgNumber();
      auto red = llvm::find(reduced, a - numInputs);
      if (a >= numInputs && red != reduced.end())
        result = at.accs[(red - reduced.begin()) * plan.nv + at.v];
      else if (vec)
        result = vector::LoadOp::create(at.ob, loc, vecType, buffers[a],
                                        indices(at.ob, a, at.i, nIdx[at.v]));
      else
        result = memref::LoadOp::create(at.ob, loc, buffers[a],
                                        indices(at.ob, a, at.i, Value()));
    } else if (at.i && isa<arith::MulFOp>(x.getDefiningOp()) &&
               split(x, inv, var)) {
      // Scalars first (one scalar product per row, shared by the
      // vectors), then one vector multiply: (varying scalars) x (the
      // invariant product, hoisted) when no varying factor is a vector
      // (k[d] x (S v)), else (all scalars, the invariant ones hoisted) x
      // (invariant vectors, hoisted) x (varying vectors) (q[d] M x C[d]).
      Point before{
          hb,          Value(), at.v, hoistedVectors[at.v], hoistedScalars,
          ValueRange()};
      auto isVector = [&](Value f) { return plan.vectors.contains(f); };
      SmallVector<Value> invS, invV, varS, varV;
      for (Value f : inv)
        (isVector(f) ? invV : invS).push_back(f);
      for (Value f : var)
        (isVector(f) ? varV : varS).push_back(f);
      // kind 0: all the invariant factors, 1: the scalars, 2: the vectors.
      auto hoist = [&](ArrayRef<Value> factors, int kind) {
        Value &slot = hoistedProducts[{x.getAsOpaquePointer(), at.v, kind}];
        if (!slot)
          slot = multiply(before, factors);
        return slot;
      };
      Value scalar, vector;
      if (varV.empty()) {
        scalar = multiply(at, varS);
        vector = hoist(inv, 0);
      } else {
        Value hoisted = invS.empty() ? Value() : hoist(invS, 1);
        Value rowScalar = varS.empty() ? Value() : multiply(at, varS);
        scalar = !hoisted ? rowScalar
                 : !rowScalar
                     ? hoisted
                     : arith::MulFOp::create(at.ob, loc, rowScalar, hoisted,
                                             arith::FastMathFlags::contract)
                           .getResult();
        Value invVector = invV.empty() ? Value() : hoist(invV, 2);
        vector = multiply(at, varV);
        if (invVector)
          vector = arith::MulFOp::create(at.ob, loc, vector, invVector,
                                         arith::FastMathFlags::contract);
      }
      if (!scalar || !vector) {
        result = scalar ? scalar : vector;
      } else {
        if (isa<VectorType>(scalar.getType()) ||
            isa<VectorType>(vector.getType())) {
          scalar = broadcastTo(at.ob, scalar);
          vector = broadcastTo(at.ob, vector);
        }
        result = arith::MulFOp::create(at.ob, loc, scalar, vector,
                                       arith::FastMathFlags::contract);
      }
    } else {
      Operation *def = x.getDefiningOp();
      SmallVector<Value> operands;
      for (Value operand : def->getOperands()) {
        Value value = eval(at, operand);
        if (vec && !isa<VectorType>(value.getType()))
          value = broadcastTo(at.ob, value);
        operands.push_back(value);
      }
      Type type = x.getType();
      if (vec)
        type = VectorType::get({kLanes}, type);
      OperationState state(loc, def->getName().getStringRef(), operands,
                           TypeRange{type}, def->getAttrs());
      result = at.ob.create(state)->getResult(0);
    }
    cache[x] = result;
    return result;
  };

  {
    // Without loop-carried values scf.for built its (empty) yield already.
    Block *loopBody = rLoop.getBody();
    bool hasYield = loopBody->mightHaveTerminator();
    OpBuilder kb = hasYield ? OpBuilder(loopBody->getTerminator())
                            : OpBuilder::atBlockBegin(loopBody);
    Value i0 = rLoop.getInductionVar();
    ValueRange allAccs = rLoop.getRegionIterArgs();
    SmallVector<Value> allNext(allAccs.size());
    for (int64_t u = 0; u < plan.chains; ++u) {
      Value i =
          u == 0 ? i0
                 : arith::AddIOp::create(kb, loc, i0, cst(kb, u)).getResult();
      ValueRange accs = allAccs.slice(u * perChain, perChain);
      llvm::DenseMap<Value, Value> scalars; // shared by the vectors
      for (int64_t v = 0; v < plan.nv; ++v) {
        llvm::DenseMap<Value, Value> memo;
        Point at{kb, i, v, memo, scalars, accs};
        for (unsigned o : inPlace)
          vector::StoreOp::create(
              kb, loc, broadcastTo(kb, eval(at, yield.getOperand(o))),
              buffers[numInputs + o], indices(kb, numInputs + o, i, nIdx[v]));
        for (auto [j, o] : llvm::enumerate(reduced)) {
          Value next;
          if (outside[j].empty()) {
            next = eval(at, yield.getOperand(o));
          } else {
            // acc + (the varying factors of P).
            next =
                arith::AddFOp::create(kb, loc, accs[j * plan.nv + v],
                                      broadcastTo(kb, multiply(at, inside[j])),
                                      arith::FastMathFlags::contract);
          }
          allNext[u * perChain + j * plan.nv + v] = broadcastTo(kb, next);
        }
      }
    }
    if (!hasYield)
      scf::YieldOp::create(kb, loc, allNext);
  }
  // The chains' partial sums, pairwise.
  SmallVector<Value> sums =
      sumChains(nb, loc, rLoop.getResults(), plan.chains, perChain);
  for (auto [j, o] : llvm::enumerate(reduced))
    for (int64_t v = 0; v < plan.nv; ++v) {
      Value sum = sums[j * plan.nv + v];
      SmallVector<Value> idx = indices(nb, numInputs + o, zero, nIdx[v]);
      if (!outside[j].empty()) {
        // out + (invariant factors) x Σ.
        Point before{nb,          Value(), v, hoistedVectors[v], hoistedScalars,
                     ValueRange()};
        Value factor = broadcastTo(nb, multiply(before, outside[j]));
        Value out = vector::LoadOp::create(nb, loc, vecType,
                                           buffers[numInputs + o], idx);
        sum = vector::FMAOp::create(nb, loc, factor, sum, out);
      }
      vector::StoreOp::create(nb, loc, sum, buffers[numInputs + o], idx);
    }
  op.erase();
}

struct MicrokernelsPass
    : public PassWrapper<MicrokernelsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MicrokernelsPass)
  StringRef getArgument() const override { return "plstm-cpu-microkernels"; }
  StringRef getDescription() const override {
    return "Contractions (linalg.generic on memrefs with reductions, body out "
           "+ product) to register-blocked vector loop nests: 16-lane "
           "vectors along the output's last dim, register rows along the one "
           "before, accumulators in registers across the reduction; row-"
           "reduced passes (outputs updated in place or reduced over the one "
           "reduction dim) to vector loops with the reductions in registers";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, linalg::LinalgDialect,
                    memref::MemRefDialect, scf::SCFDialect,
                    vector::VectorDialect>();
  }
  void runOnOperation() override {
    std::vector<Plan> plans;
    std::vector<RowPlan> rowPlans;
    getOperation().walk([&](linalg::GenericOp op) {
      // The quad tree's dynamic small levels (blocks of at most 4×4 cells,
      // kSmallLoopsAttr): loop nests over a few elements, where a register
      // block and its remainder loops would only be more code to compile.
      auto func = op->getParentOfType<func::FuncOp>();
      if (func && plstm::isSmallLoopsPart(func))
        return;
      if (std::optional<Plan> plan = analyze(op))
        plans.push_back(std::move(*plan));
      else if (std::optional<RowPlan> rowPlan = analyzeRowReduced(op))
        rowPlans.push_back(std::move(*rowPlan));
    });
    for (const Plan &plan : plans)
      rewrite(plan);
    for (const RowPlan &plan : rowPlans)
      rewriteRowReduced(plan);
  }
};
} // namespace

std::unique_ptr<Pass> mlir::plstm::createMicrokernelsPass() {
  return std::make_unique<MicrokernelsPass>();
}

//===- Chunk2D.cpp - the tiled (quad-tree) schedules of scan2d ------------===//
//
// See Chunk2D.h.
//
//===----------------------------------------------------------------------===//

#include "passes/Chunk2D.h"
#include "passes/Chunk1D.h"
#include "passes/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/AffineMap.h"

#include <array>
#include <functional>

using namespace mlir;
using namespace mlir::plstm;

int64_t plstm::nextPowerOfTwo(int64_t n) {
  int64_t p = 1;
  while (p < n)
    p *= 2;
  return p;
}

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }
ArrayRef<int64_t> shapeOf(Value v) { return typeOf(v).getShape(); }

//===----------------------------------------------------------------------===//
// Contractions with missing (zero) factors
//===----------------------------------------------------------------------===//

/// Size `d` of tensor `t`: an attribute when static, else its tensor.dim
/// (the dynamic quad-tree levels, mergeLevelsDynamic).
OpFoldResult dimOf(ImplicitLocOpBuilder &b, Value t, int64_t d) {
  return tensor::getMixedSize(b, b.getLoc(), t, d);
}

/// size · mul / div (exact), folded when static.
OpFoldResult scaled(ImplicitLocOpBuilder &b, OpFoldResult size, int64_t mul,
                    int64_t div) {
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return b.getIndexAttr(*c * mul / div);
  Value v = cast<Value>(size);
  if (mul != 1)
    v = arith::MulIOp::create(b, v, indexConst(b, mul));
  if (div != 1)
    v = arith::DivUIOp::create(b, v, indexConst(b, div));
  return v;
}

SmallVector<OpFoldResult> staticSizes(ImplicitLocOpBuilder &b,
                                      ArrayRef<int64_t> shape) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t size : shape)
    sizes.push_back(b.getIndexAttr(size));
  return sizes;
}

/// The result sizes of an einsum, each letter sized from the first operand
/// that has it.
SmallVector<OpFoldResult> einsumSizes(ImplicitLocOpBuilder &b,
                                      ArrayRef<EinsumOperand> operands,
                                      StringRef out) {
  SmallVector<OpFoldResult> sizes;
  for (char c : out) {
    OpFoldResult size;
    for (const EinsumOperand &operand : operands) {
      size_t pos = operand.indices.find(c);
      if (pos != StringRef::npos) {
        size = dimOf(b, operand.tensor, pos);
        break;
      }
    }
    assert(size && "output letter missing from the operands");
    sizes.push_back(size);
  }
  return sizes;
}

/// acc + Π operands. A null operand is a zero factor (a missing turn
/// transition, SPEC A3): the product vanishes and `acc` (possibly null, i.e.
/// zero) is returned unchanged.
Value product(ImplicitLocOpBuilder &b, ArrayRef<EinsumOperand> operands,
              StringRef out, Value acc = {}) {
  for (const EinsumOperand &operand : operands)
    if (!operand.tensor)
      return acc;
  if (!acc)
    acc = zeroTensor(b, einsumSizes(b, operands, out),
                     typeOf(operands[0].tensor).getElementType());
  return einsum(b, operands, acc, out);
}

// Products of per-meta-cell tensors, "later · earlier" (SPEC §3.3). Leading
// X, Y are the meta-cell indices; border indices o/c/i, node offsets w/z
// (t/u for targets), JT letters I/J/K, JK/JV k/l, JO/JQ O/Q.
//   T [X,Y,out,in,JT,JT]   S [X,Y,w,z,out,JT,JK,JV]   M [X,Y,w,z,in,JO,JQ,JT]
//   G [X,Y,w_tgt,w_src,z_tgt,z_src,JO,JQ,JK,JV]
// The index strings of the two factors and of the result.
struct MergeProduct {
  const char *first, *second, *out;
};
constexpr MergeProduct kTT = {"XYocIJ", "XYciJK", "XYoiIK"};
constexpr MergeProduct kTS = {"XYocIJ", "XYwzcJkl", "XYwzoIkl"};
constexpr MergeProduct kMT = {"XYwzcOQJ", "XYciJK", "XYwziOQK"};
constexpr MergeProduct kMS = {"XYtucOQJ", "XYwzcJkl", "XYtwuzOQkl"};

Value tt(ImplicitLocOpBuilder &b, Value later, Value earlier, Value acc = {}) {
  return product(b, {{later, kTT.first}, {earlier, kTT.second}}, kTT.out, acc);
}
Value ts(ImplicitLocOpBuilder &b, Value t, Value s, Value acc = {}) {
  return product(b, {{t, kTS.first}, {s, kTS.second}}, kTS.out, acc);
}
Value mt(ImplicitLocOpBuilder &b, Value m, Value t, Value acc = {}) {
  return product(b, {{m, kMT.first}, {t, kMT.second}}, kMT.out, acc);
}

/// Quadrant (xh, yh) of every meta-cell pair: a stride-2 slice of the two
/// meta-cell axes.
Value quadrant(ImplicitLocOpBuilder &b, Value t, int64_t xh, int64_t yh) {
  if (!t)
    return t;
  RankedTensorType type = typeOf(t);
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    offsets.push_back(b.getIndexAttr(d == 0 ? xh : d == 1 ? yh : 0));
    sizes.push_back(d < 2 ? scaled(b, dimOf(b, t, d), 1, 2) : dimOf(b, t, d));
    strides.push_back(b.getIndexAttr(d < 2 ? 2 : 1));
  }
  return tensor::ExtractSliceOp::create(b, t, offsets, sizes, strides);
}

/// A block of a merged tensor built in place: given the block's slice of
/// the merged tensor (zero on entry), returns its value, which goes back
/// into that slice. Building the block's sum of products directly in the
/// slice (destination-passing) leaves bufferization no temporary and no
/// copy to make for it; an empty function is a zero block.
using Into = std::function<Value(Value)>;

/// A block that is already built: copied into its slice.
Into given(Value v) {
  if (!v)
    return {};
  return [v](Value) { return v; };
}

/// acc + Π operands in the block's slice: `acc` first (the zero slice when
/// empty), then the product accumulated on top. A null operand is a zero
/// factor, as in `product`.
Into productInto(ImplicitLocOpBuilder &b, ArrayRef<EinsumOperand> operands,
                 StringRef out, Into acc) {
  for (const EinsumOperand &operand : operands)
    if (!operand.tensor)
      return acc;
  SmallVector<EinsumOperand> ops(operands);
  return [&b, ops, out, acc](Value slice) {
    return einsum(b, ops, acc ? acc(slice) : slice, out);
  };
}
Into mergeInto(ImplicitLocOpBuilder &b, const MergeProduct &p, Value first,
               Value second, Into acc) {
  return productInto(b, {{first, p.first}, {second, p.second}}, p.out, acc);
}
Into ttInto(ImplicitLocOpBuilder &b, Value later, Value earlier,
            Into acc = {}) {
  return mergeInto(b, kTT, later, earlier, acc);
}
Into tsInto(ImplicitLocOpBuilder &b, Value t, Value s, Into acc = {}) {
  return mergeInto(b, kTS, t, s, acc);
}
Into mtInto(ImplicitLocOpBuilder &b, Value m, Value t, Into acc = {}) {
  return mergeInto(b, kMT, m, t, acc);
}
Into msInto(ImplicitLocOpBuilder &b, Value m, Value s, Into acc = {}) {
  return mergeInto(b, kMS, m, s, acc);
}

/// A block of a merged tensor: how it is built and the halves (0 or 1) its
/// within-cell dims start at (the dims after X, Y, each of extent `bs` in
/// the block, at offset half · bs; trailing J dims start at 0).
struct Piece {
  Into into;
  SmallVector<int64_t, 4> halves;
};

/// The merged tensor of `shape` from its blocks, each built in its slice of
/// a zero tensor; null when every block is zero. Sizes may be dynamic
/// (mergeLevelsDynamic).
Value assemble(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> shape, Type et,
               OpFoldResult bs, ArrayRef<Piece> blocks) {
  if (llvm::none_of(blocks,
                    [](const Piece &block) { return bool(block.into); }))
    return {};
  Value acc = zeroTensor(b, shape, et);
  for (const Piece &block : blocks) {
    if (!block.into)
      continue;
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (auto [d, size] : llvm::enumerate(shape)) {
      bool inCell = d >= 2 && d - 2 < block.halves.size();
      offsets.push_back(inCell && block.halves[d - 2] ? bs : b.getIndexAttr(0));
      sizes.push_back(inCell ? bs : size);
      strides.push_back(b.getIndexAttr(1));
    }
    Value slice =
        tensor::ExtractSliceOp::create(b, acc, offsets, sizes, strides);
    Value value = block.into(slice);
    assert(value.getType() == slice.getType() && "block type mismatch");
    acc = tensor::InsertSliceOp::create(b, value, acc, offsets, sizes, strides);
  }
  return acc;
}

/// The tensors of one quad-tree level (SPEC §3.3); turns and G may be null.
struct QuadLevel {
  Value trl, tdu, tdl, tru, sr, sd, ml, mu, g;
};

using Quadrants = std::array<std::array<Value, 2>, 2>;

Quadrants quadrants(ImplicitLocOpBuilder &b, Value t) {
  Quadrants q;
  for (int64_t xh = 0; xh < 2; ++xh)
    for (int64_t yh = 0; yh < 2; ++yh)
      q[xh][yh] = quadrant(b, t, xh, yh);
  return q;
}

/// Merge step level i -> i+1 with meta-cells of side `bs` = 2^i: the formulas
/// of SPEC §3.3 with quadrants indexed [x-half][y-half].
/// Which tensors of the next level a call of mergeLevel builds.
enum class LevelPart { Transitions, Sources, Marks, PathSums };

QuadLevel mergeLevel(ImplicitLocOpBuilder &b, const QuadLevel &level,
                     OpFoldResult bs, LevelPart part) {
  Type et = typeOf(level.trl).getElementType();
  Quadrants Trl = quadrants(b, level.trl), Tdu = quadrants(b, level.tdu),
            Tdl = quadrants(b, level.tdl), Tru = quadrants(b, level.tru),
            Sr = quadrants(b, level.sr), Sd = quadrants(b, level.sd),
            Ml = quadrants(b, level.ml), Mu = quadrants(b, level.mu),
            G = quadrants(b, level.g);
  // Sizes of the merged level: m/2 meta-cells of side 2·bs (dynamic in
  // mergeLevelsDynamic), the J dims (static).
  OpFoldResult m2 = scaled(b, dimOf(b, level.trl, 0), 1, 2),
               b2 = scaled(b, bs, 2, 1);
  auto jDim = [&](Value t, int64_t d) { return dimOf(b, t, d); };
  SmallVector<OpFoldResult> tShape = {
      m2, m2, b2, b2, jDim(level.trl, 4), jDim(level.trl, 5)};
  // Sources and marks are absent in the state quad tree (mergeStates, which
  // asks for the transitions only).
  SmallVector<OpFoldResult> sShape, mShape, gShape;
  if (level.sr && level.ml) {
    Value s0 = level.sr, m0 = level.ml;
    sShape = {m2, m2, b2, b2, b2, jDim(s0, 5), jDim(s0, 6), jDim(s0, 7)};
    mShape = {m2, m2, b2, b2, b2, jDim(m0, 5), jDim(m0, 6), jDim(m0, 7)};
    gShape = {m2, m2,          b2,          b2,          b2,
              b2, jDim(m0, 5), jDim(m0, 6), jDim(s0, 6), jDim(s0, 7)};
  } else {
    assert(part == LevelPart::Transitions && "sources and marks needed");
  }
  // Transitions: block [out-half][in-half].
  auto tb = [&](Into v, int64_t oh, int64_t ih) {
    return Piece{std::move(v), {oh, ih}};
  };
  // Sources: per source quadrant, block [out-half]; marks: per target
  // quadrant, block [in-half].
  auto sb = [&](Into v, int64_t xh, int64_t yh, int64_t half) {
    return Piece{std::move(v), {xh, yh, half}};
  };
  // Path sums: block (target quadrant) <- (source quadrant).
  auto gb = [&](Into v, int64_t txh, int64_t tyh, int64_t sxh, int64_t syh) {
    return Piece{std::move(v), {txh, sxh, tyh, syh}};
  };

  // Each block's outermost sum of products is built in its slice of the
  // merged tensor (the *Into forms); the inner factors are temporaries.
  QuadLevel next;
  if (part == LevelPart::Transitions) {
    next.trl =
        assemble(b, tShape, et, bs,
                 {tb(ttInto(b, Trl[1][0], Trl[0][0]), 0, 0),
                  tb(ttInto(b, Tru[1][1], tt(b, Tdl[1][0], Trl[0][0]),
                            ttInto(b, Trl[1][1], tt(b, Tru[0][1], Tdl[0][0]))),
                     1, 0),
                  tb(ttInto(b, Trl[1][1], Trl[0][1]), 1, 1)});
    next.tdu =
        assemble(b, tShape, et, bs,
                 {tb(ttInto(b, Tdu[0][1], Tdu[0][0]), 0, 0),
                  tb(ttInto(b, Tdl[1][1], tt(b, Tru[0][1], Tdu[0][0]),
                            ttInto(b, Tdu[1][1], tt(b, Tdl[1][0], Tru[0][0]))),
                     1, 0),
                  tb(ttInto(b, Tdu[1][1], Tdu[1][0]), 1, 1)});
    next.tru = assemble(
        b, tShape, et, bs,
        {tb(ttInto(b, Trl[1][0], Tru[0][0]), 0, 0), tb(given(Tru[1][0]), 0, 1),
         tb(ttInto(b, Trl[1][1], tt(b, Tru[0][1], Tdu[0][0]),
                   ttInto(b, Tru[1][1], tt(b, Tdl[1][0], Tru[0][0]))),
            1, 0),
         tb(ttInto(b, Tru[1][1], Tdu[1][0]), 1, 1)});
    next.tdl = assemble(
        b, tShape, et, bs,
        {tb(ttInto(b, Tdu[0][1], Tdl[0][0]), 0, 0), tb(given(Tdl[0][1]), 0, 1),
         tb(ttInto(b, Tdu[1][1], tt(b, Tdl[1][0], Trl[0][0]),
                   ttInto(b, Tdl[1][1], tt(b, Tru[0][1], Tdl[0][0]))),
            1, 0),
         tb(ttInto(b, Tdl[1][1], Trl[0][1]), 1, 1)});
  }

  if (part == LevelPart::Sources) {
    next.sr =
        assemble(b, sShape, et, bs,
                 {sb(tsInto(b, Trl[1][0], Sr[0][0]), 0, 0, 0),
                  sb(tsInto(b, Tru[1][1], ts(b, Tdl[1][0], Sr[0][0]),
                            tsInto(b, Trl[1][1], ts(b, Tru[0][1], Sd[0][0]))),
                     0, 0, 1),
                  sb(tsInto(b, Trl[1][1], Sr[0][1]), 0, 1, 1),
                  sb(given(Sr[1][0]), 1, 0, 0),
                  sb(tsInto(b, Tru[1][1], Sd[1][0]), 1, 0, 1),
                  sb(given(Sr[1][1]), 1, 1, 1)});
    next.sd =
        assemble(b, sShape, et, bs,
                 {sb(tsInto(b, Tdu[0][1], Sd[0][0]), 0, 0, 0),
                  sb(tsInto(b, Tdl[1][1], ts(b, Tru[0][1], Sd[0][0]),
                            tsInto(b, Tdu[1][1], ts(b, Tdl[1][0], Sr[0][0]))),
                     0, 0, 1),
                  sb(given(Sd[0][1]), 0, 1, 0),
                  sb(tsInto(b, Tdl[1][1], Sr[0][1]), 0, 1, 1),
                  sb(tsInto(b, Tdu[1][1], Sd[1][0]), 1, 0, 1),
                  sb(given(Sd[1][1]), 1, 1, 1)});
  }

  if (part == LevelPart::Marks) {
    next.ml =
        assemble(b, mShape, et, bs,
                 {sb(given(Ml[0][0]), 0, 0, 0),
                  sb(mtInto(b, Mu[0][1], Tdl[0][0]), 0, 1, 0),
                  sb(given(Ml[0][1]), 0, 1, 1),
                  sb(mtInto(b, Ml[1][0], Trl[0][0]), 1, 0, 0),
                  sb(mtInto(b, mt(b, Ml[1][1], Tru[0][1]), Tdl[0][0],
                            mtInto(b, mt(b, Mu[1][1], Tdl[1][0]), Trl[0][0])),
                     1, 1, 0),
                  sb(mtInto(b, Ml[1][1], Trl[0][1]), 1, 1, 1)});
    next.mu =
        assemble(b, mShape, et, bs,
                 {sb(given(Mu[0][0]), 0, 0, 0),
                  sb(mtInto(b, Mu[0][1], Tdu[0][0]), 0, 1, 0),
                  sb(mtInto(b, Ml[1][0], Tru[0][0]), 1, 0, 0),
                  sb(given(Mu[1][0]), 1, 0, 1),
                  sb(mtInto(b, mt(b, Ml[1][1], Tru[0][1]), Tdu[0][0],
                            mtInto(b, mt(b, Mu[1][1], Tdl[1][0]), Tru[0][0])),
                     1, 1, 0),
                  sb(mtInto(b, Mu[1][1], Tdu[1][0]), 1, 1, 1)});
  }

  if (part == LevelPart::PathSums) {
    next.g = assemble(
        b, gShape, et, bs,
        {gb(given(G[0][0]), 0, 0, 0, 0), gb(given(G[0][1]), 0, 1, 0, 1),
         gb(given(G[1][0]), 1, 0, 1, 0), gb(given(G[1][1]), 1, 1, 1, 1),
         gb(msInto(b, Ml[1][0], Sr[0][0]), 1, 0, 0, 0),
         gb(msInto(b, Mu[0][1], Sd[0][0]), 0, 1, 0, 0),
         gb(msInto(b, mt(b, Mu[1][1], Tdl[1][0]), Sr[0][0],
                   msInto(b, mt(b, Ml[1][1], Tru[0][1]), Sd[0][0])),
            1, 1, 0, 0),
         gb(msInto(b, Mu[1][1], Sd[1][0]), 1, 1, 1, 0),
         gb(msInto(b, Ml[1][1], Sr[0][1]), 1, 1, 0, 1)});
  }
  return next;
}

/// mergeLevel in four outlined regions (transitions, sources, marks, path
/// sums).
QuadLevel mergeLevelOutlined(ImplicitLocOpBuilder &b, const QuadLevel &level,
                             OpFoldResult bs) {
  QuadLevel next;
  for (LevelPart part : {LevelPart::Transitions, LevelPart::Sources,
                         LevelPart::Marks, LevelPart::PathSums}) {
    QuadLevel merged;
    auto fields = [](QuadLevel &l) {
      return SmallVector<Value *>{&l.trl, &l.tdu, &l.tdl, &l.tru, &l.sr,
                                  &l.sd,  &l.ml,  &l.mu,  &l.g};
    };
    SmallVector<Value> results = outlined(b, [&] {
      merged = mergeLevel(b, level, bs, part);
      SmallVector<Value> values;
      for (Value *v : fields(merged))
        if (*v)
          values.push_back(*v);
      return values;
    });
    size_t i = 0;
    SmallVector<Value *> into = fields(next);
    for (auto [from, to] : llvm::zip(fields(merged), into))
      if (*from)
        *to = results[i++];
  }
  return next;
}

/// The first block side the quad tree builds with static shapes when its
/// small levels are dynamic: from 8 on, the merges' contractions are
/// microkernels (static extents); below, loop nests over a few small blocks.
constexpr int64_t kFirstStaticBlock = 8;
/// The smallest tile whose small levels are dynamic: from 32×32 on the
/// dynamic levels saved 0.14 s of compile time (`2d-32` log-depth at the
/// same run time, `vit-t-384` log-depth 3-5 % slower); on a 16×16 tile
/// 0.07 s, but the four-orientation `vit-t` log-depth kernel ran 20 %
/// slower (its small levels are a larger share of its work).
constexpr int64_t kFirstDynamicTile = 32;

/// The merges of level 0 (1×1 cells, of a P×P tile) up to cells of side
/// `until` as one scf.while over the levels, with dynamic level shapes: one
/// function per part (transitions, sources, marks, path sums) for all those
/// levels instead of one per level and part. The same formulas
/// (mergeLevelOutlined); G starts as zero (no path inside a 1×1 cell), not
/// absent, so that every level carries the same tensors. For the JIT's
/// compile time: these levels were a third of the 2D log-depth kernels'
/// LLVM work. The CPU pipeline's plstm-outline-regions marks the parts
/// outlined from inside an scf.while (only these) as small loops: no
/// microkernels, no LLVM loop vectorization of run-time trip counts.
QuadLevel mergeLevelsDynamic(ImplicitLocOpBuilder &b, QuadLevel level,
                             int64_t p, int64_t until) {
  Type et = typeOf(level.trl).getElementType();
  ArrayRef<int64_t> s0 = shapeOf(level.sr), m0 = shapeOf(level.ml);
  level.g = zeroTensor(b, {p, p, 1, 1, 1, 1, m0[5], m0[6], s0[6], s0[7]}, et);
  // The level's tensors and their cell dims (X, Y and the within-cell dims:
  // T has 4, S and M 5, G 6), dynamic in the loop; the J dims stay static.
  auto fields = [](QuadLevel &l) {
    return SmallVector<std::pair<Value *, int64_t>>{
        {&l.trl, 4}, {&l.tdu, 4}, {&l.tdl, 4}, {&l.tru, 4}, {&l.sr, 5},
        {&l.sd, 5},  {&l.ml, 5},  {&l.mu, 5},  {&l.g, 6}};
  };
  // `t` with its cell dims dynamic (side < 0) or [p/side, p/side, side...].
  auto withCells = [&](ImplicitLocOpBuilder &at, Value t, int64_t cellDims,
                       int64_t side) {
    SmallVector<int64_t> shape(shapeOf(t));
    for (int64_t d = 0; d < cellDims; ++d)
      shape[d] = side < 0 ? ShapedType::kDynamic : d < 2 ? p / side : side;
    auto type = RankedTensorType::get(shape, et);
    return t.getType() == type
               ? t
               : tensor::CastOp::create(at, type, t).getResult();
  };
  SmallVector<std::pair<Value *, int64_t>> in = fields(level);
  SmallVector<Value> inits;
  for (auto [field, cellDims] : in)
    if (*field)
      inits.push_back(withCells(b, *field, cellDims, -1));
  // An scf.while over the block side (1, 2, 4, ... < until), not an
  // scf.for: the canonicalizer would fold an scf.for's incoming casts from
  // the static level-0 types into its iter_args (ForOpTensorCastFolder),
  // as if the level shapes did not change.
  SmallVector<Value> carried = {indexConst(b, 1)};
  llvm::append_range(carried, inits);
  auto loop = whileBelow(
      b, indexConst(b, until), carried,
      [&](ImplicitLocOpBuilder &lb, ValueRange after) {
        QuadLevel current;
        SmallVector<std::pair<Value *, int64_t>> cur = fields(current);
        size_t k = 1;
        for (size_t f = 0; f < in.size(); ++f)
          if (*in[f].first)
            *cur[f].first = after[k++];
        Value bs = after[0];
        QuadLevel next = mergeLevelOutlined(lb, current, bs);
        SmallVector<Value> results = {
            arith::AddIOp::create(lb, bs, bs).getResult()};
        for (auto [field, cellDims] : fields(next))
          if (*field)
            results.push_back(withCells(lb, *field, cellDims, -1));
        assert(results.size() == after.size() &&
               "a merge changed which tensors the level has");
        return results;
      });
  // Cells of side `until` from here on: static shapes again.
  QuadLevel out;
  SmallVector<std::pair<Value *, int64_t>> outFields = fields(out);
  size_t k = 1;
  for (size_t f = 0; f < in.size(); ++f)
    if (*in[f].first)
      *outFields[f].first =
          withCells(b, loop.getResult(k++), in[f].second, until);
  return out;
}

/// [P, P, rest...] -> [P, P, 1 × count, rest...] (level-0 border dims).
Value expandUnit(ImplicitLocOpBuilder &b, Value t, int64_t count) {
  if (!t)
    return t;
  RankedTensorType type = typeOf(t);
  SmallVector<int64_t> shape = {type.getDimSize(0), type.getDimSize(1)};
  shape.append(count, 1);
  llvm::append_range(shape, type.getShape().drop_front(2));
  SmallVector<ReassociationIndices> groups = {{0}};
  ReassociationIndices second = {1};
  for (int64_t i = 0; i < count; ++i)
    second.push_back(2 + i);
  groups.push_back(second);
  for (int64_t d = 2; d < type.getRank(); ++d)
    groups.push_back({d + count});
  return tensor::ExpandShapeOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), t, groups);
}

//===----------------------------------------------------------------------===//
// Flips and padding
//===----------------------------------------------------------------------===//

/// A copy of `src` with the dims in `flips` reversed.
Value flipDims(ImplicitLocOpBuilder &b, Value src, ArrayRef<bool> flips) {
  if (llvm::none_of(flips, [](bool f) { return f; }))
    return src;
  RankedTensorType type = typeOf(src);
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    AffineExpr dim = getAffineDimExpr(d, ctx);
    bool flip = d < static_cast<int64_t>(flips.size()) && flips[d];
    exprs.push_back(
        flip ? getAffineConstantExpr(type.getDimSize(d) - 1, ctx) - dim : dim);
  }
  AffineMap in = AffineMap::get(type.getRank(), 0, exprs, ctx);
  AffineMap out = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
  Value init =
      tensor::EmptyOp::create(b, type.getShape(), type.getElementType());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, b.getLoc(), TypeRange{type}, ValueRange{src}, ValueRange{init},
             ArrayRef<AffineMap>{in, out}, iterators,
             [](OpBuilder &nested, Location loc, ValueRange args) {
               linalg::YieldOp::create(nested, loc, args[0]);
             })
      .getResult(0);
}

/// `value` written into `dest` at the origin.
Value insertAtOrigin(ImplicitLocOpBuilder &b, Value value, Value dest) {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (int64_t size : shapeOf(value)) {
    offsets.push_back(b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(size));
    strides.push_back(b.getIndexAttr(1));
  }
  return tensor::InsertSliceOp::create(b, value, dest, offsets, sizes, strides);
}

/// The leading `extents` of `src` (a static crop at the origin).
Value cropAtOrigin(ImplicitLocOpBuilder &b, Value src,
                   ArrayRef<int64_t> extents) {
  RankedTensorType type = typeOf(src);
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d < static_cast<int64_t>(extents.size()))
      shape[d] = extents[d];
    offsets.push_back(b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(shape[d]));
    strides.push_back(b.getIndexAttr(1));
  }
  return tensor::ExtractSliceOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), src, offsets,
      sizes, strides);
}

/// [PX, PY, JT, JT] holding the JT identity at every cell.
Value identityGrid(ImplicitLocOpBuilder &b, int64_t px, int64_t py, int64_t jt,
                   Type et) {
  MLIRContext *ctx = b.getContext();
  auto type = RankedTensorType::get({px, py, jt, jt}, et);
  Value init = tensor::EmptyOp::create(b, type.getShape(), et);
  AffineMap in = AffineMap::get(
      4, 0, {getAffineDimExpr(2, ctx), getAffineDimExpr(3, ctx)}, ctx);
  AffineMap out = AffineMap::getMultiDimIdentityMap(4, ctx);
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, b.getLoc(), TypeRange{type},
             ValueRange{identityMatrix(b, jt, et)}, ValueRange{init},
             ArrayRef<AffineMap>{in, out}, iterators,
             [](OpBuilder &nested, Location loc, ValueRange args) {
               linalg::YieldOp::create(nested, loc, args[0]);
             })
      .getResult(0);
}

/// Offsets `lead` on the leading dims (0 on the others) and `value`'s
/// sizes: the parameters of a block slice.
void blockParams(ImplicitLocOpBuilder &b, ArrayRef<int64_t> shape,
                 ValueRange lead, SmallVector<OpFoldResult> &offsets,
                 SmallVector<OpFoldResult> &sizes,
                 SmallVector<OpFoldResult> &strides) {
  for (auto [d, size] : llvm::enumerate(shape)) {
    offsets.push_back(d < lead.size() ? OpFoldResult(lead[d])
                                      : OpFoldResult(b.getIndexAttr(0)));
    sizes.push_back(b.getIndexAttr(size));
    strides.push_back(b.getIndexAttr(1));
  }
}

/// `t[lead_0 : lead_0 + P, lead_1 : ..., ...]` (null stays null): a tile
/// `t[x0:x0+P, y0:y0+P]` or the border rows `t[a0:a0+P]`.
Value blockOf(ImplicitLocOpBuilder &b, Value t, ValueRange lead, int64_t p) {
  if (!t)
    return t;
  RankedTensorType type = typeOf(t);
  SmallVector<int64_t> shape(type.getShape());
  for (size_t d = 0; d < lead.size(); ++d)
    shape[d] = p;
  SmallVector<OpFoldResult> offsets, sizes, strides;
  blockParams(b, shape, lead, offsets, sizes, strides);
  return tensor::ExtractSliceOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), t, offsets, sizes,
      strides);
}

/// The inverse of blockOf: `value` written into `dest` at `lead`.
Value insertBlock(ImplicitLocOpBuilder &b, Value value, Value dest,
                  ValueRange lead) {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  blockParams(b, shapeOf(value), lead, offsets, sizes, strides);
  return tensor::InsertSliceOp::create(b, value, dest, offsets, sizes, strides);
}

//===----------------------------------------------------------------------===//
// One orientation, in its own (flipped) frame, on the padded grid
//===----------------------------------------------------------------------===//

struct OrientedInputs {
  // [PX, PY, ...]; q is scaled by s. tdl / tru may be null.
  Value q, k, v, sr, sd, trl, tdu, tdl, tru, ml, mu;
  // Incoming border states [PY, DK, DV, JT] and [PX, DK, DV, JT].
  Value left, top;
  /// The tiles' quad-tree levels below kFirstStaticBlock as one loop with
  /// dynamic level shapes (mergeLevelsDynamic).
  bool dynamicLevels = false;
};

/// What a tile step computes. The single-tile (log-depth) form skips what is
/// statically zero or unused: read-outs of zero incoming states (no initial
/// state), outgoing states nobody reads (unused last states), and leaves the
/// intra-tile product to the caller, which sums G over the orientations first
/// (SPEC §3.6).
struct TileWork {
  bool intra = true, readLeft = true, readTop = true, right = true, down = true;
};

struct TileResults {
  Value y;     // [P, P, DV, JO]
  Value right; // [P, DK, DV, JT] or null
  Value down;  // [P, DK, DV, JT] or null
  Value g;     // [P, P, P, P, JO, JQ, JK, JV] or null (P = 1)
  // The tile's border transitions [P, P, JT, JT] (turns may be null).
  Value trl, tdu, tdl, tru;
};

/// (Q Kᵀ ⊙ G) V in J form, accumulated into `acc` [X, Y, DV, JO]; G is
/// [X, X, Y, Y, J...] (letters a/c = target / source x, e/f = y).
Value addIntra(ImplicitLocOpBuilder &b, Value acc, Value q, Value k, Value v,
               Value g) {
  Value qk = product(b, {{q, "aedj"}, {k, "cfdk"}}, "aejcfk");
  Value w = product(b, {{g, "acefojkl"}, {qk, "aejcfk"}}, "aecfol");
  return einsum(b, {{w, "aecfol"}, {v, "cfvl"}}, acc, "aevo");
}

/// One P×P tile at (x0, y0) with incoming border states cr, cd.
TileResults tileStep(ImplicitLocOpBuilder &b, const OrientedInputs &in,
                     Value x0, Value y0, int64_t p, Value cr, Value cd,
                     const TileWork &work) {
  Type et = typeOf(in.q).getElementType();
  int64_t dk = shapeOf(in.q)[2], dv = shapeOf(in.v)[2];
  int64_t jo = shapeOf(in.ml)[2], jt = shapeOf(in.trl)[2];
  Value zero = indexConst(b, 0);
  auto tile = [&](Value t) { return blockOf(b, t, {x0, y0}, p); };
  // Level 0, then log2 P merges (SPEC §3.3).
  QuadLevel level{expandUnit(b, tile(in.trl), 2),
                  expandUnit(b, tile(in.tdu), 2),
                  expandUnit(b, tile(in.tdl), 2),
                  expandUnit(b, tile(in.tru), 2),
                  expandUnit(b, tile(in.sr), 3),
                  expandUnit(b, tile(in.sd), 3),
                  expandUnit(b, tile(in.ml), 3),
                  expandUnit(b, tile(in.mu), 3),
                  Value()};
  int64_t bs = 1;
  if (in.dynamicLevels && p >= kFirstDynamicTile) {
    level = mergeLevelsDynamic(b, level, p, kFirstStaticBlock);
    bs = kFirstStaticBlock;
  }
  for (; bs < p; bs *= 2)
    level = mergeLevelOutlined(b, level, b.getIndexAttr(bs));
  auto top = [&](Value t) { return t ? sliceAt(b, t, {zero, zero}) : t; };
  Value trl = top(level.trl), tdu = top(level.tdu), tdl = top(level.tdl),
        tru = top(level.tru), sr = top(level.sr), sd = top(level.sd),
        ml = top(level.ml), mu = top(level.mu);
  TileResults r;
  r.g = top(level.g);
  r.trl = trl, r.tdu = tdu, r.tdl = tdl, r.tru = tru;
  Value q = tile(in.q), k = tile(in.k), v = tile(in.v);

  r.y = zeroTensor(b, {p, p, dv, jo}, et);
  if (work.intra && r.g)
    r.y = addIntra(b, r.y, q, k, v, r.g);
  // Inter-tile: q⋅M⋅(incoming border state).
  auto readout = [&](Value acc, Value mark, Value state) {
    Value qc = product(b, {{q, "wzdj"}, {state, "advu"}}, "wzajvu");
    return einsum(b, {{mark, "wzaoju"}, {qc, "wzajvu"}}, acc, "wzvo");
  };
  if (work.readLeft)
    r.y = readout(r.y, ml, cr);
  if (work.readTop)
    r.y = readout(r.y, mu, cd);
  // Outgoing border states: T·incoming + S⋆kv.
  auto outgoing = [&](Value straight, Value straightIn, Value turn,
                      Value turnIn, Value source) {
    Value c = zeroTensor(b, {p, dk, dv, jt}, et);
    c = einsum(b, {{straight, "acij"}, {straightIn, "cdvj"}}, c, "advi");
    c = product(b, {{turn, "acij"}, {turnIn, "cdvj"}}, "advi", c);
    return einsum(b, {{source, "wzaijl"}, {k, "wzdj"}, {v, "wzvl"}}, c, "advi");
  };
  if (work.right)
    r.right = outgoing(trl, cr, tru, cd, sr);
  if (work.down)
    r.down = outgoing(tdu, cd, tdl, cr, sd);
  return r;
}

struct OrientedResults {
  Value y, right, down; // [PX, PY, DV, JO], [PY, ...], [PX, ...]
};

/// Every tile of one orientation in anti-diagonal wavefronts (SPEC §3.4):
/// the tiles of wavefront k = tx + ty are independent.
OrientedResults tiledScan(ImplicitLocOpBuilder &b, const OrientedInputs &in,
                          int64_t p) {
  Type et = typeOf(in.q).getElementType();
  int64_t px = shapeOf(in.q)[0], py = shapeOf(in.q)[1];
  int64_t dv = shapeOf(in.v)[2], jo = shapeOf(in.ml)[2];
  int64_t nx = px / p, ny = py / p;
  Value zero = indexConst(b, 0), one = indexConst(b, 1);
  Value pV = indexConst(b, p);
  Value y0 = tensor::EmptyOp::create(b, ArrayRef<int64_t>{px, py, dv, jo}, et);
  scf::ForOp waves = forLoop(
      b, zero, indexConst(b, nx + ny - 1), {y0, in.left, in.top},
      [&](ImplicitLocOpBuilder &b, Value kd, ValueRange wave) {
        Value lo = arith::MaxSIOp::create(
            b, zero, arith::SubIOp::create(b, kd, indexConst(b, ny - 1)));
        Value hi = arith::AddIOp::create(
            b, arith::MinSIOp::create(b, kd, indexConst(b, nx - 1)), one);
        // The tiles of one wavefront run in parallel.
        scf::ForallOp tiles = parallelLoop(
            b, lo, hi, {wave[0], wave[1], wave[2]},
            [&](ImplicitLocOpBuilder &b, Value tx, ValueRange it) {
              Value ty = arith::SubIOp::create(b, kd, tx);
              Value x0 = arith::MulIOp::create(b, tx, pV);
              Value yy0 = arith::MulIOp::create(b, ty, pV);
              TileResults r =
                  tileStep(b, in, x0, yy0, p, blockOf(b, it[1], {yy0}, p),
                           blockOf(b, it[2], {x0}, p), TileWork());
              return SmallVector<Value>{insertBlock(b, r.y, it[0], {x0, yy0}),
                                        insertBlock(b, r.right, it[1], {yy0}),
                                        insertBlock(b, r.down, it[2], {x0})};
            });
        return SmallVector<Value>(tiles.getResults());
      });
  return {waves.getResult(0), waves.getResult(1), waves.getResult(2)};
}

/// T·state per meta-cell: T [X, Y, out, in, JT, JT], state [X, Y, in, DK, DV,
/// JT] -> [X, Y, out, DK, DV, JT], added to `acc` (null: zero; a null T is a
/// zero factor).
Value applyT(ImplicitLocOpBuilder &b, Value t, Value state, Value acc = {}) {
  return product(b, {{t, "XYocIJ"}, {state, "XYcdvJ"}}, "XYodvI", acc);
}

/// `state`'s border entries [lo, lo + n) of every meta-cell.
Value borderPart(ImplicitLocOpBuilder &b, Value state, int64_t lo, int64_t n) {
  RankedTensorType type = typeOf(state);
  SmallVector<int64_t> shape(type.getShape());
  shape[2] = n;
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    offsets.push_back(b.getIndexAttr(d == 2 ? lo : 0));
    sizes.push_back(b.getIndexAttr(shape[d]));
    strides.push_back(b.getIndexAttr(1));
  }
  return tensor::ExtractSliceOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), state, offsets,
      sizes, strides);
}

/// The [2m, 2m, ...] tensor whose quadrant (xh, yh) cells are `parts[xh][yh]`
/// ([m, m, ...]): the inverse of `quadrant`.
Value interleave(ImplicitLocOpBuilder &b, const Quadrants &parts) {
  RankedTensorType type = typeOf(parts[0][0]);
  SmallVector<int64_t> shape(type.getShape());
  shape[0] *= 2;
  shape[1] *= 2;
  Value acc = tensor::EmptyOp::create(b, shape, type.getElementType());
  for (int64_t xh = 0; xh < 2; ++xh)
    for (int64_t yh = 0; yh < 2; ++yh) {
      SmallVector<OpFoldResult> offsets, sizes, strides;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        offsets.push_back(b.getIndexAttr(d == 0 ? xh : d == 1 ? yh : 0));
        sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
        strides.push_back(b.getIndexAttr(d < 2 ? 2 : 1));
      }
      acc = tensor::InsertSliceOp::create(b, parts[xh][yh], acc, offsets, sizes,
                                          strides);
    }
  return acc;
}

/// One level of the state quad tree: border transitions and the border
/// states due to the sources inside each meta-cell (Skv = S ⋆ kv).
struct StateLevel {
  Value trl, tdu, tdl, tru, skvR, skvD;
};

/// Merge step of the state quad tree with meta-cells of border `bs`: the
/// transitions as in mergeLevel, the states by the source formulas of SPEC
/// §3.3 applied to Skv (every source quadrant adds into the same border).
StateLevel mergeStates(ImplicitLocOpBuilder &b, const StateLevel &level,
                       int64_t bs) {
  QuadLevel asQuad{level.trl, level.tdu, level.tdl, level.tru, Value(),
                   Value(),   Value(),   Value(),   Value()};
  QuadLevel merged =
      mergeLevel(b, asQuad, b.getIndexAttr(bs), LevelPart::Transitions);
  Quadrants Trl = quadrants(b, level.trl), Tdu = quadrants(b, level.tdu),
            Tdl = quadrants(b, level.tdl), Tru = quadrants(b, level.tru),
            Sr = quadrants(b, level.skvR), Sd = quadrants(b, level.skvD);
  Type et = typeOf(level.skvR).getElementType();
  ArrayRef<int64_t> s0 = shapeOf(level.skvR);
  SmallVector<OpFoldResult> shape =
      staticSizes(b, {s0[0] / 2, s0[1] / 2, 2 * bs, s0[3], s0[4], s0[5]});
  auto half = [&](Value v, int64_t h) { return Piece{given(v), {h}}; };
  Value r0 = applyT(b, Trl[1][0], Sr[0][0], Sr[1][0]);
  Value r1 = applyT(b, Tru[1][1], applyT(b, Tdl[1][0], Sr[0][0]), Sr[1][1]);
  r1 = applyT(b, Trl[1][1], applyT(b, Tru[0][1], Sd[0][0]), r1);
  r1 = applyT(b, Trl[1][1], Sr[0][1], r1);
  r1 = applyT(b, Tru[1][1], Sd[1][0], r1);
  Value d0 = applyT(b, Tdu[0][1], Sd[0][0], Sd[0][1]);
  Value d1 = applyT(b, Tdl[1][1], applyT(b, Tru[0][1], Sd[0][0]), Sd[1][1]);
  d1 = applyT(b, Tdu[1][1], applyT(b, Tdl[1][0], Sr[0][0]), d1);
  d1 = applyT(b, Tdl[1][1], Sr[0][1], d1);
  d1 = applyT(b, Tdu[1][1], Sd[1][0], d1);
  return {
      merged.trl,
      merged.tdu,
      merged.tdl,
      merged.tru,
      assemble(b, shape, et, b.getIndexAttr(bs), {half(r0, 0), half(r1, 1)}),
      assemble(b, shape, et, b.getIndexAttr(bs), {half(d0, 0), half(d1, 1)})};
}

/// Body of forEachTile: tile indices, the tile's origin, the iter_args.
using TileBody = function_ref<SmallVector<Value>(
    ImplicitLocOpBuilder &, Value, Value, Value, Value, ValueRange)>;

/// The nt × nt tiles of side p, carrying `inits`, as one parallel loop over
/// tx · nt + ty (parallelLoop: the body inserts into its own tile's slice of
/// each iter_arg); returns the final values.
SmallVector<Value> forEachTile(ImplicitLocOpBuilder &b, int64_t nt, int64_t p,
                               ValueRange inits, TileBody body) {
  Value ntV = indexConst(b, nt), pV = indexConst(b, p);
  scf::ForallOp tiles = parallelLoop(
      b, indexConst(b, 0), indexConst(b, nt * nt), inits,
      [&](ImplicitLocOpBuilder &b, Value t, ValueRange it) {
        Value tx = arith::DivUIOp::create(b, t, ntV);
        Value ty = arith::RemUIOp::create(b, t, ntV);
        return body(b, tx, ty, arith::MulIOp::create(b, tx, pV),
                    arith::MulIOp::create(b, ty, pV), it);
      });
  return SmallVector<Value>(tiles.getResults());
}

/// Log-depth for grids larger than one tile: P×P leaf tiles on a square
/// grid of 2^K tiles per side; an up-sweep builds, level by level, each
/// meta-cell's border transitions and source states (no path sums above
/// the tiles); a down-sweep hands every quadrant the states entering it
/// (SPEC §3.4's recurrence, one quad-tree level at a time); each leaf tile
/// then makes its outputs from its incoming states. Depth O(log side).
OrientedResults hierarchicalScan(ImplicitLocOpBuilder &b,
                                 const OrientedInputs &in, int64_t p) {
  Type et = typeOf(in.q).getElementType();
  int64_t side = shapeOf(in.q)[0], nt = side / p;
  int64_t dk = shapeOf(in.q)[2], dv = shapeOf(in.v)[2];
  int64_t jo = shapeOf(in.ml)[2], jt = shapeOf(in.trl)[2];
  Value zero = indexConst(b, 0);
  SmallVector<int64_t> tShape = {nt, nt, p, p, jt, jt};
  SmallVector<int64_t> sShape = {nt, nt, p, dk, dv, jt};
  bool dl = static_cast<bool>(in.tdl), ru = static_cast<bool>(in.tru);
  auto emptyOf = [&](ArrayRef<int64_t> shape) -> Value {
    return tensor::EmptyOp::create(b, shape, et);
  };
  // Leaves: every tile's transitions and source states (zero incoming).
  TileWork leafWork;
  leafWork.intra = leafWork.readLeft = leafWork.readTop = false;
  Value zeroBorder = zeroTensor(b, {p, dk, dv, jt}, et);
  SmallVector<Value> leafInits = {emptyOf(tShape), emptyOf(tShape),
                                  emptyOf(sShape), emptyOf(sShape)};
  if (dl)
    leafInits.push_back(emptyOf(tShape));
  if (ru)
    leafInits.push_back(emptyOf(tShape));
  SmallVector<Value> leaves = forEachTile(
      b, nt, p, leafInits,
      [&](ImplicitLocOpBuilder &b, Value tx, Value ty, Value x0, Value y0,
          ValueRange it) {
        TileResults r =
            tileStep(b, in, x0, y0, p, zeroBorder, zeroBorder, leafWork);
        SmallVector<Value> next = {insertAt(b, r.trl, it[0], {tx, ty}),
                                   insertAt(b, r.tdu, it[1], {tx, ty}),
                                   insertAt(b, r.right, it[2], {tx, ty}),
                                   insertAt(b, r.down, it[3], {tx, ty})};
        size_t i = 4;
        if (dl)
          next.push_back(insertAt(b, r.tdl, it[i++], {tx, ty}));
        if (ru)
          next.push_back(insertAt(b, r.tru, it[i++], {tx, ty}));
        return next;
      });
  StateLevel leaf{leaves[0], leaves[1], Value(), Value(), leaves[2], leaves[3]};
  size_t i = 4;
  if (dl)
    leaf.tdl = leaves[i++];
  if (ru)
    leaf.tru = leaves[i++];

  // Up-sweep.
  SmallVector<StateLevel> levels = {leaf};
  for (int64_t bs = p; bs < side; bs *= 2)
    levels.push_back(mergeStates(b, levels.back(), bs));

  // Down-sweep from the grid's incoming states.
  auto oneCell = [&](Value border) {
    // [n, ...] -> [1, 1, n, ...]
    RankedTensorType type = typeOf(border);
    SmallVector<int64_t> shape = {1, 1};
    llvm::append_range(shape, type.getShape());
    SmallVector<ReassociationIndices> groups = {{0, 1, 2}};
    for (int64_t d = 1; d < type.getRank(); ++d)
      groups.push_back({d + 2});
    return tensor::ExpandShapeOp::create(b, RankedTensorType::get(shape, et),
                                         border, groups);
  };
  Value left = oneCell(in.left), top = oneCell(in.top);
  const StateLevel &root = levels.back();
  Value right = applyT(b, root.trl, left, applyT(b, root.tru, top, root.skvR));
  Value down = applyT(b, root.tdu, top, applyT(b, root.tdl, left, root.skvD));
  for (int64_t k = levels.size() - 2; k >= 0; --k) {
    const StateLevel &l = levels[k];
    int64_t bs = shapeOf(l.trl)[2];
    Quadrants Trl = quadrants(b, l.trl), Tdu = quadrants(b, l.tdu),
              Tdl = quadrants(b, l.tdl), Tru = quadrants(b, l.tru),
              Sr = quadrants(b, l.skvR), Sd = quadrants(b, l.skvD);
    Quadrants L, U;
    L[0][0] = borderPart(b, left, 0, bs);
    U[0][0] = borderPart(b, top, 0, bs);
    L[0][1] = borderPart(b, left, bs, bs);
    U[1][0] = borderPart(b, top, bs, bs);
    // The states leaving q00 enter q01 (down) and q10 (right); those
    // leaving q01 and q10 enter q11.
    U[0][1] =
        applyT(b, Tdu[0][0], U[0][0], applyT(b, Tdl[0][0], L[0][0], Sd[0][0]));
    L[1][0] =
        applyT(b, Trl[0][0], L[0][0], applyT(b, Tru[0][0], U[0][0], Sr[0][0]));
    L[1][1] =
        applyT(b, Trl[0][1], L[0][1], applyT(b, Tru[0][1], U[0][1], Sr[0][1]));
    U[1][1] =
        applyT(b, Tdu[1][0], U[1][0], applyT(b, Tdl[1][0], L[1][0], Sd[1][0]));
    left = interleave(b, L);
    top = interleave(b, U);
  }

  // Leaves again: outputs from the incoming states.
  TileWork outWork;
  outWork.right = outWork.down = false;
  Value y0 = emptyOf({side, side, dv, jo});
  SmallVector<Value> outs = forEachTile(
      b, nt, p, {y0},
      [&](ImplicitLocOpBuilder &b, Value tx, Value ty, Value x0, Value y0,
          ValueRange it) {
        TileResults r = tileStep(b, in, x0, y0, p, sliceAt(b, left, {tx, ty}),
                                 sliceAt(b, top, {tx, ty}), outWork);
        return SmallVector<Value>{insertBlock(b, r.y, it[0], {x0, y0})};
      });
  auto flat = [&](Value cell) { return sliceAt(b, cell, {zero, zero}); };
  return {outs[0], flat(right), flat(down)};
}

/// acc [MX, MX, MY, MY, J...] += G of one orientation [P, P, P, P, J...]
/// (padded, in the orientation's flipped frame) mapped back to the original
/// frame: both x axes reversed when `flipX`, both y axes when `flipY`
/// (runtime flags: the orientation loop is one scf.for).
Value addUnflippedG(ImplicitLocOpBuilder &b, Value acc, Value g, Value flipX,
                    Value flipY) {
  RankedTensorType type = typeOf(acc);
  int64_t mx = type.getDimSize(0), my = type.getDimSize(2);
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, b.getLoc(), TypeRange{type}, ValueRange{}, ValueRange{acc},
             ArrayRef<AffineMap>{id}, iterators,
             [&](OpBuilder &nested, Location loc, ValueRange args) {
               ImplicitLocOpBuilder ib(loc, nested);
               SmallVector<Value> at;
               for (int64_t d = 0; d < type.getRank(); ++d) {
                 Value i = linalg::IndexOp::create(ib, d);
                 if (d < 4) {
                   int64_t extent = d < 2 ? mx : my;
                   Value flipped =
                       arith::SubIOp::create(ib, indexConst(ib, extent - 1), i);
                   i = arith::SelectOp::create(ib, d < 2 ? flipX : flipY,
                                               flipped, i);
                 }
                 at.push_back(i);
               }
               Value value = tensor::ExtractOp::create(ib, g, at);
               linalg::YieldOp::create(
                   ib, arith::AddFOp::create(ib, args[0], value).getResult());
             })
      .getResult(0);
}

Value floatConst(ImplicitLocOpBuilder &b, Type type, double value) {
  return arith::ConstantOp::create(b, b.getFloatAttr(type, value));
}

} // namespace

void plstm::lowerScan2DTiled(Scan2DOp op, int64_t p, bool hierarchical,
                             bool dynamicLevels, bool parallelOrientations) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  Type et = typeOf(op.getQ()).getElementType();
  int64_t mx = shapeOf(op.getQ())[1], my = shapeOf(op.getQ())[2];
  int64_t dk = shapeOf(op.getQ())[3], dv = shapeOf(op.getV())[3];
  int64_t jt = shapeOf(op.getTRl())[4], jo = shapeOf(op.getMarkL())[4];
  int64_t px = (mx + p - 1) / p * p, py = (my + p - 1) / p * p;
  if (hierarchical)
    px = py = p * nextPowerOfTwo((std::max(mx, my) + p - 1) / p);
  SmallVector<int32_t> orientations = op.getOrientationList();
  int64_t numO = orientations.size();
  Value scale = floatConst(b, et, op.getEffectiveQkScale());
  Value zero = indexConst(b, 0);
  Value batch = tensor::DimOp::create(b, op.getQ(), 0);
  Value y0 = emptyLike(b, op.getY().getType(), {batch});
  Value right0 = emptyLike(b, op.getLastRight().getType(), {batch});
  Value down0 = emptyLike(b, op.getLastDown().getType(), {batch});

  // [O, PX, PY, rest...] of `operand`'s trailing shape.
  auto stackShape = [&](Value operand, int64_t lead) {
    SmallVector<int64_t> shape = {numO, px, py};
    llvm::append_range(shape, shapeOf(operand).drop_front(lead));
    return shape;
  };

  scf::ForOp batchLoop = forLoop(
      b, zero, batch, {y0, right0, down0},
      [&](ImplicitLocOpBuilder &b, Value bi, ValueRange args) {
        Value q = scaleTensor(b, sliceAt(b, op.getQ(), {bi}), scale);
        Value k = sliceAt(b, op.getK(), {bi});
        Value v = sliceAt(b, op.getV(), {bi});
        // The direct term, once for all orientations (SPEC A5).
        Value qk = product(b, {{q, "xydj"}, {k, "xydk"}}, "xyjk");
        Value qdk = product(
            b, {{sliceAt(b, op.getDirect(), {bi}), "xyojkl"}, {qk, "xyjk"}},
            "xyol");
        Value out = product(b, {{qdk, "xyol"}, {v, "xyvl"}}, "xyvo");

        // Stacked, flipped, padded inputs of every orientation: `source`
        // gives the [MX, MY, ...] tensor of orientation index oi.
        auto stackOf = [&](function_ref<Value(Value)> source, Value like,
                           int64_t lead, bool identityPad) -> Value {
          if (!like)
            return {};
          SmallVector<int64_t> shape = stackShape(like, lead);
          Value stack = tensor::EmptyOp::create(b, shape, et);
          for (auto [oi, o] : llvm::enumerate(orientations)) {
            Value oIndex = indexConst(b, oi);
            Value pad =
                identityPad
                    ? identityGrid(b, px, py, jt, et)
                    : zeroTensor(b, ArrayRef<int64_t>(shape).drop_front(), et);
            Value oriented = insertAtOrigin(
                b, flipDims(b, source(oIndex), {bool(o & 1), bool(o & 2)}),
                pad);
            stack = insertAt(b, oriented, stack, {oIndex});
          }
          return stack;
        };
        auto shared = [&](Value perBatch) {
          return [perBatch](Value) { return perBatch; };
        };
        auto gateStack = [&](Value gate, bool identityPad) {
          return stackOf(
              [&](Value oIndex) {
                return sliceAt(b, gate, {bi, oIndex});
              },
              gate, 4, identityPad);
        };
        Value qS = stackOf(shared(q), op.getQ(), 3, false);
        Value kS = stackOf(shared(k), op.getK(), 3, false);
        Value vS = stackOf(shared(v), op.getV(), 3, false);
        Value srS = gateStack(op.getSourceR(), false);
        Value sdS = gateStack(op.getSourceD(), false);
        Value trlS = gateStack(op.getTRl(), true);
        Value tduS = gateStack(op.getTDu(), true);
        Value tdlS = gateStack(op.getTDl(), false);
        Value truS = gateStack(op.getTRu(), false);
        Value mlS = gateStack(op.getMarkL(), false);
        Value muS = gateStack(op.getMarkU(), false);
        // Incoming border states: init_left is indexed by original y (flipped
        // with y), init_top by original x.
        auto initStack = [&](Value init, int64_t padded, int flipBit) {
          SmallVector<int64_t> shape = {numO, padded, dk, dv, jt};
          Value stack = tensor::EmptyOp::create(b, shape, et);
          for (auto [oi, o] : llvm::enumerate(orientations)) {
            Value oIndex = indexConst(b, oi);
            Value border = zeroTensor(b, {padded, dk, dv, jt}, et);
            if (init)
              border =
                  insertAtOrigin(b,
                                 flipDims(b, sliceAt(b, init, {bi, oIndex}),
                                          {bool(o & flipBit)}),
                                 border);
            stack = insertAt(b, border, stack, {oIndex});
          }
          return stack;
        };
        Value leftS = initStack(op.getInitLeft(), py, 2);
        Value topS = initStack(op.getInitTop(), px, 1);

        // One tile over the whole grid (log-depth): skip statically zero or
        // unused work and sum G over the orientations before one intra-tile
        // product on the unpadded grid (the fused form of SPEC §3.6).
        bool single = px == p && py == p && !hierarchical;
        TileWork work;
        if (single) {
          work.intra = false;
          work.readLeft = static_cast<bool>(op.getInitLeft());
          work.readTop = static_cast<bool>(op.getInitTop());
          work.right = !op.getLastRight().use_empty();
          work.down = !op.getLastDown().use_empty();
        }
        bool fuseG = single && p > 1;
        // The one-tile form with the orientations in parallel (the GPU
        // pipeline's, parallel-orientations): each orientation's G in a
        // slot of its own, summed after the loop; only the results that
        // are written are carried (a parallel loop's results are each one
        // insert per iteration).
        bool gSlots = fuseG && parallelOrientations && numO > 1;
        SmallVector<Value> inits = {
            tensor::EmptyOp::create(b, ArrayRef<int64_t>{numO, px, py, dv, jo},
                                    et),
            tensor::EmptyOp::create(b, ArrayRef<int64_t>{numO, py, dk, dv, jt},
                                    et),
            tensor::EmptyOp::create(b, ArrayRef<int64_t>{numO, px, dk, dv, jt},
                                    et)};
        if (fuseG) {
          int64_t jq = shapeOf(op.getQ())[4], jk = shapeOf(op.getK())[4],
                  jv = shapeOf(op.getV())[4];
          SmallVector<int64_t> gShape = {mx, mx, my, my, jo, jq, jk, jv};
          if (gSlots)
            gShape.insert(gShape.begin(), numO);
          inits.push_back(zeroTensor(b, gShape, et));
        }
        // Which of the four results the loop carries (all but in the
        // parallel one-tile form).
        SmallVector<bool> carried = {true, true, true, fuseG};
        if (gSlots)
          carried = {work.readLeft || work.readTop, work.right, work.down,
                     true};
        auto orientationStep =
            [&](ImplicitLocOpBuilder &b, Value oi, ArrayRef<Value> it) {
              auto at = [&](Value stack) {
                return stack ? sliceAt(b, stack, {oi}) : stack;
              };
              OrientedInputs in{at(qS),   at(kS),   at(vS),   at(srS),
                                at(sdS),  at(trlS), at(tduS), at(tdlS),
                                at(truS), at(mlS),  at(muS),  at(leftS),
                                at(topS)};
              in.dynamicLevels = dynamicLevels;
              SmallVector<Value> next(it.begin(), it.end());
              if (!single) {
                OrientedResults r = hierarchical ? hierarchicalScan(b, in, p)
                                                 : tiledScan(b, in, p);
                next[0] = insertAt(b, r.y, it[0], {oi});
                next[1] = insertAt(b, r.right, it[1], {oi});
                next[2] = insertAt(b, r.down, it[2], {oi});
                return next;
              }
              TileResults r =
                  tileStep(b, in, zero, zero, p, in.left, in.top, work);
              if (work.readLeft || work.readTop)
                next[0] = insertAt(b, r.y, it[0], {oi});
              if (r.right)
                next[1] = insertAt(b, r.right, it[1], {oi});
              if (r.down)
                next[2] = insertAt(b, r.down, it[2], {oi});
              if (fuseG) {
                // The flips of orientation index oi.
                Value flipX = arith::ConstantIntOp::create(b, 0, 1);
                Value flipY = flipX;
                for (auto [index, o] : llvm::enumerate(orientations)) {
                  Value is = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                                   oi, indexConst(b, index));
                  flipX = arith::SelectOp::create(
                      b, is, arith::ConstantIntOp::create(b, o & 1 ? 1 : 0, 1),
                      flipX);
                  flipY = arith::SelectOp::create(
                      b, is, arith::ConstantIntOp::create(b, o & 2 ? 1 : 0, 1),
                      flipY);
                }
                if (gSlots)
                  next[3] = insertAt(b,
                                     addUnflippedG(b, sliceAt(b, it[3], {oi}),
                                                   r.g, flipX, flipY),
                                     it[3], {oi});
                else
                  next[3] = addUnflippedG(b, it[3], r.g, flipX, flipY);
              }
              return next;
            };
        auto orientationBody = [&](ImplicitLocOpBuilder &b, Value oi,
                                   ValueRange carriedIt) {
          // The four results by index (null where not carried).
          SmallVector<Value> it(4, Value());
          for (unsigned i = 0, next = 0; i < 4; ++i)
            if (carried[i]) {
              assert(next < carriedIt.size() && "a carried result per value");
              it[i] = carriedIt[next++];
            }
          SmallVector<Value> next = orientationStep(b, oi, it);
          SmallVector<Value> out;
          for (unsigned i = 0; i < 4; ++i)
            if (carried[i]) {
              assert(next[i] && "a carried result is written or kept");
              out.push_back(next[i]);
            }
          return out;
        };
        // Tiled orientations are independent (each writes its own index of
        // the three results): a parallel loop. Nested parallel loops run on
        // the thread that reaches them, so a single orientation keeps a
        // plain loop and leaves the threads to the wavefronts inside. The
        // one-tile form sums G over the orientations: a plain loop.
        SmallVector<Value> loopInits;
        for (unsigned i = 0; i < inits.size(); ++i)
          if (carried[i])
            loopInits.push_back(inits[i]);
        SmallVector<Value> loopResults;
        if ((!single && numO > 1) || gSlots)
          loopResults = parallelLoop(b, zero, indexConst(b, numO), loopInits,
                                     orientationBody)
                            ->getResults();
        else
          loopResults =
              forLoop(b, zero, indexConst(b, numO), loopInits, orientationBody)
                  ->getResults();
        SmallVector<Value> oResults(inits.begin(), inits.end());
        for (unsigned i = 0, next = 0; i < inits.size(); ++i)
          if (carried[i])
            oResults[i] = loopResults[next++];
        if (gSlots) // G summed over the orientations' slots
          oResults[3] = einsum(
              b, {{oResults[3], "oabcdefgh"}},
              zeroTensor(b, shapeOf(oResults[3]).drop_front(), et), "abcdefgh");

        // Back to the original frame: sum the outputs, crop the borders.
        Value right = args[1], down = args[2];
        for (auto [oi, o] : llvm::enumerate(orientations)) {
          Value oIndex = indexConst(b, oi);
          bool flipX = o & 1, flipY = o & 2;
          if (work.intra || work.readLeft || work.readTop) {
            Value yo = cropAtOrigin(b, sliceAt(b, oResults[0], {oIndex}),
                                    {mx, my});
            out = einsum(b, {{flipDims(b, yo, {flipX, flipY}), "xyvo"}}, out,
                         "xyvo");
          }
          if (work.right) {
            Value r =
                cropAtOrigin(b, sliceAt(b, oResults[1], {oIndex}), {my});
            right = insertAt(b, flipDims(b, r, {flipY}), right, {bi, oIndex});
          }
          if (work.down) {
            Value d =
                cropAtOrigin(b, sliceAt(b, oResults[2], {oIndex}), {mx});
            down = insertAt(b, flipDims(b, d, {flipX}), down, {bi, oIndex});
          }
        }
        if (fuseG)
          out = addIntra(b, out, q, k, v, oResults[3]);
        return SmallVector<Value>{insertAt(b, out, args[0], {bi}), right, down};
      });
  op.getY().replaceAllUsesWith(batchLoop.getResult(0));
  op.getLastRight().replaceAllUsesWith(batchLoop.getResult(1));
  op.getLastDown().replaceAllUsesWith(batchLoop.getResult(2));
  op.erase();
}

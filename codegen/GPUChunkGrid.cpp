//===- GPUChunkGrid.cpp - a grid over the rows' chunks --------------------===//
//
// plstm-gpu-chunk-grid (docs/gpu.md, "A grid over the chunks"): the
// schedules' row-level parallel loops (the chunkwise schedules' intra-chunk
// and output passes, the 2D wavefronts' tiles, the sequential 2D scans'
// orientations: scf.forall loops in a batch row, marked by
// plstm-gpu-foralls) become launches of their own, with a block per
// (row, chunk), instead of loops that the row's one block runs chunk after
// chunk. The row's other code between them (the inter-chunk recurrence, the
// copies out) becomes launches with a block per row.
//
// Input: the rows loops prepared by plstm-gpu-row-buffers, after buffer
// deallocation (an scf.parallel over the rows; its allocations and their
// deallocations at the row's level). The row's ops are cut into groups: each
// marked loop is a parallel group; each run of other side-effecting ops is a
// sequential group. Each group becomes its own scf.parallel (rows, or rows x
// chunks), which plstm-map-to-gpu maps to a launch (a block per iteration).
// A row-level loop with constant bounds whose body is pure ops and one
// marked loop (the 2D wavefronts) becomes a host loop around a (row, tile)
// group, a launch per wavefront (plstm-gpu-unroll-host-loops unrolls it
// after outlining). Side-effect-free ops (index arithmetic, views) are
// recomputed in every group that uses them. A buffer used by one group is
// allocated there (per block), unless it is a wavefront group's buffer
// written through views indexed by the tile (carried from one wavefront to
// the next). A buffer one row-level fill writes and the groups only read is
// allocated and filled in each group that reads it. Any other buffer used
// by several groups lives across launches: the host allocates it for all
// rows (bytes per row rounded up to 64; gpu.alloc on the device, memref.alloc
// when the launches run on the CPU), each group views its row's part
// (memref.view).
//
// The rows loop stays as it is (one launch) when the cut is not known to be
// safe: the row does not take the block mapping; a value other than a
// buffer flows between groups; a buffer shared between groups has a size
// that depends on the row; a parallel group writes a shared buffer other
// than through a view indexed by its chunk (the scf.forall's disjoint
// slices); a row buffer is freed other than by its row-level deallocation;
// a marked loop has results or bounds that depend on the row.
//
//===----------------------------------------------------------------------===//

#include "codegen/CodegenPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/Pass.h"

#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace {

bool isRegionFreePure(Operation *op) {
  return op->getNumRegions() == 0 && isMemoryEffectFree(op);
}

/// Whether `v` depends on `iv` through side-effect-free ops.
bool dependsOn(Value v, Value iv, int depth = 0) {
  if (v == iv)
    return true;
  Operation *def = v.getDefiningOp();
  if (!def || depth > 32 || !isRegionFreePure(def))
    return false;
  return llvm::any_of(def->getOperands(), [&](Value operand) {
    return dependsOn(operand, iv, depth + 1);
  });
}

/// Whether `user` only reads `value`: every effect it declares that is not a
/// read names another value (an effect on no value in particular counts).
bool onlyReads(Operation *user, Value value) {
  auto effects = dyn_cast<MemoryEffectOpInterface>(user);
  if (!effects)
    return false;
  SmallVector<MemoryEffects::EffectInstance> list;
  effects.getEffects(list);
  return llvm::all_of(list, [&](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Read>(e.getEffect()) ||
           (e.getValue() && e.getValue() != value);
  });
}

/// Whether every use of `buffer` (through views) inside `loop` only reads it,
/// or writes through a subview whose offsets depend on the loop's iv.
bool writesDisjointly(Value buffer, scf::ForOp loop) {
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (!loop->isAncestor(user)) {
      // A view of the buffer outside the loop: follow it.
      if (isRegionFreePure(user)) {
        for (Value result : user->getResults())
          if (isa<MemRefType>(result.getType()) &&
              !writesDisjointly(result, loop))
            return false;
      }
      continue;
    }
    if (auto subview = dyn_cast<memref::SubViewOp>(user)) {
      if (llvm::any_of(subview.getOffsets(), [&](Value offset) {
            return dependsOn(offset, loop.getInductionVar());
          }))
        continue;
    }
    if (isRegionFreePure(user)) {
      bool ok = true;
      for (Value result : user->getResults())
        if (isa<MemRefType>(result.getType()))
          ok = ok && writesDisjointly(result, loop);
      if (ok)
        continue;
      return false;
    }
    if (!onlyReads(user, use.get()))
      return false;
  }
  return true;
}

struct Group {
  bool parallel = false;
  scf::ForOp loop; // the marked loop of a parallel group
  SmallVector<Operation *> ops;
  /// A wavefront group: the row-level loop around `loop` (constant bounds;
  /// the host loops over it, a launch per iteration).
  scf::ForOp outer;
};

struct ChunkGrid {
  ChunkGrid(scf::ParallelOp rows, bool emulate)
      : rows(rows), emulate(emulate) {}
  scf::ParallelOp rows;
  bool emulate;
  Block *body;
  Value rowIv;
  SmallVector<Group> groups;
  DenseMap<Operation *, int> groupOf; // row-level op -> group
  SmallVector<memref::AllocOp> allocs;
  DenseMap<Operation *, memref::DeallocOp> deallocOf;
  llvm::SetVector<Operation *> shared;
  /// Buffers that one row-level linalg.fill writes and every other use
  /// reads: each group that reads one allocates and fills its own copy (no
  /// launch, no host buffer for them).
  DenseMap<Operation *, Operation *> refill; // alloc -> its fill

  /// Whether `v` is computed by side-effect-free ops of the row (and, with
  /// `outer`, of its body) from values defined outside the rows, `outer`'s
  /// iv and, when `withRow`, the row index.
  bool derivable(Value v, bool withRow, scf::ForOp outer, int depth = 0) {
    if (v == rowIv)
      return withRow;
    if (outer && v == outer.getInductionVar())
      return true;
    Operation *def = v.getDefiningOp();
    if (!def)
      return !rows->isAncestor(v.getParentBlock()->getParentOp());
    if (!rows->isAncestor(def))
      return true;
    if ((def->getBlock() != body &&
         (!outer || def->getBlock() != outer.getBody())) ||
        !isRegionFreePure(def) || depth > 32)
      return false;
    return llvm::all_of(def->getOperands(), [&](Value operand) {
      return derivable(operand, withRow, outer, depth + 1);
    });
  }
  /// Whether `v` can be computed before the rows loop (row-invariant); with
  /// `outer`, in the host loop over it.
  bool hoistable(Value v, scf::ForOp outer = {}) {
    return derivable(v, /*withRow=*/false, outer);
  }
  /// Whether `v` can be recomputed in any part of the row.
  bool recomputable(Value v) { return derivable(v, /*withRow=*/true, {}); }

  /// The marked loop of a wavefront loop: a row-level scf.for with constant
  /// bounds whose body is pure ops and one marked loop (step 1, bounds from
  /// the wavefront); null if `loop` is not one.
  scf::ForOp wavefrontTiles(scf::ForOp loop) {
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()),
                           ub = getConstantIntValue(loop.getUpperBound()),
                           step = getConstantIntValue(loop.getStep());
    if (loop.getNumResults() != 0 || !lb || !ub || !step || *step < 1 ||
        (*ub - *lb) / *step > 1024)
      return {};
    scf::ForOp tiles;
    for (Operation &op : loop.getBody()->without_terminator()) {
      if (isRegionFreePure(&op))
        continue;
      auto inner = dyn_cast<scf::ForOp>(op);
      if (tiles || !inner || !inner->hasAttr(plstm::kGPUChunksAttr))
        return {};
      tiles = inner;
    }
    if (!tiles || tiles.getNumResults() != 0 ||
        getConstantIntValue(tiles.getStep()) != 1 ||
        !hoistable(tiles.getLowerBound(), loop) ||
        !hoistable(tiles.getUpperBound(), loop))
      return {};
    return tiles;
  }

  /// `v` (row-invariant) computed before the rows loop.
  Value hoist(OpBuilder &b, Value v, IRMapping &host) {
    if (host.contains(v))
      return host.lookup(v);
    Operation *def = v.getDefiningOp();
    if (!def || !rows->isAncestor(def))
      return v;
    assert(isRegionFreePure(def) && "hoisting an op with effects");
    for (Value operand : def->getOperands())
      hoist(b, operand, host);
    Operation *copy = b.clone(*def, host);
    return copy->getResult(cast<OpResult>(v).getResultNumber());
  }

  /// The groups that use `v` (through row-level side-effect-free ops and
  /// the allocations it sizes); sets `tooDeep` when the chain is too long
  /// to follow (the cut is then refused).
  bool tooDeep = false;
  void usersOf(Value v, llvm::SmallSetVector<int, 4> &out, int depth = 0) {
    for (OpOperand &use : v.getUses()) {
      Operation *top = body->findAncestorOpInBlock(*use.getOwner());
      if (!top || isa<memref::DeallocOp>(top))
        continue;
      if (auto it = groupOf.find(top); it != groupOf.end()) {
        out.insert(it->second);
        continue;
      }
      if (isRegionFreePure(top) || isa<memref::AllocOp>(top)) {
        if (depth >= 32) {
          tooDeep = true;
          return;
        }
        for (Value result : top->getResults())
          usersOf(result, out, depth + 1);
      }
    }
  }

  /// The row-level linalg.fill that is the only write of `buffer` (its
  /// other uses, through views, only read); null if none.
  Operation *onlyFilled(Value buffer) {
    Operation *fill = nullptr;
    for (OpOperand &use : buffer.getUses()) {
      auto f = dyn_cast<linalg::FillOp>(use.getOwner());
      if (f && f->getBlock() == body && f.getOutputs()[0] == buffer &&
          groupOf.count(f.getOperation()) && !fill &&
          llvm::all_of(f.getInputs(),
                       [&](Value v) { return recomputable(v); })) {
        fill = f;
        continue;
      }
      if (isa<memref::DeallocOp>(use.getOwner()))
        continue;
      if (!onlyRead(use))
        return nullptr;
    }
    return fill;
  }
  static bool onlyRead(OpOperand &use, int depth = 0) {
    Operation *user = use.getOwner();
    if (isRegionFreePure(user)) {
      for (Value result : user->getResults())
        for (OpOperand &next : result.getUses())
          if (depth > 32 || !onlyRead(next, depth + 1))
            return false;
      return true;
    }
    return onlyReads(user, use.get());
  }

  bool analyze();
  void rewrite();
};

bool ChunkGrid::analyze() {
  body = rows.getBody();
  if (rows.getNumLoops() != 1 || !rows.getInitVals().empty() ||
      getConstantIntValue(rows.getLowerBound()[0]) != 0 ||
      getConstantIntValue(rows.getStep()[0]) != 1)
    return false;
  rowIv = rows.getInductionVars()[0];
  // Each part must take the block mapping, as the whole row does.
  if (!plstm::canMapRowsToBlocks(rows))
    return false;
  // Buffers are freed by the row-level deallocations only (paired with
  // their allocations below): a free anywhere else (a guarded one, one in a
  // loop) would free a shared buffer's view or a private copy twice.
  // (A nested allocation freed in its own block stays in one part.)
  WalkResult frees = body->walk([&](Operation *op) {
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects || !effects.hasEffect<MemoryEffects::Free>() ||
        (isa<memref::DeallocOp>(op) && op->getBlock() == body))
      return WalkResult::advance();
    auto dealloc = dyn_cast<memref::DeallocOp>(op);
    auto alloc = dealloc ? dealloc.getMemref().getDefiningOp<memref::AllocOp>()
                         : memref::AllocOp();
    return alloc && alloc->getBlock() != body ? WalkResult::advance()
                                              : WalkResult::interrupt();
  });
  if (frees.wasInterrupted())
    return false;
  for (Operation &op : body->without_terminator()) {
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      allocs.push_back(alloc);
      continue;
    }
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->getBlock() != body ||
          deallocOf.count(alloc.getOperation()))
        return false;
      deallocOf[alloc.getOperation()] = dealloc;
      continue;
    }
    if (isRegionFreePure(&op))
      continue;
    auto loop = dyn_cast<scf::ForOp>(op);
    if (loop && loop->hasAttr(plstm::kGPUChunksAttr)) {
      if (loop.getNumResults() != 0 ||
          getConstantIntValue(loop.getLowerBound()) != 0 ||
          getConstantIntValue(loop.getStep()) != 1 ||
          !hoistable(loop.getUpperBound()))
        return false;
      groups.push_back({true, loop, {&op}});
    } else if (scf::ForOp tiles = loop ? wavefrontTiles(loop) : scf::ForOp()) {
      groups.push_back({true, tiles, {&op}, loop});
    } else {
      if (groups.empty() || groups.back().parallel)
        groups.push_back({});
      groups.back().ops.push_back(&op);
    }
    groupOf[&op] = static_cast<int>(groups.size()) - 1;
  }
  if (llvm::none_of(groups, [](const Group &g) { return g.parallel; }))
    return false;
  // No value other than a buffer flows between groups.
  for (auto [op, group] : groupOf)
    for (Value result : op->getResults()) {
      llvm::SmallSetVector<int, 4> users;
      usersOf(result, users);
      if (users.size() > 1 || (users.size() == 1 && users[0] != group))
        return false;
    }
  if (tooDeep)
    return false;
  // Buffers used by several groups are shared; their sizes must be known
  // before the rows, and parallel groups must write them disjointly.
  for (memref::AllocOp alloc : allocs) {
    llvm::SmallSetVector<int, 4> users;
    usersOf(alloc.getResult(), users);
    if (tooDeep)
      return false;
    // A buffer of one wavefront group may carry data from one wavefront to
    // the next (the tiles' states: written through views indexed by the
    // tile): shared, since each wavefront is a launch of its own. One that
    // a tile writes whole is the tile's scratch (the forall's private
    // tensor): private.
    bool carried = users.size() == 1 && groups[users[0]].outer &&
                   writesDisjointly(alloc.getResult(), groups[users[0]].loop);
    if (users.size() < 2 && !carried)
      continue;
    if (Operation *fill = onlyFilled(alloc.getResult())) {
      refill[alloc.getOperation()] = fill;
      continue;
    }
    if (!alloc.getType().getLayout().isIdentity() ||
        alloc.getType().getMemorySpace() ||
        !alloc.getType().getElementType().isIntOrFloat() ||
        !llvm::all_of(alloc.getDynamicSizes(),
                      [&](Value v) { return hoistable(v); }))
      return false;
    for (int g : users)
      if (groups[g].parallel &&
          !writesDisjointly(alloc.getResult(), groups[g].loop))
        return false;
    shared.insert(alloc.getOperation());
  }
  for (auto [alloc, fill] : refill) {
    auto &ops = groups[groupOf[fill]].ops;
    ops.erase(llvm::find(ops, fill));
  }
  return true;
}

void ChunkGrid::rewrite() {
  Location loc = rows.getLoc();
  OpBuilder hb(rows);
  IRMapping host;
  Value zero = arith::ConstantIndexOp::create(hb, loc, 0);
  Value one = arith::ConstantIndexOp::create(hb, loc, 1);
  Value numRows = rows.getUpperBound()[0];

  // The shared buffers: one host allocation each, 64-byte aligned rows.
  DenseMap<Operation *, std::pair<Value, Value>> sharedBuffer; // buf, bytes
  SmallVector<Value> hostBuffers;
  for (Operation *op : shared) {
    auto alloc = cast<memref::AllocOp>(op);
    MemRefType type = alloc.getType();
    int64_t bits = type.getElementTypeBitWidth();
    int64_t staticElems = 1;
    for (int64_t d : type.getShape())
      if (!ShapedType::isDynamic(d))
        staticElems *= d;
    Value bytes = arith::ConstantIndexOp::create(
        hb, loc, staticElems * std::max<int64_t>(1, bits / 8));
    for (Value size : alloc.getDynamicSizes())
      bytes = arith::MulIOp::create(hb, loc, bytes, hoist(hb, size, host));
    Value c64 = arith::ConstantIndexOp::create(hb, loc, 64);
    bytes = arith::MulIOp::create(
        hb, loc, arith::CeilDivUIOp::create(hb, loc, bytes, c64), c64);
    Value total = arith::MulIOp::create(hb, loc, bytes, numRows);
    Value buffer = plstm::createHostScratch(hb, loc, total, emulate);
    sharedBuffer[op] = {buffer, bytes};
    hostBuffers.push_back(buffer);
  }

  for (Group &group : groups) {
    if (!group.parallel && group.ops.empty())
      continue; // only refilled buffers' fills
    // A wavefront group: the host loops over the wavefronts, a launch per
    // wavefront over (row, tile of the wavefront).
    OpBuilder lb = hb;
    IRMapping wave = host;
    if (group.outer) {
      auto hostLoop = scf::ForOp::create(
          hb, loc, hoist(hb, group.outer.getLowerBound(), host),
          hoist(hb, group.outer.getUpperBound(), host),
          hoist(hb, group.outer.getStep(), host));
      lb.setInsertionPoint(hostLoop.getBody()->getTerminator());
      wave.map(group.outer.getInductionVar(), hostLoop.getInductionVar());
    }
    Value tileLb, tileTrips;
    if (group.parallel) {
      tileLb = hoist(lb, group.loop.getLowerBound(), wave);
      Value tileUb = hoist(lb, group.loop.getUpperBound(), wave);
      // ub - lb, at least 0 (an empty wavefront: a grid of no blocks).
      tileTrips =
          getConstantIntValue(tileLb) == 0
              ? tileUb
              : arith::MaxSIOp::create(
                    lb, loc, arith::SubIOp::create(lb, loc, tileUb, tileLb),
                    zero)
                    .getResult();
    }
    SmallVector<Value> lbs = {zero}, ubs = {numRows}, steps = {one};
    if (group.parallel) {
      lbs.push_back(zero);
      ubs.push_back(tileTrips);
      steps.push_back(one);
    }
    auto loop = scf::ParallelOp::create(lb, loc, lbs, ubs, steps);
    // The rows loop's marks (the block mapping; its one-dim `mapping` only
    // for a rows-only group).
    for (NamedAttribute attr : rows->getDiscardableAttrs())
      if (!group.parallel || attr.getName() != "mapping")
        loop->setAttr(attr.getName(), attr.getValue());
    OpBuilder b = OpBuilder::atBlockTerminator(loop.getBody());
    IRMapping m;
    m.map(rowIv, loop.getInductionVars()[0]);
    Block *waveBody = group.outer ? group.outer.getBody() : nullptr;
    if (group.outer)
      m.map(group.outer.getInductionVar(),
            wave.lookup(group.outer.getInductionVar()));
    SmallVector<Value> privates;
    // Materializes a row-level value the group uses.
    std::function<void(Value)> need = [&](Value v) {
      if (m.contains(v))
        return;
      Operation *def = v.getDefiningOp();
      if (!def || (def->getBlock() != body && def->getBlock() != waveBody))
        return;
      for (Value operand : def->getOperands())
        need(operand);
      if (auto it = sharedBuffer.find(def); it != sharedBuffer.end()) {
        Value offset = arith::MulIOp::create(b, loc, m.lookup(rowIv),
                                             it->second.second);
        SmallVector<Value> sizes;
        for (Value size : cast<memref::AllocOp>(def).getDynamicSizes())
          sizes.push_back(m.lookupOrDefault(size));
        m.map(v, memref::ViewOp::create(b, loc, cast<MemRefType>(v.getType()),
                                        it->second.first, offset, sizes));
        return;
      }
      assert((isRegionFreePure(def) || isa<memref::AllocOp>(def)) &&
             "a group recomputes only pure ops and allocations");
      Operation *copy = b.clone(*def, m);
      if (isa<memref::AllocOp>(def))
        privates.push_back(copy->getResult(0));
      if (auto it = refill.find(def); it != refill.end()) {
        for (Value operand : it->second->getOperands())
          need(operand);
        b.clone(*it->second, m);
      }
    };
    auto needAll = [&](Operation *op) {
      op->walk([&](Operation *nested) {
        for (Value operand : nested->getOperands())
          need(operand);
      });
    };
    if (group.parallel) {
      needAll(group.loop);
      Value tile = loop.getInductionVars()[1];
      if (getConstantIntValue(tileLb) != 0)
        tile = arith::AddIOp::create(
            b, loc, m.lookupOrDefault(group.loop.getLowerBound()), tile);
      m.map(group.loop.getInductionVar(), tile);
      for (Operation &op : group.loop.getBody()->without_terminator())
        b.clone(op, m);
    } else {
      for (Operation *op : group.ops) {
        needAll(op);
        b.clone(*op, m);
      }
    }
    for (Value buffer : privates)
      memref::DeallocOp::create(b, loc, buffer);
  }

  for (Value buffer : hostBuffers)
    plstm::freeHostScratch(hb, loc, buffer, emulate);
  rows.erase();
}

/// The op grid: a big row-level linalg op of a straight-line row (no loops
/// at its level but the marked chunk loops: the 2D log-depth schedules'
/// quad-tree merges) becomes a marked chunk loop over slices of one of its
/// parallel dims, so that the cut gives it a launch with a block per (row,
/// slice). An op qualifies when its loop ranges and operand shapes are
/// static, it has a reduction loop (a product or a sum) and at least
/// 2 x kOpGridSlice parallel iterations, its body reads no linalg.index and
/// touches no memory, the buffers of its operands are known (bufferRoot),
/// and it has a parallel dim d that every output indexes as a plain dim and
/// every input indexes as a plain dim or not at all; an input that views an
/// output's buffer must be that output (the same value and map: its slice
/// is the block's own).
/// Slices of at least kOpGridSlice parallel iterations (32 per thread at
/// 128 threads): the slice count is the largest divisor of d's extent that
/// keeps them so.
constexpr int64_t kOpGridSlice = 4096;

/// The buffer `v` views, through every side-effect-free op from one memref
/// to another (view-like ops, and memref.transpose, which is not one); null
/// when that is not known (an op that picks one of several memrefs, e.g.
/// arith.select).
Value bufferRoot(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (def->getNumResults() != 1 || !isMemoryEffectFree(def))
      break;
    auto isMemRef = [](Value operand) {
      return isa<BaseMemRefType>(operand.getType());
    };
    int64_t memrefs = llvm::count_if(def->getOperands(), isMemRef);
    if (memrefs == 0)
      break;
    if (memrefs > 1)
      return Value();
    v = *llvm::find_if(def->getOperands(), isMemRef);
  }
  return v;
}

struct OpGridSlicing {
  unsigned dim = 0;
  int64_t slices = 0;
};

std::optional<OpGridSlicing> opGridSlicing(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op->getNumResults() != 0)
    return std::nullopt;
  // No linalg.index (its value would change with the slice) and no memory
  // access in the body other than through the operands.
  WalkResult body = op.getBlock()->walk([](Operation *nested) {
    return isa<linalg::IndexOp>(nested) || !isMemoryEffectFree(nested)
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  if (body.wasInterrupted())
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  // Static operands (the slices' sizes come from their shapes).
  for (Value operand : op->getOperands())
    if (auto type = dyn_cast<MemRefType>(operand.getType());
        type && !type.hasStaticShape())
      return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  // Products and sums only: a fill or a copy of a few hundred KiB is done
  // by one block in about the time a launch of its own takes.
  if (op.getNumReductionLoops() == 0)
    return std::nullopt;
  int64_t parallel = 1;
  for (auto [range, kind] : llvm::zip(ranges, iterators))
    if (kind == utils::IteratorType::parallel)
      parallel *= range;
  if (parallel < 2 * kOpGridSlice)
    return std::nullopt;
  // Inputs that view an output's buffer: only the output itself.
  llvm::SmallPtrSet<Value, 4> outputRoots;
  for (OpOperand &init : op.getDpsInitsMutable()) {
    Value root = bufferRoot(init.get());
    if (!root || !outputRoots.insert(root).second)
      return std::nullopt; // unknown, or two outputs in one buffer
  }
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (!isa<MemRefType>(input->get().getType()))
      continue;
    Value root = bufferRoot(input->get());
    if (!root)
      return std::nullopt;
    if (!outputRoots.contains(root))
      continue;
    bool same = llvm::any_of(op.getDpsInitsMutable(), [&](OpOperand &init) {
      return init.get() == input->get() && op.getMatchingIndexingMap(&init) ==
                                               op.getMatchingIndexingMap(input);
    });
    if (!same)
      return std::nullopt;
  }
  // The dim that gives the most slices (the first of equals).
  std::optional<OpGridSlicing> best;
  for (unsigned d = 0; d < ranges.size(); ++d) {
    if (iterators[d] != utils::IteratorType::parallel || ranges[d] < 2)
      continue;
    AffineExpr dim = getAffineDimExpr(d, op->getContext());
    bool ok = true;
    for (OpOperand &operand : op->getOpOperands()) {
      if (!isa<MemRefType>(operand.get().getType()))
        continue;
      AffineMap map = op.getMatchingIndexingMap(&operand);
      unsigned plain = llvm::count(map.getResults(), dim);
      bool output = op.isDpsInit(&operand);
      if (plain > 1 || (plain == 0 && (output || map.isFunctionOfDim(d))) ||
          (plain == 1 && llvm::count_if(map.getResults(), [&](AffineExpr e) {
                           return e.isFunctionOfDim(d);
                         }) != 1)) {
        ok = false;
        break;
      }
    }
    if (!ok)
      continue;
    int64_t slices = 1;
    for (int64_t k = 2; k <= ranges[d]; ++k)
      if (ranges[d] % k == 0 && parallel / k >= kOpGridSlice)
        slices = k;
    if (slices >= 2 && (!best || slices > best->slices))
      best = OpGridSlicing{d, slices};
  }
  return best;
}

/// Whether the row has no loops at its level other than the marked chunk
/// loops, and at least one op the op grid takes.
bool takesOpGrid(scf::ParallelOp rows) {
  bool any = false;
  for (Operation &op : rows.getBody()->without_terminator()) {
    if (isa<LoopLikeOpInterface>(op) && !op.hasAttr(plstm::kGPUChunksAttr))
      return false;
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      any = any || opGridSlicing(linalgOp).has_value();
  }
  return any;
}

/// The op grid's rewrite of the row's ops that qualify (see opGridSlicing):
/// scf.for %s = 0 to slices {plstm.gpu_chunks} { the op on the subviews of
/// slice %s of its operands along the dim }; a linalg.fill of the op's
/// output just before it (only pure ops between) fills the same slice in
/// the loop.
void sliceOpsForGrid(scf::ParallelOp rows) {
  SmallVector<std::pair<linalg::LinalgOp, OpGridSlicing>> ops;
  for (Operation &op : rows.getBody()->without_terminator())
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      if (std::optional<OpGridSlicing> slicing = opGridSlicing(linalgOp))
        ops.push_back({linalgOp, *slicing});
  for (auto [op, slicing] : ops) {
    Location loc = op.getLoc();
    // The fill of the op's output right before it (pure ops between): the
    // same slice, in the same launch.
    linalg::FillOp fill;
    for (Operation *prev = op->getPrevNode(); prev;
         prev = prev->getPrevNode()) {
      if (isRegionFreePure(prev))
        continue;
      fill = dyn_cast<linalg::FillOp>(prev);
      break;
    }
    OpBuilder b(op);
    int64_t size = op.getStaticLoopRanges()[slicing.dim] / slicing.slices;
    auto loop = scf::ForOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, 0),
        arith::ConstantIndexOp::create(b, loc, slicing.slices),
        arith::ConstantIndexOp::create(b, loc, 1));
    loop->setAttr(plstm::kGPUChunksAttr, b.getUnitAttr());
    b.setInsertionPoint(loop.getBody()->getTerminator());
    Value offset =
        arith::MulIOp::create(b, loc, loop.getInductionVar(),
                              arith::ConstantIndexOp::create(b, loc, size));
    AffineExpr dim = getAffineDimExpr(slicing.dim, op->getContext());
    SmallVector<Value> operands;
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = dyn_cast<MemRefType>(operand.get().getType());
      AffineMap map = type ? op.getMatchingIndexingMap(&operand) : AffineMap();
      auto at = map ? llvm::find(map.getResults(), dim) : nullptr;
      if (!type || at == map.getResults().end()) {
        operands.push_back(operand.get());
        continue;
      }
      int64_t p = at - map.getResults().begin();
      SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)),
          sizes, strides(type.getRank(), b.getIndexAttr(1));
      for (int64_t i = 0; i < type.getRank(); ++i)
        sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
      offsets[p] = offset;
      sizes[p] = b.getIndexAttr(size);
      operands.push_back(memref::SubViewOp::create(b, loc, operand.get(),
                                                   offsets, sizes, strides));
    }
    if (fill && op.getNumDpsInits() == 1 && fill.hasPureBufferSemantics() &&
        fill.getOutputs()[0] == op.getDpsInits()[0]) {
      Value slice = operands[op.getDpsInitsMutable()[0].getOperandNumber()];
      linalg::FillOp::create(b, loc, fill.getInputs(), ValueRange{slice});
      fill->erase();
    }
    Operation *sliced = b.clone(*op);
    sliced->setOperands(operands);
    op->erase();
  }
}

struct GPUChunkGridPass
    : public PassWrapper<GPUChunkGridPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUChunkGridPass)
  GPUChunkGridPass() = default;
  GPUChunkGridPass(const GPUChunkGridPass &other) : PassWrapper(other) {}
  GPUChunkGridPass(bool emulate, bool opGrid) {
    this->emulate = emulate;
    this->opGrid = opGrid;
  }
  StringRef getArgument() const override { return "plstm-gpu-chunk-grid"; }
  StringRef getDescription() const override {
    return "The rows' chunk-parallel loops as launches of their own, a "
           "block per (row, chunk); the code between them a block per row";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect, memref::MemRefDialect,
                    arith::ArithDialect, scf::SCFDialect>();
  }
  Option<bool> emulate{
      *this, "emulate",
      llvm::cl::desc("The launches run on the CPU: the buffers shared "
                     "between them are memref.alloc, not gpu.alloc"),
      llvm::cl::init(false)};
  Option<bool> opGrid{
      *this, "op-grid",
      llvm::cl::desc("A row with no loops at its level (the 2D log-depth "
                     "schedules): its big linalg ops as launches of their "
                     "own, a block per (row, slice of a parallel dim)"),
      llvm::cl::init(true)};

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop->hasAttr(plstm::kGPURowBuffersAttr) &&
          !loop->getParentOfType<scf::ParallelOp>())
        loops.push_back(loop);
    });
    for (scf::ParallelOp loop : loops) {
      // The op grid, tried on a copy: the original stays when the cut of
      // the sliced row is refused.
      if (opGrid && takesOpGrid(loop)) {
        OpBuilder b(loop);
        auto copy = cast<scf::ParallelOp>(b.clone(*loop));
        sliceOpsForGrid(copy);
        ChunkGrid sliced(copy, emulate);
        if (sliced.analyze()) {
          sliced.rewrite();
          loop.erase();
          continue;
        }
        copy.erase();
      }
      ChunkGrid grid(loop, emulate);
      if (grid.analyze())
        grid.rewrite();
    }
  }
};

} // namespace

Value mlir::plstm::createHostScratch(OpBuilder &b, Location loc, Value bytes,
                                     bool emulate) {
  MLIRContext *ctx = b.getContext();
  auto bytesType = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
  Value buffer;
  if (emulate) {
    buffer = memref::AllocOp::create(b, loc, bytesType, ValueRange{bytes},
                                     b.getI64IntegerAttr(64));
  } else {
    Type token = gpu::AsyncTokenType::get(ctx);
    Value ready =
        gpu::WaitOp::create(b, loc, token, ValueRange{}).getAsyncToken();
    auto alloc = gpu::AllocOp::create(b, loc, bytesType, token,
                                      ValueRange{ready}, ValueRange{bytes},
                                      ValueRange{}, /*hostShared=*/false);
    gpu::WaitOp::create(b, loc, Type(), ValueRange{alloc.getAsyncToken()});
    buffer = alloc.getMemref();
  }
  buffer.getDefiningOp()->setAttr(kGPUScratchAttr, UnitAttr::get(ctx));
  return buffer;
}

void mlir::plstm::freeHostScratch(OpBuilder &b, Location loc, Value buffer,
                                  bool emulate) {
  MLIRContext *ctx = b.getContext();
  if (emulate) {
    memref::DeallocOp::create(b, loc, buffer)
        ->setAttr(kGPUScratchAttr, UnitAttr::get(ctx));
    return;
  }
  Type token = gpu::AsyncTokenType::get(ctx);
  Value ready =
      gpu::WaitOp::create(b, loc, token, ValueRange{}).getAsyncToken();
  auto freed = gpu::DeallocOp::create(b, loc, token, ValueRange{ready}, buffer);
  freed->setAttr(kGPUScratchAttr, UnitAttr::get(ctx));
  gpu::WaitOp::create(b, loc, Type(), ValueRange{freed.getAsyncToken()});
}

std::unique_ptr<Pass> mlir::plstm::createGPUChunkGridPass(bool emulate,
                                                          bool opGrid) {
  return std::make_unique<GPUChunkGridPass>(emulate, opGrid);
}

//===- GPURowBlocks.cpp - one thread block per batch row ------------------===//
//
// The block-per-row mapping of the GPU path (docs/gpu.md): each batch row
// runs in one thread block; the structured ops of its schedule (every linalg
// op, every copy) are spread over the block's threads, the rest of the row's
// code (the schedule's sequential loops, index arithmetic) runs in every
// thread, and barriers separate the ops.
//
// Three steps, around the buffer deallocation pipeline:
//
//  - plstm-gpu-unit-rows: the row extent min(rows - row, 1) that
//    plstm-split-batch leaves dynamic is the constant 1 inside the rows
//    loop (the canonicalizer then makes the row's buffers static).
//
//  - plstm-gpu-row-buffers (before deallocation): makes the row's buffers
//    long-lived. A memref carried by an scf.for or scf.while (the
//    schedule's state), or a static scf.if result, becomes one buffer that
//    is updated in place (a copy at the end of the iteration or branch; a
//    size assertion for dynamic shapes); allocations inside loops whose
//    sizes are known at the row's start move there: one allocation per row
//    instead of one per step. The rows loop is then marked; deallocation
//    frees the buffers at the end of the row.
//
//  - mapRowsToBlocks (from plstm-map-to-gpu): grid = rows, block = threads.
//    A linalg op becomes a loop over its parallel iterations, linearized,
//    thread t taking iterations t, t + threads, ... (its reductions stay in
//    the thread); scalar stores, allocations and deallocations run in
//    thread 0 (the allocations' pointers reach the other threads through
//    workgroup memory); the static row buffers that fit (48 KiB by default)
//    live in workgroup memory instead; barriers go before and after each
//    such op.
//
// A row the steps do not take keeps the thread-per-row mapping of
// plstm-map-to-gpu (always correct).
//
// On the CPU (emulate) the block has one real thread and the distributed
// loops run the virtual threads one after another: the same index
// arithmetic, checked against the reference evaluator.
//
//===----------------------------------------------------------------------===//

#include "codegen/CodegenPasses.h"
#include "codegen/MemRefViews.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/CSE.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/Support/MathExtras.h"

#include <limits>
#include <numeric>
#include <set>

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kRowBuffersAttr = plstm::kGPURowBuffersAttr;
/// Marks the descriptor shareAllocation rebuilds from a heap buffer's
/// pointer slot: one per heap buffer (removeUnneededBarriers' distinct
/// roots).
constexpr llvm::StringLiteral kHeapBufferAttr = "plstm.heap_buffer";
/// Marks a view of a larger buffer that stands for one allocation (a slice
/// of the launch scratch, the row's arena or the dynamic shared memory):
/// disjoint from the buffer's other slices, so a distinct root for the
/// barrier rules (mayRace; the DAG's per-node buffers are slices of one).
/// Each is at an offset the block keeps; one of a buffer allocated in a
/// loop (runsOneAtATime) is built there, for each run.
constexpr llvm::StringLiteral kSliceAttr = "plstm.gpu_slice";

/// An op the block mapping does not take: the row keeps the thread-per-row
/// mapping (always correct).
WalkResult blocked(Operation *) { return WalkResult::interrupt(); }

/// What both row checks (prepare, canDistribute) admit at any depth: plain
/// memref accesses and copies, views and metadata, and ops without regions
/// or memory effects.
bool isPlainAccessOrPure(Operation *op) {
  if (isa<memref::CopyOp, memref::LoadOp, memref::StoreOp, memref::DimOp,
          memref::ExtractStridedMetadataOp>(op) ||
      isa<ViewLikeOpInterface>(op))
    return true;
  return op->getNumRegions() == 0 && isMemoryEffectFree(op);
}

bool isAtRowLevel(Operation *op, scf::ParallelOp rows) {
  return op->getParentOp() == rows.getOperation();
}

/// Whether `v` is defined at the row's level or outside the row.
bool isRowInvariant(Value v, scf::ParallelOp rows) {
  Block *block = v.getParentBlock();
  return block == rows.getBody() || !rows->isAncestor(block->getParentOp());
}

/// At most this many threads share one parallel iteration of a reduction
/// (BlockMapper::splitFactor; autoThreadsPerRow sizes blocks for it).
constexpr int64_t kMaxSplit = 8;

/// The largest divisor of `trips` from 2 to `most`; 1 if none.
int64_t largestDivisorUpTo(int64_t trips, int64_t most) {
  for (int64_t s = std::min(most, trips); s >= 2; --s)
    if (trips % s == 0)
      return s;
  return 1;
}

/// Whether `memref` is a view of an argument of the enclosing function (a
/// kernel parameter).
bool isKernelArgument(Value memref) {
  auto arg = dyn_cast<BlockArgument>(plstm::viewRoot(memref));
  return arg && isa<FunctionOpInterface>(arg.getOwner()->getParentOp());
}

/// The identity-layout type of `type`'s shape.
MemRefType identityOf(MemRefType type) {
  return MemRefType::get(type.getShape(), type.getElementType(),
                         MemRefLayoutAttrInterface(), type.getMemorySpace());
}

/// Whether a buffer can stand for the values of type `type` carried by an
/// scf op: an identity-layout buffer cast to `type`, its sizes static or
/// (`dimsKnown`) read from the carried value before the op.
bool canBuffer(Type type, bool dimsKnown) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && (memref.hasStaticShape() || dimsKnown) &&
         memref::CastOp::areCastCompatible(identityOf(memref), memref);
}

/// Whether every memref a loop starts from can be carried in one buffer.
bool canBufferInits(ValueRange inits) {
  return llvm::all_of(inits, [](Value init) {
    return !isa<MemRefType>(init.getType()) ||
           canBuffer(init.getType(), /*dimsKnown=*/true);
  });
}

/// The buffer for the values like `like` carried by `carrier` (canBuffer
/// holds), seen with `like`'s type: allocated at the row's start when its
/// shape is static, after `like` when its sizes are known at the row's
/// level, else right before `carrier` (one per execution of the op).
Value carrierBuffer(Value like, Operation *carrier, scf::ParallelOp rows,
                    Location loc) {
  auto type = cast<MemRefType>(like.getType());
  Block *body = rows.getBody();
  OpBuilder b = OpBuilder::atBlockBegin(body);
  SmallVector<Value> sizes;
  if (!type.hasStaticShape()) {
    if (isRowInvariant(like, rows)) {
      if (Operation *def = like.getDefiningOp(); def && def->getBlock() == body)
        b.setInsertionPointAfter(def);
    } else {
      b.setInsertionPoint(carrier);
    }
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(memref::DimOp::create(b, loc, like, d));
  }
  Value buffer = memref::AllocOp::create(b, loc, identityOf(type), sizes);
  if (buffer.getType() != type)
    buffer = memref::CastOp::create(b, loc, type, buffer);
  return buffer;
}

/// Whether the values `next` a loop carries into its arguments `args` can
/// go through one buffer each, copied in sequence: each is its own argument
/// or not a view of any of them (a swap, or a view of the old state
/// written over the state, would read what an earlier copy overwrote).
bool carriesSafely(ValueRange args, ValueRange next) {
  for (auto [i, value] : llvm::enumerate(next)) {
    if (!isa<MemRefType>(value.getType()) || value == args[i])
      continue;
    if (llvm::is_contained(args, plstm::viewRoot(value)))
      return false;
  }
  return true;
}

/// memref.copy of `from` into the loop-carried `buffer`; for a dynamic
/// shape, first an assertion that the sizes did not change (the buffer was
/// sized from the loop's initial value).
void copyKeepingShape(OpBuilder &b, Location loc, Value from, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    Value same =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                              memref::DimOp::create(b, loc, from, d),
                              memref::DimOp::create(b, loc, buffer, d));
    cf::AssertOp::create(b, loc, same,
                         "plstm: a loop-carried buffer changed its size");
  }
  memref::CopyOp::create(b, loc, from, buffer);
}

/// Inlines the single-block scf.execute_region ops of the row (the CPU
/// path's compile-time boundaries, `no_inline`).
void inlineExecuteRegions(scf::ParallelOp rows) {
  SmallVector<scf::ExecuteRegionOp> regions;
  rows.getBody()->walk([&](scf::ExecuteRegionOp op) {
    if (op.getRegion().hasOneBlock())
      regions.push_back(op);
  });
  IRRewriter rewriter(rows.getContext());
  for (scf::ExecuteRegionOp op : regions) {
    Block &block = op.getRegion().front();
    Operation *yield = block.getTerminator();
    SmallVector<Value> results(yield->getOperands());
    rewriter.inlineBlockBefore(&block, op);
    rewriter.replaceOp(op, results);
    rewriter.eraseOp(yield);
  }
}

bool hasMemRefResult(Operation *op) {
  return llvm::any_of(op->getResultTypes(),
                      [](Type t) { return isa<MemRefType>(t); });
}

/// The ops plstm-gpu-row-buffers can prepare (before deallocation).
bool canPrepare(scf::ParallelOp rows) {
  WalkResult result =
      rows.getBody()->walk<WalkOrder::PreOrder>([&](Operation *op) {
        if (isa<linalg::LinalgOp>(op))
          return cast<linalg::LinalgOp>(op).hasPureBufferSemantics()
                     ? WalkResult::skip()
                     : blocked(op);
        if (auto loop = dyn_cast<scf::ForOp>(op)) {
          if (!canBufferInits(loop.getInitArgs()))
            return blocked(op);
          return carriesSafely(loop.getRegionIterArgs(),
                               loop.getBody()->getTerminator()->getOperands())
                     ? WalkResult::advance()
                     : blocked(op);
        }
        if (auto loop = dyn_cast<scf::WhileOp>(op)) {
          if (!canBufferInits(loop.getInits()))
            return blocked(op);
          // The forwarded values keep the loop-carried types.
          Block &before = loop.getBefore().front(),
                &after = loop.getAfter().front();
          return before.getArgumentTypes() == after.getArgumentTypes() &&
                         carriesSafely(before.getArguments(),
                                       loop.getConditionOp().getArgs()) &&
                         carriesSafely(after.getArguments(),
                                       after.getTerminator()->getOperands())
                     ? WalkResult::advance()
                     : blocked(op);
        }
        // An scf.if's memref results become buffers where their shapes are
        // static (prepare); the others stay (uniform values, the same in
        // every thread).
        if (isa<scf::IfOp>(op))
          return WalkResult::advance();
        if (isa<scf::ConditionOp>(op))
          return WalkResult::advance();
        if (isa<scf::YieldOp>(op) || op == rows.getBody()->getTerminator())
          return WalkResult::advance();
        if (auto alloc = dyn_cast<memref::AllocOp>(op))
          return alloc.getType().getLayout().isIdentity()
                     ? WalkResult::advance()
                     : blocked(op);
        return isPlainAccessOrPure(op) ? WalkResult::advance() : blocked(op);
      });
  return !result.wasInterrupted();
}

/// The loop-carried buffers of the row's scf.for loops become one buffer
/// each, updated in place; allocations in loops move to the row's start.
void prepare(scf::ParallelOp rows) {
  Block *body = rows.getBody();
  SmallVector<Operation *> carriers;
  body->walk([&](Operation *op) { // post-order: inner loops first
    if (isa<scf::ForOp, scf::WhileOp, scf::IfOp>(op))
      carriers.push_back(op);
  });
  for (Operation *op : carriers) {
    Location loc = op->getLoc();
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
      for (auto [i, init] : llvm::enumerate(loop.getInitArgs())) {
        if (!isa<MemRefType>(init.getType()))
          continue;
        BlockArgument arg = loop.getRegionIterArgs()[i];
        Value yielded = yield.getOperand(i);
        // A loop that updates its buffer in place keeps it.
        Value buffer = init;
        if (yielded != arg) {
          buffer = carrierBuffer(init, loop, rows, loc);
          OpBuilder before(loop);
          memref::CopyOp::create(before, loc, init, buffer);
          OpBuilder end(yield);
          copyKeepingShape(end, loc, yielded, buffer);
        }
        arg.replaceAllUsesWith(buffer);
        loop->getResult(i).replaceAllUsesWith(buffer);
        loop.getInitArgsMutable()[i].set(buffer);
        yield->setOperand(i, buffer);
      }
    } else if (auto loop = dyn_cast<scf::WhileOp>(op)) {
      Block &before = loop.getBefore().front(),
            &after = loop.getAfter().front();
      auto condition = loop.getConditionOp();
      auto yield = cast<scf::YieldOp>(after.getTerminator());
      for (auto [i, init] : llvm::enumerate(loop.getInits())) {
        if (!isa<MemRefType>(init.getType()))
          continue;
        BlockArgument beforeArg = before.getArgument(i);
        Value forwarded = condition.getArgs()[i];
        BlockArgument afterArg = after.getArgument(i);
        Value yielded = yield.getOperand(i);
        // A loop that updates its buffer in place keeps it.
        Value buffer = init;
        if (forwarded != beforeArg || yielded != afterArg) {
          buffer = carrierBuffer(init, loop, rows, loc);
          OpBuilder start(loop);
          memref::CopyOp::create(start, loc, init, buffer);
        }
        // before: its argument is the buffer; the value it forwards to the
        // after region and the results goes into the buffer.
        beforeArg.replaceAllUsesWith(buffer);
        if (forwarded != beforeArg) {
          OpBuilder end(condition);
          copyKeepingShape(end, loc, forwarded, buffer);
        }
        condition.getArgsMutable()[i].set(buffer);
        afterArg.replaceAllUsesWith(buffer);
        if (yielded != afterArg) {
          OpBuilder end(yield);
          copyKeepingShape(end, loc, yielded, buffer);
        }
        yield->setOperand(i, buffer);
        loop->getResult(i).replaceAllUsesWith(buffer);
        loop.getInitsMutable()[i].set(buffer);
      }
    } else {
      auto branch = cast<scf::IfOp>(op);
      for (auto [i, result] : llvm::enumerate(branch.getResults())) {
        if (!isa<MemRefType>(result.getType()) ||
            !canBuffer(result.getType(), /*dimsKnown=*/false))
          continue;
        Value buffer = carrierBuffer(result, branch, rows, loc);
        for (Region *region :
             {&branch.getThenRegion(), &branch.getElseRegion()}) {
          auto yield = cast<scf::YieldOp>(region->front().getTerminator());
          OpBuilder end(yield);
          memref::CopyOp::create(end, loc, yield.getOperand(i), buffer);
          yield->setOperand(i, buffer);
        }
        result.replaceAllUsesWith(buffer);
      }
    }
  }
  // Allocations whose sizes are computed inside a loop stay there (one
  // allocation per iteration, shared by the block the same way).
  SmallVector<memref::AllocOp> nested;
  body->walk([&](memref::AllocOp alloc) {
    if (!isAtRowLevel(alloc, rows) &&
        llvm::all_of(alloc.getDynamicSizes(),
                     [&](Value v) { return isRowInvariant(v, rows); }))
      nested.push_back(alloc);
  });
  for (memref::AllocOp alloc : nested) {
    // After the last of its sizes defined at the row's level.
    Operation *after = nullptr;
    for (Value size : alloc.getDynamicSizes())
      if (Operation *def = size.getDefiningOp();
          def && def->getBlock() == body &&
          (!after || after->isBeforeInBlock(def)))
        after = def;
    if (after)
      alloc->moveAfter(after);
    else
      alloc->moveBefore(body, body->begin());
    // The loop it came from may not run: its sizes may then be negative.
    OpBuilder b(alloc);
    Value zero = arith::ConstantIndexOp::create(b, alloc.getLoc(), 0);
    for (OpOperand &size : alloc.getDynamicSizesMutable())
      size.set(arith::MaxSIOp::create(b, alloc.getLoc(), size.get(), zero));
  }
}

/// `v` with the no-op arithmetic around it removed (x + 0, x * 1).
Value stripNoOps(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<arith::AddIOp, arith::MulIOp>(def))
      break;
    int64_t neutral = isa<arith::AddIOp>(def) ? 0 : 1;
    if (getConstantIntValue(def->getOperand(1)) == neutral)
      v = def->getOperand(0);
    else if (getConstantIntValue(def->getOperand(0)) == neutral)
      v = def->getOperand(1);
    else
      break;
  }
  return v;
}

/// plstm-split-batch gives each row the extent min(rows - row, 1), dynamic
/// (a static 1 trips a tensor canonicalization); inside the rows loop it is
/// 1 (row < rows). Replacing it by the constant lets the canonicalizer make
/// the row's buffers static and fold the one-iteration loops over it.
struct UnitRowsPass
    : public PassWrapper<UnitRowsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(UnitRowsPass)
  StringRef getArgument() const override { return "plstm-gpu-unit-rows"; }
  StringRef getDescription() const override {
    return "The row extent min(rows - row, 1) inside the rows loop is 1";
  }
  void runOnOperation() override {
    for (scf::ParallelOp rows : plstm::outermostParallelLoops(getOperation())) {
      SmallVector<arith::MinSIOp> extents;
      rows.getBody()->walk([&](arith::MinSIOp min) {
        for (int side : {0, 1}) {
          auto sub = min->getOperand(side).getDefiningOp<arith::SubIOp>();
          if (getConstantIntValue(min->getOperand(1 - side)) != 1 || !sub)
            continue;
          for (auto [iv, ub] :
               llvm::zip(rows.getInductionVars(), rows.getUpperBound()))
            if (stripNoOps(sub.getRhs()) == iv && sub.getLhs() == ub) {
              extents.push_back(min);
              return;
            }
        }
      });
      for (arith::MinSIOp min : extents) {
        OpBuilder b(min);
        min.getResult().replaceAllUsesWith(
            arith::ConstantIndexOp::create(b, min.getLoc(), 1));
        min.erase();
      }
    }
  }
};

struct RowBuffersPass
    : public PassWrapper<RowBuffersPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(RowBuffersPass)
  StringRef getArgument() const override { return "plstm-gpu-row-buffers"; }
  StringRef getDescription() const override {
    return "Row-long buffers for the block-per-row GPU mapping: loop-carried "
           "buffers updated in place, allocations hoisted to the row";
  }
  void runOnOperation() override {
    for (scf::ParallelOp rows : plstm::outermostParallelLoops(getOperation())) {
      inlineExecuteRegions(rows);
      if (!canPrepare(rows))
        continue;
      prepare(rows);
      rows->setAttr(kRowBuffersAttr, UnitAttr::get(&getContext()));
    }
  }
};

//===----------------------------------------------------------------------===//
// The block mapping
//===----------------------------------------------------------------------===//

/// The ops mapRowsToBlocks handles (after deallocation): every allocation
/// and deallocation at the row's level, no calls.
bool canDistribute(scf::ParallelOp rows) {
  if (!rows->hasAttr(kRowBuffersAttr) || !rows.getInitVals().empty())
    return false;
  WalkResult result =
      rows.getBody()->walk<WalkOrder::PreOrder>([&](Operation *op) {
        if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
          return linalgOp.hasPureBufferSemantics() ? WalkResult::skip()
                                                   : blocked(op);
        if (isa<memref::AllocOp, memref::DeallocOp>(op)) {
          // At any depth: the code around the ops runs in every thread.
          Value buffer =
              isa<memref::AllocOp>(op) ? op->getResult(0) : op->getOperand(0);
          auto type = dyn_cast<MemRefType>(buffer.getType());
          return type && type.getLayout().isIdentity() ? WalkResult::advance()
                                                       : blocked(op);
        }
        if (isa<cf::AssertOp>(op)) // uniform: every thread checks
          return WalkResult::advance();
        if (isa<scf::ForOp, scf::WhileOp>(op))
          return hasMemRefResult(op) ? blocked(op) : WalkResult::advance();
        if (isa<scf::IfOp>(op))
          return WalkResult::advance();
        if (isa<scf::YieldOp, scf::ConditionOp>(op) ||
            op == rows.getBody()->getTerminator())
          return WalkResult::advance();
        return isPlainAccessOrPure(op) ? WalkResult::advance() : blocked(op);
      });
  return !result.wasInterrupted();
}

} // namespace

SmallVector<scf::ParallelOp>
mlir::plstm::outermostParallelLoops(Operation *op) {
  SmallVector<scf::ParallelOp> loops;
  op->walk([&](scf::ParallelOp loop) {
    if (!loop->getParentOfType<scf::ParallelOp>())
      loops.push_back(loop);
  });
  return loops;
}

Value mlir::plstm::buildTripCounts(OpBuilder &b, Location loc,
                                   scf::ParallelOp loop,
                                   SmallVectorImpl<Value> &trips) {
  Value total;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value extent = b.createOrFold<arith::SubIOp>(loc, ub, lb);
    Value trip = b.createOrFold<arith::CeilDivSIOp>(loc, extent, step);
    trips.push_back(trip);
    total = total ? b.createOrFold<arith::MulIOp>(loc, total, trip) : trip;
  }
  return total;
}

void mlir::plstm::mapDelinearized(OpBuilder &b, Location loc,
                                  scf::ParallelOp loop, ArrayRef<Value> trips,
                                  Value index, IRMapping &mapping) {
  Value rest = index;
  for (int d = loop.getNumLoops() - 1; d >= 0; --d) {
    // A dim of one trip is at 0; the outermost other dim takes the rest
    // whole (it is below its trip count): no division, which is a 64-bit
    // routine call in PTX for a trip count known at run time only (a row's
    // (1, T, d) copy out divided by T per element).
    bool outermost = llvm::all_of(trips.take_front(d), [](Value trip) {
      return isConstantIntValue(trip, 1);
    });
    Value pos;
    if (isConstantIntValue(trips[d], 1)) {
      pos = arith::ConstantIndexOp::create(b, loc, 0);
    } else if (outermost) {
      pos = rest;
    } else {
      pos = arith::RemUIOp::create(b, loc, rest, trips[d]);
      rest = arith::DivUIOp::create(b, loc, rest, trips[d]);
    }
    Value iv = arith::AddIOp::create(
        b, loc, loop.getLowerBound()[d],
        arith::MulIOp::create(b, loc, pos, loop.getStep()[d]));
    mapping.map(loop.getInductionVars()[d], iv);
  }
}

namespace {

struct BlockMapper {
  IRRewriter &rewriter;
  Location loc;
  int64_t threads;
  bool emulate;
  Value tid;           ///< the thread in the block (0 when emulating)
  Value nthreads;      ///< `threads` as an index
  int64_t sharedBytes; ///< workgroup memory for the row's static buffers
  Block *launchBody = nullptr;
  bool prefetch = true; ///< prefetchAhead the step loops
  bool registerTiles = true; ///< lowerAccumulating's register tiles
  bool fuseLoops = true;     ///< fuseThreadLoops, eraseUnreadBuffers
  /// stepParity's values (their ops marked kStepParityAttr): the parity of
  /// an iteration of the loop.
  DenseMap<Value, scf::ForOp> parityOf{};
  static constexpr StringLiteral kStepParityAttr = "plstm.step_parity";
  /// The loop `v` is the stepParity of, if any.
  scf::ForOp parityLoop(Value v) const {
    Operation *def = v.getDefiningOp();
    return def && def->hasAttr(kStepParityAttr) ? parityOf.lookup(v)
                                                : scf::ForOp();
  }
  /// A block per row (not the chunk grid's block per (row, tile)): the
  /// launch scratch may then hold the buffers sized at run time.
  bool blockPerRow = true;
  /// Emulating: barriers and thread-0 marks kept for the race check
  /// (plstm-gpu-race-instrument).
  bool raceCheck = false;
  /// The buffers rowScratch made, for run's workgroup memory and frees.
  SmallVector<Operation *> scratchAllocs, scratchDeallocs;
  /// Per reduction op, the accumulated outputs (operand numbers) whose
  /// fill foldFillsIntoAccumulators erased, and the fill's value.
  DenseMap<Operation *, DenseMap<unsigned, Value>> foldedFills{};

  /// A linalg.fill of an output that a later reduction op of the same
  /// block accumulates in registers (accumulatedOutputs) and writes whole
  /// (its indexing map a permutation of parallel dims onto the output's),
  /// with nothing touching that buffer between them, is erased: the
  /// accumulators start from the fill's value (lowerAccumulating), not from
  /// a load. The sequential steps' read-outs: one pass over the block's
  /// threads and one barrier less a step. Returns the ops left.
  SmallVector<Operation *>
  foldFillsIntoAccumulators(ArrayRef<Operation *> linalgOps) {
    llvm::SmallPtrSet<Operation *, 8> erased;
    for (Operation *op : linalgOps) {
      auto generic = dyn_cast<linalg::GenericOp>(op);
      if (!generic)
        continue;
      for (OpOperand *out : accumulatedOutputs(generic)) {
        AffineMap map = generic.getMatchingIndexingMap(out);
        auto type = cast<MemRefType>(out->get().getType());
        if (!map.isPermutation() && !(map.isProjectedPermutation() &&
                                      map.getNumResults() == type.getRank()))
          continue;
        Value root = plstm::viewRoot(out->get());
        for (Operation *prev = op->getPrevNode(); prev;
             prev = prev->getPrevNode()) {
          auto fill = dyn_cast<linalg::FillOp>(prev);
          if (fill && fill.hasPureBufferSemantics() &&
              fill.getDpsInitOperand(0)->get() == out->get() &&
              fill.getInputs()[0].getType() == type.getElementType()) {
            foldedFills[op][out->getOperandNumber()] = fill.getInputs()[0];
            erased.insert(fill);
            fill->erase();
            break;
          }
          // What may run between: pure ops, loads and linalg ops of other
          // known buffers.
          if (prev->getNumRegions() == 0 && isMemoryEffectFree(prev))
            continue;
          auto others = [&](ValueRange values) {
            return llvm::all_of(values, [&](Value v) {
              return !isa<MemRefType>(v.getType()) ||
                     (hasKnownRoot(v) && plstm::viewRoot(v) != root);
            });
          };
          if (isa<memref::LoadOp>(prev) && others(prev->getOperands()))
            continue;
          if (isa<linalg::LinalgOp>(prev) && others(prev->getOperands()))
            continue;
          break;
        }
      }
    }
    SmallVector<Operation *> left;
    for (Operation *op : linalgOps)
      if (!erased.contains(op))
        left.push_back(op);
    return left;
  }

  void barrier(OpBuilder &b) {
    if (!emulate || raceCheck)
      gpu::BarrierOp::create(b, loc);
  }

  /// Runs `op` in thread 0 only: in an scf.if (thread == 0); emulating,
  /// as it is (the one real thread runs it), with the race check in an
  /// scf.if (true) that marks it thread 0's (the op may become loops in
  /// place). Returns what now stands in `op`'s place.
  Operation *guardThreadZero(Operation *op) {
    if (emulate && !raceCheck)
      return op;
    OpBuilder b(op);
    if (!emulate)
      return moveIntoThreadZero(b, op);
    auto guard = scf::IfOp::create(
        b, loc, arith::ConstantIntOp::create(b, loc, 1, 1), false);
    guard->setAttr(plstm::kGPUThreadZeroAttr, b.getUnitAttr());
    op->moveBefore(guard.thenBlock()->getTerminator());
    return guard;
  }

  /// Runs `op` in thread 0 only (guardThreadZero), between barriers.
  void inThreadZero(Operation *op) {
    OpBuilder b(op);
    barrier(b);
    b.setInsertionPointAfter(guardThreadZero(op));
    barrier(b);
  }

  /// Moves `op` into an `scf.if` (thread == 0) built at `b`.
  scf::IfOp moveIntoThreadZero(OpBuilder &b, Operation *op) {
    Value isZero =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                              arith::ConstantIndexOp::create(b, loc, 0));
    auto guard = scf::IfOp::create(b, loc, isZero, /*withElse=*/false);
    op->moveBefore(guard.thenBlock()->getTerminator());
    return guard;
  }

  /// Emulating: `for t in [0, threads)`, marked as the block's virtual
  /// threads, built at `b`; `b` then inserts in its body. Returns t.
  Value virtualThreadLoop(OpBuilder &b) {
    auto virtualThreads =
        scf::ForOp::create(b, loc, arith::ConstantIndexOp::create(b, loc, 0),
                           nthreads, arith::ConstantIndexOp::create(b, loc, 1));
    virtualThreads->setAttr(plstm::kGPUVirtualThreadsAttr, b.getUnitAttr());
    b.setInsertionPoint(virtualThreads.getBody()->getTerminator());
    return virtualThreads.getInductionVar();
  }

  /// for lin in [tid, total) step threads (emulating: for t in [0, threads),
  /// for lin in [t, total) step threads), the parallel loop's body inside.
  void distribute(scf::ParallelOp par) {
    OpBuilder b(par);
    barrier(b);
    SmallVector<Value> trips;
    Value total = plstm::buildTripCounts(b, loc, par, trips);
    Value first = emulate ? virtualThreadLoop(b) : tid;
    auto loop = scf::ForOp::create(b, loc, first, total, nthreads);
    OpBuilder inner = OpBuilder::atBlockBegin(loop.getBody());
    IRMapping mapping;
    plstm::mapDelinearized(inner, loc, par, trips, loop.getInductionVar(),
                           mapping);
    for (Operation &op : par.getBody()->without_terminator())
      inner.clone(op, mapping);
    b.setInsertionPointAfter(par);
    barrier(b);
    rewriter.eraseOp(par);
  }

  LogicalResult distribute(linalg::LinalgOp op) {
    rewriter.setInsertionPoint(op);
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic) {
      FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, op);
      if (failed(g))
        return op->emitError("plstm-map-to-gpu: cannot generalize this op");
      generic = *g;
    }
    // Parallel loops first, then the reductions (kept in the thread).
    SmallVector<unsigned> order;
    auto iterators = generic.getIteratorTypesArray();
    for (unsigned d = 0; d < iterators.size(); ++d)
      if (linalg::isParallelIterator(iterators[d]))
        order.push_back(d);
    bool anyParallel = !order.empty();
    for (unsigned d = 0; d < iterators.size(); ++d)
      if (!linalg::isParallelIterator(iterators[d]))
        order.push_back(d);
    if (!llvm::equal(order, llvm::seq<unsigned>(0, order.size()))) {
      FailureOr<linalg::GenericOp> g =
          linalg::interchangeGenericOp(rewriter, generic, order);
      if (failed(g))
        return generic->emitError("plstm-map-to-gpu: cannot interchange");
      if (*g != generic && foldedFills.contains(generic)) {
        foldedFills[*g] = foldedFills.lookup(generic);
        foldedFills.erase(generic);
      }
      generic = *g;
    }
    if (!anyParallel)
      inThreadZero(generic);
    else if (SmallVector<scf::ParallelOp> loops = lowerAccumulating(generic);
             !loops.empty()) {
      for (scf::ParallelOp par : loops)
        distribute(par);
      return success();
    }
    if (foldedFills.contains(generic))
      return generic->emitError(
          "plstm-map-to-gpu: a fill folded into this op's accumulators, "
          "which are not carried");
    rewriter.setInsertionPoint(generic);
    FailureOr<linalg::LinalgLoops> loops =
        linalg::linalgOpToParallelLoops(rewriter, generic);
    if (failed(loops))
      return generic->emitError("plstm-map-to-gpu: cannot lower to loops");
    rewriter.eraseOp(generic);
    if (anyParallel && !loops->empty())
      if (auto par = dyn_cast<scf::ParallelOp>(loops->front()))
        distribute(par);
    return success();
  }

  /// Whether `v` is a view of a buffer that no other value names: an
  /// allocation (also the chunk grid's host buffers: a gpu.alloc, a
  /// memref.alloc when emulating; the same decisions either way) or an
  /// argument of the function (the kernel's parameters, distinct buffers),
  /// not a loop-carried or selected memref.
  static bool hasKnownRoot(Value v) {
    if (!isa<MemRefType>(v.getType()))
      return false;
    return isKernelArgument(v) ||
           isa_and_present<memref::AllocOp, memref::AllocaOp, gpu::AllocOp>(
               plstm::viewRoot(v).getDefiningOp());
  }

  /// The indices `map` gives for the loop indices `ivs`.
  static SmallVector<Value> indicesAt(OpBuilder &b, Location loc, AffineMap map,
                                      ValueRange ivs) {
    SmallVector<Value> indices;
    SmallVector<OpFoldResult> operands = getAsOpFoldResult(ivs);
    for (unsigned r = 0; r < map.getNumResults(); ++r)
      indices.push_back(getValueOrCreateConstantIndexOp(
          b, loc,
          affine::makeComposedFoldedAffineApply(b, loc, map.getSubMap({r}),
                                                operands)));
    return indices;
  }

  /// A reduction op (parallel dims first) as an scf.parallel over its
  /// parallel dims holding the thread's reduction loops, with each output
  /// indexed by the parallel dims only (a read-out, a sum) accumulated in
  /// registers: loaded before the reduction loops, carried through them,
  /// stored after them, where linalg's loop lowering loads and stores it at
  /// every reduction step (through global memory when the output is not in
  /// shared memory). (The inputs indexed by the parallel dims only stay
  /// loaded at every step: hoisting them too made ptxas spill the J = 4 1D
  /// kernel.) With many more parallel iterations than threads, each
  /// thread takes a register tile of them (registerTile: a matrix product's
  /// tp x tq outputs), their accumulators carried side by side, a load that
  /// elements share made once. Null (nothing changed)
  /// when the op has no
  /// reduction or no such output, or when an operand's buffer is not known
  /// to be distinct from the others' (the loop lowering is then exact for
  /// any aliasing).
  /// The outputs lowerAccumulating carries in registers through `op`'s
  /// reductions (whatever the order of its dims): those indexed by its
  /// parallel dims only. None when `op` has no reduction or no parallel
  /// dim, or an operand's buffer is not known to be distinct from the
  /// others' (a buffer read twice is fine).
  static SmallVector<OpOperand *> accumulatedOutputs(linalg::GenericOp op) {
    if (!op.hasPureBufferSemantics())
      return {};
    unsigned numLoops = op.getNumLoops();
    unsigned numParallel = op.getNumParallelLoops();
    if (numParallel == 0 || numParallel == numLoops)
      return {};
    auto iterators = op.getIteratorTypesArray();
    auto parallelOnly = [&](OpOperand &operand) {
      AffineMap map = op.getMatchingIndexingMap(&operand);
      for (unsigned d = 0; d < numLoops; ++d)
        if (!linalg::isParallelIterator(iterators[d]) && map.isFunctionOfDim(d))
          return false;
      return true;
    };
    SmallVector<Value> outputRoots;
    for (OpOperand &operand : op->getOpOperands())
      if (!hasKnownRoot(operand.get()))
        return {};
    for (OpOperand &out : op.getDpsInitsMutable())
      outputRoots.push_back(plstm::viewRoot(out.get()));
    for (OpOperand &operand : op->getOpOperands()) {
      Value root = plstm::viewRoot(operand.get());
      unsigned same = llvm::count(outputRoots, root);
      if (same > (op.isDpsInit(&operand) ? 1u : 0u))
        return {};
    }
    SmallVector<OpOperand *> carried;
    for (OpOperand &out : op.getDpsInitsMutable())
      if (parallelOnly(out))
        carried.push_back(&out);
    return carried;
  }

  SmallVector<scf::ParallelOp> lowerAccumulating(linalg::GenericOp op) {
    unsigned numLoops = op.getNumLoops();
    unsigned numParallel = op.getNumParallelLoops();
    auto iterators = op.getIteratorTypesArray();
    for (unsigned d = 0; d < numLoops; ++d)
      if (linalg::isParallelIterator(iterators[d]) != (d < numParallel))
        return {};
    SmallVector<OpOperand *> carried = accumulatedOutputs(op);
    if (carried.empty())
      return {};

    Block &payload = op.getRegion().front();
    auto yield = cast<linalg::YieldOp>(payload.getTerminator());
    auto yieldedFor = [&](OpOperand *out) {
      return yield.getOperand(out->getOperandNumber() - op.getNumDpsInputs());
    };

    Location opLoc = op.getLoc();
    OpBuilder b(op);
    SmallVector<Value> lbs, ubs, steps;
    SmallVector<Range> ranges =
        cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, opLoc);
    for (Range range : ranges) {
      lbs.push_back(getValueOrCreateConstantIndexOp(b, opLoc, range.offset));
      ubs.push_back(getValueOrCreateConstantIndexOp(b, opLoc, range.size));
      steps.push_back(getValueOrCreateConstantIndexOp(b, opLoc, range.stride));
    }
    // Fewer parallel iterations than threads: the first reduction dim is
    // split over `split` threads per iteration, each summing its part (the
    // first part from the output's value, the others from 0), the parts
    // then added in a second loop through a buffer in workgroup memory.
    int64_t split = splitFactor(op, ranges, carried, yieldedFor);
    // Many more parallel iterations than threads: a register tile
    // (registerTile) of tp x tq iterations a thread.
    std::optional<RegisterTile> tile;
    if (split == 1 && registerTiles)
      tile = registerTile(op, ranges, carried);
    SmallVector<Value> parLbs(ArrayRef<Value>(lbs).take_front(numParallel));
    SmallVector<Value> parUbs(ArrayRef<Value>(ubs).take_front(numParallel));
    SmallVector<Value> parSteps(ArrayRef<Value>(steps).take_front(numParallel));
    if (tile) {
      parUbs[tile->p] =
          arith::ConstantIndexOp::create(b, opLoc, tile->tripsP / tile->tp);
      parUbs[tile->q] =
          arith::ConstantIndexOp::create(b, opLoc, tile->tripsQ / tile->tq);
    }
    if (split > 1) {
      // The part first: consecutive threads take consecutive iterations.
      parLbs.insert(parLbs.begin(),
                    arith::ConstantIndexOp::create(b, opLoc, 0));
      parUbs.insert(parUbs.begin(),
                    arith::ConstantIndexOp::create(b, opLoc, split));
      parSteps.insert(parSteps.begin(),
                      arith::ConstantIndexOp::create(b, opLoc, 1));
    }
    auto par = scf::ParallelOp::create(b, opLoc, parLbs, parUbs, parSteps);
    SmallVector<Value> parIvs = par.getInductionVars();
    Value part = split > 1 ? parIvs.front() : Value();
    if (split > 1)
      parIvs.erase(parIvs.begin());
    OpBuilder outer(par.getBody()->getTerminator());
    // The parallel indices, 0 for the reductions: the indices of the
    // outputs indexed by the parallel dims only.
    auto withZeroReductions = [&](OpBuilder &at, ArrayRef<Value> ivs) {
      SmallVector<Value> all(ivs);
      all.append(numLoops - numParallel,
                 arith::ConstantIndexOp::create(at, opLoc, 0));
      return all;
    };
    // The parallel indices of each iteration of the thread's tile (one
    // without a tile): p at p' + (trips of p / tp) * a for a in [0, tp),
    // q likewise, so that consecutive threads keep consecutive iterations.
    SmallVector<SmallVector<Value>> elementIvs = {SmallVector<Value>(parIvs)};
    if (tile) {
      elementIvs.clear();
      // The indices along p (or q) of the tile's elements.
      auto along = [&](unsigned dim, int64_t count, int64_t trips) {
        SmallVector<Value> at = {parIvs[dim]};
        for (int64_t k = 1; k < count; ++k)
          at.push_back(arith::AddIOp::create(
              outer, opLoc, parIvs[dim],
              arith::ConstantIndexOp::create(outer, opLoc, k * trips / count)));
        return at;
      };
      SmallVector<Value> atP = along(tile->p, tile->tp, tile->tripsP);
      SmallVector<Value> atQ = along(tile->q, tile->tq, tile->tripsQ);
      for (Value p : atP)
        for (Value q : atQ) {
          SmallVector<Value> ivs(parIvs);
          ivs[tile->p] = p;
          ivs[tile->q] = q;
          elementIvs.push_back(ivs);
        }
    }
    SmallVector<Value> inits; // element by element, the carried outputs
    SmallVector<SmallVector<Value>> carriedIndices; // the same order
    Value firstPart;
    if (split > 1)
      firstPart = arith::CmpIOp::create(
          outer, opLoc, arith::CmpIPredicate::eq, part,
          arith::ConstantIndexOp::create(outer, opLoc, 0));
    auto folded = foldedFills.find(op);
    for (ArrayRef<Value> ivs : elementIvs) {
      SmallVector<Value> outerIvs = withZeroReductions(outer, ivs);
      for (OpOperand *out : carried) {
        carriedIndices.push_back(
            indicesAt(outer, opLoc, op.getMatchingIndexingMap(out), outerIvs));
        Value init;
        if (folded != foldedFills.end())
          init = folded->second.lookup(out->getOperandNumber());
        if (!init)
          init = memref::LoadOp::create(outer, opLoc, out->get(),
                                        carriedIndices.back());
        if (split > 1)
          init = arith::SelectOp::create(
              outer, opLoc, firstPart, init,
              arith::ConstantOp::create(outer, opLoc,
                                        outer.getZeroAttr(init.getType())));
        inits.push_back(init);
      }
    }
    SmallVector<Value> redLbs(ArrayRef<Value>(lbs).drop_front(numParallel));
    SmallVector<Value> redUbs(ArrayRef<Value>(ubs).drop_front(numParallel));
    if (split > 1) {
      int64_t per = *getConstantIntValue(ranges[numParallel].size) / split;
      Value perPart = arith::ConstantIndexOp::create(outer, opLoc, per);
      redLbs.front() = arith::MulIOp::create(outer, opLoc, part, perPart);
      redUbs.front() =
          arith::AddIOp::create(outer, opLoc, redLbs.front(), perPart);
    }
    scf::LoopNest nest = scf::buildLoopNest(
        outer, opLoc, redLbs, redUbs, ArrayRef(steps).drop_front(numParallel),
        inits,
        [&](OpBuilder &nb, Location loc, ValueRange reductionIvs,
            ValueRange accs) -> scf::ValueVector {
          scf::ValueVector next;
          // Each element's loads, then its payload. An input that does not
          // read along a tile dim is loaded once for the elements along it
          // (the key: the operand, the element's place along p and q where
          // the input reads along them, else -1).
          DenseMap<std::tuple<unsigned, int64_t, int64_t>, Value> loaded;
          for (auto [e, parallelIvs] : llvm::enumerate(elementIvs)) {
            SmallVector<Value> ivs(parallelIvs);
            ivs.append(reductionIvs.begin(), reductionIvs.end());
            IRMapping mapping;
            for (auto [k, out] : llvm::enumerate(carried))
              mapping.map(payload.getArgument(out->getOperandNumber()),
                          accs[e * carried.size() + k]);
            for (OpOperand &operand : op->getOpOperands()) {
              BlockArgument arg =
                  payload.getArgument(operand.getOperandNumber());
              if (mapping.contains(arg) || arg.use_empty())
                continue;
              AffineMap map = op.getMatchingIndexingMap(&operand);
              std::tuple<unsigned, int64_t, int64_t> key = {
                  operand.getOperandNumber(), -1, -1};
              if (tile && map.isFunctionOfDim(tile->p))
                std::get<1>(key) = int64_t(e) / tile->tq;
              if (tile && map.isFunctionOfDim(tile->q))
                std::get<2>(key) = int64_t(e) % tile->tq;
              Value &value = loaded[key];
              if (!value)
                value = memref::LoadOp::create(nb, loc, operand.get(),
                                               indicesAt(nb, loc, map, ivs));
              mapping.map(arg, value);
            }
            for (Operation &inner : payload.without_terminator()) {
              if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
                mapping.map(index.getResult(), ivs[index.getDim()]);
                continue;
              }
              nb.clone(inner, mapping);
            }
            for (OpOperand *out : carried)
              next.push_back(mapping.lookupOrDefault(yieldedFor(out)));
            for (OpOperand &out : op.getDpsInitsMutable())
              if (!llvm::is_contained(carried, &out))
                memref::StoreOp::create(
                    nb, loc, mapping.lookupOrDefault(yieldedFor(&out)),
                    out.get(),
                    indicesAt(nb, loc, op.getMatchingIndexingMap(&out), ivs));
          }
          return next;
        });
    SmallVector<scf::ParallelOp> loops = {par};
    foldedFills.erase(op); // before a new op may take its address
    if (split == 1) {
      for (auto [k, result] : llvm::enumerate(nest.results))
        memref::StoreOp::create(outer, opLoc, result,
                                carried[k % carried.size()]->get(),
                                carriedIndices[k]);
      rewriter.eraseOp(op);
      return loops;
    }
    // Each part to the workgroup buffer [split, parallel trips...] (one per
    // row, allocated at the row's start), then their sum to the output. In
    // a loop of the row (a sequential step), the buffer is [2, split, ...]
    // and step s uses half s mod 2 (stepParity): the next step's parts do
    // not overwrite those this step's sum reads, so no barrier has to
    // separate the two (removeLoopEntryBarriers).
    Value parity = stepParity(par);
    SmallVector<int64_t> partsShape = {split};
    if (parity)
      partsShape.insert(partsShape.begin(), 2);
    for (unsigned d = 0; d < numParallel; ++d)
      partsShape.push_back(*getConstantIntValue(ranges[d].size));
    SmallVector<Value> partsBuffers;
    for (auto [k, out] : llvm::enumerate(carried)) {
      Value parts =
          rowScratch(MemRefType::get(partsShape, nest.results[k].getType()));
      SmallVector<Value> at = {part};
      if (parity)
        at.insert(at.begin(), parity);
      at.append(parIvs.begin(), parIvs.end());
      memref::StoreOp::create(outer, opLoc, nest.results[k], parts, at);
      partsBuffers.push_back(parts);
    }
    auto sum =
        scf::ParallelOp::create(b, opLoc, ArrayRef(lbs).take_front(numParallel),
                                ArrayRef(ubs).take_front(numParallel),
                                ArrayRef(steps).take_front(numParallel));
    OpBuilder add(sum.getBody()->getTerminator());
    SmallVector<Value> sumParIvs = sum.getInductionVars();
    SmallVector<Value> sumIvs = withZeroReductions(add, sumParIvs);
    for (auto [k, out] : llvm::enumerate(carried)) {
      Value total;
      for (int64_t p = 0; p < split; ++p) {
        SmallVector<Value> at = {arith::ConstantIndexOp::create(add, opLoc, p)};
        if (parity)
          at.insert(at.begin(), parity);
        at.append(sumParIvs.begin(), sumParIvs.end());
        Value value = memref::LoadOp::create(add, opLoc, partsBuffers[k], at);
        total =
            total ? arith::AddFOp::create(add, opLoc, total, value).getResult()
                  : value;
      }
      memref::StoreOp::create(
          add, opLoc, total, out->get(),
          indicesAt(add, opLoc, op.getMatchingIndexingMap(out), sumIvs));
    }
    loops.push_back(sum);
    rewriter.eraseOp(op);
    return loops;
  }

  /// The parity of the iteration of the innermost scf.for of the row
  /// around `op` ((iv - lb) / step mod 2), built before `op` and recorded
  /// in `parityOf` for the barrier rules; null outside such loops.
  Value stepParity(Operation *op) {
    auto loop = op->getParentOfType<scf::ForOp>();
    if (!loop || !launchBody->getParentOp()->isProperAncestor(loop) ||
        !loop.getInductionVar().getType().isIndex())
      return {};
    OpBuilder b(op);
    Value count = arith::DivUIOp::create(
        b, loc,
        arith::SubIOp::create(b, loc, loop.getInductionVar(),
                              loop.getLowerBound()),
        loop.getStep());
    auto parity = arith::RemUIOp::create(
        b, loc, count, arith::ConstantIndexOp::create(b, loc, 2));
    parity->setAttr(kStepParityAttr, b.getUnitAttr());
    parityOf[parity] = loop;
    return parity;
  }

  /// A thread's tile of a reduction op's parallel iterations: tp x tq
  /// iterations along parallel dims p < q (trip counts tripsP, tripsQ).
  struct RegisterTile {
    unsigned p, q;
    int64_t tripsP, tripsQ, tp, tq;
  };

  /// The register tile of `op` (lowerAccumulating, no split), or none: two
  /// parallel dims p < q of constant trip counts (from 0, step 1) that an
  /// input reads along p and not q, and another along q and not p (a
  /// matrix product's rows and columns: tp + tq loads a reduction step
  /// feed tp x tq accumulations, where one iteration a thread loads two for
  /// one), every output carried in registers and indexed along p and q, a
  /// payload of at most kMaxTilePayload ops, tp, tq in {1, 2, 4} dividing
  /// their trips, at least 4 and at most kMaxAccumulators / (carried
  /// outputs) iterations a tile, and at least a tile for every thread: the
  /// most iterations over all such pairs (the innermost q first), then the
  /// squarest.
  std::optional<RegisterTile> registerTile(linalg::GenericOp op,
                                           ArrayRef<Range> ranges,
                                           ArrayRef<OpOperand *> carried) {
    constexpr size_t kMaxTilePayload = 16;
    constexpr int64_t kMinTile = 4, kMaxAccumulators = 16;
    unsigned numParallel = op.getNumParallelLoops();
    Block &payload = op.getRegion().front();
    if (carried.empty() ||
        carried.size() != static_cast<size_t>(op.getNumDpsInits()) ||
        payload.getOperations().size() > kMaxTilePayload + 1)
      return std::nullopt;
    int64_t maxTile = kMaxAccumulators / static_cast<int64_t>(carried.size());
    SmallVector<int64_t> trips;
    int64_t parallelIterations = 1;
    for (unsigned d = 0; d < numParallel; ++d) {
      std::optional<int64_t> size = getConstantIntValue(ranges[d].size);
      if (!size || !isConstantIntValue(ranges[d].offset, 0) ||
          !isConstantIntValue(ranges[d].stride, 1))
        return std::nullopt;
      trips.push_back(*size);
      parallelIterations *= *size;
    }
    // Whether a loaded input reads along `along` and not along `not`.
    auto readsAlongOnly = [&](unsigned along, unsigned notAlong) {
      return llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *in) {
        AffineMap map = op.getMatchingIndexingMap(in);
        return !payload.getArgument(in->getOperandNumber()).use_empty() &&
               map.isFunctionOfDim(along) && !map.isFunctionOfDim(notAlong);
      });
    };
    // Every output written by one element of a tile only.
    auto outputsReadBoth = [&](unsigned p, unsigned q) {
      return llvm::all_of(carried, [&](OpOperand *out) {
        AffineMap map = op.getMatchingIndexingMap(out);
        return map.isFunctionOfDim(p) && map.isFunctionOfDim(q);
      });
    };
    std::optional<RegisterTile> best;
    for (unsigned q = numParallel; q-- > 1;) {
      if (trips[q] < 2)
        continue;
      for (unsigned p = q; p-- > 0;) {
        if (trips[p] < 2 || !readsAlongOnly(p, q) || !readsAlongOnly(q, p) ||
            !outputsReadBoth(p, q))
          continue;
        for (int64_t tp : {4, 2, 1})
          for (int64_t tq : {4, 2, 1}) {
            int64_t size = tp * tq;
            if (trips[p] % tp || trips[q] % tq || size < kMinTile ||
                size > maxTile || parallelIterations < threads * size)
              continue;
            if (best) {
              int64_t bestSize = best->tp * best->tq;
              if (size < bestSize ||
                  (size == bestSize &&
                   std::abs(tp - tq) >= std::abs(best->tp - best->tq)))
                continue;
            }
            best = RegisterTile{p, q, trips[p], trips[q], tp, tq};
          }
      }
    }
    return best;
  }

  /// How many threads share each parallel iteration of `op` (see
  /// lowerAccumulating): the largest divisor of the first reduction dim's
  /// trip count up to threads / (parallel iterations), at most kMaxSplit;
  /// 1 when the parallel iterations fill the block, a trip count is not a
  /// constant (or a loop does not start at 0 with step 1), or an
  /// accumulated output's update is not `acc + terms` (arith.addf, each
  /// value on the way used once, the terms not reading acc).
  int64_t splitFactor(linalg::GenericOp op, ArrayRef<Range> ranges,
                      ArrayRef<OpOperand *> carried,
                      function_ref<Value(OpOperand *)> yieldedFor) {
    unsigned numParallel = op.getNumParallelLoops();
    int64_t parallelIterations = 1;
    for (unsigned d = 0; d <= numParallel; ++d) {
      std::optional<int64_t> size = getConstantIntValue(ranges[d].size);
      if (!size || !isConstantIntValue(ranges[d].offset, 0) ||
          !isConstantIntValue(ranges[d].stride, 1))
        return 1;
      if (d < numParallel)
        parallelIterations *= *size;
    }
    int64_t trips = *getConstantIntValue(ranges[numParallel].size);
    if (parallelIterations == 0 || trips == 0)
      return 1;
    // Each element of the other outputs written by one part only: their
    // maps use the split dim.
    for (OpOperand &out : op.getDpsInitsMutable())
      if (!llvm::is_contained(carried, &out) &&
          !op.getMatchingIndexingMap(&out).isFunctionOfDim(numParallel))
        return 1;
    Block &payload = op.getRegion().front();
    for (OpOperand *out : carried) {
      BlockArgument acc = payload.getArgument(out->getOperandNumber());
      if (!isa<FloatType>(acc.getType()))
        return 1;
      // From acc up to the yielded value through single-use addf.
      Value chain = acc;
      while (true) {
        if (!chain.hasOneUse())
          return 1;
        Operation *user = *chain.getUsers().begin();
        if (isa<linalg::YieldOp>(user))
          break;
        auto addf = dyn_cast<arith::AddFOp>(user);
        if (!addf || addf->getBlock() != &payload)
          return 1;
        chain = addf.getResult();
      }
      if (chain != yieldedFor(out))
        return 1;
    }
    return largestDivisorUpTo(
        trips, std::min(threads / parallelIterations, kMaxSplit));
  }

  /// A buffer of the row, allocated at the launch's start and freed at its
  /// end (static and small: it goes to workgroup memory where it fits).
  Value rowScratch(MemRefType type) {
    OpBuilder b = OpBuilder::atBlockBegin(launchBody);
    auto alloc = memref::AllocOp::create(b, loc, type);
    b.setInsertionPoint(launchBody->getTerminator());
    auto dealloc = memref::DeallocOp::create(b, loc, alloc);
    scratchAllocs.push_back(alloc);
    scratchDeallocs.push_back(dealloc);
    return alloc;
  }

  /// Thread 0 allocates; the pointer reaches the block's threads through
  /// `slots` (workgroup memory); each thread rebuilds the descriptor. A
  /// null pointer for a buffer of one element or more (the device heap
  /// exhausted) stops the kernel with an
  /// assertion that says so (__assertfail: CUDA_ERROR_ASSERT and the
  /// message on the device's printf output), not an illegal address later.
  void shareAllocation(memref::AllocOp alloc, Value slots, int64_t k) {
    OpBuilder b(alloc);
    alloc.setAlignmentAttr(IntegerAttr()); // allocated == aligned pointer
    Value slot = arith::ConstantIndexOp::create(b, loc, k);
    scf::IfOp guard = moveIntoThreadZero(b, alloc);
    OpBuilder then(guard.thenBlock()->getTerminator());
    Value ptr = memref::ExtractAlignedPointerAsIndexOp::create(
        then, loc, alloc.getResult());
    // malloc(0) may return null: an empty buffer passes.
    MemRefType allocType = alloc.getType();
    int64_t staticElements = 1;
    for (int64_t size : allocType.getShape())
      if (!ShapedType::isDynamic(size))
        staticElements *= size;
    Value zero = arith::ConstantIndexOp::create(then, loc, 0);
    Value elements = arith::ConstantIndexOp::create(then, loc, staticElements);
    for (Value size : alloc.getDynamicSizes())
      elements = arith::MulIOp::create(then, loc, elements, size);
    Value allocated = arith::OrIOp::create(
        then, loc,
        arith::CmpIOp::create(then, loc, arith::CmpIPredicate::ne, ptr, zero),
        arith::CmpIOp::create(then, loc, arith::CmpIPredicate::eq, elements,
                              zero));
    cf::AssertOp::create(
        then, loc, allocated,
        "plstm: a device malloc returned null: the device heap "
        "(CU_LIMIT_MALLOC_HEAP_SIZE, $PLSTM_GPU_HEAP_MB) is too small for "
        "the kernel's row buffers");
    Value ptr64 = arith::IndexCastOp::create(then, loc, then.getI64Type(), ptr);
    memref::StoreOp::create(then, loc, ptr64, slots, slot);
    b.setInsertionPointAfter(guard);
    barrier(b);
    Value shared = memref::LoadOp::create(b, loc, slots, slot);
    barrier(b); // every thread has its pointer before the slot is reused
    MemRefType type = alloc.getType();
    MLIRContext *ctx = b.getContext();
    Type i64 = b.getI64Type();
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    SmallVector<Type> fields = {ptrType, ptrType, i64};
    if (type.getRank() > 0) {
      fields.push_back(LLVM::LLVMArrayType::get(i64, type.getRank()));
      fields.push_back(LLVM::LLVMArrayType::get(i64, type.getRank()));
    }
    auto structType = LLVM::LLVMStructType::getLiteral(ctx, fields);
    Value p = LLVM::IntToPtrOp::create(b, loc, ptrType, shared);
    MemRefDescriptor desc = MemRefDescriptor::poison(b, loc, structType);
    desc.setAllocatedPtr(b, loc, p);
    desc.setAlignedPtr(b, loc, p);
    desc.setConstantOffset(b, loc, 0);
    // Sizes, then row-major strides.
    SmallVector<Value> sizes;
    unsigned dynamic = 0;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      Value size;
      if (type.isDynamicDim(d))
        size = arith::IndexCastOp::create(b, loc, i64,
                                          alloc.getDynamicSizes()[dynamic++]);
      else
        size = LLVM::ConstantOp::create(b, loc, i64, type.getDimSize(d));
      sizes.push_back(size);
      desc.setSize(b, loc, d, size);
    }
    Value stride = LLVM::ConstantOp::create(b, loc, i64, 1);
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      desc.setStride(b, loc, d, stride);
      stride = LLVM::MulOp::create(b, loc, stride, sizes[d]);
    }
    auto cast = UnrealizedConversionCastOp::create(b, loc, TypeRange{type},
                                                   ValueRange{Value(desc)});
    cast->setAttr(kHeapBufferAttr, b.getUnitAttr());
    Value rebuilt = cast.getResult(0);
    alloc.getResult().replaceUsesWithIf(rebuilt, [&](OpOperand &use) {
      return !guard->isAncestor(use.getOwner());
    });
  }

  /// Whether `loop` holds scalar code only: loads, stores, nested scf.for
  /// and scf.if, views and ops without memory effects (no linalg op, copy,
  /// allocation or barrier), and at least one store. Every thread runs such
  /// a loop (the schedule's scalar recurrences: a chunk's cumulative
  /// transitions, its decay matrix).
  static bool isScalarLoop(scf::ForOp loop) {
    bool anyStore = false;
    WalkResult result = loop.getBody()->walk([&](Operation *op) {
      if (isa<memref::StoreOp>(op))
        anyStore = true;
      else if (!isa<memref::LoadOp, scf::ForOp, scf::IfOp, scf::YieldOp>(op) &&
               (op->getNumRegions() != 0 || !isMemoryEffectFree(op)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    return anyStore && !result.wasInterrupted();
  }

  /// Whether distinct indices of the memref `v` are distinct addresses: a
  /// chain of subviews with static positive strides, reshapes, casts and
  /// memory-space casts down to an identity-layout allocation or kernel
  /// argument.
  static bool isInjectiveView(Value v) {
    while (true) {
      Operation *def = v.getDefiningOp();
      if (!def) {
        auto arg = cast<BlockArgument>(v);
        return isa<FunctionOpInterface>(arg.getOwner()->getParentOp()) &&
               cast<MemRefType>(v.getType()).getLayout().isIdentity();
      }
      if (isa<memref::AllocOp, memref::AllocaOp>(def))
        return cast<MemRefType>(v.getType()).getLayout().isIdentity();
      if (auto view = dyn_cast<memref::SubViewOp>(def)) {
        if (llvm::any_of(view.getStaticStrides(),
                         [](int64_t s) { return s <= 0; }))
          return false;
        v = view.getSource();
      } else if (auto expand = dyn_cast<memref::ExpandShapeOp>(def)) {
        v = expand.getSrc();
      } else if (auto collapse = dyn_cast<memref::CollapseShapeOp>(def)) {
        v = collapse.getSrc();
      } else if (auto cast = dyn_cast<memref::CastOp>(def)) {
        v = cast.getSource();
      } else if (auto space = dyn_cast<memref::MemorySpaceCastOp>(def)) {
        v = space.getSource();
      } else {
        return false;
      }
    }
  }

  /// The outermost scalar loops of the row (isScalarLoop): in `loops`
  /// those whose stores write no buffer their loads read (every access's
  /// buffer known: hasKnownRoot), whose threads then need no barrier
  /// between steps: one before the loop, one after it (mapScalarLoop); in
  /// `serial` the others, which thread 0 runs alone (mapSerialLoop).
  static void scalarLoops(Block *body, SmallVectorImpl<scf::ForOp> &loops,
                          SmallVectorImpl<scf::ForOp> &serial) {
    body->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<linalg::LinalgOp>(op))
        return WalkResult::skip();
      auto loop = dyn_cast<scf::ForOp>(op);
      if (!loop || !isScalarLoop(loop))
        return WalkResult::advance();
      llvm::SmallPtrSet<Value, 4> stored, loaded;
      bool known = true;
      loop.getBody()->walk([&](Operation *access) {
        if (auto store = dyn_cast<memref::StoreOp>(access)) {
          known &= hasKnownRoot(store.getMemRef());
          stored.insert(plstm::viewRoot(store.getMemRef()));
        } else if (auto load = dyn_cast<memref::LoadOp>(access)) {
          known &= hasKnownRoot(load.getMemRef());
          loaded.insert(plstm::viewRoot(load.getMemRef()));
        }
      });
      if (known && llvm::none_of(stored, [&](Value root) {
            return loaded.contains(root);
          }))
        loops.push_back(loop);
      else
        serial.push_back(loop);
      return WalkResult::skip();
    });
  }

  /// Whether the steps of the scalar loop `loop` (scalarLoops) are
  /// independent: no loop-carried value, and each buffer it writes written
  /// through one injective view defined before the loop, at indices one of
  /// which (the same for all its stores) is the loop's induction variable:
  /// the steps write disjoint elements and read nothing the loop writes.
  static bool hasIndependentSteps(scf::ForOp loop) {
    if (loop.getNumResults() != 0)
      return false;
    // Per buffer: its view and the dims indexed by the induction variable
    // in all its stores so far.
    llvm::DenseMap<Value, std::pair<Value, llvm::SmallBitVector>> viewOf;
    WalkResult result = loop.getBody()->walk([&](memref::StoreOp store) {
      Value view = store.getMemRef();
      if (loop->isAncestor(view.getParentBlock()->getParentOp()) ||
          !isInjectiveView(view))
        return WalkResult::interrupt();
      llvm::SmallBitVector dims(store.getIndices().size());
      for (auto [d, index] : llvm::enumerate(store.getIndices()))
        if (index == loop.getInductionVar())
          dims.set(d);
      auto [it, inserted] =
          viewOf.try_emplace(plstm::viewRoot(view), view, dims);
      if (!inserted) {
        if (it->second.first != view)
          return WalkResult::interrupt();
        it->second.second &= dims;
      }
      return it->second.second.any() ? WalkResult::advance()
                                     : WalkResult::interrupt();
    });
    return !result.wasInterrupted();
  }

  /// A scalar loop (scalarLoops) between two barriers, without barriers in
  /// it (each store between two barriers, thread 0's, made a chain of
  /// barriers and memory round trips of every step: two per element of a
  /// 1D chunk's decay matrix). With independent steps (hasIndependentSteps)
  /// the threads share its steps, thread t taking steps t, t + threads, ...
  /// and storing its own; otherwise every thread runs it and thread 0
  /// stores. Returns whether the loop's steps were shared.
  bool mapScalarLoop(scf::ForOp loop) {
    OpBuilder b(loop);
    barrier(b);
    b.setInsertionPointAfter(loop);
    barrier(b);
    if (hasIndependentSteps(loop)) {
      b.setInsertionPoint(loop);
      Value first = tid;
      if (emulate) {
        first = virtualThreadLoop(b);
        loop->moveBefore(b.getInsertionBlock(), b.getInsertionPoint());
        b.setInsertionPoint(loop);
      }
      Value step = loop.getStep();
      Value lower =
          arith::AddIOp::create(b, loc, loop.getLowerBound(),
                                arith::MulIOp::create(b, loc, first, step));
      loop.setLowerBound(lower);
      loop.setStep(arith::MulIOp::create(b, loc, step, nthreads));
      return true;
    }
    SmallVector<memref::StoreOp> stores;
    loop.getBody()->walk(
        [&](memref::StoreOp store) { stores.push_back(store); });
    for (memref::StoreOp store : stores)
      guardThreadZero(store);
    return false;
  }

  /// A scalar loop whose stores write a buffer its loads read (or may:
  /// scalarLoops' `serial`), run by thread 0 alone between two barriers;
  /// its results reach the other threads through a row buffer (rowScratch,
  /// in workgroup memory when it fits). Each of its stores between two
  /// barriers of its own, with every thread running the loop, made a chain
  /// of two barriers a step: the DAG's in-degree counts, prefix sums and
  /// level lists.
  void mapSerialLoop(scf::ForOp loop) {
    OpBuilder b(loop);
    barrier(b);
    Operation *guard = guardThreadZero(loop);
    b.setInsertionPointAfter(guard);
    barrier(b);
    if (guard == loop.getOperation())
      return; // emulating without the race check: one thread runs the row
    OpBuilder before(guard);
    Value zero = arith::ConstantIndexOp::create(before, loc, 0);
    OpBuilder then(loop->getContext());
    then.setInsertionPointAfter(loop);
    for (Value result : loop.getResults()) {
      if (result.use_empty())
        continue;
      Value buffer = rowScratch(MemRefType::get({1}, result.getType()));
      memref::StoreOp::create(then, loc, result, buffer, ValueRange{zero});
      Value shared = memref::LoadOp::create(b, loc, buffer, ValueRange{zero});
      result.replaceUsesWithIf(shared, [&](OpOperand &use) {
        return !guard->isAncestor(use.getOwner());
      });
    }
  }

  /// The row's body, cloned into the launch, spread over the threads.
  LogicalResult run(Block *body, gpu::LaunchOp launch) {
    SmallVector<memref::CopyOp> copies;
    body->walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      linalg::CopyOp::create(rewriter, loc, copy.getSource(), copy.getTarget());
      rewriter.eraseOp(copy);
    }
    SmallVector<Operation *> linalgOps, stores, allocs, deallocs;
    SmallVector<scf::ForOp> scalar, serial;
    scalarLoops(body, scalar, serial);
    llvm::SmallPtrSet<Operation *, 4> scalarSet;
    for (scf::ForOp loop : llvm::concat<scf::ForOp>(scalar, serial))
      scalarSet.insert(loop);
    body->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<linalg::LinalgOp>(op)) {
        linalgOps.push_back(op);
        return WalkResult::skip();
      }
      if (scalarSet.contains(op))
        return WalkResult::skip(); // mapScalarLoop's or mapSerialLoop's
      if (isa<memref::StoreOp>(op))
        stores.push_back(op);
      else if (isa<memref::AllocOp>(op))
        allocs.push_back(op);
      else if (isa<memref::DeallocOp>(op))
        deallocs.push_back(op);
      return WalkResult::advance();
    });
    launchBody = body;
    // The schedule's outermost sequential loops (1D steps, chunks, DAG
    // nodes; a 2D grid's rows), before the distribution adds the threads'
    // loops: prefetchAhead's loops. (On an H200 the prefetch made the 1D
    // sequential kernels 1.12-1.23x faster; in the 2D node loops, nested in
    // the row loops, it was -7 % to +6 %.)
    SmallVector<scf::ForOp> stepLoops;
    body->walk([&](scf::ForOp loop) {
      if (!loop->getParentOfType<scf::ForOp>())
        stepLoops.push_back(loop);
    });
    linalgOps = foldFillsIntoAccumulators(linalgOps);
    for (Operation *op : linalgOps)
      if (failed(distribute(cast<linalg::LinalgOp>(op))))
        return failure();
    for (scf::ForOp loop : scalar)
      if (mapScalarLoop(loop)) // the threads' steps: not prefetched ahead
        llvm::erase(stepLoops, loop);
    for (scf::ForOp loop : serial) {
      mapSerialLoop(loop); // thread 0's steps: not prefetched ahead
      llvm::erase(stepLoops, loop);
    }
    deallocs.append(scratchDeallocs);
    // At the row's start, the last made first: the list in the body's order
    // (pointer slot 0 is the first heap buffer of the row).
    allocs.insert(allocs.begin(), scratchAllocs.rbegin(), scratchAllocs.rend());
    for (Operation *op : stores)
      inThreadZero(op);
    for (Operation *op : deallocs)
      inThreadZero(op);
    allocs = promoteToSharedMemory(allocs, launch);
    allocs = moveToLaunchScratch(allocs, launch);
    allocs = moveToArena(allocs, launch);
    if (!emulate && !allocs.empty()) {
      auto slotsType = MemRefType::get(
          {static_cast<int64_t>(allocs.size())},
          IntegerType::get(launch.getContext(), 64),
          MemRefLayoutAttrInterface(),
          gpu::AddressSpaceAttr::get(launch.getContext(),
                                     gpu::AddressSpace::Workgroup));
      Value slots = launch.addWorkgroupAttribution(slotsType, loc);
      for (auto [k, op] : llvm::enumerate(allocs))
        shareAllocation(cast<memref::AllocOp>(op), slots, k);
    }
    // Each rule reads the barriers as they are (sound in any order); one
    // may enable another (a barrier moved out of an inner loop, one erased
    // beside it): again until nothing changes (moves only go outwards), 8
    // rounds at most.
    auto countBarriers = [&] {
      size_t n = 0;
      launch.walk([&](gpu::BarrierOp) { ++n; });
      return n;
    };
    auto removeBarriers = [&] {
      removeRedundantBarriers(launch);
      size_t barriers = countBarriers();
      for (int round = 0; round < 8; ++round) {
        removeUnneededBarriers(launch);
        // A loop's last barrier may become one after it: the count stays.
        bool moved = removeLoopEntryBarriers(launch);
        moved |= moveBarriersOutOfLoops(launch);
        removeBarriersBesideLoops(launch);
        removeRedundantBarriers(launch);
        size_t left = countBarriers();
        if (!moved && left == barriers)
          break;
        barriers = left;
      }
    };
    removeBarriers();
    // Fused loops and erased buffers may let more barriers go, and fewer
    // barriers more loops fuse: again while either changes, 4 rounds at
    // most.
    for (int round = 0; fuseLoops && round < 4; ++round) {
      int changed = fuseThreadLoops(launch);
      changed += eraseUnreadBuffers(launch);
      if (!changed)
        break;
      removeBarriers();
    }
    // Emulating too: the prefetches are then llvm.prefetch on the CPU, and
    // gpu-on-cpu-check runs the IR they add.
    if (prefetch)
      for (scf::ForOp loop : stepLoops)
        prefetchAhead(loop);
    return success();
  }

  /// Whether `v` depends on `loop`'s induction variable through pure ops of
  /// the loop's body.
  static bool dependsOnIv(Value v, scf::ForOp loop) {
    if (v == loop.getInductionVar())
      return true;
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != loop.getBody() || !isPure(def) ||
        def->getNumRegions() != 0)
      return false;
    return llvm::any_of(def->getOperands(), [&](Value operand) {
      return dependsOnIv(operand, loop);
    });
  }

  /// Whether `v` can be computed for another step by cloning the ops of the
  /// loop's body it comes from: each pure and without regions (no loads of
  /// buffers the step writes, no nested loops or barriers), no loop-carried
  /// value but the induction variable.
  static bool isClonableForIv(Value v, scf::ForOp loop) {
    if (v == loop.getInductionVar())
      return true;
    if (auto arg = dyn_cast<BlockArgument>(v))
      return arg.getOwner() != loop.getBody();
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != loop.getBody())
      return true; // defined before the loop (an operand of the body's ops)
    if (!isPure(def) || def->getNumRegions() != 0)
      return false;
    return llvm::all_of(def->getOperands(), [&](Value operand) {
      return isClonableForIv(operand, loop);
    });
  }

  /// `v` as computed for the induction variable mapped in `mapping`: the
  /// pure ops of the loop's body it depends on (isClonableForIv) cloned at
  /// `b`.
  static Value cloneForIv(OpBuilder &b, Value v, scf::ForOp loop,
                          IRMapping &mapping) {
    if (Value mapped = mapping.lookupOrNull(v))
      return mapped;
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != loop.getBody())
      return v;
    for (Value operand : def->getOperands())
      cloneForIv(b, operand, loop, mapping);
    b.clone(*def, mapping);
    return mapping.lookup(v);
  }

  /// The kernel's arguments that a step of `loop` accesses (views and loads
  /// of the function's arguments whose indices depend on the step through
  /// ops that can be cloned for another step, directly in the loop's body:
  /// mostly inputs; an output's view is a hint for its writes) are
  /// prefetched into L2 kPrefetchDistance steps ahead
  /// (memref.prefetch; nvvm.prefetch.global.L2 after the NVVM conversion):
  /// a view's elements spread over the threads, one prefetch per 64 bytes;
  /// a scalar load's by thread 0. Each step of a sequential schedule
  /// otherwise starts by waiting for its inputs from device memory.
  void prefetchAhead(scf::ForOp loop) {
    constexpr int64_t kPrefetchDistance = 2, kBytesPerPrefetch = 64;
    SmallVector<memref::SubViewOp> views;
    SmallVector<memref::LoadOp> loads;
    for (Operation &op : loop.getBody()->without_terminator()) {
      auto clonable = [&](Operation *access) {
        return llvm::all_of(access->getOperands(),
                            [&](Value v) { return isClonableForIv(v, loop); });
      };
      if (auto view = dyn_cast<memref::SubViewOp>(op)) {
        if (isKernelArgument(view.getSource()) &&
            view.getType().hasStaticShape() &&
            view.getType().getElementType().isIntOrFloat() &&
            llvm::any_of(view->getOperands(),
                         [&](Value v) { return dependsOnIv(v, loop); }) &&
            clonable(view))
          views.push_back(view);
      } else if (auto load = dyn_cast<memref::LoadOp>(op)) {
        if (isKernelArgument(load.getMemRef()) &&
            llvm::any_of(load.getIndices(),
                         [&](Value v) { return dependsOnIv(v, loop); }) &&
            clonable(load))
          loads.push_back(load);
      }
    }
    if (views.empty() && loads.empty())
      return;
    OpBuilder b = OpBuilder::atBlockBegin(loop.getBody());
    Value ahead = arith::MulIOp::create(
        b, loc, loop.getStep(),
        arith::ConstantIndexOp::create(b, loc, kPrefetchDistance));
    Value next = arith::AddIOp::create(b, loc, loop.getInductionVar(), ahead);
    Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                          next, loop.getUpperBound());
    auto guard = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
    OpBuilder then(guard.thenBlock()->getTerminator());
    IRMapping mapping;
    mapping.map(loop.getInductionVar(), next);
    for (memref::SubViewOp view : views) {
      for (Value operand : view->getOperands())
        cloneForIv(then, operand, loop, mapping);
      auto clone = cast<memref::SubViewOp>(then.clone(*view, mapping));
      MemRefType type = clone.getType();
      int64_t perPrefetch = std::max<int64_t>(
          1, kBytesPerPrefetch /
                 llvm::divideCeil(type.getElementTypeBitWidth(), 8));
      Value first = arith::MulIOp::create(
          then, loc, tid,
          arith::ConstantIndexOp::create(then, loc, perPrefetch));
      Value stride =
          arith::ConstantIndexOp::create(then, loc, threads * perPrefetch);
      auto elements = scf::ForOp::create(
          then, loc, first,
          arith::ConstantIndexOp::create(then, loc, type.getNumElements()),
          stride);
      OpBuilder inner(elements.getBody()->getTerminator());
      SmallVector<Value> indices(type.getRank());
      Value rest = elements.getInductionVar();
      for (int64_t d = type.getRank() - 1; d >= 0; --d) {
        Value size =
            arith::ConstantIndexOp::create(inner, loc, type.getDimSize(d));
        indices[d] =
            d == 0 ? rest : arith::RemUIOp::create(inner, loc, rest, size);
        if (d != 0)
          rest = arith::DivUIOp::create(inner, loc, rest, size);
      }
      memref::PrefetchOp::create(inner, loc, clone, indices, /*isWrite=*/false,
                                 /*localityHint=*/3, /*isDataCache=*/true);
    }
    if (!loads.empty()) {
      Value isZero =
          arith::CmpIOp::create(then, loc, arith::CmpIPredicate::eq, tid,
                                arith::ConstantIndexOp::create(then, loc, 0));
      auto zero = scf::IfOp::create(then, loc, isZero, /*withElse=*/false);
      OpBuilder inZero(zero.thenBlock()->getTerminator());
      for (memref::LoadOp load : loads) {
        SmallVector<Value> indices;
        for (Value index : load.getIndices())
          indices.push_back(cloneForIv(inZero, index, loop, mapping));
        memref::PrefetchOp::create(
            inZero, loc, cloneForIv(inZero, load.getMemRef(), loop, mapping),
            indices, /*isWrite=*/false,
            /*localityHint=*/3, /*isDataCache=*/true);
      }
    }
  }

  /// Erases the deallocations of `alloc`, also through views of it (its
  /// buffer now lives elsewhere: shared memory, a host buffer's slice).
  static void eraseFrees(gpu::LaunchOp launch, memref::AllocOp alloc) {
    SmallVector<memref::DeallocOp> frees;
    launch.walk([&](memref::DeallocOp dealloc) {
      if (plstm::viewRoot(dealloc.getMemref()) == alloc.getResult())
        frees.push_back(dealloc);
    });
    for (memref::DeallocOp dealloc : frees)
      dealloc->erase();
  }

  /// The bytes of a static buffer of ints, floats or index (elementBytes);
  /// -1 for any other.
  static int64_t staticBytes(MemRefType type) {
    int64_t element = elementBytes(type.getElementType());
    if (!type.hasStaticShape() || element < 0)
      return -1;
    return type.getNumElements() * element;
  }

  /// Static buffers of the row, smallest first, move to workgroup (shared)
  /// memory while they fit in `sharedBytes` (with the pointer slots of the
  /// others); a memory-space cast gives their users the original type (the
  /// NVPTX backend infers the shared address space of the accesses). No
  /// allocation, no deallocation. Beyond 48 KiB (`sharedBytes` up to the
  /// chip's maxSharedBytes) they are views of the block's dynamic shared
  /// memory. Returns the allocations left.
  SmallVector<Operation *> promoteToSharedMemory(ArrayRef<Operation *> allocs,
                                                 gpu::LaunchOp launch) {
    auto bytesOf = [](memref::AllocOp alloc) {
      return staticBytes(alloc.getType());
    };
    SmallVector<memref::AllocOp> candidates;
    for (Operation *op : allocs)
      if (op->getBlock() == &launch.getBody().front() && // one per row
          bytesOf(cast<memref::AllocOp>(op)) >= 0)
        candidates.push_back(cast<memref::AllocOp>(op));
    llvm::stable_sort(candidates, [&](memref::AllocOp a, memref::AllocOp b) {
      return bytesOf(a) < bytesOf(b);
    });
    int64_t left = sharedBytes - 8 * static_cast<int64_t>(allocs.size());
    llvm::SmallPtrSet<Operation *, 8> promoted;
    for (memref::AllocOp alloc : candidates) {
      int64_t bytes = llvm::alignTo(bytesOf(alloc), 16);
      if (bytes > left)
        break;
      left -= bytes;
      promoted.insert(alloc);
    }
    // Beyond the 48 KiB of static shared memory (on the GPU; emulating,
    // the buffers are allocations either way): views of the block's
    // dynamic shared memory at 16-byte aligned offsets, its size the
    // launch's, which the runtime opts into (docs/gpu.md).
    int64_t promotedBytes = 0;
    for (memref::AllocOp alloc : candidates)
      if (promoted.contains(alloc))
        promotedBytes += llvm::alignTo(bytesOf(alloc), 16);
    constexpr int64_t kStaticSharedBytes = 49152;
    Value dynamicShared;
    int64_t dynamicOffset = 0;
    // (The static shared memory then holds at most the pointer slots of
    // the buffers not promoted.)
    int64_t slotBytes =
        8 * static_cast<int64_t>(allocs.size() - promoted.size());
    if (!emulate && promotedBytes + slotBytes > kStaticSharedBytes) {
      MLIRContext *ctx = launch.getContext();
      OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
      dynamicShared = gpu::DynamicSharedMemoryOp::create(
          b, loc,
          MemRefType::get(
              {ShapedType::kDynamic}, b.getI8Type(),
              MemRefLayoutAttrInterface(),
              gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup)));
      OpBuilder host(launch);
      launch.getDynamicSharedMemorySizeMutable().assign(
          arith::ConstantIntOp::create(host, loc, promotedBytes, 32));
    }
    SmallVector<Operation *> rest;
    for (Operation *op : allocs) {
      if (!promoted.contains(op)) {
        rest.push_back(op);
        continue;
      }
      auto alloc = cast<memref::AllocOp>(op);
      MemRefType type = alloc.getType();
      auto sharedType = MemRefType::get(
          type.getShape(), type.getElementType(), MemRefLayoutAttrInterface(),
          gpu::AddressSpaceAttr::get(type.getContext(),
                                     gpu::AddressSpace::Workgroup));
      Value shared;
      if (dynamicShared) {
        OpBuilder b(dynamicShared.getContext());
        b.setInsertionPointAfterValue(dynamicShared);
        shared = memref::ViewOp::create(
            b, loc, sharedType, dynamicShared,
            arith::ConstantIndexOp::create(b, loc, dynamicOffset),
            ValueRange{});
        shared.getDefiningOp()->setAttr(kSliceAttr, b.getUnitAttr());
        dynamicOffset += llvm::alignTo(bytesOf(alloc), 16);
      } else {
        shared = launch.addWorkgroupAttribution(sharedType, loc);
      }
      // No free of shared memory, also through a view of the buffer.
      eraseFrees(launch, alloc);
      OpBuilder b(alloc);
      Value generic =
          memref::MemorySpaceCastOp::create(b, loc, type, shared).getResult();
      alloc.getResult().replaceAllUsesWith(generic);
      alloc->erase();
    }
    return rest;
  }

  /// Whether `buffer` may leave its views: a use (through view ops) that is
  /// not a view, an access or a deallocation (a yield, a select, a call: a
  /// free of the other value would then free the slice).
  static bool mayEscape(Value buffer) {
    for (OpOperand &use : buffer.getUses()) {
      Operation *user = use.getOwner();
      if (isa<ViewLikeOpInterface>(user)) {
        for (Value result : user->getResults())
          if (isa<MemRefType>(result.getType()) && mayEscape(result))
            return true;
        continue;
      }
      if (isa<memref::DeallocOp>(user))
        continue;
      if (user->hasTrait<OpTrait::IsTerminator>() ||
          isa<CallOpInterface>(user) ||
          llvm::any_of(user->getResultTypes(),
                       [](Type t) { return isa<BaseMemRefType>(t); }))
        return true;
    }
    return false;
  }

  /// The bytes (a multiple of 64) of `alloc` as a slice of a larger buffer:
  /// a static buffer at the launch's top level (one per row) with the
  /// identity layout in the default memory space, at most 64-byte aligned,
  /// that does not escape its views. -1 when it can't be one.
  static int64_t sliceBytes(memref::AllocOp alloc, gpu::LaunchOp launch) {
    MemRefType type = alloc.getType();
    int64_t bytes = staticBytes(type);
    if (bytes < 0 || alloc->getBlock() != &launch.getBody().front() ||
        !type.getLayout().isIdentity() || type.getMemorySpace() ||
        alloc.getAlignment().value_or(0) > 64 || mayEscape(alloc.getResult()))
      return -1;
    return llvm::alignTo(bytes, 64);
  }

  /// Splits `allocs`, in order, into the buffers that become slices of one
  /// buffer (sliceBytes) while their bytes stay within `budget`, each with
  /// its byte offset, and the rest. Returns the slices' bytes.
  static int64_t
  packSlices(ArrayRef<Operation *> allocs, gpu::LaunchOp launch, int64_t budget,
             SmallVectorImpl<std::pair<memref::AllocOp, int64_t>> &moved,
             SmallVectorImpl<Operation *> &rest) {
    int64_t total = 0;
    for (Operation *op : allocs) {
      auto alloc = cast<memref::AllocOp>(op);
      int64_t bytes = sliceBytes(alloc, launch);
      if (bytes < 0 || bytes > budget - total) {
        rest.push_back(op);
        continue;
      }
      moved.push_back({alloc, total});
      total += bytes;
    }
    return total;
  }

  /// The static buffers left after shared memory and the launch scratch
  /// (sliceBytes; two or more) become slices of one device-heap buffer of
  /// the block, the row's arena, at constant offsets: thread 0 allocates one
  /// buffer instead of one each, and the block's threads keep one pointer
  /// instead of one per buffer (the ViT log-depth kernel, 2D tiles of
  /// 16 x 16, kept 25 heap pointers live from its start to its end). The
  /// arena lives as long as the launch. Returns the allocations left, the
  /// arena first.
  SmallVector<Operation *> moveToArena(ArrayRef<Operation *> allocs,
                                       gpu::LaunchOp launch) {
    SmallVector<std::pair<memref::AllocOp, int64_t>> moved; // offsets
    SmallVector<Operation *> rest;
    int64_t total = packSlices(
        allocs, launch, std::numeric_limits<int64_t>::max(), moved, rest);
    if (moved.size() < 2)
      return SmallVector<Operation *>(allocs);
    Block &body = launch.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&body);
    auto arena =
        memref::AllocOp::create(b, loc, MemRefType::get({total}, b.getI8Type()),
                                ValueRange{}, b.getI64IntegerAttr(64));
    replaceBySlices(b, launch, moved, arena, /*base=*/Value());
    b.setInsertionPoint(body.getTerminator());
    inThreadZero(memref::DeallocOp::create(b, loc, arena));
    rest.insert(rest.begin(), arena);
    return rest;
  }

  /// The static buffers of the block left after shared memory (at the
  /// launch's top level; up to kMaxScratchPerBlock bytes a block): slices of
  /// one buffer the host allocates for the grid, block b's at b times the
  /// block's share, instead of device-heap allocations by every block (in
  /// the chunk grid's launches thousands of blocks would call malloc). Not
  /// in a launch inside a host loop (the 2D wavefronts: each unrolled launch
  /// would keep its own buffer for the whole call), nor for a buffer that
  /// may escape its views or asks for more than 64-byte alignment.
  /// Returns the allocations left (thread 0 allocates them).
  SmallVector<Operation *> moveToLaunchScratch(ArrayRef<Operation *> allocs,
                                               gpu::LaunchOp launch) {
    // The grid's buffer holds every block's share at once (the heap, only
    // the resident blocks'): 256 KiB a block keeps the 1D chunkwise passes'
    // buffers (144-224 KiB) and bounds the rest.
    constexpr int64_t kMaxScratchPerBlock = int64_t(256) << 10;
    if (isa<scf::ForOp>(launch->getParentOp()))
      return SmallVector<Operation *>(allocs);
    SmallVector<std::pair<memref::AllocOp, int64_t>> moved; // offsets
    SmallVector<Operation *> rest;
    int64_t staticPerBlock =
        packSlices(allocs, launch, kMaxScratchPerBlock, moved, rest);
    // Then the buffers sized at run time by values the host has or bounds
    // (the DAG's buffers of nodes, edges and a level's edges), after the
    // static ones.
    SmallVector<memref::AllocOp> sized;
    SmallVector<Operation *> left;
    for (Operation *op : rest) {
      auto alloc = cast<memref::AllocOp>(op);
      if (blockPerRow && hostSizedBytes(alloc, launch))
        sized.push_back(alloc);
      else
        left.push_back(op);
    }
    if (moved.empty() && sized.empty())
      return rest;
    OpBuilder host(launch);
    Value perBlock = arith::ConstantIndexOp::create(host, loc, staticPerBlock);
    // The buffers of one size (the same fixed bytes and size values) side
    // by side, at k times their size from their group's start: the offsets
    // are sums over the groups, not over the buffers (LLVM's loop strength
    // reduction took 45 s on a 1D layer's kernel with a sum over its 60
    // buffers sized by T in every address).
    llvm::MapVector<std::pair<int64_t, SmallVector<Value>>,
                    SmallVector<unsigned>>
        groups;
    for (auto [k, alloc] : llvm::enumerate(sized)) {
      SmallVector<Value> dynamic(alloc.getDynamicSizes());
      groups[{fixedBytes(alloc.getType()), dynamic}].push_back(k);
    }
    SmallVector<Value> offsets(sized.size()); // host values
    IRMapping hostValues;
    for (auto &[key, members] : groups) {
      Value bytes = hostBytes(host, sized[members.front()], launch, hostValues);
      for (auto [k, member] : llvm::enumerate(members))
        offsets[member] =
            k == 0 ? perBlock
                   : arith::AddIOp::create(
                         host, loc, perBlock,
                         arith::MulIOp::create(
                             host, loc, bytes,
                             arith::ConstantIndexOp::create(host, loc, k)));
      perBlock = arith::AddIOp::create(
          host, loc, perBlock,
          arith::MulIOp::create(
              host, loc, bytes,
              arith::ConstantIndexOp::create(host, loc, members.size())));
    }
    Value blocks = launch.getGridSizeOperandValues().x;
    Value total = arith::MulIOp::create(host, loc, blocks, perBlock);
    Value buffer = plstm::createHostScratch(host, loc, total, emulate);
    host.setInsertionPointAfter(launch);
    plstm::freeHostScratch(host, loc, buffer, emulate);
    OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
    Value base =
        arith::MulIOp::create(b, loc, launch.getBlockIds().x, perBlock);
    for (auto [alloc, offset] : llvm::zip_equal(sized, offsets)) {
      // In place: its sizes are computed in the launch.
      OpBuilder at(alloc);
      Value start = arith::AddIOp::create(at, loc, base, offset);
      Value view = memref::ViewOp::create(at, loc, alloc.getType(), buffer,
                                          start, alloc.getDynamicSizes());
      view.getDefiningOp()->setAttr(kSliceAttr, at.getUnitAttr());
      eraseFrees(launch, alloc);
      alloc.getResult().replaceAllUsesWith(view);
      alloc->erase();
    }
    replaceBySlices(b, launch, moved, buffer, base);
    return left;
  }

  /// The bytes of an element of a buffer the launch scratch can hold: ints,
  /// floats and index (64 bits: the NVVM conversion's and the CPU's); -1
  /// for any other.
  static int64_t elementBytes(Type type) {
    if (type.isIndex())
      return 8;
    if (!type.isSignlessIntOrFloat())
      return -1;
    return llvm::divideCeil(type.getIntOrFloatBitWidth(), 8);
  }

  /// The bytes of an element of `type` (elementBytes) times its static
  /// sizes: its bytes per element of the product of its dynamic sizes.
  static int64_t fixedBytes(MemRefType type) {
    int64_t fixed = elementBytes(type.getElementType());
    for (int64_t size : type.getShape())
      if (!ShapedType::isDynamic(size))
        fixed *= size;
    return fixed;
  }

  /// Whether `v` can be computed on the host before `launch` and written
  /// in the launch description (describeGPULaunches): a constant, a dim of
  /// a function argument at a constant index, index casts, and + - * div
  /// cdiv min max rem of such values (each speculatable: no division by a
  /// value that may be 0), at the launch's top level or before it (not
  /// from the block or thread ids, a scalar argument, a load).
  static bool isHostComputable(Value v, gpu::LaunchOp launch, int depth = 0) {
    if (getConstantIntValue(v))
      return true;
    Operation *def = v.getDefiningOp();
    if (!def || depth > 16 ||
        (launch->isAncestor(def) &&
         def->getBlock() != &launch.getBody().front()))
      return false;
    if (auto dim = dyn_cast<memref::DimOp>(def)) {
      auto arg = dyn_cast<BlockArgument>(dim.getSource());
      return arg && getConstantIntValue(dim.getIndex()) &&
             isa<FunctionOpInterface>(arg.getOwner()->getParentOp());
    }
    if (isa<arith::IndexCastOp, arith::IndexCastUIOp>(def))
      return isHostComputable(def->getOperand(0), launch, depth + 1);
    if (!plstm::launchExpressionOperator(def) || !isSpeculatable(def))
      return false;
    return isHostComputable(def->getOperand(0), launch, depth + 1) &&
           isHostComputable(def->getOperand(1), launch, depth + 1);
  }

  /// `v` (isHostComputable) computed at `host`, before the launch (the ops
  /// at the launch's top level cloned).
  static Value onHost(OpBuilder &host, Value v, gpu::LaunchOp launch,
                      IRMapping &mapping) {
    if (!launch.getBody().isAncestor(v.getParentRegion()))
      return v;
    if (Value done = mapping.lookupOrNull(v))
      return done;
    Operation *def = v.getDefiningOp();
    for (Value operand : def->getOperands())
      onHost(host, operand, launch, mapping);
    host.clone(*def, mapping);
    return mapping.lookup(v);
  }

  /// A value the host can compute (isHostComputable) that is at least
  /// `size` (a buffer's size, not negative): `size` itself, or the bound of
  /// an operand of a min (the DAG's count of state slots, computed on the
  /// device, is the min of itself and the edges + 1). Only through mins of
  /// one signedness (`unsignedMin`, set by the first): a minui of a minsi
  /// that is negative (huge, unsigned) is not bounded by the minsi's other
  /// operand. The bound may be far above the size: the host then holds
  /// rows x the bound. Null when none.
  static Value hostBound(Value size, gpu::LaunchOp launch,
                         std::optional<bool> unsignedMin = std::nullopt) {
    if (isHostComputable(size, launch))
      return size;
    Operation *def = size.getDefiningOp();
    if (!isa_and_present<arith::MinUIOp, arith::MinSIOp>(def))
      return {};
    bool isUnsigned = isa<arith::MinUIOp>(def);
    if (unsignedMin && *unsignedMin != isUnsigned)
      return {};
    for (Value operand : def->getOperands())
      if (Value bound = hostBound(operand, launch, isUnsigned))
        return bound;
    return {};
  }

  /// Whether the launch scratch can hold `alloc`, a buffer sized at run
  /// time: at the launch's top level (one per row) or with one buffer live
  /// at a time (runsOneAtATime: one slice for all), the identity layout in
  /// the default memory space, at most 64-byte aligned, not escaping its
  /// views, ints, floats or index, every size bounded on the host
  /// (hostBound).
  bool hostSizedBytes(memref::AllocOp alloc, gpu::LaunchOp launch) {
    MemRefType type = alloc.getType();
    return !type.hasStaticShape() &&
           (alloc->getBlock() == &launch.getBody().front() ||
            runsOneAtATime(alloc, launch)) &&
           type.getLayout().isIdentity() && !type.getMemorySpace() &&
           alloc.getAlignment().value_or(0) <= 64 &&
           elementBytes(type.getElementType()) > 0 &&
           alloc.getSymbolOperands().empty() &&
           llvm::all_of(
               alloc.getDynamicSizes(),
               [&](Value size) { return bool(hostBound(size, launch)); }) &&
           !mayEscape(alloc.getResult());
  }

  /// Whether `alloc`, nested in the row's control flow, has one buffer
  /// live at a time, so that one slice can serve all its runs: only loops
  /// and ifs every thread runs (not a thread loop, not thread 0's guard)
  /// around it, and one deallocation, in its block or in thread 0's guard
  /// there, after every use of the buffer, through views, all in that
  /// block (the DAG's buffers of a level's edges, freed at the end of the
  /// level's iteration).
  bool runsOneAtATime(memref::AllocOp alloc, gpu::LaunchOp launch) {
    for (Operation *op = alloc->getParentOp(); op != launch;
         op = op->getParentOp()) {
      auto loop = dyn_cast<scf::ForOp>(op);
      auto branch = dyn_cast<scf::IfOp>(op);
      if (loop ? isThreadLoop(loop) ||
                     loop->hasAttr(plstm::kGPUVirtualThreadsAttr)
               : !branch || isThreadZeroGuard(branch))
        return false;
    }
    Block *block = alloc->getBlock();
    Operation *free = nullptr;
    SmallVector<Operation *> uses;
    SmallVector<Value> views = {alloc.getResult()};
    while (!views.empty()) {
      Value v = views.pop_back_val();
      for (Operation *user : v.getUsers()) {
        Operation *at = block->findAncestorOpInBlock(*user);
        if (!at)
          return false;
        if (isa<memref::DeallocOp>(user)) {
          // Every run frees it: in the block, or alone in thread 0's guard.
          auto guard = dyn_cast<scf::IfOp>(user->getParentOp());
          bool direct = user->getBlock() == block ||
                        (guard && guard->getBlock() == block &&
                         isThreadZeroGuard(guard) &&
                         guard.thenBlock()->getOperations().size() == 2);
          if (free || v != alloc.getResult() || !direct)
            return false;
          free = at;
          continue;
        }
        uses.push_back(at);
        if (isa<ViewLikeOpInterface>(user))
          llvm::append_range(views, user->getResults());
      }
    }
    return free && llvm::all_of(uses, [&](Operation *at) {
             return at != free && at->isBeforeInBlock(free);
           });
  }

  /// The bytes of `alloc` (hostSizedBytes) rounded up to 64, computed at
  /// `host` from its sizes' bounds (hostBound).
  Value hostBytes(OpBuilder &host, memref::AllocOp alloc, gpu::LaunchOp launch,
                  IRMapping &mapping) {
    Value bytes =
        arith::ConstantIndexOp::create(host, loc, fixedBytes(alloc.getType()));
    for (Value size : alloc.getDynamicSizes())
      bytes = arith::MulIOp::create(
          host, loc, bytes,
          onHost(host, hostBound(size, launch), launch, mapping));
    Value c63 = arith::ConstantIndexOp::create(host, loc, 63);
    Value c64 = arith::ConstantIndexOp::create(host, loc, 64);
    return arith::MulIOp::create(
        host, loc,
        arith::DivUIOp::create(
            host, loc, arith::AddIOp::create(host, loc, bytes, c63), c64),
        c64);
  }

  /// Replaces each allocation of `moved` by a view of the byte buffer
  /// `buffer` at its offset (plus `base` when given), built at `b`; its
  /// frees are erased (the buffer's owner frees the buffer).
  void replaceBySlices(OpBuilder &b, gpu::LaunchOp launch,
                       ArrayRef<std::pair<memref::AllocOp, int64_t>> moved,
                       Value buffer, Value base) {
    for (auto [alloc, offset] : moved) {
      Value at = arith::ConstantIndexOp::create(b, loc, offset);
      if (base)
        at = arith::AddIOp::create(b, loc, base, at);
      Value view = memref::ViewOp::create(b, loc, alloc.getType(), buffer, at,
                                          ValueRange{});
      view.getDefiningOp()->setAttr(kSliceAttr, b.getUnitAttr());
      eraseFrees(launch, alloc);
      alloc.getResult().replaceAllUsesWith(view);
    }
    // Erased last: `b` inserts before the body's first op, maybe one of them.
    for (auto [alloc, offset] : moved)
      alloc->erase();
  }

  /// A load or store of a segment between barriers (removeUnneededBarriers).
  struct SegmentAccess {
    Operation *op;
    Value memref;       ///< the memref the load or store accesses
    ValueRange indices; ///< and its indices
    Value root;         ///< accessRoot(memref)
    bool write;
    scf::ForOp loop; ///< the thread loop around it, if any
    bool threadZero; ///< in thread 0's guard (guardThreadZero)
  };

  /// Whether `guard` is guardThreadZero's: (thread == 0), or emulating,
  /// marked as thread 0's.
  bool isThreadZeroGuard(scf::IfOp guard) {
    if (emulate)
      return guard->hasAttr(plstm::kGPUThreadZeroAttr);
    auto cmp = guard.getCondition().getDefiningOp<arith::CmpIOp>();
    return cmp && cmp.getPredicate() == arith::CmpIPredicate::eq &&
           cmp.getLhs() == tid && isZeroInteger(cmp.getRhs());
  }

  /// Whether `loop` spreads its iterations over the block's threads: from
  /// the thread (tid; emulating, the virtual-thread loop's index) by
  /// `threads`.
  bool isThreadLoop(scf::ForOp loop) {
    Value lb = loop.getLowerBound();
    bool fromThread = !emulate && lb == tid;
    if (auto arg = dyn_cast<BlockArgument>(lb))
      if (auto vt = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp()))
        fromThread |= emulate && vt->hasAttr(plstm::kGPUVirtualThreadsAttr) &&
                      vt.getInductionVar() == arg;
    return fromThread && getConstantIntValue(loop.getStep()) == threads;
  }

  /// The buffer `memref` names for the barrier rules: its view root
  /// (plstm::viewRoot), or the slice (kSliceAttr) on the way to it.
  static Value accessRoot(Value memref) {
    while (Operation *def = memref.getDefiningOp()) {
      auto view = dyn_cast<ViewLikeOpInterface>(def);
      if (!view || def->hasAttr(kSliceAttr))
        break;
      memref = view.getViewSource();
    }
    return memref;
  }

  /// Whether two roots (accessRoot) may be one buffer: the same root, or
  /// one that other roots may name too (isDistinctRoot).
  static bool rootsMayAlias(Value a, Value b) {
    return a == b || !isDistinctRoot(a) || !isDistinctRoot(b);
  }

  /// Whether `root` (accessRoot) is a buffer no other root names (an
  /// allocation, a kernel argument, workgroup memory, a heap pointer's
  /// descriptor, a host buffer made outside the launch, a slice of a
  /// buffer).
  static bool isDistinctRoot(Value root) {
    if (auto arg = dyn_cast<BlockArgument>(root))
      return isa<FunctionOpInterface, gpu::LaunchOp>(
          arg.getOwner()->getParentOp());
    Operation *def = root.getDefiningOp();
    if (def && def->hasAttr(kSliceAttr))
      return true;
    if (isa_and_present<UnrealizedConversionCastOp>(def))
      return def->hasAttr(kHeapBufferAttr);
    return isa_and_present<memref::AllocOp, memref::AllocaOp, gpu::AllocOp,
                           gpu::DynamicSharedMemoryOp>(def);
  }

  /// Whether `v` may differ between the block's threads: it is `thread`
  /// (a thread loop's lower bound: the thread, or emulating, the virtual
  /// thread), or is computed from it, through ops, a loop's bounds, its
  /// iteration arguments' initial and yielded values, an if's condition and
  /// yielded values (a chain deeper than 32 is taken to).
  static bool mayDependOnThread(Value v, Value thread) {
    llvm::SmallPtrSet<Value, 16> seen;
    std::function<bool(Value, int)> depends = [&](Value v, int depth) {
      if (v == thread || depth > 32)
        return true;
      if (!seen.insert(v).second)
        return false; // a cycle through a loop: its other inputs decide
      auto any = [&](ValueRange values) {
        return llvm::any_of(values,
                            [&](Value x) { return depends(x, depth + 1); });
      };
      if (auto arg = dyn_cast<BlockArgument>(v)) {
        auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
        if (!loop) // the launch's ids and buffers, the rows' indices
          return isa<scf::WhileOp>(arg.getOwner()->getParentOp());
        if (arg == loop.getInductionVar())
          return any({loop.getLowerBound(), loop.getStep()});
        unsigned k = arg.getArgNumber() - 1;
        return any({loop.getInitArgs()[k],
                    loop.getBody()->getTerminator()->getOperand(k)});
      }
      Operation *def = v.getDefiningOp();
      if (auto loop = dyn_cast<scf::ForOp>(def)) {
        unsigned k = cast<OpResult>(v).getResultNumber();
        return any({loop.getLowerBound(), loop.getUpperBound(), loop.getStep(),
                    loop.getInitArgs()[k],
                    loop.getBody()->getTerminator()->getOperand(k)});
      }
      if (auto branch = dyn_cast<scf::IfOp>(def)) {
        unsigned k = cast<OpResult>(v).getResultNumber();
        return any({branch.getCondition(), branch.thenYield().getOperand(k),
                    branch.elseYield().getOperand(k)});
      }
      return def->getNumRegions() != 0 || any(def->getOperands());
    };
    return depends(v, 0);
  }

  /// Whether `a` and `b` are constants of one value.
  static bool sameConstant(Value a, Value b) {
    std::optional<int64_t> x = getConstantIntValue(a),
                           y = getConstantIntValue(b);
    return x && y && *x == *y;
  }

  /// `v` without the ops that return an operand unchanged, as the mapping
  /// builds them before any folding: an identity affine.apply, x * 1,
  /// x + 0, x - 0.
  static Value skipIdentityOps(Value v) {
    while (Operation *def = v.getDefiningOp()) {
      if (auto apply = dyn_cast<affine::AffineApplyOp>(def)) {
        if (!apply.getAffineMap().isIdentity() ||
            apply.getMapOperands().size() != 1)
          break;
        v = apply.getMapOperands()[0];
        continue;
      }
      if (isa<arith::MulIOp, arith::AddIOp>(def)) {
        int64_t unit = isa<arith::MulIOp>(def) ? 1 : 0;
        if (isConstantIntValue(def->getOperand(1), unit))
          v = def->getOperand(0);
        else if (isConstantIntValue(def->getOperand(0), unit))
          v = def->getOperand(1);
        else
          break;
        continue;
      }
      if (isa<arith::SubIOp>(def) &&
          isConstantIntValue(def->getOperand(1), 0)) {
        v = def->getOperand(0);
        continue;
      }
      break;
    }
    return v;
  }

  /// Whether `v` is defined outside `loop` (null: anywhere): one value in
  /// all of `loop`'s iterations.
  static bool isInvariantIn(Value v, scf::ForOp loop) {
    return !loop || !loop->isAncestor(v.getParentRegion()->getParentOp());
  }

  /// Whether `a` (in loop `la`) and `b` (in loop `lb`) compute the same
  /// function of their loops' induction variables: the same value defined
  /// outside both (and outside `invariantIn`, when given: the accesses may
  /// then run in different iterations of it), the induction variables, or
  /// the same ops of such values (skipIdentityOps: an unfolded x * 1 is x).
  static bool sameFunctionOfIv(Value a, scf::ForOp la, Value b, scf::ForOp lbl,
                               scf::ForOp invariantIn, int depth = 0) {
    a = skipIdentityOps(a);
    b = skipIdentityOps(b);
    if (a == la.getInductionVar() || b == lbl.getInductionVar())
      return a == la.getInductionVar() && b == lbl.getInductionVar();
    bool aInside = la->isAncestor(a.getParentRegion()->getParentOp());
    bool bInside = lbl->isAncestor(b.getParentRegion()->getParentOp());
    if (!aInside && !bInside)
      return sameConstant(a, b) ||
             (a == b && !mayDependOnThread(a, la.getLowerBound()) &&
              isInvariantIn(a, invariantIn));
    Operation *da = a.getDefiningOp(), *db = b.getDefiningOp();
    if (!aInside || !bInside || !da || !db || depth > 8 ||
        a.getType() != b.getType() || da->getName() != db->getName() ||
        da->getAttrs() != db->getAttrs() ||
        da->getNumOperands() != db->getNumOperands() ||
        da->getNumRegions() != 0 || !isPure(da) ||
        cast<OpResult>(a).getResultNumber() !=
            cast<OpResult>(b).getResultNumber())
      return false;
    for (auto [x, y] : llvm::zip(da->getOperands(), db->getOperands()))
      if (!sameFunctionOfIv(x, la, y, lbl, invariantIn, depth + 1))
        return false;
    return true;
  }

  /// The loads and stores of `ops`; false when one of them (or a nested
  /// op) has another memory effect or is a barrier (the segment is then
  /// not analysed).
  bool segmentAccesses(ArrayRef<Operation *> ops,
                       SmallVectorImpl<SegmentAccess> &out) {
    for (Operation *top : ops) {
      WalkResult result = top->walk([&](Operation *op) {
        bool write = isa<memref::StoreOp>(op);
        if (!write && !isa<memref::LoadOp>(op)) {
          // Region ops: only the control flow whose effects are its body's.
          if (isa<gpu::BarrierOp>(op) ||
              (op->getNumRegions() == 0 && !isMemoryEffectFree(op)) ||
              (op->getNumRegions() != 0 &&
               !isa<scf::ForOp, scf::IfOp, scf::WhileOp>(op)))
            return WalkResult::interrupt();
          return WalkResult::advance();
        }
        auto store = dyn_cast<memref::StoreOp>(op);
        Value memref =
            store ? store.getMemRef() : cast<memref::LoadOp>(op).getMemRef();
        ValueRange indices =
            store ? store.getIndices() : cast<memref::LoadOp>(op).getIndices();
        scf::ForOp loop;
        for (auto l = op->getParentOfType<scf::ForOp>();
             l && top->isAncestor(l); l = l->getParentOfType<scf::ForOp>())
          if (isThreadLoop(l)) {
            loop = l;
            break;
          }
        bool threadZero = false;
        for (auto g = op->getParentOfType<scf::IfOp>();
             g && top->isAncestor(g) && !threadZero;
             g = g->getParentOfType<scf::IfOp>())
          threadZero = isThreadZeroGuard(g) && g.getElseRegion().empty() &&
                       g.getThenRegion().isAncestor(op->getParentRegion());
        out.push_back(
            {op, memref, indices, accessRoot(memref), write, loop, threadZero});
        return WalkResult::advance();
      });
      if (result.wasInterrupted())
        return false;
    }
    return true;
  }

  /// Whether accesses `a` and `b` (of one buffer, in two segments) are made
  /// by the same thread: both in thread 0's guards, or each in a thread loop of
  /// the same bounds, through the same memref, at indices that are the same
  /// function of the loops' induction variables (the thread that owns an
  /// iteration in one loop owns it in the other). This relies on what the
  /// mapping's thread loops are: a write's indices are one-to-one in the
  /// iteration (each element of a distributed op's output is written by one
  /// iteration; two writes of one element would race inside the loop, which the
  /// race check reports), and kernel arguments are distinct buffers. With
  /// `invariantIn`, `a` and `b` may run in different iterations of that
  /// loop: the values their indices share must be defined outside it (the
  /// same in every iteration); a thread loop's iteration k is thread
  /// k mod threads' in every iteration.
  bool sameThread(SegmentAccess a, SegmentAccess b, scf::ForOp invariantIn) {
    if (a.threadZero && b.threadZero)
      return true;
    Value ua = a.loop ? a.loop.getUpperBound() : Value();
    Value ub = b.loop ? b.loop.getUpperBound() : Value();
    if (!ua || !ub || (ua != ub && !sameConstant(ua, ub)))
      return false;
    auto operands = [](Operation *op) {
      return isa<memref::StoreOp>(op) ? op->getOperands().drop_front()
                                      : op->getOperands();
    };
    OperandRange x = operands(a.op), y = operands(b.op);
    // A stepParity value at the same place in both: the same in every
    // thread, so it does not change which thread owns the element the
    // other indices name (if the two differ, so do the elements).
    if (x.size() == y.size() && llvm::all_of(llvm::zip(x, y), [&](auto uv) {
          auto [u, v] = uv;
          return (u == v && parityLoop(u)) ||
                 sameFunctionOfIv(u, a.loop, v, b.loop, invariantIn);
        }))
      return true;
    return sameElement(a, b, invariantIn);
  }

  /// The row-major position of the element `access` touches in its root
  /// buffer (an affine function of its thread loop's induction variable,
  /// d0, and of values defined outside the loop, symbols in `symbols`),
  /// when its memref is the root through reshapes and casts of static
  /// identity-layout memrefs only (they keep the row-major order).
  static std::optional<AffineExpr> rootPosition(SegmentAccess access,
                                                SmallVectorImpl<Value> &symbols,
                                                scf::ForOp invariantIn) {
    auto isRowMajor = [](Value v) {
      auto type = dyn_cast<MemRefType>(v.getType());
      return type && type.hasStaticShape() && type.getLayout().isIdentity();
    };
    Value memref = access.memref;
    ValueRange indices = access.indices;
    for (Value v = memref; v != access.root;) {
      Operation *def = v.getDefiningOp();
      if (!isRowMajor(v) ||
          !isa_and_present<memref::CollapseShapeOp, memref::ExpandShapeOp,
                           memref::MemorySpaceCastOp, memref::CastOp>(def))
        return std::nullopt;
      v = def->getOperand(0);
    }
    if (!isRowMajor(access.root) || !isRowMajor(memref))
      return std::nullopt;
    MLIRContext *ctx = memref.getContext();
    std::function<std::optional<AffineExpr>(Value, int)> expr =
        [&](Value v, int depth) -> std::optional<AffineExpr> {
      if (v == access.loop.getInductionVar())
        return getAffineDimExpr(0, ctx);
      if (std::optional<int64_t> c = getConstantIntValue(v))
        return getAffineConstantExpr(*c, ctx);
      if (!access.loop->isAncestor(v.getParentRegion()->getParentOp())) {
        // One value for all threads: the same symbol is then the same
        // value in another thread's iteration.
        if (mayDependOnThread(v, access.loop.getLowerBound()) ||
            !isInvariantIn(v, invariantIn))
          return std::nullopt;
        auto at = llvm::find(symbols, v);
        if (at == symbols.end())
          symbols.push_back(v);
        return getAffineSymbolExpr(llvm::find(symbols, v) - symbols.begin(),
                                   ctx);
      }
      Operation *def = v.getDefiningOp();
      if (!def || depth > 8)
        return std::nullopt;
      if (auto apply = dyn_cast<affine::AffineApplyOp>(def)) {
        SmallVector<AffineExpr> operands;
        for (Value operand : apply.getMapOperands()) {
          std::optional<AffineExpr> e = expr(operand, depth + 1);
          if (!e)
            return std::nullopt;
          operands.push_back(*e);
        }
        AffineMap map = apply.getAffineMap();
        return map.getResult(0).replaceDimsAndSymbols(
            ArrayRef(operands).take_front(map.getNumDims()),
            ArrayRef(operands).drop_front(map.getNumDims()));
      }
      if (!isa<arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::DivUIOp,
               arith::RemUIOp>(def))
        return std::nullopt;
      std::optional<AffineExpr> l = expr(def->getOperand(0), depth + 1);
      std::optional<AffineExpr> r = expr(def->getOperand(1), depth + 1);
      if (!l || !r)
        return std::nullopt;
      auto c = dyn_cast<AffineConstantExpr>(*r);
      if (isa<arith::AddIOp>(def))
        return *l + *r;
      if (isa<arith::SubIOp>(def))
        return *l - *r;
      if (isa<arith::MulIOp>(def)) {
        if (!c && !isa<AffineConstantExpr>(*l))
          return std::nullopt;
        return *l * *r;
      }
      // Unsigned division and remainder are floordiv and mod for a
      // dividend known non-negative: from d0 (>= 0) and constants >= 0.
      bool nonNegative = true;
      l->walk([&](AffineExpr x) {
        if (auto k = dyn_cast<AffineConstantExpr>(x))
          nonNegative &= k.getValue() >= 0;
        else if (isa<AffineSymbolExpr>(x))
          nonNegative = false;
      });
      if (!c || c.getValue() <= 0 || !nonNegative)
        return std::nullopt;
      return isa<arith::DivUIOp>(def) ? l->floorDiv(c) : *l % c;
    };
    ArrayRef<int64_t> shape = cast<MemRefType>(memref.getType()).getShape();
    AffineExpr position = getAffineConstantExpr(0, ctx);
    int64_t stride = 1;
    for (int k = static_cast<int>(indices.size()) - 1; k >= 0; --k) {
      std::optional<AffineExpr> index = expr(indices[k], 0);
      if (!index)
        return std::nullopt;
      position = position + *index * stride;
      stride *= shape[k];
    }
    return position;
  }

  /// Whether `a` and `b` (in thread loops of the same bounds) touch, in
  /// each iteration, the same element of one root buffer: at the same
  /// row-major position (rootPosition), through views that may differ (a
  /// 32 x 32 state and its 32 x 32 x 1 reshape: the DAG's edge terms).
  /// With `invariantIn` (sameThread), the root and the position's symbols
  /// are defined outside that loop.
  static bool sameElement(SegmentAccess a, SegmentAccess b,
                          scf::ForOp invariantIn) {
    if (a.root != b.root || !isInvariantIn(a.root, invariantIn))
      return false;
    SmallVector<Value> symbols;
    std::optional<AffineExpr> x = rootPosition(a, symbols, invariantIn);
    std::optional<AffineExpr> y =
        x ? rootPosition(b, symbols, invariantIn) : std::nullopt;
    if (!y)
      return false;
    unsigned n = symbols.size();
    return simplifyAffineExpr(*x, 1, n) == simplifyAffineExpr(*y, 1, n);
  }

  /// The barriers of `block` (not those nested in its ops), in order.
  static SmallVector<Operation *> barriersOf(Block *block) {
    SmallVector<Operation *> barriers;
    for (Operation &op : *block)
      if (isa<gpu::BarrierOp>(op))
        barriers.push_back(&op);
    return barriers;
  }

  /// The ops strictly between `from` and `to` in their block (`from` null:
  /// from the block's start; `to` null: to its terminator, excluded).
  static SmallVector<Operation *> opsBetween(Block *block, Operation *from,
                                             Operation *to) {
    SmallVector<Operation *> ops;
    Operation *end = to ? to : block->getTerminator();
    for (Operation *op = from ? from->getNextNode() : &block->front();
         op != end; op = op->getNextNode())
      ops.push_back(op);
    return ops;
  }

  /// Whether the ops `x` and `y`, in one segment, may race: they share a
  /// buffer one of them writes, other than through accesses each thread
  /// makes to its own elements (sameThread; with `acrossIterationsOf`, `x`
  /// and `y` may run in different iterations of that loop: only through
  /// values defined outside it); or one of them is not analysed
  /// (segmentAccesses).
  bool mayRace(ArrayRef<Operation *> x, ArrayRef<Operation *> y,
               scf::ForOp acrossIterationsOf = {}, bool adjacent = false) {
    SmallVector<SegmentAccess> before, after;
    if (!segmentAccesses(x, before) || !segmentAccesses(y, after))
      return true;
    for (const SegmentAccess &a : before)
      for (const SegmentAccess &b : after) {
        if ((a.write || b.write) && rootsMayAlias(a.root, b.root) &&
            !sameThread(a, b, acrossIterationsOf) &&
            !(adjacent && otherHalves(a, b, acrossIterationsOf)) &&
            !disjointFootprints(a, b, acrossIterationsOf))
          return true;
      }
    return false;
  }

  /// The elements of its root buffer that an access's memref spans: from
  /// `first` to before `end`, every one `first` modulo `step` (the gcd of
  /// the strides of its dims of more than one element; 0 for one element).
  struct Footprint {
    int64_t first, end, step;
  };

  /// The footprint of `access`'s memref in its root buffer, when known:
  /// every view from it to the root keeps the root's aligned pointer
  /// (subviews, reshapes, casts; not memref.view, whose byte shift makes a
  /// new base) and its type has static sizes, strides (not negative) and
  /// offset.
  static std::optional<Footprint> staticFootprint(const SegmentAccess &access) {
    Value memref = access.memref;
    for (Value v = memref; v != access.root;) {
      Operation *def = v.getDefiningOp();
      if (!isa_and_present<memref::SubViewOp, memref::ExpandShapeOp,
                           memref::CollapseShapeOp, memref::CastOp,
                           memref::MemorySpaceCastOp>(def))
        return std::nullopt;
      v = def->getOperand(0);
    }
    auto type = cast<MemRefType>(memref.getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    if (!type.hasStaticShape() ||
        failed(type.getStridesAndOffset(strides, offset)) ||
        ShapedType::isDynamic(offset))
      return std::nullopt;
    int64_t end, step = 0;
    if (llvm::AddOverflow(offset, int64_t(1), end))
      return std::nullopt;
    for (auto [size, stride] : llvm::zip(type.getShape(), strides)) {
      if (ShapedType::isDynamic(stride) || stride < 0)
        return std::nullopt;
      if (size == 0)
        return Footprint{offset, offset, 0}; // no element
      int64_t span;
      if (llvm::MulOverflow(size - 1, stride, span) ||
          llvm::AddOverflow(end, span, end))
        return std::nullopt;
      if (size > 1)
        step = std::gcd(step, stride);
    }
    return Footprint{offset, end, step};
  }

  /// Whether `a` and `b` touch disjoint elements of one root for sure:
  /// their memrefs' static footprints (staticFootprint) do not overlap (the
  /// J = 4 1D step's four copies into the rows of one buffer, each a view
  /// at its own offset), or interleave: their first elements differ modulo
  /// the gcd g of their steps, and every element of each is its first
  /// modulo g (the 2D tile's quarters [i, j, 0, 0] and [i, j, 1, 1] of one
  /// 4 x 4 x 2 x 2 buffer). With `acrossIterationsOf`, the root must be
  /// defined outside that loop (one buffer in every iteration).
  static bool disjointFootprints(const SegmentAccess &a, const SegmentAccess &b,
                                 scf::ForOp acrossIterationsOf) {
    if (a.root != b.root || !isInvariantIn(a.root, acrossIterationsOf))
      return false;
    auto fa = staticFootprint(a), fb = staticFootprint(b);
    if (!fa || !fb)
      return false;
    if (fa->end <= fb->first || fb->end <= fa->first)
      return true;
    int64_t g = std::gcd(fa->step, fb->step);
    auto mod = [&](int64_t x) { return (x % g + g) % g; };
    return g > 1 && mod(fa->first) != mod(fb->first);
  }

  /// Whether `a` and `b`, in two consecutive iterations of `loop`, access
  /// one memref at first indices that are one stepParity value of `loop`:
  /// they differ by one there (the halves of a split reduction's parts).
  bool otherHalves(const SegmentAccess &a, const SegmentAccess &b,
                   scf::ForOp loop) {
    return loop && !a.indices.empty() && !b.indices.empty() &&
           a.memref == b.memref && isInvariantIn(a.memref, loop) &&
           a.indices.front() == b.indices.front() &&
           parityLoop(a.indices.front()) == loop;
  }

  /// The thread loop of a distributed op (distribute): `op` itself, or
  /// emulating, the thread loop that is the whole body of `op`, a
  /// virtual-thread loop. Null for any other op and for loops with results.
  scf::ForOp distributedLoop(Operation *op) {
    auto loop = dyn_cast<scf::ForOp>(op);
    if (!loop || loop.getNumResults() != 0)
      return {};
    if (emulate) {
      if (!loop->hasAttr(plstm::kGPUVirtualThreadsAttr))
        return {};
      Block *body = loop.getBody();
      if (!llvm::hasSingleElement(body->without_terminator()))
        return {};
      loop = dyn_cast<scf::ForOp>(body->front());
      if (!loop || loop.getNumResults() != 0)
        return {};
    }
    return isThreadLoop(loop) ? loop : scf::ForOp();
  }

  /// A load or store in a thread loop's body (fuseThreadLoops).
  struct LoopAccess {
    Value memref;
    ValueRange indices;
    bool write;
    bool top; ///< at the top level of the loop's body
  };

  /// The loads and stores of `loop`'s body, if it has nothing else with a
  /// memory effect (nested loops and ifs are looked into).
  static bool loopAccesses(scf::ForOp loop, SmallVectorImpl<LoopAccess> &out) {
    Block *body = loop.getBody();
    WalkResult walked = body->walk([&](Operation *op) {
      if (auto load = dyn_cast<memref::LoadOp>(op)) {
        out.push_back({load.getMemRef(), load.getIndices(), false,
                       op->getBlock() == body});
        return WalkResult::advance();
      }
      if (auto store = dyn_cast<memref::StoreOp>(op)) {
        out.push_back({store.getMemRef(), store.getIndices(), true,
                       op->getBlock() == body});
        return WalkResult::advance();
      }
      if (isa<scf::ForOp, scf::IfOp, scf::YieldOp>(op) ||
          (op->getNumRegions() == 0 && isMemoryEffectFree(op)))
        return WalkResult::advance();
      return WalkResult::interrupt();
    });
    return !walked.wasInterrupted();
  }

  /// `e` for the values of its dims and symbols; none on overflow or a
  /// division by zero.
  static std::optional<int64_t> affineAt(AffineExpr e, ArrayRef<int64_t> dims,
                                         ArrayRef<int64_t> symbols) {
    if (auto c = dyn_cast<AffineConstantExpr>(e))
      return c.getValue();
    if (auto d = dyn_cast<AffineDimExpr>(e))
      return dims[d.getPosition()];
    if (auto sym = dyn_cast<AffineSymbolExpr>(e))
      return symbols[sym.getPosition()];
    auto bin = cast<AffineBinaryOpExpr>(e);
    std::optional<int64_t> l = affineAt(bin.getLHS(), dims, symbols);
    std::optional<int64_t> r = affineAt(bin.getRHS(), dims, symbols);
    if (!l || !r)
      return std::nullopt;
    int64_t out;
    switch (e.getKind()) {
    case AffineExprKind::Add:
      return llvm::AddOverflow(*l, *r, out) ? std::nullopt
                                            : std::optional<int64_t>(out);
    case AffineExprKind::Mul:
      return llvm::MulOverflow(*l, *r, out) ? std::nullopt
                                            : std::optional<int64_t>(out);
    case AffineExprKind::FloorDiv:
      return *r > 0 ? std::optional<int64_t>(llvm::divideFloorSigned(*l, *r))
                    : std::nullopt;
    case AffineExprKind::CeilDiv:
      return *r > 0 ? std::optional<int64_t>(llvm::divideCeilSigned(*l, *r))
                    : std::nullopt;
    case AffineExprKind::Mod:
      return *r > 0 ? std::optional<int64_t>(llvm::mod(*l, *r)) : std::nullopt;
    default:
      return std::nullopt;
    }
  }

  /// `v` where `iv` is `at`: through integer constants and the integer
  /// arithmetic of index (or i64) values (the index arithmetic of
  /// mapDelinearized, affine.apply); none for anything else (a value
  /// defined outside, a loaded index, another width, an overflow, a
  /// division by zero).
  static std::optional<int64_t> valueAt(Value v, Value iv, int64_t at,
                                        int depth = 0) {
    if (v == iv)
      return at;
    if (depth > 16 || !(v.getType().isIndex() || v.getType().isInteger(64)))
      return std::nullopt;
    if (std::optional<int64_t> c = getConstantIntValue(v))
      return c;
    Operation *def = v.getDefiningOp();
    if (!def)
      return std::nullopt;
    SmallVector<int64_t, 4> x;
    for (Value operand : def->getOperands()) {
      std::optional<int64_t> o = valueAt(operand, iv, at, depth + 1);
      if (!o)
        return std::nullopt;
      x.push_back(*o);
    }
    if (auto apply = dyn_cast<affine::AffineApplyOp>(def)) {
      AffineMap map = apply.getAffineMap();
      if (map.getNumResults() != 1)
        return std::nullopt;
      ArrayRef<int64_t> all(x);
      return affineAt(map.getResult(0), all.take_front(map.getNumDims()),
                      all.drop_front(map.getNumDims()));
    }
    if (isa<arith::IndexCastOp, arith::IndexCastUIOp>(def) && x.size() == 1)
      return x[0];
    if (x.size() != 2)
      return std::nullopt;
    int64_t r;
    if (isa<arith::AddIOp>(def))
      return llvm::AddOverflow(x[0], x[1], r) ? std::nullopt
                                              : std::optional<int64_t>(r);
    if (isa<arith::SubIOp>(def))
      return llvm::SubOverflow(x[0], x[1], r) ? std::nullopt
                                              : std::optional<int64_t>(r);
    if (isa<arith::MulIOp>(def))
      return llvm::MulOverflow(x[0], x[1], r) ? std::nullopt
                                              : std::optional<int64_t>(r);
    bool unsignedOk = x[0] >= 0 && x[1] > 0;
    if (isa<arith::DivUIOp>(def) && unsignedOk)
      return x[0] / x[1];
    if (isa<arith::RemUIOp>(def) && unsignedOk)
      return x[0] % x[1];
    return std::nullopt;
  }

  /// Whether running `a` (of the first loop) at a thread's iteration i
  /// after `b` (of the second) at its iterations j < i, as fusing the two
  /// loops does, touches no element one of them wrote: their indices,
  /// computed for every iteration of every thread (valueAt), never name
  /// one element for such i and j.
  bool reorderFree(const LoopAccess &a, scf::ForOp first, const LoopAccess &b,
                   scf::ForOp second, int64_t trips) {
    // An element: its offset by the memref type's static strides (one
    // memref value: one base and offset), which names it whatever the
    // layout (a stride of 0 too); with dynamic strides, its indices, for a
    // view whose distinct indices are distinct elements only.
    auto type = cast<MemRefType>(a.memref.getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    bool staticStrides = succeeded(type.getStridesAndOffset(strides, offset)) &&
                         llvm::none_of(strides, ShapedType::isDynamic);
    if (!staticStrides && !isInjectiveView(a.memref))
      return false;
    auto element = [&](const LoopAccess &x, scf::ForOp loop,
                       int64_t at) -> std::optional<SmallVector<int64_t, 4>> {
      SmallVector<int64_t, 4> e;
      int64_t linear = 0;
      for (auto [d, index] : llvm::enumerate(x.indices)) {
        std::optional<int64_t> v = valueAt(index, loop.getInductionVar(), at);
        if (!v)
          return std::nullopt;
        int64_t term;
        if (!staticStrides)
          e.push_back(*v);
        else if (llvm::MulOverflow(*v, strides[d], term) ||
                 llvm::AddOverflow(linear, term, linear))
          return std::nullopt;
      }
      if (staticStrides)
        e.push_back(linear);
      return e;
    };
    for (int64_t t = 0; t < threads && t < trips; ++t) {
      std::set<SmallVector<int64_t, 4>> before; // b's, at earlier iterations
      for (int64_t i = t; i < trips; i += threads) {
        auto ea = element(a, first, i);
        auto eb = element(b, second, i);
        if (!ea || !eb || before.count(*ea))
          return false;
        before.insert(*eb);
      }
    }
    return true;
  }

  /// Whether two accesses may name one byte: not when their roots
  /// (accessRoot) are two distinct buffers (isDistinctRoot).
  static bool mayAlias(Value a, Value b) {
    return rootsMayAlias(accessRoot(a), accessRoot(b));
  }

  /// Whether two thread loops of one segment may run in either order: no
  /// store of one may touch a buffer the other accesses (mayAlias).
  static bool commute(scf::ForOp a, scf::ForOp b) {
    SmallVector<LoopAccess> x, y;
    if (!loopAccesses(a, x) || !loopAccesses(b, y))
      return false;
    for (const LoopAccess &p : x)
      for (const LoopAccess &q : y)
        if ((p.write || q.write) && mayAlias(p.memref, q.memref))
          return false;
    return true;
  }

  /// Whether the thread loops `first` and `second`, the one after the
  /// other with no barrier between (their accesses then race with no other
  /// thread's), may run as one loop whose iteration runs the first's body
  /// then the second's. Each thread then runs the second's iteration j
  /// before the first's iterations after j: allowed when the two loops
  /// have the same trip count and, where a thread runs more than one
  /// iteration, no access of the first at a later iteration touches an
  /// element an access of the second touches, one of them a store (only
  /// loads, stores and pure ops; two accesses to one buffer must be to the
  /// same memref, at the loops' top level, with indices computable for
  /// every iteration: reorderFree). Unless `sameTrips`, constant trip
  /// counts that differ are allowed too when neither exceeds the threads
  /// (one iteration a thread: nothing is reordered; fuseThreadLoops then
  /// guards the shorter body).
  bool fusable(scf::ForOp first, scf::ForOp second, bool sameTrips) {
    std::optional<int64_t> trips = getConstantIntValue(first.getUpperBound());
    std::optional<int64_t> secondTrips =
        getConstantIntValue(second.getUpperBound());
    // At most one iteration a thread in each (constant trip counts up to the
    // block's threads, not necessarily equal: fuseThreadLoops guards the
    // shorter body): nothing is reordered.
    bool single = trips && secondTrips && *trips <= threads &&
                  *secondTrips <= threads &&
                  (!sameTrips || *trips == *secondTrips);
    if (!single && first.getUpperBound() != second.getUpperBound() &&
        (!trips || trips != secondTrips))
      return false;
    SmallVector<LoopAccess> a, b;
    if (!loopAccesses(first, a) || !loopAccesses(second, b))
      return false;
    if (single)
      return true;
    for (const LoopAccess &x : a)
      for (const LoopAccess &y : b) {
        if ((!x.write && !y.write) || !mayAlias(x.memref, y.memref))
          continue;
        if (!trips || *trips > (int64_t(1) << 17) || x.memref != y.memref ||
            !x.top || !y.top || !reorderFree(x, first, y, second, *trips))
          return false;
      }
    return true;
  }

  /// In `body` (at its top level), a load of the element a store before it
  /// in the body wrote, with no store between that may write
  /// that element (mayAlias) and no nested op that stores, takes the stored
  /// value. The thread's own element: another thread writing it between
  /// the two would be a race, as the segment has none.
  static void forwardStores(Block *body) {
    SmallVector<memref::StoreOp> stored; // live stores, oldest first
    SmallVector<Operation *> dead;
    for (Operation &op : body->without_terminator()) {
      if (auto load = dyn_cast<memref::LoadOp>(&op)) {
        for (memref::StoreOp store : llvm::reverse(stored))
          if (store.getMemRef() == load.getMemRef() &&
              llvm::equal(store.getIndices(), load.getIndices(),
                          [](Value a, Value b) {
                            return skipIdentityOps(a) == skipIdentityOps(b);
                          }) &&
              store.getValueToStore().getType() == load.getType()) {
            load.getResult().replaceAllUsesWith(store.getValueToStore());
            dead.push_back(load);
            break;
          }
        continue;
      }
      if (auto store = dyn_cast<memref::StoreOp>(&op)) {
        llvm::erase_if(stored, [&](memref::StoreOp s) {
          return mayAlias(s.getMemRef(), store.getMemRef());
        });
        stored.push_back(store);
        continue;
      }
      if (op.getNumRegions() != 0 && op.walk([](memref::StoreOp) {
                                         return WalkResult::interrupt();
                                       }).wasInterrupted())
        stored.clear();
    }
    for (Operation *op : dead)
      op->erase();
  }

  /// Whether `root` (accessRoot) is a buffer whose contents no one sees
  /// after the launch: its workgroup memory (static or dynamic), a buffer
  /// allocated in it (emulating, the shared and heap buffers; on the GPU,
  /// a heap buffer's descriptor, kHeapBufferAttr), or a slice
  /// (kSliceAttr) of one (the arena's, the dynamic shared memory's; not
  /// the launch scratch's, which later launches read).
  static bool isLaunchLocal(Value root, gpu::LaunchOp launch) {
    if (auto arg = dyn_cast<BlockArgument>(root))
      return arg.getOwner()->getParentOp() == launch &&
             llvm::is_contained(launch.getWorkgroupAttributions(), arg);
    Operation *def = root.getDefiningOp();
    if (!def || !launch->isProperAncestor(def))
      return false;
    if (def->hasAttr(kSliceAttr))
      return isLaunchLocal(plstm::viewRoot(root), launch);
    if (isa<UnrealizedConversionCastOp>(def))
      return def->hasAttr(kHeapBufferAttr);
    return isa<memref::AllocOp, memref::AllocaOp, gpu::DynamicSharedMemoryOp>(
        def);
  }

  /// What shareAllocation made for a heap buffer: the ops in the
  /// descriptor's block it is computed from (`chain`), among them the load
  /// of its pointer slot (the descriptor's pointer is that slot's value),
  /// and thread 0's guard that mallocs the buffer and stores the slot.
  struct HeapBufferParts {
    SetVector<Operation *> chain;
    memref::LoadOp slotLoad;
    scf::IfOp guard;
  };

  /// The parts of the heap buffer `cast` describes; no slot load when it
  /// is not made that way.
  static HeapBufferParts heapBufferParts(UnrealizedConversionCastOp cast) {
    HeapBufferParts parts;
    SetVector<Operation *> &chain = parts.chain;
    BackwardSliceOptions options;
    options.omitBlockArguments = true;
    options.filter = [&](Operation *op) {
      return op->getBlock() == cast->getBlock();
    };
    (void)getBackwardSlice(cast.getOperation(), &chain, options);
    memref::LoadOp slotLoad;
    for (Operation *op : chain)
      if (auto toPtr = dyn_cast<LLVM::IntToPtrOp>(op))
        slotLoad = toPtr.getArg().getDefiningOp<memref::LoadOp>();
    if (!slotLoad || slotLoad.getIndices().size() != 1)
      return {};
    scf::IfOp &guard = parts.guard;
    for (Operation *user : slotLoad.getMemRef().getUsers())
      if (auto store = dyn_cast<memref::StoreOp>(user))
        if (store.getMemRef() == slotLoad.getMemRef() &&
            store.getIndices()[0] == slotLoad.getIndices()[0]) {
          auto parent = dyn_cast<scf::IfOp>(store->getParentOp());
          if (!parent || guard)
            return {};
          guard = parent;
        }
    if (!guard || !guard.getThenRegion().hasOneBlock() ||
        llvm::none_of(guard.thenBlock()->getOperations(),
                      [](Operation &op) { return isa<memref::AllocOp>(op); }))
      return {};
    parts.slotLoad = slotLoad;
    return parts;
  }

  /// A launch-local buffer (isLaunchLocal) that nothing reads, through any
  /// view, after fuseThreadLoops forwarded its stores: its stores are
  /// erased, and with them, when nothing else uses it, the buffer: its
  /// views and frees, an allocation in the launch, and on the GPU a heap
  /// buffer's malloc in thread 0 (its guard), its pointer slot's load and
  /// the descriptor (heapBufferParts; a buffer not made that way keeps
  /// them). The 2D node kernel's new states, read only in the iteration
  /// that wrote them. Returns the stores erased.
  int eraseUnreadBuffers(gpu::LaunchOp launch) {
    SetVector<Value> roots;
    launch.walk([&](memref::StoreOp store) {
      Value root = accessRoot(store.getMemRef());
      if (isLaunchLocal(root, launch))
        roots.insert(root);
    });
    int erased = 0;
    for (Value root : roots) {
      SmallVector<Operation *> stores, frees, views;
      bool used = false;
      SmallVector<Value> values{root};
      while (!values.empty() && !used) {
        Value v = values.pop_back_val();
        for (OpOperand &use : v.getUses()) {
          Operation *user = use.getOwner();
          auto store = dyn_cast<memref::StoreOp>(user);
          if (store && store.getMemRef() == v && store.getValueToStore() != v) {
            stores.push_back(user);
          } else if (isa<memref::DeallocOp>(user)) {
            frees.push_back(user);
          } else if (auto view = dyn_cast<ViewLikeOpInterface>(user);
                     view && view.getViewSource() == v &&
                     user->getNumResults() == 1) {
            views.push_back(user);
            values.push_back(user->getResult(0));
          } else {
            used = true;
            break;
          }
        }
      }
      if (used || stores.empty())
        continue;
      for (Operation *store : stores)
        store->erase();
      erased += stores.size();
      for (Operation *view : llvm::reverse(views))
        if (view->use_empty())
          view->erase();
      Operation *def = root.getDefiningOp();
      if (!def || def->hasAttr(kSliceAttr) ||
          !llvm::all_of(root.getUsers(), [](Operation *user) {
            return isa<memref::DeallocOp>(user);
          }))
        continue; // workgroup memory, a slice, or a buffer still viewed
      HeapBufferParts heap;
      if (auto cast = dyn_cast<UnrealizedConversionCastOp>(def)) {
        heap = heapBufferParts(cast);
        if (!heap.slotLoad)
          continue;
      } else if (!isa<memref::AllocOp, memref::AllocaOp>(def)) {
        continue;
      }
      for (Operation *free : frees) {
        Operation *parent = free->getParentOp();
        free->erase();
        // An emptied thread-0 guard goes too.
        if (auto guard = dyn_cast<scf::IfOp>(parent))
          if (guard.getNumResults() == 0 && guard.elseBlock() == nullptr &&
              llvm::hasSingleElement(*guard.thenBlock()))
            guard->erase();
      }
      if (!heap.slotLoad) {
        def->erase();
        continue;
      }
      // The descriptor, then what only it used, up to the slot's load, and
      // the guard with the malloc and the slot's store.
      heap.chain.remove(heap.slotLoad);
      def->erase();
      for (Operation *op : llvm::reverse(heap.chain))
        if (op->use_empty() && wouldOpBeTriviallyDead(op))
          op->erase();
      if (heap.slotLoad->use_empty())
        heap.slotLoad->erase();
      heap.guard->erase();
    }
    return erased;
  }

  /// Distributed ops one after the other in a block, with no barrier
  /// between them and the same iterations, or at most one a thread of
  /// each (fusable; the shorter body in a guard), become one: one loop
  /// over the block's threads (and emulating, one virtual-thread loop)
  /// where there were several, whose body reuses the index arithmetic
  /// (CSE) and the values it stored (forwardStores). The 2D node and tile
  /// kernels' chains of elementwise ops on one state. Pure ops between two
  /// such loops move before the first. Emulating, only with the race
  /// check: without it the barriers are not there to say which loops may
  /// fuse. Returns how many loops fused into another.
  int fuseThreadLoops(gpu::LaunchOp launch) {
    if (emulate && !raceCheck)
      return 0;
    int fused = 0;
    SmallVector<Operation *> merged;
    std::function<void(Block *)> visit = [&](Block *block) {
      for (Operation *op = &block->front(); op;) {
        scf::ForOp first = distributedLoop(op);
        if (!first) {
          if (!isa<scf::ForOp>(op) || !isThreadLoop(cast<scf::ForOp>(op)))
            for (Region &region : op->getRegions())
              for (Block &inner : region)
                visit(&inner);
          op = op->getNextNode();
          continue;
        }
        // The next distributed op that may fuse with `first`, past pure
        // ops and past distributed ops it commutes with (no store of one
        // to a buffer the other may touch).
        // The same trip count first (the bodies then fuse unguarded, their
        // stores forwarded), then any at most the threads.
        SmallVector<Operation *> between;
        Operation *next = nullptr;
        scf::ForOp second;
        for (bool sameTrips : {true, false}) {
          between.clear();
          SmallVector<scf::ForOp> skipped;
          for (next = op->getNextNode(); next; next = next->getNextNode()) {
            if (next->getNumRegions() == 0 && isPure(next)) {
              between.push_back(next);
              continue;
            }
            scf::ForOp candidate = distributedLoop(next);
            if (!candidate)
              break;
            if (llvm::all_of(
                    skipped,
                    [&](scf::ForOp s) { return commute(s, candidate); }) &&
                fusable(first, candidate, sameTrips)) {
              second = candidate;
              break;
            }
            skipped.push_back(candidate);
          }
          if (second)
            break;
        }
        if (!second) {
          op = op->getNextNode();
          continue;
        }
        for (Operation *moved : between)
          moved->moveBefore(op);
        // Trip counts that differ (both at most the threads): the loop runs
        // the larger, each body in a guard (i < its trip count) unless it
        // has the larger.
        std::optional<int64_t> firstTrips =
            getConstantIntValue(first.getUpperBound());
        std::optional<int64_t> secondTrips =
            getConstantIntValue(second.getUpperBound());
        bool differ = first.getUpperBound() != second.getUpperBound() &&
                      firstTrips != secondTrips;
        auto guardBody = [&](Block *body, int64_t trips) {
          OpBuilder b = OpBuilder::atBlockBegin(body);
          Value limit = arith::ConstantIndexOp::create(b, loc, trips);
          Value inRange = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ult,
              body->getParentOp() == first ? first.getInductionVar()
                                           : second.getInductionVar(),
              limit);
          auto guard = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
          Block *then = guard.thenBlock();
          then->getOperations().splice(then->getTerminator()->getIterator(),
                                       body->getOperations(),
                                       std::next(guard->getIterator()),
                                       body->getTerminator()->getIterator());
        };
        if (differ) {
          int64_t most = std::max(*firstTrips, *secondTrips);
          if (*firstTrips < most)
            guardBody(first.getBody(), *firstTrips);
          if (*secondTrips < most)
            guardBody(second.getBody(), *secondTrips);
          OpBuilder b(op); // emulating, outside the virtual-thread loop
          first.setUpperBound(arith::ConstantIndexOp::create(b, loc, most));
        }
        second.getInductionVar().replaceAllUsesWith(first.getInductionVar());
        if (emulate)
          cast<scf::ForOp>(next).getInductionVar().replaceAllUsesWith(
              cast<scf::ForOp>(op).getInductionVar());
        Block *into = first.getBody(), *from = second.getBody();
        into->getOperations().splice(into->getTerminator()->getIterator(),
                                     from->getOperations(), from->begin(),
                                     from->getTerminator()->getIterator());
        next->erase();
        if (merged.empty() || merged.back() != first)
          merged.push_back(first);
        ++fused; // and `op` again, with the loop after it
      }
    };
    visit(&launch.getBody().front());
    DominanceInfo dominance;
    for (Operation *op : merged) {
      auto loop = cast<scf::ForOp>(op);
      // The bodies' constants come from outside, one op each: one value
      // per constant, so that CSE sees the index arithmetic as the same.
      DenseMap<Attribute, Value> constants;
      loop.getBody()->walk([&](Operation *inner) {
        for (OpOperand &operand : inner->getOpOperands()) {
          auto constant = operand.get().getDefiningOp<arith::ConstantOp>();
          if (!constant || loop->isAncestor(constant))
            continue;
          Value &first = constants[constant.getValue()];
          if (!first)
            first = constant;
          operand.set(first);
        }
      });
      eliminateCommonSubExpressions(rewriter, dominance, loop);
      // The guards fusing loops of other trip counts made: two in a row of
      // one condition (after CSE, the same value) become one; then the
      // body and each guard, nested ones too, forward on their own.
      std::function<void(Block *)> forwardIn = [&](Block *block) {
        auto simple = [](scf::IfOp guard) {
          return guard && guard.getNumResults() == 0 && !guard.elseBlock();
        };
        for (Operation *op = &block->front(); op;) {
          Operation *after = op->getNextNode();
          auto guard = dyn_cast<scf::IfOp>(op);
          while (simple(guard)) {
            auto next = dyn_cast_or_null<scf::IfOp>(after);
            if (!simple(next) || next.getCondition() != guard.getCondition())
              break;
            Block *into = guard.thenBlock(), *from = next.thenBlock();
            into->getOperations().splice(into->getTerminator()->getIterator(),
                                         from->getOperations(), from->begin(),
                                         from->getTerminator()->getIterator());
            after = next->getNextNode();
            next->erase();
          }
          op = after;
        }
        forwardStores(block);
        for (Operation &op : *block)
          if (auto guard = dyn_cast<scf::IfOp>(op); simple(guard))
            forwardIn(guard.thenBlock());
      };
      forwardIn(loop.getBody());
      eliminateCommonSubExpressions(rewriter, dominance, loop);
    }
    return fused;
  }

  /// A barrier between two segments of one block (each from a barrier of
  /// that block to the next) that may not race (mayRace) orders nothing:
  /// it is erased (the segments merge). In the 1D sequential step, the
  /// barrier between the state's scaled input and the read-out's zeroing,
  /// and the one between the read-out's sum and its copy out (the same
  /// thread's elements).
  void removeUnneededBarriers(gpu::LaunchOp launch) {
    SmallVector<Block *> blocks;
    launch.walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks) {
      SmallVector<Operation *> barriers = barriersOf(block);
      if (barriers.size() < 3)
        continue;
      Operation *kept = barriers[0];
      for (size_t k = 1; k + 1 < barriers.size(); ++k) {
        if (mayRace(opsBetween(block, kept, barriers[k]),
                    opsBetween(block, barriers[k], barriers[k + 1]))) {
          kept = barriers[k];
          continue;
        }
        barriers[k]->erase();
      }
    }
  }

  /// The nearest barrier before (`back`) or after `op` in its block, if
  /// any.
  static Operation *nearestBarrier(Operation *op, bool back) {
    for (op = back ? op->getPrevNode() : op->getNextNode(); op;
         op = back ? op->getPrevNode() : op->getNextNode())
      if (isa<gpu::BarrierOp>(op))
        return op;
    return nullptr;
  }

  /// The first or the last barrier of a loop's body (F and L, at its top
  /// level, F != L), when it orders nothing across the iterations. F starts
  /// the segment F..(the next barrier); before F run the body's ops before
  /// it (head), after the previous iteration's ops after L (tail), or, the
  /// first time, the ops since the barrier P before the loop in its block.
  /// F is erased when that segment may not race with them (mayRace: with
  /// only pure ops around, the 1D sequential step's barrier after its copy
  /// out; the DAG's edge loop, whose head reads the edge lists). Else L
  /// is erased when the segment (the barrier before L)..L may not race
  /// with what follows it: the tail, then the next iteration's head (and
  /// a barrier after the loop orders the last iteration with what follows
  /// the loop, unless the ops up to the barrier Q after it may not race).
  /// Ops of two iterations are the same thread's only through values
  /// defined outside the loop (a view's offset may differ between them).
  /// One barrier a loop at most: each check relies on the other barrier.
  /// Returns whether a barrier moved after a loop.
  bool removeLoopEntryBarriers(gpu::LaunchOp launch) {
    bool moved = false;
    SmallVector<scf::ForOp> loops;
    launch.walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops) { // inner loops first
      Block *body = loop.getBody();
      SmallVector<Operation *> barriers = barriersOf(body);
      if (barriers.size() < 2)
        continue;
      Operation *first = barriers.front(), *last = barriers.back();
      SmallVector<Operation *> head = opsBetween(body, nullptr, first);
      SmallVector<Operation *> tail = opsBetween(body, last, nullptr);
      Block *outer = loop->getBlock();
      // The tail before the next iteration's F..: across iterations.
      if (Operation *p = nearestBarrier(loop, /*back=*/true)) {
        SmallVector<Operation *> before = opsBetween(outer, p, loop);
        llvm::append_range(before, head);
        SmallVector<Operation *> segment = opsBetween(body, first, barriers[1]);
        if (!mayRace(before, segment) &&
            !mayRace(tail, segment, /*acrossIterationsOf=*/loop,
                     /*adjacent=*/true)) {
          first->erase();
          continue;
        }
      }
      // ..L before the tail, then the next iteration's head (across; F
      // still between it and the one after: consecutive iterations only),
      // or after the last iteration the ops up to Q: when only these race,
      // or when there is no Q in the loop's block (what follows, an outer
      // loop's next iteration, is not in view), L becomes one barrier after
      // the loop (the 2D sequential step's node loop).
      SmallVector<Operation *> segment =
          opsBetween(body, barriers[barriers.size() - 2], last);
      if (!mayRace(segment, tail) &&
          !mayRace(segment, head, /*acrossIterationsOf=*/loop,
                   /*adjacent=*/true)) {
        Operation *q = nearestBarrier(loop, /*back=*/false);
        // Without Q, the block after the loop must be one every thread
        // runs (only loops of the row around it) for a barrier there.
        if (!q && !inEveryThread(loop, launch))
          continue;
        if (!q || mayRace(segment, opsBetween(outer, loop, q))) {
          OpBuilder b(loop->getNextNode());
          gpu::BarrierOp::create(b, loc);
          moved = true;
        }
        last->erase();
      }
    }
    return moved;
  }

  /// Whether every thread of the block runs `op`'s block: only scf.for
  /// loops of the row (not thread loops) between it and the launch.
  bool inEveryThread(Operation *op, gpu::LaunchOp launch) {
    for (Operation *parent = op->getParentOp(); parent != launch;
         parent = parent->getParentOp()) {
      auto loop = dyn_cast<scf::ForOp>(parent);
      if (!loop || isThreadLoop(loop) ||
          loop->hasAttr(plstm::kGPUVirtualThreadsAttr))
        return false;
    }
    return true;
  }

  /// A loop whose body has one barrier B (at its top level) that orders
  /// nothing between the body's ops, in any two iterations, nor between
  /// them and the ops since the barrier P before the loop (mayRace; P at
  /// the start of the launch when the loop is at its top level with none
  /// before it): B moves after the loop, where it orders the loop's last
  /// iteration before what follows, as before (and with no iteration, the
  /// ops before the loop before those after it: more order, never less).
  /// The DAG's edge terms: each accumulates into the thread's own elements
  /// of the state and reads the stored states, which the loop does not
  /// write, one barrier a term before. Inner loops first: a loop whose
  /// only barrier is an inner loop's, moved out, may move it out in turn.
  /// Returns whether a barrier moved.
  bool moveBarriersOutOfLoops(gpu::LaunchOp launch) {
    bool moved = false;
    SmallVector<scf::ForOp> loops;
    launch.walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops) { // inner loops first
      Block *body = loop.getBody();
      SmallVector<Operation *> barriers = barriersOf(body);
      if (barriers.size() != 1)
        continue;
      Operation *only = barriers.front();
      Block *outer = loop->getBlock();
      Operation *p = nearestBarrier(loop, /*back=*/true);
      if (!p && outer != &launch.getBody().front())
        continue;
      SmallVector<Operation *> ops = opsBetween(body, nullptr, only);
      llvm::append_range(ops, opsBetween(body, only, nullptr));
      if (mayRace(opsBetween(outer, p, loop), ops) ||
          mayRace(ops, ops, /*acrossIterationsOf=*/loop))
        continue;
      only->erase();
      OpBuilder b(loop->getContext());
      b.setInsertionPointAfter(loop);
      barrier(b);
      moved = true;
    }
    return moved;
  }

  /// The first op from `op` on (backwards: `back`) that is not
  /// memory-effect free, if a barrier.
  static Operation *barrierFrom(Operation *op, bool back) {
    for (; op; op = back ? op->getPrevNode() : op->getNextNode()) {
      if (isa<gpu::BarrierOp>(op))
        return op;
      if (op->getNumRegions() != 0 || !isMemoryEffectFree(op))
        return nullptr;
    }
    return nullptr;
  }

  /// A barrier right after a loop (only memory-effect-free ops between) is
  /// redundant when every way to it passes another barrier just before:
  /// the loop's body ends with one (the last iteration's), and one comes
  /// right before the loop (when it runs no iteration). Likewise a barrier
  /// right before a loop whose body starts with one, with one right after
  /// the loop. Erasing a barrier with no memory access between it and
  /// another changes no segment. The DAG's edge loop: its last barrier
  /// then the node's.
  static void removeBarriersBesideLoops(gpu::LaunchOp launch) {
    SmallVector<scf::ForOp> loops;
    launch.walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops) {
      Block *body = loop.getBody();
      Operation *before = barrierFrom(loop->getPrevNode(), /*back=*/true);
      Operation *after = barrierFrom(loop->getNextNode(), /*back=*/false);
      if (!before || !after)
        continue;
      if (barrierFrom(body->getTerminator()->getPrevNode(), /*back=*/true))
        after->erase();
      else if (barrierFrom(&body->front(), /*back=*/false))
        before->erase();
    }
  }

  /// A barrier with only memory-effect-free ops since the previous one in
  /// its block is redundant.
  static void removeRedundantBarriers(gpu::LaunchOp launch) {
    SmallVector<Operation *> dead;
    launch.walk([&](gpu::BarrierOp barrier) {
      if (barrierFrom(barrier->getPrevNode(), /*back=*/true))
        dead.push_back(barrier);
    });
    for (Operation *op : dead)
      op->erase();
  }
};

} // namespace

std::unique_ptr<Pass> mlir::plstm::createGPUUnitRowsPass() {
  return std::make_unique<UnitRowsPass>();
}

std::unique_ptr<Pass> mlir::plstm::createGPURowBuffersPass() {
  return std::make_unique<RowBuffersPass>();
}

bool mlir::plstm::canMapRowsToBlocks(scf::ParallelOp rows) {
  return canDistribute(rows);
}

int64_t mlir::plstm::autoThreadsPerRow(scf::ParallelOp rows) {
  constexpr int64_t kBase = 128, kMost = 512;
  int64_t want = kBase;
  bool large = false; // a reduction that fills kMost threads by itself
  rows.getBody()->walk([&](linalg::LinalgOp op) {
    SmallVector<int64_t> trips = op.getStaticLoopRanges();
    auto iterators = op.getIteratorTypesArray();
    int64_t parallel = 1, reduction = 0;
    for (auto [trip, iterator] : llvm::zip(trips, iterators)) {
      if (ShapedType::isDynamic(trip))
        return;
      if (linalg::isParallelIterator(iterator))
        parallel *= trip;
      else if (reduction == 0)
        reduction = trip;
    }
    if (reduction == 0)
      return;
    if (parallel >= kMost) {
      large = true;
      return;
    }
    if (int64_t split = largestDivisorUpTo(reduction, kMaxSplit); split > 1)
      want = std::max(want, parallel * split);
  });
  // Fewer than kMost usable threads: kBase (the molecules DAG, d = 32,
  // could use 256 and ran as fast with them, ptxas spilling).
  return !large && want >= kMost ? kMost : kBase;
}

LogicalResult mlir::plstm::mapRowsToBlocks(scf::ParallelOp rows,
                                           int64_t threads, bool emulate,
                                           int64_t sharedBytes, bool prefetch,
                                           bool raceCheck, bool registerTiles,
                                           bool fuseLoops) {
  Location loc = rows.getLoc();
  bool blockPerRow = rows.getNumLoops() == 1;
  IRRewriter rewriter(rows.getContext());
  OpBuilder b(rows);
  SmallVector<Value> trips;
  Value total = buildTripCounts(b, loc, rows, trips);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value blockThreads =
      arith::ConstantIndexOp::create(b, loc, emulate ? 1 : threads);
  auto launch =
      gpu::LaunchOp::create(b, loc, total, one, one, blockThreads, one, one);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  IRMapping mapping;
  mapDelinearized(b, loc, rows, trips, launch.getBlockIds().x, mapping);
  Value tid = emulate ? arith::ConstantIndexOp::create(b, loc, 0).getResult()
                      : launch.getThreadIds().x;
  Value nthreads = arith::ConstantIndexOp::create(b, loc, threads);
  // The row's code goes into an scf.execute_region-free block: clone it,
  // then rewrite the clones in place.
  auto terminator = gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(terminator);
  for (Operation &op : rows.getBody()->without_terminator())
    b.clone(op, mapping);
  rows.erase();
  BlockMapper mapper{rewriter, loc,      threads,    emulate,
                     tid,      nthreads, sharedBytes};
  mapper.prefetch = prefetch;
  mapper.registerTiles = registerTiles;
  mapper.fuseLoops = fuseLoops;
  mapper.blockPerRow = blockPerRow;
  mapper.raceCheck = emulate && raceCheck;
  if (mapper.raceCheck)
    launch->setAttr(kGPURaceCheckedAttr, b.getUnitAttr());
  return mapper.run(&body, launch);
}

//===- ElideReadOnlyCopies.cpp - plstm-elide-read-only-copies -------------===//
//
// One-shot bufferization gives the buffer of a loop-carried tensor (an
// scf.for iter_arg) a fully dynamic layout while it analyses the loop, so a
// tensor.collapse_shape of it (the J = 1 unit dims folded away) cannot be
// proven collapsible and becomes `alloc + memref.copy + collapse_shape`:
// the whole recurrent state copied every step (64 KiB per position for the
// sequential 1D schedule at d = 128, per cell in 2D) only to be read.
//
// This pass removes such copies after bufferization, before the
// deallocation pipeline:
//
//   %a = memref.alloc() : T
//   memref.copy %src, %a : T to T        (same type: no layout change)
//   ... %a only read (directly or through views) ...
//
// becomes the reads of %src, when nothing after the copy in its block can
// write %src's memory. The check is conservative and local: every write
// after the copy (in nested regions too) must go to a buffer whose possible
// roots (through views, and through the init and yielded values of loop
// iter_args) are known allocations or function arguments disjoint from
// %src's; an allocation made inside the loop that carries %src is fresh in
// each iteration and cannot be the iteration's %src. Ops with unknown
// effects (calls) keep the copy. Function arguments are taken not to alias
// each other (the kernel ABI: distinct input and output buffers, as
// one-shot bufferization across function boundaries assumes too).
//
//===----------------------------------------------------------------------===//

#include "codegen/CodegenPasses.h"
#include "codegen/MemRefViews.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;

namespace {

/// The buffers `v` may be a view of: allocations and function arguments
/// (through views, loop iter_args and results: their init and yielded
/// values, and the results of scf.if: both branches).
/// Returns false when a root is unknown (another op's result, a block
/// argument of another kind).
bool possibleRoots(Value v, llvm::SmallPtrSetImpl<Value> &roots,
                   llvm::SmallPtrSetImpl<Value> &visiting) {
  v = plstm::viewRoot(v);
  if (!visiting.insert(v).second)
    return true;
  if (Operation *def = v.getDefiningOp()) {
    if (isa<memref::AllocOp, memref::AllocaOp>(def)) {
      roots.insert(v);
      return true;
    }
    unsigned index = cast<OpResult>(v).getResultNumber();
    if (auto loop = dyn_cast<scf::ForOp>(def))
      return possibleRoots(loop.getInits()[index], roots, visiting) &&
             possibleRoots(loop.getYieldedValues()[index], roots, visiting);
    if (auto branch = dyn_cast<scf::IfOp>(def))
      return branch.elseBlock() &&
             possibleRoots(branch.thenYield().getOperand(index), roots,
                           visiting) &&
             possibleRoots(branch.elseYield().getOperand(index), roots,
                           visiting);
    return false;
  }
  auto arg = cast<BlockArgument>(v);
  Operation *owner = arg.getOwner()->getParentOp();
  if (isa<func::FuncOp>(owner)) {
    roots.insert(v);
    return true;
  }
  if (auto loop = dyn_cast<scf::ForOp>(owner)) {
    if (arg.getArgNumber() == 0)
      return false; // the induction variable is no buffer
    OpOperand *init = loop.getTiedLoopInit(arg);
    Value yielded = loop.getTiedLoopYieldedValue(arg)->get();
    return possibleRoots(init->get(), roots, visiting) &&
           possibleRoots(yielded, roots, visiting);
  }
  return false;
}

bool possibleRoots(Value v, llvm::SmallPtrSetImpl<Value> &roots) {
  llvm::SmallPtrSet<Value, 8> visiting;
  return possibleRoots(v, roots, visiting);
}

/// True if `v` (a view of `a` or `a` itself) is only read: its users are
/// views only read, ops that read it and write none of their memref
/// operands that are views of `a`, and the copy that fills `a`.
bool onlyRead(Value v, Operation *fill) {
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    if (user == fill)
      continue;
    if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
      if (view.getViewSource() == v && !onlyRead(user->getResult(0), fill))
        return false;
      continue;
    }
    // A reader: reads v and has no other effect on it. Terminators (a
    // yielded buffer lives on) and ops without effects on v (which may
    // pass it on) do not qualify.
    auto effects = dyn_cast<MemoryEffectOpInterface>(user);
    if (!effects || user->hasTrait<OpTrait::IsTerminator>())
      return false;
    SmallVector<MemoryEffects::EffectInstance> list;
    effects.getEffectsOnValue(v, list);
    if (list.empty())
      return false;
    for (const auto &effect : list)
      if (!isa<MemoryEffects::Read>(effect.getEffect()))
        return false;
    // linalg ops report their effects per operand: an `outs` use writes.
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(user))
      if (linalgOp.isDpsInit(&use))
        return false;
  }
  return true;
}

/// Whether every user of `v`, and of the views of it, is in `block` (at any
/// depth).
bool usersInBlock(Value v, Block *block) {
  for (Operation *user : v.getUsers()) {
    if (!block->findAncestorOpInBlock(*user))
      return false;
    if (auto view = dyn_cast<ViewLikeOpInterface>(user))
      if (view.getViewSource() == v && !usersInBlock(user->getResult(0), block))
        return false;
  }
  return true;
}

/// The loop that carries `src` as an iter_arg, if any.
scf::ForOp carryingLoop(Value src) {
  auto arg = dyn_cast<BlockArgument>(plstm::viewRoot(src));
  return arg ? dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp())
             : scf::ForOp();
}

/// The allocations made in an iteration of `loop` (the loop that carries
/// src): fresh buffers, distinct from the iteration's src, unless the
/// written value reaches them through an iter_arg of that loop (then it may
/// be an earlier iteration's instance: the src itself).
bool isFresh(Value root, scf::ForOp loop, bool throughLoopArg) {
  Operation *def = root.getDefiningOp();
  return loop && def && !throughLoopArg && loop->isProperAncestor(def);
}

/// Whether an op after the copy (in `copy`'s block, at any depth) may write
/// the memory of `src`.
bool mayBeWrittenAfter(memref::CopyOp copy, Value src) {
  llvm::SmallPtrSet<Value, 8> srcRoots;
  if (!possibleRoots(src, srcRoots))
    return true;
  scf::ForOp loop = carryingLoop(src);
  bool conflict = false;
  auto check = [&](Operation *op) {
    if (isa<memref::AllocOp, memref::AllocaOp>(op) ||
        isa<ViewLikeOpInterface>(op))
      return WalkResult::advance();
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects) {
      if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return WalkResult::advance(); // its nested ops are walked
      conflict = true;
      return WalkResult::interrupt();
    }
    SmallVector<MemoryEffects::EffectInstance> list;
    effects.getEffects(list);
    for (const auto &effect : list) {
      if (!isa<MemoryEffects::Write, MemoryEffects::Free>(effect.getEffect()))
        continue;
      Value written = effect.getValue();
      if (!written) {
        // A write to an unnamed resource: only the allocator's own.
        if (isa<MemoryEffects::Write>(effect.getEffect()) &&
            effect.getResource() !=
                SideEffects::AutomaticAllocationScopeResource::get()) {
          conflict = true;
          return WalkResult::interrupt();
        }
        continue;
      }
      llvm::SmallPtrSet<Value, 8> roots, visited;
      if (!possibleRoots(written, roots, visited)) {
        conflict = true;
        return WalkResult::interrupt();
      }
      bool throughLoopArg = loop && llvm::any_of(visited, [&](Value v) {
                              auto arg = dyn_cast<BlockArgument>(v);
                              return arg && arg.getOwner() == loop.getBody();
                            });
      for (Value root : roots)
        if (srcRoots.contains(root) && !isFresh(root, loop, throughLoopArg)) {
          conflict = true;
          return WalkResult::interrupt();
        }
    }
    return WalkResult::advance();
  };
  for (Operation *op = copy->getNextNode(); op && !conflict;
       op = op->getNextNode())
    op->walk(check);
  return conflict;
}

struct ElideReadOnlyCopiesPass
    : public PassWrapper<ElideReadOnlyCopiesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ElideReadOnlyCopiesPass)
  StringRef getArgument() const override {
    return "plstm-elide-read-only-copies";
  }
  StringRef getDescription() const override {
    return "After bufferization: `alloc + memref.copy %src` whose buffer is "
           "only read, while nothing after the copy may write %src, reads "
           "%src instead (the copies of loop-carried states that "
           "collapse_shape's bufferization makes)";
  }
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      Value src = copy.getSource(), dst = copy.getTarget();
      auto alloc = dst.getDefiningOp<memref::AllocOp>();
      if (!alloc || src.getType() != dst.getType() ||
          alloc->getBlock() != copy->getBlock() ||
          !alloc->isBeforeInBlock(copy))
        continue;
      // Nothing may use the buffer between its allocation and the copy.
      bool usedBefore = llvm::any_of(dst.getUsers(), [&](Operation *user) {
        Operation *ancestor = copy->getBlock()->findAncestorOpInBlock(*user);
        return ancestor && ancestor != copy.getOperation() &&
               ancestor->isBeforeInBlock(copy);
      });
      // Every reader in the copy's block (at any depth): the walk after the
      // copy covers what may run between the copy and the reads.
      if (usedBefore || !usersInBlock(dst, copy->getBlock()) ||
          !onlyRead(dst, copy) || mayBeWrittenAfter(copy, src))
        continue;
      copy.erase();
      dst.replaceAllUsesWith(src);
      alloc.erase();
    }
  }
};

} // namespace

std::unique_ptr<Pass> mlir::plstm::createElideReadOnlyCopiesPass() {
  return std::make_unique<ElideReadOnlyCopiesPass>();
}

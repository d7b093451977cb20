//===- CPUPipeline.cpp - the CPU pipeline: scan ops to the LLVM dialect ---===//
//
// The lowering lattice of the CPU path:
//
//   plstm layer ops
//     | plstm-decompose-layers
//   plstm scan ops + linalg (tensors)
//     | plstm-select-schedule, plstm-lower-{sequential,chunkwise,logdepth},
//     | plstm-check-lowered
//   scf.for + linalg.generic + tensor slices
//     | plstm-outputs-to-arguments,
//     | plstm-split-shared-empties,
//     | one-shot-bufferize (function boundaries, identity layouts;
//     | results equal to output arguments dropped),
//     | plstm-write-outputs-in-place, plstm-elide-read-only-copies,
//     | buffer deallocation
//   scf.for + linalg on memrefs
//     | scf.forall -> scf.parallel (parallel=false: scf.for),
//     | plstm-outline-regions
//   scf.for / scf.parallel + linalg on memrefs
//     | canonicalize, plstm-cpu-microkernels (contractions to
//     | register-blocked vector loop nests; microkernels=false: kept)
//   ... + vector.load/fma/store
//     | strided memref.copy -> linalg.copy, scf.parallel -> omp.parallel +
//     | omp.wsloop, convert-linalg-to-loops, lower-affine,
//     | expand-strided-metadata
//   scf / omp / arith / memref
//     | vector/arith/math/index/memref -> llvm (allocations through
//     | _mlir_memref_to_llvm_alloc/_free: runtime/KernelAlloc.c),
//     | scf->cf, func/cf/omp -> llvm (one conversion: convert-openmp-to-llvm
//     | carries the func, cf and arith patterns),
//     | llvm.emit_c_interface
//   LLVM dialect (+ omp ops on LLVM types; translated with the OpenMP IR
//   builder to __kmpc_* calls of libomp)
//
//===----------------------------------------------------------------------===//

#include "codegen/CPUTarget.h"
#include "codegen/CodegenPasses.h"
#include "passes/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
/// Marks every public function for the C interface (`_mlir_ciface_<name>`).
struct EmitCInterfacePass
    : public PassWrapper<EmitCInterfacePass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(EmitCInterfacePass)
  StringRef getArgument() const override { return "plstm-emit-c-interface"; }
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal()) {
        // Results that are output arguments (plstm-outputs-to-arguments)
        // are dropped: the caller owns those buffers.
        auto ret = cast<func::ReturnOp>(func.front().getTerminator());
        if (llvm::all_of(ret.getOperands(), [&](Value v) {
              auto arg = dyn_cast<BlockArgument>(v);
              return arg && arg.getOwner() == &func.front();
            })) {
          ret->setOperands({});
          func.setFunctionType(
              FunctionType::get(&getContext(), func.getArgumentTypes(), {}));
        }
        if (func.getNumResults() != 0) {
          func.emitError() << "kernel @" << func.getName()
                           << " still returns values after bufferization; "
                              "outputs must be written into its arguments";
          return signalPassFailure();
        }
        func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                      UnitAttr::get(&getContext()));
      }
  }
};
/// memref.copy between strided (non-identity) layouts would lower to a call
/// of MLIR's C runner utils (`memrefCopy`), which neither the JIT nor an AOT
/// library links: turn those copies into linalg.copy (then loops).
struct ExpandStridedCopiesPass
    : public PassWrapper<ExpandStridedCopiesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExpandStridedCopiesPass)
  StringRef getArgument() const override {
    return "plstm-expand-strided-copies";
  }
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      auto src = cast<MemRefType>(copy.getSource().getType());
      auto dst = cast<MemRefType>(copy.getTarget().getType());
      if (!src.getLayout().isIdentity() || !dst.getLayout().isIdentity())
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};

/// Moves every `scf.execute_region no_inline` into a private function of
/// its own (`__plstm_part_<kernel>_<N>`, unique in the module), called in its
/// place. The schedule
/// lowerings mark big straight-line pieces (the quad-tree levels of the 2D
/// tiled schedules) this way: LLVM's loop passes scale worse than linearly
/// with a function's size, so a few medium functions compile several times
/// faster than one large one. translateToLLVMIR keeps them out of line.
struct OutlineRegionsPass
    : public PassWrapper<OutlineRegionsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(OutlineRegionsPass)
  StringRef getArgument() const override { return "plstm-outline-regions"; }
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SymbolTable symbols(getOperation());
    int64_t next = 0;
    for (auto func : llvm::to_vector(getOperation().getOps<func::FuncOp>())) {
      SmallVector<scf::ExecuteRegionOp> regions;
      func.walk([&](scf::ExecuteRegionOp op) {
        if (op.getNoInline() && op.getRegion().hasOneBlock())
          regions.push_back(op);
      });
      for (scf::ExecuteRegionOp op : regions) {
        rewriter.setInsertionPoint(op);
        // A fresh name with the prefix translateToLLVMIR recognizes.
        std::string name;
        do
          name = (plstm::kOutlinedPrefix + func.getSymName() + "_" +
                  std::to_string(next++))
                     .str();
        while (symbols.lookup(name));
        FailureOr<func::FuncOp> outlined = outlineSingleBlockRegion(
            rewriter, op.getLoc(), op.getRegion(), name);
        if (failed(outlined)) {
          op.emitError("could not outline this region");
          return signalPassFailure();
        }
        outlined->setPrivate();
        // From inside an scf.while: the 2D quad tree's dynamic small levels
        // (kSmallLoopsAttr).
        if (op->getParentOfType<scf::WhileOp>())
          (*outlined)->setAttr("passthrough",
                               rewriter.getArrayAttr(rewriter.getStrArrayAttr(
                                   {plstm::kSmallLoopsAttr, "true"})));
        symbols.insert(*outlined);
      }
    }
  }
};
/// Gives every use of a tensor.empty an empty of its own. CSE merges equal
/// empties (the last right and down states of a square grid, in the 2D
/// sequential schedule the iter_args that carry them), and one-shot
/// bufferization then gave two loop-carried tensors started from the same
/// empty one buffer when nothing read the loop's results (the 4-orientation
/// ViT kernel, whose last states are unused: wrong outputs). Separate
/// empties are separate allocations.
struct SplitSharedEmptiesPass
    : public PassWrapper<SplitSharedEmptiesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SplitSharedEmptiesPass)
  StringRef getArgument() const override {
    return "plstm-split-shared-empties";
  }
  StringRef getDescription() const override {
    return "One tensor.empty per use (before bufferization)";
  }
  void runOnOperation() override {
    getOperation().walk([](tensor::EmptyOp empty) {
      if (empty->use_empty()) // drop_begin needs a use
        return;
      OpBuilder b(empty);
      for (OpOperand &use : llvm::make_early_inc_range(
               llvm::drop_begin(empty.getResult().getUses())))
        use.set(b.clone(*empty)->getResult(0));
    });
  }
};

/// After bufferization: an output built up in a kernel-sized allocation
/// and copied into its output argument at the end (one-shot bufferization
/// does that for outputs that loops build up from tensor.empty; upstream
/// empty-tensor elimination cannot help, since bufferization then reports a
/// RaW conflict on the loop whose init is the argument) is built up in the
/// argument instead: the allocation's uses take the argument, the copy and
/// the allocation go. 134 MB per call for 1d-xl's y, 200 MB for 2d-64's
/// outputs. Done when, in the function's entry block, `memref.alloc` A is
/// copied whole into argument M (same type, identity layout), M has no
/// other use, and every other use of A, and of the memref results of its
/// users (views, loop results: what may alias A), sits in an op before the
/// copy (or is a dealloc of A).
struct WriteOutputsInPlacePass
    : public PassWrapper<WriteOutputsInPlacePass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(WriteOutputsInPlacePass)
  StringRef getArgument() const override {
    return "plstm-write-outputs-in-place";
  }
  StringRef getDescription() const override {
    return "Outputs built up in an allocation copied into the output "
           "argument at the end are built up in the argument";
  }
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      Block &entry = func.front();
      for (auto copy :
           llvm::make_early_inc_range(entry.getOps<memref::CopyOp>())) {
        auto arg = dyn_cast<BlockArgument>(copy.getTarget());
        auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
        if (!arg || arg.getOwner() != &entry || !alloc ||
            alloc->getBlock() != &entry || alloc.getType() != arg.getType() ||
            !alloc.getType().getLayout().isIdentity() || !arg.hasOneUse())
          continue;
        // Every use of the allocation and of what may alias it (the memref
        // results of its users: views, loop results, ...) must sit before
        // the copy; deallocations of the allocation itself go with it.
        SmallVector<Operation *> deallocs;
        SmallVector<Value> aliases = {alloc.getResult()};
        llvm::SmallPtrSet<Operation *, 16> seen;
        bool ok = true;
        while (ok && !aliases.empty()) {
          Value value = aliases.pop_back_val();
          for (OpOperand &use : value.getUses()) {
            Operation *user = use.getOwner();
            if (user == copy && value == alloc.getResult())
              continue;
            if (isa<memref::DeallocOp>(user) && value == alloc.getResult()) {
              deallocs.push_back(user);
              continue;
            }
            Operation *top = entry.findAncestorOpInBlock(*user);
            if (!top || !top->isBeforeInBlock(copy)) {
              ok = false;
              break;
            }
            if (seen.insert(user).second)
              for (Value result : user->getResults())
                if (isa<MemRefType>(result.getType()))
                  aliases.push_back(result);
          }
        }
        if (!ok)
          continue;
        alloc.getResult().replaceUsesWithIf(arg, [&](OpOperand &use) {
          return use.getOwner() != copy.getOperation();
        });
        copy.erase();
        for (Operation *dealloc : deallocs)
          dealloc->erase();
        alloc.erase();
      }
    }
  }
};
} // namespace

void plstm::buildLLVMLowering(OpPassManager &pm, bool parallel) {
  pm.addPass(std::make_unique<ExpandStridedCopiesPass>());
  // scf.parallel -> omp.parallel + omp.wsloop (static schedule; the thread
  // count is the runtime's, set per call through omp_set_num_threads).
  if (parallel)
    pm.addPass(createConvertSCFToOpenMPPass());
  // Per function from here to the memref conversion: the pass manager
  // runs the functions (the kernel and its outlined regions) on the
  // context's threads.
  OpPassManager &perFunction = pm.nest<func::FuncOp>();
  perFunction.addPass(createConvertLinalgToLoopsPass());
  perFunction.addPass(createLowerAffinePass());
  // The microkernels' 16×16 packing transposes: AVX-512 shuffles.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.vectorTransposeLowering =
      vector::VectorTransposeLowering::Shuffle16x16;
  perFunction.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  perFunction.addPass(memref::createExpandStridedMetadataPass());
  perFunction.addPass(createLowerAffinePass());
  perFunction.addPass(createConvertMathToLLVMPass());
  perFunction.addPass(createArithToLLVMConversionPass());
  perFunction.addPass(createConvertIndexToLLVMPass());
  // Before scf -> cf: the loop bodies under omp.wsloop sit in
  // memref.alloca_scope, which must keep a single block until it is
  // lowered.
  // Allocations through _mlir_memref_to_llvm_alloc/_free: the kernels' own
  // heap (runtime/KernelAlloc.c), which keeps large blocks across calls.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addNestedPass<func::FuncOp>(createSCFToControlFlowPass());
  // func, cf and omp to LLVM in one walk: convert-openmp-to-llvm populates
  // the func, cf and arith patterns too, so convert-func-to-llvm and
  // convert-cf-to-llvm before it were two more walks of the whole module
  // (0.1 s of the 2D log-depth kernels' 1.3-1.5 s compile; the LLVM IR
  // is byte-identical).
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // No canonicalizer on the LLVM dialect: LLVM's own passes fold the same
  // (0.03-0.08 s of the 2D log-depth kernels' compile time; the kernels'
  // run times unchanged).
}

std::unique_ptr<Pass> plstm::createEmitCInterfacePass() {
  return std::make_unique<EmitCInterfacePass>();
}

std::unique_ptr<Pass> plstm::createExpandStridedCopiesPass() {
  return std::make_unique<ExpandStridedCopiesPass>();
}

void plstm::buildScheduleLowering(
    OpPassManager &pm, StringRef schedule, StringRef sizeHints,
    StringRef chunkOrder, bool fuseDagEdges, bool parallelOrientations,
    bool dynamicQuadLevels, function_ref<void(OpPassManager &)> afterSelect) {
  PLSTMSelectScheduleOptions select;
  select.force = schedule.str();
  select.sizeHints = sizeHints.str();
  pm.addPass(createPLSTMDecomposeLayers());
  pm.addPass(createPLSTMSelectSchedule(select));
  if (afterSelect)
    afterSelect(pm);
  PLSTMLowerSequentialOptions sequential;
  sequential.fuseDagEdges = fuseDagEdges;
  sequential.parallelOrientations = parallelOrientations;
  pm.addPass(createPLSTMLowerSequential(sequential));
  PLSTMLowerChunkwiseOptions chunkwise;
  chunkwise.chunkOrder = chunkOrder.str();
  chunkwise.dynamicQuadLevels = dynamicQuadLevels;
  pm.addPass(createPLSTMLowerChunkwise(chunkwise));
  PLSTMLowerLogdepthOptions logdepth;
  logdepth.dynamicQuadLevels = dynamicQuadLevels;
  logdepth.parallelOrientations = parallelOrientations;
  pm.addPass(createPLSTMLowerLogdepth(logdepth));
  pm.addPass(createPLSTMCheckLowered());
  pm.addPass(createPLSTMFuseGates());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void plstm::buildUnitDimFolding(OpPassManager &pm) {
  // Unit loops (J = 1 dims, the 1-wide borders of the first quad-tree
  // levels) out of every linalg op: deep nests of one-trip loops are slow to
  // compile (LLVM's loop passes) and to run.
  pm.addPass(createLinalgFoldUnitExtentDimsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void plstm::buildBufferization(OpPassManager &pm) {
  pm.addPass(std::make_unique<SplitSharedEmptiesPass>());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // Loop-carried states are new tensors every step (C_t from C_{t-1}).
  bufferize.allowReturnAllocsFromLoops = true;
  // Analysis from the terminators' use-def chains first: the same
  // decisions on the benchmark kernels (their LLVM IR and PTX are
  // byte-identical), 0.06 s instead of 0.10 s on the 2D log-depth kernels
  // (their quad-tree blocks are slices written in place, chains of
  // extract/insert slices the default bottom-up walk re-examines).
  bufferize.analysisHeuristic = "bottom-up-from-terminators";
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(std::make_unique<EmitCInterfacePass>());
  pm.addPass(createCanonicalizerPass());
}

void plstm::buildCPUPipeline(OpPassManager &pm,
                             const CPUPipelineOptions &options) {
  buildCPUScheduleLowering(pm, options);
  if (options.stopAfterScanLowering)
    return;
  buildCPULowering(pm, options);
}

void plstm::buildCPUScheduleLowering(OpPassManager &pm,
                                     const CPUPipelineOptions &options) {
  // 1D chunkwise: chunks in order per batch entry when the batch fills the
  // kernel's threads (decided per call), always without threads.
  // The quad trees' small levels as one loop with dynamic shapes (fewer
  // functions for LLVM: the 2D log-depth kernels' compile time).
  buildScheduleLowering(pm, options.schedule, options.sizeHints,
                        options.parallel ? "threads" : "in-order",
                        /*fuseDagEdges=*/true, /*parallelOrientations=*/false,
                        /*dynamicQuadLevels=*/true);
}

void plstm::buildCPULowering(OpPassManager &pm,
                             const CPUPipelineOptions &options) {
  buildUnitDimFolding(pm);
  pm.addPass(createPLSTMOutputsToArguments());
  buildBufferization(pm);
  // After the C interface pass (the results equal to output arguments are
  // gone) and canonicalization: outputs written in place.
  pm.addPass(std::make_unique<WriteOutputsInPlacePass>());
  // The copies of loop-carried states that collapse_shape's bufferization
  // makes (before the deallocation: it frees what is left).
  pm.addPass(createElideReadOnlyCopiesPass());
  // Independent iterations: scf.parallel (OpenMP below) or plain loops;
  // before the deallocation, which frees the buffers of scf.parallel
  // bodies but not those of scf.forall bodies.
  if (options.parallel)
    pm.addPass(createForallToParallelLoopPass());
  else
    pm.addPass(createForallToForLoopPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(std::make_unique<OutlineRegionsPass>());
  if (options.microkernels) {
    // Constant sizes folded into the views' types first: the microkernels
    // pick their blocks from static extents.
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    pm.addPass(createMicrokernelsPass());
  }
  if (options.stopBeforeLLVM)
    return;

  buildLLVMLowering(pm, options.parallel);
}

void plstm::registerCodegenPassesAndPipelines() {
  registerPLSTMCodegenPasses();
  registerPass([] { return createMicrokernelsPass(); });
  registerPass([] { return createElideReadOnlyCopiesPass(); });
  registerPass([] { return std::make_unique<WriteOutputsInPlacePass>(); });
  registerPass([] { return std::make_unique<SplitSharedEmptiesPass>(); });
  registerGPUPassesAndPipelines();
  PassPipelineRegistration<CPUPipelineOptions>(
      "plstm-cpu-pipeline",
      "Lower plstm scan ops to the LLVM dialect for the CPU (schedule "
      "selection, schedule lowering, contract check, bufferization with "
      "outputs as arguments, LLVM conversion with the C interface)",
      buildCPUPipeline);
}

//===- GPUPipeline.cpp - the NVPTX pipeline: plstm ops to PTX --------------===//
//
// The lowering lattice of the GPU path (ARCHITECTURE.md, docs/gpu.md):
//
//   plstm layer / scan ops on tensors
//     | plstm-outputs-to-arguments, plstm-split-batch
//   scf.forall over the batch rows { the row's plstm ops on tensor<1x...> }
//     | the CPU front end: decompose-layers, select-schedule, the schedule
//     | lowerings, check-lowered, fuse-gates                 (--stop=loops)
//   scf.forall { scf.forall ... linalg } on tensors
//     | plstm-gpu-fuse-elementwise,
//     | one-shot-bufferize, plstm-gpu-foralls (rows: scf.parallel, the
//     | schedules' inner foralls: scf.for), plstm-gpu-unit-rows,
//     | plstm-gpu-row-buffers, buffer deallocation, plstm-map-to-gpu
//   gpu.launch (a block per batch row) on memrefs           (--stop=gpu)
//     |                                   \ plstm-gpu-launch-to-loops +
//     |                                    \ the CPU LLVM lowering:
//     |                                     the same IR run on the host
//     | linalg -> loops, gpu-kernel-outlining, nvvm-attach-target,
//     | convert-gpu-to-nvvm                                  (--stop=nvvm)
//   gpu.module { llvm.func (NVVM) } + host launch code
//     | gpu-to-llvm, gpu-module-to-binary{format=isa}: LLVM's NVPTX backend
//   gpu.binary (PTX text), host code calling the mgpu* launch API
//
// Every batch row (for the scan ops: batch x heads) is independent. Each
// row runs its whole schedule in one thread block (codegen/GPURowBlocks.cpp:
// the schedule's ops spread over the block's threads between barriers, the
// row's buffers in shared memory or on the device heap), or, with
// threads-per-row=1 and for a row the block mapping does not take, in one
// thread. Both are checked on the CPU (the emulation above); docs/gpu.md
// says what is still missing for speed.
//
//===----------------------------------------------------------------------===//

#include "codegen/CodegenPasses.h"
#include "codegen/CPUTarget.h"
#include "dialect/PLSTMDialect.h"
#include "passes/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Regex.h"

#include <mutex>

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// plstm-split-batch
//===----------------------------------------------------------------------===//

/// Whether `use` (an operand of a plstm op) carries the batch as its first
/// dim: every float tensor operand except the layers' weights (the graph's
/// `edges` and `line_edges` are index tensors shared by all rows).
static bool isBatchedOperand(Operation *op, OpOperand &use) {
  auto type = dyn_cast<RankedTensorType>(use.get().getType());
  if (!type || !isa<FloatType>(type.getElementType()))
    return false;
  auto inWeights = [&](Operation::operand_range weights) {
    if (weights.empty())
      return false;
    unsigned first = weights.getBeginOperandIndex();
    return use.getOperandNumber() >= first &&
           use.getOperandNumber() < first + weights.size();
  };
  if (auto layer = dyn_cast<plstm::Layer1DOp>(op))
    return !inWeights(layer.getWeights());
  if (auto layer = dyn_cast<plstm::Layer2DOp>(op))
    return !inWeights(layer.getWeights());
  if (auto layer = dyn_cast<plstm::LayerDagOp>(op))
    return !inWeights(layer.getWeights());
  return true;
}

/// Rewrites each public function (after plstm-outputs-to-arguments)
///   @f(inputs, outputs) { r = plstm ops(inputs); materialize r in outputs }
/// into
///   @f(inputs, outputs) {
///     r = scf.forall (%b) in (B) shared_outs(outputs) {
///       the same ops on row b of each batched input (a slice of extent
///       min(B - b, 1)); parallel_insert_slice into row b of outputs }
///     materialize r in outputs }
/// Rows are independent in every plstm op (SPEC: batch and heads never
/// mix), so each can run on its own GPU thread.
struct SplitBatchPass
    : public PassWrapper<SplitBatchPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SplitBatchPass)
  StringRef getArgument() const override { return "plstm-split-batch"; }
  StringRef getDescription() const override {
    return "Run each kernel's plstm ops once per batch row, inside an "
           "scf.forall over the rows (after plstm-outputs-to-arguments)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<scf::SCFDialect, tensor::TensorDialect, gpu::GPUDialect>();
  }
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal() && failed(split(func)))
        return signalPassFailure();
  }

  LogicalResult split(func::FuncOp func) {
    Block &entry = func.front();
    auto ret = dyn_cast<func::ReturnOp>(entry.getTerminator());
    if (!ret || !func.getBody().hasOneBlock())
      return func.emitError("plstm-split-batch: kernel @")
             << func.getName() << " must be one block ending in func.return";
    SmallVector<bufferization::MaterializeInDestinationOp> outputs;
    for (Value v : ret.getOperands()) {
      auto mat = v.getDefiningOp<bufferization::MaterializeInDestinationOp>();
      if (!mat || !isa<BlockArgument>(mat.getDest()))
        return func.emitError("plstm-split-batch: kernel @")
               << func.getName()
               << " must return its results through output arguments (run "
                  "plstm-outputs-to-arguments first)";
      outputs.push_back(mat);
    }
    if (outputs.empty())
      return func.emitError("plstm-split-batch: kernel @")
             << func.getName() << " has no results";
    SmallVector<Operation *> body;
    for (Operation &op : entry.without_terminator())
      if (!llvm::is_contained(outputs, &op))
        body.push_back(&op);

    // Which arguments carry the batch: decided by the plstm ops reading
    // them; anything else reading an argument is not supported.
    DenseSet<Value> outputArgs;
    for (auto mat : outputs)
      outputArgs.insert(mat.getDest());
    SmallVector<BlockArgument> batched;
    DenseMap<Value, Type> originalTypes;
    for (BlockArgument arg : entry.getArguments()) {
      if (outputArgs.contains(arg))
        continue;
      std::optional<bool> isBatched;
      for (OpOperand &use : arg.getUses()) {
        Operation *user = use.getOwner();
        if (!isa<plstm::PLSTMDialect>(user->getDialect()))
          return user->emitError("plstm-split-batch: argument #")
                 << arg.getArgNumber() << " of @" << func.getName()
                 << " is read by '" << user->getName()
                 << "'; the GPU path maps kernels whose arguments only plstm "
                    "ops read";
        bool b = isBatchedOperand(user, use);
        if (isBatched && *isBatched != b)
          return user->emitError("plstm-split-batch: argument #")
                 << arg.getArgNumber() << " of @" << func.getName()
                 << " is a batched operand of one op and a shared one of "
                    "another";
        isBatched = b;
      }
      if (isBatched.value_or(false)) {
        auto type = cast<RankedTensorType>(arg.getType());
        if (!type.isDynamicDim(0) && type.getDimSize(0) != 1)
          return func.emitError("plstm-split-batch: argument #")
                 << arg.getArgNumber() << " of @" << func.getName()
                 << " has a static batch of " << type.getDimSize(0)
                 << "; the GPU path takes a dynamic batch (or 1)";
        batched.push_back(arg);
        originalTypes[arg] = arg.getType();
      }
    }
    if (batched.empty())
      return func.emitError("plstm-split-batch: kernel @")
             << func.getName() << " has no batched input";
    for (Operation *op : body)
      for (Value result : op->getResults())
        for (Operation *user : result.getUsers())
          if (user->getBlock() != &entry)
            return op->emitError("plstm-split-batch: unexpected use");

    // The batch dim of the batched inputs and of the outputs becomes
    // dynamic in the kernel's signature (same descriptors, the same ABI):
    // a spec with a static batch of 1 would otherwise get a rows loop of
    // one iteration, which the canonicalizer folds away.
    auto relax = [](Value v) {
      auto type = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape[0] = ShapedType::kDynamic;
      v.setType(RankedTensorType::get(shape, type.getElementType()));
    };
    for (BlockArgument arg : batched)
      relax(arg);
    for (auto mat : outputs) {
      relax(mat.getDest());
      relax(mat.getResult());
    }
    func.setFunctionType(FunctionType::get(func.getContext(),
                                           entry.getArgumentTypes(),
                                           ret.getOperandTypes()));
    Location loc = func.getLoc();
    OpBuilder b(&entry, entry.begin());
    Value batch = tensor::DimOp::create(b, loc, batched.front(), 0);
    SmallVector<Value> dests;
    for (auto mat : outputs)
      dests.push_back(mat.getDest());
    b.setInsertionPoint(outputs.front());
    // Mapped to GPU blocks: besides saying what it becomes, a mapping keeps
    // the canonicalizer from folding away a loop of one row (a static batch
    // of 1), which must still become a launch.
    auto forall = scf::ForallOp::create(
        b, loc, {OpFoldResult(batch)}, dests,
        b.getArrayAttr({gpu::GPUBlockMappingAttr::get(b.getContext(),
                                                      gpu::MappingId::DimX)}));
    Value row = forall.getInductionVar(0);
    b.setInsertionPointToStart(forall.getBody());
    // The row's extent along the batch dim: min(B - b, 1), i.e. 1, but not
    // a constant. With a static 1 the canonicalizer propagates the batch
    // size into the schedules' rank-reducing slices, where MLIR 22's
    // extract_slice folding crashes on the now ambiguous unit dims (the
    // graph layer); the kernels do not need to know it anyway.
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value rowExtent = arith::MinSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, batch, row), one);
    IRMapping mapping;
    auto rowSlice = [&](Value tensor, SmallVector<OpFoldResult> &offsets,
                        SmallVector<OpFoldResult> &sizes,
                        SmallVector<OpFoldResult> &strides) {
      auto type = cast<RankedTensorType>(tensor.getType());
      offsets.assign({row});
      sizes.assign({rowExtent});
      strides.assign(type.getRank(), b.getIndexAttr(1));
      for (int64_t d = 1; d < type.getRank(); ++d) {
        offsets.push_back(b.getIndexAttr(0));
        if (type.isDynamicDim(d))
          sizes.push_back(tensor::DimOp::create(b, loc, tensor, d).getResult());
        else
          sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
      }
    };
    for (BlockArgument arg : batched) {
      SmallVector<OpFoldResult> offsets, sizes, strides;
      rowSlice(arg, offsets, sizes, strides);
      Value slice =
          tensor::ExtractSliceOp::create(b, loc, arg, offsets, sizes, strides);
      Type original = originalTypes.lookup(arg);
      if (slice.getType() != original)
        slice = tensor::CastOp::create(b, loc, original, slice);
      mapping.map(arg, slice);
    }
    for (Operation *op : body)
      b.clone(*op, mapping);
    SmallVector<Value> rows;
    SmallVector<SmallVector<OpFoldResult>> offsetsOf, sizesOf, stridesOf;
    for (auto mat : outputs) {
      Value result = mapping.lookupOrDefault(mat.getSource());
      SmallVector<OpFoldResult> offsets, sizes, strides;
      rowSlice(result, offsets, sizes, strides);
      // The slice's type has a dynamic row extent (a static batch of 1 in
      // the spec gives a static one in the result).
      auto type = cast<RankedTensorType>(result.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape[0] = ShapedType::kDynamic;
      auto sliceType = RankedTensorType::get(shape, type.getElementType());
      if (sliceType != type)
        result = tensor::CastOp::create(b, loc, sliceType, result);
      rows.push_back(result);
      offsetsOf.push_back(offsets);
      sizesOf.push_back(sizes);
      stridesOf.push_back(strides);
    }
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    for (auto [i, rowValue] : llvm::enumerate(rows))
      tensor::ParallelInsertSliceOp::create(
          b, loc, rowValue, forall.getRegionIterArgs()[i], offsetsOf[i],
          sizesOf[i], stridesOf[i]);
    for (auto [i, mat] : llvm::enumerate(outputs))
      mat.getSourceMutable().assign(forall.getResult(i));
    for (Operation *op : llvm::reverse(body))
      op->erase();
    return success();
  }
};

//===----------------------------------------------------------------------===//
// plstm-gpu-foralls
//===----------------------------------------------------------------------===//

/// After bufferization: the outermost scf.forall of each kernel (the rows of
/// plstm-split-batch) becomes an scf.parallel for plstm-map-to-gpu; the
/// schedules' foralls inside it become scf.for loops run by the row's
/// thread.
struct GPUForallsPass
    : public PassWrapper<GPUForallsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUForallsPass)
  StringRef getArgument() const override { return "plstm-gpu-foralls"; }
  StringRef getDescription() const override {
    return "Outermost scf.forall to scf.parallel, nested ones to scf.for";
  }
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<scf::ForallOp> nested, outer;
    getOperation().walk([&](scf::ForallOp op) {
      (op->getParentOfType<scf::ForallOp>() ? nested : outer).push_back(op);
    });
    // Post-order: inner loops come first.
    for (scf::ForallOp op : nested) {
      // A one-dim forall at the row's level (directly in the rows loop or in
      // its loop over the row's one batch entry), or in a loop there (the
      // 2D wavefronts), is a loop over a schedule's chunks or tiles: marked
      // for plstm-gpu-chunk-grid.
      auto isRows = [](Operation *p) {
        return isa<scf::ForallOp>(p) && !p->getParentOfType<scf::ForallOp>();
      };
      auto isRowBody = [&](Operation *p) {
        return isRows(p) || (isa<scf::ForOp>(p) && isRows(p->getParentOp()));
      };
      Operation *parent = op->getParentOp();
      bool rowLevel = op.getRank() == 1 &&
                      (isRowBody(parent) || (isa<scf::ForOp>(parent) &&
                                             isRowBody(parent->getParentOp())));
      rewriter.setInsertionPoint(op);
      SmallVector<Operation *> loops;
      if (failed(scf::forallToForLoop(rewriter, op, &loops))) {
        op.emitError("plstm-gpu-foralls: cannot turn this scf.forall into "
                     "sequential loops");
        return signalPassFailure();
      }
      if (rowLevel && loops.size() == 1)
        loops.front()->setAttr(plstm::kGPUChunksAttr, rewriter.getUnitAttr());
    }
    for (scf::ForallOp op : outer) {
      rewriter.setInsertionPoint(op);
      if (failed(scf::forallToParallelLoop(rewriter, op))) {
        op.emitError("plstm-gpu-foralls: cannot turn this scf.forall into "
                     "an scf.parallel (it still has tensor results?)");
        return signalPassFailure();
      }
    }
  }
};

//===----------------------------------------------------------------------===//
// plstm-map-to-gpu
//===----------------------------------------------------------------------===//

/// Each outermost scf.parallel of a kernel becomes a gpu.launch. A loop
/// prepared by plstm-gpu-row-buffers, with threads-per-row != 1, gets a block
/// per iteration (mapRowsToBlocks, codegen/GPURowBlocks.cpp). Any other gets
/// one thread per iteration: a 1-D grid of ceil(N / block-size) blocks, the
/// iteration i = blockIdx.x * blockDim.x + threadIdx.x (delinearized over the
/// loop's dims), guarded by i < N. Host code left outside the launches must
/// not touch memory (it runs on the host, the buffers live on the device).
struct MapToGPUPass
    : public PassWrapper<MapToGPUPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MapToGPUPass)
  MapToGPUPass() = default;
  MapToGPUPass(const MapToGPUPass &other) : PassWrapper(other) {}
  MapToGPUPass(int64_t blockSize, int64_t threadsPerRow, bool emulate,
               int64_t sharedBytes, bool prefetch, bool raceCheck,
               bool registerTiles, bool fuseLoops) {
    this->blockSize = blockSize;
    this->threadsPerRow = threadsPerRow;
    this->emulate = emulate;
    this->sharedBytes = sharedBytes;
    this->prefetch = prefetch;
    this->raceCheck = raceCheck;
    this->registerTiles = registerTiles;
    this->fuseLoops = fuseLoops;
  }
  StringRef getArgument() const override { return "plstm-map-to-gpu"; }
  StringRef getDescription() const override {
    return "Outermost scf.parallel loops of each kernel to gpu.launch (a "
           "block per iteration where prepared, else a thread per iteration)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect, scf::SCFDialect, arith::ArithDialect,
                    memref::MemRefDialect, linalg::LinalgDialect,
                    LLVM::LLVMDialect>();
  }
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Threads per block"),
                            llvm::cl::init(32)};
  Option<int64_t> threadsPerRow{
      *this, "threads-per-row",
      llvm::cl::desc("Threads of the block running one row (rows prepared by "
                     "plstm-gpu-row-buffers); 0: chosen per row "
                     "(autoThreadsPerRow); 1: one thread per row"),
      llvm::cl::init(1)};
  Option<bool> emulate{
      *this, "emulate",
      llvm::cl::desc("Block-per-row rows for plstm-gpu-launch-to-loops: one "
                     "real thread per block, the threads as a loop"),
      llvm::cl::init(false)};
  Option<int64_t> sharedBytes{
      *this, "shared-bytes",
      llvm::cl::desc("Workgroup memory per block for the rows' static "
                     "buffers (0 to 232448; beyond 49152 as dynamic shared "
                     "memory, within what the chip allows)"),
      llvm::cl::init(49152)};
  Option<bool> prefetch{
      *this, "prefetch",
      llvm::cl::desc("Block per row: memref.prefetch of the inputs of the "
                     "step two ahead in each sequential loop"),
      llvm::cl::init(true)};
  Option<bool> registerTiles{
      *this, "register-tiles",
      llvm::cl::desc("Block per row: a thread computes a tile of up to 4 x 4 "
                     "outputs of a matrix product with many more outputs "
                     "than threads"),
      llvm::cl::init(true)};
  Option<bool> fuseLoops{
      *this, "fuse-loops",
      llvm::cl::desc("Block per row: distributed ops with no barrier between "
                     "them fuse into one loop over the threads, and "
                     "launch-local buffers nothing reads then go"),
      llvm::cl::init(true)};
  Option<bool> raceCheck{
      *this, "race-check",
      llvm::cl::desc("With emulate: keep the barriers and mark the loops over "
                     "the virtual threads and thread 0's ops, for "
                     "plstm-gpu-race-instrument"),
      llvm::cl::init(false)};

  void runOnOperation() override {
    if (blockSize < 1 || blockSize > 1024) {
      getOperation().emitError("plstm-map-to-gpu: block-size = ")
          << static_cast<int64_t>(blockSize) << ", expected 1 to 1024";
      return signalPassFailure();
    }
    if (sharedBytes < 0 || sharedBytes > plstm::kMaxSharedBytesAnyChip) {
      getOperation().emitError("plstm-map-to-gpu: shared-bytes = ")
          << static_cast<int64_t>(sharedBytes) << ", expected 0 to "
          << plstm::kMaxSharedBytesAnyChip;
      return signalPassFailure();
    }
    if (threadsPerRow < 0 || threadsPerRow > 1024) {
      getOperation().emitError("plstm-map-to-gpu: threads-per-row = ")
          << static_cast<int64_t>(threadsPerRow)
          << ", expected 0 (chosen per row) or 1 to 1024";
      return signalPassFailure();
    }
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal() || !func.isPublic())
        continue;
      for (scf::ParallelOp loop : plstm::outermostParallelLoops(func)) {
        bool block = threadsPerRow != 1 && plstm::canMapRowsToBlocks(loop);
        int64_t threads = threadsPerRow == 0 && block
                              ? plstm::autoThreadsPerRow(loop)
                              : static_cast<int64_t>(threadsPerRow);
        if (failed(block ? plstm::mapRowsToBlocks(
                               loop, threads, emulate, sharedBytes, prefetch,
                               raceCheck, registerTiles, fuseLoops)
                         : map(loop)))
          return signalPassFailure();
      }

      WalkResult host = func.walk<WalkOrder::PreOrder>([&](Operation *op) {
        if (isa<gpu::LaunchOp>(op))
          return WalkResult::skip();
        // The buffers plstm-gpu-chunk-grid shares between launches are
        // allocated and freed by the host.
        if (op == func.getOperation() || isMemoryEffectFree(op) ||
            isa<func::ReturnOp, gpu::WaitOp, scf::ForOp, scf::YieldOp>(op) ||
            op->hasAttr(plstm::kGPUScratchAttr))
          return WalkResult::advance();
        op->emitError("plstm-map-to-gpu: host code of kernel @")
            << func.getName() << " touches memory ('" << op->getName()
            << "'); on the GPU path every memory access must be inside a "
               "gpu.launch";
        return WalkResult::interrupt();
      });
      if (host.wasInterrupted())
        return signalPassFailure();
    }
  }

  LogicalResult map(scf::ParallelOp loop) {
    if (!loop.getInitVals().empty())
      return loop.emitError("plstm-map-to-gpu: scf.parallel with reductions "
                            "is not supported");
    Location loc = loop.getLoc();
    OpBuilder b(loop);
    // Trip counts, the total, the grid.
    SmallVector<Value> trips;
    Value total = plstm::buildTripCounts(b, loc, loop, trips);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value threads = arith::ConstantIndexOp::create(b, loc, blockSize);
    Value blocks = b.createOrFold<arith::CeilDivSIOp>(loc, total, threads);
    auto launch = gpu::LaunchOp::create(b, loc, blocks, one, one, threads,
                                        one, one);
    Block &body = launch.getBody().front();
    b.setInsertionPointToStart(&body);
    Value block = launch.getBlockIds().x;
    Value thread = launch.getThreadIds().x;
    Value width = launch.getBlockSize().x;
    Value index = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, block, width), thread);
    Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                          index, total);
    auto guard = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
    gpu::TerminatorOp::create(b, loc);
    b.setInsertionPointToStart(&guard.getThenRegion().front());
    IRMapping mapping;
    plstm::mapDelinearized(b, loc, loop, trips, index, mapping);
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, mapping);
    loop.erase();
    return success();
  }
};

//===----------------------------------------------------------------------===//
// plstm-gpu-sink
//===----------------------------------------------------------------------===//

/// The N of sm_N[a|f]; 0 for anything else.
static unsigned chipVersion(llvm::StringRef chip) {
  llvm::Regex pattern("^sm_([0-9]+)[af]?$");
  SmallVector<StringRef> groups;
  unsigned version = 0;
  if (!pattern.match(chip, &groups) || groups[1].getAsInteger(10, version))
    return 0;
  return version;
}

/// In the GPU module after the NVVM conversion: each llvm.intr.prefetch
/// (from the block mapping's memref.prefetch, which the NVPTX backend
/// would drop) becomes nvvm.prefetch level = L2 of the address in the
/// global space (PTX `prefetch.global.L2`, PTX ISA 8.0) for sm_90 and
/// later (LLVM 22's NVPTX backend selects it there only); for older chips
/// it is removed.
/// The block's dynamic shared memory as PTX's `.extern .shared ... []`:
/// convert-gpu-to-nvvm makes gpu.dynamic_shared_memory an internal
/// zero-length array in address space 3, which the NVPTX back end writes as
/// a one-byte static variable (`.shared .b8 name;`): the accesses past it
/// would miss the dynamic shared memory the launch allocates after the
/// static one. External (a declaration), it is the start of that memory.
struct GPUExternDynamicSharedPass
    : public PassWrapper<GPUExternDynamicSharedPass,
                         OperationPass<gpu::GPUModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUExternDynamicSharedPass)
  StringRef getArgument() const override {
    return "plstm-gpu-extern-dynamic-shared";
  }
  StringRef getDescription() const override {
    return "The dynamic shared memory symbol of convert-gpu-to-nvvm as an "
           "external declaration (PTX .extern .shared)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<LLVM::LLVMDialect>();
  }
  void runOnOperation() override {
    getOperation().walk([&](LLVM::GlobalOp global) {
      auto array = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
      if (global.getAddrSpace() != 3 || !array || array.getNumElements() != 0 ||
          global.getValueAttr() || !global.getInitializerRegion().empty())
        return;
      global.setLinkage(LLVM::Linkage::External);
    });
  }
};

struct GPUPrefetchToNVVMPass
    : public PassWrapper<GPUPrefetchToNVVMPass,
                         OperationPass<gpu::GPUModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUPrefetchToNVVMPass)
  StringRef getArgument() const override {
    return "plstm-gpu-prefetch-to-nvvm";
  }
  StringRef getDescription() const override {
    return "llvm.intr.prefetch to nvvm.prefetch level = L2 (global space)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<LLVM::LLVMDialect, NVVM::NVVMDialect>();
  }
  void runOnOperation() override {
    SmallVector<LLVM::Prefetch> prefetches;
    getOperation().walk([&](LLVM::Prefetch op) { prefetches.push_back(op); });
    bool hopper = false;
    if (ArrayAttr targets = getOperation().getTargetsAttr())
      for (Attribute target : targets)
        if (auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(target))
          hopper = chipVersion(nvvm.getChip()) >= 90;
    for (LLVM::Prefetch op : prefetches) {
      if (!hopper) {
        op.erase();
        continue;
      }
      OpBuilder b(op);
      Value address = op.getAddr();
      auto global = LLVM::LLVMPointerType::get(&getContext(), 1);
      if (address.getType() != global)
        address =
            LLVM::AddrSpaceCastOp::create(b, op.getLoc(), global, address);
      NVVM::PrefetchOp::create(b, op.getLoc(),
                               NVVM::PrefetchCacheLevelAttr::get(
                                   &getContext(), NVVM::PrefetchCacheLevel::L2),
                               /*evictPriority=*/nullptr, address,
                               /*predicate=*/Value());
      op.erase();
    }
  }
};

/// Copies the constants, dims, index arithmetic and views a gpu.launch uses
/// from the host code into its body (run right before kernel outlining; the
/// greedy rewriters hoist constants out of launches, which are not isolated
/// from above). The outlined kernels' parameters are then the function's
/// memref arguments only: the ABI of the launch description.
struct GPUSinkPass
    : public PassWrapper<GPUSinkPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUSinkPass)
  StringRef getArgument() const override { return "plstm-gpu-sink"; }
  StringRef getDescription() const override {
    return "Recompute the side-effect-free values a gpu.launch uses inside "
           "it (kernel parameters: memref arguments only)";
  }
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches)
      if (failed(sinkOperationsIntoLaunchOp(launch, [](Operation *op) {
            return op->getNumRegions() == 0 && isMemoryEffectFree(op);
          })))
        return signalPassFailure();
  }
};

/// After kernel outlining (a gpu.module per launch): every kernel in the
/// first gpu.module, so that one PTX module holds all the launches of a
/// spec (plstm-gpu-chunk-grid makes several); each kernel keeps the name of
/// the module it came from (unique).
/// Marks the module (kGPULogdepthAttr) when one of its scan ops has the
/// log-depth schedule (after plstm-select-schedule), and (kGPUDagAttr)
/// when it has a DAG scan: lsr=auto is then off for all its kernels.
struct GPUNoteLogdepthPass
    : public PassWrapper<GPUNoteLogdepthPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUNoteLogdepthPass)
  StringRef getArgument() const override { return "plstm-gpu-note-logdepth"; }
  StringRef getDescription() const override {
    return "Mark the module when a scan op has the log-depth schedule, or "
           "when it has a DAG scan (for plstm-gpu-module-to-binary's "
           "lsr=auto)";
  }
  void runOnOperation() override {
    WalkResult found = getOperation().walk([](Operation *op) {
      auto schedule = op->getAttrOfType<plstm::ScheduleAttr>("schedule");
      return schedule && schedule.getKind() == plstm::ScheduleKind::Logdepth
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (found.wasInterrupted())
      getOperation()->setAttr(plstm::kGPULogdepthAttr,
                              UnitAttr::get(&getContext()));
    if (getOperation()
            .walk([](plstm::ScanDagOp) { return WalkResult::interrupt(); })
            .wasInterrupted())
      getOperation()->setAttr(plstm::kGPUDagAttr, UnitAttr::get(&getContext()));
  }
};

/// Fuses each elementwise linalg.generic on tensors (all loops parallel)
/// into the one linalg.generic that uses its result, before
/// bufferization: the consumer recomputes the element where it reads it.
/// On the GPU each op of a row is a pass over the block's threads with a
/// barrier after it; a consumer that reads other threads' elements (the
/// sequential step's read-out reads all of the scaled query) needed one
/// between the two. The 1D and 2D sequential steps: 3 barriers -> 2.
struct GPUFuseElementwisePass
    : public PassWrapper<GPUFuseElementwisePass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUFuseElementwisePass)
  StringRef getArgument() const override {
    return "plstm-gpu-fuse-elementwise";
  }
  StringRef getDescription() const override {
    return "Fuse elementwise linalg.generic ops on tensors into their one "
           "linalg.generic user (fewer passes and barriers a row)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<linalg::LinalgDialect, tensor::TensorDialect>();
  }
  /// Whether the producer of `consumer`'s input `operand` is fused: an
  /// elementwise linalg.generic of the same block with this one use, whose
  /// body reads no output (an output it reads, `out + x`, would stay an
  /// output of the fused op, updated once per element of the consumer's
  /// other dims: linalg keeps it, and the value goes wrong where the
  /// consumer's map repeats elements) and is cheap: at most
  /// kMaxRecomputedOps arith ops, recomputed wherever the consumer reads
  /// the element (the query scale: one multiply).
  static constexpr unsigned kMaxRecomputedOps = 2;
  static bool isCandidate(linalg::GenericOp consumer, OpOperand *operand) {
    auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
    if (!producer || !producer->hasOneUse() ||
        producer->getBlock() != consumer->getBlock() ||
        producer.getNumLoops() != producer.getNumParallelLoops() ||
        producer->getNumResults() != 1)
      return false;
    for (OpOperand &init : producer.getDpsInitsMutable())
      if (producer.payloadUsesValueFromOperand(&init))
        return false;
    unsigned ops = 0;
    for (Operation &op : producer.getRegion().front().without_terminator())
      if (!isa<arith::ArithDialect>(op.getDialect()) ||
          ++ops > kMaxRecomputedOps)
        return false;
    return linalg::areElementwiseOpsFusable(operand);
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    bool changed = true;
    while (changed) {
      changed = false;
      SmallVector<OpOperand *> candidates;
      getOperation().walk([&](linalg::GenericOp consumer) {
        for (OpOperand *operand : consumer.getDpsInputOperands())
          if (isCandidate(consumer, operand))
            candidates.push_back(operand);
      });
      for (OpOperand *operand : candidates) {
        rewriter.setInsertionPoint(operand->getOwner());
        FailureOr<linalg::ElementwiseOpFusionResult> fused =
            linalg::fuseElementwiseOps(rewriter, operand);
        if (failed(fused))
          continue;
        Operation *consumer = operand->getOwner();
        Operation *producer = operand->get().getDefiningOp();
        for (auto [from, to] : fused->replacements)
          rewriter.replaceAllUsesExcept(from, to, fused->fusedOp);
        rewriter.eraseOp(consumer);
        if (producer->use_empty())
          rewriter.eraseOp(producer);
        changed = true;
        break; // the other candidates may name erased ops
      }
    }
  }
};

/// An all-parallel linalg.generic whose init is a tensor.empty its body
/// does not read, and that reads an input of the init's type at the same
/// identity indexing map, used by nothing else, writes into that input's
/// tensor (not a function's argument: the caller's buffer), preferring a
/// loop's carried tensor: the input becomes the init too (the body still reads
/// the input's element, the one it overwrites). linalg's unit-dim folding makes
/// such ops of `out + x` (it moves an init the body reads to the inputs:
/// the DAG's edge terms acc + t·C, once their J = 1 reduction dim is
/// gone); one-shot bufferization then gave each a new buffer, and the loop
/// carrying acc two copies a term. An elementwise op may read and write
/// one buffer, so it now updates acc in place.
struct GPUOutputsInPlacePass
    : public PassWrapper<GPUOutputsInPlacePass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUOutputsInPlacePass)
  StringRef getArgument() const override {
    return "plstm-gpu-outputs-in-place";
  }
  StringRef getDescription() const override {
    return "An elementwise linalg.generic into a tensor.empty writes into "
           "an input of the same type and identity map used only by it "
           "(bufferized in place, not into a new buffer)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<linalg::LinalgDialect, tensor::TensorDialect>();
  }
  void runOnOperation() override {
    llvm::SetVector<Operation *> replaced; // the empties, maybe dead now
    getOperation().walk([&](linalg::GenericOp op) {
      if (!op.hasPureTensorSemantics() ||
          op.getNumLoops() != op.getNumParallelLoops())
        return;
      for (OpOperand &init : op.getDpsInitsMutable()) {
        if (!init.get().getDefiningOp<tensor::EmptyOp>() ||
            op.payloadUsesValueFromOperand(&init) ||
            !op.getMatchingIndexingMap(&init).isIdentity())
          continue;
        // A loop's carried tensor (through reshapes) first: its buffer
        // is the loop's; not a slice of a larger tensor (the DAG's states:
        // writing one would copy it out of the others).
        Value best;
        int bestRank = 0;
        for (OpOperand *input : op.getDpsInputOperands()) {
          Value value = input->get();
          if (value.getType() != init.get().getType() ||
              !op.getMatchingIndexingMap(input).isIdentity() ||
              !value.hasOneUse() ||
              value.getDefiningOp<tensor::ExtractSliceOp>())
            continue;
          Value root = value;
          while (Operation *def = root.getDefiningOp())
            if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def))
              root = def->getOperand(0);
            else
              break;
          auto arg = dyn_cast<BlockArgument>(root);
          Operation *owner = arg ? arg.getOwner()->getParentOp() : nullptr;
          // A function's argument is the caller's buffer (bufferization
          // takes the arguments as writable): never written.
          if (isa_and_present<FunctionOpInterface>(owner))
            continue;
          int rank = isa_and_present<scf::ForOp>(owner) ? 2 : 1;
          if (rank > bestRank) {
            best = value;
            bestRank = rank;
          }
        }
        if (!best)
          continue;
        replaced.insert(init.get().getDefiningOp());
        init.set(best);
      }
    });
    for (Operation *empty : replaced)
      if (empty->use_empty())
        empty->erase();
  }
};

/// While alive, LLVM's -disable-lsr is true: the NVPTX back end generates
/// code without Loop Strength Reduction. The option is the process's
/// (TargetPassConfig's): a value from the command line (plstm-compile
/// --disable-lsr) stands.
class DisableLSRScope {
public:
  /// False when LLVM has no -disable-lsr.
  bool enter() {
    auto &options = llvm::cl::getRegisteredOptions();
    auto it = options.find("disable-lsr");
    if (it == options.end())
      return false;
    if (it->second->getNumOccurrences() == 0) {
      option = it->second;
      option->addOccurrence(0, "disable-lsr", "true");
    }
    return true;
  }
  ~DisableLSRScope() {
    if (option)
      option->reset();
  }

private:
  llvm::cl::Option *option = nullptr;
};

/// gpu-module-to-binary (format isa: PTX through LLVM's NVPTX back end),
/// with or without LLVM's Loop Strength Reduction. With it, ptxas gave the
/// log-depth kernels of the benchmark shapes more registers than a thread
/// has: LSR keeps one pointer induction variable per memory stream of the
/// unrolled quad-tree merges and DAG squarings (vit_16x16: 472 B of spills,
/// 0 without; the molecules DAG: 40 B), so lsr=auto turns it off there and
/// keeps it for the schedules measured on a GPU with it. Also off for the
/// DAG modules of every schedule: the molecules DAG's sequential kernel
/// spilled 8 B around its device malloc with it (64 registers, 40 without).
struct GPUModuleToBinaryPass
    : public PassWrapper<GPUModuleToBinaryPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUModuleToBinaryPass)
  GPUModuleToBinaryPass() = default;
  GPUModuleToBinaryPass(const GPUModuleToBinaryPass &other)
      : PassWrapper(other) {}
  GPUModuleToBinaryPass(StringRef lsr, StringRef toolkit) {
    this->lsr = lsr.str();
    this->toolkit = toolkit.str();
  }
  StringRef getArgument() const override {
    return "plstm-gpu-module-to-binary";
  }
  StringRef getDescription() const override {
    return "gpu-module-to-binary{format=isa} with LLVM's loop strength "
           "reduction on or off";
  }
  Option<std::string> lsr{
      *this, "lsr",
      llvm::cl::desc("on, off, or auto: off when the module is marked "
                     "plstm.gpu_logdepth"),
      llvm::cl::init("auto")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit (libdevice for the math functions)"),
      llvm::cl::init("/usr/local/cuda")};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!plstm::isValidLsrMode(lsr)) {
      module.emitError("plstm-gpu-module-to-binary: lsr is '")
          << lsr << "'; expected on, off or auto";
      return signalPassFailure();
    }
    bool reduce = lsr == "auto" ? !module->hasAttr(plstm::kGPULogdepthAttr) &&
                                      !module->hasAttr(plstm::kGPUDagAttr)
                                : lsr == "on";
    GpuModuleToBinaryPassOptions binary;
    binary.compilationTarget = "isa";
    binary.toolkitPath = toolkit;
    OpPassManager inner(ModuleOp::getOperationName());
    inner.addPass(createGpuModuleToBinaryPass(binary));
    // One at a time: the option is the process's.
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    DisableLSRScope noLSR;
    if (!reduce && !noLSR.enter()) {
      module.emitError("plstm-gpu-module-to-binary: lsr=")
          << lsr << " needs LLVM's -disable-lsr option, which this LLVM "
          << "does not have";
      return signalPassFailure();
    }
    if (failed(runPipeline(inner, module)))
      signalPassFailure();
  }
};

struct GPUMergeModulesPass
    : public PassWrapper<GPUMergeModulesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUMergeModulesPass)
  StringRef getArgument() const override { return "plstm-gpu-merge-modules"; }
  StringRef getDescription() const override {
    return "Move every outlined kernel into the first gpu.module";
  }
  void runOnOperation() override {
    auto modules = llvm::to_vector(getOperation().getOps<gpu::GPUModuleOp>());
    if (modules.size() < 2)
      return;
    gpu::GPUModuleOp first = modules.front();
    MLIRContext *ctx = &getContext();
    DenseMap<StringAttr, StringAttr> kernelOf; // old module -> kernel name
    for (gpu::GPUModuleOp module : llvm::drop_begin(modules)) {
      auto funcs = llvm::to_vector(module.getOps<gpu::GPUFuncOp>());
      if (funcs.size() != 1) {
        module.emitError("plstm-gpu-merge-modules: expected one kernel per "
                         "outlined module");
        return signalPassFailure();
      }
      gpu::GPUFuncOp func = funcs.front();
      func.setName(module.getName());
      func->moveBefore(first.getBody()->getTerminator());
      kernelOf[module.getNameAttr()] = module.getNameAttr();
      // The other symbols (constants, declarations): one copy each.
      for (Operation &op :
           llvm::make_early_inc_range(module.getBody()->without_terminator())) {
        auto name =
            op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
        Operation *existing =
            name ? SymbolTable::lookupSymbolIn(first, name) : nullptr;
        if (!existing) {
          op.moveBefore(first.getBody()->getTerminator());
          continue;
        }
        std::string a, b;
        llvm::raw_string_ostream(a) << op;
        llvm::raw_string_ostream(b) << *existing;
        if (a != b) {
          op.emitError("plstm-gpu-merge-modules: two kernels define @")
              << name.getValue() << " differently";
          return signalPassFailure();
        }
      }
    }
    getOperation().walk([&](gpu::LaunchFuncOp launch) {
      auto it = kernelOf.find(launch.getKernelModuleName());
      if (it == kernelOf.end())
        return;
      launch.setKernelAttr(SymbolRefAttr::get(
          first.getNameAttr(), {FlatSymbolRefAttr::get(ctx, it->second)}));
    });
    for (gpu::GPUModuleOp module : llvm::drop_begin(modules))
      module.erase();
  }
};

/// After kernel outlining: the host loops around launches (the wavefronts
/// of plstm-gpu-chunk-grid, constant trip counts) unrolled, so that the
/// launch description is a straight list of launches, each with its
/// wavefront index a constant kernel argument.
struct GPUUnrollHostLoopsPass
    : public PassWrapper<GPUUnrollHostLoopsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUUnrollHostLoopsPass)
  StringRef getArgument() const override {
    return "plstm-gpu-unroll-host-loops";
  }
  StringRef getDescription() const override {
    return "Fully unroll the host scf.for loops around gpu.launch_func";
  }
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops; // post-order: inner loops first
    for (auto func : getOperation().getOps<func::FuncOp>())
      func.walk([&](scf::ForOp loop) {
        if (loop->walk(
                    [](gpu::LaunchFuncOp) { return WalkResult::interrupt(); })
                .wasInterrupted())
          loops.push_back(loop);
      });
    for (scf::ForOp loop : loops)
      if (failed(mlir::loopUnrollFull(loop))) {
        loop.emitError("plstm-gpu-unroll-host-loops: cannot unroll this "
                       "host loop around launches (a dynamic trip count?)");
        return signalPassFailure();
      }
  }
};

//===----------------------------------------------------------------------===//
// plstm-gpu-launch-to-loops
//===----------------------------------------------------------------------===//

/// Runs GPU-mapped IR on the host: each gpu.launch becomes an scf.parallel
/// over (grid x, y, z, block x, y, z) with the block and thread ids, grid and
/// block sizes replaced by the loop's induction variables and bounds. Exact
/// for kernels without barriers (the thread-per-row mapping, and the block
/// mapping built with `emulate`: one thread per block); refuses the others.
/// Workgroup buffers become one allocation per iteration, which is one per
/// block when blocks have one thread.
/// The race check of the GPU mapping run on the CPU (runtime/jit/
/// RaceCheck.h): in each launch mapped with emulate and race-check, every
/// memref.load and memref.store reports (byte address, write?, block,
/// virtual thread) to plstm_race_access, every barrier to
/// plstm_race_barrier, and each launch starts with plstm_race_launch. The
/// thread of an access: the loop over the block's virtual threads around
/// it, 0 in an op thread 0 alone runs on a GPU, else -1 (every thread runs
/// it). Linalg ops left in a launch become loops first.
struct GPURaceInstrumentPass
    : public PassWrapper<GPURaceInstrumentPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPURaceInstrumentPass)
  StringRef getArgument() const override { return "plstm-gpu-race-instrument"; }
  StringRef getDescription() const override {
    return "Report the memory accesses and barriers of emulated launches to "
           "the race detector";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<func::FuncDialect, scf::SCFDialect, arith::ArithDialect,
                    memref::MemRefDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    OpBuilder top = OpBuilder::atBlockEnd(module.getBody());
    Type i64 = top.getI64Type();
    auto declare = [&](StringRef name, unsigned args) {
      if (module.lookupSymbol(name))
        return;
      auto f = func::FuncOp::create(
          top, module.getLoc(), name,
          FunctionType::get(ctx, SmallVector<Type>(args, i64), {}));
      f.setPrivate();
    };
    declare("plstm_race_launch", 0);
    declare("plstm_race_barrier", 1);
    declare("plstm_race_access", 4);
    // The block-mapped launches (the thread-per-row fallback has real
    // threads and no barriers: not modelled).
    SmallVector<gpu::LaunchOp> launches;
    module.walk([&](gpu::LaunchOp launch) {
      if (launch->hasAttr(plstm::kGPURaceCheckedAttr))
        launches.push_back(launch);
    });
    IRRewriter rewriter(ctx);
    for (gpu::LaunchOp launch : launches) {
      // Linalg ops to loops, thread 0's mark kept on the outermost one.
      SmallVector<linalg::LinalgOp> ops;
      launch.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
      // (Thread 0's ops are in a marked scf.if: the loops stay in it.)
      for (linalg::LinalgOp op : ops) {
        rewriter.setInsertionPoint(op);
        if (failed(linalg::linalgOpToLoops(rewriter, op))) {
          op->emitError("plstm-gpu-race-instrument: cannot lower to loops");
          return signalPassFailure();
        }
        rewriter.eraseOp(op);
      }
      OpBuilder host(launch);
      func::CallOp::create(host, launch.getLoc(), "plstm_race_launch",
                           TypeRange{}, ValueRange{});
      Block &body = launch.getBody().front();
      OpBuilder entry = OpBuilder::atBlockBegin(&body);
      Value block = arith::IndexCastOp::create(entry, launch.getLoc(), i64,
                                               launch.getBlockIds().x);
      SmallVector<Operation *> accesses, barriers;
      launch.walk([&](Operation *op) {
        // (A load nobody uses is erased later: not reported.)
        if (isa<memref::StoreOp>(op) ||
            (isa<memref::LoadOp>(op) && !op->use_empty()))
          accesses.push_back(op);
        else if (isa<gpu::BarrierOp>(op))
          barriers.push_back(op);
      });
      for (Operation *op : barriers) {
        OpBuilder b(op);
        func::CallOp::create(b, op->getLoc(), "plstm_race_barrier", TypeRange{},
                             ValueRange{block});
        op->erase();
      }
      for (Operation *op : accesses) {
        OpBuilder b(op);
        Location loc = op->getLoc();
        auto load = dyn_cast<memref::LoadOp>(op);
        Value memref =
            load ? load.getMemRef() : cast<memref::StoreOp>(op).getMemRef();
        ValueRange indices =
            load ? load.getIndices() : cast<memref::StoreOp>(op).getIndices();
        auto type = cast<MemRefType>(memref.getType());
        // Its thread: the virtual-thread loop around it, thread 0's mark,
        // or every thread.
        Value thread;
        for (Operation *p = op; p != launch; p = p->getParentOp()) {
          if (auto loop = dyn_cast<scf::ForOp>(p);
              loop && loop->hasAttr(plstm::kGPUVirtualThreadsAttr)) {
            thread = loop.getInductionVar();
            break;
          }
          if (p->hasAttr(plstm::kGPUThreadZeroAttr)) {
            thread = arith::ConstantIndexOp::create(b, loc, 0);
            break;
          }
        }
        Value threadI64 =
            thread ? arith::IndexCastOp::create(b, loc, i64, thread).getResult()
                   : arith::ConstantIntOp::create(b, loc, i64, -1).getResult();
        // base + (offset + sum(index * stride)) * element bytes.
        auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
        Value linear = meta.getOffset();
        for (auto [i, index] : llvm::enumerate(indices))
          linear = arith::AddIOp::create(
              b, loc, linear,
              arith::MulIOp::create(b, loc, index, meta.getStrides()[i]));
        Type element = type.getElementType();
        int64_t bytes =
            element.isIntOrFloat()
                ? llvm::divideCeil(element.getIntOrFloatBitWidth(), 8)
                : 8; // index (64-bit on the host)
        Value base =
            memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
        Value address = arith::AddIOp::create(
            b, loc, base,
            arith::MulIOp::create(
                b, loc, linear, arith::ConstantIndexOp::create(b, loc, bytes)));
        Value write = arith::ConstantIntOp::create(b, loc, i64, load ? 0 : 1);
        func::CallOp::create(
            b, loc, "plstm_race_access", TypeRange{},
            ValueRange{arith::IndexCastOp::create(b, loc, i64, address), write,
                       block, threadI64});
      }
    }
  }
};

struct LaunchToLoopsPass
    : public PassWrapper<LaunchToLoopsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LaunchToLoopsPass)
  StringRef getArgument() const override { return "plstm-gpu-launch-to-loops"; }
  StringRef getDescription() const override {
    return "gpu.launch to scf.parallel over its blocks and threads (runs the "
           "GPU mapping on the CPU)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<scf::SCFDialect, arith::ArithDialect>();
  }
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches) {
      if (!launch.getBody().hasOneBlock() ||
          launch.getNumPrivateAttributions() != 0 ||
          launch.getAsyncToken() || launch.getDynamicSharedMemorySize()) {
        launch.emitError("plstm-gpu-launch-to-loops: only single-block "
                         "synchronous launches without private memory can "
                         "run as loops");
        return signalPassFailure();
      }
      WalkResult barriers = launch.walk([&](gpu::BarrierOp barrier) {
        barrier.emitError("plstm-gpu-launch-to-loops: a barrier cannot run "
                          "as a loop iteration");
        return WalkResult::interrupt();
      });
      if (barriers.wasInterrupted())
        return signalPassFailure();
      OpBuilder b(launch);
      Location loc = launch.getLoc();
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
      gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
      SmallVector<Value> ubs = {grid.x, grid.y, grid.z,
                                block.x, block.y, block.z};
      auto loop = scf::ParallelOp::create(b, loc, SmallVector<Value>(6, zero),
                                          ubs, SmallVector<Value>(6, one));
      IRMapping mapping;
      SmallVector<Value> ivs(loop.getInductionVars());
      gpu::KernelDim3 ids[] = {launch.getBlockIds(), launch.getThreadIds()};
      gpu::KernelDim3 sizes[] = {launch.getGridSize(), launch.getBlockSize()};
      for (int k = 0; k < 2; ++k) {
        mapping.map(ids[k].x, ivs[3 * k]);
        mapping.map(ids[k].y, ivs[3 * k + 1]);
        mapping.map(ids[k].z, ivs[3 * k + 2]);
        mapping.map(sizes[k].x, ubs[3 * k]);
        mapping.map(sizes[k].y, ubs[3 * k + 1]);
        mapping.map(sizes[k].z, ubs[3 * k + 2]);
      }
      b.setInsertionPoint(loop.getBody()->getTerminator());
      SmallVector<Value> workgroup;
      for (BlockArgument arg : launch.getWorkgroupAttributions()) {
        auto type = cast<MemRefType>(arg.getType());
        Value buffer = memref::AllocOp::create(
            b, loc, MemRefType::get(type.getShape(), type.getElementType()));
        mapping.map(arg, buffer);
        workgroup.push_back(buffer);
      }
      for (Operation &op : launch.getBody().front().without_terminator())
        b.clone(op, mapping);
      for (Value buffer : workgroup) {
        // The casts to the default memory space are now no-ops.
        for (Operation *user : llvm::make_early_inc_range(buffer.getUsers()))
          if (auto cast = dyn_cast<memref::MemorySpaceCastOp>(user);
              cast && cast.getType() == buffer.getType()) {
            cast.getResult().replaceAllUsesWith(buffer);
            cast.erase();
          }
        memref::DeallocOp::create(b, loc, buffer);
      }
      launch.erase();
    }
  }
};

} // namespace

const char *plstm::launchExpressionOperator(Operation *op) {
  return llvm::TypeSwitch<Operation *, const char *>(op)
      .Case<arith::AddIOp>([](auto) { return "+"; })
      .Case<arith::SubIOp>([](auto) { return "-"; })
      .Case<arith::MulIOp>([](auto) { return "*"; })
      .Case<arith::CeilDivUIOp, arith::CeilDivSIOp>([](auto) { return "cdiv"; })
      .Case<arith::DivUIOp, arith::DivSIOp>([](auto) { return "div"; })
      .Case<arith::MinUIOp, arith::MinSIOp>([](auto) { return "min"; })
      .Case<arith::MaxUIOp, arith::MaxSIOp>([](auto) { return "max"; })
      .Case<arith::RemUIOp, arith::RemSIOp>([](auto) { return "rem"; })
      .Default([](Operation *) { return nullptr; });
}

/// `v`, an index computed by the host code of `func` from its arguments'
/// dims, in the launch description's expression form (comma-separated,
/// postfix: integers, `dA.I` = dim I of argument A, + - * cdiv div min max
/// rem); false when it is computed otherwise.
static bool describeIndex(Value v, func::FuncOp func, std::string &out,
                          int depth = 0) {
  auto append = [&](const std::string &token) {
    out += (out.empty() ? "" : ",") + token;
  };
  if (std::optional<int64_t> c = getConstantIntValue(v)) {
    append(std::to_string(*c));
    return true;
  }
  Operation *def = v.getDefiningOp();
  if (!def || depth > 64)
    return false;
  if (auto dim = dyn_cast<memref::DimOp>(def)) {
    auto arg = dyn_cast<BlockArgument>(dim.getSource());
    std::optional<int64_t> index = getConstantIntValue(dim.getIndex());
    if (!arg || arg.getOwner() != &func.front() || !index)
      return false;
    append("d" + std::to_string(arg.getArgNumber()) + "." +
           std::to_string(*index));
    return true;
  }
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp>(def))
    return describeIndex(def->getOperand(0), func, out, depth + 1);
  const char *name = plstm::launchExpressionOperator(def);
  if (!name || !describeIndex(def->getOperand(0), func, out, depth + 1) ||
      !describeIndex(def->getOperand(1), func, out, depth + 1))
    return false;
  append(name);
  return true;
}

LogicalResult plstm::describeGPULaunches(ModuleOp module,
                                         std::vector<GPULaunchDescription> &out,
                                         std::vector<std::string> *scratch) {
  DenseMap<Operation *, int64_t> scratchIndex;
  WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
    auto func = launch->getParentOfType<func::FuncOp>();
    GPULaunchDescription d;
    d.function = func.getSymName().str();
    d.kernel = launch.getKernelName().str();
    std::optional<int64_t> block =
        getConstantIntValue(launch.getBlockSizeOperandValues().x);
    d.blockSize = block.value_or(-1);
    // grid.x = ceil(dim 0 of a kernel argument / block size) (a thread per
    // row) or that dim (a block per row); else (plstm-gpu-chunk-grid's
    // launches: rows x chunks) an expression of the arguments' dims.
    Value gridX = launch.getGridSizeOperandValues().x;
    auto grid = gridX.getDefiningOp<arith::CeilDivSIOp>();
    memref::DimOp rows = grid ? grid.getLhs().getDefiningOp<memref::DimOp>()
                              : gridX.getDefiningOp<memref::DimOp>();
    d.rowsPerBlock = grid ? getConstantIntValue(grid.getRhs()).value_or(-1) : 1;
    auto rowsArg = rows ? dyn_cast<BlockArgument>(rows.getSource())
                        : BlockArgument();
    bool rowsForm = rowsArg && rowsArg.getOwner() == &func.front() &&
                    getConstantIntValue(rows.getIndex()) == 0 &&
                    (!grid || d.rowsPerBlock == block);
    if (rowsForm) {
      d.rowsArg = rowsArg.getArgNumber();
    } else if (grid || !describeIndex(gridX, func, d.grid)) {
      launch.emitError("describe-gpu-launches: the grid of kernel ")
          << d.kernel << " is neither ceil(rows / block size) of an argument "
          << "nor an expression of the arguments' dims";
      return WalkResult::interrupt();
    }
    if (!block || launch->getBlock() != &func.front()) {
      launch.emitError("describe-gpu-launches: kernel ")
          << d.kernel << " has a dynamic block size or is launched inside "
          << "host control flow";
      return WalkResult::interrupt();
    }
    if (Value shared = launch.getDynamicSharedMemorySize()) {
      std::optional<int64_t> bytes = getConstantIntValue(shared);
      if (!bytes) {
        launch.emitError("describe-gpu-launches: kernel ")
            << d.kernel << " has a dynamic shared memory size not known at "
            << "compile time";
        return WalkResult::interrupt();
      }
      d.sharedBytes = *bytes;
    }
    for (Value operand : launch.getKernelOperands()) {
      auto arg = dyn_cast<BlockArgument>(operand);
      if (arg && arg.getOwner() == &func.front() &&
          isa<MemRefType>(arg.getType())) {
        d.params.push_back(std::to_string(arg.getArgNumber()));
        continue;
      }
      // A wavefront of plstm-gpu-chunk-grid (its host loop unrolled).
      if (std::optional<int64_t> c = getConstantIntValue(operand);
          c && operand.getType().isIndex()) {
        d.params.push_back("=" + std::to_string(*c));
        continue;
      }
      // A buffer plstm-gpu-chunk-grid shares between launches.
      auto alloc = operand.getDefiningOp<gpu::AllocOp>();
      std::string bytes;
      if (scratch && alloc && alloc->hasAttr(kGPUScratchAttr) &&
          alloc.getDynamicSizes().size() == 1) {
        auto [it, fresh] = scratchIndex.try_emplace(
            alloc.getOperation(), static_cast<int64_t>(scratch->size()));
        if (!fresh || describeIndex(alloc.getDynamicSizes()[0], func, bytes)) {
          if (fresh)
            scratch->push_back(bytes);
          d.params.push_back("s" + std::to_string(it->second));
          continue;
        }
      }
      launch.emitError("describe-gpu-launches: kernel ")
          << d.kernel << " takes a value that is neither a memref argument "
          << "of @" << d.function << ", a scratch buffer sized by them nor "
          << "an index constant";
      return WalkResult::interrupt();
    }
    out.push_back(std::move(d));
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

bool plstm::isValidLsrMode(llvm::StringRef lsr) {
  return lsr == "auto" || lsr == "on" || lsr == "off";
}

/// The chips of LLVM 22's NVPTX back end (`llc -march=nvptx64
/// -mcpu=help`) from sm_50 on: a chip it does not know would get PTX for a
/// default target, or fail in instruction selection.
static constexpr llvm::StringLiteral kChips[] = {
    "sm_50",   "sm_52",   "sm_53",   "sm_60",   "sm_61",   "sm_62",   "sm_70",
    "sm_72",   "sm_75",   "sm_80",   "sm_86",   "sm_87",   "sm_88",   "sm_89",
    "sm_90",   "sm_90a",  "sm_100",  "sm_100a", "sm_100f", "sm_101",  "sm_101a",
    "sm_101f", "sm_103",  "sm_103a", "sm_103f", "sm_110",  "sm_110a", "sm_110f",
    "sm_120",  "sm_120a", "sm_120f", "sm_121",  "sm_121a", "sm_121f"};

bool plstm::isValidChip(llvm::StringRef chip) {
  return llvm::is_contained(kChips, chip);
}

std::string plstm::validChips() {
  std::string list;
  for (llvm::StringRef chip : kChips)
    list += (list.empty() ? "" : ", ") + chip.str();
  return list;
}

std::string plstm::checkGPUPipelineOptions(const GPUPipelineOptions &options) {
  auto quoted = [](llvm::StringRef name, llvm::StringRef value) {
    return name.str() + "='" + value.str() + "'";
  };
  if (!isValidChip(options.chip))
    return quoted("chip", options.chip) + ", expected one of " + validChips();
  llvm::StringRef stop = options.stop;
  if (stop != "" && stop != "loops" && stop != "buffers" && stop != "gpu" &&
      stop != "nvvm")
    return quoted("stop", stop) +
           ", expected loops, buffers, gpu, nvvm or nothing (PTX)";
  if (!isValidLsrMode(options.lsr))
    return quoted("lsr", options.lsr) + ", expected auto, on or off";
  if (options.blockSize < 1 || options.blockSize > 1024)
    return "block-size=" + std::to_string(options.blockSize) +
           ", expected 1 to 1024";
  if (options.threadsPerRow < 0 || options.threadsPerRow > 1024)
    return "threads-per-row=" + std::to_string(options.threadsPerRow) +
           ", expected 0 (chosen per kernel) or 1 to 1024";
  if (options.sharedBytes < 0 ||
      options.sharedBytes > maxSharedBytes(options.chip))
    return "shared-bytes=" + std::to_string(options.sharedBytes) +
           ", expected 0 to " + std::to_string(maxSharedBytes(options.chip)) +
           " for " + options.chip;
  if (options.raceCheck && !options.emulate)
    return "race-check=true needs emulate-on-cpu=true";
  return "";
}

namespace {
/// Fails the pipeline before any other pass with the error of its options
/// (checkGPUPipelineOptions): plstm-opt's --plstm-gpu-pipeline has no
/// other way to reject them.
struct GPUBadOptionsPass
    : public PassWrapper<GPUBadOptionsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUBadOptionsPass)
  explicit GPUBadOptionsPass(std::string message)
      : message(std::move(message)) {}
  StringRef getArgument() const override { return "plstm-gpu-bad-options"; }
  void runOnOperation() override {
    // At the module's location, without the module printed after it.
    mlir::emitError(getOperation().getLoc(), "plstm-gpu-pipeline: ") << message;
    signalPassFailure();
  }
  std::string message;
};
} // namespace

int64_t plstm::maxSharedBytes(llvm::StringRef chip) {
  switch (chipVersion(chip)) {
  case 90:
  case 100:
  case 103:
    return plstm::kMaxSharedBytesAnyChip;
  case 80:
  case 87:
    return 166912;
  case 86:
  case 89:
  case 120:
  case 121:
    return 101376;
  default:
    return 49152;
  }
}

std::vector<std::pair<std::string, std::string>>
plstm::collectPTX(ModuleOp module) {
  std::vector<std::pair<std::string, std::string>> ptx;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute attr : binary.getObjects())
      if (auto object = dyn_cast<gpu::ObjectAttr>(attr))
        ptx.emplace_back(binary.getSymName().str(),
                         object.getObject().getValue().str());
  });
  return ptx;
}

void plstm::buildGPUPipeline(OpPassManager &pm,
                             const GPUPipelineOptions &options) {
  if (std::string error = checkGPUPipelineOptions(options); !error.empty()) {
    pm.addPass(std::make_unique<GPUBadOptionsPass>(error));
    return;
  }
  pm.addPass(createPLSTMOutputsToArguments());
  pm.addPass(std::make_unique<SplitBatchPass>());
  // 1D chunkwise: the chunks of a batch entry in parallel (blocks/threads
  // map the parallel loops; no host call in device code).
  // DAG edges keep a pass per term: the block mapping spreads each pass
  // over the block's threads (it has no case for scf.index_switch).
  // The sequential 2D orientations in parallel where the chunk grid gives
  // each (row, orientation) a block.
  buildScheduleLowering(pm, options.schedule, options.sizeHints, "parallel",
                        /*fuseDagEdges=*/false,
                        /*parallelOrientations=*/options.chunkGrid &&
                            options.threadsPerRow != 1,
                        /*dynamicQuadLevels=*/false, [](OpPassManager &pm) {
                          pm.addPass(std::make_unique<GPUNoteLogdepthPass>());
                        });
  if (options.stop == "loops")
    return;
  if (options.threadsPerRow != 1) // the block mapping's barriers
    pm.addPass(std::make_unique<GPUFuseElementwisePass>());
  buildUnitDimFolding(pm);
  if (options.threadsPerRow != 1)
    pm.addPass(std::make_unique<GPUOutputsInPlacePass>());
  buildBufferization(pm);
  pm.addPass(std::make_unique<GPUForallsPass>());
  pm.addPass(createGPUUnitRowsPass());
  pm.addPass(createCanonicalizerPass());
  if (options.threadsPerRow != 1) {
    pm.addPass(createGPURowBuffersPass());
    pm.addPass(createCanonicalizerPass());
  }
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createCanonicalizerPass());
  if (options.stop == "buffers")
    return;
  if (options.threadsPerRow != 1 && options.chunkGrid)
    pm.addPass(createGPUChunkGridPass(options.emulate, options.opGrid));
  pm.addPass(std::make_unique<MapToGPUPass>(
      options.blockSize, options.threadsPerRow, options.emulate,
      options.sharedBytes, options.prefetch,
      options.emulate && options.raceCheck, options.registerTiles,
      options.fuseLoops));
  // Before the canonicalizer folds the marks (scf.if true) of thread 0's ops.
  if (options.emulate && options.raceCheck)
    pm.addPass(std::make_unique<GPURaceInstrumentPass>());
  pm.addPass(createCanonicalizerPass());
  if (options.stop == "gpu")
    return;

  if (options.emulate) {
    pm.addPass(std::make_unique<LaunchToLoopsPass>());
    buildLLVMLowering(pm, /*parallel=*/true);
    return;
  }
  pm.addPass(createExpandStridedCopiesPass());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(std::make_unique<GPUSinkPass>());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(std::make_unique<GPUMergeModulesPass>());
  pm.addPass(std::make_unique<GPUUnrollHostLoopsPass>());
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.optLevel = 3;
  // PTX ISA 8.0 for sm_90 (CUDA 12.0 drivers and later; the back end's
  // default there is 7.8): prefetch.global.L2 (plstm-gpu-prefetch-to-nvvm).
  // The later chips' default is 8.6 or more already (a lower version would
  // not take them).
  if (options.prefetch && chipVersion(options.chip) == 90)
    target.features = "+ptx80";
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addPass(createSCFToControlFlowPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(std::make_unique<GPUPrefetchToNVVMPass>());
  pm.addNestedPass<gpu::GPUModuleOp>(
      std::make_unique<GPUExternDynamicSharedPass>());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());
  if (options.stop == "nvvm")
    return;
  buildGPUBinaryPipeline(pm, options);
}

void plstm::buildGPUBinaryPipeline(OpPassManager &pm,
                                   const GPUPipelineOptions &options) {
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(
      std::make_unique<GPUModuleToBinaryPass>(options.lsr, options.toolkit));
}

LogicalResult plstm::compileToPTX(ModuleOp module,
                                  const GPUPipelineOptions &options,
                                  std::string &ptx, std::string &launch,
                                  std::string &error) {
  std::vector<KernelDescription> kernels = describeKernels(module);
  if (kernels.size() != 1) {
    error = "the PTX path compiles one kernel per spec; this one has " +
            std::to_string(kernels.size()) + " public functions";
    return failure();
  }
  // The options' own error (the pipeline would fail with it as its first
  // pass), not "lowering failed".
  if (std::string bad = checkGPUPipelineOptions(options); !bad.empty()) {
    error = bad;
    return failure();
  }
  // Up to the nvvm stage, where the launches are described (host code still
  // in func/arith/memref), then the rest.
  GPUPipelineOptions front;
  front.copyOptionValuesFrom(options);
  front.stop = "nvvm";
  front.emulate = false;
  PassManager pm(module->getContext());
  buildGPUPipeline(pm, front);
  if (failed(pm.run(module))) {
    error = "lowering for " + options.chip + " failed (see above)";
    return failure();
  }
  std::vector<GPULaunchDescription> launches;
  std::vector<std::string> scratch;
  if (failed(describeGPULaunches(module, launches, &scratch))) {
    error = "the launches cannot be described (see above)";
    return failure();
  }
  PassManager binary(module->getContext());
  buildGPUBinaryPipeline(binary, options);
  if (failed(binary.run(module))) {
    error = "PTX generation failed (see above)";
    return failure();
  }
  auto objects = collectPTX(module);
  if (objects.size() != 1 || launches.empty()) {
    error = "expected one kernel module, got " +
            std::to_string(objects.size());
    return failure();
  }
  ptx = objects.front().second;
  launch = "plstm-gpu-launch-v1\n" + kernels.front().signature + "\n";
  if (!scratch.empty()) {
    launch += "scratch " + std::to_string(scratch.size());
    for (const std::string &bytes : scratch)
      launch += " " + bytes;
    launch += "\n";
  }
  for (const GPULaunchDescription &d : launches) {
    launch += "kernel " + d.kernel + " block " + std::to_string(d.blockSize);
    if (!d.grid.empty())
      launch += " grid " + d.grid;
    else
      launch += " rows-of " + std::to_string(d.rowsArg) +
                (d.rowsPerBlock != d.blockSize
                     ? " rows-per-block " + std::to_string(d.rowsPerBlock)
                     : std::string());
    if (d.sharedBytes > 0)
      launch += " shared " + std::to_string(d.sharedBytes);
    launch += " params " + std::to_string(d.params.size());
    for (const std::string &p : d.params)
      launch += " " + p;
    launch += "\n";
  }
  return success();
}

void plstm::registerGPUPassesAndPipelines() {
  PassRegistration<SplitBatchPass>();
  PassRegistration<GPUForallsPass>();
  PassRegistration<GPUExternDynamicSharedPass>();
  registerPass([] { return createGPUUnitRowsPass(); });
  registerPass([] { return createGPURowBuffersPass(); });
  registerPass([] { return createGPUChunkGridPass(); });
  PassRegistration<MapToGPUPass>();
  PassRegistration<LaunchToLoopsPass>();
  PassRegistration<GPUSinkPass>();
  PassRegistration<GPUMergeModulesPass>();
  PassRegistration<GPUUnrollHostLoopsPass>();
  PassRegistration<GPUPrefetchToNVVMPass>();
  PassRegistration<GPUNoteLogdepthPass>();
  PassRegistration<GPUFuseElementwisePass>();
  PassRegistration<GPUOutputsInPlacePass>();
  PassRegistration<GPUModuleToBinaryPass>();
  PassRegistration<GPURaceInstrumentPass>();
  PassPipelineRegistration<GPUPipelineOptions>(
      "plstm-gpu-pipeline",
      "Lower plstm ops for NVIDIA GPUs: a thread block per batch row, NVVM, "
      "PTX (gpu.binary) through LLVM's NVPTX backend",
      buildGPUPipeline);
}

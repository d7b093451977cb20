//===- CodegenPasses.h - plstm code generation passes and pipelines -------===//
//
// Passes of codegen/ (Passes.td) and the CPU pipeline `plstm-cpu-pipeline`:
// scan ops -> structured loops on tensors -> buffers -> LLVM dialect.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_CODEGEN_CODEGENPASSES_H
#define PLSTM_CODEGEN_CODEGENPASSES_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::plstm {

#define GEN_PASS_DECL
#include "codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/Passes.h.inc"

/// Options of the CPU pipeline (typed, as on the command line:
/// `--plstm-cpu-pipeline="schedule=sequential"`).
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<std::string> schedule{
      *this, "schedule",
      llvm::cl::desc("Force a schedule on every scan op (sequential, "
                     "chunkwise:N, logdepth[:N]); empty: keep the ops' own "
                     "and let plstm-select-schedule decide the rest"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> sizeHints{
      *this, "size-hints",
      llvm::cl::desc("Sizes the schedule cost model assumes for dynamic dims "
                     "(e.g. B=16,T=4096)"),
      llvm::cl::init("")};
  PassOptions::Option<bool> stopAfterScanLowering{
      *this, "stop-after-scan-lowering",
      llvm::cl::desc("Stop after the schedule lowering (structured loops on "
                     "tensors), before bufferization"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> stopBeforeLLVM{
      *this, "stop-before-llvm",
      llvm::cl::desc("Stop after bufferization (loops on memrefs), before "
                     "the conversion to the LLVM dialect"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run the schedules' independent iterations (scf.forall: "
                     "tiles of a wavefront, chunks, edges of a DAG block) on "
                     "OpenMP threads; false: sequential loops"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> microkernels{
      *this, "microkernels",
      llvm::cl::desc("Lower the contractions to register-blocked vector "
                     "loop nests (plstm-cpu-microkernels); false: scalar "
                     "loop nests that LLVM vectorizes"),
      llvm::cl::init(true)};
};

/// scan ops -> LLVM dialect, every public function with the C interface
/// (`llvm.emit_c_interface`) and outputs passed as arguments.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);
/// The two halves of buildCPUPipeline: the schedule selection and lowerings
/// (plstm ops to loops on tensors; the forced schedule is checked by the
/// ops' verifiers after the selection), and the rest (bufferization to the
/// LLVM dialect).
void buildCPUScheduleLowering(OpPassManager &pm,
                              const CPUPipelineOptions &options);
void buildCPULowering(OpPassManager &pm, const CPUPipelineOptions &options);

/// The pieces both pipelines (CPU, GPU) share. The front end: layer
/// decomposition, schedule selection (`schedule` forces one), the schedule
/// lowerings, the contract check, gate fusion.
/// `chunkOrder`: the 1D chunkwise form (plstm-lower-chunkwise's
/// chunk-order option); `fuseDagEdges`, `parallelOrientations`:
/// plstm-lower-sequential's options; `dynamicQuadLevels`: the
/// dynamic-quad-levels option of plstm-lower-chunkwise and -logdepth (the
/// CPU pipeline's).
void buildScheduleLowering(
    OpPassManager &pm, llvm::StringRef schedule, llvm::StringRef sizeHints,
    llvm::StringRef chunkOrder, bool fuseDagEdges = true,
    bool parallelOrientations = false, bool dynamicQuadLevels = false,
    llvm::function_ref<void(OpPassManager &)> afterSelect = nullptr);
/// linalg unit-extent dims folded away.
void buildUnitDimFolding(OpPassManager &pm);
/// One-shot bufferization of kernels whose outputs are arguments
/// (plstm-outputs-to-arguments before), the C interface marked.
void buildBufferization(OpPassManager &pm);

/// From loops on memrefs (scf, linalg, memref; scf.parallel for the
/// independent iterations) to the LLVM dialect for the host: OpenMP for the
/// scf.parallel loops when `parallel`, the C interface kept.
void buildLLVMLowering(OpPassManager &pm, bool parallel);
std::unique_ptr<Pass> createEmitCInterfacePass();
/// After bufferization: copies into fresh buffers that are only read, of
/// sources nothing writes meanwhile, removed (ElideReadOnlyCopies.cpp).
std::unique_ptr<Pass> createElideReadOnlyCopiesPass();
/// Contractions to register-blocked vector loop nests (Microkernels.cpp).
std::unique_ptr<Pass> createMicrokernelsPass();
std::unique_ptr<Pass> createExpandStridedCopiesPass();

/// The NVPTX pipeline (GPUPipeline.cpp): the same front end as the CPU one,
/// the batch split into independent rows (`plstm-split-batch`), one GPU
/// thread per row (`plstm-map-to-gpu`), then NVVM and PTX.
struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  PassOptions::Option<std::string> schedule{
      *this, "schedule",
      llvm::cl::desc("Force a schedule on every scan op (sequential, "
                     "chunkwise:N, logdepth[:N])"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> sizeHints{
      *this, "size-hints",
      llvm::cl::desc("Sizes the schedule cost model assumes for dynamic dims"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("NVIDIA GPU architecture (sm_80, sm_90)"),
      llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> stop{
      *this, "stop",
      llvm::cl::desc("Stop after a stage: loops (schedule lowering), "
                     "buffers (bufferized, before the GPU mapping), gpu "
                     "(GPU-mapped IR on memrefs), nvvm (kernels in the NVVM "
                     "dialect), or empty: PTX in gpu.binary ops"),
      llvm::cl::init("")};
  PassOptions::Option<bool> emulate{
      *this, "emulate-on-cpu",
      llvm::cl::desc("After the GPU mapping, turn each gpu.launch into "
                     "loops over its blocks and threads and lower for the "
                     "host CPU (tests of the mapping without a GPU)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> blockSize{
      *this, "block-size", llvm::cl::desc("Threads per block"),
      llvm::cl::init(32)};
  PassOptions::Option<int64_t> threadsPerRow{
      *this, "threads-per-row",
      llvm::cl::desc("Threads of the block that runs one batch row (the "
                     "block-per-row mapping); 0: chosen per kernel "
                     "(autoThreadsPerRow); 1: one thread per row, "
                     "block-size rows per block"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> sharedBytes{
      *this, "shared-bytes",
      llvm::cl::desc("Workgroup (shared) memory per block for the row's "
                     "static buffers in the block-per-row mapping (0 to "
                     "maxSharedBytes(chip); beyond 49152, the static shared "
                     "memory of a block, as dynamic shared memory)"),
      llvm::cl::init(49152)};
  PassOptions::Option<bool> prefetch{
      *this, "prefetch",
      llvm::cl::desc("Block-per-row mapping: prefetch the inputs of the "
                     "step two ahead of each sequential loop into L2 "
                     "(sm_90 and later)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> registerTiles{
      *this, "register-tiles",
      llvm::cl::desc("Block-per-row mapping: a thread computes a tile of up "
                     "to 4 x 4 outputs of a matrix product with many more "
                     "outputs than threads, the loads the outputs share "
                     "made once (docs/gpu.md)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> fuseLoops{
      *this, "fuse-loops",
      llvm::cl::desc("Block-per-row mapping: distributed ops with no barrier "
                     "between them fuse into one loop over the threads, and "
                     "launch-local buffers nothing reads then go "
                     "(docs/gpu.md)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> chunkGrid{
      *this, "chunk-grid",
      llvm::cl::desc("Block-per-row mapping: the chunkwise schedules' "
                     "row-level chunk loops as launches of their own, a "
                     "block per (row, chunk)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> raceCheck{
      *this, "race-check",
      llvm::cl::desc("With emulate-on-cpu: keep the block mapping's barriers "
                     "and report every memory access and barrier of the "
                     "launches to the race detector (runtime/jit/RaceCheck.h)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> opGrid{
      *this, "op-grid",
      llvm::cl::desc("With the chunk grid: a row with no loops at its level "
                     "(the 2D log-depth schedules) has its big linalg ops as "
                     "launches of their own, a block per (row, slice)"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> lsr{
      *this, "lsr",
      llvm::cl::desc("LLVM's loop strength reduction when the NVPTX back end "
                     "generates the PTX: on, off, or auto (off for a module "
                     "with a log-depth schedule or a DAG scan, on for the "
                     "others; "
                     "docs/gpu.md)"),
      llvm::cl::init("auto")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit (libdevice for the math functions)"),
      llvm::cl::init("/usr/local/cuda")};
};

void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options);

/// Marks of the GPU pipeline: a rows loop prepared by plstm-gpu-row-buffers;
/// a row-level loop over a schedule's independent chunks (an scf.forall
/// that plstm-gpu-foralls made sequential); a host buffer shared by the
/// launches of plstm-gpu-chunk-grid.
inline constexpr llvm::StringLiteral kGPURowBuffersAttr = "plstm.row_buffers";
inline constexpr llvm::StringLiteral kGPUChunksAttr = "plstm.gpu_chunks";
/// On the module: a scan op of it has the log-depth schedule (the GPU
/// pipeline's `lsr=auto` then generates its PTX without LSR).
inline constexpr llvm::StringLiteral kGPULogdepthAttr = "plstm.gpu_logdepth";
/// On a module that has a DAG scan (plstm-gpu-note-logdepth): lsr=auto
/// generates its PTX without LLVM's loop strength reduction too.
inline constexpr llvm::StringLiteral kGPUDagAttr = "plstm.gpu_dag";
/// Emulating the block mapping with the race check: the loop over a
/// block's virtual threads, and an op that thread 0 alone runs on a GPU.
inline constexpr llvm::StringLiteral kGPUVirtualThreadsAttr =
    "plstm.virtual_threads";
inline constexpr llvm::StringLiteral kGPUThreadZeroAttr = "plstm.thread_zero";
/// On a launch of the block mapping emulated with the race check.
inline constexpr llvm::StringLiteral kGPURaceCheckedAttr = "plstm.race_checked";
inline constexpr llvm::StringLiteral kGPUScratchAttr = "plstm.gpu_scratch";

/// The block-per-row mapping (codegen/GPURowBlocks.cpp).
std::unique_ptr<Pass> createGPUUnitRowsPass();
/// The rows' chunk loops as launches of their own, a block per (row, chunk)
/// (codegen/GPUChunkGrid.cpp); `emulate`: the launches run on the CPU.
std::unique_ptr<Pass> createGPUChunkGridPass(bool emulate = false,
                                             bool opGrid = true);
/// A device buffer of `bytes` (memref<?xi8>) the host allocates for launches
/// (gpu.alloc; memref.alloc when `emulate`: the launches run on the CPU),
/// marked kGPUScratchAttr (the launch description's scratch buffers), and
/// its free.
Value createHostScratch(OpBuilder &b, Location loc, Value bytes, bool emulate);
void freeHostScratch(OpBuilder &b, Location loc, Value buffer, bool emulate);
std::unique_ptr<Pass> createGPURowBuffersPass();
bool canMapRowsToBlocks(scf::ParallelOp rows);

/// The threads per row that threads-per-row=0 gives a row: 512 when every
/// reduction of the row has fewer than 512 parallel iterations (the
/// sequential schedules' per-step read-outs, P = the value dim) and one of
/// them can use 512 threads with its reduction split over them (P times a
/// split of up to 8); else 128 (the chunkwise and log-depth matrix
/// products; the molecules DAG, d = 32). On an H200 the sequential 1D and
/// 2D kernels ran 1.1-2.8x faster with 512 threads than with 128; the
/// molecules DAG as fast with 256 and slower with 512.
int64_t autoThreadsPerRow(scf::ParallelOp rows);
/// The scf.parallel ops in `op` not nested in another one (the rows loops).
SmallVector<scf::ParallelOp> outermostParallelLoops(Operation *op);
/// The trip counts of `loop`'s dims (into `trips`) and their product.
Value buildTripCounts(OpBuilder &b, Location loc, scf::ParallelOp loop,
                      SmallVectorImpl<Value> &trips);
/// Maps `loop`'s induction variables to `index` delinearized over `trips`
/// (the last dim varies fastest; the outermost dim whose outer trips are
/// all a constant 1 takes the rest, undivided).
void mapDelinearized(OpBuilder &b, Location loc, scf::ParallelOp loop,
                     ArrayRef<Value> trips, Value index, IRMapping &mapping);
LogicalResult mapRowsToBlocks(scf::ParallelOp rows, int64_t threads,
                              bool emulate, int64_t sharedBytes,
                              bool prefetch = true, bool raceCheck = false,
                              bool registerTiles = true, bool fuseLoops = true);
/// The part of buildGPUPipeline after the `nvvm` stage: host code to LLVM
/// (gpu-to-llvm) and the kernels to PTX (gpu-module-to-binary, format isa).
void buildGPUBinaryPipeline(OpPassManager &pm,
                            const GPUPipelineOptions &options);

/// How the host launches one kernel of the GPU pipeline (read at the `nvvm`
/// stage): runtime/cuda/GpuKernel.h reads the same description from the
/// `.launch` file plstm-compile writes next to the PTX.
struct GPULaunchDescription {
  std::string function; ///< the spec's function
  std::string kernel;   ///< the PTX entry point
  int64_t blockSize = 0;
  int64_t rowsArg = 0; ///< grid.x = ceil(dim 0 of this argument / rowsPerBlock)
  int64_t rowsPerBlock = 0; ///< blockSize (a thread per row) or 1
  /// When not empty, grid.x instead: an expression of the arguments' dims
  /// (postfix, comma-separated; runtime/cuda/GpuKernel.h).
  std::string grid;
  /// The block's dynamic shared memory in bytes (`shared N`; 0: none).
  int64_t sharedBytes = 0;
  /// The kernel parameters in order, as the `.launch` file writes them: an
  /// argument index (a memref, passed as its descriptor: allocated and
  /// aligned pointer, offset, sizes, strides), `sK` (scratch buffer K: a 1-D
  /// i8 descriptor) or `=N` (an index constant, e.g. a wavefront).
  std::vector<std::string> params;
};
/// The launch description's token for the binary index op `op` (+ - * cdiv
/// div min max rem); null for any other op.
const char *launchExpressionOperator(Operation *op);
/// The module's launches in host order; `scratch` (when given) receives the
/// byte sizes of the buffers plstm-gpu-chunk-grid shares between them, as
/// expressions of the arguments' dims.
LogicalResult describeGPULaunches(ModuleOp module,
                                  std::vector<GPULaunchDescription> &out,
                                  std::vector<std::string> *scratch = nullptr);

/// The whole GPU pipeline on a spec with one public function: its PTX and
/// its launch description (the `.launch` text of runtime/cuda/GpuKernel.h).
LogicalResult compileToPTX(ModuleOp module, const GPUPipelineOptions &options,
                           std::string &ptx, std::string &launch,
                           std::string &error);

/// Checks a --chip value: a chip of LLVM 22's NVPTX back end from sm_50 on
/// (validChips).
bool isValidChip(llvm::StringRef chip);
/// The chips isValidChip takes, comma-separated (for error messages).
std::string validChips();
/// The error of a GPU pipeline's options (chip, stop, lsr, sizes), or empty
/// when they are valid. buildGPUPipeline makes a pipeline with such options
/// fail with the message before anything else runs.
std::string checkGPUPipelineOptions(const GPUPipelineOptions &options);
/// The most shared memory a block of `chip` can use (bytes; beyond 48 KiB
/// as dynamic shared memory the runtime opts into): 227 KiB on sm_90,
/// sm_100 and sm_103, 163 KiB on sm_80 and sm_87, 99 KiB on sm_86, sm_89,
/// sm_120 and sm_121 (`a` and `f` variants alike), else 48 KiB (a
/// conservative bound where the opt-in is not known here).
int64_t maxSharedBytes(llvm::StringRef chip);
/// The largest maxSharedBytes of any chip (plstm-map-to-gpu's bound).
constexpr int64_t kMaxSharedBytesAnyChip = 232448;
/// Whether `lsr` is a value of the GPU pipeline's `lsr` option: auto, on or
/// off.
bool isValidLsrMode(llvm::StringRef lsr);

/// The PTX of every gpu.binary in `module` (after the full GPU pipeline), in
/// module order: (kernel module name, PTX text).
std::vector<std::pair<std::string, std::string>> collectPTX(ModuleOp module);

/// Registers `plstm-cpu-pipeline` and the codegen passes.
void registerCodegenPassesAndPipelines();
void registerGPUPassesAndPipelines();

} // namespace mlir::plstm

#endif // PLSTM_CODEGEN_CODEGENPASSES_H

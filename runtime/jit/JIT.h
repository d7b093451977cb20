//===- JIT.h - compile a plstm spec in-process and call it ----------------===//
//
// The JIT facade a host program uses (shaped like MLIR's ExecutionEngine):
//
//   plstm::CompileOptions options;                 // target, schedule, -O
//   auto kernel = plstm::compile(specText, options);
//   if (!kernel) { report(kernel.takeError()); return; }
//   plstm::Status s = (*kernel)({q, k, v, ...}, {y, last});
//
// Compiled kernels are cached in-process by (spec text, options). Errors are
// values: llvm::Expected from compile, plstm::Status from a call (shape
// mismatches name the argument, the expected and the actual shape).
// This library links MLIR, LLVM and codegen/; the core runtime does not.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_RUNTIME_JIT_JIT_H
#define PLSTM_RUNTIME_JIT_JIT_H

#include "runtime/Kernel.h"
#include "runtime/Tensor.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace plstm {

/// CPU: the CPU pipeline. GPUMappingOnCPU: the GPU pipeline up to the GPU
/// mapping (codegen/GPUPipeline.cpp), each gpu.launch then run as loops over
/// its blocks and threads on the CPU: the kernels GPUs would run, checked
/// without a GPU.
enum class Target { CPU, GPUMappingOnCPU };

struct CompileOptions {
  Target target = Target::CPU;
  /// Forced schedule ("sequential", "chunkwise:64", ...); empty: the ops'
  /// own or the schedule selector's choice.
  std::string schedule;
  /// Sizes the schedule cost model assumes for dynamic dims, e.g.
  /// "B=16,T=4096" (empty: its defaults).
  std::string sizeHints;
  /// LLVM optimization level 0..3.
  unsigned optLevel = 3;
  /// Function to compile; empty: the spec's only public function.
  std::string entry;
  /// Run the schedules' independent iterations (tiles of a wavefront,
  /// chunks, edges of a DAG block) on the call's threads (OpenMP); false:
  /// only the batch is split.
  bool parallelLoops = true;
  /// Contractions as register-blocked vector loop nests
  /// (plstm-cpu-microkernels); false: scalar loop nests LLVM vectorizes.
  bool microkernels = true;
  /// GPUMappingOnCPU: threads of the block running one row (0: chosen per
  /// kernel, autoThreadsPerRow; 1: the thread-per-row mapping).
  int64_t gpuThreadsPerRow = 0;
  /// GPUMappingOnCPU: the block mapping's prefetch of the next steps'
  /// inputs (memref.prefetch, a CPU prefetch when emulated).
  bool gpuPrefetch = true;
  /// GPUMappingOnCPU: the block mapping's register tiles of matrix
  /// products.
  bool gpuRegisterTiles = true;
  /// GPUMappingOnCPU: the block mapping's loop fusion (fuseThreadLoops;
  /// with gpuRaceCheck only, where the barriers are kept).
  bool gpuFuseLoops = true;
  /// GPUMappingOnCPU: the chunk loops as launches of their own
  /// (plstm-gpu-chunk-grid).
  bool gpuChunkGrid = true;
  /// GPUMappingOnCPU, with the chunk grid: the big linalg ops of a row with
  /// no loops at its level (2D log-depth) as launches of their own
  /// (plstm-gpu-chunk-grid's op grid).
  bool gpuOpGrid = true;
  /// GPUMappingOnCPU: report every memory access and barrier of the
  /// launches to the race detector (runtime/jit/RaceCheck.h): slower; finds
  /// a barrier the mapping misses. The kernel then runs its batch on one
  /// thread (the detector follows one call at a time).
  bool gpuRaceCheck = false;
  /// Threads that optimize and generate code: the LLVM module is split into
  /// this many parts compiled in parallel (0: one per hardware thread, at
  /// most 4; 1: one module on the calling thread). Every setting gives the
  /// same kernel (test: JIT.SplitCompilationGivesTheSameKernel).
  unsigned compileThreads = 0;
  /// CPU: verify the IR after every pass of the pipeline (slower, to find
  /// the pass that broke it); false: after each pass of the schedule
  /// lowering, then once after the last pass.
  bool verifyEachPass = false;
};

struct KernelImpl;
struct KernelFactory;

/// A compiled kernel: cheap to copy (shared), callable from any thread.
class Kernel {
public:
  const KernelSignature &signature() const;
  /// Runs the kernel. Outputs must be allocated with the shapes that
  /// `outputShapes` gives. The batch is split over `threads` threads (<= 0:
  /// plstm::getDefaultThreads(); one for a kernel compiled with
  /// gpuRaceCheck).
  Status operator()(const std::vector<TensorRef> &inputs,
                    const std::vector<TensorRef> &outputs,
                    int threads = 0) const;
  /// Output shapes for these inputs (checks the inputs).
  Status outputShapes(const std::vector<TensorRef> &inputs,
                      std::vector<std::vector<int64_t>> &shapes) const;
  /// Wall time of the compilation that produced this kernel (0 when it came
  /// from the cache).
  double compileSeconds() const { return compileSeconds_; }
  bool fromCache() const { return fromCache_; }

private:
  friend struct KernelFactory;
  std::shared_ptr<KernelImpl> impl_;
  double compileSeconds_ = 0;
  bool fromCache_ = false;
};

/// Compiles `specText` (an MLIR module holding plstm ops).
llvm::Expected<Kernel> compile(const std::string &specText,
                               const CompileOptions &options = {});
/// Reads and compiles the spec file at `path`.
llvm::Expected<Kernel> compileFile(const std::string &path,
                                   const CompileOptions &options = {});

} // namespace plstm

#endif // PLSTM_RUNTIME_JIT_JIT_H

//===- GpuKernel.h - launching the GPU pipeline's kernels -----------------===//
//
// A kernel of the GPU pipeline (codegen/GPUPipeline.cpp) is a PTX entry
// point and a launch description, both written by
// `plstm-compile --target=nvptx --emit=ptx -o k.ptx` (k.ptx, k.launch):
//
//   plstm-gpu-launch-v1
//   plstm-kernel-v1 <name> in N <inputs> out M <outputs>     (KernelSignature)
//   [scratch <n> <bytes> ...]                                  (optional)
//   kernel <entry> block <threads> (rows-of <arg> [rows-per-block <r>]
//          | grid <expr>) params <n> <param> ...   (one line per launch)
//
// The kernels run in the order of their lines, on one stream. grid.x =
// ceil(rows / r) where rows is dim 0 of argument `rows-of` (inputs, then
// outputs) and r is `rows-per-block`, by default the block size (one thread
// per batch row); the block-per-row mapping has r = 1. Or grid.x = <expr>
// (the grid over rows x chunks of plstm-gpu-chunk-grid). An expression is
// postfix, comma-separated, without spaces: integers, `dA.I` (dim I of
// argument A), and the operators + - * cdiv (ceiling division) div min max
// rem; e.g. `d0.0,d0.1,64,cdiv,*` = B * ceil(T / 64). A scratch buffer is
// device memory of <bytes> (an expression) that the runtime allocates for
// the call; the launches share it. A parameter is an argument index (its
// memref descriptor: allocated and aligned pointer, offset, sizes, strides;
// C-order buffers here), `sK`, scratch buffer K (a 1-D i8 descriptor), or
// `=N`, the index N (a 64-bit integer: the wavefront of a 2D launch).
// No MLIR: the device runner (tools/plstm-gpu-runner) and plstm-run
// --backend=cuda both use this.
//
//===----------------------------------------------------------------------===//
#ifndef PLSTM_RUNTIME_CUDA_GPUKERNEL_H
#define PLSTM_RUNTIME_CUDA_GPUKERNEL_H

#include "runtime/Kernel.h"
#include "runtime/cuda/CudaDriver.h"

#include <memory>
#include <string>
#include <vector>

namespace plstm::cuda {

/// A kernel parameter: an argument's memref descriptor, a scratch buffer's
/// (1-D i8) or an index constant (i64).
struct GpuLaunchParam {
  enum Kind { Argument, Scratch, Integer } kind = Argument;
  int64_t value = 0;
  bool operator==(const GpuLaunchParam &o) const {
    return kind == o.kind && value == o.value;
  }
};

/// One launch of a `.launch` file.
struct GpuLaunchKernel {
  std::string name;
  int64_t blockSize = 0;
  int64_t rowsArg = 0;
  int64_t rowsPerBlock = 0; ///< defaults to blockSize
  std::string grid;         ///< when not empty: grid.x, an expression
  int64_t sharedBytes = 0;  ///< dynamic shared memory a block (`shared N`)
  std::vector<GpuLaunchParam> params;
};

struct GpuLaunch {
  KernelSignature signature;
  std::vector<std::string> scratch; ///< byte sizes (expressions)
  std::vector<GpuLaunchKernel> kernels;

  /// Parses a `.launch` file's text; errors name the line and the field.
  static Status parse(const std::string &text, GpuLaunch &out);
};

/// Evaluates a launch description expression on the call's argument shapes
/// (inputs, then outputs); errors name the token.
Status evaluateLaunchExpression(const std::string &expr,
                                const std::vector<std::vector<int64_t>> &shapes,
                                int64_t &out);

class GpuKernel {
public:
  /// Loads the PTX (through `cache` when not null) and finds the entry
  /// point; sets the device's malloc heap to `heapBytes` (0: the MiB of
  /// $PLSTM_GPU_HEAP_MB, an error when it is not a whole number from 1 to
  /// below the device's memory; unset, a quarter of the device's memory, at
  /// most 8 GiB).
  static Status load(Device &device, const std::string &ptx,
                     const GpuLaunch &launch, PtxCache *cache,
                     std::unique_ptr<GpuKernel> &out, bool *cacheHit = nullptr,
                     size_t heapBytes = 0);

  const GpuLaunch &description() const { return launch_; }

  /// Uploads the inputs and allocates the outputs on the device (shapes
  /// from the signature), poisoned with 0xFF bytes (NaN floats).
  Status prepare(const std::vector<TensorRef> &inputs);
  /// Output shapes of the prepared call.
  const std::vector<std::vector<int64_t>> &outputShapes() const {
    return outputShapes_;
  }
  /// Launches the kernels on the prepared buffers (asynchronous).
  Status launch();
  /// Re-poisons the outputs (between timed runs of a check).
  Status poisonOutputs();
  /// Waits for the kernel and copies the outputs into `outputs` (C-order
  /// host tensors of outputShapes()).
  Status download(const std::vector<TensorRef> &outputs);
  /// prepare + launch + download.
  Status run(const std::vector<TensorRef> &inputs,
             const std::vector<TensorRef> &outputs);

private:
  explicit GpuKernel(Device &device) : device_(device) {}
  Device &device_;
  GpuLaunch launch_;
  std::vector<void *> functions_;      // one per launch
  std::vector<DeviceBuffer> buffers_;  // inputs, then outputs
  std::vector<DeviceBuffer> scratch_;
  std::vector<std::vector<int64_t>> shapes_, outputShapes_;
  std::vector<size_t> elementBytes_;
  std::vector<std::vector<int64_t>> values_; // each launch's descriptor words
  std::vector<std::vector<void *>> params_;
  std::vector<int64_t> grids_; // grid.x of each launch
  bool prepared_ = false;
};

} // namespace plstm::cuda

#endif // PLSTM_RUNTIME_CUDA_GPUKERNEL_H

//===- GpuKernel.h - launching the GPU pipeline's kernels -----------------===//
//
// A kernel of the GPU pipeline (codegen/GPUPipeline.cpp) is a PTX entry
// point and a launch description, both written by
// `plstm-compile --target=nvptx --emit=ptx -o k.ptx` (k.ptx, k.launch):
//
//   plstm-gpu-launch-v1
//   plstm-kernel-v1 <name> in N <inputs> out M <outputs>     (KernelSignature)
//   kernel <entry> block <threads> rows-of <arg> [rows-per-block <r>]
//          params <n> <arg> ...                                (one line)
//
// grid.x = ceil(rows / r) where rows is dim 0 of argument `rows-of` (inputs,
// then outputs) and r is `rows-per-block`, by default the block size (one
// thread per batch row); the block-per-row mapping has r = 1. Its
// parameters are the listed arguments' memref descriptors (allocated and
// aligned pointer, offset, sizes, strides; C-order buffers here). No MLIR:
// the device runner (tools/plstm-gpu-runner) and plstm-run --backend=cuda
// both use this.
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

struct GpuLaunch {
  KernelSignature signature;
  std::string kernel;
  int64_t blockSize = 0;
  int64_t rowsArg = 0;
  int64_t rowsPerBlock = 0; ///< defaults to blockSize
  std::vector<int64_t> params;

  /// Parses a `.launch` file's text; errors name the line and the field.
  static Status parse(const std::string &text, GpuLaunch &out);
};

class GpuKernel {
public:
  /// Loads the PTX (through `cache` when not null) and finds the entry
  /// point; sets the device's malloc heap to `heapBytes` (0: a quarter of
  /// the device's memory, at most 8 GiB).
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
  /// Launches the kernel on the prepared buffers (asynchronous).
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
  void *function_ = nullptr;
  std::vector<DeviceBuffer> buffers_;  // inputs, then outputs
  std::vector<std::vector<int64_t>> shapes_, outputShapes_;
  std::vector<size_t> elementBytes_;
  std::vector<int64_t> values_;        // the descriptors' words
  std::vector<void *> params_;
  int64_t rows_ = 0;
};

} // namespace plstm::cuda

#endif // PLSTM_RUNTIME_CUDA_GPUKERNEL_H

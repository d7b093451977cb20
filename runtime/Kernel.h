//===- Kernel.h - calling compiled plstm kernels (core runtime) -----------===//
//
// The C ABI of compiled kernels (codegen/CPUTarget.h): a kernel is
// `void <name>_packed(void **descriptors)` plus a signature string. This file
// parses signatures, checks call-time shapes against them (named dims must
// agree across arguments), validates DAG inputs (SPEC A6), marshals strided
// tensor views into contiguous buffers and MLIR memref descriptors, and
// loads AOT shared libraries with dlopen. No MLIR, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_RUNTIME_KERNEL_H
#define PLSTM_RUNTIME_KERNEL_H

#include "runtime/Tensor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace plstm {

/// One argument of a kernel: its role ("q", "source_r", "arg3"), dtype and
/// dims (name, and extent or -1 when dynamic).
struct KernelArg {
  std::string role;
  DType dtype = DType::F32;
  std::vector<std::string> dimNames;
  std::vector<int64_t> dims;
};

/// What a kernel takes and returns ("plstm-kernel-v1 ..." text).
struct KernelSignature {
  std::string name;
  std::vector<KernelArg> inputs, outputs;

  static Status parse(const std::string &text, KernelSignature &out);
  /// Binds named dims from the inputs' shapes (checking dtype, rank,
  /// static extents and agreement) and derives the output shapes.
  Status resolveShapes(const std::vector<TensorRef> &inputs,
                       std::vector<std::vector<int64_t>> &outputShapes) const;
};

using PackedKernelFn = void (*)(void **);
/// The thread count of the kernel's own parallel loops for the calling
/// thread (OpenMP's omp_set_num_threads / omp_get_max_threads); null for
/// kernels without them.
struct KernelThreads {
  void (*set)(int) = nullptr;
  int (*get)() = nullptr;
};

/// Checks `inputs` / `outputs` against `signature`, validates graphs, then
/// runs `fn`. Views may have any strides: non-contiguous ones go through
/// contiguous temporaries. `threads` (<= 0: the default, see
/// setDefaultThreads) are shared out in two levels: the batch (the leading
/// dim named "B") is split over min(threads, batch) runtime threads, and
/// each gets an equal share of the rest for the kernel's parallel loops
/// (through `kernelThreads`; a batch of 1 gets all of them; a call that runs
/// on the caller's thread restores that thread's setting). Batch entries
/// are independent and the parallel loops write disjoint parts, so results
/// do not depend on the thread count.
Status invokeKernel(PackedKernelFn fn, const KernelSignature &signature,
                    const std::vector<TensorRef> &inputs,
                    const std::vector<TensorRef> &outputs, int threads = 0,
                    KernelThreads kernelThreads = {});

/// Thread count of kernel calls that do not pass one (<= 0: all hardware
/// threads, the initial setting).
void setDefaultThreads(int threads);
int getDefaultThreads();

/// A shared library written by `plstm-compile --emit=so`.
class AotLibrary {
public:
  AotLibrary() = default;
  ~AotLibrary();
  AotLibrary(const AotLibrary &) = delete;
  AotLibrary &operator=(const AotLibrary &) = delete;

  /// dlopen()s `path` and reads its kernel list and signatures.
  static Status open(const std::string &path, std::unique_ptr<AotLibrary> &out);
  std::vector<std::string> kernelNames() const;
  /// The signature of kernel `name`, or null.
  const KernelSignature *signature(const std::string &name) const;
  /// Calls kernel `name` (threads as in invokeKernel).
  Status call(const std::string &name, const std::vector<TensorRef> &inputs,
              const std::vector<TensorRef> &outputs, int threads = 0) const;

private:
  void *handle_ = nullptr;
  std::string path_;
  KernelThreads threads_;
  std::map<std::string, std::pair<KernelSignature, PackedKernelFn>> kernels_;
};

} // namespace plstm

#endif // PLSTM_RUNTIME_KERNEL_H

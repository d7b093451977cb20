//===- CudaDriver.h - the CUDA driver API, loaded at run time -------------===//
//
// The thin CUDA runtime of plstm (ARCHITECTURE.md, runtime/): libcuda.so.1
// is opened with dlopen when a GPU backend is first used, never linked, so
// every plstm binary runs on machines without a driver. Every driver error
// is reported with the failing call and the error's name and description
// ("cuModuleLoadDataEx failed: CUDA_ERROR_INVALID_PTX (a PTX JIT
// compilation failed)"); a missing driver or device is a clear error, not a
// crash. PTX is compiled by the driver's JIT (cuLink*), with an on-disk cache
// of the resulting cubin keyed by the PTX, the device's compute capability
// and the driver version (PtxCache).
//
// C++ standard library and libdl only; the CUDA types are declared here as
// the opaque handles and integers of the driver ABI (no cuda.h needed).
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_RUNTIME_CUDA_CUDADRIVER_H
#define PLSTM_RUNTIME_CUDA_CUDADRIVER_H

#include "runtime/Tensor.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace plstm::cuda {

/// An on-disk cache of driver-compiled modules: key -> bytes, one file per
/// key, written atomically (temporary name, then rename). A missing or
/// unreadable entry is a miss; nothing is ever read half-written.
class PtxCache {
public:
  /// `dir` is created on the first store. Empty: the default directory,
  /// $PLSTM_CUDA_CACHE or $XDG_CACHE_HOME/plstm/cuda or ~/.cache/plstm/cuda.
  explicit PtxCache(std::string dir = "");
  const std::string &directory() const { return dir_; }
  /// The key of a PTX module compiled for one device and driver.
  static std::string key(const std::string &ptx, int computeMajor,
                         int computeMinor, int driverVersion);
  std::optional<std::vector<char>> lookup(const std::string &key) const;
  Status store(const std::string &key, const std::vector<char> &bytes) const;
  /// Path of the entry for `key`.
  std::string pathOf(const std::string &key) const;

private:
  std::string dir_;
};

struct DriverApi;

/// A device buffer (freed with its Device).
struct DeviceBuffer {
  uint64_t address = 0;
  size_t bytes = 0;
};

/// The loaded driver: one device, its primary context, modules, buffers.
/// Not thread-safe: use it from one thread at a time (any thread).
class Device {
public:
  ~Device();
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;

  /// Opens the driver (`library`; empty: $PLSTM_CUDA_DRIVER or
  /// "libcuda.so.1"), initialises it and takes device `ordinal`. Errors: no
  /// driver library ("no CUDA driver: ..."), a driver without a required
  /// entry point, no device, or a failing driver call (named with its error).
  static Status open(int ordinal, std::unique_ptr<Device> &out,
                     const std::string &library = "");

  const std::string &name() const { return name_; }
  int computeMajor() const { return major_; }
  int computeMinor() const { return minor_; }
  int driverVersion() const { return driverVersion_; }
  size_t totalMemory() const { return totalMemory_; }

  /// Loads a PTX module: the cubin from `cache` when present, else compiled
  /// by the driver's JIT and stored there (cache may be null). `hit` says
  /// which.
  Status loadPtx(const std::string &ptx, PtxCache *cache, void *&module,
                 bool *hit = nullptr);
  Status function(void *module, const std::string &name, void *&fn);
  Status allocate(size_t bytes, DeviceBuffer &out);
  Status upload(const DeviceBuffer &dst, const void *src, size_t bytes);
  Status download(void *dst, const DeviceBuffer &src, size_t bytes);
  /// Fills the buffer with the byte `value` (outputs are poisoned before a
  /// check with 0xFF: NaN in every float).
  Status fill(const DeviceBuffer &dst, uint8_t value);
  /// Launches `fn` on the device's stream; `params` point at the argument
  /// values (cuLaunchKernel's kernelParams).
  Status launch(void *fn, unsigned grid[3], unsigned block[3],
                unsigned sharedBytes, std::vector<void *> &params);
  /// Lets `fn` (kernel `name`) use `bytes` of dynamic shared memory a
  /// block (cuFuncSetAttribute: by default a kernel gets 48 KiB less its
  /// static shared memory); an error naming the kernel when its static and
  /// dynamic bytes exceed what the device allows.
  Status allowSharedMemory(void *fn, const std::string &name, unsigned bytes);
  /// The most shared memory a block may opt into (bytes).
  int maxSharedOptin() const { return maxSharedOptin_; }
  Status synchronize();
  /// Sets the device-side malloc heap (the GPU mapping's kernels allocate
  /// their per-row scratch there: a row-long buffer per row, all rows
  /// resident at once in the block-per-row mapping); before the first launch
  /// of a module that mallocs (a request no larger than the current heap
  /// does nothing).
  Status setHeapLimit(size_t bytes);
  /// Milliseconds of `repeat` runs of `body` on the device's stream, timed
  /// with CUDA events (after one warm-up run).
  Status time(int repeat, const std::function<Status()> &body,
              std::vector<float> &millis);

private:
  Device() = default;
  Status check(int result, const char *call) const;
  /// Makes the device's context current on the calling thread (every call
  /// does: a Device may be used from any thread, one at a time).
  Status makeCurrent();

  std::shared_ptr<DriverApi> api_;
  int device_ = 0;
  void *context_ = nullptr;
  void *stream_ = nullptr;
  std::vector<DeviceBuffer> buffers_;
  std::vector<void *> modules_;
  std::string name_;
  int major_ = 0, minor_ = 0, driverVersion_ = 0, maxSharedOptin_ = 0;
  size_t totalMemory_ = 0;
  size_t heapBytes_ = 0;
};

} // namespace plstm::cuda

#endif // PLSTM_RUNTIME_CUDA_CUDADRIVER_H

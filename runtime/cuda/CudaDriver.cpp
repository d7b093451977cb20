//===- CudaDriver.cpp - the CUDA driver API, loaded at run time -----------===//

#include "runtime/cuda/CudaDriver.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace plstm::cuda {

//===----------------------------------------------------------------------===//
// PtxCache
//===----------------------------------------------------------------------===//

static std::string defaultCacheDir() {
  // An empty variable counts as unset (an empty directory name would put
  // the cache files at the file system's root).
  auto variable = [](const char *name) -> const char * {
    const char *value = std::getenv(name);
    return value && *value ? value : nullptr;
  };
  if (const char *dir = variable("PLSTM_CUDA_CACHE"))
    return dir;
  if (const char *xdg = variable("XDG_CACHE_HOME"))
    return std::string(xdg) + "/plstm/cuda";
  if (const char *home = variable("HOME"))
    return std::string(home) + "/.cache/plstm/cuda";
  return "/tmp/plstm-cuda-cache";
}

PtxCache::PtxCache(std::string dir)
    : dir_(dir.empty() ? defaultCacheDir() : std::move(dir)) {}

std::string PtxCache::key(const std::string &ptx, int computeMajor,
                          int computeMinor, int driverVersion) {
  // FNV-1a 64 over the PTX and the target; printed with the target so that
  // a cache directory can be read by eye.
  uint64_t hash = 1469598103934665603ull;
  auto mix = [&](const std::string &text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
  };
  std::string target = "sm_" + std::to_string(computeMajor) +
                       std::to_string(computeMinor) + "-driver" +
                       std::to_string(driverVersion);
  mix(ptx);
  mix(target);
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx",
                static_cast<unsigned long long>(hash));
  return target + "-" + hex;
}

std::string PtxCache::pathOf(const std::string &key) const {
  return dir_ + "/" + key + ".cubin";
}

std::optional<std::vector<char>> PtxCache::lookup(const std::string &key) const {
  std::ifstream in(pathOf(key), std::ios::binary);
  if (!in)
    return std::nullopt;
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  if (in.bad() || bytes.empty())
    return std::nullopt;
  return bytes;
}

/// mkdir -p.
static Status makeDirectories(const std::string &dir) {
  std::string path;
  std::stringstream parts(dir);
  std::string part;
  if (!dir.empty() && dir[0] == '/')
    path = "/";
  while (std::getline(parts, part, '/')) {
    if (part.empty())
      continue;
    path += part + "/";
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
      return Status::error("cannot create the cache directory '" + path +
                           "': " + std::strerror(errno));
  }
  return Status::success();
}

Status PtxCache::store(const std::string &key,
                       const std::vector<char> &bytes) const {
  if (Status s = makeDirectories(dir_); !s)
    return s;
  std::string path = pathOf(key);
  // Unique per process, thread and call: concurrent stores of one key
  // never share a temporary file.
  static std::atomic<uint64_t> counter{0};
  std::string temp =
      path + ".tmp" + std::to_string(::getpid()) + "." +
      std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id())) +
      "." + std::to_string(counter++);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::remove(temp.c_str());
      return Status::error("cannot write the cache entry '" + temp + "'");
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    std::remove(temp.c_str());
    return Status::error("cannot rename '" + temp + "' to '" + path +
                         "': " + why);
  }
  return Status::success();
}

//===----------------------------------------------------------------------===//
// The driver API
//===----------------------------------------------------------------------===//

using CUdeviceptr = unsigned long long;

/// The entry points plstm uses, resolved from libcuda.so.1.
struct DriverApi {
  void *handle = nullptr;
  std::string library;
  int (*cuGetErrorName)(int, const char **) = nullptr;
  int (*cuGetErrorString)(int, const char **) = nullptr;
  int (*cuInit)(unsigned) = nullptr;
  int (*cuDriverGetVersion)(int *) = nullptr;
  int (*cuDeviceGetCount)(int *) = nullptr;
  int (*cuDeviceGet)(int *, int) = nullptr;
  int (*cuDeviceGetName)(char *, int, int) = nullptr;
  int (*cuDeviceGetAttribute)(int *, int, int) = nullptr;
  int (*cuDevicePrimaryCtxRetain)(void **, int) = nullptr;
  int (*cuDevicePrimaryCtxRelease)(int) = nullptr;
  int (*cuCtxSetCurrent)(void *) = nullptr;
  int (*cuCtxSetLimit)(int, size_t) = nullptr;
  int (*cuDeviceTotalMem)(size_t *, int) = nullptr;
  int (*cuStreamCreate)(void **, unsigned) = nullptr;
  int (*cuStreamDestroy)(void *) = nullptr;
  int (*cuStreamSynchronize)(void *) = nullptr;
  int (*cuModuleLoadDataEx)(void **, const void *, unsigned, int *,
                            void **) = nullptr;
  int (*cuModuleUnload)(void *) = nullptr;
  int (*cuModuleGetFunction)(void **, void *, const char *) = nullptr;
  int (*cuFuncSetAttribute)(void *, int, int) = nullptr;
  int (*cuFuncGetAttribute)(int *, int, void *) = nullptr;
  int (*cuLinkCreate)(unsigned, int *, void **, void **) = nullptr;
  int (*cuLinkAddData)(void *, int, void *, size_t, const char *, unsigned,
                       int *, void **) = nullptr;
  int (*cuLinkComplete)(void *, void **, size_t *) = nullptr;
  int (*cuLinkDestroy)(void *) = nullptr;
  int (*cuMemAlloc)(CUdeviceptr *, size_t) = nullptr;
  int (*cuMemFree)(CUdeviceptr) = nullptr;
  int (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t) = nullptr;
  int (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t) = nullptr;
  int (*cuMemsetD8)(CUdeviceptr, unsigned char, size_t) = nullptr;
  int (*cuLaunchKernel)(void *, unsigned, unsigned, unsigned, unsigned,
                        unsigned, unsigned, unsigned, void *, void **,
                        void **) = nullptr;
  int (*cuEventCreate)(void **, unsigned) = nullptr;
  int (*cuEventRecord)(void *, void *) = nullptr;
  int (*cuEventSynchronize)(void *) = nullptr;
  int (*cuEventElapsedTime)(float *, void *, void *) = nullptr;
  int (*cuEventDestroy)(void *) = nullptr;

  ~DriverApi() {
    if (handle)
      dlclose(handle);
  }

  /// "CUDA_ERROR_X (description)" for a driver result.
  std::string describe(int result) const {
    const char *name = nullptr, *text = nullptr;
    if (cuGetErrorName)
      cuGetErrorName(result, &name);
    if (cuGetErrorString)
      cuGetErrorString(result, &text);
    std::string out = name ? name : "CUDA error " + std::to_string(result);
    if (text)
      out += std::string(" (") + text + ")";
    return out;
  }
};

template <typename Fn>
static bool resolve(DriverApi &api, Fn &slot,
                    std::initializer_list<const char *> names,
                    std::string &missing) {
  for (const char *name : names)
    if (void *symbol = dlsym(api.handle, name)) {
      slot = reinterpret_cast<Fn>(symbol);
      return true;
    }
  missing = *names.begin();
  return false;
}

static Status loadDriver(const std::string &requested,
                         std::shared_ptr<DriverApi> &out) {
  auto api = std::make_shared<DriverApi>();
  api->library = requested;
  if (api->library.empty()) {
    const char *env = std::getenv("PLSTM_CUDA_DRIVER");
    api->library = env && *env ? env : "libcuda.so.1";
  }
  api->handle = dlopen(api->library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!api->handle) {
    const char *why = dlerror();
    return Status::error("no CUDA driver: cannot load '" + api->library +
                         "' (" + (why ? why : "unknown error") +
                         "); install the NVIDIA driver or set "
                         "PLSTM_CUDA_DRIVER to libcuda.so.1's path");
  }
  std::string missing;
  DriverApi &a = *api;
  bool ok =
      resolve(a, a.cuGetErrorName, {"cuGetErrorName"}, missing) &&
      resolve(a, a.cuGetErrorString, {"cuGetErrorString"}, missing) &&
      resolve(a, a.cuInit, {"cuInit"}, missing) &&
      resolve(a, a.cuDriverGetVersion, {"cuDriverGetVersion"}, missing) &&
      resolve(a, a.cuDeviceGetCount, {"cuDeviceGetCount"}, missing) &&
      resolve(a, a.cuDeviceGet, {"cuDeviceGet"}, missing) &&
      resolve(a, a.cuDeviceGetName, {"cuDeviceGetName"}, missing) &&
      resolve(a, a.cuDeviceGetAttribute, {"cuDeviceGetAttribute"}, missing) &&
      resolve(a, a.cuDevicePrimaryCtxRetain, {"cuDevicePrimaryCtxRetain"},
              missing) &&
      resolve(a, a.cuDevicePrimaryCtxRelease,
              {"cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease"},
              missing) &&
      resolve(a, a.cuCtxSetCurrent, {"cuCtxSetCurrent"}, missing) &&
      resolve(a, a.cuCtxSetLimit, {"cuCtxSetLimit"}, missing) &&
      resolve(a, a.cuDeviceTotalMem, {"cuDeviceTotalMem_v2"}, missing) &&
      resolve(a, a.cuStreamCreate, {"cuStreamCreate"}, missing) &&
      resolve(a, a.cuStreamDestroy, {"cuStreamDestroy_v2", "cuStreamDestroy"},
              missing) &&
      resolve(a, a.cuStreamSynchronize, {"cuStreamSynchronize"}, missing) &&
      resolve(a, a.cuModuleLoadDataEx, {"cuModuleLoadDataEx"}, missing) &&
      resolve(a, a.cuModuleUnload, {"cuModuleUnload"}, missing) &&
      resolve(a, a.cuModuleGetFunction, {"cuModuleGetFunction"}, missing) &&
      resolve(a, a.cuFuncSetAttribute, {"cuFuncSetAttribute"}, missing) &&
      resolve(a, a.cuFuncGetAttribute, {"cuFuncGetAttribute"}, missing) &&
      resolve(a, a.cuLinkCreate, {"cuLinkCreate_v2", "cuLinkCreate"},
              missing) &&
      resolve(a, a.cuLinkAddData, {"cuLinkAddData_v2", "cuLinkAddData"},
              missing) &&
      resolve(a, a.cuLinkComplete, {"cuLinkComplete"}, missing) &&
      resolve(a, a.cuLinkDestroy, {"cuLinkDestroy"}, missing) &&
      resolve(a, a.cuMemAlloc, {"cuMemAlloc_v2", "cuMemAlloc"}, missing) &&
      resolve(a, a.cuMemFree, {"cuMemFree_v2", "cuMemFree"}, missing) &&
      resolve(a, a.cuMemcpyHtoD, {"cuMemcpyHtoD_v2", "cuMemcpyHtoD"},
              missing) &&
      resolve(a, a.cuMemcpyDtoH, {"cuMemcpyDtoH_v2", "cuMemcpyDtoH"},
              missing) &&
      resolve(a, a.cuMemsetD8, {"cuMemsetD8_v2", "cuMemsetD8"}, missing) &&
      resolve(a, a.cuLaunchKernel, {"cuLaunchKernel"}, missing) &&
      resolve(a, a.cuEventCreate, {"cuEventCreate"}, missing) &&
      resolve(a, a.cuEventRecord, {"cuEventRecord"}, missing) &&
      resolve(a, a.cuEventSynchronize, {"cuEventSynchronize"}, missing) &&
      resolve(a, a.cuEventElapsedTime,
              {"cuEventElapsedTime_v2", "cuEventElapsedTime"}, missing) &&
      resolve(a, a.cuEventDestroy, {"cuEventDestroy_v2", "cuEventDestroy"},
              missing);
  if (!ok)
    return Status::error("the CUDA driver '" + api->library + "' has no " +
                         missing + " (a driver older than CUDA 12?)");
  out = std::move(api);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Device
//===----------------------------------------------------------------------===//

Status Device::check(int result, const char *call) const {
  if (result == 0)
    return Status::success();
  std::string message =
      std::string(call) + " failed: " + api_->describe(result);
  // CUDA_ERROR_ASSERT: a kernel's check failed (the generated kernels
  // assert that device malloc returned a buffer); its message went to the
  // device's printf output, the process's standard output.
  if (result == 710)
    message += "; a device-side assertion failed (its message is on the "
               "standard output); if it is a device malloc that returned "
               "null, the device heap (" +
               std::to_string(heapBytes_ >> 20) +
               " MiB) is too small: set $PLSTM_GPU_HEAP_MB higher";
  return Status::error(message);
}

Status Device::open(int ordinal, std::unique_ptr<Device> &out,
                    const std::string &library) {
  std::unique_ptr<Device> device(new Device());
  if (Status s = loadDriver(library, device->api_); !s)
    return s;
  DriverApi &a = *device->api_;
  if (Status s = device->check(a.cuInit(0), "cuInit"); !s)
    return s;
  int count = 0;
  if (Status s = device->check(a.cuDeviceGetCount(&count), "cuDeviceGetCount");
      !s)
    return s;
  if (count == 0)
    return Status::error("no CUDA device: the driver '" + a.library +
                         "' sees none");
  if (ordinal < 0 || ordinal >= count)
    return Status::error("CUDA device " + std::to_string(ordinal) +
                         " does not exist: the driver sees " +
                         std::to_string(count) + " (0 to " +
                         std::to_string(count - 1) + ")");
  if (Status s = device->check(a.cuDeviceGet(&device->device_, ordinal),
                               "cuDeviceGet");
      !s)
    return s;
  char name[256] = {0};
  if (Status s = device->check(
          a.cuDeviceGetName(name, sizeof(name) - 1, device->device_),
          "cuDeviceGetName");
      !s)
    return s;
  device->name_ = name;
  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR.
  if (Status s = device->check(
          a.cuDeviceGetAttribute(&device->major_, 75, device->device_),
          "cuDeviceGetAttribute");
      !s)
    return s;
  if (Status s = device->check(
          a.cuDeviceGetAttribute(&device->minor_, 76, device->device_),
          "cuDeviceGetAttribute");
      !s)
    return s;
  // CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN.
  if (Status s = device->check(
          a.cuDeviceGetAttribute(&device->maxSharedOptin_, 97, device->device_),
          "cuDeviceGetAttribute");
      !s)
    return s;
  if (Status s = device->check(
          a.cuDeviceTotalMem(&device->totalMemory_, device->device_),
          "cuDeviceTotalMem_v2");
      !s)
    return s;
  if (Status s = device->check(a.cuDriverGetVersion(&device->driverVersion_),
                               "cuDriverGetVersion");
      !s)
    return s;
  if (Status s = device->check(
          a.cuDevicePrimaryCtxRetain(&device->context_, device->device_),
          "cuDevicePrimaryCtxRetain");
      !s)
    return s;
  if (Status s = device->check(a.cuCtxSetCurrent(device->context_),
                               "cuCtxSetCurrent");
      !s)
    return s;
  if (Status s =
          device->check(a.cuStreamCreate(&device->stream_, 0), "cuStreamCreate");
      !s)
    return s;
  out = std::move(device);
  return Status::success();
}

Device::~Device() {
  if (!api_)
    return;
  DriverApi &a = *api_;
  if (context_)
    a.cuCtxSetCurrent(context_);
  for (const DeviceBuffer &buffer : buffers_)
    a.cuMemFree(buffer.address);
  for (void *module : modules_)
    a.cuModuleUnload(module);
  if (stream_)
    a.cuStreamDestroy(stream_);
  if (context_) {
    a.cuDevicePrimaryCtxRelease(device_);
    a.cuCtxSetCurrent(nullptr);
  }
}

Status Device::makeCurrent() {
  return check(api_->cuCtxSetCurrent(context_), "cuCtxSetCurrent");
}

Status Device::loadPtx(const std::string &ptx, PtxCache *cache, void *&module,
                       bool *hit) {
  DriverApi &a = *api_;
  if (Status s = makeCurrent(); !s)
    return s;
  std::string key = PtxCache::key(ptx, major_, minor_, driverVersion_);
  if (hit)
    *hit = false;
  if (cache)
    if (std::optional<std::vector<char>> cubin = cache->lookup(key))
      if (a.cuModuleLoadDataEx(&module, cubin->data(), 0, nullptr, nullptr) ==
          0) {
        modules_.push_back(module);
        if (hit)
          *hit = true;
        return Status::success();
      }
  // Compile with the driver's JIT (CU_JIT_INPUT_PTX = 1), keeping its log.
  char log[8192] = {0};
  int options[] = {5 /*CU_JIT_ERROR_LOG_BUFFER*/,
                   6 /*CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES*/};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log) - 1)};
  void *link = nullptr;
  if (Status s = check(a.cuLinkCreate(2, options, values, &link), "cuLinkCreate");
      !s)
    return s;
  auto fail = [&](Status s) {
    a.cuLinkDestroy(link);
    return log[0] ? Status::error(s.message() + "; JIT log: " + log) : s;
  };
  std::string text = ptx;
  if (Status s = check(a.cuLinkAddData(link, 1, text.data(), text.size() + 1,
                                       "plstm.ptx", 0, nullptr, nullptr),
                       "cuLinkAddData");
      !s)
    return fail(s);
  void *cubin = nullptr;
  size_t size = 0;
  if (Status s = check(a.cuLinkComplete(link, &cubin, &size), "cuLinkComplete");
      !s)
    return fail(s);
  std::vector<char> bytes(static_cast<char *>(cubin),
                          static_cast<char *>(cubin) + size);
  a.cuLinkDestroy(link);
  if (Status s = check(a.cuModuleLoadDataEx(&module, bytes.data(), 0, nullptr,
                                            nullptr),
                       "cuModuleLoadDataEx");
      !s)
    return s;
  modules_.push_back(module);
  if (cache)
    (void)cache->store(key, bytes); // a read-only cache only costs time
  return Status::success();
}

Status Device::function(void *module, const std::string &name, void *&fn) {
  Status s = check(api_->cuModuleGetFunction(&fn, module, name.c_str()),
                   "cuModuleGetFunction");
  return s ? s : Status::error(s.message() + " (kernel '" + name + "')");
}

Status Device::allocate(size_t bytes, DeviceBuffer &out) {
  if (Status s = makeCurrent(); !s)
    return s;
  CUdeviceptr address = 0;
  if (Status s = check(api_->cuMemAlloc(&address, bytes ? bytes : 1),
                       "cuMemAlloc");
      !s)
    return Status::error(s.message() + " (" + std::to_string(bytes) +
                         " bytes)");
  out = {address, bytes};
  buffers_.push_back(out);
  return Status::success();
}

Status Device::upload(const DeviceBuffer &dst, const void *src, size_t bytes) {
  if (bytes > dst.bytes)
    return Status::error("upload of " + std::to_string(bytes) +
                         " bytes into a buffer of " +
                         std::to_string(dst.bytes));
  return check(api_->cuMemcpyHtoD(dst.address, src, bytes), "cuMemcpyHtoD");
}

Status Device::download(void *dst, const DeviceBuffer &src, size_t bytes) {
  if (bytes > src.bytes)
    return Status::error("download of " + std::to_string(bytes) +
                         " bytes from a buffer of " +
                         std::to_string(src.bytes));
  return check(api_->cuMemcpyDtoH(dst, src.address, bytes), "cuMemcpyDtoH");
}

Status Device::fill(const DeviceBuffer &dst, uint8_t value) {
  return check(api_->cuMemsetD8(dst.address, value, dst.bytes), "cuMemsetD8");
}

Status Device::launch(void *fn, unsigned grid[3], unsigned block[3],
                      unsigned sharedBytes, std::vector<void *> &params) {
  if (Status s = makeCurrent(); !s)
    return s;
  return check(api_->cuLaunchKernel(fn, grid[0], grid[1], grid[2], block[0],
                                    block[1], block[2], sharedBytes, stream_,
                                    params.data(), nullptr),
               "cuLaunchKernel");
}

Status Device::allowSharedMemory(void *fn, const std::string &name,
                                 unsigned bytes) {
  if (bytes == 0)
    return Status::success();
  if (Status s = makeCurrent(); !s)
    return s;
  // CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES: the kernel's static shared memory
  // (its pointer slots), which the dynamic bytes come on top of.
  int staticBytes = 0;
  if (Status s = check(api_->cuFuncGetAttribute(&staticBytes, 1, fn),
                       "cuFuncGetAttribute");
      !s)
    return s;
  int64_t total = int64_t(staticBytes) + bytes;
  if (total > maxSharedOptin_)
    return Status::error("kernel " + name + " needs " + std::to_string(total) +
                         " bytes of shared memory a block (" +
                         std::to_string(bytes) + " dynamic, " +
                         std::to_string(staticBytes) + " static); " + name_ +
                         " allows " + std::to_string(maxSharedOptin_) +
                         " (compile it with a smaller --gpu-shared-bytes)");
  // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: by default 48 KiB less
  // the static bytes; set to what the launches pass.
  return check(api_->cuFuncSetAttribute(fn, 8, static_cast<int>(bytes)),
               "cuFuncSetAttribute");
}

Status Device::setHeapLimit(size_t bytes) {
  if (Status s = makeCurrent(); !s)
    return s;
  // CU_LIMIT_MALLOC_HEAP_SIZE: the heap of device-side malloc. It cannot
  // change once a kernel that mallocs has run: set it once, to the largest
  // request before the first launch.
  if (bytes <= heapBytes_)
    return Status::success();
  if (Status s = check(api_->cuCtxSetLimit(0x02, bytes), "cuCtxSetLimit"); !s)
    return s;
  heapBytes_ = bytes;
  return Status::success();
}

Status Device::synchronize() {
  return check(api_->cuStreamSynchronize(stream_), "cuStreamSynchronize");
}

Status Device::time(int repeat, const std::function<Status()> &body,
                    std::vector<float> &millis) {
  DriverApi &a = *api_;
  millis.clear();
  if (Status s = makeCurrent(); !s)
    return s;
  if (Status s = body(); !s) // warm-up
    return s;
  if (Status s = synchronize(); !s)
    return s;
  void *start = nullptr, *stop = nullptr;
  if (Status s = check(a.cuEventCreate(&start, 0), "cuEventCreate"); !s)
    return s;
  if (Status s = check(a.cuEventCreate(&stop, 0), "cuEventCreate"); !s) {
    a.cuEventDestroy(start);
    return s;
  }
  Status status = Status::success();
  for (int r = 0; r < repeat && status; ++r) {
    float ms = 0;
    if (!(status = check(a.cuEventRecord(start, stream_), "cuEventRecord")) ||
        !(status = body()) ||
        !(status = check(a.cuEventRecord(stop, stream_), "cuEventRecord")) ||
        !(status = check(a.cuEventSynchronize(stop), "cuEventSynchronize")) ||
        !(status = check(a.cuEventElapsedTime(&ms, start, stop),
                         "cuEventElapsedTime")))
      break;
    millis.push_back(ms);
  }
  a.cuEventDestroy(start);
  a.cuEventDestroy(stop);
  return status;
}

} // namespace plstm::cuda

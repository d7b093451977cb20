//===- FakeCuda.cpp - a stand-in libcuda.so.1 for tests without a GPU -----===//
//
// Exports the driver entry points plstm::cuda::Device resolves, with host
// memory for device buffers and a "JIT" that turns PTX into a fake cubin
// ("CUBIN:" + PTX). $PLSTM_FAKE_CUDA selects the machine it pretends to be:
//   unset / "one"   one device ("Fake GPU", sm_90)
//   "none"          a driver with no device
//   "init-fails"    cuInit returns CUDA_ERROR_NO_DEVICE (100)
//   "small-shared"  one device whose blocks may opt into 48 KiB of shared
//                   memory only (227 KiB otherwise)
//   "static-shared" one device whose kernels have 16 KiB of static shared
//                   memory (none otherwise): a launch may pass 32 KiB of
//                   dynamic shared memory unless the kernel opted into more
//   "asserts"       one device on which every kernel's device-side
//                   assertion fails: cuStreamSynchronize returns
//                   CUDA_ERROR_ASSERT (710)
// $PLSTM_FAKE_CUDA_LOG, when set, is a file that gets one line per JIT
// compilation ("jit"), launch ("launch NAME grid G block B [shared S]"),
// kernel attribute set ("set NAME attribute A = V") and context limit set
// ("limit L = V"), so tests can tell a cache hit from a miss and see the
// launches and the device heap.
//
//===----------------------------------------------------------------------===//

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>

namespace {
const char *mode() {
  const char *m = std::getenv("PLSTM_FAKE_CUDA");
  return m ? m : "one";
}
struct Link {
  std::string cubin;
};
} // namespace

extern "C" {

int cuGetErrorName(int error, const char **name) {
  switch (error) {
  case 0: *name = "CUDA_SUCCESS"; return 0;
  case 1:
    *name = "CUDA_ERROR_INVALID_VALUE";
    return 0;
  case 100: *name = "CUDA_ERROR_NO_DEVICE"; return 0;
  case 218: *name = "CUDA_ERROR_INVALID_PTX"; return 0;
  case 500: *name = "CUDA_ERROR_NOT_FOUND"; return 0;
  case 710:
    *name = "CUDA_ERROR_ASSERT";
    return 0;
  default: *name = nullptr; return 1;
  }
}
int cuGetErrorString(int error, const char **text) {
  switch (error) {
  case 1:
    *text = "invalid argument";
    return 0;
  case 100: *text = "no CUDA-capable device is detected"; return 0;
  case 218: *text = "a PTX JIT compilation failed"; return 0;
  case 500: *text = "named symbol not found"; return 0;
  case 710:
    *text = "device-side assert triggered";
    return 0;
  default: *text = nullptr; return 1;
  }
}
int cuInit(unsigned) { return std::strcmp(mode(), "init-fails") ? 0 : 100; }
int cuDriverGetVersion(int *v) { *v = 13000; return 0; }
int cuDeviceGetCount(int *n) {
  *n = std::strcmp(mode(), "none") ? 1 : 0;
  return 0;
}
int cuDeviceGet(int *d, int ordinal) { *d = ordinal; return 0; }
int cuDeviceGetName(char *name, int len, int) {
  std::snprintf(name, len, "Fake GPU");
  return 0;
}
int cuDeviceGetAttribute(int *value, int attribute, int) {
  // 75: compute capability major (9); 97: shared memory a block may opt
  // into (an H100's or H200's 227 KiB).
  int optin = std::strcmp(mode(), "small-shared") ? 232448 : 49152;
  *value = attribute == 75 ? 9 : attribute == 97 ? optin : 0;
  return 0;
}
int cuDevicePrimaryCtxRetain(void **ctx, int) {
  static int context;
  *ctx = &context;
  return 0;
}
int cuDevicePrimaryCtxRelease_v2(int) { return 0; }
int cuCtxSetCurrent(void *) { return 0; }
int cuCtxSetLimit(int limit, size_t value) {
  if (const char *log = std::getenv("PLSTM_FAKE_CUDA_LOG"))
    if (FILE *f = std::fopen(log, "a")) {
      std::fprintf(f, "limit %d = %zu\n", limit, value);
      std::fclose(f);
    }
  return 0;
}
int cuDeviceTotalMem_v2(size_t *bytes, int) {
  *bytes = size_t(16) << 30;
  return 0;
}
int cuStreamCreate(void **stream, unsigned) {
  static int s;
  *stream = &s;
  return 0;
}
int cuStreamDestroy_v2(void *) { return 0; }
int cuStreamSynchronize(void *) {
  return std::strcmp(mode(), "asserts") ? 0 : 710;
}
int cuModuleLoadDataEx(void **module, const void *image, unsigned, int *,
                       void **) {
  if (std::strncmp(static_cast<const char *>(image), "CUBIN:", 6) != 0)
    return 218;
  *module = std::malloc(1);
  return 0;
}
int cuModuleUnload(void *module) {
  std::free(module);
  return 0;
}
/// A function is its name (stable addresses in a std::set).
int cuModuleGetFunction(void **fn, void *, const char *name) {
  if (std::strcmp(name, "missing") == 0)
    return 500;
  static std::set<std::string> functions;
  *fn = const_cast<std::string *>(&*functions.insert(name).first);
  return 0;
}
int cuLinkCreate_v2(unsigned, int *, void **, void **state) {
  *state = new Link();
  return 0;
}
int cuLinkAddData_v2(void *state, int, void *data, size_t, const char *,
                     unsigned, int *, void **) {
  std::string ptx = static_cast<const char *>(data);
  if (ptx.find(".version") == std::string::npos)
    return 218;
  static_cast<Link *>(state)->cubin = "CUBIN:" + ptx;
  if (const char *log = std::getenv("PLSTM_FAKE_CUDA_LOG"))
    if (FILE *f = std::fopen(log, "a")) {
      std::fputs("jit\n", f);
      std::fclose(f);
    }
  return 0;
}
int cuLinkComplete(void *state, void **cubin, size_t *size) {
  Link *link = static_cast<Link *>(state);
  *cubin = link->cubin.data();
  *size = link->cubin.size();
  return 0;
}
int cuLinkDestroy(void *state) {
  delete static_cast<Link *>(state);
  return 0;
}
int cuMemAlloc_v2(unsigned long long *address, size_t bytes) {
  *address = reinterpret_cast<unsigned long long>(std::malloc(bytes));
  return 0;
}
int cuMemFree_v2(unsigned long long address) {
  std::free(reinterpret_cast<void *>(address));
  return 0;
}
int cuMemcpyHtoD_v2(unsigned long long dst, const void *src, size_t bytes) {
  std::memcpy(reinterpret_cast<void *>(dst), src, bytes);
  return 0;
}
int cuMemcpyDtoH_v2(void *dst, unsigned long long src, size_t bytes) {
  std::memcpy(dst, reinterpret_cast<void *>(src), bytes);
  return 0;
}
int cuMemsetD8_v2(unsigned long long dst, unsigned char value, size_t bytes) {
  std::memset(reinterpret_cast<void *>(dst), value, bytes);
  return 0;
}
/// Runs nothing; with PLSTM_FAKE_CUDA_LOG, logs the launch.
// Per kernel: the most dynamic shared memory a launch may pass (by default
// 48 KiB less the static bytes), as the driver checks it.
std::map<void *, int> &maxDynamicShared() {
  static std::map<void *, int> limits;
  return limits;
}
int staticShared() { return std::strcmp(mode(), "static-shared") ? 0 : 16384; }
int cuFuncGetAttribute(int *value, int attribute, void *) {
  *value = attribute == 1 ? staticShared() : 0; // 1: static shared memory
  return 0;
}
int cuFuncSetAttribute(void *fn, int attribute, int value) {
  if (attribute == 8)
    maxDynamicShared()[fn] = value;
  if (const char *log = std::getenv("PLSTM_FAKE_CUDA_LOG"))
    if (FILE *f = std::fopen(log, "a")) {
      std::fprintf(f, "set %s attribute %d = %d\n",
                   static_cast<std::string *>(fn)->c_str(), attribute, value);
      std::fclose(f);
    }
  return 0;
}
int cuLaunchKernel(void *fn, unsigned gridX, unsigned, unsigned,
                   unsigned blockX, unsigned, unsigned, unsigned shared, void *,
                   void **params, void **) {
  auto limit = maxDynamicShared().find(fn);
  if (shared > unsigned(limit == maxDynamicShared().end()
                            ? 49152 - staticShared()
                            : limit->second))
    return 1; // CUDA_ERROR_INVALID_VALUE
  if (const char *log = std::getenv("PLSTM_FAKE_CUDA_LOG"))
    if (FILE *f = std::fopen(log, "a")) {
      std::fprintf(f, "launch %s grid %u block %u",
                   static_cast<std::string *>(fn)->c_str(), gridX, blockX);
      if (shared)
        std::fprintf(f, " shared %u", shared);
      std::fprintf(f, "\n");
      std::fclose(f);
    }
  (void)params;
  return 0;
}
int cuEventCreate(void **event, unsigned) {
  *event = std::malloc(1);
  return 0;
}
int cuEventRecord(void *, void *) { return 0; }
int cuEventSynchronize(void *) { return 0; }
int cuEventElapsedTime(float *ms, void *, void *) {
  *ms = 0.5f;
  return 0;
}
int cuEventDestroy_v2(void *event) {
  std::free(event);
  return 0;
}

} // extern "C"

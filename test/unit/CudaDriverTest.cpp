//===- CudaDriverTest.cpp - the thin CUDA runtime without a GPU -----------===//
//
// The driver is loaded at run time, so its error paths and the PTX cache are
// testable here: a missing libcuda.so.1, a library that is not a driver, and
// a stand-in driver (fake-cuda/FakeCuda.cpp, PLSTM_FAKE_CUDA_LIBRARY) that
// pretends to have no device, fails cuInit, or has one device whose "JIT"
// logs each compilation.
//
//===----------------------------------------------------------------------===//

#include "runtime/cuda/CudaDriver.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace plstm;
using namespace plstm::cuda;

namespace {

const char *kPtx = ".version 8.0\n.target sm_90\n.address_size 64\n"
                   ".visible .entry k() { ret; }\n";

std::string freshDir(const std::string &name) {
  std::string dir = ::testing::TempDir() + "plstm-cuda-" + name + "-" +
                    std::to_string(::getpid());
  std::string rm = "rm -rf '" + dir + "'";
  (void)std::system(rm.c_str());
  return dir;
}

int countLines(const std::string &path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    ++n;
  return n;
}

} // namespace

TEST(CudaDriver, MissingDriverIsAClearError) {
  std::unique_ptr<Device> device;
  Status s = Device::open(0, device, "/nonexistent/libcuda.so.1");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no CUDA driver: cannot load "
                             "'/nonexistent/libcuda.so.1'"),
            std::string::npos)
      << s.message();
}

TEST(CudaDriver, ALibraryThatIsNotADriverIsNamed) {
  std::unique_ptr<Device> device;
  Status s = Device::open(0, device, "libm.so.6");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("the CUDA driver 'libm.so.6' has no cuGetErrorName"),
            std::string::npos)
      << s.message();
}

TEST(CudaDriver, NoDeviceAndFailingCallsAreNamed) {
  std::unique_ptr<Device> device;
  setenv("PLSTM_FAKE_CUDA", "none", 1);
  Status none = Device::open(0, device, PLSTM_FAKE_CUDA_LIBRARY);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.message().find("no CUDA device"), std::string::npos)
      << none.message();
  setenv("PLSTM_FAKE_CUDA", "init-fails", 1);
  Status init = Device::open(0, device, PLSTM_FAKE_CUDA_LIBRARY);
  ASSERT_FALSE(init.ok());
  EXPECT_EQ(init.message(), "cuInit failed: CUDA_ERROR_NO_DEVICE (no "
                            "CUDA-capable device is detected)");
  setenv("PLSTM_FAKE_CUDA", "one", 1);
  Status range = Device::open(3, device, PLSTM_FAKE_CUDA_LIBRARY);
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.message().find("CUDA device 3 does not exist: the driver "
                                 "sees 1 (0 to 0)"),
            std::string::npos)
      << range.message();
  unsetenv("PLSTM_FAKE_CUDA");
}

TEST(CudaDriver, PtxCacheMissThenHit) {
  std::unique_ptr<Device> device;
  ASSERT_TRUE(Device::open(0, device, PLSTM_FAKE_CUDA_LIBRARY).ok());
  EXPECT_EQ(device->name(), "Fake GPU");
  EXPECT_EQ(device->computeMajor(), 9);
  std::string dir = freshDir("cache"), log = dir + ".log";
  std::remove(log.c_str());
  setenv("PLSTM_FAKE_CUDA_LOG", log.c_str(), 1);
  PtxCache cache(dir);
  void *module = nullptr;
  bool hit = true;
  ASSERT_TRUE(device->loadPtx(kPtx, &cache, module, &hit).ok());
  EXPECT_FALSE(hit);
  EXPECT_EQ(countLines(log), 1) << "the first load compiles";
  std::string entry = cache.pathOf(PtxCache::key(kPtx, 9, 0, 13000));
  EXPECT_TRUE(std::ifstream(entry).good()) << entry;
  ASSERT_TRUE(device->loadPtx(kPtx, &cache, module, &hit).ok());
  EXPECT_TRUE(hit);
  EXPECT_EQ(countLines(log), 1) << "the second load comes from the cache";
  // Another PTX (or another device or driver) is another key: a miss.
  std::string other = std::string(kPtx) + "// another kernel\n";
  ASSERT_TRUE(device->loadPtx(other, &cache, module, &hit).ok());
  EXPECT_FALSE(hit);
  EXPECT_NE(PtxCache::key(kPtx, 9, 0, 13000), PtxCache::key(kPtx, 8, 0, 13000));
  EXPECT_NE(PtxCache::key(kPtx, 9, 0, 13000), PtxCache::key(kPtx, 9, 0, 12080));
  // A corrupt entry is a miss, recompiled and rewritten.
  std::ofstream(entry, std::ios::trunc) << "garbage";
  ASSERT_TRUE(device->loadPtx(kPtx, &cache, module, &hit).ok());
  EXPECT_FALSE(hit);
  ASSERT_TRUE(device->loadPtx(kPtx, &cache, module, &hit).ok());
  EXPECT_TRUE(hit);
  unsetenv("PLSTM_FAKE_CUDA_LOG");
}

TEST(CudaDriver, JitErrorsAndBuffers) {
  std::unique_ptr<Device> device;
  ASSERT_TRUE(Device::open(0, device, PLSTM_FAKE_CUDA_LIBRARY).ok());
  void *module = nullptr;
  Status bad = device->loadPtx("not ptx", nullptr, module);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("cuLinkAddData failed: CUDA_ERROR_INVALID_PTX"),
            std::string::npos)
      << bad.message();
  ASSERT_TRUE(device->loadPtx(kPtx, nullptr, module).ok());
  void *fn = nullptr;
  Status missing = device->function(module, "missing", fn);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("CUDA_ERROR_NOT_FOUND (named symbol not "
                                   "found) (kernel 'missing')"),
            std::string::npos)
      << missing.message();
  // Round trip through a device buffer, poisoned with 0xFF first.
  DeviceBuffer buffer;
  ASSERT_TRUE(device->allocate(4 * sizeof(float), buffer).ok());
  ASSERT_TRUE(device->fill(buffer, 0xFF).ok());
  float back[4];
  ASSERT_TRUE(device->download(back, buffer, sizeof(back)).ok());
  EXPECT_TRUE(std::isnan(back[0]));
  float values[4] = {1, 2, 3, 4};
  ASSERT_TRUE(device->upload(buffer, values, sizeof(values)).ok());
  ASSERT_TRUE(device->download(back, buffer, sizeof(back)).ok());
  EXPECT_EQ(back[3], 4.0f);
  Status big = device->upload(buffer, values, 2 * sizeof(values));
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.message().find("upload of 32 bytes into a buffer of 16"),
            std::string::npos);
}

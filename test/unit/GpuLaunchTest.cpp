//===- GpuLaunchTest.cpp - the GPU kernels' launch descriptions ------------===//

#include "runtime/cuda/GpuKernel.h"

#include <gtest/gtest.h>

using plstm::cuda::GpuLaunch;

namespace {
const char *kSignature =
    "plstm-kernel-v1 f in 2 q:f32:B=?,T=?,D=4 edges:i32:E=?,_=2 out 1 "
    "y:f32:B=?,T=?,D=4";

std::string launchText(const std::string &line3) {
  return std::string("plstm-gpu-launch-v1\n") + kSignature + "\n" + line3 +
         "\n";
}
} // namespace

TEST(GpuLaunch, ParsesTheThreeLines) {
  GpuLaunch launch;
  plstm::Status s = GpuLaunch::parse(
      launchText("kernel f_kernel block 32 rows-of 0 params 3 0 1 2"), launch);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(launch.kernel, "f_kernel");
  EXPECT_EQ(launch.blockSize, 32);
  EXPECT_EQ(launch.rowsArg, 0);
  EXPECT_EQ(launch.params, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(launch.signature.name, "f");
  EXPECT_EQ(launch.signature.inputs.size(), 2u);
  EXPECT_EQ(launch.signature.outputs.size(), 1u);
  EXPECT_EQ(launch.rowsPerBlock, 32); // one thread per row by default
}

TEST(GpuLaunch, ParsesRowsPerBlock) {
  GpuLaunch launch;
  plstm::Status s = GpuLaunch::parse(
      launchText("kernel f_kernel block 128 rows-of 1 rows-per-block 1 "
                 "params 2 0 2"),
      launch);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(launch.blockSize, 128);
  EXPECT_EQ(launch.rowsPerBlock, 1);
  EXPECT_EQ(launch.rowsArg, 1);
  EXPECT_EQ(launch.params, (std::vector<int64_t>{0, 2}));
  s = GpuLaunch::parse(launchText("kernel f_kernel block 64 rows-of 0 "
                                  "rows-per-block 65 params 0"),
                       launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("rows-per-block = 65, expected 1 to the block "
                             "size 64"),
            std::string::npos)
      << s.message();
}

TEST(GpuLaunch, ErrorsNameTheLineAndTheField) {
  GpuLaunch launch;
  plstm::Status s = GpuLaunch::parse("plstm-gpu-launch-v0\n", launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("line 1 is 'plstm-gpu-launch-v0'"),
            std::string::npos)
      << s.message();
  s = GpuLaunch::parse("plstm-gpu-launch-v1\n", launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("line 2"), std::string::npos) << s.message();
  s = GpuLaunch::parse(launchText("kernel f_kernel block 0 rows-of 0 params 0"),
                       launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("block = 0, expected 1 to 1024"),
            std::string::npos)
      << s.message();
  s = GpuLaunch::parse(launchText("kernel f_kernel block 32 rows-of 3 params 0"),
                       launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("rows-of = 3, expected an argument index below 3"),
            std::string::npos)
      << s.message();
  s = GpuLaunch::parse(
      launchText("kernel f_kernel block 32 rows-of 0 params 2 0 7"), launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("parameter #1"), std::string::npos)
      << s.message();
  s = GpuLaunch::parse(
      launchText("kernel f_kernel block 32 rows-of 0 params -1"), launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("params -1, expected a count >= 0"),
            std::string::npos)
      << s.message();
  s = GpuLaunch::parse(
      launchText("kernel f_kernel block 32 rows-of 0 params 1 0 2"), launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("has '2' after its 1 parameters"),
            std::string::npos)
      << s.message();
  s = GpuLaunch::parse(launchText("kernel f_kernel threads 32"), launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("expected 'kernel NAME block N"),
            std::string::npos)
      << s.message();
}

//===- GpuLaunchTest.cpp - the GPU kernels' launch descriptions ------------===//

#include "runtime/cuda/GpuKernel.h"

#include <gtest/gtest.h>

using plstm::cuda::GpuLaunch;
using plstm::cuda::GpuLaunchParam;

namespace {
std::vector<GpuLaunchParam> args(std::vector<int64_t> indices) {
  std::vector<GpuLaunchParam> out;
  for (int64_t i : indices)
    out.push_back({GpuLaunchParam::Argument, i});
  return out;
}
} // namespace

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
  ASSERT_EQ(launch.kernels.size(), 1u);
  EXPECT_EQ(launch.kernels[0].name, "f_kernel");
  EXPECT_EQ(launch.kernels[0].blockSize, 32);
  EXPECT_EQ(launch.kernels[0].rowsArg, 0);
  EXPECT_EQ(launch.kernels[0].params, args({0, 1, 2}));
  EXPECT_TRUE(launch.scratch.empty());
  EXPECT_EQ(launch.signature.name, "f");
  EXPECT_EQ(launch.signature.inputs.size(), 2u);
  EXPECT_EQ(launch.signature.outputs.size(), 1u);
  EXPECT_EQ(launch.kernels[0].rowsPerBlock, 32); // a thread per row
}

TEST(GpuLaunch, ParsesRowsPerBlock) {
  GpuLaunch launch;
  plstm::Status s = GpuLaunch::parse(
      launchText("kernel f_kernel block 128 rows-of 1 rows-per-block 1 "
                 "params 2 0 2"),
      launch);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(launch.kernels[0].blockSize, 128);
  EXPECT_EQ(launch.kernels[0].rowsPerBlock, 1);
  EXPECT_EQ(launch.kernels[0].rowsArg, 1);
  EXPECT_EQ(launch.kernels[0].params, args({0, 2}));
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
  s = GpuLaunch::parse("plstm-gpu-launch-v1\n" + std::string(kSignature) + "\n",
                       launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("line 3 (kernel ...) is missing"),
            std::string::npos)
      << s.message();
  s = GpuLaunch::parse(launchText("kernel f_kernel threads 32"), launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("expected 'kernel NAME block N"),
            std::string::npos)
      << s.message();
}

// plstm-gpu-chunk-grid's form: shared scratch buffers, several launches in
// order, grids given by expressions of the arguments' dims.
TEST(GpuLaunch, ParsesScratchAndSeveralLaunches) {
  GpuLaunch launch;
  plstm::Status s = GpuLaunch::parse(
      launchText(
          "scratch 2 d0.0,64,* d0.0,d0.1,4,cdiv,*,16,*\n"
          "kernel a block 128 rows-of 0 rows-per-block 1 params 2 0 s1\n"
          "kernel b block 64 grid d0.0,d0.1,4,cdiv,* params 4 s0 2 s1 =7"),
      launch);
  ASSERT_TRUE(s) << s.message();
  ASSERT_EQ(launch.kernels.size(), 2u);
  EXPECT_EQ(launch.scratch,
            (std::vector<std::string>{"d0.0,64,*", "d0.0,d0.1,4,cdiv,*,16,*"}));
  EXPECT_EQ(launch.kernels[0].params,
            (std::vector<GpuLaunchParam>{{GpuLaunchParam::Argument, 0},
                                         {GpuLaunchParam::Scratch, 1}}));
  EXPECT_EQ(launch.kernels[1].name, "b");
  EXPECT_EQ(launch.kernels[1].grid, "d0.0,d0.1,4,cdiv,*");
  EXPECT_EQ(launch.kernels[1].params,
            (std::vector<GpuLaunchParam>{{GpuLaunchParam::Scratch, 0},
                                         {GpuLaunchParam::Argument, 2},
                                         {GpuLaunchParam::Scratch, 1},
                                         {GpuLaunchParam::Integer, 7}}));
  // q is [3, 10, 4]: grid = 3 * ceil(10 / 4) = 9.
  std::vector<std::vector<int64_t>> shapes = {{3, 10, 4}, {5, 2}, {3, 10, 4}};
  int64_t v = 0;
  ASSERT_TRUE(
      plstm::cuda::evaluateLaunchExpression(launch.kernels[1].grid, shapes, v));
  EXPECT_EQ(v, 9);
  ASSERT_TRUE(plstm::cuda::evaluateLaunchExpression(
      "7,2,rem,9,4,div,+,3,5,min,*,1,2,max,-", shapes, v));
  EXPECT_EQ(v, (1 + 2) * 3 - 2);

  s = GpuLaunch::parse(launchText("kernel b block 64 grid d0.0,* params 0"),
                       launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("line 3: grid: expression 'd0.0,*': token '*' "
                             "needs two operands"),
            std::string::npos)
      << s.message();
  s = GpuLaunch::parse(launchText("kernel b block 64 grid d3.0 params 0"),
                       launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("token 'd3.0' is not dA.I with A an argument "
                             "index below 3"),
            std::string::npos)
      << s.message();
  s = GpuLaunch::parse(launchText("kernel b block 64 grid 4,pow params 0"),
                       launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("token 'pow' is not an integer"),
            std::string::npos)
      << s.message();
  s = GpuLaunch::parse(
      launchText("scratch 1 64\nkernel b block 64 grid 1 params 1 s1"), launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("line 4: parameter #0 is 's1', expected an "
                             "argument index below 3, sK with K below 1 or "
                             "=N with N an integer"),
            std::string::npos)
      << s.message();
  s = GpuLaunch::parse(
      launchText("kernel b block 64 grid 1 params 0\nscratch 1 64"), launch);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("line 4 is 'scratch 1 64', expected one "
                             "'scratch N BYTES...' before the kernels"),
            std::string::npos)
      << s.message();
  EXPECT_FALSE(plstm::cuda::evaluateLaunchExpression("d0.5", shapes, v));
  EXPECT_FALSE(plstm::cuda::evaluateLaunchExpression("4,0,cdiv", shapes, v));
  EXPECT_FALSE(plstm::cuda::evaluateLaunchExpression("4,5", shapes, v));
  // Negative literals; ceiling division rounds up as arith.ceildivsi;
  // overflow and over-long literals are errors, not wrong values.
  ASSERT_TRUE(plstm::cuda::evaluateLaunchExpression("-7,2,cdiv", shapes, v));
  EXPECT_EQ(v, -3);
  ASSERT_TRUE(plstm::cuda::evaluateLaunchExpression("7,2,cdiv", shapes, v));
  EXPECT_EQ(v, 4);
  plstm::Status big = plstm::cuda::evaluateLaunchExpression(
      "400000000000000000,40,*", shapes, v);
  EXPECT_FALSE(big);
  EXPECT_NE(big.message().find("token '*' overflows 64 bits"),
            std::string::npos)
      << big.message();
  EXPECT_FALSE(
      plstm::cuda::evaluateLaunchExpression("99999999999999999999", shapes, v));
  EXPECT_FALSE(plstm::cuda::evaluateLaunchExpression("d99999999999999999999.0",
                                                     shapes, v));
  s = GpuLaunch::parse(launchText("kernel b block 64 grid 1 params 1 =-3"),
                       launch);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(launch.kernels[0].params,
            (std::vector<GpuLaunchParam>{{GpuLaunchParam::Integer, -3}}));
}

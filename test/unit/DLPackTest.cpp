//===- DLPackTest.cpp - DLPack tensors as runtime views -------------------===//

#include "runtime/DLPack.h"

#include <gtest/gtest.h>

using namespace plstm;

TEST(DLPack, CompactAndStridedCpuTensors) {
  float data[12];
  for (int i = 0; i < 12; ++i)
    data[i] = static_cast<float>(i);
  int64_t shape[2] = {3, 4};
  dlpack::DLTensor t{
      data, {dlpack::kDLCPU, 0}, 2, {dlpack::kDLFloat, 32, 1}, shape, nullptr,
      0};
  TensorRef ref;
  ASSERT_TRUE(fromDLTensor(t, ref).ok());
  EXPECT_EQ(ref.dtype, DType::F32);
  EXPECT_EQ(ref.strides, (std::vector<int64_t>{4, 1}));
  EXPECT_EQ(ref.loadLinear(5), 5.0);
  // Transposed view with a byte offset of one element.
  int64_t tshape[2] = {4, 2}, tstrides[2] = {1, 4};
  dlpack::DLTensor tt{
      data,     {dlpack::kDLCPU, 0}, 2, {dlpack::kDLFloat, 32, 1}, tshape,
      tstrides, sizeof(float)};
  ASSERT_TRUE(fromDLTensor(tt, ref).ok());
  EXPECT_EQ(ref.loadLinear(1), 5.0); // element [0, 1] = data[1 + 4]
  EXPECT_EQ(ref.loadLinear(2), 2.0); // element [1, 0] = data[1 + 1]
}

TEST(DLPack, UnsupportedTensorsAreErrors) {
  float data[1] = {0};
  int64_t shape[1] = {1};
  dlpack::DLTensor gpu{data,  {2, 0},  1, {dlpack::kDLFloat, 32, 1},
                       shape, nullptr, 0};
  TensorRef ref;
  EXPECT_EQ(fromDLTensor(gpu, ref).message(),
            "DLTensor on device type 2, expected kDLCPU (1)");
  dlpack::DLTensor half{
      data, {dlpack::kDLCPU, 0}, 1, {dlpack::kDLFloat, 16, 1}, shape, nullptr,
      0};
  EXPECT_EQ(fromDLTensor(half, ref).message(),
            "DLTensor dtype (code 2, bits 16) is not float32, float64, int32 "
            "or int64");
}

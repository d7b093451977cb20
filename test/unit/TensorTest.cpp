//===- TensorTest.cpp - tests of the runtime tensor types -----------------===//
//
// Element types, shape formatting, C-order strides, strided element access
// with dtype conversion, owned tensors and Status.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

namespace plstm {
namespace {

using namespace plstm::test;

TEST(Tensor, DTypesAndShapes) {
  EXPECT_EQ(dtypeSize(DType::F32), 4u);
  EXPECT_EQ(dtypeSize(DType::F64), 8u);
  EXPECT_EQ(dtypeSize(DType::I32), 4u);
  EXPECT_EQ(dtypeSize(DType::I64), 8u);
  EXPECT_STREQ(dtypeName(DType::F32), "f32");
  EXPECT_STREQ(dtypeName(DType::I64), "i64");
  EXPECT_TRUE(isFloat(DType::F64));
  EXPECT_FALSE(isFloat(DType::I32));
  EXPECT_EQ(formatShape({}), "[]");
  EXPECT_EQ(formatShape({2, 8, -1}), "[2, 8, ?]");
}

TEST(Tensor, ContiguousViewsAndStridedAccess) {
  Tensor t(DType::F64, {2, 3, 4});
  EXPECT_EQ(t.numElements(), 24);
  EXPECT_EQ(t.sizeInBytes(), 24u * 8u);
  TensorRef ref = t.ref();
  EXPECT_EQ(ref.strides, (Shape{12, 4, 1}));
  for (int64_t i = 0; i < 24; ++i)
    ref.storeLinear(i, double(i));
  const int64_t index[3] = {1, 2, 3};
  EXPECT_EQ(ref.offset(index), 23);
  // The transposed [4, 3, 2] view reads element (c, b, a) = t[a, b, c].
  TensorRef transposed(t.data(), DType::F64, {4, 3, 2}, {1, 4, 12});
  EXPECT_EQ(transposed.loadLinear(0), 0.0);
  EXPECT_EQ(transposed.loadLinear(1), 12.0); // (0, 0, 1)
  EXPECT_EQ(transposed.loadLinear(2), 4.0);  // (0, 1, 0)
  EXPECT_EQ(transposed.loadLinear(23), 23.0);
  transposed.storeLinear(1, -5.0);
  EXPECT_EQ(t.as<double>()[12], -5.0);

  Tensor ints(DType::I32, {3});
  ints.fill(-4.0);
  EXPECT_EQ(ints.ref().loadIndexLinear(2), -4);
  EXPECT_EQ(ints.ref().loadLinear(1), -4.0);
  Tensor f32(DType::F32, {2});
  f32.ref().storeLinear(1, 0.1);
  EXPECT_EQ(f32.as<float>()[1], 0.1f);

  Tensor empty(DType::F32, {2, 0, 3});
  EXPECT_EQ(empty.numElements(), 0);
  EXPECT_EQ(empty.sizeInBytes(), 0u);
  Tensor scalar(DType::I64, {});
  EXPECT_EQ(scalar.numElements(), 1);
  EXPECT_TRUE(scalar.ref().present());
  EXPECT_FALSE(TensorRef().present());
}

TEST(Tensor, StatusCarriesMessages) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(static_cast<bool>(Status::success()));
  Status bad = Status::error("q: broken");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "q: broken");
}

} // namespace
} // namespace plstm

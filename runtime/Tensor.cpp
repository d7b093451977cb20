//===- Tensor.cpp - plstm runtime tensors: strided views and owned buffers ===//
//
// Implements the element-type helpers, shape formatting, the strided element
// access of `TensorRef` (C-order linear positions mapped through arbitrary
// non-negative strides, with conversion to and from double) and the owning
// contiguous `Tensor`.
//
// Depends on the C++ standard library only.
//
//===----------------------------------------------------------------------===//

#include "runtime/Tensor.h"

#include <algorithm>

#include <cstring>

namespace plstm {

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F64:
  case DType::I64:
    return 8;
  }
  return 0;
}

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  }
  return "?";
}

bool isFloat(DType dtype) { return dtype == DType::F32 || dtype == DType::F64; }

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += ", ";
    text += shape[i] < 0 ? std::string("?") : std::to_string(shape[i]);
  }
  text += "]";
  return text;
}

/// Product of the extents; negative extents count as 0.
static int64_t productOf(const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t extent : shape)
    count *= extent < 0 ? 0 : extent;
  return count;
}

/// C-order strides (in elements) of `shape`.
static std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  int64_t running = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = running;
    running *= shape[i] < 1 ? 1 : shape[i];
  }
  return strides;
}

TensorRef TensorRef::contiguous(void *data, DType dtype,
                                std::vector<int64_t> shape) {
  std::vector<int64_t> strides = rowMajorStrides(shape);
  return TensorRef(data, dtype, std::move(shape), std::move(strides));
}

int64_t TensorRef::numElements() const { return productOf(shape); }

int64_t TensorRef::offset(const int64_t *index) const {
  int64_t result = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    result += index[i] * strides[i];
  return result;
}

/// Maps a C-order linear position of the logical shape to an element offset.
static int64_t linearToOffset(const TensorRef &ref, int64_t linear) {
  int64_t result = 0;
  for (size_t i = ref.shape.size(); i-- > 0;) {
    int64_t extent = ref.shape[i];
    if (extent <= 0)
      return 0;
    result += (linear % extent) * ref.strides[i];
    linear /= extent;
  }
  return result;
}

double TensorRef::loadLinear(int64_t linear) const {
  int64_t at = linearToOffset(*this, linear);
  switch (dtype) {
  case DType::F32:
    return static_cast<const float *>(data)[at];
  case DType::F64:
    return static_cast<const double *>(data)[at];
  case DType::I32:
    return static_cast<double>(static_cast<const int32_t *>(data)[at]);
  case DType::I64:
    return static_cast<double>(static_cast<const int64_t *>(data)[at]);
  }
  return 0.0;
}

void TensorRef::storeLinear(int64_t linear, double value) const {
  int64_t at = linearToOffset(*this, linear);
  switch (dtype) {
  case DType::F32:
    static_cast<float *>(data)[at] = static_cast<float>(value);
    return;
  case DType::F64:
    static_cast<double *>(data)[at] = value;
    return;
  case DType::I32:
    static_cast<int32_t *>(data)[at] = static_cast<int32_t>(value);
    return;
  case DType::I64:
    static_cast<int64_t *>(data)[at] = static_cast<int64_t>(value);
    return;
  }
}

int64_t TensorRef::loadIndexLinear(int64_t linear) const {
  int64_t at = linearToOffset(*this, linear);
  switch (dtype) {
  case DType::I32:
    return static_cast<const int32_t *>(data)[at];
  case DType::I64:
    return static_cast<const int64_t *>(data)[at];
  case DType::F32:
    return static_cast<int64_t>(static_cast<const float *>(data)[at]);
  case DType::F64:
    return static_cast<int64_t>(static_cast<const double *>(data)[at]);
  }
  return 0;
}

Tensor::Tensor(DType dtype, std::vector<int64_t> shape)
    : dtype_(dtype), shape_(std::move(shape)) {
  bytes_.assign(static_cast<size_t>(productOf(shape_)) * dtypeSize(dtype_), 0);
}

int64_t Tensor::numElements() const { return productOf(shape_); }

TensorRef Tensor::ref() const {
  // A view of an owned buffer is mutable through the view (like a pointer
  // member of a const object); callers that own a const Tensor must not write.
  void *data = const_cast<uint8_t *>(bytes_.data());
  return TensorRef::contiguous(data, dtype_, shape_);
}

void Tensor::fill(double value) {
  // The storage is contiguous: a typed fill (not one strided store per
  // element).
  int64_t count = numElements();
  switch (dtype_) {
  case DType::F32:
    std::fill_n(as<float>(), count, static_cast<float>(value));
    return;
  case DType::F64:
    std::fill_n(as<double>(), count, value);
    return;
  case DType::I32:
    std::fill_n(as<int32_t>(), count, static_cast<int32_t>(value));
    return;
  case DType::I64:
    std::fill_n(as<int64_t>(), count, static_cast<int64_t>(value));
    return;
  }
}

} // namespace plstm

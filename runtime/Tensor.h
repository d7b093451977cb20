//===- Tensor.h - plstm runtime tensors: strided views and owned buffers --===//
//
// The core runtime's tensor types. `TensorRef` is a non-owning strided view
// (pointer, dtype, shape, strides in elements), the shape every entry point of
// the runtime takes, DLPack-compatible in spirit. `Tensor` owns a contiguous
// row-major (C order) buffer. `Status` carries errors as values: nothing in
// the runtime calls exit() or aborts on bad user input.
//
// This file depends on the C++ standard library only (no MLIR, no LLVM).
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_RUNTIME_TENSOR_H
#define PLSTM_RUNTIME_TENSOR_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace plstm {

/// Element types the runtime understands.
enum class DType : uint8_t { F32, F64, I32, I64 };

/// Size of one element in bytes.
size_t dtypeSize(DType dtype);
/// "f32", "f64", "i32", "i64".
const char *dtypeName(DType dtype);
/// True for F32 and F64.
bool isFloat(DType dtype);

/// Error-as-value. A default-constructed Status is success.
class [[nodiscard]] Status {
public:
  Status() = default;
  static Status success() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.failed_ = true;
    s.message_ = std::move(message);
    return s;
  }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string &message() const { return message_; }

private:
  bool failed_ = false;
  std::string message_;
};

/// Formats a shape as "[2, 8, ?]" style text (negative extents print as "?").
std::string formatShape(const std::vector<int64_t> &shape);

/// Non-owning strided view. Strides are in elements (not bytes), may be any
/// non-negative value (including 0 for broadcasting). An empty `data` pointer
/// with `present == false` marks an absent optional tensor.
struct TensorRef {
  void *data = nullptr;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;

  TensorRef() = default;
  TensorRef(void *data, DType dtype, std::vector<int64_t> shape,
            std::vector<int64_t> strides)
      : data(data), dtype(dtype), shape(std::move(shape)),
        strides(std::move(strides)) {}

  /// A C-order (row-major, contiguous) view of `data`.
  static TensorRef contiguous(void *data, DType dtype,
                              std::vector<int64_t> shape);

  bool present() const { return data != nullptr; }
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t numElements() const;
  /// Element offset (in elements) of a multi-index.
  int64_t offset(const int64_t *index) const;
  /// Reads element at a linear C-order position `linear` (of the logical
  /// shape) converted to double (floats) or to double (integers).
  double loadLinear(int64_t linear) const;
  /// Writes `value` at C-order linear position `linear`, converting to dtype.
  void storeLinear(int64_t linear, double value) const;
  /// Reads an integer element at linear position (for index tensors).
  int64_t loadIndexLinear(int64_t linear) const;
};

/// Owning, contiguous (C order) tensor.
class Tensor {
public:
  Tensor() = default;
  Tensor(DType dtype, std::vector<int64_t> shape);

  DType dtype() const { return dtype_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  int64_t numElements() const;
  size_t sizeInBytes() const { return bytes_.size(); }
  void *data() { return bytes_.data(); }
  const void *data() const { return bytes_.data(); }
  /// A view of the whole buffer (C-order strides).
  TensorRef ref() const;

  template <typename T> T *as() { return reinterpret_cast<T *>(bytes_.data()); }
  template <typename T> const T *as() const {
    return reinterpret_cast<const T *>(bytes_.data());
  }

  /// Fills every element with `value` (converted to the dtype).
  void fill(double value);

private:
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
  std::vector<uint8_t> bytes_;
};

} // namespace plstm

#endif // PLSTM_RUNTIME_TENSOR_H

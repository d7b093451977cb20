//===- DLPack.h - DLPack tensors as plstm tensor views --------------------===//
//
// `fromDLTensor` turns a DLPack `DLTensor` (CPU, float32/float64/int32/int64,
// any strides, byte_offset) into a `TensorRef` for the runtime's entry points
// (Kernel calls, AotLibrary, the reference evaluator). It is a template over
// the tensor type so that it accepts the real `DLTensor` of <dlpack/dlpack.h>
// as well as `plstm::dlpack::DLTensor`, a layout-identical copy of DLPack's
// ABI (v0.8+/1.x) for programs without the DLPack header.
// Depends on the C++ standard library only.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_RUNTIME_DLPACK_H
#define PLSTM_RUNTIME_DLPACK_H

#include "runtime/Tensor.h"

#include <cstdint>

namespace plstm {
namespace dlpack {
/// DLPack's ABI (field for field).
struct DLDevice {
  int32_t device_type; // kDLCPU = 1
  int32_t device_id;
};
struct DLDataType {
  uint8_t code; // kDLInt = 0, kDLUInt = 1, kDLFloat = 2
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void *data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t *shape;
  int64_t *strides; // in elements; null = compact row-major
  uint64_t byte_offset;
};
constexpr int32_t kDLCPU = 1;
constexpr uint8_t kDLInt = 0;
constexpr uint8_t kDLFloat = 2;
} // namespace dlpack

/// Views a CPU DLTensor. Errors name the unsupported device or dtype.
template <typename DLTensorT>
Status fromDLTensor(const DLTensorT &tensor, TensorRef &out) {
  if (static_cast<int32_t>(tensor.device.device_type) != dlpack::kDLCPU)
    return Status::error(
        "DLTensor on device type " +
        std::to_string(static_cast<int>(tensor.device.device_type)) +
        ", expected kDLCPU (1)");
  if (tensor.dtype.lanes != 1)
    return Status::error("DLTensor with " + std::to_string(tensor.dtype.lanes) +
                         " lanes, expected 1");
  DType dtype;
  int code = static_cast<int>(tensor.dtype.code), bits = tensor.dtype.bits;
  if (code == dlpack::kDLFloat && bits == 32)
    dtype = DType::F32;
  else if (code == dlpack::kDLFloat && bits == 64)
    dtype = DType::F64;
  else if (code == dlpack::kDLInt && bits == 32)
    dtype = DType::I32;
  else if (code == dlpack::kDLInt && bits == 64)
    dtype = DType::I64;
  else
    return Status::error("DLTensor dtype (code " + std::to_string(code) +
                         ", bits " + std::to_string(bits) +
                         ") is not float32, float64, int32 or int64");
  if (tensor.ndim < 0 || (tensor.ndim > 0 && !tensor.shape))
    return Status::error("DLTensor has no valid shape (ndim " +
                         std::to_string(tensor.ndim) + ")");
  std::vector<int64_t> shape(tensor.shape, tensor.shape + tensor.ndim);
  std::vector<int64_t> strides(shape.size(), 1);
  if (tensor.strides) {
    strides.assign(tensor.strides, tensor.strides + tensor.ndim);
  } else {
    for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
      strides[d] = strides[d + 1] * shape[d + 1];
  }
  for (size_t d = 0; d < strides.size(); ++d)
    if (strides[d] < 0)
      return Status::error("DLTensor stride " + std::to_string(d) + " = " +
                           std::to_string(strides[d]) +
                           " is negative (not supported)");
  char *base = static_cast<char *>(tensor.data);
  out = TensorRef(base ? base + tensor.byte_offset : nullptr, dtype, shape,
                  strides);
  return Status::success();
}

} // namespace plstm

#endif // PLSTM_RUNTIME_DLPACK_H

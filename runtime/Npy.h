//===- Npy.h - .npy file reading and writing ------------------------------===//
//
// NumPy `.npy` format (versions 1.0, 2.0 and 3.0 on read; 1.0 on write, 2.0
// when the header needs it) for float32, float64, int32 and int64 in C order,
// little endian. Malformed files (bad magic, unsupported version, truncated
// header or data, unsupported dtype, Fortran order, a header whose shape does
// not match the data size, trailing bytes) give an error naming the file and
// the problem; nothing crashes or silently misreads.
//
// Depends on the C++ standard library only.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_RUNTIME_NPY_H
#define PLSTM_RUNTIME_NPY_H

#include "runtime/Tensor.h"

#include <string>

namespace plstm {

/// Reads `path` into `out`. On failure `out` is left unchanged.
Status readNpy(const std::string &path, Tensor &out);
/// Parses an in-memory .npy image (`what` names it in error messages).
Status parseNpy(const std::string &bytes, const std::string &what, Tensor &out);
/// Writes `tensor` (any strides; written in C order) to `path`.
Status writeNpy(const std::string &path, const TensorRef &tensor);

} // namespace plstm

#endif // PLSTM_RUNTIME_NPY_H

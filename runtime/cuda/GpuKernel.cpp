//===- GpuKernel.cpp - launching the GPU pipeline's kernels ---------------===//

#include "runtime/cuda/GpuKernel.h"

#include <algorithm>
#include <cstring>
#include <sstream>

using namespace plstm;
using namespace plstm::cuda;

Status GpuLaunch::parse(const std::string &text, GpuLaunch &out) {
  std::istringstream in(text);
  std::string magic, signature, line;
  if (!std::getline(in, magic) || magic != "plstm-gpu-launch-v1")
    return Status::error("launch description: line 1 is '" + magic +
                         "', expected 'plstm-gpu-launch-v1'");
  if (!std::getline(in, signature))
    return Status::error("launch description: line 2 (the kernel signature) "
                         "is missing");
  GpuLaunch d;
  if (Status s = KernelSignature::parse(signature, d.signature); !s)
    return Status::error("launch description: line 2: " + s.message());
  if (!std::getline(in, line))
    return Status::error("launch description: line 3 (kernel ...) is missing");
  std::istringstream words(line);
  std::string kw[4];
  int64_t count = -1;
  words >> kw[0] >> d.kernel >> kw[1] >> d.blockSize >> kw[2] >> d.rowsArg >>
      kw[3];
  // Optional: rows-per-block R (the block-per-row mapping has R = 1).
  bool perBlock = kw[3] == "rows-per-block";
  if (perBlock)
    words >> d.rowsPerBlock >> kw[3];
  words >> count;
  if (!words || kw[0] != "kernel" || kw[1] != "block" || kw[2] != "rows-of" ||
      kw[3] != "params")
    return Status::error("launch description: line 3 is '" + line +
                         "', expected 'kernel NAME block N rows-of I "
                         "[rows-per-block R] params N I...'");
  int64_t numArgs = static_cast<int64_t>(d.signature.inputs.size() +
                                         d.signature.outputs.size());
  if (d.blockSize < 1 || d.blockSize > 1024)
    return Status::error("launch description: block = " +
                         std::to_string(d.blockSize) + ", expected 1 to 1024");
  if (!perBlock)
    d.rowsPerBlock = d.blockSize;
  else if (d.rowsPerBlock < 1 || d.rowsPerBlock > d.blockSize)
    return Status::error("launch description: rows-per-block = " +
                         std::to_string(d.rowsPerBlock) + ", expected 1 to "
                         "the block size " + std::to_string(d.blockSize));
  if (d.rowsArg < 0 || d.rowsArg >= numArgs)
    return Status::error("launch description: rows-of = " +
                         std::to_string(d.rowsArg) + ", expected an argument "
                         "index below " + std::to_string(numArgs));
  if (count < 0)
    return Status::error("launch description: params " +
                         std::to_string(count) + ", expected a count >= 0");
  for (int64_t i = 0; i < count; ++i) {
    int64_t p = -1;
    if (!(words >> p) || p < 0 || p >= numArgs)
      return Status::error("launch description: parameter #" +
                           std::to_string(i) + " is missing or not an "
                           "argument index below " + std::to_string(numArgs));
    d.params.push_back(p);
  }
  std::string extra;
  if (words >> extra)
    return Status::error("launch description: line 3 has '" + extra +
                         "' after its " + std::to_string(count) +
                         " parameters");
  out = std::move(d);
  return Status::success();
}

Status GpuKernel::load(Device &device, const std::string &ptx,
                       const GpuLaunch &launch, PtxCache *cache,
                       std::unique_ptr<GpuKernel> &out, bool *cacheHit,
                       size_t heapBytes) {
  std::unique_ptr<GpuKernel> kernel(new GpuKernel(device));
  kernel->launch_ = launch;
  // Default: a quarter of the device's memory, at most 8 GiB.
  if (heapBytes == 0)
    heapBytes = std::min(device.totalMemory() / 4, size_t(8) << 30);
  if (Status s = device.setHeapLimit(heapBytes); !s)
    return s;
  void *module = nullptr;
  if (Status s = device.loadPtx(ptx, cache, module, cacheHit); !s)
    return s;
  if (Status s = device.function(module, launch.kernel, kernel->function_); !s)
    return s;
  out = std::move(kernel);
  return Status::success();
}

/// The bytes of `t` in C order (a copy when `t` is strided).
static std::vector<char> contiguousBytes(const TensorRef &t) {
  size_t element = dtypeSize(t.dtype);
  std::vector<char> bytes(static_cast<size_t>(t.numElements()) * element);
  TensorRef packed = TensorRef::contiguous(bytes.data(), t.dtype, t.shape);
  if (packed.strides == t.strides) {
    std::memcpy(bytes.data(), t.data, bytes.size());
  } else {
    for (int64_t i = 0, n = t.numElements(); i < n; ++i)
      packed.storeLinear(i, t.loadLinear(i));
  }
  return bytes;
}

Status GpuKernel::prepare(const std::vector<TensorRef> &inputs) {
  const KernelSignature &sig = launch_.signature;
  if (inputs.size() != sig.inputs.size())
    return Status::error("kernel " + sig.name + ": " +
                         std::to_string(inputs.size()) + " inputs, expected " +
                         std::to_string(sig.inputs.size()));
  if (Status s = sig.resolveShapes(inputs, outputShapes_); !s)
    return s;
  // Buffers of an earlier call stay with the device until it closes; reuse
  // them when the sizes match.
  std::vector<std::vector<int64_t>> shapes;
  std::vector<DType> dtypes;
  for (const TensorRef &t : inputs) {
    shapes.push_back(t.shape);
    dtypes.push_back(t.dtype);
  }
  for (size_t i = 0; i < outputShapes_.size(); ++i) {
    shapes.push_back(outputShapes_[i]);
    dtypes.push_back(sig.outputs[i].dtype);
  }
  bool reuse = shapes == shapes_;
  if (!reuse) {
    buffers_.assign(shapes.size(), DeviceBuffer());
    shapes_.clear(); // set again once every buffer is allocated
  }
  elementBytes_.clear();
  for (size_t i = 0; i < shapes.size(); ++i) {
    size_t bytes = dtypeSize(dtypes[i]);
    elementBytes_.push_back(bytes);
    for (int64_t d : shapes[i])
      bytes *= static_cast<size_t>(d);
    if (!reuse)
      if (Status s = device_.allocate(bytes == 0 ? 1 : bytes, buffers_[i]); !s)
        return s;
  }
  shapes_ = shapes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::vector<char> bytes = contiguousBytes(inputs[i]);
    if (!bytes.empty())
      if (Status s = device_.upload(buffers_[i], bytes.data(), bytes.size());
          !s)
        return s;
  }
  if (Status s = poisonOutputs(); !s)
    return s;
  // The descriptors: allocated and aligned pointer, offset 0, sizes, C-order
  // strides; one kernel parameter per word.
  values_.clear();
  for (int64_t arg : launch_.params) {
    const std::vector<int64_t> &shape = shapes_[arg];
    values_.push_back(static_cast<int64_t>(buffers_[arg].address));
    values_.push_back(static_cast<int64_t>(buffers_[arg].address));
    values_.push_back(0);
    for (int64_t d : shape)
      values_.push_back(d);
    std::vector<int64_t> strides(shape.size(), 1);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
      strides[d] = strides[d + 1] * shape[d + 1];
    values_.insert(values_.end(), strides.begin(), strides.end());
  }
  params_.clear();
  for (int64_t &v : values_)
    params_.push_back(&v);
  if (shapes_[launch_.rowsArg].empty())
    return Status::error("kernel " + sig.name + ": argument #" +
                         std::to_string(launch_.rowsArg) +
                         " (the rows) is a scalar");
  rows_ = shapes_[launch_.rowsArg][0];
  return Status::success();
}

Status GpuKernel::poisonOutputs() {
  for (size_t i = launch_.signature.inputs.size(); i < buffers_.size(); ++i)
    if (Status s = device_.fill(buffers_[i], 0xFF); !s)
      return s;
  return Status::success();
}

Status GpuKernel::launch() {
  if (params_.empty() && !launch_.params.empty())
    return Status::error("kernel " + launch_.signature.name +
                         ": launch() before prepare()");
  if (rows_ == 0)
    return Status::success();
  unsigned grid[3] = {static_cast<unsigned>(
                          (rows_ + launch_.rowsPerBlock - 1) /
                          launch_.rowsPerBlock),
                      1, 1};
  unsigned block[3] = {static_cast<unsigned>(launch_.blockSize), 1, 1};
  return device_.launch(function_, grid, block, 0, params_);
}

Status GpuKernel::download(const std::vector<TensorRef> &outputs) {
  if (Status s = device_.synchronize(); !s)
    return s;
  size_t first = launch_.signature.inputs.size();
  if (outputs.size() != outputShapes_.size())
    return Status::error("kernel " + launch_.signature.name + ": " +
                         std::to_string(outputs.size()) + " outputs, expected " +
                         std::to_string(outputShapes_.size()));
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].shape != outputShapes_[i])
      return Status::error("kernel " + launch_.signature.name + ": output #" +
                           std::to_string(i) + " has the wrong shape");
    TensorRef packed = TensorRef::contiguous(outputs[i].data, outputs[i].dtype,
                                             outputs[i].shape);
    if (packed.strides != outputs[i].strides)
      return Status::error("kernel " + launch_.signature.name + ": output #" +
                           std::to_string(i) + " must be C-order");
    size_t bytes = static_cast<size_t>(outputs[i].numElements()) *
                   elementBytes_[first + i];
    if (bytes)
      if (Status s = device_.download(outputs[i].data, buffers_[first + i],
                                      bytes);
          !s)
        return s;
  }
  return Status::success();
}

Status GpuKernel::run(const std::vector<TensorRef> &inputs,
                      const std::vector<TensorRef> &outputs) {
  if (Status s = prepare(inputs); !s)
    return s;
  if (Status s = launch(); !s)
    return s;
  return download(outputs);
}

//===- GpuKernel.cpp - launching the GPU pipeline's kernels ---------------===//

#include "runtime/cuda/GpuKernel.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sstream>

using namespace plstm;
using namespace plstm::cuda;

/// Splits `expr` at commas.
static std::vector<std::string> tokens(const std::string &expr) {
  std::vector<std::string> out;
  std::string token;
  std::istringstream in(expr);
  while (std::getline(in, token, ','))
    out.push_back(token);
  return out;
}

/// Evaluates `expr`; with `shapes` null, checks it only (dims read as 1;
/// argument indices checked against `numArgs`).
static Status evaluate(const std::string &expr,
                       const std::vector<std::vector<int64_t>> *shapes,
                       size_t numArgs, int64_t &out) {
  std::vector<int64_t> stack;
  auto bad = [&](const std::string &token, const std::string &why) {
    return Status::error("expression '" + expr + "': token '" + token + "' " +
                         why);
  };
  for (const std::string &t : tokens(expr)) {
    // An integer, possibly negative (at most 18 digits: no overflow).
    size_t digits = t.size() > 1 && t[0] == '-' ? 1 : 0;
    if (t.size() > digits &&
        std::isdigit(static_cast<unsigned char>(t[digits]))) {
      if (t.find_first_not_of("0123456789", digits) != std::string::npos ||
          t.size() - digits > 18)
        return bad(t, "is not an integer of at most 18 digits");
      stack.push_back(std::stoll(t));
      continue;
    }
    if (t.size() > 1 && t[0] == 'd' &&
        std::isdigit(static_cast<unsigned char>(t[1]))) {
      size_t dot = t.find('.');
      size_t arg = 0, dim = 0;
      bool ok = dot != std::string::npos && dot > 1 && dot + 1 < t.size() &&
                dot < 10 && t.size() - dot < 10 &&
                t.find_first_not_of("0123456789", 1) == dot &&
                t.find_first_not_of("0123456789", dot + 1) == std::string::npos;
      if (ok) {
        arg = std::stoull(t.substr(1, dot - 1));
        dim = std::stoull(t.substr(dot + 1));
      }
      if (!ok || arg >= numArgs)
        return bad(t, "is not dA.I with A an argument index below " +
                          std::to_string(numArgs));
      if (shapes && dim >= (*shapes)[arg].size())
        return bad(t, "names dim " + std::to_string(dim) +
                          " of an argument "
                          "of rank " +
                          std::to_string((*shapes)[arg].size()));
      stack.push_back(shapes ? (*shapes)[arg][dim] : 1);
      continue;
    }
    static const char *ops[] = {"+",   "-",   "*",   "cdiv",
                                "div", "min", "max", "rem"};
    if (std::find(std::begin(ops), std::end(ops), t) == std::end(ops))
      return bad(t, "is not an integer, dA.I or an operator (+ - * cdiv div "
                    "min max rem)");
    if (stack.size() < 2)
      return bad(t, "needs two operands");
    int64_t b = stack.back();
    stack.pop_back();
    int64_t a = stack.back();
    bool divides = t == "cdiv" || t == "div" || t == "rem";
    if (divides && b == 0) {
      if (shapes)
        return bad(t, "divides by zero");
      b = 1;
    }
    int64_t v = 0;
    bool overflow = false;
    if (t == "+")
      overflow = __builtin_add_overflow(a, b, &v);
    else if (t == "-")
      overflow = __builtin_sub_overflow(a, b, &v);
    else if (t == "*")
      overflow = __builtin_mul_overflow(a, b, &v);
    else if (divides && a == INT64_MIN && b == -1)
      overflow = true;
    else if (t == "cdiv") // rounded up, as arith.ceildivsi
      v = a / b + ((a % b != 0) && ((a < 0) == (b < 0)) ? 1 : 0);
    else if (t == "div")
      v = a / b;
    else if (t == "rem")
      v = a % b;
    else
      v = t == "min" ? std::min(a, b) : std::max(a, b);
    if (overflow)
      return bad(t, "overflows 64 bits");
    stack.back() = v;
  }
  if (stack.size() != 1)
    return Status::error("expression '" + expr + "' leaves " +
                         std::to_string(stack.size()) + " values, expected 1");
  out = stack.back();
  return Status::success();
}

Status plstm::cuda::evaluateLaunchExpression(
    const std::string &expr, const std::vector<std::vector<int64_t>> &shapes,
    int64_t &out) {
  return evaluate(expr, &shapes, shapes.size(), out);
}

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
  size_t numArgs = d.signature.inputs.size() + d.signature.outputs.size();
  int lineNo = 2;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty())
      continue;
    std::string where = "launch description: line " + std::to_string(lineNo);
    std::istringstream words(line);
    std::string head;
    words >> head;
    if (head == "scratch") {
      int64_t count = -1;
      words >> count;
      if (!words || count < 0 || !d.scratch.empty() || !d.kernels.empty())
        return Status::error(where + " is '" + line +
                             "', expected one "
                             "'scratch N BYTES...' before the kernels");
      for (int64_t i = 0; i < count; ++i) {
        std::string bytes;
        int64_t ignored = 0;
        if (!(words >> bytes))
          return Status::error(where + ": scratch buffer #" +
                               std::to_string(i) + " is missing");
        if (Status s = evaluate(bytes, nullptr, numArgs, ignored); !s)
          return Status::error(where + ": " + s.message());
        d.scratch.push_back(bytes);
      }
      std::string extra;
      if (words >> extra)
        return Status::error(where + " has '" + extra + "' after its " +
                             std::to_string(count) + " scratch buffers");
      continue;
    }
    GpuLaunchKernel k;
    std::string kw[3];
    int64_t count = -1;
    words >> k.name >> kw[0] >> k.blockSize >> kw[1];
    bool rowsForm = kw[1] == "rows-of";
    if (rowsForm) {
      words >> k.rowsArg >> kw[2];
      // Optional: rows-per-block R (the block-per-row mapping has R = 1).
      if (kw[2] == "rows-per-block")
        words >> k.rowsPerBlock >> kw[2];
      else
        k.rowsPerBlock = -1;
    } else if (kw[1] == "grid") {
      words >> k.grid >> kw[2];
    }
    // Optional: shared N, the block's dynamic shared memory in bytes.
    if (kw[2] == "shared")
      words >> k.sharedBytes >> kw[2];
    words >> count;
    if (!words || head != "kernel" || kw[0] != "block" ||
        (!rowsForm && kw[1] != "grid") || kw[2] != "params")
      return Status::error(where + " is '" + line +
                           "', expected 'kernel NAME block N (rows-of I "
                           "[rows-per-block R] | grid EXPR) [shared B] "
                           "params N P...'");
    if (k.sharedBytes < 0 || k.sharedBytes > (int64_t(1) << 30))
      return Status::error(where +
                           ": shared = " + std::to_string(k.sharedBytes) +
                           ", expected 0 to 2^30 bytes");
    if (k.blockSize < 1 || k.blockSize > 1024)
      return Status::error(where + ": block = " + std::to_string(k.blockSize) +
                           ", expected 1 to 1024");
    if (rowsForm) {
      if (k.rowsPerBlock == -1)
        k.rowsPerBlock = k.blockSize;
      else if (k.rowsPerBlock < 1 || k.rowsPerBlock > k.blockSize)
        return Status::error(
            where + ": rows-per-block = " + std::to_string(k.rowsPerBlock) +
            ", expected 1 to the block size " + std::to_string(k.blockSize));
      if (k.rowsArg < 0 || k.rowsArg >= static_cast<int64_t>(numArgs))
        return Status::error(
            where + ": rows-of = " + std::to_string(k.rowsArg) +
            ", expected an argument index below " + std::to_string(numArgs));
    } else {
      int64_t ignored = 0;
      if (Status s = evaluate(k.grid, nullptr, numArgs, ignored); !s)
        return Status::error(where + ": grid: " + s.message());
    }
    if (count < 0)
      return Status::error(where + ": params " + std::to_string(count) +
                           ", expected a count >= 0");
    for (int64_t i = 0; i < count; ++i) {
      std::string p;
      words >> p;
      GpuLaunchParam param;
      param.kind = !p.empty() && p[0] == 's'   ? GpuLaunchParam::Scratch
                   : !p.empty() && p[0] == '=' ? GpuLaunchParam::Integer
                                               : GpuLaunchParam::Argument;
      std::string digits =
          param.kind == GpuLaunchParam::Argument ? p : p.substr(1);
      bool negative = param.kind == GpuLaunchParam::Integer &&
                      digits.size() > 1 && digits[0] == '-';
      bool ok = digits.size() > (negative ? 1u : 0u) &&
                digits.size() < (negative ? 20u : 19u) &&
                digits.find_first_not_of("0123456789", negative ? 1 : 0) ==
                    std::string::npos;
      if (ok)
        param.value = std::stoll(digits);
      int64_t limit = param.kind == GpuLaunchParam::Scratch
                          ? static_cast<int64_t>(d.scratch.size())
                          : static_cast<int64_t>(numArgs);
      if (!ok ||
          (param.kind != GpuLaunchParam::Integer && param.value >= limit))
        return Status::error(
            where + ": parameter #" + std::to_string(i) + " is '" + p +
            "', expected an argument index "
            "below " +
            std::to_string(numArgs) + ", sK with K below " +
            std::to_string(d.scratch.size()) + " or =N with N an integer");
      k.params.push_back(param);
    }
    std::string extra;
    if (words >> extra)
      return Status::error(where + " has '" + extra + "' after its " +
                           std::to_string(count) + " parameters");
    d.kernels.push_back(std::move(k));
  }
  if (d.kernels.empty())
    return Status::error("launch description: line 3 (kernel ...) is missing");
  out = std::move(d);
  return Status::success();
}

/// $PLSTM_GPU_HEAP_MB in bytes into `bytes` (left alone when unset): a whole
/// number of MiB, at least 1, below the device's memory.
static Status heapFromEnvironment(const Device &device, size_t &bytes) {
  const char *text = std::getenv("PLSTM_GPU_HEAP_MB");
  if (!text)
    return Status::success();
  size_t deviceMiB = device.totalMemory() >> 20;
  char *end = nullptr;
  errno = 0;
  unsigned long long mib = std::strtoull(text, &end, 10);
  if (!std::isdigit(static_cast<unsigned char>(text[0])) || *end || errno ||
      mib == 0 || mib >= deviceMiB)
    return Status::error("$PLSTM_GPU_HEAP_MB: expected a whole number of MiB "
                         "from 1 to " +
                         std::to_string(deviceMiB - 1) + " (the device has " +
                         std::to_string(deviceMiB) + " MiB), got '" + text +
                         "'");
  bytes = static_cast<size_t>(mib) << 20;
  return Status::success();
}

Status GpuKernel::load(Device &device, const std::string &ptx,
                       const GpuLaunch &launch, PtxCache *cache,
                       std::unique_ptr<GpuKernel> &out, bool *cacheHit,
                       size_t heapBytes) {
  std::unique_ptr<GpuKernel> kernel(new GpuKernel(device));
  kernel->launch_ = launch;
  // Default: $PLSTM_GPU_HEAP_MB, else a quarter of the device's memory, at
  // most 8 GiB.
  if (heapBytes == 0) {
    if (Status s = heapFromEnvironment(device, heapBytes); !s)
      return s;
  }
  if (heapBytes == 0)
    heapBytes = std::min(device.totalMemory() / 4, size_t(8) << 30);
  if (Status s = device.setHeapLimit(heapBytes); !s)
    return s;
  void *module = nullptr;
  if (Status s = device.loadPtx(ptx, cache, module, cacheHit); !s)
    return s;
  for (const GpuLaunchKernel &k : launch.kernels) {
    void *function = nullptr;
    if (Status s = device.function(module, k.name, function); !s)
      return s;
    if (Status s = device.allowSharedMemory(
            function, k.name, static_cast<unsigned>(k.sharedBytes));
        !s)
      return s;
    kernel->functions_.push_back(function);
  }
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
  prepared_ = false; // until every step below has succeeded
  const KernelSignature &sig = launch_.signature;
  if (inputs.size() != sig.inputs.size())
    return Status::error("kernel " + sig.name + ": " +
                         std::to_string(inputs.size()) + " inputs, expected " +
                         std::to_string(sig.inputs.size()));
  std::vector<std::vector<int64_t>> outputShapes;
  if (Status s = sig.resolveShapes(inputs, outputShapes); !s)
    return s;
  outputShapes_ = std::move(outputShapes);
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
  // The scratch buffers (sizes from the shapes; reallocated when they
  // change), before the shapes count as allocated.
  if (!reuse)
    scratch_.assign(launch_.scratch.size(), DeviceBuffer());
  for (size_t i = 0; i < launch_.scratch.size(); ++i) {
    int64_t bytes = 0;
    if (Status s = evaluateLaunchExpression(launch_.scratch[i], shapes, bytes);
        !s)
      return Status::error("kernel " + sig.name + ": scratch buffer #" +
                           std::to_string(i) + ": " + s.message());
    if (bytes < 0)
      return Status::error("kernel " + sig.name + ": scratch buffer #" +
                           std::to_string(i) + " has " + std::to_string(bytes) +
                           " bytes, expected >= 0");
    if (!reuse)
      if (Status s = device_.allocate(
              bytes == 0 ? 1 : static_cast<size_t>(bytes), scratch_[i]);
          !s)
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
  // Each launch's descriptors: allocated and aligned pointer, offset 0,
  // sizes, C-order strides; one kernel parameter per word. Its grid.
  values_.assign(launch_.kernels.size(), {});
  params_.assign(launch_.kernels.size(), {});
  grids_.clear();
  for (size_t k = 0; k < launch_.kernels.size(); ++k) {
    const GpuLaunchKernel &kernel = launch_.kernels[k];
    std::vector<int64_t> &values = values_[k];
    for (const GpuLaunchParam &param : kernel.params) {
      if (param.kind == GpuLaunchParam::Integer) {
        values.push_back(param.value);
        continue;
      }
      if (param.kind == GpuLaunchParam::Scratch) {
        const DeviceBuffer &buffer = scratch_[param.value];
        values.insert(values.end(), {static_cast<int64_t>(buffer.address),
                                     static_cast<int64_t>(buffer.address), 0,
                                     static_cast<int64_t>(buffer.bytes), 1});
        continue;
      }
      int64_t arg = param.value;
      const std::vector<int64_t> &shape = shapes_[arg];
      values.push_back(static_cast<int64_t>(buffers_[arg].address));
      values.push_back(static_cast<int64_t>(buffers_[arg].address));
      values.push_back(0);
      for (int64_t d : shape)
        values.push_back(d);
      std::vector<int64_t> strides(shape.size(), 1);
      for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
        strides[d] = strides[d + 1] * shape[d + 1];
      values.insert(values.end(), strides.begin(), strides.end());
    }
    for (int64_t &v : values)
      params_[k].push_back(&v);
    int64_t grid = 0;
    if (!kernel.grid.empty()) {
      if (Status s = evaluateLaunchExpression(kernel.grid, shapes_, grid); !s)
        return Status::error("kernel " + sig.name + ": launch #" +
                             std::to_string(k) + ": grid: " + s.message());
    } else {
      if (shapes_[kernel.rowsArg].empty())
        return Status::error("kernel " + sig.name + ": argument #" +
                             std::to_string(kernel.rowsArg) +
                             " (the rows) is a scalar");
      grid = (shapes_[kernel.rowsArg][0] + kernel.rowsPerBlock - 1) /
             kernel.rowsPerBlock;
    }
    if (grid < 0 || grid > 0x7fffffff)
      return Status::error("kernel " + sig.name + ": launch #" +
                           std::to_string(k) + " has a grid of " +
                           std::to_string(grid) + " blocks, expected 0 to " +
                           std::to_string(0x7fffffff));
    grids_.push_back(grid);
  }
  prepared_ = true;
  return Status::success();
}

Status GpuKernel::poisonOutputs() {
  for (size_t i = launch_.signature.inputs.size(); i < buffers_.size(); ++i)
    if (Status s = device_.fill(buffers_[i], 0xFF); !s)
      return s;
  return Status::success();
}

Status GpuKernel::launch() {
  if (!prepared_)
    return Status::error("kernel " + launch_.signature.name +
                         ": launch() before prepare()");
  for (size_t k = 0; k < functions_.size(); ++k) {
    if (grids_[k] == 0) // no rows (or chunks): nothing to run
      continue;
    unsigned grid[3] = {static_cast<unsigned>(grids_[k]), 1, 1};
    unsigned block[3] = {static_cast<unsigned>(launch_.kernels[k].blockSize), 1,
                         1};
    if (Status s = device_.launch(
            functions_[k], grid, block,
            static_cast<unsigned>(launch_.kernels[k].sharedBytes), params_[k]);
        !s)
      return s;
  }
  return Status::success();
}

Status GpuKernel::download(const std::vector<TensorRef> &outputs) {
  if (!prepared_)
    return Status::error("kernel " + launch_.signature.name +
                         ": download() without a successful prepare()");
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

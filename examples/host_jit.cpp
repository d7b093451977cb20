//===- host_jit.cpp - JIT-compile a plstm spec from host C++ and call it --===//
//
// Usage: plstm-example-host-jit [SPEC]   (default: examples/scan1d_lm.mlir)
//
// Compiles the 1D spec with plstm::compileFile, calls the kernel on random
// inputs (batch 3, 45 steps), runs the reference evaluator on the same inputs
// and prints the largest difference. Exits 1 when the kernel and the
// reference disagree beyond 1e-4 (relative to the largest reference value).
//
//===----------------------------------------------------------------------===//

#include "runtime/Reference.h"
#include "runtime/jit/JIT.h"

#include <cmath>
#include <cstdio>
#include <random>

int main(int argc, char **argv) {
  std::string spec = argc > 1 ? argv[1] : PLSTM_EXAMPLES_DIR "/scan1d_lm.mlir";

  // 1. Compile (cached in-process by spec text and options).
  plstm::CompileOptions options;
  options.schedule = "sequential";
  llvm::Expected<plstm::Kernel> kernel = plstm::compileFile(spec, options);
  if (!kernel) {
    std::fprintf(stderr, "compile failed: %s\n",
                 llvm::toString(kernel.takeError()).c_str());
    return 1;
  }
  std::printf("compiled %s in %.3f s\n", spec.c_str(),
              kernel->compileSeconds());

  // 2. Inputs: shapes from the signature, dynamic dims B = 3, T = 45.
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<plstm::Tensor> inputs;
  std::vector<plstm::TensorRef> inputRefs;
  for (const plstm::KernelArg &arg : kernel->signature().inputs) {
    std::vector<int64_t> shape;
    for (size_t d = 0; d < arg.dims.size(); ++d)
      shape.push_back(arg.dims[d] >= 0         ? arg.dims[d]
                      : arg.dimNames[d] == "B" ? 3
                                               : 45);
    plstm::Tensor t(arg.dtype, shape);
    bool gate = arg.role != "q" && arg.role != "k" && arg.role != "v" &&
                arg.role != "initial";
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.as<float>()[i] = gate ? 0.25f * (uniform(rng) + 1) : uniform(rng);
    inputs.push_back(std::move(t));
  }
  for (plstm::Tensor &t : inputs)
    inputRefs.push_back(t.ref());

  // 3. Call: outputs sized from the inputs, poisoned with NaN.
  std::vector<std::vector<int64_t>> shapes;
  if (plstm::Status s = kernel->outputShapes(inputRefs, shapes); !s) {
    std::fprintf(stderr, "bad inputs: %s\n", s.message().c_str());
    return 1;
  }
  std::vector<plstm::Tensor> outputs;
  std::vector<plstm::TensorRef> outputRefs;
  for (auto &shape : shapes)
    outputs.emplace_back(plstm::DType::F32, shape);
  for (plstm::Tensor &t : outputs) {
    t.fill(NAN);
    outputRefs.push_back(t.ref());
  }
  if (plstm::Status s = (*kernel)(inputRefs, outputRefs); !s) {
    std::fprintf(stderr, "call failed: %s\n", s.message().c_str());
    return 1;
  }

  // 4. Compare with the reference evaluator.
  plstm::Tensor y(plstm::DType::F64, shapes[0]),
      last(plstm::DType::F64, shapes[1]);
  plstm::Scan1DArgs args;
  args.q = inputRefs[0], args.k = inputRefs[1], args.v = inputRefs[2];
  args.source = inputRefs[3], args.transition = inputRefs[4];
  args.mark = inputRefs[5], args.direct = inputRefs[6];
  args.initial = inputRefs[7];
  if (plstm::Status s = plstm::referenceScan1D(args, {y.ref(), last.ref()});
      !s) {
    std::fprintf(stderr, "reference failed: %s\n", s.message().c_str());
    return 1;
  }
  double worst = 0, scale = 0;
  for (int64_t i = 0; i < y.numElements(); ++i) {
    double diff = std::fabs(outputs[0].as<float>()[i] - y.as<double>()[i]);
    worst = std::isnan(diff) ? INFINITY : std::max(worst, diff);
    scale = std::max(scale, std::fabs(y.as<double>()[i]));
  }
  std::printf("y %s: max |kernel - reference| = %.3e (max |reference| %.3e)\n",
              plstm::formatShape(shapes[0]).c_str(), worst, scale);
  return worst <= 1e-4 * scale ? 0 : 1;
}

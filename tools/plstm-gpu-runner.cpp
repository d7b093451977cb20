//===- plstm-gpu-runner.cpp - the device check, without MLIR --------------===//
//
// Runs one kernel of the GPU pipeline on a GPU machine and checks it against
// the same spec's CPU kernel (an AOT library), on fresh random inputs:
//
//   plstm-gpu-runner --ptx k.ptx --cpu libk.so --dim B=64,T=4096
//                    [--runs 20] [--max-seconds 30] [--seed 1] [--flops F]
//                    [--label NAME]
//
// k.ptx and k.launch come from `plstm-compile --target=nvptx --emit=ptx`,
// libk.so from `plstm-compile --emit=so`. The GPU outputs are poisoned (NaN)
// before the checked run; then the kernel is timed with CUDA events (one
// warm-up, the median of --runs, fewer (at least 3) when the checked run
// says --runs would exceed --max-seconds). Prints one Markdown table row:
// label, dims, median/min ms, the runs timed, achieved TB/s (inputs + outputs once) and TFLOP/s
// (with --flops), the max relative error, ok/FAIL. Exit status 1 on a
// failed check or any error. Thin runtime only (runtime/, no MLIR, no
// LLVM): small enough to carry to a GPU machine with its PTX files.
//
//===----------------------------------------------------------------------===//

#include "runtime/Graph.h"
#include "runtime/Kernel.h"
#include "runtime/Tensor.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/GpuKernel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace plstm;

static int fail(const std::string &message) {
  std::fprintf(stderr, "plstm-gpu-runner: error: %s\n", message.c_str());
  return 1;
}

static bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::stringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

int main(int argc, char **argv) {
  std::string ptxPath, cpuPath, dimText, label;
  int runs = 20;
  double budgetSeconds = 30;
  unsigned seed = 1;
  double flops = 0;
  int64_t components = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string &out) {
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--ptx" && value(v))
      ptxPath = v;
    else if (a == "--cpu" && value(v))
      cpuPath = v;
    else if (a == "--dim" && value(v))
      dimText = v;
    else if (a == "--label" && value(v))
      label = v;
    else if (a == "--runs" && value(v))
      runs = std::atoi(v.c_str());
    else if (a == "--max-seconds" && value(v))
      budgetSeconds = std::atof(v.c_str());
    else if (a == "--seed" && value(v))
      seed = static_cast<unsigned>(std::atoi(v.c_str()));
    else if (a == "--flops" && value(v))
      flops = std::atof(v.c_str());
    else if (a == "--graph-components" && value(v))
      components = std::atoll(v.c_str());
    else if (a == "--help" || a == "-h") {
      std::printf(
          "usage: plstm-gpu-runner --ptx k.ptx --cpu libk.so --dim "
          "B=..,T=.. [--runs N] [--max-seconds S] [--seed S] [--flops F] "
          "[--label L] [--graph-components C]\n"
          "  --max-seconds: fewer timed runs (at least 3) when --runs "
          "would take longer (default 30)\n"
          "  --graph-components: the graph is C random DAGs of N / C "
          "nodes each (default 1)\n");
      return 0;
    } else
      return fail("unknown or incomplete argument '" + a + "' (see --help)");
  }
  if (ptxPath.empty() || cpuPath.empty())
    return fail("--ptx and --cpu are required (see --help)");
  if (runs < 1)
    return fail("--runs=" + std::to_string(runs) + ", expected >= 1");
  if (!(budgetSeconds > 0))
    return fail("--max-seconds=" + std::to_string(budgetSeconds) +
                ", expected a positive number");
  std::map<std::string, int64_t> dims;
  std::stringstream dimStream(dimText);
  for (std::string item; std::getline(dimStream, item, ',');) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail("--dim: '" + item + "', expected NAME=VALUE");
    dims[item.substr(0, eq)] = std::atoll(item.c_str() + eq + 1);
  }
  if (label.empty())
    label = ptxPath;
  if (components < 1 || (dims.count("N") && dims["N"] % components != 0))
    return fail("--graph-components=" + std::to_string(components) +
                ": expected a count >= 1 that divides N" +
                (dims.count("N") ? " = " + std::to_string(dims["N"]) : ""));
  if (components > 1)
    dimText += ",C=" + std::to_string(components);

  std::string ptx, launchText;
  // k.ptx -> k.launch (the extension of the file name only, as
  // plstm-compile names it).
  size_t slash = ptxPath.rfind('/');
  size_t dot = ptxPath.rfind('.');
  std::string launchPath =
      (dot != std::string::npos && (slash == std::string::npos || dot > slash)
           ? ptxPath.substr(0, dot)
           : ptxPath) +
      ".launch";
  if (!readFile(ptxPath, ptx))
    return fail("cannot read --ptx '" + ptxPath + "'");
  if (!readFile(launchPath, launchText))
    return fail("cannot read the launch description '" + launchPath + "'");
  cuda::GpuLaunch launch;
  if (Status s = cuda::GpuLaunch::parse(launchText, launch); !s)
    return fail(launchPath + ": " + s.message());
  std::unique_ptr<AotLibrary> cpu;
  if (Status s = AotLibrary::open(cpuPath, cpu); !s)
    return fail("--cpu: " + s.message());
  std::unique_ptr<cuda::Device> device;
  if (Status s = cuda::Device::open(0, device); !s)
    return fail(s.message());

  // Inputs: the graph tensors (i32/i64: edges, then line edges) from one
  // random DAG of N nodes (--graph-components C: C of N / C nodes each, a
  // batch of molecules); floats uniform, the transitions scaled down so
  // that long scans stay finite.
  const KernelSignature &sig = launch.signature;
  std::mt19937_64 rng(seed);
  IndexPairs edges, lineEdges;
  if (dims.count("N")) {
    int64_t n = dims["N"], size = n / components;
    IndexPairs raw;
    for (int64_t c = 0; c < components; ++c)
      for (int64_t v = 1; v < size; ++v)
        for (int k = 0; k < 2; ++k)
          raw.push_back(
              {c * size + static_cast<int64_t>(rng() % v), c * size + v});
    std::sort(raw.begin(), raw.end());
    raw.erase(std::unique(raw.begin(), raw.end()), raw.end());
    if (Status s = dagify(n, raw, edges); !s)
      return fail(s.message());
    if (Status s = fullLineGraph(edges, lineEdges); !s)
      return fail(s.message());
  }
  // The graph tensors' row counts name their dims (E, L, ...).
  {
    int graph = 0;
    for (const KernelArg &arg : sig.inputs)
      if (!isFloat(arg.dtype) && !arg.dims.empty() && arg.dims[0] < 0 &&
          graph < 2)
        dims.emplace(arg.dimNames[0],
                     static_cast<int64_t>((graph++ ? lineEdges : edges).size()));
  }
  std::vector<Tensor> inputs;
  int graphInputs = 0;
  double bytes = 0;
  for (const KernelArg &arg : sig.inputs) {
    std::vector<int64_t> shape;
    bool isGraph = !isFloat(arg.dtype);
    const IndexPairs &pairs = graphInputs == 0 ? edges : lineEdges;
    for (size_t d = 0; d < arg.dims.size(); ++d) {
      int64_t extent = arg.dims[d];
      if (extent < 0 && isGraph && d == 0)
        extent = static_cast<int64_t>(pairs.size());
      else if (extent < 0) {
        auto it = dims.find(arg.dimNames[d]);
        if (it == dims.end())
          return fail("input '" + arg.role + "' needs --dim " +
                      arg.dimNames[d] + "=...");
        extent = it->second;
      }
      shape.push_back(extent);
    }
    Tensor t(arg.dtype, shape);
    if (isGraph) {
      for (int64_t i = 0; i < shape[0]; ++i)
        for (int64_t j = 0; j < 2; ++j)
          t.ref().storeLinear(2 * i + j, static_cast<double>(
                                             j ? pairs[i].second
                                               : pairs[i].first));
      ++graphInputs;
    } else {
      bool transition = arg.role[0] == 't';
      double scale = transition ? 0.5 / std::max<int64_t>(1, shape.back()) : 1;
      std::uniform_real_distribution<double> u(-1, 1);
      for (int64_t i = 0, n = t.numElements(); i < n; ++i)
        t.ref().storeLinear(i, scale * (transition ? 0.5 * (u(rng) + 1) : u(rng)));
    }
    bytes += static_cast<double>(t.sizeInBytes());
    inputs.push_back(std::move(t));
  }
  std::vector<TensorRef> inputRefs;
  for (Tensor &t : inputs)
    inputRefs.push_back(t.ref());

  std::vector<std::vector<int64_t>> outShapes;
  if (Status s = sig.resolveShapes(inputRefs, outShapes); !s)
    return fail(s.message());
  std::vector<Tensor> expected, actual;
  std::vector<TensorRef> expectedRefs, actualRefs;
  for (size_t i = 0; i < outShapes.size(); ++i) {
    expected.emplace_back(sig.outputs[i].dtype, outShapes[i]);
    actual.emplace_back(sig.outputs[i].dtype, outShapes[i]);
    bytes += static_cast<double>(actual.back().sizeInBytes());
  }
  for (size_t i = 0; i < outShapes.size(); ++i) {
    expectedRefs.push_back(expected[i].ref());
    actualRefs.push_back(actual[i].ref());
  }
  if (Status s = cpu->call(sig.name, inputRefs, expectedRefs); !s)
    return fail("the CPU kernel: " + s.message());

  std::unique_ptr<cuda::GpuKernel> kernel;
  if (Status s = cuda::GpuKernel::load(*device, ptx, launch, nullptr, kernel);
      !s)
    return fail(s.message());
  auto checkStart = std::chrono::steady_clock::now();
  if (Status s = kernel->run(inputRefs, actualRefs); !s)
    return fail(s.message());
  double checkSeconds = std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - checkStart)
                            .count();
  double maxErr = 0;
  bool finite = true;
  for (size_t i = 0; i < actual.size(); ++i) {
    double scale = 0, err = 0;
    for (int64_t j = 0, n = actual[i].numElements(); j < n; ++j) {
      double e = expected[i].ref().loadLinear(j);
      double a = actual[i].ref().loadLinear(j);
      if (!std::isfinite(a))
        finite = false;
      scale = std::max(scale, std::fabs(e));
      err = std::max(err, std::fabs(a - e));
    }
    maxErr = std::max(maxErr, scale > 0 ? err / scale : err);
  }
  bool ok = finite && maxErr <= 1e-3;

  // The check run (transfers included) bounds one launch's time.
  if (runs > 3 && checkSeconds * (runs + 1) > budgetSeconds)
    runs = std::max(3, static_cast<int>(budgetSeconds / checkSeconds) - 1);
  std::vector<float> millis;
  if (Status s = device->time(runs, [&] { return kernel->launch(); }, millis);
      !s)
    return fail(s.message());
  std::sort(millis.begin(), millis.end());
  double median = millis[millis.size() / 2];
  double seconds = median * 1e-3;
  // H200 (PERFORMANCE.md): ~4.3 TB/s copy, ~67 TFLOP/s fp32 (non-tensor).
  double tbs = bytes / seconds / 1e12;
  double tflops = flops / seconds / 1e12;
  std::printf("| %s | %s | %.4f | %.4f | %d | %.4f (%.2f %%) | %s | %.2e | "
              "%s |\n",
              label.c_str(), dimText.c_str(), median, millis.front(),
              static_cast<int>(millis.size()), tbs,
              100 * tbs / 4.3,
              flops > 0 ? (std::to_string(tflops).substr(0, 7) + " (" +
                           std::to_string(100 * tflops / 67).substr(0, 5) +
                           " %)")
                              .c_str()
                        : "-",
              maxErr, ok ? "ok" : (finite ? "FAIL" : "FAIL (non-finite)"));
  return ok ? 0 : 1;
}

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
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace plstm;

static int fail(const std::string &message) {
  // Control bytes (a NUL in a broken .launch file would end the message)
  // are written as \xNN.
  std::string text;
  for (unsigned char c : message) {
    if (c < 0x20 && c != '\n' && c != '\t') {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      text += escaped;
    } else {
      text += static_cast<char>(c);
    }
  }
  std::fprintf(stderr, "plstm-gpu-runner: error: %s\n", text.c_str());
  return 1;
}

/// `text` as a whole decimal integer in [lo, hi].
static bool parseInteger(const std::string &text, int64_t lo, int64_t hi,
                         int64_t &out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])))
    return false;
  errno = 0;
  char *end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || value < lo || value > hi)
    return false;
  out = value;
  return true;
}

/// `text` as a whole finite decimal number in [lo, hi].
static bool parseNumber(const std::string &text, double lo, double hi,
                        double &out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])))
    return false;
  errno = 0;
  char *end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(value) || value < lo ||
      value > hi)
    return false;
  out = value;
  return true;
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
    int64_t n = 0;
    auto badValue = [&](const char *expected) {
      return fail(a + " '" + v + "', expected " + expected);
    };
    if (a == "--ptx" && value(v))
      ptxPath = v;
    else if (a == "--cpu" && value(v))
      cpuPath = v;
    else if (a == "--dim" && value(v))
      dimText = v;
    else if (a == "--label" && value(v))
      label = v;
    else if (a == "--runs" && value(v)) {
      if (!parseInteger(v, 1, 1000000, n))
        return badValue("a whole number of runs from 1 to 1000000");
      runs = static_cast<int>(n);
    } else if (a == "--max-seconds" && value(v)) {
      if (!parseNumber(v, 1e-3, 86400, budgetSeconds))
        return badValue("a number of seconds from 0.001 to 86400");
    } else if (a == "--seed" && value(v)) {
      if (!parseInteger(v, 0, UINT32_MAX, n))
        return badValue("a whole number from 0 to 4294967295");
      seed = static_cast<unsigned>(n);
    } else if (a == "--flops" && value(v)) {
      if (!parseNumber(v, 0, 1e30, flops))
        return badValue("a FLOP count >= 0");
    } else if (a == "--graph-components" && value(v)) {
      if (!parseInteger(v, 1, INT64_MAX, components))
        return badValue("a count >= 1");
    } else if (a == "--help" || a == "-h") {
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
  std::map<std::string, int64_t> dims;
  std::stringstream dimStream(dimText);
  if (!dimText.empty() && dimText.back() == ',')
    return fail("--dim '" + dimText +
                "' ends with a comma, expected "
                "NAME=VALUE,NAME=VALUE...");
  for (std::string item; std::getline(dimStream, item, ',');) {
    size_t eq = item.find('=');
    int64_t size = 0;
    if (eq == std::string::npos || eq == 0 || eq + 1 >= item.size() ||
        !std::isdigit(static_cast<unsigned char>(item[eq + 1])) ||
        !parseInteger(item.substr(eq + 1), 0, INT64_MAX, size))
      return fail("--dim '" + item +
                  "', expected NAME=VALUE with VALUE a "
                  "whole number >= 0");
    if (!dims.emplace(item.substr(0, eq), size).second)
      return fail("--dim '" + dimText + "' sets " + item.substr(0, eq) +
                  " twice");
  }
  if (label.empty())
    label = ptxPath;
  if (components < 1 ||
      (dims.count("N") && (dims["N"] % components != 0 ||
                           components > std::max<int64_t>(dims["N"], 1))))
    return fail("--graph-components=" + std::to_string(components) +
                ": expected a count >= 1 that divides N" +
                (dims.count("N") ? " = " + std::to_string(dims["N"]) : ""));
  // The machine's memory, against which the sizes are checked before
  // anything is made (an error naming --dim, not an allocation failure).
  double memoryBytes = static_cast<double>(sysconf(_SC_PHYS_PAGES)) *
                       static_cast<double>(sysconf(_SC_PAGE_SIZE));
  // The random graph: about two edges a node and their line edges, about
  // 250 bytes a node (measured).
  if (dims.count("N") && static_cast<double>(dims["N"]) * 256 > memoryBytes)
    return fail(
        "--dim N=" + std::to_string(dims["N"]) +
        ": the random graph would take about " +
        std::to_string(
            static_cast<uint64_t>(static_cast<double>(dims["N"]) * 256) >> 20) +
        " MiB, more than this machine's " +
        std::to_string(static_cast<uint64_t>(memoryBytes) >> 20) +
        " MiB of memory");
  std::string userDims = dimText; // as given (the table adds C=)
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
  // Each --dim names a dim of the kernel: one sized at run time, or a
  // static one at its size.
  {
    std::map<std::string, int64_t> fixed;
    std::set<std::string> dynamic, graph;
    for (const KernelArg &arg : launch.signature.inputs)
      for (size_t d = 0; d < arg.dims.size(); ++d)
        if (arg.dims[d] < 0 && d == 0 && !isFloat(arg.dtype))
          graph.insert(arg.dimNames[d]); // rows of the random graph
        else if (arg.dims[d] < 0)
          dynamic.insert(arg.dimNames[d]);
        else
          fixed.emplace(arg.dimNames[d], arg.dims[d]);
    for (auto [name, size] : dims) {
      if (graph.count(name))
        return fail("--dim " + name + "=" + std::to_string(size) +
                    ": the random graph decides " + name +
                    " (from N and --graph-components)");
      if (dynamic.count(name))
        continue;
      auto it = fixed.find(name);
      if (it == fixed.end()) {
        std::string names;
        for (const std::string &n : dynamic)
          if (!graph.count(n))
            names += (names.empty() ? "" : ", ") + n;
        if (names.empty())
          names = "none";
        return fail("--dim " + name + "=" + std::to_string(size) +
                    ": the kernel has no dim " + name +
                    " (its dims sized at run time: " + names + ")");
      }
      if (it->second != size)
        return fail("--dim " + name + "=" + std::to_string(size) +
                    ", but the kernel's " + name + " is " +
                    std::to_string(it->second));
    }
  }
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
    // Sizes this machine cannot hold (inputs, the expected and the actual
    // outputs take about three times the inputs) are an error naming
    // --dim, not an allocation failure.
    uint64_t elements = 1;
    bool overflow = false;
    for (int64_t extent : shape)
      overflow |= __builtin_mul_overflow(
          elements, static_cast<uint64_t>(extent), &elements);
    uint64_t argBytes = 0;
    overflow |= __builtin_mul_overflow(
        elements, static_cast<uint64_t>(dtypeSize(arg.dtype)), &argBytes);
    if (overflow || bytes + static_cast<double>(argBytes) > memoryBytes)
      return fail("--dim " + userDims + ": the inputs up to '" + arg.role +
                  "' would take " +
                  (overflow ? std::string("more than 2^64 bytes")
                            : std::to_string(
                                  static_cast<uint64_t>(
                                      bytes + static_cast<double>(argBytes)) >>
                                  20) +
                                  " MiB") +
                  ", more than this machine's " +
                  std::to_string(static_cast<uint64_t>(memoryBytes) >> 20) +
                  " MiB of memory");
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

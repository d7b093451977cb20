//===- plstm-run.cpp - run a plstm spec on .npy or random inputs ----------===//
//
// Runs the entry function of a spec (an MLIR module whose function holds
// plstm ops) on inputs bound positionally from `.npy` files (`-i FILE`,
// repeated) or generated at random (`--random --seed N`), with a chosen
// backend, and writes every result as `.npy` into `--output-dir`.
//
// Command-line contract (README.md, "plstm-run"): exit status 0 on success,
// 1 on any error, with one `plstm-run: error: ...` line naming the argument,
// the expected and the actual value; on error no output file is left behind
// (results are written to temporary names and renamed at the end).
//
// Backends: `reference` (the fp64 reference evaluator of runtime/). Later
// backends (`cpu`, `cuda`) plug into the same interface.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPUTarget.h"
#include "dialect/PLSTMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "passes/CostModel.h"
#include "passes/Passes.h"
#include "runtime/Graph.h"
#include "runtime/Npy.h"
#include "runtime/Reference.h"
#include "runtime/Tensor.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/GpuKernel.h"
#include "runtime/jit/JIT.h"
#include "runtime/jit/RaceCheck.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <unistd.h>

using namespace mlir;
namespace cl = llvm::cl;
namespace rt = ::plstm; // the core runtime (not the dialect, mlir::plstm)

static cl::opt<std::string> specFile(cl::Positional, cl::desc("<spec.mlir>"),
                                     cl::Required);
static cl::list<std::string>
    inputFiles("i",
               cl::desc("Input .npy file, bound positionally to the entry "
                        "function's arguments (repeat once per argument)"),
               cl::value_desc("file.npy"));
static cl::opt<bool> randomInputs(
    "random", cl::desc("Generate random inputs instead of reading -i files"));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed of --random"),
                              cl::init(0));
static cl::list<std::string> dimBindings(
    "dim",
    cl::desc("Size of a dynamic dim for --random, by its contract name "
             "(B, T, N; repeatable or comma-separated: --dim B=2,T=100)"),
    cl::value_desc("NAME=VALUE"), cl::CommaSeparated);
static cl::opt<int64_t> graphComponents(
    "graph-components",
    cl::desc("With --random: the graph operand is the disjoint union of C "
             "random DAGs of N / C nodes each (a batch of molecules, as "
             "PERFORMANCE.md's `mol` shape: N = 2048, C = 64; default 1: one "
             "DAG on all N nodes)"),
    cl::value_desc("C"), cl::init(1));
static cl::opt<std::string>
    backend("backend",
            cl::desc("Backend that runs the spec: reference (fp64 reference "
                     "evaluator), cpu (JIT-compiled native code), gpu-on-cpu "
                     "(the GPU pipeline's mapped IR, each gpu.launch run as "
                     "loops on the CPU: checks the GPU mapping without a "
                     "GPU), cuda (the GPU pipeline's PTX for the device's "
                     "chip, run through the thin CUDA runtime)"),
            cl::init("reference"));
static cl::opt<bool> parallelLoops(
    "parallel-loops",
    cl::desc("Run the schedules' independent iterations (tiles of a "
             "wavefront, chunks, edges of a DAG block) on the call's threads "
             "through OpenMP (default); =false: sequential loops, only the "
             "batch is split over threads"),
    cl::init(true));
static cl::opt<bool> verifyEach(
    "verify-each",
    cl::desc(
        "--backend=cpu: verify the IR after every pass of the CPU pipeline, "
        "to find the pass that broke it (default: after each pass of the "
        "schedule lowering, then once after the last pass)"),
    cl::init(false));
static cl::opt<bool> microkernels(
    "microkernels",
    cl::desc("--backend=cpu: lower the contractions to register-blocked "
             "vector loop nests (default); =false: scalar loop nests that "
             "LLVM vectorizes (for comparison)"),
    cl::init(true));
static cl::opt<std::string> schedule(
    "schedule",
    cl::desc("Force a schedule for the compiled backends (cpu, gpu-on-cpu, "
             "cuda): sequential, chunkwise:N, logdepth[:N]"),
    cl::init(""));
static cl::opt<int> threads(
    "num-threads",
    cl::desc("Threads of --backend=cpu calls: the batch is split over them "
             "(default: all hardware threads)"),
    cl::init(0));
static cl::opt<int> threadsPerRow(
    "threads-per-row",
    cl::desc("--backend=cuda and gpu-on-cpu: threads of the block that runs "
             "one batch row (0 to 1024; default 0: chosen per kernel, 128 "
             "to 512, docs/gpu.md); 1: one thread per row"),
    cl::init(0));
static cl::opt<bool> gpuPrefetch(
    "gpu-prefetch",
    cl::desc("--backend=cuda and gpu-on-cpu: prefetch the inputs of the "
             "step two ahead of each sequential loop (L2 on sm_90 and "
             "later; default true; docs/gpu.md)"),
    cl::init(true));
static cl::opt<bool> gpuRegisterTiles(
    "gpu-register-tiles",
    cl::desc("--backend=cuda and gpu-on-cpu: a thread computes a tile of up "
             "to 4 x 4 outputs of a matrix product with many more outputs "
             "than threads (default true; docs/gpu.md)"),
    cl::init(true));
static cl::opt<bool> gpuFuseLoops(
    "gpu-fuse-loops",
    cl::desc("--backend=cuda and gpu-on-cpu: ops with no barrier between "
             "them fuse into one loop over the threads, and buffers nothing "
             "reads then go (default true; docs/gpu.md)"),
    cl::init(true));
static cl::opt<bool> gpuRaceCheck(
    "gpu-race-check",
    cl::desc("--backend=gpu-on-cpu: report every memory access and barrier "
             "of the launches to a race detector, which fails the run when "
             "two threads of a block touch one address between the same "
             "two barriers, one writing (slower: the batch runs on one "
             "thread; docs/gpu.md)"),
    cl::init(false));
static cl::opt<std::string> gpuLsr(
    "gpu-lsr",
    cl::desc("--backend=cuda: LLVM's loop strength reduction when the "
             "NVPTX back end generates the PTX: auto (default; off for a "
             "spec with a log-depth schedule or a DAG scan, on for the "
             "others; "
             "docs/gpu.md), on or off"),
    cl::init("auto"));
static cl::opt<bool> gpuOpGrid(
    "gpu-op-grid",
    cl::desc("--backend=cuda and gpu-on-cpu, with the chunk grid: the big "
             "linalg ops of a row with "
             "no loops at its level (the 2D log-depth schedules) as "
             "launches of their own, a block per (row, slice) (default "
             "true; docs/gpu.md)"),
    cl::init(true));
static cl::opt<bool> gpuChunkGrid(
    "gpu-chunk-grid",
    cl::desc("--backend=cuda and gpu-on-cpu: the chunkwise schedules' chunk "
             "loops as launches of their own, a block per (row, chunk) "
             "(default true; docs/gpu.md)"),
    cl::init(true));
static cl::opt<bool> explain(
    "explain",
    cl::desc("Print the schedule decision of every scan op with the "
             "estimated costs of the alternatives (for the actual input "
             "sizes)"));
static cl::opt<bool>
    check("check",
          cl::desc("Also run the reference evaluator on the same inputs, "
                   "print the max abs/rel error of every result and exit 1 "
                   "beyond --tolerance"));
static cl::opt<unsigned> checkBatch(
    "check-batch",
    cl::desc("--check only the first N batch entries (the dim named B): the "
             "reference evaluator is slow on large batches; batch entries are "
             "independent (0: all)"),
    cl::init(0));
static cl::opt<double> tolerance(
    "tolerance",
    cl::desc("--check bound on max|result - reference| / max|reference| "
             "(default 1e-4 for f32 results, 1e-10 for f64)"),
    cl::init(-1));
static cl::opt<unsigned>
    benchRuns("bench",
              cl::desc("Time N runs after one warm-up run: median, "
                       "min, max and GFLOP/s (SPEC §9 formulas)"),
              cl::init(0));
static cl::opt<double> benchSeconds(
    "bench-seconds",
    cl::desc("With --bench N and --backend=cpu or gpu-on-cpu: after the N "
             "runs, keep timing runs until the timed calls add up to this "
             "many seconds (at most 100·N runs in all; default 0: N runs). "
             "Short kernels get a median over more runs"),
    cl::init(0));
static cl::opt<unsigned> optLevel("O",
                                  cl::desc("LLVM optimization level for "
                                           "--backend=cpu (0-3)"),
                                  cl::init(3), cl::Prefix);
static cl::opt<std::string>
    outputDir("output-dir",
              cl::desc("Directory for result_<i>.npy (created if missing); "
                       "without it nothing is written"),
              cl::value_desc("dir"));
static cl::opt<std::string>
    saveInputsDir("save-inputs",
                  cl::desc("Also write the inputs (e.g. the --random ones) as "
                           "input_<i>.npy into this directory"),
                  cl::value_desc("dir"));
static cl::opt<std::string>
    entryName("entry", cl::desc("Entry function (default: the only one)"),
              cl::value_desc("name"));
static cl::opt<bool> quiet("quiet", cl::desc("Print nothing on success"));
static cl::opt<std::string> emitStage(
    "emit-stage",
    cl::desc("With --backend=cpu: also print the IR of this stage of the CPU "
             "pipeline to stdout before running: schedule (after "
             "plstm-select-schedule), loops, buffers or llvm"),
    cl::init(""));

namespace {

using rt::DType;
using rt::Status;
using rt::Tensor;
using rt::TensorRef;

/// Milliseconds since `t` (steady clock).
static double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t)
      .count();
}

/// One bound value of the interpreted function.
struct Binding {
  Tensor tensor;
};

std::string formatDims(llvm::ArrayRef<int64_t> dims) {
  return rt::formatShape(std::vector<int64_t>(dims.begin(), dims.end()));
}

std::optional<DType> dtypeOf(Type elementType) {
  if (elementType.isF32())
    return DType::F32;
  if (elementType.isF64())
    return DType::F64;
  if (elementType.isSignlessInteger(32))
    return DType::I32;
  if (elementType.isSignlessInteger(64))
    return DType::I64;
  return std::nullopt;
}

/// Where a function argument is used inside a plstm op: the contract names
/// of its dims ("B", "T", ...) and its role ("source of plstm.scan1d").
struct ArgumentRole {
  SmallVector<StringRef> dims;
  std::string role;
};

/// A layer op's gate-layer settings for the reference (sub_heads and the
/// activation attributes).
rt::GateLayerOptions gateOptions(Operation *layer) {
  rt::GateLayerOptions options;
  options.subHeads = mlir::plstm::getLayerSubHeads(layer);
  options.gateSubHeads = mlir::plstm::getLayerGateSubHeads(layer);
  options.source = mlir::plstm::getLayerActivation(layer, "source").str();
  options.mark = mlir::plstm::getLayerActivation(layer, "mark").str();
  options.direct = mlir::plstm::getLayerActivation(layer, "direct").str();
  options.eigenvalue =
      mlir::plstm::getLayerActivation(layer, "eigenvalue").str();
  return options;
}

/// This machine's physical memory in bytes: the bound of the --dim sizes
/// of random inputs and graphs.
uint64_t machineMemoryBytes() {
  return static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<uint64_t>(sysconf(_SC_PAGE_SIZE));
}

/// The first plstm-op use of every function argument.
std::vector<std::optional<ArgumentRole>> findRoles(func::FuncOp func) {
  std::vector<std::optional<ArgumentRole>> roles(func.getNumArguments());
  func.walk([&](Operation *op) {
    for (const mlir::plstm::ContractEntry &entry :
         mlir::plstm::getShapeContract(op)) {
      auto arg = dyn_cast_or_null<BlockArgument>(entry.value);
      if (entry.isResult || !arg || arg.getOwner() != &func.front() ||
          roles[arg.getArgNumber()])
        continue;
      roles[arg.getArgNumber()] = ArgumentRole{
          entry.dims,
          (entry.name + " of " + op->getName().getStringRef()).str()};
    }
  });
  return roles;
}

/// Binds contract dim names to sizes across all inputs of the function.
class DimBinder {
public:
  /// Records `name = size` from `what`; fails on a conflicting earlier value.
  Status bind(StringRef name, int64_t size, const std::string &what) {
    auto it = values.find(name);
    if (it == values.end()) {
      values[name] = {size, what};
      return Status::success();
    }
    if (it->second.first != size)
      return Status::error(what + " has " + name.str() + " = " +
                           std::to_string(size) + ", expected " + name.str() +
                           " = " + std::to_string(it->second.first) +
                           " as in " + it->second.second);
    return Status::success();
  }
  std::optional<int64_t> lookup(StringRef name) const {
    auto it = values.find(name);
    if (it == values.end())
      return std::nullopt;
    return it->second.first;
  }

private:
  llvm::StringMap<std::pair<int64_t, std::string>> values;
};

std::string describeInput(unsigned index,
                          const std::optional<ArgumentRole> &role) {
  std::string text = "input #" + std::to_string(index);
  if (role)
    text += " (" + role->role + ")";
  return text;
}

/// Checks a tensor read from a file against the argument's type.
Status checkInput(unsigned index, const std::string &file, const Tensor &tensor,
                  RankedTensorType type,
                  const std::optional<ArgumentRole> &role, DimBinder &binder) {
  std::string what = describeInput(index, role) + " from '" + file + "'";
  std::optional<DType> expected = dtypeOf(type.getElementType());
  if (!expected)
    return Status::error("argument #" + std::to_string(index) +
                         " has an unsupported element type");
  if (tensor.dtype() != *expected)
    return Status::error(what + " has dtype " + rt::dtypeName(tensor.dtype()) +
                         ", expected " + rt::dtypeName(*expected));
  const std::vector<int64_t> &shape = tensor.shape();
  bool matches = static_cast<int64_t>(shape.size()) == type.getRank();
  for (int64_t d = 0; matches && d < type.getRank(); ++d)
    matches = type.isDynamicDim(d) || type.getDimSize(d) == shape[d];
  if (!matches)
    return Status::error(what + " has shape " + rt::formatShape(shape) +
                         ", expected " + formatDims(type.getShape()));
  if (role)
    for (auto [d, name] : llvm::enumerate(role->dims)) {
      int64_t literal;
      if (!name.getAsInteger(10, literal))
        continue;
      if (Status s = binder.bind(name, shape[d], what); !s)
        return s;
    }
  return Status::success();
}

/// Random inputs: a random DAG for graph operands, bounded gates elsewhere.
class RandomInputs {
public:
  explicit RandomInputs(uint64_t seed) : rng(seed) {}

  double uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  }

  /// A random DAG on `nodes` nodes (edges i -> j with i < j) with `edges`
  /// edges (-1: two per node, at most all pairs) and its full line graph,
  /// cut to `lineEdges` line edges (-1: all of them). With `components` > 1:
  /// the disjoint union of that many random DAGs of nodes / components
  /// nodes and edges / components edges each (component c on the nodes
  /// [c·n, (c+1)·n), its edges after those of c - 1): a batch of molecules.
  Status makeGraph(int64_t nodes, int64_t edges, int64_t lineEdges,
                   int64_t components = 1) {
    if (components < 1 || nodes % components != 0)
      return Status::error(
          "--graph-components=" + std::to_string(components) +
          ": expected a count >= 1 that divides the node count N = " +
          std::to_string(nodes));
    int64_t n = nodes / components;
    int64_t maxEdges = n * (n - 1) / 2;
    if (edges >= 0 && edges % components != 0)
      return Status::error(
          "--random cannot split E = " + std::to_string(edges) +
          " edges evenly over --graph-components=" +
          std::to_string(components) + " graphs");
    int64_t perGraph =
        edges < 0 ? std::min<int64_t>(maxEdges, 2 * n) : edges / components;
    if (perGraph > maxEdges)
      return Status::error(
          "--random cannot build a DAG with E = " + std::to_string(edges) +
          " edges on N = " + std::to_string(nodes) + " nodes (at most " +
          std::to_string(maxEdges * components) +
          (components > 1 ? " in " + std::to_string(components) + " graphs"
                          : std::string()) +
          ")");
    std::vector<std::pair<int64_t, int64_t>> pairs;
    for (int64_t c = 0; c < components; ++c) {
      // Distinct pairs i < j: sampled (without building all n²/2 of them)
      // unless the graph is dense.
      std::set<std::pair<int64_t, int64_t>> chosen;
      if (perGraph * 2 > maxEdges) {
        std::vector<std::pair<int64_t, int64_t>> all;
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = i + 1; j < n; ++j)
            all.push_back({i, j});
        std::shuffle(all.begin(), all.end(), rng);
        chosen.insert(all.begin(), all.begin() + perGraph);
      } else {
        std::uniform_int_distribution<int64_t> node(0, n - 1);
        while (static_cast<int64_t>(chosen.size()) < perGraph) {
          int64_t a = node(rng), b = node(rng);
          if (a != b)
            chosen.insert({std::min(a, b), std::max(a, b)});
        }
      }
      for (auto [a, b] : chosen)
        pairs.push_back({c * n + a, c * n + b});
    }
    edges = static_cast<int64_t>(pairs.size());
    graphEdges = pairs;
    graphLineEdges.clear();
    std::vector<std::vector<int64_t>> leaving(nodes);
    for (int64_t b = 0; b < edges; ++b)
      leaving[pairs[b].first].push_back(b);
    for (int64_t a = 0; a < edges; ++a)
      for (int64_t b : leaving[pairs[a].second])
        graphLineEdges.push_back({a, b});
    if (lineEdges >= 0) {
      if (lineEdges > static_cast<int64_t>(graphLineEdges.size()))
        return Status::error("--random cannot build a graph with L = " +
                             std::to_string(lineEdges) +
                             " line edges: the random DAG has " +
                             std::to_string(graphLineEdges.size()) +
                             " (make L dynamic or smaller)");
      std::shuffle(graphLineEdges.begin(), graphLineEdges.end(), rng);
      graphLineEdges.resize(lineEdges);
      std::sort(graphLineEdges.begin(), graphLineEdges.end());
    }
    return Status::success();
  }

  std::vector<std::pair<int64_t, int64_t>> graphEdges, graphLineEdges;

private:
  std::mt19937_64 rng;
};

/// Default sizes of dynamic dims under --random.
int64_t defaultDimSize(StringRef name) {
  if (name == "B")
    return 2;
  if (name == "T")
    return 16;
  if (name == "N")
    return 12;
  return 4;
}

/// The interpreter of the reference backend.
class ReferenceInterpreter {
public:
  explicit ReferenceInterpreter(llvm::DenseMap<Value, Tensor> &values)
      : values(values) {}

  Status run(func::FuncOp func, std::vector<Tensor> &results,
             llvm::raw_ostream &log) {
    for (Operation &op : func.front()) {
      auto start = std::chrono::steady_clock::now();
      Status status = runOp(&op, results);
      if (!status)
        return status;
      double ms = msSince(start);
      if (isa<mlir::plstm::PLSTMDialect>(op.getDialect()))
        log << "  " << op.getName() << " at " << op.getLoc() << ": "
            << llvm::format("%.3f", ms) << " ms (reference)\n";
    }
    return Status::success();
  }

private:
  rt::TensorRef ref(Value value) {
    if (!value)
      return rt::TensorRef();
    return values[value].ref();
  }

  /// Allocates the op's results with shapes from the bound contract dims.
  Status allocateResults(Operation *op) {
    llvm::StringMap<int64_t> dims;
    for (const mlir::plstm::ContractEntry &entry :
         mlir::plstm::getShapeContract(op)) {
      if (!entry.value)
        continue;
      if (!entry.isResult) {
        const std::vector<int64_t> &shape = values[entry.value].shape();
        for (auto [d, name] : llvm::enumerate(entry.dims))
          dims.try_emplace(name, shape[d]);
        continue;
      }
      auto type = cast<RankedTensorType>(entry.value.getType());
      std::vector<int64_t> shape;
      for (StringRef name : entry.dims)
        shape.push_back(dims.lookup(name));
      Tensor tensor(*dtypeOf(type.getElementType()), shape);
      tensor.fill(rt::isFloat(tensor.dtype()) ? std::nan("") : -7777777.0);
      values[entry.value] = std::move(tensor);
    }
    return Status::success();
  }

  Status runOp(Operation *op, std::vector<Tensor> &results) {
    std::string where;
    llvm::raw_string_ostream os(where);
    os << op->getName() << " at " << op->getLoc() << ": ";

    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (Value v : ret.getOperands())
        results.push_back(values[v]);
      return Status::success();
    }
    if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
      auto dense = dyn_cast<DenseElementsAttr>(cst.getValue());
      std::optional<DType> dtype =
          dense ? dtypeOf(dense.getElementType()) : std::nullopt;
      if (!dense || !dtype)
        return Status::error(where + "only dense tensor constants of f32, "
                                     "f64, i32 or i64 are supported");
      Tensor tensor(*dtype,
                    std::vector<int64_t>(dense.getType().getShape().begin(),
                                         dense.getType().getShape().end()));
      int64_t i = 0;
      if (rt::isFloat(*dtype))
        for (APFloat v : dense.getValues<APFloat>())
          tensor.ref().storeLinear(i++, v.convertToDouble());
      else
        for (APInt v : dense.getValues<APInt>())
          tensor.ref().storeLinear(i++, static_cast<double>(v.getSExtValue()));
      values[cst.getResult()] = std::move(tensor);
      return Status::success();
    }
    if (!isa<mlir::plstm::Scan1DOp, mlir::plstm::Scan2DOp,
             mlir::plstm::ScanDagOp, mlir::plstm::Layer1DOp,
             mlir::plstm::Layer2DOp, mlir::plstm::LayerDagOp>(op))
      return Status::error(where + "op is not supported by the reference "
                                   "backend (supported: plstm scans and "
                                   "layers, arith.constant, func.return)");
    if (Status s = allocateResults(op); !s)
      return s;
    Status status;
    if (auto layer = dyn_cast<mlir::plstm::LayerDagOp>(op)) {
      rt::LayerDagArgs args;
      args.x = ref(layer.getX());
      args.edges = ref(layer.getEdges());
      args.lineEdges = ref(layer.getLineEdges());
      args.edgeFeatures = ref(layer.getEdgeFeatures());
      for (auto [value, name] :
           llvm::zip(layer.getWeights(),
                     layer.getNames().getAsRange<StringAttr>()))
        args.weights[name.str()] = ref(value);
      args.pMode = layer.isPMode();
      args.gates = gateOptions(layer);
      if (auto scale = layer.getQkScaleAttr())
        args.qkScale = scale.getValueAsDouble();
      status = rt::referenceLayerDag(args, ref(layer.getY()));
    } else if (auto layer = dyn_cast<mlir::plstm::Layer1DOp>(op)) {
      rt::Layer1DArgs args;
      args.x = ref(layer.getX());
      for (auto [value, name] :
           llvm::zip(layer.getWeights(),
                     layer.getNames().getAsRange<StringAttr>()))
        args.weights[name.str()] = ref(value);
      args.eigenvalueFactor = layer.getEigenvalueFactorOrDefault();
      args.orthogonalFactor = layer.getOrthogonalFactorOrDefault();
      args.gates = gateOptions(layer);
      if (auto scale = layer.getQkScaleAttr())
        args.qkScale = scale.getValueAsDouble();
      status = rt::referenceLayer1D(args, ref(layer.getY()));
    } else if (auto layer = dyn_cast<mlir::plstm::Layer2DOp>(op)) {
      rt::Layer2DArgs args;
      args.x = ref(layer.getX());
      for (auto [value, name] :
           llvm::zip(layer.getWeights(),
                     layer.getNames().getAsRange<StringAttr>()))
        args.weights[name.str()] = ref(value);
      args.pMode = layer.isPMode();
      args.signedPMode = layer.getSignedPMode();
      args.chirality = layer.getChiralityOrDefault()[0];
      args.orientations.clear();
      for (int32_t o : layer.getOrientationList())
        args.orientations.push_back(o);
      args.gates = gateOptions(layer);
      args.eigenvalueFactor = layer.getEigenvalueFactorOrDefault();
      if (auto scale = layer.getQkScaleAttr())
        args.qkScale = scale.getValueAsDouble();
      status = rt::referenceLayer2D(args, ref(layer.getY()));
    } else if (auto scan = dyn_cast<mlir::plstm::Scan1DOp>(op)) {
      rt::Scan1DArgs args;
      args.q = ref(scan.getQ());
      args.k = ref(scan.getK());
      args.v = ref(scan.getV());
      args.source = ref(scan.getSource());
      args.transition = ref(scan.getTransition());
      args.mark = ref(scan.getMark());
      args.direct = ref(scan.getDirect());
      args.initial = ref(scan.getInitial());
      args.qkScale = scan.getEffectiveQkScale();
      if (auto eps = scan.getOutputNormEpsAttr())
        args.outputNormEps = eps.getValueAsDouble();
      status = rt::referenceScan1D(
          args, rt::Scan1DResults{ref(scan.getY()), ref(scan.getLast())});
    } else if (auto scan = dyn_cast<mlir::plstm::Scan2DOp>(op)) {
      rt::Scan2DArgs args;
      args.q = ref(scan.getQ());
      args.k = ref(scan.getK());
      args.v = ref(scan.getV());
      args.sourceR = ref(scan.getSourceR());
      args.sourceD = ref(scan.getSourceD());
      args.tRL = ref(scan.getTRl());
      args.tDU = ref(scan.getTDu());
      args.tDL = ref(scan.getTDl());
      args.tRU = ref(scan.getTRu());
      args.markL = ref(scan.getMarkL());
      args.markU = ref(scan.getMarkU());
      args.direct = ref(scan.getDirect());
      args.initLeft = ref(scan.getInitLeft());
      args.initTop = ref(scan.getInitTop());
      args.orientations.clear();
      for (int32_t o : scan.getOrientationList())
        args.orientations.push_back(o);
      args.qkScale = scan.getEffectiveQkScale();
      status = rt::referenceScan2D(
          args, rt::Scan2DResults{ref(scan.getY()), ref(scan.getLastRight()),
                                  ref(scan.getLastDown())});
    } else if (auto scan = dyn_cast<mlir::plstm::ScanDagOp>(op)) {
      rt::ScanDagArgs args;
      args.q = ref(scan.getQ());
      args.k = ref(scan.getK());
      args.v = ref(scan.getV());
      args.edges = ref(scan.getEdges());
      args.lineEdges = ref(scan.getLineEdges());
      args.source = ref(scan.getSource());
      args.transition = ref(scan.getTransition());
      args.mark = ref(scan.getMark());
      args.direct = ref(scan.getDirect());
      args.qkScale = scan.getEffectiveQkScale();
      status = rt::referenceScanDag(args, rt::ScanDagResults{ref(scan.getY())});
    }
    if (!status)
      return Status::error(where + status.message());
    return Status::success();
  }

  llvm::DenseMap<Value, Tensor> &values;
};

/// Writes tensors as <dir>/<prefix><i>.npy atomically: all to temporary names,
/// then renamed; on any failure every file written so far is removed.
Status writeTensors(const std::vector<Tensor> &results, const std::string &dir,
                    StringRef prefix, StringRef option,
                    std::vector<std::string> &written) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return Status::error("--" + option.str() + " '" + dir +
                         "' cannot be created: " + ec.message());
  std::vector<std::string> temps, finals;
  for (size_t i = 0; i < results.size(); ++i) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, prefix + std::to_string(i) + ".npy");
    finals.push_back(std::string(path));
    temps.push_back(std::string(path) + ".tmp");
    if (Status s = rt::writeNpy(temps.back(), results[i].ref()); !s) {
      for (const std::string &t : temps)
        llvm::sys::fs::remove(t);
      return s;
    }
  }
  for (size_t i = 0; i < results.size(); ++i) {
    if (std::error_code ec = llvm::sys::fs::rename(temps[i], finals[i])) {
      for (size_t j = 0; j < results.size(); ++j) {
        llvm::sys::fs::remove(temps[j]);
        if (j < i)
          llvm::sys::fs::remove(finals[j]);
      }
      return Status::error("cannot write '" + finals[i] + "': " + ec.message());
    }
  }
  written = finals;
  return Status::success();
}

/// Allocates a compiled kernel's outputs for `inputs` and poisons them
/// (NaN for floats, a sentinel for integer outputs).
Status prepareOutputs(const rt::Kernel &kernel,
                      const std::vector<Tensor> &inputs,
                      std::vector<Tensor> &outputs) {
  std::vector<rt::TensorRef> inputRefs;
  for (const Tensor &t : inputs)
    inputRefs.push_back(t.ref());
  std::vector<std::vector<int64_t>> shapes;
  if (Status s = kernel.outputShapes(inputRefs, shapes); !s)
    return s;
  outputs.clear();
  for (size_t i = 0; i < shapes.size(); ++i)
    outputs.emplace_back(kernel.signature().outputs[i].dtype, shapes[i]);
  for (Tensor &t : outputs)
    t.fill(rt::isFloat(t.dtype()) ? std::nan("") : -7777777.0);
  return Status::success();
}

/// Calls a compiled kernel on `inputs` and prepared `outputs`.
Status callKernel(const rt::Kernel &kernel, const std::vector<Tensor> &inputs,
                  std::vector<Tensor> &outputs) {
  std::vector<rt::TensorRef> inputRefs, outputRefs;
  for (const Tensor &t : inputs)
    inputRefs.push_back(t.ref());
  for (Tensor &t : outputs)
    outputRefs.push_back(t.ref());
  return kernel(inputRefs, outputRefs, threads);
}

/// Runs a compiled kernel on `inputs`; outputs are allocated with the
/// kernel's output shapes and poisoned first.
Status runKernel(const rt::Kernel &kernel, const std::vector<Tensor> &inputs,
                 std::vector<Tensor> &outputs) {
  if (Status s = prepareOutputs(kernel, inputs, outputs); !s)
    return s;
  return callKernel(kernel, inputs, outputs);
}

void reportBench(llvm::raw_ostream &log, StringRef what,
                 std::vector<double> times, double flops) {
  std::sort(times.begin(), times.end());
  double median = times[times.size() / 2];
  if (times.size() % 2 == 0)
    median = 0.5 * (times[times.size() / 2 - 1] + times[times.size() / 2]);
  log << "  bench " << what << ": " << times.size() << " runs, median "
      << llvm::format("%.3f", median) << " ms, min "
      << llvm::format("%.3f", times.front()) << " ms, max "
      << llvm::format("%.3f", times.back()) << " ms, "
      << llvm::format("%.3f", flops / (median * 1e6)) << " GFLOP/s ("
      << llvm::format("%.4g", flops) << " FLOP per run, SPEC §9)\n";
}

int fail(const std::string &message) {
  llvm::outs().flush(); // keep the report before the error line
  llvm::errs() << "plstm-run: error: " << message << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv,
      "plstm-run: run a plstm spec on .npy or random inputs\n\n"
      "  plstm-run spec.mlir -i q.npy -i k.npy ... --output-dir out/\n"
      "  plstm-run spec.mlir --random --seed 1 --dim B=2,T=64\n");

  if (backend != "reference" && backend != "cpu" &&
      backend != "gpu-on-cpu" && backend != "cuda")
    return fail("--backend=" + backend +
                ", expected reference, cpu, gpu-on-cpu or cuda");
  // An option given with no value is an error, not its default.
  for (auto *option :
       {&outputDir, &schedule, &emitStage, &saveInputsDir, &entryName})
    if (option->getNumOccurrences() && option->empty())
      return fail("--" + option->ArgStr.str() +
                  " is empty, expected a value (see --help)");
  if (check && backend == "reference")
    return fail("--check compares a compiled backend with the reference; "
                "use it with --backend=cpu");
  if (optLevel > 3)
    return fail("-O" + std::to_string(optLevel) + ": expected -O0 to -O3");
  if (threadsPerRow < 0 || threadsPerRow > 1024)
    return fail("--threads-per-row=" + std::to_string(threadsPerRow) +
                ", expected 0 (chosen per kernel) or 1 to 1024");
  if (!mlir::plstm::isValidLsrMode(gpuLsr))
    return fail("--gpu-lsr=" + gpuLsr + ", expected auto, on or off");
  if (gpuRaceCheck && backend != "gpu-on-cpu")
    return fail("--gpu-race-check checks the GPU mapping run on the CPU; "
                "use it with --backend=gpu-on-cpu, not --backend=" +
                backend);
  if (threads < 0)
    return fail("--num-threads=" + std::to_string(threads) +
                ", expected a count >= 1 (or 0 for all hardware threads)");
  if (!(benchSeconds >= 0) || benchSeconds > 3600)
    return fail("--bench-seconds=" + std::to_string(benchSeconds) +
                ", expected 0 to 3600 seconds");
  if (benchSeconds > 0 && benchRuns == 0)
    return fail("--bench-seconds needs --bench N (N >= 1 runs first)");
  if (!emitStage.empty() && emitStage != "schedule" && emitStage != "loops" &&
      emitStage != "buffers" && emitStage != "llvm")
    return fail("--emit-stage=" + emitStage +
                ", expected schedule, loops, buffers or llvm");
  if (!emitStage.empty() && backend != "cpu")
    return fail("--emit-stage shows the stages of a compiled backend; use it "
                "with --backend=cpu");
  if (randomInputs && !inputFiles.empty())
    return fail("--random and -i are mutually exclusive (got --random and " +
                std::to_string(inputFiles.size()) + " -i files)");
  if (graphComponents.getNumOccurrences() && !randomInputs)
    return fail("--graph-components=" + std::to_string(graphComponents) +
                " needs --random (it shapes the random graph; with -i the "
                "files decide)");
  if (graphComponents < 1)
    return fail("--graph-components=" + std::to_string(graphComponents) +
                ", expected a count >= 1");

  // Parse --dim bindings.
  llvm::StringMap<int64_t> requestedDims;
  for (const std::string &binding : dimBindings) {
    StringRef text(binding);
    auto [name, value] = text.split('=');
    int64_t size;
    if (name.empty() || value.getAsInteger(10, size) || size < 0)
      return fail("--dim expects NAME=VALUE with VALUE >= 0, got '" + binding +
                  "'");
    if (name != "B" && name != "T" && name != "N" && name != "E" && name != "L")
      return fail("--dim " + name.str() +
                  ": unknown dim name, expected one of B, T, N, E, L");
    if (!randomInputs)
      return fail("--dim sets sizes for --random; with -i the files' shapes "
                  "decide");
    requestedDims[name] = size;
  }

  DialectRegistry registry;
  mlir::plstm::registerCodegenDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  if (!schedule.empty()) {
    std::string scheduleError;
    if (!mlir::plstm::parseScheduleSpec(&context, schedule, scheduleError))
      return fail("--schedule=" + schedule + ": " + scheduleError);
  }
  // --backend=cuda: the driver and the device once the flags are checked,
  // before any work (a machine without them gets the driver's error).
  std::unique_ptr<::plstm::cuda::Device> cudaDevice;
  if (backend == "cuda")
    if (Status s = ::plstm::cuda::Device::open(0, cudaDevice); !s)
      return fail("--backend=cuda: " + s.message());
  std::string errorMessage;
  auto file = openInputFile(specFile, &errorMessage);
  if (!file)
    return fail("cannot open spec '" + specFile + "': " + errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("spec '" + specFile + "' does not parse or verify (see above)");

  func::FuncOp func;
  unsigned numFuncs = 0;
  for (auto candidate : module->getOps<func::FuncOp>()) {
    if (candidate.isExternal())
      continue;
    ++numFuncs;
    if (entryName.empty() ? numFuncs == 1 : candidate.getName() == entryName)
      func = candidate;
  }
  if (!entryName.empty() && !func)
    return fail("--entry=" + entryName + ": no function of that name in '" +
                specFile + "'");
  if (entryName.empty() && numFuncs != 1)
    return fail(
        "spec '" + specFile + "' has " + std::to_string(numFuncs) +
        " functions with a body, expected 1 (or name one with --entry)");
  if (!func.getBody().hasOneBlock())
    return fail("function @" + func.getName().str() +
                " must have a single block");

  unsigned numArgs = func.getNumArguments();
  for (unsigned i = 0; i < numArgs; ++i) {
    auto type = dyn_cast<RankedTensorType>(func.getArgumentTypes()[i]);
    if (!type || !dtypeOf(type.getElementType()))
      return fail("argument #" + std::to_string(i) + " of @" +
                  func.getName().str() +
                  " must be a ranked tensor of f32, f64, i32 or i64");
  }
  std::vector<std::optional<ArgumentRole>> roles = findRoles(func);
  llvm::DenseMap<Value, Tensor> values;
  DimBinder binder;
  std::vector<std::string> inputSources(numArgs);

  if (!randomInputs) {
    if (inputFiles.size() != numArgs) {
      std::string expected;
      for (unsigned i = 0; i < numArgs; ++i)
        expected +=
            (i ? ", " : "") +
            (roles[i] ? roles[i]->role : "argument #" + std::to_string(i));
      return fail("@" + func.getName().str() + " takes " +
                  std::to_string(numArgs) + " inputs (" + expected + "), got " +
                  std::to_string(inputFiles.size()) +
                  " -i files (or use --random)");
    }
    for (unsigned i = 0; i < numArgs; ++i) {
      Tensor tensor;
      if (Status s = rt::readNpy(inputFiles[i], tensor); !s)
        return fail(describeInput(i, roles[i]) + ": " + s.message());
      if (Status s =
              checkInput(i, inputFiles[i], tensor,
                         cast<RankedTensorType>(func.getArgumentTypes()[i]),
                         roles[i], binder);
          !s)
        return fail(s.message());
      inputSources[i] = inputFiles[i];
      values[func.getArgument(i)] = std::move(tensor);
    }
  } else {
    RandomInputs random(seed);
    // Sizes of named dims: static dims of the signature first, then --dim,
    // then defaults; a graph operand fixes E and L.
    for (unsigned i = 0; i < numArgs; ++i) {
      if (!roles[i])
        continue;
      auto type = cast<RankedTensorType>(func.getArgumentTypes()[i]);
      for (auto [d, name] : llvm::enumerate(roles[i]->dims))
        if (!type.isDynamicDim(d))
          if (Status s = binder.bind(name, type.getDimSize(d),
                                     describeInput(i, roles[i]));
              !s)
            return fail(s.message());
    }
    for (auto &entry : requestedDims)
      if (Status s = binder.bind(entry.getKey(), entry.getValue(), "--dim"); !s)
        return fail(s.message());
    auto sizeOf = [&](StringRef name) {
      if (std::optional<int64_t> size = binder.lookup(name))
        return *size;
      int64_t size = defaultDimSize(name);
      (void)binder.bind(name, size, "the default");
      return size;
    };
    bool hasGraph = llvm::any_of(roles, [](auto &role) {
      return role && role->dims.size() == 2 && role->dims[1] == "2";
    });
    if (graphComponents > 1 && !hasGraph)
      return fail("--graph-components=" + std::to_string(graphComponents) +
                  ": @" + func.getName().str() + " has no graph operand");
    if (hasGraph) {
      // The random graph before it is made: about two edges a node and
      // their line edges: about 250 bytes a node, measured.
      int64_t nodes = sizeOf("N");
      uint64_t memory = machineMemoryBytes();
      if (static_cast<uint64_t>(nodes) > memory / 256)
        return fail("--dim N=" + std::to_string(nodes) +
                    ": the random graph would take about " +
                    std::to_string((static_cast<uint64_t>(nodes) * 256) >> 20) +
                    " MiB, more than this machine's " +
                    std::to_string(memory >> 20) + " MiB of memory");
      if (graphComponents > std::max<int64_t>(nodes, 1))
        return fail("--graph-components=" + std::to_string(graphComponents) +
                    ": more components than the graph's N = " +
                    std::to_string(nodes) + " nodes");
      int64_t e = binder.lookup("E").value_or(-1);
      int64_t l = binder.lookup("L").value_or(-1);
      if (Status s = random.makeGraph(sizeOf("N"), e, l, graphComponents); !s)
        return fail(s.message());
      // A D-mode graph layer runs on the multitree-pruned line graph
      // (SPEC §4.1, §5.5): prune the random one unless L was asked for.
      bool dMode = false;
      func.walk([&](mlir::plstm::LayerDagOp layer) {
        dMode |= !layer.isPMode();
      });
      if (dMode && l < 0) {
        rt::IndexPairs pruned;
        if (Status s = rt::pruneToMultitree(
                static_cast<int64_t>(random.graphEdges.size()),
                random.graphLineEdges, pruned);
            !s)
          return fail(s.message());
        random.graphLineEdges = std::move(pruned);
      }
      (void)binder.bind("E", random.graphEdges.size(), "the random graph");
      (void)binder.bind("L", random.graphLineEdges.size(), "the random graph");
    }
    auto shapeOf = [&](unsigned i) {
      auto type = cast<RankedTensorType>(func.getArgumentTypes()[i]);
      std::vector<int64_t> shape;
      for (int64_t d = 0; d < type.getRank(); ++d)
        shape.push_back(!type.isDynamicDim(d) ? type.getDimSize(d)
                        : roles[i]            ? sizeOf(roles[i]->dims[d])
                                              : defaultDimSize(""));
      return shape;
    };
    // The inputs' bytes before any is made: sizes this machine cannot hold
    // are an error that names the dims, not an allocation failure.
    std::vector<std::vector<int64_t>> shapes;
    uint64_t totalBytes = 0;
    bool overflow = false;
    for (unsigned i = 0; i < numArgs; ++i) {
      auto type = cast<RankedTensorType>(func.getArgumentTypes()[i]);
      uint64_t bytes = type.getElementTypeBitWidth() / 8;
      shapes.push_back(shapeOf(i));
      for (int64_t size : shapes.back())
        overflow |=
            __builtin_mul_overflow(bytes, static_cast<uint64_t>(size), &bytes);
      overflow |= __builtin_add_overflow(totalBytes, bytes, &totalBytes);
    }
    uint64_t memoryBytes = machineMemoryBytes();
    if (overflow || totalBytes > memoryBytes) {
      std::string dims;
      for (const std::string &binding : dimBindings)
        dims += (dims.empty() ? "" : ",") + binding;
      return fail("--dim " + (dims.empty() ? std::string("(defaults)") : dims) +
                  ": the random inputs alone would take " +
                  (overflow ? std::string("more than 2^64 bytes")
                            : std::to_string(totalBytes >> 20) + " MiB") +
                  ", more than this machine's " +
                  std::to_string(memoryBytes >> 20) + " MiB of memory");
    }
    for (unsigned i = 0; i < numArgs; ++i) {
      auto type = cast<RankedTensorType>(func.getArgumentTypes()[i]);
      const std::vector<int64_t> &shape = shapes[i];
      Tensor tensor(*dtypeOf(type.getElementType()), shape);
      rt::TensorRef view = tensor.ref();
      StringRef role = roles[i] ? StringRef(roles[i]->role) : StringRef();
      bool isGraph =
          roles[i] && roles[i]->dims.size() == 2 && roles[i]->dims[1] == "2";
      if (isGraph) {
        auto &pairs = role.starts_with("edges") ? random.graphEdges
                                                : random.graphLineEdges;
        for (size_t e = 0; e < pairs.size(); ++e) {
          view.storeLinear(2 * e, pairs[e].first);
          view.storeLinear(2 * e + 1, pairs[e].second);
        }
      } else {
        // q/k/v and boundary states in [-1, 1]; sources, marks and direct
        // in [0, 1]; transitions in [0, 1 / (2 JT)] so path sums stay
        // bounded on grids (at most two incoming states per node).
        double lo = -1, hi = 1;
        if (role.starts_with("source") || role.starts_with("mark") ||
            role.starts_with("direct"))
          lo = 0;
        if (role.starts_with("t_") || role.starts_with("transition")) {
          lo = 0;
          hi = 0.5 / static_cast<double>(shape.back());
        }
        // Layer weights: projections uniform in ±1/√fan-in, biases in
        // [-1, 1] (x too), the RMS norm scale in [0.5, 1.5].
        if (role.starts_with("w_") && !shape.empty()) {
          double fanIn = role == "w_out" && shape.size() == 3
                             ? static_cast<double>(shape[0] * shape[1])
                             : static_cast<double>(shape[0]);
          hi = 1.0 / std::sqrt(std::max(fanIn, 1.0));
          lo = -hi;
        }
        if (role == "norm_scale")
          lo = 0.5, hi = 1.5;
        for (int64_t e = 0, n = view.numElements(); e < n; ++e)
          view.storeLinear(e, random.uniform(lo, hi));
      }
      if (roles[i] && !isGraph)
        if (Status s =
                checkInput(i, "--random", tensor, type, roles[i], binder);
            !s)
          return fail(s.message());
      inputSources[i] = "random";
      values[func.getArgument(i)] = std::move(tensor);
    }
  }

  std::string logText;
  llvm::raw_string_ostream log(logText);
  log << "plstm-run: " << specFile << " @" << func.getName() << " (backend "
      << backend << ")\n";
  for (unsigned i = 0; i < numArgs; ++i) {
    const Tensor &t = values[func.getArgument(i)];
    log << "  input #" << i << " " << rt::dtypeName(t.dtype()) << " "
        << rt::formatShape(t.shape()) << " <- " << inputSources[i];
    if (roles[i])
      log << " (" << roles[i]->role << ")";
    log << "\n";
  }

  std::vector<Tensor> inputTensors;
  for (unsigned i = 0; i < numArgs; ++i)
    inputTensors.push_back(values[func.getArgument(i)]);
  // Actual sizes of the dynamic dims, for the cost model.
  std::string sizeHints;
  {
    std::map<std::string, int64_t> sizes;
    for (unsigned i = 0; i < numArgs; ++i)
      if (roles[i])
        for (auto [d, name] : llvm::enumerate(roles[i]->dims)) {
          int64_t literal;
          if (name.getAsInteger(10, literal))
            sizes[name.str()] = values[func.getArgument(i)].shape()[d];
        }
    for (auto &[name, size] : sizes)
      if (name == "B" || name == "T" || name == "N" || name == "E" ||
          name == "L")
        sizeHints +=
            (sizeHints.empty() ? "" : ",") + name + "=" + std::to_string(size);
  }
  mlir::plstm::SizeHints hints = mlir::plstm::defaultSizeHints();
  (void)mlir::plstm::parseSizeHints(sizeHints, hints);
  if (explain) {
    mlir::plstm::TargetInfo target;
    func.walk([&](Operation *op) {
      if (!isa<mlir::plstm::PLSTMDialect>(op->getDialect()))
        return;
      log << "  schedule of " << op->getName() << " at " << op->getLoc()
          << " (sizes " << sizeHints << ")";
      if (Attribute given = op->getAttr("schedule"))
        log << ": given by the spec, " << given;
      if (!schedule.empty())
        log << ": forced by --schedule=" << schedule;
      log << "\n"
          << mlir::plstm::explainSchedules(
                 op, mlir::plstm::estimateSchedules(op, target, hints));
    });
  }
  // FLOPs per run: the cost model's sequential count for the actual sizes.
  double flops = 0;
  func.walk([&](Operation *op) {
    if (!isa<mlir::plstm::PLSTMDialect>(op->getDialect()))
      return;
    double opFlops = mlir::plstm::sequentialFlops(op, hints);
    flops += opFlops;
    if (benchRuns > 0)
      log << "  " << op->getName() << " at " << op->getLoc() << ": "
          << llvm::format("%.4g", opFlops) << " FLOP per run (SPEC §9)\n";
  });

  auto start = std::chrono::steady_clock::now();
  std::vector<Tensor> results;
  if (backend == "reference") {
    ReferenceInterpreter interpreter(values);
    if (Status s = interpreter.run(func, results, log); !s)
      return fail(s.message());
  } else {
    if (!emitStage.empty()) {
      OwningOpRef<ModuleOp> copy = module->clone();
      PassManager pm(copy.get()->getName());
      if (emitStage == "schedule") {
        mlir::plstm::PLSTMSelectScheduleOptions select;
        select.force = schedule;
        select.sizeHints = sizeHints;
        pm.addPass(mlir::plstm::createPLSTMSelectSchedule(select));
      } else {
        mlir::plstm::CPUPipelineOptions pipeline;
        pipeline.schedule = schedule;
        pipeline.sizeHints = sizeHints;
        pipeline.stopAfterScanLowering = emitStage == "loops";
        pipeline.stopBeforeLLVM = emitStage == "buffers";
        pipeline.parallel = parallelLoops;
        pipeline.microkernels = microkernels;
        mlir::plstm::buildCPUPipeline(pm, pipeline);
      }
      if (failed(pm.run(*copy)))
        return fail("--emit-stage=" + emitStage +
                    ": the pipeline failed "
                    "(see above)");
      llvm::outs() << "// ---- IR after stage '" << emitStage << "' ----\n";
      copy->print(llvm::outs());
      llvm::outs() << "\n";
    }
    if (backend == "cuda") {
      // The GPU pipeline in-process: PTX for this device's chip and the
      // launch description, loaded through the thin runtime.
      OwningOpRef<ModuleOp> copy = module->clone();
      // Only the function being run (--entry) is compiled.
      for (auto other : llvm::make_early_inc_range(
               copy->getOps<func::FuncOp>()))
        if (other.isPublic() && other.getSymName() != func.getName())
          other.erase();
      mlir::plstm::GPUPipelineOptions pipeline;
      pipeline.schedule = schedule;
      pipeline.sizeHints = sizeHints;
      pipeline.threadsPerRow = threadsPerRow;
      pipeline.prefetch = gpuPrefetch;
      pipeline.registerTiles = gpuRegisterTiles;
      pipeline.fuseLoops = gpuFuseLoops;
      pipeline.chunkGrid = gpuChunkGrid;
      pipeline.opGrid = gpuOpGrid;
      pipeline.lsr = gpuLsr;
      int major = cudaDevice->computeMajor(), minor = cudaDevice->computeMinor();
      pipeline.chip = "sm_" + std::to_string(major) + std::to_string(minor);
      std::string ptx, launchText, error;
      auto t0 = std::chrono::steady_clock::now();
      if (failed(mlir::plstm::compileToPTX(*copy, pipeline, ptx, launchText,
                                           error)))
        return fail("--backend=cuda: " + error);
      ::plstm::cuda::GpuLaunch launch;
      if (Status s = ::plstm::cuda::GpuLaunch::parse(launchText, launch); !s)
        return fail("--backend=cuda: " + s.message());
      ::plstm::cuda::PtxCache cache;
      std::unique_ptr<::plstm::cuda::GpuKernel> gpuKernel;
      bool hit = false;
      if (Status s = ::plstm::cuda::GpuKernel::load(*cudaDevice, ptx, launch,
                                                    &cache, gpuKernel, &hit);
          !s)
        return fail("--backend=cuda: " + s.message());
      log << "  compiled @" << func.getName() << " for "
          << cudaDevice->name() << " (" << pipeline.chip << ") in "
          << llvm::format("%.3f", msSince(t0) / 1000)
          << " s (driver cache " << (hit ? "hit" : "miss") << ")\n";
      std::vector<TensorRef> inputRefs;
      for (const Tensor &t : inputTensors)
        inputRefs.push_back(t.ref());
      start = std::chrono::steady_clock::now();
      if (Status s = gpuKernel->prepare(inputRefs); !s)
        return fail("--backend=cuda: " + s.message());
      results.clear();
      std::vector<TensorRef> outputRefs;
      for (size_t i = 0; i < gpuKernel->outputShapes().size(); ++i)
        results.emplace_back(launch.signature.outputs[i].dtype,
                             gpuKernel->outputShapes()[i]);
      for (Tensor &t : results)
        outputRefs.push_back(t.ref());
      if (Status s = gpuKernel->launch(); !s)
        return fail("--backend=cuda: " + s.message());
      if (Status s = gpuKernel->download(outputRefs); !s)
        return fail("--backend=cuda: " + s.message());
      log << "  kernel @" << func.getName() << ": "
          << llvm::format("%.3f", msSince(start))
          << " ms (cuda, with the copies)\n";
      if (benchRuns > 0) {
        std::vector<float> millis;
        if (Status s = cudaDevice->time(
                static_cast<int>(benchRuns),
                [&] { return gpuKernel->launch(); }, millis);
            !s)
          return fail("--backend=cuda: " + s.message());
        reportBench(log, "cuda, CUDA events",
                    std::vector<double>(millis.begin(), millis.end()), flops);
      }
    } else {
    rt::CompileOptions options;
    options.schedule = schedule;
    options.sizeHints = sizeHints;
    options.optLevel = optLevel;
    options.entry = func.getName().str();
    options.parallelLoops = parallelLoops;
    options.microkernels = microkernels;
    options.verifyEachPass = verifyEach;
    options.gpuThreadsPerRow = threadsPerRow;
    options.gpuPrefetch = gpuPrefetch;
    options.gpuRegisterTiles = gpuRegisterTiles;
    options.gpuFuseLoops = gpuFuseLoops;
    options.gpuChunkGrid = gpuChunkGrid;
    options.gpuOpGrid = gpuOpGrid;
    options.gpuRaceCheck = gpuRaceCheck;
    if (backend == "gpu-on-cpu")
      options.target = rt::Target::GPUMappingOnCPU;
    auto kernel = rt::compileFile(specFile, options);
    if (!kernel)
      return fail("--backend=" + backend + ": " +
                  llvm::toString(kernel.takeError()));
    log << "  compiled @" << func.getName()
        << (backend == "gpu-on-cpu" ? " (GPU mapping, run on the CPU)" : "")
        << " for the CPU in "
        << llvm::format("%.3f", kernel->compileSeconds()) << " s\n";
    start = std::chrono::steady_clock::now();
    if (gpuRaceCheck)
      ::plstm::rt::resetRaceCheck();
    if (Status s = runKernel(*kernel, inputTensors, results); !s)
      return fail(s.message());
    log << "  kernel @" << func.getName() << ": "
        << llvm::format("%.3f", msSince(start))
        << " ms (cpu)\n";
    if (gpuRaceCheck) {
      ::plstm::rt::RaceReport races = ::plstm::rt::raceReport();
      log << "  race check: " << races.accesses << " accesses, " << races.races
          << " races"
          << (races.accesses == 0
                  ? " (no launch of the block mapping: the thread-per-row "
                    "mapping is not checked)"
                  : "; " + std::to_string(races.barrierChain) +
                        " barriers one after another (per launch, the "
                        "block with the most)")
          << "\n";
      if (races.races != 0) {
        llvm::outs() << log.str();
        return fail("--gpu-race-check: " + std::to_string(races.races) +
                    " races in the GPU mapping; the first: " + races.first);
      }
    }
    if (benchRuns > 0) {
      std::vector<double> times;
      // Only the calls are timed. The outputs are allocated and poisoned
      // once and reused by every run, as by a caller that keeps its output
      // buffers: poisoning fresh ones on this thread before each call put
      // the other threads' shares of them in this core's cache (2d-16,
      // B = 8, 2 threads: 0.45 ms against 0.39 ms when reused; one thread
      // unchanged).
      std::vector<Tensor> scratch;
      if (Status s = prepareOutputs(*kernel, inputTensors, scratch); !s)
        return fail(s.message());
      double timedMs = 0;
      for (unsigned r = 0;
           r < benchRuns || (timedMs < benchSeconds * 1e3 &&
                             r < 100 * static_cast<uint64_t>(benchRuns));
           ++r) {
        auto t0 = std::chrono::steady_clock::now();
        if (Status s = callKernel(*kernel, inputTensors, scratch); !s)
          return fail(s.message());
        times.push_back(msSince(t0));
        timedMs += times.back();
      }
      reportBench(log,
                  "cpu, " +
                      std::to_string(threads > 0 ? int(threads)
                                                 : rt::getDefaultThreads()) +
                      " threads",
                  times, flops);
    }
    } // cpu, gpu-on-cpu
  }
  double totalMs = msSince(start);
  if (backend == "reference" && benchRuns > 0) {
    std::vector<double> times;
    for (unsigned r = 0; r < benchRuns; ++r) {
      llvm::DenseMap<Value, Tensor> scratchValues;
      for (unsigned i = 0; i < numArgs; ++i)
        scratchValues[func.getArgument(i)] = inputTensors[i];
      std::vector<Tensor> scratch;
      std::string ignored;
      llvm::raw_string_ostream ignoredOs(ignored);
      ReferenceInterpreter interpreter(scratchValues);
      auto t0 = std::chrono::steady_clock::now();
      if (Status s = interpreter.run(func, scratch, ignoredOs); !s)
        return fail(s.message());
      times.push_back(msSince(t0));
    }
    reportBench(log, "reference", times, flops);
  }

  bool checkFailed = false;
  if (check) {
    // The leading batch entries of a tensor whose dim 0 is named B.
    auto firstEntries = [](const Tensor &t, int64_t n) {
      std::vector<int64_t> shape = t.shape();
      int64_t entry = shape[0] ? t.numElements() / shape[0] : 0;
      shape[0] = n;
      Tensor cut(t.dtype(), shape);
      std::memcpy(cut.data(), t.data(),
                  static_cast<size_t>(n * entry) * rt::dtypeSize(t.dtype()));
      return cut;
    };
    int64_t batchCut = -1;
    std::vector<Tensor> checked = results; // what is compared
    llvm::DenseMap<Value, Tensor> refValues;
    for (unsigned i = 0; i < numArgs; ++i) {
      const Tensor &t = inputTensors[i];
      bool batched =
          roles[i] && !roles[i]->dims.empty() && roles[i]->dims[0] == "B";
      if (checkBatch > 0 && batched && t.shape()[0] > int64_t(checkBatch)) {
        batchCut = checkBatch;
        refValues[func.getArgument(i)] = firstEntries(t, checkBatch);
      } else {
        refValues[func.getArgument(i)] = t;
      }
    }
    if (batchCut > 0) {
      log << "  check on the first " << batchCut << " batch entries\n";
      // Results whose dim 0 is the batch: compare their first entries.
      auto ret = cast<func::ReturnOp>(func.front().getTerminator());
      for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
        bool batched = false;
        if (Operation *def = value.getDefiningOp())
          for (const mlir::plstm::ContractEntry &entry :
               mlir::plstm::getShapeContract(def))
            if (entry.value == value && !entry.dims.empty())
              batched = entry.dims[0] == "B";
        if (auto arg = dyn_cast<BlockArgument>(value))
          batched = roles[arg.getArgNumber()] &&
                    !roles[arg.getArgNumber()]->dims.empty() &&
                    roles[arg.getArgNumber()]->dims[0] == "B" &&
                    results[i].shape()[0] > batchCut;
        if (batched)
          checked[i] = firstEntries(results[i], batchCut);
      }
    }
    std::vector<Tensor> expected;
    std::string ignored;
    llvm::raw_string_ostream ignoredOs(ignored);
    ReferenceInterpreter interpreter(refValues);
    if (Status s = interpreter.run(func, expected, ignoredOs); !s)
      return fail("--check: " + s.message());
    for (size_t i = 0; i < checked.size(); ++i) {
      double maxAbs = 0, maxRef = 0;
      bool nonFinite = false;
      if (checked[i].shape() != expected[i].shape())
        return fail("--check: result #" + std::to_string(i) + " has shape " +
                    rt::formatShape(checked[i].shape()) +
                    " but the reference computed " +
                    rt::formatShape(expected[i].shape()));
      rt::TensorRef got = checked[i].ref(), want = expected[i].ref();
      for (int64_t e = 0, n = got.numElements(); e < n; ++e) {
        double g = got.loadLinear(e), w = want.loadLinear(e);
        if (!std::isfinite(g) || !std::isfinite(w)) {
          // Equal infinities or NaN on both sides agree; anything else is a
          // non-finite mismatch.
          if (!(g == w) && !(std::isnan(g) && std::isnan(w)))
            nonFinite = true;
          continue;
        }
        maxAbs = std::max(maxAbs, std::fabs(g - w));
        maxRef = std::max(maxRef, std::fabs(w));
      }
      double rel = maxRef > 0 ? maxAbs / maxRef : maxAbs;
      double bound = tolerance >= 0                     ? double(tolerance)
                     : checked[i].dtype() == DType::F64 ? 1e-10
                                                        : 1e-4;
      bool ok = !nonFinite && rel <= bound;
      checkFailed |= !ok;
      log << "  check result #" << i << ": max abs err "
          << llvm::format("%.3e", maxAbs) << ", max rel err "
          << llvm::format("%.3e", rel) << " (bound "
          << llvm::format("%.1e", bound) << ") "
          << (nonFinite ? "NON-FINITE"
              : ok      ? "ok"
                        : "FAILED")
          << "\n";
    }
  }

  if (checkFailed) {
    llvm::outs() << log.str();
    return fail("--check: a result differs from the reference evaluator "
                "beyond the tolerance (see above); nothing was written");
  }
  // Inputs first: a failure there leaves no result file behind either.
  std::vector<std::string> written, writtenInputs;
  if (!saveInputsDir.empty()) {
    std::vector<Tensor> inputs;
    for (unsigned i = 0; i < numArgs; ++i)
      inputs.push_back(values[func.getArgument(i)]);
    if (Status s = writeTensors(inputs, saveInputsDir, "input_", "save-inputs",
                                writtenInputs);
        !s)
      return fail(s.message());
  }
  if (!outputDir.empty())
    if (Status s =
            writeTensors(results, outputDir, "result_", "output-dir", written);
        !s) {
      for (const std::string &path : writtenInputs)
        llvm::sys::fs::remove(path);
      return fail(s.message());
    }
  for (size_t i = 0; i < results.size(); ++i) {
    log << "  result #" << i << " " << rt::dtypeName(results[i].dtype()) << " "
        << rt::formatShape(results[i].shape());
    if (!written.empty())
      log << " -> " << written[i];
    log << "\n";
  }
  log << "  total " << llvm::format("%.3f", totalMs) << " ms\n";
  if (!quiet)
    llvm::outs() << log.str();
  return 0;
}

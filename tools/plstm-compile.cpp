//===- plstm-compile.cpp - ahead-of-time compilation of plstm specs -------===//
//
// Like Toy's `toyc`, `--emit` chooses how far to lower:
//
// clang-format off
//   plstm-compile spec.mlir --emit=mlir [--stage=loops|buffers|llvm] -o out.mlir
//   plstm-compile spec.mlir --emit=llvm -o out.ll     LLVM IR, kernel ABI
//   plstm-compile spec.mlir --emit=asm  -o out.s      host assembly
//   plstm-compile spec.mlir --emit=obj  -o out.o      host object file
//   plstm-compile spec.mlir --emit=so   -o libk.so    shared library + libk.h
//
// and for NVIDIA GPUs (codegen/GPUPipeline.cpp, docs/gpu.md):
//
//   plstm-compile spec.mlir --target=nvptx [--chip=sm_90] --emit=ptx -o k.ptx
//       (and k.launch: the kernel signature and how to launch it)
//   plstm-compile spec.mlir --target=nvptx --emit=mlir
//       [--stage=loops|buffers|gpu|nvvm|binary] -o out.mlir
// clang-format on
//
// The shared library exports, per public function @f, `f_packed(void **)`
// and `plstm_signature_f` (codegen/CPUTarget.h); the thin runtime
// (runtime/Kernel.h, AotLibrary) loads and calls it without MLIR. Outputs are
// written under temporary names and renamed at the end: an error leaves no
// file behind.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPUTarget.h"
#include "dialect/PLSTMDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> specFile(cl::Positional, cl::desc("<spec.mlir>"),
                                     cl::Required);
static cl::opt<std::string>
    outputFile("o",
               cl::desc("Output file ('-': standard output, for --emit=mlir "
                        "and --emit=llvm)"),
               cl::value_desc("file"), cl::Required);
static cl::opt<std::string>
    emit("emit",
         cl::desc("What to write: mlir, llvm, asm, obj or so (--target=cpu); "
                  "mlir or ptx (--target=nvptx)"),
         cl::init(""));
static cl::opt<std::string>
    stage("stage",
          cl::desc("With --emit=mlir: loops (after the schedule lowering), "
                   "buffers (after bufferization) or llvm (LLVM dialect) for "
                   "--target=cpu; loops, buffers (bufferized, before the GPU "
                   "mapping), gpu (GPU-mapped, on memrefs), nvvm (kernels in "
                   "NVVM) or binary (PTX in gpu.binary) for --target=nvptx"),
          cl::init(""));
static cl::opt<std::string>
    chip("chip", cl::desc("GPU architecture for --target=nvptx (sm_80, "
                          "sm_90, ...; default sm_90)"),
         cl::init(""));
static cl::opt<int> blockSize(
    "block-size",
    cl::desc("Threads per block for --target=nvptx (1 to 1024, default 32)"),
    cl::init(32));
static cl::opt<int> threadsPerRow(
    "threads-per-row",
    cl::desc("Threads of the block that runs one batch row for "
             "--target=nvptx (0 to 1024; default 0: chosen per kernel, 128 "
             "to 512, docs/gpu.md); 1: one thread per row, --block-size "
             "rows per block"),
    cl::init(0));
static cl::opt<bool> gpuPrefetch(
    "gpu-prefetch",
    cl::desc("--target=nvptx, sm_90 and later: prefetch the inputs of the "
             "step two ahead of each sequential loop into L2 (default "
             "true; docs/gpu.md)"),
    cl::init(true));
static cl::opt<bool> gpuRegisterTiles(
    "gpu-register-tiles",
    cl::desc("--target=nvptx: a thread computes a tile of up to 4 x 4 "
             "outputs of a matrix product with many more outputs than "
             "threads (default true; docs/gpu.md)"),
    cl::init(true));
static cl::opt<bool> gpuFuseLoops(
    "gpu-fuse-loops",
    cl::desc("--target=nvptx: ops with no barrier between them fuse into "
             "one loop over the threads, and buffers nothing reads then go "
             "(default true; docs/gpu.md)"),
    cl::init(true));
static cl::opt<std::string> gpuLsr(
    "gpu-lsr",
    cl::desc("--target=nvptx: LLVM's loop strength reduction when the NVPTX "
             "back end generates the PTX: auto (default; off for a spec "
             "with a log-depth schedule or a DAG scan, on for the others; "
             "docs/gpu.md), "
             "on or off"),
    cl::init("auto"));
static cl::opt<int> gpuSharedBytes(
    "gpu-shared-bytes",
    cl::desc("--target=nvptx: shared memory a block may give the row's "
             "static buffers (default 49152, the static shared memory of a "
             "block; up to 232448 on sm_90, 166912 on sm_80: beyond 49152 "
             "as dynamic shared memory, docs/gpu.md)"),
    cl::init(49152));
static cl::opt<bool> gpuOpGrid(
    "gpu-op-grid",
    cl::desc(
        "--target=nvptx, with the chunk grid: the big linalg ops of a row with "
        "no loops at its level (the 2D log-depth schedules) as "
        "launches of their own, a block per (row, slice) (default "
        "true; docs/gpu.md)"),
    cl::init(true));
static cl::opt<bool> gpuChunkGrid(
    "gpu-chunk-grid",
    cl::desc("--target=nvptx: the chunkwise schedules' chunk loops as "
             "launches of their own, a block per (row, chunk) (default "
             "true; docs/gpu.md); =false: one launch, a block per row"),
    cl::init(true));
static cl::opt<bool> parallelLoops(
    "parallel-loops",
    cl::desc("Run the schedules' independent iterations (tiles of a "
             "wavefront, chunks, edges of a DAG block) on the call's threads "
             "through OpenMP (default); =false: sequential loops, only the batch is split"),
    cl::init(true));
static cl::opt<bool> verifyEach(
    "verify-each",
    cl::desc(
        "--target=cpu: verify the IR after every pass of the CPU pipeline, "
        "to find the pass that broke it (default: after each pass of the "
        "schedule lowering, then once after the last pass)"),
    cl::init(false));
static cl::opt<bool> microkernels(
    "microkernels",
    cl::desc("--target=cpu: lower the contractions to register-blocked "
             "vector loop nests (default); =false: scalar loop nests that "
             "LLVM vectorizes (for comparison)"),
    cl::init(true));
static cl::opt<std::string> schedule(
    "schedule",
    cl::desc("Force a schedule: sequential, chunkwise:N, logdepth[:N]"),
    cl::init(""));
static cl::opt<std::string> target("target",
                                   cl::desc("Target: cpu or nvptx"),
                                   cl::init("cpu"));
static cl::opt<std::string>
    headerFile("header",
               cl::desc("C header for --emit=so (default: the output with "
                        ".h instead of its extension)"),
               cl::value_desc("file"));
static cl::opt<unsigned> optLevel("O", cl::desc("Optimization level (0-3)"),
                                  cl::init(3), cl::Prefix);

static int fail(const std::string &message) {
  llvm::errs() << "plstm-compile: error: " << message << "\n";
  return 1;
}

/// Writes `text` to `path` through a temporary file ('-': to standard
/// output).
static bool writeText(const std::string &path, StringRef text,
                      std::string &error) {
  if (path == "-") {
    llvm::outs() << text;
    llvm::outs().flush();
    return true;
  }
  std::string temp = path + ".tmp";
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(temp, ec, llvm::sys::fs::OF_Text);
    if (ec) {
      error = "cannot write '" + path + "': " + ec.message();
      return false;
    }
    out << text;
  }
  if (std::error_code ec = llvm::sys::fs::rename(temp, path)) {
    llvm::sys::fs::remove(temp);
    error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  return true;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "plstm-compile: ahead-of-time compilation of "
                              "plstm specs\n");
  if (target != "cpu" && target != "nvptx")
    return fail("--target=" + target + ", expected cpu or nvptx");
  bool gpu = target == "nvptx";
  // An option given with no value is an error, not its default.
  for (auto *option :
       {&emit, &stage, &chip, &schedule, &outputFile, &headerFile})
    if (option->getNumOccurrences() && option->empty())
      return fail("-" + std::string(option->ArgStr.size() > 1 ? "-" : "") +
                  option->ArgStr.str() + " is empty, expected a value (see " +
                  "--help)");
  if (emit.empty())
    emit = gpu ? "ptx" : "so";
  if (!gpu && emit == "ptx")
    return fail("--emit=ptx needs --target=nvptx");
  if (!gpu && emit != "mlir" && emit != "llvm" && emit != "asm" &&
      emit != "obj" && emit != "so")
    return fail("--emit=" + emit + ", expected mlir, llvm, asm, obj or so");
  if (gpu && emit != "mlir" && emit != "ptx")
    return fail("--emit=" + emit + " with --target=nvptx, expected mlir or ptx");
  if (stage.empty())
    stage = gpu ? "binary" : "llvm";
  if (!gpu && stage != "loops" && stage != "buffers" && stage != "llvm")
    return fail("--stage=" + stage + ", expected loops, buffers or llvm");
  if (gpu && stage != "loops" && stage != "buffers" && stage != "gpu" &&
      stage != "nvvm" && stage != "binary")
    return fail("--stage=" + stage +
                " with --target=nvptx, expected loops, "
                "buffers, gpu, nvvm or binary");
  if (stage != (gpu ? "binary" : "llvm") && emit != "mlir")
    return fail("--stage=" + stage + " needs --emit=mlir");
  if (!chip.empty() && !gpu)
    return fail("--chip=" + chip + " needs --target=nvptx");
  if (chip.empty())
    chip = "sm_90";
  if (!plstm::isValidChip(chip))
    return fail("--chip=" + chip + ", expected one of " + plstm::validChips());
  // The PTX and its launch description are two files: a name for each.
  if (outputFile == "-" && emit != "mlir" && emit != "llvm")
    return fail("-o -: --emit=" + emit +
                " does not go to standard output (only --emit=mlir and "
                "--emit=llvm do); name a file");
  if (gpu && emit == "ptx" &&
      llvm::sys::path::extension(outputFile) == ".launch")
    return fail("-o " + outputFile +
                ": the launch description goes next to the PTX, as the PTX "
                "file's name with .launch; name the PTX file otherwise "
                "(k.ptx)");
  if (blockSize < 1 || blockSize > 1024)
    return fail("--block-size=" + std::to_string(blockSize) +
                ", expected 1 to 1024");
  if (threadsPerRow < 0 || threadsPerRow > 1024)
    return fail("--threads-per-row=" + std::to_string(threadsPerRow) +
                ", expected 0 (chosen per kernel) or 1 to 1024");
  if (optLevel > 3)
    return fail("-O" + std::to_string(optLevel) + ": expected -O0 to -O3");
  if (!mlir::plstm::isValidLsrMode(gpuLsr))
    return fail("--gpu-lsr=" + gpuLsr + ", expected auto, on or off");
  if (gpuSharedBytes < 0 || gpuSharedBytes > mlir::plstm::maxSharedBytes(chip))
    return fail("--gpu-shared-bytes=" + std::to_string(gpuSharedBytes) +
                ", expected 0 to " +
                std::to_string(mlir::plstm::maxSharedBytes(chip)) + " for " +
                chip);

  DialectRegistry registry;
  plstm::registerCodegenDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  if (!schedule.empty()) {
    std::string scheduleError;
    if (!plstm::parseScheduleSpec(&context, schedule, scheduleError))
      return fail("--schedule=" + schedule + ": " + scheduleError);
  }
  std::string errorMessage;
  auto file = openInputFile(specFile, &errorMessage);
  if (!file)
    return fail("cannot open spec '" + specFile + "': " + errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("spec '" + specFile + "' does not parse or verify (see above)");
  for (auto func : module->getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal() &&
        failed(plstm::checkKernelABI(func)))
      return fail("spec '" + specFile + "' cannot be compiled (see above)");
  std::vector<plstm::KernelDescription> kernels =
      plstm::describeKernels(*module);
  if (kernels.empty())
    return fail("spec '" + specFile + "' has no public function to compile");

  std::string error;
  if (gpu) {
    plstm::GPUPipelineOptions pipeline;
    pipeline.schedule = schedule;
    pipeline.chip = chip;
    pipeline.blockSize = blockSize;
    pipeline.threadsPerRow = threadsPerRow;
    pipeline.prefetch = gpuPrefetch;
    pipeline.registerTiles = gpuRegisterTiles;
    pipeline.fuseLoops = gpuFuseLoops;
    pipeline.chunkGrid = gpuChunkGrid;
    pipeline.opGrid = gpuOpGrid;
    pipeline.lsr = gpuLsr;
    pipeline.sharedBytes = gpuSharedBytes;
    if (emit == "ptx") {
      std::string ptx, launch;
      if (failed(plstm::compileToPTX(*module, pipeline, ptx, launch, error)))
        return fail("'" + specFile + "': " + error);
      // The launch description next to the PTX (runtime/cuda/GpuKernel.h).
      llvm::SmallString<256> launchPath(outputFile);
      llvm::sys::path::replace_extension(launchPath, ".launch");
      if (!writeText(std::string(launchPath), launch, error))
        return fail(error);
      if (!writeText(outputFile, ptx, error)) {
        llvm::sys::fs::remove(launchPath);
        return fail(error);
      }
      return 0;
    }
    pipeline.stop = stage == "binary" ? std::string() : std::string(stage);
    PassManager pm(&context);
    plstm::buildGPUPipeline(pm, pipeline);
    if (failed(pm.run(*module)))
      return fail("lowering '" + specFile + "' for " + chip +
                  " failed (see above)");
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    return writeText(outputFile, text, error) ? 0 : fail(error);
  }

  plstm::CPUPipelineOptions pipeline;
  pipeline.schedule = schedule;
  pipeline.stopAfterScanLowering = stage == "loops";
  pipeline.stopBeforeLLVM = stage == "buffers";
  pipeline.parallel = parallelLoops;
  pipeline.microkernels = microkernels;
  if (failed(plstm::lowerToLLVMDialect(*module, pipeline, verifyEach)))
    return fail("lowering '" + specFile + "' failed (see above)");

  if (emit == "mlir") {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    return writeText(outputFile, text, error) ? 0 : fail(error);
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      plstm::translateToLLVMIR(*module, llvmContext, kernels, error);
  if (!llvmModule)
    return fail(error);
  std::unique_ptr<llvm::TargetMachine> machine =
      plstm::createHostTargetMachine(optLevel, error);
  if (!machine)
    return fail(error);
  if (!plstm::optimizeModule(*llvmModule, *machine, optLevel, error))
    return fail(error);

  if (emit == "llvm") {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvmModule->print(os, nullptr);
    return writeText(outputFile, text, error) ? 0 : fail(error);
  }
  std::string temp = outputFile + ".tmp";
  if (emit == "asm" || emit == "obj") {
    if (!plstm::emitNativeFile(*llvmModule, *machine, temp, emit == "asm",
                               error)) {
      llvm::sys::fs::remove(temp);
      return fail(error);
    }
    if (std::error_code ec = llvm::sys::fs::rename(temp, outputFile)) {
      llvm::sys::fs::remove(temp);
      return fail("cannot write '" + outputFile + "': " + ec.message());
    }
    return 0;
  }

  // --emit=so: object, shared library, header.
  std::string header = headerFile;
  if (header.empty()) {
    llvm::SmallString<256> path(outputFile);
    llvm::sys::path::replace_extension(path, ".h");
    header = std::string(path);
  }
  auto canonical = [](const std::string &path) {
    llvm::SmallString<256> full(path);
    (void)llvm::sys::fs::make_absolute(full);
    llvm::sys::path::remove_dots(full, /*remove_dot_dot=*/true);
    return std::string(full);
  };
  if (canonical(header) == canonical(outputFile) || header == "-")
    return fail("--header=" + header +
                ": the header needs a file of its own "
                "(not the library's " +
                outputFile +
                ", not standard output); "
                "name the library NAME.so or give --header");
  std::string object = outputFile + ".o.tmp";
  bool ok =
      plstm::emitNativeFile(*llvmModule, *machine, object, false, error) &&
      plstm::linkSharedLibrary(object, temp, error);
  llvm::sys::fs::remove(object);
  if (!ok) {
    llvm::sys::fs::remove(temp);
    return fail(error);
  }
  std::string guard =
      "PLSTM_KERNELS_" + llvm::sys::path::stem(outputFile).upper() + "_H";
  for (char &c : guard)
    if (!isalnum(static_cast<unsigned char>(c)))
      c = '_';
  if (!writeText(header, plstm::generateCHeader(kernels, guard), error)) {
    llvm::sys::fs::remove(temp);
    return fail(error);
  }
  if (std::error_code ec = llvm::sys::fs::rename(temp, outputFile)) {
    llvm::sys::fs::remove(temp);
    llvm::sys::fs::remove(header);
    return fail("cannot write '" + outputFile + "': " + ec.message());
  }
  return 0;
}

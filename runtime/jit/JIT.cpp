//===- JIT.cpp - compile a plstm spec in-process and call it --------------===//
//
// parse -> describeKernels -> plstm-cpu-pipeline -> LLVM IR with the packed
// kernel ABI -> split into one part per hardware thread, each optimized
// (-O3 for the host CPU) and compiled in parallel by an ORC LLJIT -> lookup
// of `<entry>_packed`. See JIT.h.
//
//===----------------------------------------------------------------------===//

#include "runtime/jit/JIT.h"
#include "runtime/jit/RaceCheck.h"

#include "codegen/CPUTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/ExecutionEngine/JITEventListener.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/ExecutionEngine/SectionMemoryManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

using namespace plstm;

// LLVM's OpenMP runtime (linked): the kernels' parallel loops run on it.
extern "C" void omp_set_num_threads(int);
extern "C" void *_mlir_memref_to_llvm_alloc(size_t);
extern "C" void _mlir_memref_to_llvm_free(void *);
extern "C" int omp_get_max_threads(void);

struct plstm::KernelImpl {
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  KernelSignature signature;
  PackedKernelFn fn = nullptr;
  /// Reports to the race detector, which follows one call at a time (a
  /// call's launch resets it): the batch is not split over threads, and
  /// race-checked calls from several threads wait for each other.
  bool raceChecked = false;
};

const KernelSignature &Kernel::signature() const { return impl_->signature; }

Status Kernel::operator()(const std::vector<TensorRef> &inputs,
                          const std::vector<TensorRef> &outputs,
                          int threads) const {
  // One race-checked call at a time in the process, on one thread.
  static std::mutex raceCheckedCalls;
  std::unique_lock<std::mutex> lock;
  if (impl_->raceChecked) {
    lock = std::unique_lock<std::mutex>(raceCheckedCalls);
    threads = 1;
  }
  return invokeKernel(impl_->fn, impl_->signature, inputs, outputs, threads,
                      KernelThreads{&omp_set_num_threads, &omp_get_max_threads});
}

Status Kernel::outputShapes(const std::vector<TensorRef> &inputs,
                            std::vector<std::vector<int64_t>> &shapes) const {
  return impl_->signature.resolveShapes(inputs, shapes);
}

/// Builds Kernel values (the only friend of Kernel).
struct plstm::KernelFactory {
  static Kernel make(std::shared_ptr<KernelImpl> impl, double seconds,
                     bool fromCache) {
    Kernel kernel;
    kernel.impl_ = std::move(impl);
    kernel.compileSeconds_ = seconds;
    kernel.fromCache_ = fromCache;
    return kernel;
  }
};

static llvm::Error makeError(const std::string &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::mutex cacheMutex;
/// The in-process cache. Never destroyed: JITed code must not be torn down
/// after LLVM's own statics at exit.
static std::map<std::string, std::shared_ptr<KernelImpl>> &cache() {
  static auto *kernels =
      new std::map<std::string, std::shared_ptr<KernelImpl>>();
  return *kernels;
}

static llvm::Expected<Kernel> compileNamed(const std::string &specText,
                                           const std::string &bufferName,
                                           const CompileOptions &options);

/// `module` split into up to `parts` linkable modules: its local symbols
/// become hidden external ones, then the functions, largest first (by
/// instruction count), go each to the part with the fewest instructions so
/// far, and the global variables to the first part (llvm::SplitModule
/// assigns by a hash of the names: 73 % / 27 % of the work on the 1D
/// chunkwise kernels). Parts after the first without a function are
/// dropped.
static std::vector<std::unique_ptr<llvm::Module>>
splitBalanced(llvm::Module &module, unsigned parts) {
  for (llvm::GlobalValue &value : module.global_values())
    if (value.hasLocalLinkage()) {
      if (!value.hasName())
        value.setName("__plstm_split");
      value.setLinkage(llvm::GlobalValue::ExternalLinkage);
      value.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
  std::vector<llvm::Function *> functions;
  for (llvm::Function &function : module)
    if (!function.isDeclaration())
      functions.push_back(&function);
  std::stable_sort(functions.begin(), functions.end(),
                   [](llvm::Function *a, llvm::Function *b) {
                     return a->getInstructionCount() > b->getInstructionCount();
                   });
  std::vector<uint64_t> load(parts, 0);
  std::map<const llvm::GlobalValue *, unsigned> partOf;
  for (llvm::Function *function : functions) {
    unsigned k = std::min_element(load.begin(), load.end()) - load.begin();
    partOf[function] = k;
    load[k] += function->getInstructionCount() + 1;
  }
  std::vector<std::unique_ptr<llvm::Module>> out;
  for (unsigned k = 0; k < parts; ++k) {
    if (k > 0 && load[k] == 0)
      continue;
    llvm::ValueToValueMapTy map;
    out.push_back(
        llvm::CloneModule(module, map, [&](const llvm::GlobalValue *value) {
          auto it = partOf.find(value);
          return it != partOf.end() ? it->second == k : k == 0;
        }));
  }
  return out;
}

/// The LLVM half of the JIT: `module` split into up to `parts` linkable
/// partitions (splitBalanced, each moved into a context of its own
/// through bitcode), each optimized (makeKernelOptimizer, with a target
/// machine of its own) and compiled on its own thread (ORC's concurrent
/// compilation), all linked into one LLJIT. With one part: the module as
/// it is, on this thread. The kernels' heap functions are defined in it and
/// everything else resolves against the process (libomp, libm).
static llvm::Expected<std::unique_ptr<llvm::orc::LLJIT>>
buildJIT(std::unique_ptr<llvm::Module> module,
         std::unique_ptr<llvm::LLVMContext> context, unsigned optLevel,
         unsigned parts) {
  using namespace llvm::orc;
  mlir::plstm::initializeNativeTarget();
  auto machineBuilder = JITTargetMachineBuilder::detectHost();
  if (!machineBuilder)
    return machineBuilder.takeError();
  machineBuilder->setCodeGenOptLevel(
      static_cast<llvm::CodeGenOptLevel>(optLevel));
  auto layout = machineBuilder->getDefaultDataLayoutForTarget();
  if (!layout)
    return layout.takeError();
  module->setDataLayout(*layout);
  module->setTargetTriple(machineBuilder->getTargetTriple());

  // The partitions, and per partition one symbol it defines (looking them
  // all up at once starts their materializations together).
  std::vector<ThreadSafeModule> modules;
  std::vector<std::string> anchors;
  auto anchorOf = [](llvm::Module &m) -> std::string {
    for (llvm::GlobalValue &value : m.global_values())
      if (!value.isDeclaration() && value.hasExternalLinkage() &&
          value.hasName())
        return value.getName().str();
    return "";
  };
  if (parts > 1) {
    for (std::unique_ptr<llvm::Module> &part : splitBalanced(*module, parts)) {
      std::string anchor = anchorOf(*part);
      llvm::SmallVector<char, 0> buffer;
      llvm::raw_svector_ostream os(buffer);
      llvm::WriteBitcodeToFile(*part, os);
      auto partContext = std::make_unique<llvm::LLVMContext>();
      auto parsed = llvm::parseBitcodeFile(
          llvm::MemoryBufferRef(llvm::StringRef(buffer.data(), buffer.size()),
                                "part"),
          *partContext);
      if (!parsed)
        return makeError("splitting the kernel module: " +
                         llvm::toString(parsed.takeError()));
      modules.emplace_back(std::move(*parsed), std::move(partContext));
      anchors.push_back(anchor);
    }
  } else {
    anchors.push_back(anchorOf(*module));
    modules.emplace_back(std::move(module), std::move(context));
  }

  bool perf = std::getenv("PLSTM_PERF") != nullptr;
  auto jit =
      LLJITBuilder()
          .setJITTargetMachineBuilder(*machineBuilder)
          .setNumCompileThreads(modules.size() > 1 ? modules.size() : 0)
          .setObjectLinkingLayerCreator(
              [perf](ExecutionSession &session)
                  -> llvm::Expected<std::unique_ptr<ObjectLayer>> {
                auto layer = std::make_unique<RTDyldObjectLinkingLayer>(
                    session, [](const llvm::MemoryBuffer &) {
                      return std::make_unique<llvm::SectionMemoryManager>();
                    });
                // PLSTM_PERF=1: a jitdump for perf (docs/performance.md,
                // "Profiling").
                if (perf)
                  if (llvm::JITEventListener *listener =
                          llvm::JITEventListener::createPerfJITEventListener())
                    layer->registerJITEventListener(*listener);
                return layer;
              })
          .create();
  if (!jit)
    return jit.takeError();
  (*jit)->getIRTransformLayer().setTransform(
      [optLevel](ThreadSafeModule tsm, MaterializationResponsibility &)
          -> llvm::Expected<ThreadSafeModule> {
        // A target machine per module: its subtarget cache is not safe to
        // share between threads.
        std::string error;
        std::unique_ptr<llvm::TargetMachine> machine =
            mlir::plstm::createHostTargetMachine(optLevel, error);
        if (!machine)
          return makeError(error);
        auto optimize =
            mlir::plstm::makeKernelOptimizer(optLevel, machine.get());
        if (llvm::Error err = tsm.withModuleDo([&](llvm::Module &m) {
              // The context ORC compiles this module in (not the one
              // it was added with).
              mlir::plstm::setKernelPassGate(m.getContext());
              return optimize(&m);
            }))
          return std::move(err);
        return std::move(tsm);
      });
  JITDylib &main = (*jit)->getMainJITDylib();
  main.addGenerator(
      llvm::cantFail(DynamicLibrarySearchGenerator::GetForCurrentProcess(
          layout->getGlobalPrefix())));
  // The runtime functions kernels call.
  SymbolMap runtime;
  auto define = [&](const char *name, auto *function) {
    runtime[(*jit)->mangleAndIntern(name)] = {ExecutorAddr::fromPtr(function),
                                              llvm::JITSymbolFlags::Exported};
  };
  // The kernels' heap (runtime/KernelAlloc.c; the pipeline lowers
  // memref.alloc/dealloc to these generic functions).
  define("_mlir_memref_to_llvm_alloc", &_mlir_memref_to_llvm_alloc);
  define("_mlir_memref_to_llvm_free", &_mlir_memref_to_llvm_free);
  // The race detector of the GPU mapping run on the CPU (RaceCheck.h).
  define("plstm_race_launch", &plstm_race_launch);
  define("plstm_race_barrier", &plstm_race_barrier);
  define("plstm_race_access", &plstm_race_access);
  if (llvm::Error err = main.define(absoluteSymbols(std::move(runtime))))
    return std::move(err);
  for (ThreadSafeModule &tsm : modules)
    if (llvm::Error err = (*jit)->addIRModule(std::move(tsm)))
      return std::move(err);
  SymbolLookupSet lookup;
  for (const std::string &anchor : anchors)
    if (!anchor.empty())
      lookup.add((*jit)->mangleAndIntern(anchor));
  if (!lookup.empty()) {
    auto found = (*jit)->getExecutionSession().lookup(
        makeJITDylibSearchOrder(&main, JITDylibLookupFlags::MatchAllSymbols),
        std::move(lookup));
    if (!found)
      return found.takeError();
  }
  return std::move(*jit);
}

llvm::Expected<Kernel> plstm::compile(const std::string &specText,
                                      const CompileOptions &options) {
  return compileNamed(specText, "spec", options);
}

static llvm::Expected<Kernel> compileNamed(const std::string &specText,
                                           const std::string &bufferName,
                                           const CompileOptions &options) {
  auto start = std::chrono::steady_clock::now();
  std::string key = specText + '\0' + options.schedule + '\0' +
                    options.sizeHints + '\0' +
                    std::to_string(options.optLevel) + '\0' + options.entry +
                    '\0' + std::to_string(static_cast<int>(options.target)) +
                    '\0' + (options.parallelLoops ? "parallel" : "serial") +
                    '\0' + (options.microkernels ? "micro" : "scalar") + '\0' +
                    (options.verifyEachPass ? "verify" : "") + '\0' +
                    std::to_string(options.compileThreads) + '\0' +
                    std::to_string(options.gpuThreadsPerRow) + '\0' +
                    (options.gpuPrefetch ? "prefetch" : "") + '\0' +
                    (options.gpuRegisterTiles ? "register-tiles" : "") + '\0' +
                    (options.gpuFuseLoops ? "fuse-loops" : "") + '\0' +
                    (options.gpuChunkGrid ? "chunk-grid" : "") + '\0' +
                    (options.gpuOpGrid ? "op-grid" : "") + '\0' +
                    (options.gpuRaceCheck ? "race-check" : "");
  // (No lsr: the GPU mapping runs on the CPU here, no NVPTX code.)
  std::lock_guard<std::mutex> lock(cacheMutex);
  if (auto it = cache().find(key); it != cache().end()) {
    return KernelFactory::make(it->second, 0, true);
  }
  if (options.optLevel > 3)
    return makeError("CompileOptions::optLevel = " +
                     std::to_string(options.optLevel) + ", expected 0..3");

  auto impl = std::make_shared<KernelImpl>();
  impl->raceChecked =
      options.target == Target::GPUMappingOnCPU && options.gpuRaceCheck;
  mlir::DialectRegistry registry;
  mlir::plstm::registerCodegenDialects(registry);
  impl->context = std::make_unique<mlir::MLIRContext>(registry);
  impl->context->loadAllAvailableDialects();
  std::string diagnostics;
  llvm::raw_string_ostream diagOs(diagnostics);
  mlir::ScopedDiagnosticHandler handler(
      impl->context.get(), [&](mlir::Diagnostic &diag) {
        diagOs << diag.getLocation() << ": " << diag << "\n";
        return mlir::success();
      });

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(specText, impl->context.get(),
                                              bufferName);
  if (!module)
    return makeError("the spec does not parse or verify:\n" + diagnostics);
  for (auto func : module->getOps<mlir::func::FuncOp>())
    if (func.isPublic() && !func.isExternal() &&
        failed(mlir::plstm::checkKernelABI(func)))
      return makeError("the spec cannot be compiled:\n" + diagnostics);
  std::vector<mlir::plstm::KernelDescription> kernels =
      mlir::plstm::describeKernels(*module);
  const mlir::plstm::KernelDescription *chosen = nullptr;
  for (const auto &kernel : kernels)
    if (options.entry.empty() ? kernels.size() == 1
                              : kernel.name == options.entry)
      chosen = &kernel;
  if (!chosen)
    return makeError(
        options.entry.empty()
            ? "the spec has " + std::to_string(kernels.size()) +
                  " public functions, expected 1 (set CompileOptions::entry)"
            : "the spec has no public function @" + options.entry);

  if (options.target == Target::GPUMappingOnCPU) {
    // Only the chosen function is mapped (the others may not be kernels the
    // GPU path takes), and only it gets an entry point.
    for (auto func : llvm::make_early_inc_range(
             module->getOps<mlir::func::FuncOp>()))
      if (func.isPublic() && func.getSymName() != chosen->name)
        func.erase();
    kernels = {*chosen};
    chosen = &kernels.front();
    mlir::plstm::GPUPipelineOptions pipeline;
    pipeline.schedule = options.schedule;
    pipeline.sizeHints = options.sizeHints;
    pipeline.emulate = true;
    pipeline.threadsPerRow = options.gpuThreadsPerRow;
    pipeline.prefetch = options.gpuPrefetch;
    pipeline.registerTiles = options.gpuRegisterTiles;
    pipeline.fuseLoops = options.gpuFuseLoops;
    pipeline.chunkGrid = options.gpuChunkGrid;
    pipeline.opGrid = options.gpuOpGrid;
    pipeline.raceCheck = options.gpuRaceCheck;
    mlir::PassManager pm(module->getContext());
    mlir::plstm::buildGPUPipeline(pm, pipeline);
    if (failed(pm.run(*module)))
      return makeError("lowering (GPU mapping on the CPU) failed:\n" +
                       diagnostics);
  } else {
    mlir::plstm::CPUPipelineOptions pipeline;
    pipeline.schedule = options.schedule;
    pipeline.sizeHints = options.sizeHints;
    pipeline.parallel = options.parallelLoops;
    pipeline.microkernels = options.microkernels;
    if (failed(mlir::plstm::lowerToLLVMDialect(*module, pipeline,
                                               options.verifyEachPass)))
      return makeError("lowering failed:\n" + diagnostics);
  }

  auto llvmContext = std::make_unique<llvm::LLVMContext>();
  std::string translateError;
  std::unique_ptr<llvm::Module> llvmModule = mlir::plstm::translateToLLVMIR(
      *module, *llvmContext, kernels, translateError);
  if (!llvmModule)
    return makeError("JIT compilation failed: " + translateError);
  // One part per compile thread (by default per hardware thread, at most
  // 4): the optimizer and code generation of the parts run in parallel.
  unsigned parts =
      options.compileThreads
          ? options.compileThreads
          : std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  auto jit = buildJIT(std::move(llvmModule), std::move(llvmContext),
                      options.optLevel, parts);
  if (!jit)
    return makeError("JIT compilation failed: " +
                     llvm::toString(jit.takeError()));
  impl->jit = std::move(*jit);
  auto symbol = impl->jit->lookup(chosen->name + "_packed");
  if (!symbol)
    return makeError("JIT: no entry point " + chosen->name +
                     "_packed: " + llvm::toString(symbol.takeError()));
  impl->fn = symbol->toPtr<PackedKernelFn>();
  if (Status s = KernelSignature::parse(chosen->signature, impl->signature); !s)
    return makeError(s.message());
  cache()[key] = impl;

  return KernelFactory::make(
      impl,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count(),
      false);
}

llvm::Expected<Kernel> plstm::compileFile(const std::string &path,
                                          const CompileOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return makeError("cannot read spec '" + path +
                     "': " + buffer.getError().message());
  return compileNamed((*buffer)->getBuffer().str(), path, options);
}

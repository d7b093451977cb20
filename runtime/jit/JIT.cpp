//===- JIT.cpp - compile a plstm spec in-process and call it --------------===//
//
// parse -> describeKernels -> plstm-cpu-pipeline -> ExecutionEngine (our
// LLVM IR with the packed kernel ABI, -O3 for the host CPU) -> lookup of
// `<entry>_packed`. See JIT.h.
//
//===----------------------------------------------------------------------===//

#include "runtime/jit/JIT.h"

#include "codegen/CPUTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdlib>
#include <chrono>
#include <map>
#include <mutex>

using namespace plstm;

// LLVM's OpenMP runtime (linked): the kernels' parallel loops run on it.
extern "C" void omp_set_num_threads(int);
extern "C" void *_mlir_memref_to_llvm_alloc(size_t);
extern "C" void _mlir_memref_to_llvm_free(void *);
extern "C" int omp_get_max_threads(void);

struct plstm::KernelImpl {
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  KernelSignature signature;
  PackedKernelFn fn = nullptr;
};

const KernelSignature &Kernel::signature() const { return impl_->signature; }

Status Kernel::operator()(const std::vector<TensorRef> &inputs,
                          const std::vector<TensorRef> &outputs,
                          int threads) const {
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
                    '\0' + (options.parallelLoops ? "parallel" : "serial") + '\0' +
                    (options.microkernels ? "micro" : "scalar");
  std::lock_guard<std::mutex> lock(cacheMutex);
  if (auto it = cache().find(key); it != cache().end()) {
    return KernelFactory::make(it->second, 0, true);
  }
  if (options.optLevel > 3)
    return makeError("CompileOptions::optLevel = " +
                     std::to_string(options.optLevel) + ", expected 0..3");

  auto impl = std::make_shared<KernelImpl>();
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
    // GPU path takes).
    for (auto func : llvm::make_early_inc_range(
             module->getOps<mlir::func::FuncOp>()))
      if (func.isPublic() && func.getSymName() != chosen->name)
        func.erase();
    mlir::plstm::GPUPipelineOptions pipeline;
    pipeline.schedule = options.schedule;
    pipeline.sizeHints = options.sizeHints;
    pipeline.emulate = true;
    pipeline.threadsPerRow = options.gpuThreadsPerRow;
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
    if (failed(mlir::plstm::lowerToLLVMDialect(*module, pipeline)))
      return makeError("lowering failed:\n" + diagnostics);
  }

  std::string translateError;
  auto builder = [&](mlir::Operation *op, llvm::LLVMContext &ctx) {
    return mlir::plstm::translateToLLVMIR(llvm::cast<mlir::ModuleOp>(op), ctx,
                                          kernels, translateError);
  };
  mlir::plstm::initializeNativeTarget();
  // The host machine's cost model for LLVM's vectorizers (the engine makes
  // its own machine for code generation).
  std::string machineError;
  std::shared_ptr<llvm::TargetMachine> machine =
      mlir::plstm::createHostTargetMachine(options.optLevel, machineError);
  auto optimize =
      mlir::plstm::makeKernelOptimizer(options.optLevel, machine.get());
  auto transformer = [machine, optimize](llvm::Module *module) {
    if (machine) {
      module->setDataLayout(machine->createDataLayout());
      module->setTargetTriple(machine->getTargetTriple());
    }
    return optimize(module);
  };
  mlir::ExecutionEngineOptions engineOptions;
  // PLSTM_PERF=1: a jitdump for perf (docs/performance.md, "Profiling").
  engineOptions.enablePerfNotificationListener =
      std::getenv("PLSTM_PERF") != nullptr;
  engineOptions.llvmModuleBuilder = builder;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel =
      static_cast<llvm::CodeGenOptLevel>(options.optLevel);
  auto engine = mlir::ExecutionEngine::create(*module, engineOptions);
  if (!engine)
    return makeError(
        "JIT compilation failed: " + llvm::toString(engine.takeError()) +
        (translateError.empty() ? "" : " (" + translateError + ")"));
  impl->engine = std::move(*engine);
  // The kernels' heap (runtime/KernelAlloc.c; the pipeline lowers
  // memref.alloc/dealloc to these generic functions).
  impl->engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    symbols[interner("_mlir_memref_to_llvm_alloc")] = {
        llvm::orc::ExecutorAddr::fromPtr(&_mlir_memref_to_llvm_alloc),
        llvm::JITSymbolFlags::Exported};
    symbols[interner("_mlir_memref_to_llvm_free")] = {
        llvm::orc::ExecutorAddr::fromPtr(&_mlir_memref_to_llvm_free),
        llvm::JITSymbolFlags::Exported};
    return symbols;
  });
  auto symbol = impl->engine->lookup(chosen->name + "_packed");
  if (!symbol)
    return makeError("JIT: no entry point " + chosen->name +
                     "_packed: " + llvm::toString(symbol.takeError()));
  impl->fn = reinterpret_cast<PackedKernelFn>(*symbol);
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

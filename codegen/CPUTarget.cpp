//===- CPUTarget.cpp - from the LLVM dialect to native code ---------------===//
//
// See CPUTarget.h for the kernel ABI.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPUTarget.h"
#include "dialect/PLSTMDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/IntrinsicsX86.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/OptBisect.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include <deque>

using namespace mlir;
using namespace mlir::plstm;

void plstm::registerCodegenDialects(DialectRegistry &registry) {
  registry.insert<PLSTMDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
                  math::MathDialect, memref::MemRefDialect,
                  omp::OpenMPDialect, scf::SCFDialect, tensor::TensorDialect,
                  vector::VectorDialect,
                  gpu::GPUDialect, NVVM::NVVMDialect>();
  // The GPU path: conversions to LLVM/NVVM through the dialects'
  // interfaces, the NVVM target (PTX through LLVM's NVPTX backend).
  registerAllExtensions(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerNVVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
}

//===----------------------------------------------------------------------===//
// Kernel descriptions
//===----------------------------------------------------------------------===//

static std::string describeTensor(StringRef role, Type type,
                                  ArrayRef<StringRef> names) {
  auto tensor = cast<RankedTensorType>(type);
  std::string text;
  llvm::raw_string_ostream os(text);
  os << role << ":";
  Type et = tensor.getElementType();
  if (et.isF32())
    os << "f32";
  else if (et.isF64())
    os << "f64";
  else if (et.isSignlessInteger(32))
    os << "i32";
  else
    os << "i64";
  os << ":";
  for (int64_t d = 0; d < tensor.getRank(); ++d) {
    if (d)
      os << ",";
    StringRef name = d < static_cast<int64_t>(names.size()) ? names[d] : "_";
    int64_t literal;
    if (!name.getAsInteger(10, literal))
      name = "_";
    os << name << "=";
    if (tensor.isDynamicDim(d))
      os << "?";
    else
      os << tensor.getDimSize(d);
  }
  return text;
}

LogicalResult plstm::checkKernelABI(Operation *op) {
  auto func = dyn_cast<func::FuncOp>(op);
  if (!func)
    return success();
  auto supported = [](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return false;
    Type et = tensor.getElementType();
    return et.isF32() || et.isF64() || et.isSignlessInteger(32) ||
           et.isSignlessInteger(64);
  };
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
    if (!supported(type))
      return func.emitError()
             << "kernel @" << func.getName() << ": argument #" << i
             << " has type " << type
             << ", expected a ranked tensor of f32, f64, i32 or i64";
  for (auto [i, type] : llvm::enumerate(func.getResultTypes()))
    if (!supported(type))
      return func.emitError()
             << "kernel @" << func.getName() << ": result #" << i
             << " has type " << type
             << ", expected a ranked tensor of f32, f64, i32 or i64";
  unsigned dags = 0;
  WalkResult walk = func.walk([&](ScanDagOp dag) {
    if (++dags > 1) {
      dag.emitError() << "kernel @" << func.getName()
                      << " holds more than one plstm.scan_dag; compiled "
                         "kernels take one graph (split the function)";
      return WalkResult::interrupt();
    }
    for (Value graph : {dag.getEdges(), dag.getLineEdges()}) {
      auto arg = dyn_cast<BlockArgument>(graph);
      if (!arg || arg.getOwner() != &func.front()) {
        dag.emitError() << "the graph operands of plstm.scan_dag must be "
                           "arguments of the kernel @"
                        << func.getName()
                        << " (the runtime validates graphs before each call; "
                           "the compiled code trusts them)";
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

std::vector<KernelDescription> plstm::describeKernels(ModuleOp module) {
  std::vector<KernelDescription> kernels;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal() || !func.isPublic())
      continue;
    // Names of the arguments' and results' dims from the plstm ops' shape
    // contracts (first use wins).
    llvm::DenseMap<Value, std::pair<std::string, SmallVector<StringRef>>> info;
    func.walk([&](Operation *op) {
      for (const ContractEntry &entry : getShapeContract(op))
        if (entry.value && !info.count(entry.value))
          info[entry.value] = {entry.name.str(), entry.dims};
    });
    // Arguments no plstm op reads: name their dims after the argument, so a
    // returned argument's shape follows from the inputs.
    std::deque<std::string> ownedNames;
    for (BlockArgument arg : func.getArguments()) {
      if (info.count(arg))
        continue;
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      SmallVector<StringRef> names;
      for (int64_t d = 0; type && d < type.getRank(); ++d) {
        ownedNames.push_back("a" + std::to_string(arg.getArgNumber()) + "d" +
                             std::to_string(d));
        names.push_back(ownedNames.back());
      }
      info[arg] = {"arg" + std::to_string(arg.getArgNumber()), names};
    }
    std::string sig = "plstm-kernel-v1 " + func.getName().str() + " in " +
                      std::to_string(func.getNumArguments());
    for (BlockArgument arg : func.getArguments()) {
      auto it = info.find(arg);
      std::string role = it != info.end()
                             ? it->second.first
                             : "arg" + std::to_string(arg.getArgNumber());
      sig += " " + describeTensor(role, arg.getType(),
                                  it != info.end()
                                      ? ArrayRef<StringRef>(it->second.second)
                                      : ArrayRef<StringRef>());
    }
    auto ret = cast<func::ReturnOp>(func.front().getTerminator());
    sig += " out " + std::to_string(ret.getNumOperands());
    for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
      auto it = info.find(value);
      std::string role =
          it != info.end() ? it->second.first : "result" + std::to_string(i);
      sig += " " + describeTensor(role, value.getType(),
                                  it != info.end()
                                      ? ArrayRef<StringRef>(it->second.second)
                                      : ArrayRef<StringRef>());
    }
    kernels.push_back({func.getName().str(), sig});
  }
  return kernels;
}

LogicalResult plstm::lowerToLLVMDialect(ModuleOp module,
                                        const CPUPipelineOptions &options,
                                        bool verifyEachPass) {
  // The schedule lowering with the verifier after each pass: the ops'
  // verifiers reject a forced schedule they cannot take once the selection
  // has set it (the IR is small until the lowerings).
  PassManager front(module->getName());
  buildCPUScheduleLowering(front, options);
  if (failed(front.run(module)))
    return failure();
  if (options.stopAfterScanLowering)
    return success();
  // The rest (~35 passes) without it: the verifier after each pass took
  // 0.2 s of the 2D log-depth kernels' 0.6 s in MLIR. The passes are
  // verified pass by pass in the lit tests (plstm-opt), the result once
  // here.
  PassManager pm(module->getName());
  pm.enableVerifier(verifyEachPass);
  buildCPULowering(pm, options);
  if (failed(pm.run(module)))
    return failure();
  if (!verifyEachPass && failed(verify(module))) {
    module.emitError("the CPU pipeline produced invalid IR (verify after "
                     "each pass to find the pass: --verify-each, "
                     "CompileOptions::verifyEachPass)");
    return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// LLVM IR, native code
//===----------------------------------------------------------------------===//

void plstm::initializeNativeTarget() {
  static bool done = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
    return true;
  }();
  (void)done;
}

std::unique_ptr<llvm::TargetMachine>
plstm::createHostTargetMachine(unsigned optLevel, std::string &error) {
  initializeNativeTarget();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string features;
  for (auto &feature : llvm::sys::getHostCPUFeatures())
    features += (feature.second ? "+" : "-") + feature.first().str() + ",";
  llvm::CodeGenOptLevel level = optLevel == 0   ? llvm::CodeGenOptLevel::None
                                : optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                : optLevel == 2
                                    ? llvm::CodeGenOptLevel::Default
                                    : llvm::CodeGenOptLevel::Aggressive;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features, llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, level));
  if (!machine)
    error = "cannot create a target machine for " + triple.str();
  return machine;
}

/// Adds `<name>_packed(void **)` calling `_mlir_ciface_<name>` with the
/// descriptor pointers, the signature strings and the kernel list.
static bool addKernelABI(llvm::Module &module,
                         const std::vector<KernelDescription> &kernels,
                         std::string &error) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Type *ptr = llvm::PointerType::get(ctx, 0);
  // FTZ (bit 15) and DAZ (bit 6) of MXCSR; x86-64 hosts only.
  constexpr uint32_t kMxcsrFtzDaz = 0x8040;
  bool flushDenormals =
      llvm::Triple(llvm::sys::getProcessTriple()).getArch() ==
      llvm::Triple::x86_64;
  std::string names;
  for (const KernelDescription &kernel : kernels) {
    llvm::Function *ciface = module.getFunction("_mlir_ciface_" + kernel.name);
    if (!ciface) {
      error = "kernel @" + kernel.name + " has no C interface after lowering";
      return false;
    }
    auto *type =
        llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false);
    auto *packed = llvm::Function::Create(type, llvm::Function::ExternalLinkage,
                                          kernel.name + "_packed", module);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", packed));
    SmallVector<llvm::Value *> args;
    for (unsigned i = 0; i < ciface->arg_size(); ++i) {
      llvm::Value *slot = b.CreateGEP(ptr, packed->getArg(0), b.getInt64(i));
      args.push_back(b.CreateLoad(ptr, slot));
    }
    // Denormals flushed to zero (FTZ) and read as zero (DAZ) for the call,
    // the caller's MXCSR restored after it; libomp copies the setting to
    // its workers at each parallel region (KMP_INHERIT_FP_CONTROL).
    // Products of many decays (path sums over long chunks) underflow into
    // the denormal range, where every x86 FP op takes a microcode assist.
    llvm::Value *saved = nullptr, *mxcsrSlot = nullptr;
    if (flushDenormals) {
      mxcsrSlot = b.CreateAlloca(b.getInt32Ty());
      b.CreateIntrinsic(llvm::Intrinsic::x86_sse_stmxcsr, {}, {mxcsrSlot});
      saved = b.CreateLoad(b.getInt32Ty(), mxcsrSlot);
      b.CreateStore(b.CreateOr(saved, b.getInt32(kMxcsrFtzDaz)), mxcsrSlot);
      b.CreateIntrinsic(llvm::Intrinsic::x86_sse_ldmxcsr, {}, {mxcsrSlot});
    }
    b.CreateCall(ciface, args);
    if (flushDenormals) {
      b.CreateStore(saved, mxcsrSlot);
      b.CreateIntrinsic(llvm::Intrinsic::x86_sse_ldmxcsr, {}, {mxcsrSlot});
    }
    b.CreateRetVoid();
    auto *sig = llvm::ConstantDataArray::getString(ctx, kernel.signature);
    new llvm::GlobalVariable(module, sig->getType(), true,
                             llvm::GlobalValue::ExternalLinkage, sig,
                             "plstm_signature_" + kernel.name);
    names += (names.empty() ? "" : ",") + kernel.name;
  }
  auto *list = llvm::ConstantDataArray::getString(ctx, names);
  new llvm::GlobalVariable(module, list->getType(), true,
                           llvm::GlobalValue::ExternalLinkage, list,
                           "plstm_kernels");
  return true;
}

bool plstm::isSmallLoopsPart(Operation *func) {
  auto passthrough = func->getAttrOfType<ArrayAttr>("passthrough");
  return passthrough && llvm::any_of(passthrough, [](Attribute entry) {
           auto pair = dyn_cast<ArrayAttr>(entry);
           auto name =
               pair && !pair.empty() ? dyn_cast<StringAttr>(pair[0]) : nullptr;
           return name && name.getValue() == kSmallLoopsAttr;
         });
}

/// Marks every loop of `function` for LLVM's loop vectorizer to leave alone
/// (`llvm.loop.vectorize.enable` false, no interleaving): the parts marked
/// kSmallLoopsAttr. Only those: without the vectorizer in every outlined
/// part (the static levels' too) the `vit-t` log-depth kernel ran 25 %
/// slower.
static void disableLoopVectorizer(llvm::Function &function) {
  llvm::DominatorTree dominators(function);
  llvm::LoopInfo loops(dominators);
  llvm::LLVMContext &ctx = function.getContext();
  auto hint = [&](llvm::StringRef name, llvm::Constant *value) {
    return llvm::MDNode::get(ctx, {llvm::MDString::get(ctx, name),
                                   llvm::ConstantAsMetadata::get(value)});
  };
  llvm::Metadata *hints[] = {
      hint("llvm.loop.vectorize.enable", llvm::ConstantInt::getFalse(ctx)),
      hint("llvm.loop.interleave.count",
           llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx), 1))};
  for (llvm::Loop *loop : loops.getLoopsInPreorder()) {
    // A distinct loop ID whose first operand is itself.
    llvm::TempMDTuple self = llvm::MDTuple::getTemporary(ctx, {});
    llvm::SmallVector<llvm::Metadata *> operands = {self.get()};
    operands.append(std::begin(hints), std::end(hints));
    llvm::MDNode *id = llvm::MDNode::getDistinct(ctx, operands);
    id->replaceOperandWith(0, id);
    loop->setLoopID(id);
  }
}

std::unique_ptr<llvm::Module>
plstm::translateToLLVMIR(ModuleOp module, llvm::LLVMContext &context,
                         const std::vector<KernelDescription> &kernels,
                         std::string &error) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, "plstm");
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return nullptr;
  }
  if (!addKernelABI(*llvmModule, kernels, error))
    return nullptr;
  // 512-bit vectors for LLVM's own vectorizers too (copies, fills,
  // elementwise loops): the host CPUs with AVX-512 default to 256 bits
  // (prefer-vector-width), half the width of the microkernels' FMAs.
  for (llvm::Function &function : *llvmModule)
    if (!function.isDeclaration())
      function.addFnAttr("prefer-vector-width", "512");
  // Parts outlined by plstm-outline-regions stay out of line: inlining them
  // back (each has one call site) would undo the split.
  for (llvm::Function &function : *llvmModule) {
    if (function.isDeclaration() ||
        !function.getName().starts_with(kOutlinedPrefix))
      continue;
    function.addFnAttr(llvm::Attribute::NoInline);
    function.setLinkage(llvm::GlobalValue::InternalLinkage);
    if (function.hasFnAttribute(kSmallLoopsAttr)) {
      function.removeFnAttr(kSmallLoopsAttr);
      disableLoopVectorizer(function);
    }
  }
  return llvmModule;
}

std::function<llvm::Error(llvm::Module *)>
plstm::makeKernelOptimizer(unsigned optLevel, llvm::TargetMachine *machine) {
  return [optLevel, machine](llvm::Module *module) -> llvm::Error {
    // LLVM's default pipeline, without loop unrolling: kernels are deep
    // nests of small static loops (J dims, quad-tree borders), which full
    // unrolling multiplies and then IndVarSimplify / LoopRotate crawl
    // through; compile times grew 8x with it and the kernels got no faster.
    llvm::PipelineTuningOptions tuning;
    tuning.LoopUnrolling = false;
    tuning.LoopVectorization = optLevel > 1;
    tuning.SLPVectorization = optLevel > 1;
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder builder(machine, tuning);
    builder.registerModuleAnalyses(mam);
    builder.registerCGSCCAnalyses(cgam);
    builder.registerFunctionAnalyses(fam);
    builder.registerLoopAnalyses(lam);
    builder.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::OptimizationLevel level =
        optLevel == 0   ? llvm::OptimizationLevel::O0
        : optLevel == 1 ? llvm::OptimizationLevel::O1
        : optLevel == 2 ? llvm::OptimizationLevel::O2
                        : llvm::OptimizationLevel::O3;
    llvm::ModulePassManager passes =
        optLevel == 0 ? builder.buildO0DefaultPipeline(level)
                      : builder.buildPerModuleDefaultPipeline(level);
    passes.run(*module, mam);
    return llvm::Error::success();
  };
}

bool plstm::optimizeModule(llvm::Module &module, llvm::TargetMachine &machine,
                           unsigned optLevel, std::string &error) {
  module.setDataLayout(machine.createDataLayout());
  module.setTargetTriple(machine.getTargetTriple());
  if (llvm::Error err = makeKernelOptimizer(optLevel, &machine)(&module)) {
    error = llvm::toString(std::move(err));
    return false;
  }
  return true;
}

namespace {
/// Every pass but Loop Strength Reduction (setKernelPassGate).
struct KernelPassGate : llvm::OptPassGate {
  bool isEnabled() const override { return true; }
  bool shouldRunPass(llvm::StringRef pass,
                     llvm::StringRef description) const override {
    // Legacy passes are named by their argument or, without one, their
    // name, depending on the LLVM version.
    if (pass == "loop-reduce" || pass == "Loop Strength Reduction")
      return false;
    // The process's own gate (-opt-bisect-limit, -opt-disable) still
    // applies.
    const llvm::OptPassGate &global = llvm::getGlobalPassGate();
    return !global.isEnabled() || global.shouldRunPass(pass, description);
  }
};
} // namespace

void plstm::setKernelPassGate(llvm::LLVMContext &context) {
  static KernelPassGate gate;
  context.setOptPassGate(gate);
}

bool plstm::emitNativeFile(llvm::Module &module, llvm::TargetMachine &machine,
                           const std::string &path, bool assembly,
                           std::string &error) {
  setKernelPassGate(module.getContext());
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  llvm::legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, out, nullptr,
                                  assembly
                                      ? llvm::CodeGenFileType::AssemblyFile
                                      : llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit this file type";
    return false;
  }
  pm.run(module);
  out.flush();
  return true;
}

bool plstm::linkSharedLibrary(const std::string &objectPath,
                              const std::string &libraryPath,
                              std::string &error) {
  llvm::ErrorOr<std::string> cc = llvm::sys::findProgramByName("cc");
  if (!cc) {
    error = "no C compiler driver 'cc' on PATH to link the shared library";
    return false;
  }
  // The parallel loops call LLVM's OpenMP runtime (found by its directory
  // at load time: rpath); --as-needed drops it from libraries without them
  // (--parallel-loops=false).
  std::string ompDir =
      llvm::sys::path::parent_path(PLSTM_LIBOMP_PATH).str();
  std::string rpath = "-Wl,-rpath," + ompDir;
  SmallVector<StringRef> args = {*cc,        "-shared",         "-o",
                                 libraryPath, objectPath,
                                 PLSTM_KERNEL_ALLOC_PATH,          "-lm",
                                 "-Wl,--as-needed", PLSTM_LIBOMP_PATH, rpath};
  std::string message;
  int rc =
      llvm::sys::ExecuteAndWait(*cc, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    error = "linking '" + libraryPath + "' failed (" + *cc + " exit " +
            std::to_string(rc) + ")" + (message.empty() ? "" : ": " + message);
    return false;
  }
  return true;
}

std::string
plstm::generateCHeader(const std::vector<KernelDescription> &kernels,
                       const std::string &guard) {
  std::string h;
  llvm::raw_string_ostream os(h);
  os << "/* Generated by plstm-compile: the C interface of a plstm kernel "
        "library.\n *\n"
     << " * Each kernel takes one MLIR memref descriptor per input, then per\n"
     << " * output, of a contiguous C-order buffer (offset 0, strides of a\n"
     << " * row-major array). plstm_signature_<name> describes the arguments\n"
     << " * (see README.md, \"Kernel ABI\"). DAG kernels require a valid DAG\n"
     << " * (SPEC A6); the plstm runtime checks it before every call. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "/* A rank-R memref descriptor; declare e.g. PLSTM_MEMREF(4). */\n"
     << "#define PLSTM_MEMREF(R)                                         \\\n"
     << "  struct plstm_memref_##R##d {                                  \\\n"
     << "    void *allocated;                                            \\\n"
     << "    void *aligned;                                              \\\n"
     << "    int64_t offset;                                             \\\n"
     << "    int64_t sizes[R];                                           \\\n"
     << "    int64_t strides[R];                                         \\\n"
     << "  }\n\n"
     << "/* Comma-separated kernel names. */\nextern const char "
        "plstm_kernels[];\n\n";
  for (const KernelDescription &kernel : kernels) {
    os << "/* " << kernel.signature << " */\n"
       << "extern const char plstm_signature_" << kernel.name << "[];\n"
       << "/* descriptors[i]: pointer to the descriptor of argument i "
          "(inputs, then outputs). */\n"
       << "void " << kernel.name << "_packed(void **descriptors);\n\n";
  }
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return h;
}

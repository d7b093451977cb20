//===- CPUTarget.h - from the LLVM dialect to native code -----------------===//
//
// The CPU back end: kernel ABI descriptions, translation of the lowered
// module to LLVM IR with the packed kernel entry points, optimization for
// the host CPU, object/assembly emission through LLVM's TargetMachine, and
// linking of a shared library with a C header.
//
// Kernel ABI (v1; runtime/Kernel.h parses the same text): for every public
// function @f of the spec,
//   void f_packed(void **descriptors)
// takes one pointer per input then per output, each pointing to an MLIR
// memref descriptor {void *allocated, *aligned; int64_t offset;
// int64_t sizes[rank]; int64_t strides[rank]} of a contiguous C-order buffer.
// The string `plstm_signature_f` describes the arguments:
//   "plstm-kernel-v1 f in <n> <arg>... out <m> <arg>..."
// with <arg> = <role>:<dtype>:<dim>,<dim>,... and <dim> = <NAME>=<size|?>
// (NAME is the dim's name in the op's shape contract, "_" when unnamed).
// `plstm_kernels` lists the kernel names, comma-separated.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_CODEGEN_CPUTARGET_H
#define PLSTM_CODEGEN_CPUTARGET_H

#include "codegen/CodegenPasses.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mlir::plstm {

/// Every dialect, interface and translation the CPU path needs.
void registerCodegenDialects(DialectRegistry &registry);

/// One kernel: its function name and ABI signature text.
struct KernelDescription {
  std::string name;
  std::string signature;
};

/// Checks that `func` can be a kernel (every argument and result a ranked
/// tensor of f32, f64, i32 or i64; at most one plstm.scan_dag, whose graph
/// operands are arguments, so the runtime validates them before each call)
/// and emits an error at the function otherwise.
LogicalResult checkKernelABI(Operation *func);

/// Describes every public function of a spec (call before lowering, after
/// checkKernelABI).
std::vector<KernelDescription> describeKernels(ModuleOp module);

/// Runs the CPU pipeline on `module` in place; diagnostics go to the
/// context's handler. The IR is verified after each pass of the schedule
/// lowering (the ops' verifiers check a forced schedule) and then once,
/// after the last pass, unless `verifyEachPass` asks for a verification
/// after every pass (as plstm-opt does): the verifier after each of the
/// other passes was a third of the pipeline's time on the 2D log-depth
/// kernels.
LogicalResult lowerToLLVMDialect(ModuleOp module,
                                 const CPUPipelineOptions &options,
                                 bool verifyEachPass = false);

/// Initializes LLVM's native target, asm printer and parser (once).
void initializeNativeTarget();

/// A TargetMachine for this machine's CPU and features (AVX-512 where
/// present), at `optLevel` 0..3. Null and `error` set on failure.
std::unique_ptr<llvm::TargetMachine>
createHostTargetMachine(unsigned optLevel, std::string &error);

/// Translates a module in the LLVM dialect to LLVM IR and adds the kernel
/// ABI (packed entry points, signature strings, kernel list).
std::unique_ptr<llvm::Module>
translateToLLVMIR(ModuleOp module, llvm::LLVMContext &context,
                  const std::vector<KernelDescription> &kernels,
                  std::string &error);

/// Runs LLVM's -O<optLevel> pipeline for `machine` on `module`.
/// The name prefix of the functions plstm-outline-regions creates; the
/// translation keeps them out of line (NoInline, internal linkage).
constexpr const char *kOutlinedPrefix = "__plstm_part_";
/// The LLVM function attribute (func.func `passthrough`) plstm-outline-
/// regions gives the parts it outlines from inside an scf.while: the 2D
/// quad tree's dynamic small levels (plstm-lower-logdepth's and
/// -chunkwise's dynamic-quad-levels), loop nests over a few small blocks
/// with run-time extents. The microkernels leave their contractions alone,
/// and LLVM's loop vectorizer their loops: both would only make vector and
/// remainder versions behind run-time checks (5-7 k lines of LLVM IR per
/// part instead of ~1 k).
constexpr const char *kSmallLoopsAttr = "plstm-small-loops";

/// Whether `func` is a part marked with kSmallLoopsAttr.
bool isSmallLoopsPart(Operation *func);

/// LLVM's default optimization pipeline at `optLevel` (0-3) for kernels:
/// no loop unrolling (see the definition). Shared by the JIT and AOT paths.
std::function<llvm::Error(llvm::Module *)>
makeKernelOptimizer(unsigned optLevel, llvm::TargetMachine *machine);

bool optimizeModule(llvm::Module &module, llvm::TargetMachine &machine,
                    unsigned optLevel, std::string &error);

/// Sets the kernels' pass gate on `context` (it must hold the kernel module
/// before code generation; JIT and AOT): code generation skips LLVM's Loop
/// Strength Reduction. LSR was 30 % of code generation on the 2D tiled
/// kernels (many small loop nests) and gave the benchmark kernels nothing
/// at run time (their inner loops are microkernels whose addresses are
/// base + constant offsets). A gate of the context, not the global
/// -disable-lsr option: other modules in the process (PTX) keep LSR.
void setKernelPassGate(llvm::LLVMContext &context);

/// Writes assembly (`assembly` true) or an object file to `path` (sets the
/// kernels' pass gate on the module's context first).
bool emitNativeFile(llvm::Module &module, llvm::TargetMachine &machine,
                    const std::string &path, bool assembly, std::string &error);

/// Links an object file into a shared library with the system C compiler.
bool linkSharedLibrary(const std::string &objectPath,
                       const std::string &libraryPath, std::string &error);

/// The C header declaring the kernels of a shared library.
std::string generateCHeader(const std::vector<KernelDescription> &kernels,
                            const std::string &guard);

} // namespace mlir::plstm

#endif // PLSTM_CODEGEN_CPUTARGET_H

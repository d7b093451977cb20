//===- CodegenPasses.h - plstm code generation passes and pipelines -------===//
//
// Passes of codegen/ (Passes.td) and the CPU pipeline `plstm-cpu-pipeline`:
// scan ops -> structured loops on tensors -> buffers -> LLVM dialect.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_CODEGEN_CODEGENPASSES_H
#define PLSTM_CODEGEN_CODEGENPASSES_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::plstm {

#define GEN_PASS_DECL
#include "codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/Passes.h.inc"

/// Options of the CPU pipeline (typed, as on the command line:
/// `--plstm-cpu-pipeline="schedule=sequential"`).
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<std::string> schedule{
      *this, "schedule",
      llvm::cl::desc("Force a schedule on every scan op (sequential, "
                     "chunkwise:N, logdepth[:N]); empty: keep the ops' own "
                     "and let plstm-select-schedule decide the rest"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> sizeHints{
      *this, "size-hints",
      llvm::cl::desc("Sizes the schedule cost model assumes for dynamic dims "
                     "(e.g. B=16,T=4096)"),
      llvm::cl::init("")};
  PassOptions::Option<bool> stopAfterScanLowering{
      *this, "stop-after-scan-lowering",
      llvm::cl::desc("Stop after the schedule lowering (structured loops on "
                     "tensors), before bufferization"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> stopBeforeLLVM{
      *this, "stop-before-llvm",
      llvm::cl::desc("Stop after bufferization (loops on memrefs), before "
                     "the conversion to the LLVM dialect"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run the schedules' independent iterations (scf.forall: "
                     "tiles of a wavefront, chunks, edges of a DAG block) on "
                     "OpenMP threads; false: sequential loops"),
      llvm::cl::init(true)};
};

/// scan ops -> LLVM dialect, every public function with the C interface
/// (`llvm.emit_c_interface`) and outputs passed as arguments.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers `plstm-cpu-pipeline` and the codegen passes.
void registerCodegenPassesAndPipelines();

} // namespace mlir::plstm

#endif // PLSTM_CODEGEN_CODEGENPASSES_H

// The CPU pipeline turns on plstm-lower-logdepth's dynamic-quad-levels
// (the GPU pipeline does not): a 20×17 grid (one 32×32 tile) merges its
// cells up to 8×8 in one scf.while with dynamic level shapes. The parts
// outlined from inside it are marked as small loops (passthrough
// "plstm-small-loops"): no microkernels there, and their loops reach LLVM
// with the loop vectorizer disabled; the static levels keep both.
// RUN: rm -rf %t && mkdir -p %t
// RUN: plstm-compile %s --emit=mlir --stage=loops -o %t/loops.mlir
// RUN: FileCheck %s --check-prefix=LOOPS < %t/loops.mlir
// LOOPS: scf.while ({{.*}}) : (index, tensor<?x?x?x?x1x1xf32>,
// RUN: plstm-compile %s --target=nvptx --emit=mlir --stage=loops -o %t/gpu-loops.mlir
// RUN: FileCheck %s --check-prefix=GPU < %t/gpu-loops.mlir
// GPU-NOT: scf.while
// GPU: scf.execute_region -> (tensor<16x16x2x2x1x1xf32>
// RUN: plstm-compile %s --emit=mlir --stage=buffers -o %t/buffers.mlir
// RUN: FileCheck %s --check-prefix=PARTS < %t/buffers.mlir
// Four small-loop parts (one per part of the levels 1-4), no FMAs in them;
// the first static level (cells of 8 to 16) has no marker and its
// microkernels.
// PARTS-LABEL: func.func private @__plstm_part_logdepth2d_32_0({{.*}}memref<?x?x?x?x1x1xf32>{{.*}} attributes {passthrough = {{\[\["plstm-small-loops", "true"\]\]}}}
// PARTS-NOT: vector.fma
// PARTS-LABEL: func.func private @__plstm_part_logdepth2d_32_3({{.*}} attributes {passthrough = {{\[\["plstm-small-loops", "true"\]\]}}}
// PARTS-NOT: vector.fma
// PARTS-LABEL: func.func private @__plstm_part_logdepth2d_32_4(
// PARTS-NOT: passthrough
// PARTS: vector.fma
// RUN: plstm-compile %s --emit=llvm -o %t/k.ll
// RUN: FileCheck %s --check-prefix=LLVM < %t/k.ll
// LLVM-NOT: plstm-small-loops
// LLVM: !{!"llvm.loop.vectorize.enable", i1 false}
func.func @logdepth2d_32(%q: tensor<?x20x17x2x1xf32>, %s: tensor<?x1x20x17x1x1x1xf32>, %t: tensor<?x1x20x17x1x1xf32>,
    %d: tensor<?x20x17x1x1x1x1xf32>) -> (tensor<?x20x17x2x1xf32>, tensor<?x1x17x2x2x1xf32>, tensor<?x1x20x2x2x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_dl(%t) mark(%s, %s) direct(%d)
      {schedule = #plstm.schedule<logdepth>}
      : (tensor<?x20x17x2x1xf32>, tensor<?x20x17x2x1xf32>, tensor<?x20x17x2x1xf32>, tensor<?x1x20x17x1x1x1xf32>,
         tensor<?x1x20x17x1x1x1xf32>, tensor<?x1x20x17x1x1xf32>, tensor<?x1x20x17x1x1xf32>, tensor<?x1x20x17x1x1xf32>,
         tensor<?x1x20x17x1x1x1xf32>, tensor<?x1x20x17x1x1x1xf32>, tensor<?x20x17x1x1x1x1xf32>)
      -> (tensor<?x20x17x2x1xf32>, tensor<?x1x17x2x2x1xf32>, tensor<?x1x20x2x2x1xf32>)
  return %y, %r, %dd : tensor<?x20x17x2x1xf32>, tensor<?x1x17x2x2x1xf32>, tensor<?x1x20x2x2x1xf32>
}

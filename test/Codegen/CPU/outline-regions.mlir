// plstm-outline-regions moves each quad-tree level part of the 2D tiled
// schedules (scf.execute_region no_inline) into a private function of its
// own, with a fresh name even when one is taken (@__plstm_part_f_0 below).
// RUN: plstm-opt %s --plstm-cpu-pipeline="schedule=logdepth stop-before-llvm" | FileCheck %s

// One 2×2 tile, y only: one merge level whose only live part is the path
// sums G (the transitions, sources and marks feed nothing and are removed).
// CHECK-NOT: scf.execute_region
// CHECK: func.func private @__plstm_part_f_1({{.*}}) -> memref<1x1x2x2x2x2x1x1x1x1xf32>
// CHECK-NOT: scf.execute_region
// CHECK-LABEL: func.func @f(
// CHECK: call @__plstm_part_f_1(
// CHECK-NOT: scf.execute_region
// CHECK-LABEL: func.func @__plstm_part_f_0(
func.func @f(%q: tensor<1x2x2x1x1xf32>, %s: tensor<1x1x2x2x1x1x1xf32>, %t: tensor<1x1x2x2x1x1xf32>,
    %d: tensor<1x2x2x1x1x1x1xf32>) -> tensor<1x2x2x1x1xf32> {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_dl(%t) mark(%s, %s) direct(%d)
      : (tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>, tensor<1x1x2x2x1x1x1xf32>,
         tensor<1x1x2x2x1x1x1xf32>, tensor<1x1x2x2x1x1xf32>, tensor<1x1x2x2x1x1xf32>, tensor<1x1x2x2x1x1xf32>,
         tensor<1x1x2x2x1x1x1xf32>, tensor<1x1x2x2x1x1x1xf32>, tensor<1x2x2x1x1x1x1xf32>)
      -> (tensor<1x2x2x1x1xf32>, tensor<1x1x2x1x1x1xf32>, tensor<1x1x2x1x1x1xf32>)
  return %y : tensor<1x2x2x1x1xf32>
}

func.func @__plstm_part_f_0(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

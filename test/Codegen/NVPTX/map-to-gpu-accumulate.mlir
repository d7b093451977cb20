// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=128" --split-input-file | FileCheck %s
//
// plstm-map-to-gpu, block per row (codegen/GPURowBlocks.cpp): a reduction's
// outputs indexed by the parallel dims only (a read-out) accumulate in
// registers through the thread's reduction loop, one load before it and
// one store after it; an output indexed by the reduction dims too (a state
// updated in the same pass) is loaded and stored at every step.

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d0)>
#row = affine_map<(d0, d1) -> (d1)>

// CHECK-LABEL: func.func @readout
// CHECK: gpu.launch
// CHECK: scf.for %{{.*}} to %c64 step %c128{{.*}} {
// CHECK: %[[INIT:.*]] = memref.load %[[Y:.*]][%[[J:.*]]] : memref<64xf32
// CHECK: %[[SUM:.*]] = scf.for %[[K:[a-z0-9]+]] = %c0{{.*}} to %c32 step %c1{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32) {
// CHECK: %[[S:.*]] = memref.load %{{.*}}[%[[J]], %[[K]]]
// CHECK: %[[NEXT:.*]] = arith.addf %[[ACC]], %{{.*}} : f32
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[J]], %[[K]]]
// CHECK-NOT: memref.store
// CHECK: scf.yield %[[NEXT]] : f32
// CHECK: }
// CHECK: memref.store %[[SUM]], %[[Y]][%[[J]]]
func.func @readout(%s: memref<?x64x32xf32>, %q: memref<?x32xf32>, %y: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %y, %c0 : memref<?x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %sr = memref.subview %s[%r, 0, 0] [1, 64, 32] [1, 1, 1] : memref<?x64x32xf32> to memref<64x32xf32, strided<[32, 1], offset: ?>>
    %qr = memref.subview %q[%r, 0] [1, 32] [1, 1] : memref<?x32xf32> to memref<32xf32, strided<[1], offset: ?>>
    %yr = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#row, #id2, #col], iterator_types = ["parallel", "reduction"]}
        ins(%qr : memref<32xf32, strided<[1], offset: ?>>)
        outs(%sr, %yr : memref<64x32xf32, strided<[32, 1], offset: ?>>, memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%qk: f32, %sk: f32, %acc: f32):
      %t = arith.mulf %sk, %qk : f32
      %u = arith.addf %acc, %t : f32
      linalg.yield %t, %u : f32, f32
    }
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// An output that shares its buffer with an input: the loop lowering as is
// (the sum loaded and stored at every step), exact whatever the aliasing.
// CHECK-LABEL: func.func @aliased
// CHECK: gpu.launch
// CHECK-NOT: iter_args
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c32 step %c1{{.*}} {
// CHECK: memref.load
// CHECK: memref.store
// CHECK: }
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d0)>
func.func @aliased(%s: memref<?x64x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %s, %c0 : memref<?x64x32xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %sr = memref.subview %s[%r, 0, 0] [1, 64, 32] [1, 1, 1] : memref<?x64x32xf32> to memref<64x32xf32, strided<[32, 1], offset: ?>>
    %yr = memref.subview %s[%r, 0, 0] [1, 64, 1] [1, 1, 1] : memref<?x64x32xf32> to memref<64xf32, strided<[32], offset: ?>>
    linalg.generic {indexing_maps = [#id2, #col], iterator_types = ["parallel", "reduction"]}
        ins(%sr : memref<64x32xf32, strided<[32, 1], offset: ?>>)
        outs(%yr : memref<64xf32, strided<[32], offset: ?>>) {
    ^bb0(%sk: f32, %acc: f32):
      %u = arith.addf %acc, %sk : f32
      linalg.yield %u : f32
    }
    scf.reduce
  } {plstm.row_buffers}
  return
}

// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64" --canonicalize --split-input-file | FileCheck %s
// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=256" --canonicalize --split-input-file | FileCheck %s --check-prefix=SPLIT
//
// plstm-map-to-gpu, block per row (codegen/GPURowBlocks.cpp): a reduction's
// outputs indexed by the parallel dims only (a read-out) accumulate in
// registers through the thread's reduction loop, one load before it and
// one store after it; an output indexed by the reduction dims too (a state
// updated in the same pass) is loaded and stored at every step.
//
// With more threads than parallel iterations (256 threads, 64 iterations),
// the reduction is split: 4 threads per iteration, each summing 8 of the 32
// steps (the first from the output's value, the others from 0), the parts
// through a 4x64 workgroup buffer, added in a second loop.
// SPLIT-LABEL: func.func @readout
// SPLIT: gpu.launch {{.*}} workgroup(%[[WG:[a-z0-9_]+]] : memref<4x64xf32, #gpu.address_space<workgroup>>
// SPLIT: %[[PARTS:.*]] = memref.memory_space_cast %[[WG]]
// SPLIT: scf.for %[[LIN:.*]] = %{{.*}} to %c256{{.*}} step %c256
// SPLIT-DAG: %[[J:.*]] = arith.remui %[[LIN]], %c64
// SPLIT-DAG: %[[P:.*]] = arith.divui %[[LIN]], %c64
// SPLIT-DAG: %[[Y0:.*]] = memref.load %{{.*}}[%[[J]]]
// SPLIT-DAG: %[[FIRST:.*]] = arith.cmpi eq, %[[P]], %c0
// SPLIT: %[[INIT:.*]] = arith.select %[[FIRST]], %[[Y0]], %cst
// SPLIT: %[[LO:.*]] = arith.muli %[[P]], %c8
// SPLIT: %[[HI:.*]] = arith.addi %[[LO]], %c8
// SPLIT: %[[SUM:.*]] = scf.for %{{.*}} = %[[LO]] to %[[HI]] step %c1{{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (f32)
// SPLIT: memref.store %[[SUM]], %[[PARTS]][%[[P]], %[[J]]]
// SPLIT: gpu.barrier
// SPLIT: scf.for %[[K:.*]] = %{{.*}} to %c64 step %c256
// SPLIT: %[[A:.*]] = memref.load %[[PARTS]][%c0{{.*}}, %[[K]]]
// SPLIT: %[[B:.*]] = memref.load %[[PARTS]][%c1{{.*}}, %[[K]]]
// SPLIT: %[[AB:.*]] = arith.addf %[[A]], %[[B]]
// SPLIT: %[[C:.*]] = memref.load %[[PARTS]][%c2{{.*}}, %[[K]]]
// SPLIT: %[[ABC:.*]] = arith.addf %[[AB]], %[[C]]
// SPLIT: %[[D:.*]] = memref.load %[[PARTS]][%c3{{.*}}, %[[K]]]
// SPLIT: %[[ABCD:.*]] = arith.addf %[[ABC]], %[[D]]
// SPLIT: memref.store %[[ABCD]]
// SPLIT: gpu.barrier

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d0)>
#row = affine_map<(d0, d1) -> (d1)>

// CHECK-LABEL: func.func @readout
// CHECK: gpu.launch
// CHECK: scf.for %{{.*}} to %c64 step %c64{{.*}} {
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
// (the sum loaded and stored at every step, not split), exact whatever the
// aliasing.
// SPLIT-LABEL: func.func @aliased
// SPLIT-NOT: workgroup
// SPLIT-NOT: iter_args
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

// -----

// Another output indexed without the first reduction dim (z [p, r2],
// updated at every r1): a split would give two threads the same z element,
// so there is none; y still accumulates in a register.
// CHECK-LABEL: func.func @other_output
// CHECK: iter_args
// SPLIT-LABEL: func.func @other_output
// SPLIT-NOT: workgroup
// SPLIT: iter_args
// SPLIT-NOT: workgroup
#s3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#p3 = affine_map<(d0, d1, d2) -> (d0)>
#z3 = affine_map<(d0, d1, d2) -> (d0, d2)>
func.func @other_output(%s: memref<?x64x8x4xf32>, %y: memref<?x64xf32>, %z: memref<?x64x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %y, %c0 : memref<?x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %sr = memref.subview %s[%r, 0, 0, 0] [1, 64, 8, 4] [1, 1, 1, 1] : memref<?x64x8x4xf32> to memref<64x8x4xf32, strided<[32, 4, 1], offset: ?>>
    %yr = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %zr = memref.subview %z[%r, 0, 0] [1, 64, 4] [1, 1, 1] : memref<?x64x4xf32> to memref<64x4xf32, strided<[4, 1], offset: ?>>
    linalg.generic {indexing_maps = [#s3, #p3, #z3], iterator_types = ["parallel", "reduction", "reduction"]}
        ins(%sr : memref<64x8x4xf32, strided<[32, 4, 1], offset: ?>>)
        outs(%yr, %zr : memref<64xf32, strided<[1], offset: ?>>, memref<64x4xf32, strided<[4, 1], offset: ?>>) {
    ^bb0(%a: f32, %acc: f32, %zz: f32):
      %u = arith.addf %acc, %a : f32
      %w = arith.addf %zz, %a : f32
      linalg.yield %u, %w : f32, f32
    }
    scf.reduce
  } {plstm.row_buffers}
  return
}

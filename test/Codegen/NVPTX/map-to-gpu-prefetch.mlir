// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64" --canonicalize --split-input-file | FileCheck %s
//
// plstm-map-to-gpu, block per row (codegen/GPURowBlocks.cpp,
// prefetchAhead): at the start of step t of a row's outermost sequential
// loop, the views and scalar loads of kernel arguments that step t + 2 will
// access are prefetched (memref.prefetch), when their indices come from the
// step through pure ops without regions only.

// CHECK-LABEL: func.func @steps
// CHECK: gpu.launch {{.*}} threads(%[[T:[a-z0-9_]+]],
// CHECK: scf.for %[[S:[a-z0-9_]+]] = %c0 to %[[N:[a-z0-9_]+]] step %c1 {
// CHECK-NEXT: %[[NEXT:.*]] = arith.addi %[[S]], %c2 : index
// CHECK-NEXT: %[[IN:.*]] = arith.cmpi slt, %[[NEXT]], %[[N]] : index
// CHECK-NEXT: scf.if %[[IN]] {
// CHECK-NEXT: %[[V:.*]] = memref.subview %arg0[%{{.*}}, %[[NEXT]], 0] [1, 1, 64]
// CHECK-NEXT: %[[FIRST:.*]] = arith.muli %[[T]], %c16 : index
// CHECK-NEXT: scf.for %[[E:.*]] = %[[FIRST]] to %c64 step %c1024 {
// CHECK-NEXT: memref.prefetch %[[V]][%[[E]]], read, locality<3>, data
// CHECK: arith.cmpi eq, %[[T]], %c0
// CHECK-NEXT: scf.if
// CHECK-NEXT: memref.prefetch %arg1[%{{.*}}, %[[NEXT]]], read
// The second loop: the output view's next rows are prefetched (a hint, for
// the writes), not the input view whose offset comes from the step and a
// load of a buffer the step writes.
// CHECK: scf.for %{{.*}} = %c0 to %[[N]] step %c1 {
// CHECK-NOT: memref.subview %arg0
// CHECK: memref.subview %arg2
// CHECK: memref.prefetch
// CHECK-NOT: memref.prefetch
// CHECK: memref.subview %arg0
// CHECK-NOT: memref.prefetch
// CHECK: gpu.terminator
func.func @steps(%x: memref<?x?x64xf32>, %g: memref<?x?xf32>, %y: memref<?x?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x?x64xf32>
  %n = memref.dim %x, %c1 : memref<?x?x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %where = memref.alloc() : memref<1xindex>
    memref.store %c0, %where[%c0] : memref<1xindex>
    scf.for %s = %c0 to %n step %c1 {
      %xs = memref.subview %x[%r, %s, 0] [1, 1, 64] [1, 1, 1] : memref<?x?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
      %gs = memref.load %g[%r, %s] : memref<?x?xf32>
      %ys = memref.subview %y[%r, %s, 0] [1, 1, 64] [1, 1, 1] : memref<?x?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
      linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
          ins(%xs : memref<64xf32, strided<[1], offset: ?>>) outs(%ys : memref<64xf32, strided<[1], offset: ?>>) {
      ^bb0(%a: f32, %b: f32):
        %m = arith.mulf %a, %gs : f32
        linalg.yield %m : f32
      }
    }
    scf.for %s = %c0 to %n step %c1 {
      %at = memref.load %where[%c0] : memref<1xindex>
      %o = arith.addi %s, %at : index
      %xs = memref.subview %x[%r, %o, 0] [1, 1, 64] [1, 1, 1] : memref<?x?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
      %ys = memref.subview %y[%r, %s, 0] [1, 1, 64] [1, 1, 1] : memref<?x?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
      memref.copy %xs, %ys : memref<64xf32, strided<[1], offset: ?>> to memref<64xf32, strided<[1], offset: ?>>
      %next = arith.addi %at, %c1 : index
      memref.store %next, %where[%c0] : memref<1xindex>
    }
    memref.dealloc %where : memref<1xindex>
    scf.reduce
  } {plstm.row_buffers}
  return
}

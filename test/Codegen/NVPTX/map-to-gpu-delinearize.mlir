// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64 prefetch=false" | FileCheck %s
//
// plstm-map-to-gpu, block per row (codegen/GPURowBlocks.cpp,
// mapDelinearized): a thread loop's linear index is split over the op's
// parallel dims, the last fastest. A dim of one trip is at 0; the outermost
// dim with more than one trip takes what is left whole: a row's (1, T, 8)
// copy out divides by 8 only, never by T (a 64-bit division routine per
// element in PTX when T is known at run time only).
// CHECK-LABEL: func.func @copy_out
// CHECK: scf.for %[[LIN:.*]] = %{{.*}} to %{{.*}} step %c64
// CHECK-NOT: arith.remui
// CHECK-NOT: arith.divui
// CHECK: %[[COL:.*]] = arith.remui %[[LIN]], %c8
// CHECK-NEXT: %[[ROW:.*]] = arith.divui %[[LIN]], %c8
// CHECK-NOT: arith.remui
// CHECK-NOT: arith.divui
// CHECK: memref.load {{.*}}[%{{.*}}, %{{.*}}, %{{.*}}]
// CHECK: }
func.func @copy_out(%x: memref<?x?x8xf32>, %out: memref<?x?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x?x8xf32>
  %t = memref.dim %x, %c1 : memref<?x?x8xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %xs = memref.subview %x[%r, 0, 0] [1, %t, 8] [1, 1, 1] : memref<?x?x8xf32> to memref<1x?x8xf32, strided<[?, 8, 1], offset: ?>>
    %os = memref.subview %out[%r, 0, 0] [1, %t, 8] [1, 1, 1] : memref<?x?x8xf32> to memref<1x?x8xf32, strided<[?, 8, 1], offset: ?>>
    memref.copy %xs, %os : memref<1x?x8xf32, strided<[?, 8, 1], offset: ?>> to memref<1x?x8xf32, strided<[?, 8, 1], offset: ?>>
    scf.reduce
  } {plstm.row_buffers}
  return
}

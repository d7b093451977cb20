// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64" --canonicalize --split-input-file | FileCheck %s
// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64 register-tiles=false" --canonicalize --split-input-file | FileCheck %s --check-prefix=OFF
//
// plstm-map-to-gpu, block per row (codegen/GPURowBlocks.cpp, registerTile):
// a reduction whose outputs accumulate in registers, with many more
// parallel iterations than threads, gives each thread a tile of up to 4 x 4
// of them along two parallel dims p < q that one input reads along p and
// not q and another along q and not p (a matrix product's rows and
// columns). The tile's elements are p' + (trips / tp) * a and
// q' + (trips / tq) * c, so that consecutive threads keep consecutive
// columns; each input is loaded once for the elements that read the same
// place (tp + tq loads a step for tp x tq products). register-tiles=false:
// one output a thread.

#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>

// 64 x 64 outputs, 64 threads: 4 x 4, 256 tiles.
// CHECK-LABEL: func.func @matmul
// CHECK: scf.for %[[LIN:.*]] = %{{.*}} to %c256 step %c64
// CHECK-DAG: %[[J:.*]] = arith.remui %[[LIN]], %c16
// CHECK-DAG: %[[I:.*]] = arith.divui %[[LIN]], %c16
// CHECK-DAG: %[[I1:.*]] = arith.addi %[[I]], %c16
// CHECK-DAG: %[[I2:.*]] = arith.addi %[[I]], %c32
// CHECK-DAG: %[[I3:.*]] = arith.addi %[[I]], %c48
// CHECK-DAG: %[[J1:.*]] = arith.addi %[[J]], %c16
// CHECK-DAG: %[[J2:.*]] = arith.addi %[[J]], %c32
// CHECK-DAG: %[[J3:.*]] = arith.addi %[[J]], %c48
// CHECK: %[[C00:.*]] = memref.load %[[C:.*]][%[[I]], %[[J]]]
// CHECK: %[[C01:.*]] = memref.load %[[C]][%[[I]], %[[J1]]]
// CHECK: %[[SUMS:.*]]:16 = scf.for %[[K:.*]] = %c0 to %c32 step %c1 iter_args(%[[ACC00:.*]] = %[[C00]], %[[ACC01:.*]] = %[[C01]],
// CHECK-NEXT: %[[A0:.*]] = memref.load %[[A:.*]][%[[I]], %[[K]]]
// CHECK-NEXT: %[[B0:.*]] = memref.load %[[B:.*]][%[[K]], %[[J]]]
// CHECK-NEXT: %[[P00:.*]] = arith.mulf %[[A0]], %[[B0]]
// CHECK-NEXT: arith.addf %[[ACC00]], %[[P00]]
// CHECK-NEXT: %[[B1:.*]] = memref.load %[[B]][%[[K]], %[[J1]]]
// CHECK-NEXT: %[[P01:.*]] = arith.mulf %[[A0]], %[[B1]]
// CHECK-NEXT: arith.addf %[[ACC01]], %[[P01]]
// CHECK-NEXT: %[[B2:.*]] = memref.load %[[B]][%[[K]], %[[J2]]]
// CHECK: %[[B3:.*]] = memref.load %[[B]][%[[K]], %[[J3]]]
// CHECK: %[[A1:.*]] = memref.load %[[A]][%[[I1]], %[[K]]]
// CHECK-NEXT: arith.mulf %[[A1]], %[[B0]]
// CHECK-NOT: memref.load %[[B]]
// CHECK: %[[A2:.*]] = memref.load %[[A]][%[[I2]], %[[K]]]
// CHECK-NOT: memref.load %[[B]]
// CHECK: %[[A3:.*]] = memref.load %[[A]][%[[I3]], %[[K]]]
// CHECK-NOT: memref.load
// CHECK: scf.yield
// CHECK: memref.store %[[SUMS]]#0, %[[C]][%[[I]], %[[J]]]
// CHECK: memref.store %[[SUMS]]#1, %[[C]][%[[I]], %[[J1]]]
// CHECK: memref.store %[[SUMS]]#15, %[[C]][%[[I3]], %[[J3]]]
// OFF-LABEL: func.func @matmul
// OFF: scf.for %[[LIN:.*]] = %{{.*}} to %c4096 step %c64
// OFF: scf.for %{{.*}} = %c0 to %c32 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (f32)
func.func @matmul(%A: memref<?x64x32xf32>, %B: memref<?x32x64xf32>, %C: memref<?x64x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %C, %c0 : memref<?x64x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %ar = memref.subview %A[%r, 0, 0] [1, 64, 32] [1, 1, 1] : memref<?x64x32xf32> to memref<64x32xf32, strided<[32, 1], offset: ?>>
    %br = memref.subview %B[%r, 0, 0] [1, 32, 64] [1, 1, 1] : memref<?x32x64xf32> to memref<32x64xf32, strided<[64, 1], offset: ?>>
    %cr = memref.subview %C[%r, 0, 0] [1, 64, 64] [1, 1, 1] : memref<?x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
    linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%ar, %br : memref<64x32xf32, strided<[32, 1], offset: ?>>, memref<32x64xf32, strided<[64, 1], offset: ?>>)
        outs(%cr : memref<64x64xf32, strided<[64, 1], offset: ?>>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %t = arith.mulf %x, %y : f32
      %u = arith.addf %acc, %t : f32
      linalg.yield %u : f32
    }
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// 16 x 16 outputs, 64 threads: 4 iterations a thread, the squarest tile
// (2 x 2, not 4 x 1).
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
// CHECK-LABEL: func.func @square
// CHECK: scf.for %[[LIN:.*]] = %{{.*}} to %c64 step %c64
// CHECK-DAG: %[[J:.*]] = arith.remui %[[LIN]], %c8
// CHECK-DAG: %[[I:.*]] = arith.divui %[[LIN]], %c8
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32)
// OFF-LABEL: func.func @square
// OFF: scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (f32)
func.func @square(%A: memref<?x16x8xf32>, %B: memref<?x8x16xf32>, %C: memref<?x16x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %C, %c0 : memref<?x16x16xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %ar = memref.subview %A[%r, 0, 0] [1, 16, 8] [1, 1, 1] : memref<?x16x8xf32> to memref<16x8xf32, strided<[8, 1], offset: ?>>
    %br = memref.subview %B[%r, 0, 0] [1, 8, 16] [1, 1, 1] : memref<?x8x16xf32> to memref<8x16xf32, strided<[16, 1], offset: ?>>
    %cr = memref.subview %C[%r, 0, 0] [1, 16, 16] [1, 1, 1] : memref<?x16x16xf32> to memref<16x16xf32, strided<[16, 1], offset: ?>>
    linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%ar, %br : memref<16x8xf32, strided<[8, 1], offset: ?>>, memref<8x16xf32, strided<[16, 1], offset: ?>>)
        outs(%cr : memref<16x16xf32, strided<[16, 1], offset: ?>>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %t = arith.mulf %x, %y : f32
      %u = arith.addf %acc, %t : f32
      linalg.yield %u : f32
    }
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// 64 x 9 outputs: 9 is odd, so the tile is 4 x 1 (rows 16 apart), each
// column load shared by the 4.
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
// CHECK-LABEL: func.func @odd
// CHECK: scf.for %[[LIN:.*]] = %{{.*}} to %c144 step %c64
// CHECK-DAG: %[[J:.*]] = arith.remui %[[LIN]], %c9
// CHECK-DAG: %[[I:.*]] = arith.divui %[[LIN]], %c9
// CHECK: scf.for %[[K:.*]] = %c0 to %c8 step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32)
// CHECK-COUNT-1: memref.load %{{.*}}[%[[K]], %[[J]]]
// CHECK-NOT: memref.load %{{.*}}[%[[K]], %[[J]]]
// CHECK: scf.yield
func.func @odd(%A: memref<?x64x8xf32>, %B: memref<?x8x9xf32>, %C: memref<?x64x9xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %C, %c0 : memref<?x64x9xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %ar = memref.subview %A[%r, 0, 0] [1, 64, 8] [1, 1, 1] : memref<?x64x8xf32> to memref<64x8xf32, strided<[8, 1], offset: ?>>
    %br = memref.subview %B[%r, 0, 0] [1, 8, 9] [1, 1, 1] : memref<?x8x9xf32> to memref<8x9xf32, strided<[9, 1], offset: ?>>
    %cr = memref.subview %C[%r, 0, 0] [1, 64, 9] [1, 1, 1] : memref<?x64x9xf32> to memref<64x9xf32, strided<[9, 1], offset: ?>>
    linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%ar, %br : memref<64x8xf32, strided<[8, 1], offset: ?>>, memref<8x9xf32, strided<[9, 1], offset: ?>>)
        outs(%cr : memref<64x9xf32, strided<[9, 1], offset: ?>>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %t = arith.mulf %x, %y : f32
      %u = arith.addf %acc, %t : f32
      linalg.yield %u : f32
    }
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// No input reads along one of the output's dims and not the other (a
// weighted sum of a 3D input): one output a thread.
#x = affine_map<(i, j, k) -> (i, j, k)>
#y = affine_map<(i, j, k) -> (k)>
#c = affine_map<(i, j, k) -> (i, j)>
// CHECK-LABEL: func.func @no_reuse
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (f32)
func.func @no_reuse(%X: memref<?x64x64x8xf32>, %Y: memref<?x8xf32>, %C: memref<?x64x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %C, %c0 : memref<?x64x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %xr = memref.subview %X[%r, 0, 0, 0] [1, 64, 64, 8] [1, 1, 1, 1] : memref<?x64x64x8xf32> to memref<64x64x8xf32, strided<[512, 8, 1], offset: ?>>
    %yr = memref.subview %Y[%r, 0] [1, 8] [1, 1] : memref<?x8xf32> to memref<8xf32, strided<[1], offset: ?>>
    %cr = memref.subview %C[%r, 0, 0] [1, 64, 64] [1, 1, 1] : memref<?x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
    linalg.generic {indexing_maps = [#x, #y, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%xr, %yr : memref<64x64x8xf32, strided<[512, 8, 1], offset: ?>>, memref<8xf32, strided<[1], offset: ?>>)
        outs(%cr : memref<64x64xf32, strided<[64, 1], offset: ?>>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %t = arith.mulf %x, %y : f32
      %u = arith.addf %acc, %t : f32
      linalg.yield %u : f32
    }
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// 16 x 8 outputs, 64 threads: 2 a thread, fewer than a tile's 4: one output
// a thread.
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
// CHECK-LABEL: func.func @two_a_thread
// CHECK: scf.for %{{.*}} = %{{.*}} to %c128 step %c64
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (f32)
func.func @two_a_thread(%A: memref<?x16x8xf32>, %B: memref<?x8x8xf32>, %C: memref<?x16x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %C, %c0 : memref<?x16x8xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %ar = memref.subview %A[%r, 0, 0] [1, 16, 8] [1, 1, 1] : memref<?x16x8xf32> to memref<16x8xf32, strided<[8, 1], offset: ?>>
    %br = memref.subview %B[%r, 0, 0] [1, 8, 8] [1, 1, 1] : memref<?x8x8xf32> to memref<8x8xf32, strided<[8, 1], offset: ?>>
    %cr = memref.subview %C[%r, 0, 0] [1, 16, 8] [1, 1, 1] : memref<?x16x8xf32> to memref<16x8xf32, strided<[8, 1], offset: ?>>
    linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%ar, %br : memref<16x8xf32, strided<[8, 1], offset: ?>>, memref<8x8xf32, strided<[8, 1], offset: ?>>)
        outs(%cr : memref<16x8xf32, strided<[8, 1], offset: ?>>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %t = arith.mulf %x, %y : f32
      %u = arith.addf %acc, %t : f32
      linalg.yield %u : f32
    }
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// Two outputs carried: 16 accumulators a thread at most, so 8 elements a
// tile (4 x 2), not 16.
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
// CHECK-LABEL: func.func @two_outputs
// CHECK: scf.for %[[LIN:.*]] = %{{.*}} to %c512 step %c64
// CHECK-DAG: %[[J:.*]] = arith.remui %[[LIN]], %c32
// CHECK-DAG: %[[I:.*]] = arith.divui %[[LIN]], %c32
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
func.func @two_outputs(%A: memref<?x64x32xf32>, %B: memref<?x32x64xf32>, %C: memref<?x64x64xf32>, %D: memref<?x64x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %C, %c0 : memref<?x64x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %ar = memref.subview %A[%r, 0, 0] [1, 64, 32] [1, 1, 1] : memref<?x64x32xf32> to memref<64x32xf32, strided<[32, 1], offset: ?>>
    %br = memref.subview %B[%r, 0, 0] [1, 32, 64] [1, 1, 1] : memref<?x32x64xf32> to memref<32x64xf32, strided<[64, 1], offset: ?>>
    %cr = memref.subview %C[%r, 0, 0] [1, 64, 64] [1, 1, 1] : memref<?x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
    %dr = memref.subview %D[%r, 0, 0] [1, 64, 64] [1, 1, 1] : memref<?x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
    linalg.generic {indexing_maps = [#a, #b, #c, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%ar, %br : memref<64x32xf32, strided<[32, 1], offset: ?>>, memref<32x64xf32, strided<[64, 1], offset: ?>>)
        outs(%cr, %dr : memref<64x64xf32, strided<[64, 1], offset: ?>>, memref<64x64xf32, strided<[64, 1], offset: ?>>) {
    ^bb0(%x: f32, %y: f32, %acc: f32, %acc2: f32):
      %t = arith.mulf %x, %y : f32
      %u = arith.addf %acc, %t : f32
      %v = arith.addf %acc2, %x : f32
      linalg.yield %u, %v : f32, f32
    }
    scf.reduce
  } {plstm.row_buffers}
  return
}

// RUN: plstm-opt %s --plstm-gpu-chunk-grid --split-input-file | FileCheck %s
// RUN: plstm-opt %s --plstm-gpu-chunk-grid=op-grid=false --split-input-file | FileCheck %s --check-prefix=OFF
//
// plstm-gpu-chunk-grid's op grid (codegen/GPUChunkGrid.cpp, opGridSlicing):
// in a row with no loops at its level (the 2D log-depth schedules), a
// linalg op with a reduction loop and at least 8192 parallel iterations
// becomes a marked chunk loop over slices of a parallel dim (each at least
// 4096 iterations; the dim with the most slices), which the cut makes a
// launch with a block per (row, slice); a fill of its output just before it
// fills the same slice in that launch; the row's other ops run with a
// block per row.

// CHECK-LABEL: func.func @ops
// CHECK-SAME: (%[[X:.*]]: memref<?x64x2x256xf32>, %[[Y:.*]]: memref<?x64xf32>)
// CHECK: %[[ROWS:.*]] = memref.dim %[[X]], %c0
// The buffer the launches share: 64 KiB a row, on the host.
// CHECK: %[[BUF:.*]], %{{.*}} = gpu.alloc async [%{{.*}}] (%{{.*}}) {plstm.gpu_scratch} : memref<?xi8>
// CHECK: %[[C4:[a-z0-9_]+]] = arith.constant 4 : index
// CHECK: scf.parallel (%[[R:[a-z0-9_]+]], %[[SL:[a-z0-9_]+]]) = (%{{.*}}, %{{.*}}) to (%[[ROWS]], %[[C4]])
// CHECK: %[[XS:.*]] = memref.subview %[[X]][%[[R]], 0, 0, 0] [1, 64, 2, 256]
// CHECK: %[[A:.*]] = memref.view %[[BUF]]
// CHECK: %[[START:.*]] = arith.muli %[[SL]], %c16 : index
// CHECK: %[[XSLICE:.*]] = memref.subview %[[XS]][%[[START]], 0, 0] [16, 2, 256] [1, 1, 1]
// CHECK: %[[ASLICE:.*]] = memref.subview %[[A]][%[[START]], 0] [16, 256] [1, 1]
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[ASLICE]] : memref<16x256xf32, {{.*}}>)
// CHECK: linalg.generic {{.*}} ins(%[[XSLICE]] : memref<16x2x256xf32, {{.*}}>) outs(%[[ASLICE]] : memref<16x256xf32, {{.*}}>)
// CHECK: } {plstm.row_buffers}
// The elementwise op (no reduction) and the small reduction (64 parallel
// iterations): a block per row.
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[ROWS]])
// CHECK-NOT: linalg.fill
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: } {mapping = [#gpu.block<x>], plstm.row_buffers}
// CHECK: gpu.dealloc async [%{{.*}}] %[[BUF]]
// OFF-LABEL: func.func @ops
// OFF-NOT: gpu.alloc
// OFF: scf.parallel (%{{.*}}) =
// OFF-NOT: scf.parallel
// OFF: return
#id = affine_map<(i, j) -> (i, j)>
#red = affine_map<(i, j) -> (i)>
#in3 = affine_map<(i, j, k) -> (i, k, j)>
#out3 = affine_map<(i, j, k) -> (i, j)>
func.func @ops(%x: memref<?x64x2x256xf32>, %y: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64x2x256xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<64x256xf32>
    %xs = memref.subview %x[%r, 0, 0, 0] [1, 64, 2, 256] [1, 1, 1, 1] : memref<?x64x2x256xf32> to memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%a : memref<64x256xf32>)
    linalg.generic {indexing_maps = [#in3, #out3], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%xs : memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>) outs(%a : memref<64x256xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%a : memref<64x256xf32>) {
    ^bb0(%out: f32):
      %m = arith.mulf %out, %two : f32
      linalg.yield %m : f32
    }
    %ys = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]}
        ins(%a : memref<64x256xf32>) outs(%ys : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    memref.dealloc %a : memref<64x256xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// A loop at the row's level (the sequential schedules): no op grid.
// CHECK-LABEL: func.func @row_loop
// CHECK-NOT: gpu.alloc
// CHECK: scf.parallel (%{{.*}}) =
// CHECK-NOT: scf.parallel
// CHECK: return
#id = affine_map<(i, j) -> (i, j)>
#red = affine_map<(i, j) -> (i)>
#in3 = affine_map<(i, j, k) -> (i, k, j)>
#out3 = affine_map<(i, j, k) -> (i, j)>
func.func @row_loop(%x: memref<?x64x2x256xf32>, %y: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64x2x256xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<64x256xf32>
    %xs = memref.subview %x[%r, 0, 0, 0] [1, 64, 2, 256] [1, 1, 1, 1] : memref<?x64x2x256xf32> to memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%a : memref<64x256xf32>)
    linalg.generic {indexing_maps = [#in3, #out3], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%xs : memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>) outs(%a : memref<64x256xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%a : memref<64x256xf32>) {
    ^bb0(%out: f32):
      %m = arith.mulf %out, %two : f32
      linalg.yield %m : f32
    }
    %ys = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]}
        ins(%a : memref<64x256xf32>) outs(%ys : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    scf.for %i = %c0 to %c1 step %c1 {
      memref.store %two, %a[%c0, %i] : memref<64x256xf32>
    }
    memref.dealloc %a : memref<64x256xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// linalg.index (its value would change with the slice): no op grid.
// CHECK-LABEL: func.func @uses_index
// CHECK-NOT: gpu.alloc
// CHECK: scf.parallel (%{{.*}}) =
// CHECK-NOT: scf.parallel
// CHECK: return
#id = affine_map<(i, j) -> (i, j)>
#red = affine_map<(i, j) -> (i)>
#in3 = affine_map<(i, j, k) -> (i, k, j)>
#out3 = affine_map<(i, j, k) -> (i, j)>
func.func @uses_index(%x: memref<?x64x2x256xf32>, %y: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64x2x256xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<64x256xf32>
    %xs = memref.subview %x[%r, 0, 0, 0] [1, 64, 2, 256] [1, 1, 1, 1] : memref<?x64x2x256xf32> to memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%a : memref<64x256xf32>)
    linalg.generic {indexing_maps = [#in3, #out3], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%xs : memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>) outs(%a : memref<64x256xf32>) {
    ^bb0(%in: f32, %out: f32):
      %i = linalg.index 0 : index
      %ii = arith.index_cast %i : index to i32
      %fi = arith.sitofp %ii : i32 to f32
      %t = arith.mulf %in, %fi : f32
      %s = arith.addf %t, %out : f32
      linalg.yield %s : f32
    }
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%a : memref<64x256xf32>) {
    ^bb0(%out: f32):
      %m = arith.mulf %out, %two : f32
      linalg.yield %m : f32
    }
    %ys = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]}
        ins(%a : memref<64x256xf32>) outs(%ys : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    memref.dealloc %a : memref<64x256xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// An input that views the output's buffer another way (here transposed):
// slice s would read what other slices write. No op grid.
// CHECK-LABEL: func.func @aliasing
// CHECK-NOT: gpu.alloc
// CHECK: scf.parallel (%{{.*}}) =
// CHECK-NOT: scf.parallel
// CHECK: return
#id3 = affine_map<(i, j, k) -> (i, j)>
#k = affine_map<(i, j, k) -> (k)>
func.func @aliasing(%x: memref<?x128x128xf32>, %y: memref<?x128x128xf32>, %w: memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x128x128xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<128x128xf32>
    %xs = memref.subview %x[%r, 0, 0] [1, 128, 128] [1, 1, 1] : memref<?x128x128xf32> to memref<128x128xf32, strided<[128, 1], offset: ?>>
    memref.copy %xs, %a : memref<128x128xf32, strided<[128, 1], offset: ?>> to memref<128x128xf32>
    %at = memref.transpose %a (i, j) -> (j, i) : memref<128x128xf32> to memref<128x128xf32, strided<[1, 128]>>
    linalg.generic {indexing_maps = [#id3, #k, #id3], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%at, %w : memref<128x128xf32, strided<[1, 128]>>, memref<2xf32>) outs(%a : memref<128x128xf32>) {
    ^bb0(%in: f32, %wk: f32, %out: f32):
      %p = arith.mulf %in, %wk : f32
      %s = arith.addf %p, %out : f32
      linalg.yield %s : f32
    }
    %ys = memref.subview %y[%r, 0, 0] [1, 128, 128] [1, 1, 1] : memref<?x128x128xf32> to memref<128x128xf32, strided<[128, 1], offset: ?>>
    memref.copy %a, %ys : memref<128x128xf32> to memref<128x128xf32, strided<[128, 1], offset: ?>>
    memref.dealloc %a : memref<128x128xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// A memory access in the body (it may touch what another slice writes): no op grid.
// CHECK-LABEL: func.func @body_load
// CHECK-NOT: gpu.alloc
// CHECK: scf.parallel (%{{.*}}) =
// CHECK-NOT: scf.parallel
// CHECK: return
#id = affine_map<(i, j) -> (i, j)>
#red = affine_map<(i, j) -> (i)>
#in3 = affine_map<(i, j, k) -> (i, k, j)>
#out3 = affine_map<(i, j, k) -> (i, j)>
func.func @body_load(%x: memref<?x64x2x256xf32>, %y: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64x2x256xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<64x256xf32>
    %xs = memref.subview %x[%r, 0, 0, 0] [1, 64, 2, 256] [1, 1, 1, 1] : memref<?x64x2x256xf32> to memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%a : memref<64x256xf32>)
    linalg.generic {indexing_maps = [#in3, #out3], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%xs : memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>) outs(%a : memref<64x256xf32>) {
    ^bb0(%in: f32, %out: f32):
      %l = memref.load %a[%c0, %c0] : memref<64x256xf32>
      %t = arith.addf %in, %l : f32
      %s = arith.addf %t, %out : f32
      linalg.yield %s : f32
    }
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%a : memref<64x256xf32>) {
    ^bb0(%out: f32):
      %m = arith.mulf %out, %two : f32
      linalg.yield %m : f32
    }
    %ys = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]}
        ins(%a : memref<64x256xf32>) outs(%ys : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    memref.dealloc %a : memref<64x256xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// An operand with a dynamic dim (the slice sizes come from the shapes): no
// op grid.
// CHECK-LABEL: func.func @dynamic_operand
// CHECK-NOT: gpu.alloc
// CHECK: scf.parallel (%{{.*}}) =
// CHECK-NOT: scf.parallel
// CHECK: return
#id = affine_map<(i, j) -> (i, j)>
#red = affine_map<(i, j) -> (i)>
#in3 = affine_map<(i, j, k) -> (i, k, j)>
#out3 = affine_map<(i, j, k) -> (i, j)>
func.func @dynamic_operand(%x: memref<?x64x2x256xf32>, %y: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64x2x256xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<64x256xf32>
    %xs = memref.subview %x[%r, 0, 0, 0] [1, 64, 2, 256] [1, 1, 1, 1] : memref<?x64x2x256xf32> to memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>
    %ad = memref.cast %a : memref<64x256xf32> to memref<64x?xf32>
    linalg.generic {indexing_maps = [#in3, #out3], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%xs : memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>) outs(%ad : memref<64x?xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%a : memref<64x256xf32>) {
    ^bb0(%out: f32):
      %m = arith.mulf %out, %two : f32
      linalg.yield %m : f32
    }
    %ys = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]}
        ins(%a : memref<64x256xf32>) outs(%ys : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    memref.dealloc %a : memref<64x256xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// An input whose buffer is not known (arith.select of two): no op grid.
// CHECK-LABEL: func.func @select_alias
// CHECK-NOT: gpu.alloc
// CHECK: scf.parallel (%{{.*}}) =
// CHECK-NOT: scf.parallel
// CHECK: return
#id = affine_map<(i, j) -> (i, j)>
#red = affine_map<(i, j) -> (i)>
#in3 = affine_map<(i, j, k) -> (i, k, j)>
#out3 = affine_map<(i, j, k) -> (i, j)>
func.func @select_alias(%x: memref<?x64x2x256xf32>, %y: memref<?x64xf32>, %w: memref<64x2x256xf32>, %flag: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64x2x256xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<64x256xf32>
    %xs = memref.subview %x[%r, 0, 0, 0] [1, 64, 2, 256] [1, 1, 1, 1] : memref<?x64x2x256xf32> to memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%a : memref<64x256xf32>)
    %b = memref.alloc() : memref<64x2x256xf32>
    %pick = arith.select %flag, %b, %w : memref<64x2x256xf32>
    linalg.generic {indexing_maps = [#in3, #out3], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%pick : memref<64x2x256xf32>) outs(%a : memref<64x256xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%a : memref<64x256xf32>) {
    ^bb0(%out: f32):
      %m = arith.mulf %out, %two : f32
      linalg.yield %m : f32
    }
    %ys = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]}
        ins(%a : memref<64x256xf32>) outs(%ys : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    memref.dealloc %a : memref<64x256xf32>
    memref.dealloc %b : memref<64x2x256xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// An output indexed by the sliced dim at another position (stored
// transposed): each operand's slice is taken where its map has the dim.
// CHECK-LABEL: func.func @transposed_output
// CHECK: scf.parallel (%[[R:[a-z0-9_]+]], %[[SL:[a-z0-9_]+]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %c4{{[_0-9]*}})
// CHECK: %[[START:.*]] = arith.muli %[[SL]], %c16 : index
// CHECK: memref.subview %{{.*}}[%[[START]], 0, 0] [16, 2, 256] [1, 1, 1]
// CHECK: memref.subview %{{.*}}[0, %[[START]]] [256, 16] [1, 1]
// CHECK: linalg.generic
// CHECK: } {plstm.row_buffers}
#in3 = affine_map<(i, j, k) -> (i, k, j)>
#outT = affine_map<(i, j, k) -> (j, i)>
#idT = affine_map<(i, j) -> (i, j)>
func.func @transposed_output(%x: memref<?x64x2x256xf32>, %y: memref<?x256x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x64x2x256xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<256x64xf32>
    %xs = memref.subview %x[%r, 0, 0, 0] [1, 64, 2, 256] [1, 1, 1, 1] : memref<?x64x2x256xf32> to memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>
    linalg.generic {indexing_maps = [#in3, #outT], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%xs : memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>) outs(%a : memref<256x64xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    %ys = memref.subview %y[%r, 0, 0] [1, 256, 64] [1, 1, 1] : memref<?x256x64xf32> to memref<256x64xf32, strided<[64, 1], offset: ?>>
    memref.copy %a, %ys : memref<256x64xf32> to memref<256x64xf32, strided<[64, 1], offset: ?>>
    memref.dealloc %a : memref<256x64xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// The sliced row's cut refused (a loaded value flows from the part before
// the big op to the part after it): the row stays as it was, unsliced.
// CHECK-LABEL: func.func @refused_cut
// CHECK-NOT: gpu.alloc
// CHECK: scf.parallel (%{{.*}}) =
// CHECK-NOT: plstm.gpu_chunks
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : memref<64x2x256xf32, {{.*}}>) outs(%{{.*}} : memref<64x256xf32>)
// CHECK-NOT: scf.parallel
// CHECK: return
#id = affine_map<(i, j) -> (i, j)>
#red = affine_map<(i, j) -> (i)>
#in3 = affine_map<(i, j, k) -> (i, k, j)>
#out3 = affine_map<(i, j, k) -> (i, j)>
func.func @refused_cut(%x: memref<?x64x2x256xf32>, %y: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64x2x256xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<64x256xf32>
    %v = memref.load %x[%r, %c0, %c0, %c0] : memref<?x64x2x256xf32>
    %xs = memref.subview %x[%r, 0, 0, 0] [1, 64, 2, 256] [1, 1, 1, 1] : memref<?x64x2x256xf32> to memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>
    linalg.generic {indexing_maps = [#in3, #out3], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%xs : memref<64x2x256xf32, strided<[512, 256, 1], offset: ?>>) outs(%a : memref<64x256xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    %ys = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.fill ins(%v : f32) outs(%ys : memref<64xf32, strided<[1], offset: ?>>)
    linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]}
        ins(%a : memref<64x256xf32>) outs(%ys : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    memref.dealloc %a : memref<64x256xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

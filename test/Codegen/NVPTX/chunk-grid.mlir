// RUN: plstm-opt %s --plstm-gpu-chunk-grid --split-input-file | FileCheck %s
// RUN: plstm-opt %s --plstm-gpu-chunk-grid=emulate=true --split-input-file | FileCheck %s --check-prefix=EMU
//
// plstm-gpu-chunk-grid (codegen/GPUChunkGrid.cpp): a rows loop prepared by
// plstm-gpu-row-buffers whose row-level chunk loops are marked
// (plstm.gpu_chunks, from plstm-gpu-foralls) is cut into launches: each
// marked loop a loop over (row, chunk), the code between them a loop over
// the rows. A buffer used by several of them is allocated by the host for
// all rows (64-byte aligned rows) and viewed per row; a buffer used by one
// is allocated there, per iteration.

// CHECK-LABEL: func.func @chunks
// CHECK-SAME: (%[[X:.*]]: memref<?x?x4xf32>, %[[Y:.*]]: memref<?x?x4xf32>)
// CHECK-DAG: %[[ROWS:.*]] = memref.dim %[[X]], %c0
// The chunk buffer, [chunks, 4] per row: ceil(T / 8) * 16 bytes, rounded up.
// CHECK-DAG: %[[T:.*]] = memref.dim %[[X]], %c1
// CHECK: %[[NC:.*]] = arith.ceildivui %[[T]], %c8
// CHECK: %[[B0:.*]] = arith.muli %c16, %[[NC]]
// CHECK: %[[B1:.*]] = arith.ceildivui %[[B0]], %c64
// CHECK: %[[BYTES:.*]] = arith.muli %[[B1]], %c64
// CHECK: %[[TOTAL:.*]] = arith.muli %[[BYTES]], %[[ROWS]]
// CHECK: %[[W:.*]] = gpu.wait async
// CHECK: %[[BUF:.*]], %[[A:.*]] = gpu.alloc async [%[[W]]] (%[[TOTAL]]) {plstm.gpu_scratch} : memref<?xi8>
// CHECK: gpu.wait [%[[A]]]
// The marked loop: a block per (row, chunk); its scratch is the block's.
// CHECK: scf.parallel (%[[R:.*]], %[[C:.*]]) = (%{{.*}}, %{{.*}}) to (%[[ROWS]], %[[NC]]) step
// CHECK: %[[S:.*]] = memref.alloc() : memref<4xf32>
// CHECK: %[[OFF:.*]] = arith.muli %[[R]], %[[BYTES]]
// CHECK: %[[V:.*]] = memref.view %[[BUF]][%[[OFF]]][%{{.*}}] : memref<?xi8> to memref<?x4xf32>
// CHECK: memref.subview %[[V]][%[[C]], 0] [1, 4] [1, 1]
// CHECK: memref.dealloc %[[S]]
// CHECK: } {plstm.row_buffers}
// The recurrence over the chunks: a block per row.
// CHECK: scf.parallel (%[[R2:.*]]) = (%{{.*}}) to (%[[ROWS]]) step
// CHECK: memref.view %[[BUF]]
// CHECK: scf.for
// CHECK-NOT: plstm.gpu_chunks
// CHECK: } {mapping = [#gpu.block<x>], plstm.row_buffers}
// CHECK-NOT: scf.parallel
// CHECK: gpu.dealloc async [%{{.*}}] %[[BUF]] {plstm.gpu_scratch}
// EMU-LABEL: func.func @chunks
// EMU: %[[BUF:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64, plstm.gpu_scratch} : memref<?xi8>
// EMU: memref.dealloc %[[BUF]] {plstm.gpu_scratch}
func.func @chunks(%x: memref<?x?x4xf32>, %y: memref<?x?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 0.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x?x4xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %t = memref.dim %x, %c1 : memref<?x?x4xf32>
    %nc = arith.ceildivui %t, %c8 : index
    %scratch = memref.alloc() : memref<4xf32>
    %chunks = memref.alloc(%nc) : memref<?x4xf32>
    scf.for %c = %c0 to %nc step %c1 {
      %in = memref.subview %x[%r, %c, 0] [1, 1, 4] [1, 1, 1] : memref<?x?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      memref.copy %in, %scratch : memref<4xf32, strided<[1], offset: ?>> to memref<4xf32>
      %out = memref.subview %chunks[%c, 0] [1, 4] [1, 1] : memref<?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      memref.copy %scratch, %out : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
    } {plstm.gpu_chunks}
    scf.for %c = %c0 to %nc step %c1 {
      %from = memref.subview %chunks[%c, 0] [1, 4] [1, 1] : memref<?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      %to = memref.subview %y[%r, %c, 0] [1, 1, 4] [1, 1, 1] : memref<?x?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      memref.copy %from, %to : memref<4xf32, strided<[1], offset: ?>> to memref<4xf32, strided<[1], offset: ?>>
    }
    memref.dealloc %scratch : memref<4xf32>
    memref.dealloc %chunks : memref<?x4xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// A marked loop that writes a buffer of the row other than through a view
// indexed by its chunk (here: every chunk writes all of it) would race with
// the row's other blocks: the rows loop stays one launch.
// CHECK-LABEL: func.func @racy
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%{{.*}}) step (%c1) {
// CHECK: scf.for {{.*}} {
// CHECK: } {plstm.gpu_chunks}
// CHECK-NOT: gpu.alloc
func.func @racy(%x: memref<?x?x4xf32>, %y: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x?x4xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %t = memref.dim %x, %c1 : memref<?x?x4xf32>
    %acc = memref.alloc() : memref<4xf32>
    scf.for %c = %c0 to %t step %c1 {
      %in = memref.subview %x[%r, %c, 0] [1, 1, 4] [1, 1, 1] : memref<?x?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      memref.copy %in, %acc : memref<4xf32, strided<[1], offset: ?>> to memref<4xf32>
    } {plstm.gpu_chunks}
    %to = memref.subview %y[%r, 0] [1, 4] [1, 1] : memref<?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.copy %acc, %to : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.dealloc %acc : memref<4xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// A shared buffer whose size depends on the row cannot be allocated for all
// rows up front: one launch.
// CHECK-LABEL: func.func @row_sized
// CHECK-NOT: gpu.alloc
// CHECK: } {plstm.gpu_chunks}
func.func @row_sized(%x: memref<?x?x4xf32>, %n: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x?x4xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %t = memref.dim %x, %c1 : memref<?x?x4xf32>
    %len = arith.addi %r, %c1 : index
    %chunks = memref.alloc(%len) : memref<?x4xf32>
    scf.for %c = %c0 to %t step %c1 {
      %in = memref.subview %x[%r, %c, 0] [1, 1, 4] [1, 1, 1] : memref<?x?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      %out = memref.subview %chunks[%c, 0] [1, 4] [1, 1] : memref<?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      memref.copy %in, %out : memref<4xf32, strided<[1], offset: ?>> to memref<4xf32, strided<[1], offset: ?>>
    } {plstm.gpu_chunks}
    %first = memref.subview %chunks[0, 0] [1, 4] [1, 1] : memref<?x4xf32> to memref<4xf32, strided<[1]>>
    %to = memref.subview %x[%r, 0, 0] [1, 1, 4] [1, 1, 1] : memref<?x?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.copy %first, %to : memref<4xf32, strided<[1]>> to memref<4xf32, strided<[1], offset: ?>>
    memref.dealloc %chunks : memref<?x4xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// A wavefront loop (constant bounds; pure ops and one marked loop whose
// bounds come from the wavefront): the host loops over the wavefronts, a
// loop over (row, tile of the wavefront) each, the tile = lb(w) + t.
// CHECK-LABEL: func.func @wavefronts
// CHECK: %[[ROWS:.*]] = memref.dim %arg0, %c0
// CHECK: scf.for %[[W:.*]] = %c0 to %c7 step %c1 {
// CHECK: %[[LB:.*]] = arith.maxsi %{{.*}}, %c0 : index
// CHECK: %[[UB:.*]] = arith.addi %{{.*}}, %c1 : index
// CHECK: %[[D:.*]] = arith.subi %[[UB]], %[[LB]] : index
// CHECK: %[[N:.*]] = arith.maxsi %[[D]], %{{.*}} : index
// CHECK: scf.parallel (%[[R:.*]], %[[T:.*]]) = (%{{.*}}, %{{.*}}) to (%[[ROWS]], %[[N]])
// CHECK: %[[LB2:.*]] = arith.maxsi
// CHECK: %[[TILE:.*]] = arith.addi %[[LB2]], %[[T]] : index
// CHECK: memref.subview %arg0[%[[R]], %[[TILE]], 0] [1, 1, 4]
// CHECK: } {plstm.row_buffers}
// CHECK-NEXT: }
// CHECK-NEXT: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[ROWS]])
func.func @wavefronts(%x: memref<?x4x4xf32>, %y: memref<?x4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c7 = arith.constant 7 : index
  %rows = memref.dim %x, %c0 : memref<?x4x4xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %tiles = memref.alloc() : memref<4x4xf32>
    scf.for %w = %c0 to %c7 step %c1 {
      %s = arith.subi %w, %c3 : index
      %lb = arith.maxsi %s, %c0 : index
      %m = arith.minsi %w, %c3 : index
      %ub = arith.addi %m, %c1 : index
      scf.for %t = %lb to %ub step %c1 {
        %in = memref.subview %x[%r, %t, 0] [1, 1, 4] [1, 1, 1] : memref<?x4x4xf32> to memref<4xf32, strided<[1], offset: ?>>
        %out = memref.subview %tiles[%t, 0] [1, 4] [1, 1] : memref<4x4xf32> to memref<4xf32, strided<[1], offset: ?>>
        memref.copy %in, %out : memref<4xf32, strided<[1], offset: ?>> to memref<4xf32, strided<[1], offset: ?>>
      } {plstm.gpu_chunks}
    }
    %to = memref.subview %y[%r, 0, 0] [1, 4, 4] [1, 1, 1] : memref<?x4x4xf32> to memref<4x4xf32, strided<[4, 1], offset: ?>>
    memref.copy %tiles, %to : memref<4x4xf32> to memref<4x4xf32, strided<[4, 1], offset: ?>>
    memref.dealloc %tiles : memref<4x4xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// A buffer that one row-level linalg.fill writes and the groups only read
// (a zero state): each group allocates and fills its own; no host buffer,
// no launch for the fill.
// CHECK-LABEL: func.func @refill
// CHECK-NOT: gpu.alloc
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) =
// CHECK: %[[Z:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%[[Z]] : memref<4xf32>)
// CHECK: memref.copy %[[Z]], %{{.*}}
// CHECK: memref.dealloc %[[Z]]
// CHECK: scf.parallel (%{{.*}}) =
// CHECK: %[[Z2:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%[[Z2]] : memref<4xf32>)
// CHECK: memref.copy %[[Z2]], %{{.*}}
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @refill(%x: memref<?x?x4xf32>, %y: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cst = arith.constant 0.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x?x4xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %t = memref.dim %x, %c1 : memref<?x?x4xf32>
    %zero = memref.alloc() : memref<4xf32>
    linalg.fill ins(%cst : f32) outs(%zero : memref<4xf32>)
    scf.for %c = %c0 to %t step %c1 {
      %out = memref.subview %x[%r, %c, 0] [1, 1, 4] [1, 1, 1] : memref<?x?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      memref.copy %zero, %out : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
    } {plstm.gpu_chunks}
    %to = memref.subview %y[%r, 0] [1, 4] [1, 1] : memref<?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.copy %zero, %to : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.dealloc %zero : memref<4xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// A buffer only the wavefront loop uses, written through views indexed by
// the tile and read by a later wavefront (a carried state), lives across
// the wavefronts' launches: shared, on the host.
// CHECK-LABEL: func.func @carried
// CHECK: gpu.alloc
// CHECK: scf.for
// CHECK: scf.parallel
// CHECK: memref.view
func.func @carried(%x: memref<?x4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c7 = arith.constant 7 : index
  %rows = memref.dim %x, %c0 : memref<?x4x4xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %state = memref.alloc() : memref<4x4xf32>
    scf.for %w = %c0 to %c7 step %c1 {
      %s = arith.subi %w, %c3 : index
      %lb = arith.maxsi %s, %c0 : index
      %m = arith.minsi %w, %c3 : index
      %ub = arith.addi %m, %c1 : index
      scf.for %t = %lb to %ub step %c1 {
        %st = memref.subview %state[%t, 0] [1, 4] [1, 1] : memref<4x4xf32> to memref<4xf32, strided<[1], offset: ?>>
        %io = memref.subview %x[%r, %t, 0] [1, 1, 4] [1, 1, 1] : memref<?x4x4xf32> to memref<4xf32, strided<[1], offset: ?>>
        memref.copy %st, %io : memref<4xf32, strided<[1], offset: ?>> to memref<4xf32, strided<[1], offset: ?>>
        memref.copy %io, %st : memref<4xf32, strided<[1], offset: ?>> to memref<4xf32, strided<[1], offset: ?>>
      } {plstm.gpu_chunks}
    }
    memref.dealloc %state : memref<4x4xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// A row buffer freed other than by its row-level deallocation (here: under
// a condition) would be freed twice or through a view after the cut: one
// launch.
// CHECK-LABEL: func.func @guarded_free
// CHECK-NOT: gpu.alloc
// CHECK: } {plstm.gpu_chunks}
func.func @guarded_free(%x: memref<?x?x4xf32>, %y: memref<?x4xf32>, %flag: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x?x4xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %t = memref.dim %x, %c1 : memref<?x?x4xf32>
    %chunks = memref.alloc() : memref<8x4xf32>
    scf.for %c = %c0 to %t step %c1 {
      %in = memref.subview %x[%r, %c, 0] [1, 1, 4] [1, 1, 1] : memref<?x?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      %out = memref.subview %chunks[%c, 0] [1, 4] [1, 1] : memref<8x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      memref.copy %in, %out : memref<4xf32, strided<[1], offset: ?>> to memref<4xf32, strided<[1], offset: ?>>
    } {plstm.gpu_chunks}
    %first = memref.subview %chunks[0, 0] [1, 4] [1, 1] : memref<8x4xf32> to memref<4xf32, strided<[1]>>
    %to = memref.subview %y[%r, 0] [1, 4] [1, 1] : memref<?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.copy %first, %to : memref<4xf32, strided<[1]>> to memref<4xf32, strided<[1], offset: ?>>
    scf.if %flag {
      memref.dealloc %chunks : memref<8x4xf32>
    }
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

// -----

// A fill whose value is loaded (a side effect of the row) cannot be redone
// in each part: the buffer is shared, filled once.
// CHECK-LABEL: func.func @fill_from_load
// CHECK: gpu.alloc
// CHECK: scf.parallel (%{{.*}}) =
// CHECK: memref.load
// CHECK: linalg.fill
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) =
// CHECK-NOT: linalg.fill
// CHECK: } {plstm.row_buffers}
func.func @fill_from_load(%x: memref<?x?x4xf32>, %y: memref<?x4xf32>, %c: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x?x4xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %t = memref.dim %x, %c1 : memref<?x?x4xf32>
    %value = memref.load %c[%r] : memref<?xf32>
    %init = memref.alloc() : memref<4xf32>
    linalg.fill ins(%value : f32) outs(%init : memref<4xf32>)
    scf.for %i = %c0 to %t step %c1 {
      %out = memref.subview %x[%r, %i, 0] [1, 1, 4] [1, 1, 1] : memref<?x?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      memref.copy %init, %out : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
    } {plstm.gpu_chunks}
    memref.dealloc %init : memref<4xf32>
    scf.reduce
  } {mapping = [#gpu.block<x>], plstm.row_buffers}
  return
}

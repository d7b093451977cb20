// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64 shared-bytes=0 fuse-loops=false" --canonicalize --split-input-file | FileCheck %s
// (fuse-loops=false: the fused loops would leave some buffers unread and
// erase them, map-to-gpu-fuse-loops.mlir; here, where they go.)
//
// plstm-map-to-gpu, block per row (codegen/GPURowBlocks.cpp,
// moveToLaunchScratch): a row buffer sized at run time by values the host
// has and the launch description can write (a kernel argument's dims,
// constants, + - * div ...) is a slice of the launch scratch after the
// static ones: its bytes (rounded up to 64) are computed on the host before
// the launch, and summed into the block's share; no device malloc, no
// pointer slot. Index elements take 8 bytes. Sized by a scalar argument or
// a value the row loads, a buffer stays on the device heap.

// CHECK-LABEL: func.func @sized
// CHECK-DAG: %[[ROWS:.*]] = memref.dim %arg0, %c0
// CHECK-DAG: %[[M:.*]] = memref.dim %arg0, %c1
// The f32 buffer of m + 1 elements.
// CHECK: %[[M1:.*]] = arith.addi %[[M]], %c1 : index
// CHECK: %[[B1:.*]] = arith.muli %[[M1]], %c4 : index
// CHECK: %[[U1:.*]] = arith.addi %[[B1]], %c63 : index
// CHECK: %[[D1:.*]] = arith.divui %[[U1]], %c64 : index
// CHECK: %[[A1:.*]] = arith.muli %[[D1]], %c64 : index
// CHECK: %[[OFF2:.*]] = arith.addi %[[A1]], %c256 : index
// The index buffer of dim(y, 1) x 3 elements (8 bytes each).
// CHECK: %[[N:.*]] = memref.dim %arg1, %c1
// CHECK: %[[B2:.*]] = arith.muli %[[N]], %c24 : index
// CHECK: %[[U2:.*]] = arith.addi %[[B2]], %c63 : index
// CHECK: %[[D2:.*]] = arith.divui %[[U2]], %c64 : index
// CHECK: %[[A2:.*]] = arith.muli %[[D2]], %c64 : index
// CHECK: %[[SHARE:.*]] = arith.addi %[[OFF2]], %[[A2]] : index
// CHECK: %[[TOTAL:.*]] = arith.muli %[[ROWS]], %[[SHARE]] : index
// CHECK: %[[BUF:.*]], %{{.*}} = gpu.alloc async [%{{.*}}] (%[[TOTAL]]) {plstm.gpu_scratch} : memref<?xi8>
// CHECK: gpu.launch blocks(%[[BX:[a-z0-9_]+]], {{.*}} workgroup(%{{[a-z0-9_]+}} : memref<2xi64, #gpu.address_space<workgroup>>) {
// CHECK-NEXT: %[[BASE:.*]] = arith.muli %[[BX]], %[[SHARE]] : index
// The static buffer first, at offset 0.
// CHECK-NEXT: memref.view %[[BUF]][%[[BASE]]][] {plstm.gpu_slice} : memref<?xi8> to memref<64xf32>
// CHECK: %[[K:.*]] = memref.load %arg3[%[[BX]]]
// CHECK: %[[AT1:.*]] = arith.addi %[[BASE]], %c256 : index
// CHECK-NEXT: memref.view %[[BUF]][%[[AT1]]][%{{.*}}] {plstm.gpu_slice} : memref<?xi8> to memref<?xf32>
// CHECK: %[[AT2:.*]] = arith.addi %[[BASE]], %[[OFF2]] : index
// CHECK-NEXT: memref.view %[[BUF]][%[[AT2]]][%{{.*}}] {plstm.gpu_slice} : memref<?xi8> to memref<?x3xindex>
// The buffers sized by the scalar argument and by a value the row loads
// (%[[K]]): on the device heap.
// CHECK: scf.if
// CHECK-NEXT: memref.alloc(%[[K]]) : memref<?xf32>
// CHECK: scf.if
// CHECK-NEXT: memref.alloc(%arg2) : memref<?xf32>
// CHECK-NOT: memref.alloc
// CHECK: gpu.terminator
// CHECK: gpu.dealloc async [%{{.*}}] %[[BUF]]
func.func @sized(%x: memref<?x?xf32>, %y: memref<?x?xf32>, %n: index, %ks: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %i1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x?xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %m = memref.dim %x, %c1 : memref<?x?xf32>
    %m1 = arith.addi %m, %c1 : index
    %k = memref.load %ks[%r] : memref<?xindex>
    %s = memref.alloc() : memref<64xf32>
    %a = memref.alloc(%m1) : memref<?xf32>
    %ny = memref.dim %y, %c1 : memref<?x?xf32>
    %b = memref.alloc(%ny) : memref<?x3xindex>
    %h = memref.alloc(%k) : memref<?xf32>
    %g = memref.alloc(%n) : memref<?xf32>
    linalg.fill ins(%one : f32) outs(%s : memref<64xf32>)
    linalg.fill ins(%one : f32) outs(%a : memref<?xf32>)
    linalg.fill ins(%i1 : index) outs(%b : memref<?x3xindex>)
    linalg.fill ins(%one : f32) outs(%g : memref<?xf32>)
    linalg.fill ins(%one : f32) outs(%h : memref<?xf32>)
    %ys = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x?xf32> to memref<64xf32, strided<[1], offset: ?>>
    memref.copy %s, %ys : memref<64xf32> to memref<64xf32, strided<[1], offset: ?>>
    memref.dealloc %s : memref<64xf32>
    memref.dealloc %a : memref<?xf32>
    memref.dealloc %b : memref<?x3xindex>
    memref.dealloc %g : memref<?xf32>
    memref.dealloc %h : memref<?xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// A size the row computes as a min of a loaded value and a value the host
// has (the DAG's state slots: min(peak + 1, edges + 1)) is bounded by the
// latter: the buffer is a slice of the launch scratch that many elements
// long, viewed at the min's size. A max of the two is not bounded: on the
// device heap; nor is a minui of a minsi (a negative minsi is huge
// unsigned: minui(k, minsi(-1, m + 1)) is k).
// CHECK-LABEL: func.func @bounded
// CHECK: %[[M:.*]] = memref.dim %arg0, %c1
// CHECK: %[[M1:.*]] = arith.addi %[[M]], %c1 : index
// CHECK: %[[B:.*]] = arith.muli %[[M1]], %c4 : index
// CHECK: gpu.alloc async
// CHECK: gpu.launch
// CHECK: %[[K:.*]] = memref.load %arg1
// CHECK: %[[S:.*]] = arith.minui %[[K]], %{{.*}} : index
// CHECK: memref.view %{{.*}}[%{{.*}}][%[[S]]] {plstm.gpu_slice} : memref<?xi8> to memref<?xf32>
// CHECK: scf.if
// CHECK-NEXT: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: scf.if
// CHECK-NEXT: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK-NOT: memref.alloc
// CHECK: gpu.terminator
func.func @bounded(%x: memref<?x?xf32>, %ks: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x?xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %m = memref.dim %x, %c1 : memref<?x?xf32>
    %m1 = arith.addi %m, %c1 : index
    %k = memref.load %ks[%r] : memref<?xindex>
    %lo = arith.minui %k, %m1 : index
    %hi = arith.maxui %k, %m1 : index
    %k2 = memref.load %ks[%m] : memref<?xindex>
    %signed = arith.minsi %k2, %m1 : index
    %mixed = arith.minui %k, %signed : index
    %a = memref.alloc(%lo) : memref<?xf32>
    %b = memref.alloc(%hi) : memref<?xf32>
    %c = memref.alloc(%mixed) : memref<?xf32>
    linalg.fill ins(%one : f32) outs(%a : memref<?xf32>)
    linalg.fill ins(%one : f32) outs(%b : memref<?xf32>)
    linalg.fill ins(%one : f32) outs(%c : memref<?xf32>)
    memref.dealloc %a : memref<?xf32>
    memref.dealloc %b : memref<?xf32>
    memref.dealloc %c : memref<?xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// In a loop every thread runs (a DAG level's buffers), a buffer bounded on
// the host and freed in the same iteration, after its last use, has one
// buffer live at a time: one slice of the launch scratch serves every
// iteration (viewed in the loop at the iteration's size). One freed only
// under a condition may outlive its iteration: on the device heap.
// CHECK-LABEL: func.func @level_loop
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: %[[N:.*]] = arith.minui
// CHECK: memref.view %{{.*}}[%{{.*}}][%[[N]]] {plstm.gpu_slice} : memref<?xi8> to memref<?xf32>
// CHECK: scf.if
// CHECK-NEXT: memref.alloc(%[[N]]) : memref<?xf32>
// CHECK-NOT: memref.alloc
// CHECK: gpu.terminator
func.func @level_loop(%x: memref<?x?xf32>, %ks: memref<?xindex>, %flags: memref<?xi1>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x?xf32>
  %m = memref.dim %x, %c1 : memref<?x?xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    scf.for %l = %c0 to %m step %c1 {
      %k = memref.load %ks[%l] : memref<?xindex>
      %n = arith.minui %k, %m : index
      %a = memref.alloc(%n) : memref<?xf32>
      %b = memref.alloc(%n) : memref<?xf32>
      linalg.fill ins(%one : f32) outs(%a : memref<?xf32>)
      linalg.fill ins(%one : f32) outs(%b : memref<?xf32>)
      memref.dealloc %a : memref<?xf32>
      %f = memref.load %flags[%l] : memref<?xi1>
      scf.if %f {
        memref.dealloc %b : memref<?xf32>
      }
    }
    scf.reduce
  } {plstm.row_buffers}
  return
}

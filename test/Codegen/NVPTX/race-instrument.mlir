// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64 emulate=true race-check=true prefetch=false" --plstm-gpu-race-instrument | FileCheck %s
//
// plstm-gpu-race-instrument (codegen/GPUPipeline.cpp) after the block
// mapping emulated with race-check (the barriers kept, the loops over a
// block's virtual threads and thread 0's ops marked): each launch starts
// with plstm_race_launch, each barrier becomes plstm_race_barrier(block),
// and each access reports (byte address, write?, block, thread) to
// plstm_race_access: the virtual thread of the loop around it, 0 in thread
// 0's ops, -1 (every thread) elsewhere.

// CHECK-LABEL: func.func @steps
// CHECK: call @plstm_race_launch() : () -> ()
// CHECK-NEXT: gpu.launch blocks(%[[BX:[a-z0-9_]+]],
// CHECK: %[[BLOCK:.*]] = arith.index_cast %[[BX]] : index to i64
// Thread 0's store of the row's counter.
// CHECK: call @plstm_race_barrier(%[[BLOCK]])
// CHECK: scf.if %{{.*}} {
// CHECK: %[[ZERO:.*]] = arith.index_cast %c0{{[_0-9]*}} : index to i64
// CHECK: call @plstm_race_access(%{{.*}}, %c1_i64, %[[BLOCK]], %[[ZERO]])
// CHECK-NEXT: memref.store
// CHECK: } {plstm.thread_zero}
// CHECK: call @plstm_race_barrier(%[[BLOCK]])
// Every thread loads the gate; the distributed op's accesses are its
// virtual threads'.
// CHECK: scf.for
// CHECK: call @plstm_race_access(%{{.*}}, %c0_i64, %[[BLOCK]], %c-1_i64)
// CHECK-NEXT: memref.load %arg1
// CHECK: call @plstm_race_barrier(%[[BLOCK]])
// CHECK: scf.for %[[T:[a-z0-9_]+]] = %c0{{[_0-9]*}} to %c64
// CHECK: %[[TI:.*]] = arith.index_cast %[[T]] : index to i64
// CHECK: call @plstm_race_access(%{{.*}}, %c0_i64{{[_0-9]*}}, %[[BLOCK]], %[[TI]])
// CHECK: } {plstm.virtual_threads}
// CHECK-NOT: gpu.barrier
// CHECK: func.func private @plstm_race_launch()
// CHECK: func.func private @plstm_race_barrier(i64)
// CHECK: func.func private @plstm_race_access(i64, i64, i64, i64)
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

// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64 fuse-loops=false" --canonicalize --split-input-file | FileCheck %s
// (fuse-loops=false: the fused loops would leave some buffers unread and
// erase them, map-to-gpu-fuse-loops.mlir; here, where they go.)
//
// plstm-map-to-gpu, block per row (codegen/GPURowBlocks.cpp, moveToArena):
// the row's static buffers that neither workgroup memory (48 KiB) nor the
// launch scratch (256 KiB a block) takes become slices of one device-heap
// buffer, the row's arena: thread 0 allocates it, one pointer slot shares
// it (a null pointer from malloc fails an assertion that names the device
// heap), each buffer is a view at a constant offset (a multiple of 64
// bytes), and their frees become one free of the arena at the launch's end. A
// buffer sized at run time by a value only the row has (loaded in the row)
// stays an allocation of its own (sized by values the host has, it goes to
// the launch scratch: map-to-gpu-scratch-sizes.mlir).

// CHECK-LABEL: func.func @arena
// CHECK: gpu.alloc async {{.*}} {plstm.gpu_scratch} : memref<?xi8>
// CHECK: gpu.launch blocks(%[[R:[a-z0-9_]+]], {{.*}} threads(%[[T:[a-z0-9_]+]],
// CHECK-SAME: workgroup(%[[SLOTS:[a-z0-9_]+]] : memref<2xi64, #gpu.address_space<workgroup>>)
// CHECK: scf.if
// CHECK-NEXT: %[[ARENA:.*]] = memref.alloc() : memref<204800xi8>
// CHECK-NEXT: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %[[ARENA]]
// CHECK-NEXT: %[[OK:.*]] = arith.cmpi ne, %[[PTR]], %c0
// CHECK-NEXT: cf.assert %[[OK]], "plstm: a device malloc returned null: the device heap (CU_LIMIT_MALLOC_HEAP_SIZE, $PLSTM_GPU_HEAP_MB) is too small for the kernel's row buffers"
// CHECK-NOT: memref.alloc()
// CHECK: memref.store %{{.*}}, %[[SLOTS]][%c0]
// CHECK: %[[BASE:.*]] = builtin.unrealized_conversion_cast {{.*}} to memref<204800xi8>
// CHECK-NEXT: memref.view %[[BASE]][%c0][] {plstm.gpu_slice} : memref<204800xi8> to memref<25600xf32>
// CHECK-NEXT: memref.view %[[BASE]][%c102400][] {plstm.gpu_slice} : memref<204800xi8> to memref<100x256xf32>
// The launch scratch's slice, then the run-time sized buffer in slot 1.
// CHECK: memref.view %memref[{{.*}}] {plstm.gpu_slice} : memref<?xi8> to memref<51200xf32>
// CHECK: %[[N:.*]] = memref.load %arg2[%[[R]]] : memref<?xindex>
// CHECK: scf.if
// CHECK-NEXT: %[[DYN:.*]] = memref.alloc(%[[N]]) : memref<?xf32>
// An empty buffer passes (malloc(0) may return null).
// CHECK-NEXT: %[[DPTR:.*]] = memref.extract_aligned_pointer_as_index %[[DYN]]
// CHECK-NEXT: %[[EMPTY:.*]] = arith.cmpi eq, %[[N]], %c0
// CHECK-NEXT: %[[NONNULL:.*]] = arith.cmpi ne, %[[DPTR]], %c0
// CHECK-NEXT: %[[DOK:.*]] = arith.ori %[[NONNULL]], %[[EMPTY]]
// CHECK-NEXT: cf.assert %[[DOK]], "plstm: a device malloc returned null
// CHECK: memref.store %{{.*}}, %[[SLOTS]][%c1]
// CHECK-NOT: memref.alloc
// CHECK: memref.dealloc %{{.*}} : memref<?xf32>
// CHECK-NOT: memref.dealloc %{{.*}} : memref<{{[0-9x]+}}xf32>
// CHECK: memref.dealloc %[[BASE]] : memref<204800xi8>
// CHECK-NOT: memref.dealloc
// CHECK: gpu.terminator
func.func @arena(%x: memref<?x25600xf32>, %y: memref<?x25600xf32>, %sizes: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x25600xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %n = memref.load %sizes[%r] : memref<?xindex>
    %a = memref.alloc() : memref<51200xf32>
    %b = memref.alloc() : memref<25600xf32>
    %c = memref.alloc() : memref<100x256xf32>
    %d = memref.alloc(%n) : memref<?xf32>
    %xs = memref.subview %x[%r, 0] [1, 25600] [1, 1] : memref<?x25600xf32> to memref<25600xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%r, 0] [1, 25600] [1, 1] : memref<?x25600xf32> to memref<25600xf32, strided<[1], offset: ?>>
    linalg.fill ins(%one : f32) outs(%a : memref<51200xf32>)
    linalg.fill ins(%one : f32) outs(%d : memref<?xf32>)
    memref.copy %xs, %b : memref<25600xf32, strided<[1], offset: ?>> to memref<25600xf32>
    %cc = memref.collapse_shape %c [[0, 1]] : memref<100x256xf32> into memref<25600xf32>
    memref.copy %b, %cc : memref<25600xf32> to memref<25600xf32>
    %as = memref.subview %a[0] [25600] [1] : memref<51200xf32> to memref<25600xf32, strided<[1]>>
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%as, %cc : memref<25600xf32, strided<[1]>>, memref<25600xf32>) outs(%ys : memref<25600xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %q: f32, %o: f32):
      %s = arith.addf %p, %q : f32
      linalg.yield %s : f32
    }
    memref.dealloc %a : memref<51200xf32>
    memref.dealloc %b : memref<25600xf32>
    memref.dealloc %c : memref<100x256xf32>
    memref.dealloc %d : memref<?xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// One buffer left after the launch scratch: no arena, its own allocation.
// CHECK-LABEL: func.func @single
// CHECK: gpu.launch
// CHECK-SAME: workgroup(%[[SLOTS:[a-z0-9_]+]] : memref<1xi64, #gpu.address_space<workgroup>>)
// CHECK: scf.if
// CHECK-NEXT: memref.alloc() : memref<25600xf32>
// CHECK-NOT: xi8>
// CHECK: gpu.terminator
func.func @single(%x: memref<?x25600xf32>, %y: memref<?x25600xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x25600xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<51200xf32>
    %b = memref.alloc() : memref<25600xf32>
    %xs = memref.subview %x[%r, 0] [1, 25600] [1, 1] : memref<?x25600xf32> to memref<25600xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%r, 0] [1, 25600] [1, 1] : memref<?x25600xf32> to memref<25600xf32, strided<[1], offset: ?>>
    linalg.fill ins(%one : f32) outs(%a : memref<51200xf32>)
    memref.copy %xs, %b : memref<25600xf32, strided<[1], offset: ?>> to memref<25600xf32>
    %as = memref.subview %a[0] [25600] [1] : memref<51200xf32> to memref<25600xf32, strided<[1]>>
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%as, %b : memref<25600xf32, strided<[1]>>, memref<25600xf32>) outs(%ys : memref<25600xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %q: f32, %o: f32):
      %s = arith.addf %p, %q : f32
      linalg.yield %s : f32
    }
    memref.dealloc %a : memref<51200xf32>
    memref.dealloc %b : memref<25600xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// RUN: plstm-opt %s --plstm-lower-logdepth="dynamic-quad-levels=true" | FileCheck %s
// RUN: plstm-opt %s --plstm-lower-logdepth | FileCheck %s --check-prefix=STATIC

// dynamic-quad-levels (the CPU pipeline's): a 20×17 grid is one 32×32
// tile; its merges up to 8×8 cells are one scf.while over the block side
// (1, 2, 4) carrying the level's tensors with dynamic cell dims (the J dims
// static), G from a zero level 0; each iteration builds the four parts as
// outlined regions of dynamic shapes. Casts give the 8×8 level its static
// shapes, and the merges to 16×16 and 32×32 are static as before.
// CHECK-LABEL: func.func @logdepth2d_32
// CHECK: tensor.cast %{{.+}} : tensor<32x32x1x1x1x1xf32> to tensor<?x?x?x?x1x1xf32>
// CHECK: tensor.cast %{{.+}} : tensor<32x32x1x1x1x1x1x1x1x1xf32> to tensor<?x?x?x?x?x?x1x1x1x1xf32>
// CHECK: scf.while (%[[BS:[a-z0-9_]+]] = %c1{{[_0-9]*}}, {{.*}}) : (index, tensor<?x?x?x?x1x1xf32>, tensor<?x?x?x?x1x1xf32>, tensor<?x?x?x?x1x1xf32>, tensor<?x?x?x?x?x1x1x1xf32>
// CHECK:   arith.cmpi ult, %[[BS]], %c8
// CHECK: } do {
// CHECK:   scf.execute_region -> (tensor<?x?x?x?x1x1xf32>, tensor<?x?x?x?x1x1xf32>, tensor<?x?x?x?x1x1xf32>) no_inline
// CHECK:   scf.execute_region -> (tensor<?x?x?x?x?x1x1x1xf32>, tensor<?x?x?x?x?x1x1x1xf32>) no_inline
// CHECK:   scf.execute_region -> (tensor<?x?x?x?x?x1x1x1xf32>, tensor<?x?x?x?x?x1x1x1xf32>) no_inline
// CHECK:   scf.execute_region -> tensor<?x?x?x?x?x?x1x1x1x1xf32> no_inline
// CHECK:   arith.addi %{{.+}}, %{{.+}} : index
// CHECK: tensor.cast %{{.+}} : tensor<?x?x?x?x1x1xf32> to tensor<4x4x8x8x1x1xf32>
// CHECK: tensor.cast %{{.+}} : tensor<?x?x?x?x?x?x1x1x1x1xf32> to tensor<4x4x8x8x8x8x1x1x1x1xf32>
// CHECK: scf.execute_region -> (tensor<2x2x16x16x1x1xf32>, tensor<2x2x16x16x1x1xf32>, tensor<2x2x16x16x1x1xf32>) no_inline
// CHECK: scf.execute_region -> tensor<1x1x32x32x32x32x1x1x1x1xf32> no_inline
// CHECK: return

// Without it every level is static: one region per level and part.
// STATIC-LABEL: func.func @logdepth2d_32
// STATIC-NOT: scf.while
// STATIC: scf.execute_region -> (tensor<16x16x2x2x1x1xf32>, tensor<16x16x2x2x1x1xf32>, tensor<16x16x2x2x1x1xf32>) no_inline
// STATIC: scf.execute_region -> (tensor<8x8x4x4x1x1xf32>, tensor<8x8x4x4x1x1xf32>, tensor<8x8x4x4x1x1xf32>) no_inline
// STATIC: return
func.func @logdepth2d_32(%q: tensor<?x20x17x2x1xf32>, %s: tensor<?x1x20x17x1x1x1xf32>, %t: tensor<?x1x20x17x1x1xf32>,
    %d: tensor<?x20x17x1x1x1x1xf32>) -> (tensor<?x20x17x2x1xf32>, tensor<?x1x17x2x2x1xf32>, tensor<?x1x20x2x2x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_dl(%t) mark(%s, %s) direct(%d)
      {schedule = #plstm.schedule<logdepth>}
      : (tensor<?x20x17x2x1xf32>, tensor<?x20x17x2x1xf32>, tensor<?x20x17x2x1xf32>, tensor<?x1x20x17x1x1x1xf32>,
         tensor<?x1x20x17x1x1x1xf32>, tensor<?x1x20x17x1x1xf32>, tensor<?x1x20x17x1x1xf32>, tensor<?x1x20x17x1x1xf32>,
         tensor<?x1x20x17x1x1x1xf32>, tensor<?x1x20x17x1x1x1xf32>, tensor<?x20x17x1x1x1x1xf32>)
      -> (tensor<?x20x17x2x1xf32>, tensor<?x1x17x2x2x1xf32>, tensor<?x1x20x2x2x1xf32>)
  return %y, %r, %dd : tensor<?x20x17x2x1xf32>, tensor<?x1x17x2x2x1xf32>, tensor<?x1x20x2x2x1xf32>
}

// plstm-lower-chunkwise has the same option: tiles of 32 in wavefronts
// (a 40×33 grid), each tile's small levels one scf.while.
// RUN: plstm-opt %s --plstm-lower-chunkwise="dynamic-quad-levels=true" | FileCheck %s --check-prefix=CHUNK
// CHUNK-LABEL: func.func @chunkwise2d_32
// CHUNK: scf.forall
// CHUNK: scf.while ({{.*}}) : (index, tensor<?x?x?x?x1x1xf32>,
// CHUNK: scf.execute_region -> (tensor<2x2x16x16x1x1xf32>
func.func @chunkwise2d_32(%q: tensor<?x40x33x2x1xf32>, %s: tensor<?x1x40x33x1x1x1xf32>, %t: tensor<?x1x40x33x1x1xf32>,
    %d: tensor<?x40x33x1x1x1x1xf32>) -> (tensor<?x40x33x2x1xf32>, tensor<?x1x33x2x2x1xf32>, tensor<?x1x40x2x2x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) mark(%s, %s) direct(%d)
      {schedule = #plstm.schedule<chunkwise, chunk = 32>}
      : (tensor<?x40x33x2x1xf32>, tensor<?x40x33x2x1xf32>, tensor<?x40x33x2x1xf32>, tensor<?x1x40x33x1x1x1xf32>,
         tensor<?x1x40x33x1x1x1xf32>, tensor<?x1x40x33x1x1xf32>, tensor<?x1x40x33x1x1xf32>,
         tensor<?x1x40x33x1x1x1xf32>, tensor<?x1x40x33x1x1x1xf32>, tensor<?x40x33x1x1x1x1xf32>)
      -> (tensor<?x40x33x2x1xf32>, tensor<?x1x33x2x2x1xf32>, tensor<?x1x40x2x2x1xf32>)
  return %y, %r, %dd : tensor<?x40x33x2x1xf32>, tensor<?x1x33x2x2x1xf32>, tensor<?x1x40x2x2x1xf32>
}

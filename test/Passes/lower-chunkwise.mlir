// RUN: plstm-opt %s --plstm-lower-chunkwise | FileCheck %s

// 1D chunkwise, chunk 16: a chunk loop over ceil(T / 16) chunks carrying the
// state; per chunk the construction loops (prefix, suffix, gating) and the
// matrix-form contractions over [16, 16] blocks: Q·Kᵀ, ⊙ G, ·V, and the
// inter-chunk read-out q·M_c·C; the last chunk is zero-padded.
// CHECK-LABEL: func.func @chunkwise
// CHECK: %[[LEN:[a-z0-9_]+]] = tensor.dim %arg0, %c1
// CHECK: %[[NT:[a-z0-9_]+]] = arith.ceildivui %[[LEN]], %c16
// CHECK: scf.for
// CHECK:   scf.for %[[C:[a-z0-9_]+]] = %{{.+}} to %[[NT]] {{.*}} -> (tensor<4x2x1xf32>, tensor<?x?x2x1xf32>)
// CHECK:     %[[START:[a-z0-9_]+]] = arith.muli %[[C]], %c16
// CHECK:     arith.minui
// CHECK:     linalg.generic {{.*}}ins({{.*}} : tensor<16x4x1xf32>, tensor<16x4x1xf32>) outs({{.*}} : tensor<16x16x1x1xf32>)
// CHECK:     linalg.generic {{.*}}ins({{.*}} : tensor<16x16x1x1xf32>, tensor<16x16x1x1x1x1xf32>) outs({{.*}} : tensor<16x16x1x1xf32>)
// CHECK:     linalg.generic {{.*}}ins({{.*}} : tensor<16x16x1x1xf32>, tensor<16x2x1xf32>) outs({{.*}} : tensor<16x2x1xf32>)
// CHECK:     linalg.generic {{.*}}ins({{.*}} : tensor<16x4x1xf32>, tensor<16x1x1x1xf32>, tensor<4x2x1xf32>) outs({{.*}} : tensor<16x2x1xf32>)
func.func @chunkwise(%q: tensor<?x?x4x1xf32>, %v: tensor<?x?x2x1xf32>, %s: tensor<?x?x1x1x1xf32>,
    %t: tensor<?x?x1x1xf32>, %d: tensor<?x?x1x1x1x1xf32>) -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %q, %v) source(%s) transition(%t) mark(%s) direct(%d)
      {schedule = #plstm.schedule<chunkwise, chunk = 16>}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
  return %y, %last : tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>
}

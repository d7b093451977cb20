// RUN: plstm-opt %s --plstm-lower-sequential=parallel-orientations=true | FileCheck %s
// RUN: plstm-opt %s --plstm-lower-sequential | FileCheck %s --check-prefix=DEFAULT
//
// plstm-lower-sequential, parallel-orientations (the GPU pipeline's form):
// a 2D scan with every J = 1 and several orientations runs them as one
// scf.forall, each orientation into its own partial output [MX, MY, DV, JO]
// (flips chosen from the orientation's code; the direct term added by the
// first orientation only), and its last states into its own slots of the
// last-state outputs; the partials are summed into y[b].

// CHECK-LABEL: func.func @four
// CHECK: scf.for %[[BI:[a-zA-Z0-9_]+]] =
// CHECK: %[[PARTS:.*]]:3 = scf.forall (%[[O:[a-zA-Z0-9_]+]]) in (%c4) shared_outs(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<4x3x5x2x1xf32>, tensor<?x4x5x2x2x1xf32>, tensor<?x4x3x2x2x1xf32>)
// The orientation's code: [0, 1, 2, 3] chosen by the index.
// CHECK: arith.cmpi eq, %[[O]], %c2
// CHECK: arith.cmpi eq, %[[O]], %c1
// CHECK: arith.cmpi eq, %[[O]], %c0
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[O]], %c0
// The direct term: the first orientation's only.
// CHECK: arith.select %[[FIRST]], %{{.*}}, %cst
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice {{.*}}[%[[O]], 0, 0, 0, 0] [1, 3, 5, 2, 1]
// CHECK-NEXT: tensor.parallel_insert_slice {{.*}}[%[[BI]], %[[O]], 0, 0, 0, 0] [1, 1, 5, 2, 2, 1]
// CHECK-NEXT: tensor.parallel_insert_slice {{.*}}[%[[BI]], %[[O]], 0, 0, 0, 0] [1, 1, 3, 2, 2, 1]
// The sum over the orientations.
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "parallel", "parallel", "parallel"]} ins(%[[PARTS]]#0 : tensor<4x3x5x2x1xf32>)
// CHECK: arith.addf
// DEFAULT-LABEL: func.func @four
// DEFAULT-NOT: scf.forall
func.func @four(%q: tensor<?x3x5x2x1xf32>, %s: tensor<?x4x3x5x1x1x1xf32>, %t: tensor<?x4x3x5x1x1xf32>,
    %d: tensor<?x3x5x1x1x1x1xf32>) -> (tensor<?x3x5x2x1xf32>, tensor<?x4x5x2x2x1xf32>, tensor<?x4x3x2x2x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t)
      mark(%s, %s) direct(%d) orientations [0, 1, 2, 3] {schedule = #plstm.schedule<sequential>}
      : (tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x4x3x5x1x1x1xf32>,
         tensor<?x4x3x5x1x1x1xf32>, tensor<?x4x3x5x1x1xf32>, tensor<?x4x3x5x1x1xf32>,
         tensor<?x4x3x5x1x1x1xf32>, tensor<?x4x3x5x1x1x1xf32>, tensor<?x3x5x1x1x1x1xf32>)
      -> (tensor<?x3x5x2x1xf32>, tensor<?x4x5x2x2x1xf32>, tensor<?x4x3x2x2x1xf32>)
  return %y, %r, %dd : tensor<?x3x5x2x1xf32>, tensor<?x4x5x2x2x1xf32>, tensor<?x4x3x2x2x1xf32>
}

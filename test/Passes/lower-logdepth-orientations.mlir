// RUN: plstm-opt %s --plstm-lower-logdepth=parallel-orientations=true | FileCheck %s
// RUN: plstm-opt %s --plstm-lower-logdepth | FileCheck %s --check-prefix=DEFAULT
//
// plstm-lower-logdepth, parallel-orientations (the GPU pipeline's form with
// the chunk grid): a 2D scan in one tile with several orientations runs
// them as one scf.forall; each orientation adds its path sums G, mapped
// back to the original frame, into a slot of its own [O, MX, MX, MY, MY,
// J...], and a reduction over the slots gives the G of the one (Q Kᵀ ⊙ G) V
// product. Only the results the orientations write are carried (here the
// last states; y has no incoming states to read). The default form: an
// scf.for that adds each orientation's G into one.

// CHECK-LABEL: func.func @four
// CHECK: %[[SLOTS:[a-z0-9_]+]] = linalg.fill {{.*}} -> tensor<4x3x3x5x5x1x1x1x1xf32>
// CHECK: %[[LOOP:[a-z0-9_]+]]:3 = scf.forall (%[[O:[a-z0-9_]+]]) in (%c4) shared_outs({{.*}}, %[[G:[a-z0-9_]+]] = %[[SLOTS]]) -> (tensor<4x8x2x2x1xf32>, tensor<4x8x2x2x1xf32>, tensor<4x3x3x5x5x1x1x1x1xf32>)
// CHECK: tensor.extract_slice %[[G]][%[[O]], 0, 0, 0, 0, 0, 0, 0, 0] [1, 3, 3, 5, 5, 1, 1, 1, 1]
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice {{.*}} into %[[G]][%[[O]], 0, 0, 0, 0, 0, 0, 0, 0] [1, 3, 3, 5, 5, 1, 1, 1, 1]
// CHECK: %[[SUM:[a-z0-9_]+]] = linalg.generic {{.*}} "reduction"{{.*}} ins(%[[LOOP]]#2 : tensor<4x3x3x5x5x1x1x1x1xf32>) outs(%{{.*}} : tensor<3x3x5x5x1x1x1x1xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %{{.*}} : tensor<3x3x5x5x1x1x1x1xf32>,
// CHECK: return
// DEFAULT-LABEL: func.func @four
// DEFAULT-NOT: scf.forall
// DEFAULT: scf.for {{.*}} -> (tensor<4x8x8x2x1xf32>, tensor<4x8x2x2x1xf32>, tensor<4x8x2x2x1xf32>, tensor<3x3x5x5x1x1x1x1xf32>)
// DEFAULT-NOT: scf.forall
// DEFAULT: return
func.func @four(%q: tensor<?x3x5x2x1xf32>, %s: tensor<?x4x3x5x1x1x1xf32>, %t: tensor<?x4x3x5x1x1xf32>,
    %d: tensor<?x3x5x1x1x1x1xf32>) -> (tensor<?x3x5x2x1xf32>, tensor<?x4x5x2x2x1xf32>, tensor<?x4x3x2x2x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t)
      mark(%s, %s) direct(%d) orientations [0, 1, 2, 3] {schedule = #plstm.schedule<logdepth>}
      : (tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x4x3x5x1x1x1xf32>,
         tensor<?x4x3x5x1x1x1xf32>, tensor<?x4x3x5x1x1xf32>, tensor<?x4x3x5x1x1xf32>,
         tensor<?x4x3x5x1x1x1xf32>, tensor<?x4x3x5x1x1x1xf32>, tensor<?x3x5x1x1x1x1xf32>)
      -> (tensor<?x3x5x2x1xf32>, tensor<?x4x5x2x2x1xf32>, tensor<?x4x3x2x2x1xf32>)
  return %y, %r, %dd : tensor<?x3x5x2x1xf32>, tensor<?x4x5x2x2x1xf32>, tensor<?x4x3x2x2x1xf32>
}

// Incoming border states (init_left, init_top) and only y used: the loop
// carries y's stack and the G slots, not the last states.
// CHECK-LABEL: func.func @four_states
// CHECK: %[[LOOP:[a-z0-9_]+]]:2 = scf.forall (%{{[a-z0-9_]+}}) in (%c4) shared_outs({{.*}}) -> (tensor<4x8x8x2x1xf32>, tensor<4x3x3x5x5x1x1x1x1xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[LOOP]]#1 : tensor<4x3x3x5x5x1x1x1x1xf32>)
// CHECK: return
// DEFAULT-LABEL: func.func @four_states
// DEFAULT-NOT: scf.forall
// DEFAULT: return
func.func @four_states(%q: tensor<?x3x5x2x1xf32>, %s: tensor<?x4x3x5x1x1x1xf32>, %t: tensor<?x4x3x5x1x1xf32>,
    %d: tensor<?x3x5x1x1x1x1xf32>, %il: tensor<?x4x5x2x2x1xf32>, %it: tensor<?x4x3x2x2x1xf32>) -> tensor<?x3x5x2x1xf32> {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t)
      mark(%s, %s) direct(%d) init_left(%il) init_top(%it) orientations [0, 1, 2, 3] {schedule = #plstm.schedule<logdepth>}
      : (tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x4x3x5x1x1x1xf32>,
         tensor<?x4x3x5x1x1x1xf32>, tensor<?x4x3x5x1x1xf32>, tensor<?x4x3x5x1x1xf32>,
         tensor<?x4x3x5x1x1x1xf32>, tensor<?x4x3x5x1x1x1xf32>, tensor<?x3x5x1x1x1x1xf32>,
         tensor<?x4x5x2x2x1xf32>, tensor<?x4x3x2x2x1xf32>)
      -> (tensor<?x3x5x2x1xf32>, tensor<?x4x5x2x2x1xf32>, tensor<?x4x3x2x2x1xf32>)
  return %y : tensor<?x3x5x2x1xf32>
}

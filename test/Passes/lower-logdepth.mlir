// RUN: plstm-opt %s --plstm-lower-logdepth | FileCheck %s

// 1D log-depth, leaf chunk 8: the chunk pairs (T_c, Skv_c), then an
// scf.while that runs while the stride is below the chunk count and doubles
// it after each stage — ⌈log2 NT⌉ combine stages, each a loop over the chunks
// c >= stride combining with chunk c - stride — then the outputs per chunk.
// CHECK-LABEL: func.func @logdepth
// CHECK: %[[NT:[a-z0-9_]+]] = arith.ceildivui %{{.+}}, %c8
// CHECK: scf.for
// CHECK:   %[[PAIRS:[a-z0-9_]+]]:2 = scf.for %{{.+}} = %{{.+}} to %[[NT]] {{.*}} -> (tensor<?x1x1xf32>, tensor<?x4x2x1xf32>)
// CHECK:   %[[SCAN:[a-z0-9_]+]]:3 = scf.while (%[[S0:[a-z0-9_]+]] = %c1, %{{.+}} = %[[PAIRS]]#0, %{{.+}} = %[[PAIRS]]#1)
// CHECK:     %[[MORE:[a-z0-9_]+]] = arith.cmpi ult, %[[S0]], %[[NT]]
// CHECK:     scf.condition(%[[MORE]])
// CHECK:   } do {
// CHECK:   ^bb0(%[[STRIDE:[a-z0-9_]+]]: index,
// CHECK:     scf.for %[[CI:[a-z0-9_]+]] = %[[STRIDE]] to %[[NT]]
// CHECK:       arith.subi %[[CI]], %[[STRIDE]]
// CHECK:     %[[DOUBLED:[a-z0-9_]+]] = arith.addi %[[STRIDE]], %[[STRIDE]]
// CHECK:     scf.yield %[[DOUBLED]]
// CHECK:   scf.for %{{.+}} = %{{.+}} to %[[NT]]
func.func @logdepth(%q: tensor<?x?x4x1xf32>, %v: tensor<?x?x2x1xf32>, %s: tensor<?x?x1x1x1xf32>,
    %t: tensor<?x?x1x1xf32>, %d: tensor<?x?x1x1x1x1xf32>) -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %q, %v) source(%s) transition(%t) mark(%s) direct(%d)
      {schedule = #plstm.schedule<logdepth, chunk = 8>}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
  return %y, %last : tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>
}

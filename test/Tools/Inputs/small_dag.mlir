// A small DAG spec for plstm-run's tests: B = 1, DK = DV = 1, counts dynamic.
func.func @dag(%q: tensor<1x?x1x1xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>,
               %s: tensor<1x?x1x1x1xf32>, %t: tensor<1x?x1x1xf32>, %d: tensor<1x?x1x1x1x1xf32>)
    -> tensor<1x?x1x1xf32> {
  %y = plstm.scan_dag qkv(%q, %q, %q) graph(%e, %l) source(%s) transition(%t) mark(%s) direct(%d)
      : (tensor<1x?x1x1xf32>, tensor<1x?x1x1xf32>, tensor<1x?x1x1xf32>, tensor<?x2xi32>,
         tensor<?x2xi32>, tensor<1x?x1x1x1xf32>, tensor<1x?x1x1xf32>, tensor<1x?x1x1x1xf32>,
         tensor<1x?x1x1x1x1xf32>) -> tensor<1x?x1x1xf32>
  return %y : tensor<1x?x1x1xf32>
}

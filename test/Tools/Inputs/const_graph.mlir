// A DAG whose graph is a constant (with a node index out of range): the
// reference backend reports it; compiled kernels require graph arguments.
func.func @dag(%q: tensor<1x3x1x1xf32>, %s: tensor<1x2x1x1x1xf32>, %t: tensor<1x1x1x1xf32>,
               %d: tensor<1x3x1x1x1x1xf32>) -> tensor<1x3x1x1xf32> {
  %e = arith.constant dense<[[0, 1], [1, 100000000]]> : tensor<2x2xi32>
  %l = arith.constant dense<[[0, 1]]> : tensor<1x2xi32>
  %y = plstm.scan_dag qkv(%q, %q, %q) graph(%e, %l) source(%s) transition(%t) mark(%s) direct(%d)
      : (tensor<1x3x1x1xf32>, tensor<1x3x1x1xf32>, tensor<1x3x1x1xf32>, tensor<2x2xi32>,
         tensor<1x2xi32>, tensor<1x2x1x1x1xf32>, tensor<1x1x1x1xf32>, tensor<1x2x1x1x1xf32>,
         tensor<1x3x1x1x1x1xf32>) -> tensor<1x3x1x1xf32>
  return %y : tensor<1x3x1x1xf32>
}

// A small 1D spec for plstm-run's tests: B = 1 static, T dynamic, DK = DV = 2.
func.func @small(%q: tensor<1x?x2x1xf32>, %k: tensor<1x?x2x1xf32>, %v: tensor<1x?x2x1xf32>,
                 %s: tensor<1x?x1x1x1xf32>, %t: tensor<1x?x1x1xf32>, %m: tensor<1x?x1x1x1xf32>,
                 %d: tensor<1x?x1x1x1x1xf32>) -> (tensor<1x?x2x1xf32>, tensor<1x2x2x1xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%s) transition(%t) mark(%m) direct(%d)
      : (tensor<1x?x2x1xf32>, tensor<1x?x2x1xf32>, tensor<1x?x2x1xf32>, tensor<1x?x1x1x1xf32>,
         tensor<1x?x1x1xf32>, tensor<1x?x1x1x1xf32>, tensor<1x?x1x1x1x1xf32>)
      -> (tensor<1x?x2x1xf32>, tensor<1x2x2x1xf32>)
  return %y, %last : tensor<1x?x2x1xf32>, tensor<1x2x2x1xf32>
}

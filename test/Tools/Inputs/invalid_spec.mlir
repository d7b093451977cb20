func.func @f(%q: tensor<1x4x2x1xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %q, %q) source(%q) transition(%q) mark(%q) direct(%q)
      : (tensor<1x4x2x1xf32>, tensor<1x4x2x1xf32>, tensor<1x4x2x1xf32>, tensor<1x4x2x1xf32>,
         tensor<1x4x2x1xf32>, tensor<1x4x2x1xf32>, tensor<1x4x2x1xf32>)
      -> (tensor<1x4x2x1xf32>, tensor<1x2x2x1xf32>)
  return
}

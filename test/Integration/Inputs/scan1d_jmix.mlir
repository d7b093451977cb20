// A 1D scan with every J dim different and above 1 (JT = 3, JK = JQ = 2,
// JV = 2, JO = 3), DV = 32 (two 16-lane vectors: the sequential schedule's
// state-plane pass is vectorized) and an initial state.
func.func @scan1d_jmix(%q: tensor<?x?x16x2xf32>, %k: tensor<?x?x16x2xf32>,
                       %v: tensor<?x?x32x2xf32>, %source: tensor<?x?x3x2x2xf32>,
                       %transition: tensor<?x?x3x3xf32>, %mark: tensor<?x?x3x2x3xf32>,
                       %direct: tensor<?x?x3x2x2x2xf32>, %c0: tensor<?x16x32x3xf32>)
    -> (tensor<?x?x32x3xf32>, tensor<?x16x32x3xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition)
      mark(%mark) direct(%direct) init(%c0)
      : (tensor<?x?x16x2xf32>, tensor<?x?x16x2xf32>, tensor<?x?x32x2xf32>,
         tensor<?x?x3x2x2xf32>, tensor<?x?x3x3xf32>, tensor<?x?x3x2x3xf32>,
         tensor<?x?x3x2x2x2xf32>, tensor<?x16x32x3xf32>)
      -> (tensor<?x?x32x3xf32>, tensor<?x16x32x3xf32>)
  return %y, %last : tensor<?x?x32x3xf32>, tensor<?x16x32x3xf32>
}

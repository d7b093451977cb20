// A 1D pLSTM scan with the library's default J dims (JT = JV = JO = 4,
// JK = JQ = 1; SPEC §5.2): DK = 16, DV = 8 per head, batch·heads and the
// sequence length dynamic, an initial state, the final state returned.
//
//   plstm-opt examples/scan1d_lm.mlir
//   plstm-run examples/scan1d_lm.mlir --random --seed 1 --dim B=2,T=100 --output-dir out
func.func @scan1d_lm(%q: tensor<?x?x16x1xf32>, %k: tensor<?x?x16x1xf32>,
                     %v: tensor<?x?x8x4xf32>, %source: tensor<?x?x4x1x4xf32>,
                     %transition: tensor<?x?x4x4xf32>, %mark: tensor<?x?x4x1x4xf32>,
                     %direct: tensor<?x?x4x1x1x4xf32>, %c0: tensor<?x16x8x4xf32>)
    -> (tensor<?x?x8x4xf32>, tensor<?x16x8x4xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition)
      mark(%mark) direct(%direct) init(%c0)
      : (tensor<?x?x16x1xf32>, tensor<?x?x16x1xf32>, tensor<?x?x8x4xf32>,
         tensor<?x?x4x1x4xf32>, tensor<?x?x4x4xf32>, tensor<?x?x4x1x4xf32>,
         tensor<?x?x4x1x1x4xf32>, tensor<?x16x8x4xf32>)
      -> (tensor<?x?x8x4xf32>, tensor<?x16x8x4xf32>)
  return %y, %last : tensor<?x?x8x4xf32>, tensor<?x16x8x4xf32>
}

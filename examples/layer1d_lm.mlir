// A 1D pLSTM language-model layer (SPEC §5.2): D = 64, 2 heads, JQ = JK = 1,
// JT = JV = JO = 4 (DK = D / (JK·H) = 32, DV = D / (JV·H) = 8, DV·JO·H = D),
// chunk 256. The transition is U·diag(λ)·W with W = expo(b_in + c·w_in) and
// U = Wᵀ (no b_out: symmetric); a causal convolution of kernel 4 feeds
// q, k and the gates, the raw input feeds v; the passthrough adds a scaled
// copy of the convolution output.
//
//   plstm-run examples/layer1d_lm.mlir --random --dim B=2,T=300 --backend=cpu --check
//   plstm-opt examples/layer1d_lm.mlir --plstm-decompose-layers
func.func @lm_layer(%x: tensor<?x?x64xf32>, %w_conv: tensor<4x64xf32>, %b_conv: tensor<64xf32>, %w_q: tensor<64x2x32x1xf32>, %b_q: tensor<2x32x1xf32>, %w_k: tensor<64x2x32x1xf32>, %b_k: tensor<2x32x1xf32>, %w_v: tensor<64x2x8x4xf32>, %b_v: tensor<2x8x4xf32>, %b_source: tensor<2x4x1x4xf32>, %w_source: tensor<64x2x4x1x4xf32>, %b_mark: tensor<2x4x1x4xf32>, %w_mark: tensor<64x2x4x1x4xf32>, %b_direct: tensor<2x4x1x1x4xf32>, %b_eigen: tensor<2x4xf32>, %w_eigen: tensor<64x2x4xf32>, %b_in: tensor<2x4x4xf32>, %w_in: tensor<64x2x4x4xf32>, %norm_scale: tensor<2x8x4xf32>, %w_out: tensor<2x8x4x64xf32>, %passthrough: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %y = plstm.layer1d %x weights(%w_conv, %b_conv, %w_q, %b_q, %w_k, %b_k, %w_v, %b_v, %b_source, %w_source, %b_mark, %w_mark, %b_direct, %b_eigen, %w_eigen, %b_in, %w_in, %norm_scale, %w_out, %passthrough)
      names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "b_eigen", "w_eigen", "b_in", "w_in", "norm_scale", "w_out", "passthrough"]
      {schedule = #plstm.schedule<chunkwise, chunk = 256>}
      : (tensor<?x?x64xf32>, tensor<4x64xf32>, tensor<64xf32>, tensor<64x2x32x1xf32>, tensor<2x32x1xf32>, tensor<64x2x32x1xf32>, tensor<2x32x1xf32>, tensor<64x2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x4x1x4xf32>, tensor<64x2x4x1x4xf32>, tensor<2x4x1x4xf32>, tensor<64x2x4x1x4xf32>, tensor<2x4x1x1x4xf32>, tensor<2x4xf32>, tensor<64x2x4xf32>, tensor<2x4x4xf32>, tensor<64x2x4x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// plstm.layer1d with JT = 2, b_in and b_out: the transition U·diag(λ)·W
// with both U and W through the exponential orthogonalisation
// (passes/DecomposeLayers.cpp), whose running sums read their output
// (gpu-on-cpu-check.test: the GPU mapping of that path).
func.func @layer(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x2xf32>, %a7: tensor<2x2x2xf32>, %a8: tensor<2x2x1x2xf32>, %a9: tensor<2x2x1x2xf32>, %a10: tensor<2x2x1x1x2xf32>, %a11: tensor<2x2xf32>, %a12: tensor<2x2x2xf32>, %a13: tensor<2x2x2x4xf32>, %a14: tensor<2x2x2xf32>, %a15: tensor<4xf32>, %a16: tensor<2x2x2xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13, %a14, %a15, %a16) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out", "b_in", "passthrough", "b_out"] {eigenvalue_factor = 3.0 : f64, schedule = #plstm.schedule<chunkwise, chunk = 8>} : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x1x2xf32>, tensor<2x2x1x2xf32>, tensor<2x2x1x1x2xf32>, tensor<2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x4xf32>, tensor<2x2x2xf32>, tensor<4xf32>, tensor<2x2x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

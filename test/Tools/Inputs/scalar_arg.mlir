// A function with a scalar argument: fine for the reference backend, not a
// kernel (the kernel ABI takes ranked tensors only).
func.func @f(%x: tensor<2xf32>, %s: f32) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}

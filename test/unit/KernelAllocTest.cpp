//===- KernelAllocTest.cpp - the generated kernels' heap -------------------===//

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>

extern "C" void *_mlir_memref_to_llvm_alloc(size_t);
extern "C" void _mlir_memref_to_llvm_free(void *);

namespace {

TEST(KernelAlloc, LargeBlocksAreReusedAcrossCalls) {
  // A freed block of >= 256 KiB serves the next request of at most its
  // size and at least two thirds of it: a kernel's per-call work buffers
  // reuse touched pages instead of a fresh mmap per call.
  const size_t size = size_t(4) << 20;
  void *first = _mlir_memref_to_llvm_alloc(size);
  ASSERT_NE(first, nullptr);
  std::memset(first, 1, size);
  _mlir_memref_to_llvm_free(first);
  void *again = _mlir_memref_to_llvm_alloc(size - 1000);
  EXPECT_EQ(again, first);
  // Still in use: another request gets another block.
  void *other = _mlir_memref_to_llvm_alloc(size);
  EXPECT_NE(other, again);
  _mlir_memref_to_llvm_free(other);
  _mlir_memref_to_llvm_free(again);
  // Far smaller requests do not take a big cached block.
  void *small = _mlir_memref_to_llvm_alloc(size / 4);
  EXPECT_NE(small, first);
  EXPECT_NE(small, other);
  _mlir_memref_to_llvm_free(small);
}

TEST(KernelAlloc, BlocksAreAlignedWritableAndDistinct) {
  std::set<void *> live;
  for (size_t size : {size_t(1), size_t(24), size_t(4096), size_t(300000),
                      size_t(1) << 22}) {
    void *p = _mlir_memref_to_llvm_alloc(size);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u) << size;
    std::memset(p, 0xab, size);
    EXPECT_TRUE(live.insert(p).second) << size;
  }
  for (void *p : live)
    _mlir_memref_to_llvm_free(p);
  _mlir_memref_to_llvm_free(nullptr);
}

} // namespace

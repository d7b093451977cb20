//===- KernelAllocTest.cpp - the generated kernels' heap -------------------===//

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

extern "C" void *_mlir_memref_to_llvm_alloc(size_t);
extern "C" void _mlir_memref_to_llvm_free(void *);
extern "C" unsigned plstm_kernel_alloc_kept_small(void);

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

TEST(KernelAlloc, SmallBlocksAreReusedByTheirThread) {
  // Under 128 KiB: sizes rounded up to a power of two, freed blocks kept
  // per thread (at most 16 per size) and handed out again for the same size
  // class.
  unsigned kept0 = plstm_kernel_alloc_kept_small();
  std::vector<void *> many;
  for (int i = 0; i < 20; ++i)
    many.push_back(_mlir_memref_to_llvm_alloc(100000));
  for (void *p : many)
    _mlir_memref_to_llvm_free(p);
  EXPECT_EQ(plstm_kernel_alloc_kept_small(), kept0 + 16);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(_mlir_memref_to_llvm_alloc(70000), many[15 - i]) << i;
  EXPECT_EQ(plstm_kernel_alloc_kept_small(), kept0);
  for (int i = 0; i < 16; ++i)
    _mlir_memref_to_llvm_free(many[15 - i]);
  void *first = _mlir_memref_to_llvm_alloc(3000);
  ASSERT_NE(first, nullptr);
  std::memset(first, 1, 3000);
  _mlir_memref_to_llvm_free(first);
  void *again = _mlir_memref_to_llvm_alloc(4096); // same class (4 KiB)
  EXPECT_EQ(again, first);
  std::memset(again, 2, 4096); // the whole class size is usable
  void *other = _mlir_memref_to_llvm_alloc(3000);
  EXPECT_NE(other, again);
  void *larger = _mlir_memref_to_llvm_alloc(5000); // the 8 KiB class
  EXPECT_NE(larger, again);
  EXPECT_NE(larger, other);
  _mlir_memref_to_llvm_free(larger);
  _mlir_memref_to_llvm_free(other);
  _mlir_memref_to_llvm_free(again);
  // Another thread keeps its own blocks and gives them back when it ends.
  void *fromThread = nullptr;
  std::thread worker([&] {
    void *p = _mlir_memref_to_llvm_alloc(3000);
    _mlir_memref_to_llvm_free(p);
    EXPECT_EQ(plstm_kernel_alloc_kept_small(), 1u);
    fromThread = _mlir_memref_to_llvm_alloc(3000);
    EXPECT_EQ(fromThread, p);
    _mlir_memref_to_llvm_free(fromThread);
  });
  worker.join();
  void *mine = _mlir_memref_to_llvm_alloc(3000);
  ASSERT_NE(mine, nullptr);
  std::memset(mine, 3, 3000);
  _mlir_memref_to_llvm_free(mine);
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

/*===- KernelAlloc.c - the heap of the generated CPU kernels ---------------===
 *
 * The CPU pipeline lowers memref.alloc / memref.dealloc to
 * `_mlir_memref_to_llvm_alloc` / `_mlir_memref_to_llvm_free`
 * (finalize-memref-to-llvm with use-generic-functions); the JIT registers
 * these definitions and AOT libraries link them (libplstm_kernel_alloc.a).
 *
 * Small blocks go to malloc/free. Blocks of 256 KiB and more (the chunk
 * states and per-call work buffers of the schedules: B * T/C * DK * DV
 * floats) are kept in a small cache when freed and handed out again to a
 * request of at most that size and at least two thirds of it, so that
 * repeated calls reuse mapped, touched pages instead of taking a page fault
 * per 4 KiB of a fresh mmap on every call (25 % of a 1D chunkwise run).
 * The cache holds at most PLSTM_KERNEL_CACHE_MB MiB (environment, read
 * once; default 1024; 0 turns it off) in at most 64 blocks.
 *
 * C only (no C++ runtime) so that AOT shared libraries can link it.
 *===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define PLSTM_CACHE_MIN_BYTES ((size_t)256 << 10)
#define PLSTM_CACHE_SLOTS 64
/* A header before each block keeps its size; 16 bytes keep malloc's
 * 16-byte alignment (the lowering aligns further itself). */
#define PLSTM_HEADER 16

static pthread_mutex_t plstmLock = PTHREAD_MUTEX_INITIALIZER;
static void *plstmSlots[PLSTM_CACHE_SLOTS];
static size_t plstmSlotSizes[PLSTM_CACHE_SLOTS];
static size_t plstmCachedBytes;
static long long plstmCapBytes = -1; /* -1: not read yet */

static size_t plstmCap(void) {
  if (plstmCapBytes < 0) {
    const char *text = getenv("PLSTM_KERNEL_CACHE_MB");
    long long mb = 1024;
    if (text && *text) {
      char *end = 0;
      long long value = strtoll(text, &end, 10);
      if (end && *end == 0 && value >= 0)
        mb = value;
    }
    plstmCapBytes = mb << 20;
  }
  return (size_t)plstmCapBytes;
}

static void *plstmWithHeader(void *base, size_t size) {
  if (!base)
    return 0;
  *(size_t *)base = size;
  return (char *)base + PLSTM_HEADER;
}

void *_mlir_memref_to_llvm_alloc(size_t size) {
  if (size >= PLSTM_CACHE_MIN_BYTES) {
    int best = -1;
    pthread_mutex_lock(&plstmLock);
    for (int i = 0; i < PLSTM_CACHE_SLOTS; ++i) {
      size_t have = plstmSlotSizes[i];
      if (plstmSlots[i] && have >= size && have - size <= have / 3 &&
          (best < 0 || have < plstmSlotSizes[best]))
        best = i;
    }
    if (best >= 0) {
      void *block = plstmSlots[best];
      plstmSlots[best] = 0;
      plstmCachedBytes -= plstmSlotSizes[best];
      pthread_mutex_unlock(&plstmLock);
      return (char *)block + PLSTM_HEADER;
    }
    pthread_mutex_unlock(&plstmLock);
  }
  return plstmWithHeader(malloc(size + PLSTM_HEADER), size);
}

void _mlir_memref_to_llvm_free(void *pointer) {
  if (!pointer)
    return;
  char *base = (char *)pointer - PLSTM_HEADER;
  size_t size = *(size_t *)base;
  if (size >= PLSTM_CACHE_MIN_BYTES) {
    pthread_mutex_lock(&plstmLock);
    if (plstmCachedBytes + size <= plstmCap())
      for (int i = 0; i < PLSTM_CACHE_SLOTS; ++i)
        if (!plstmSlots[i]) {
          plstmSlots[i] = base;
          plstmSlotSizes[i] = size;
          plstmCachedBytes += size;
          pthread_mutex_unlock(&plstmLock);
          return;
        }
    pthread_mutex_unlock(&plstmLock);
  }
  free(base);
}

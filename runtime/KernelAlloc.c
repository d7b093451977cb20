/*===- KernelAlloc.c - the heap of the generated CPU kernels ---------------===
 *
 * The CPU pipeline lowers memref.alloc / memref.dealloc to
 * `_mlir_memref_to_llvm_alloc` / `_mlir_memref_to_llvm_free`
 * (finalize-memref-to-llvm with use-generic-functions); the JIT registers
 * these definitions and AOT libraries link them (libplstm_kernel_alloc.a).
 *
 * Blocks under 128 KiB (the per-step and per-chunk temporaries: a tile's
 * G, a chunk's Q·Kᵀ, a state) are rounded up to a power of two from 64
 * bytes and kept, when freed, on a free list of the freeing thread (at most
 * PLSTM_SMALL_KEEP blocks per size; given back to malloc when the thread
 * exits): a kernel's loops allocate the same sizes step after step, and
 * malloc/free cost 14 % of the vit-t kernel before this. Blocks between
 * 128 and 256 KiB go to malloc/free. Blocks of 256 KiB and more (the chunk
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

/* Small blocks: size classes 64 << c bytes, c < PLSTM_SMALL_CLASSES (up
 * to 128 KiB). A free block's first word links the list (after the
 * header). */
#define PLSTM_SMALL_CLASSES 12
#define PLSTM_SMALL_KEEP 16
static _Thread_local void *plstmSmallFree[PLSTM_SMALL_CLASSES];
static _Thread_local unsigned plstmSmallCount[PLSTM_SMALL_CLASSES];
static _Thread_local int plstmSmallKeySet;
static pthread_key_t plstmSmallKey;
static pthread_once_t plstmSmallOnce = PTHREAD_ONCE_INIT;

/* At thread exit: the thread's kept blocks back to malloc. */
static void plstmSmallRelease(void *unused) {
  (void)unused;
  for (int c = 0; c < PLSTM_SMALL_CLASSES; ++c) {
    while (plstmSmallFree[c]) {
      char *base = (char *)plstmSmallFree[c];
      plstmSmallFree[c] = *(void **)(base + PLSTM_HEADER);
      free(base);
    }
    plstmSmallCount[c] = 0;
  }
  plstmSmallKeySet = 0;
}

static void plstmSmallInit(void) {
  pthread_key_create(&plstmSmallKey, plstmSmallRelease);
}

/* The class of a request of `size` bytes, or -1 above the largest. */
static int plstmSmallClass(size_t size) {
  size_t classSize = 64;
  for (int c = 0; c < PLSTM_SMALL_CLASSES; ++c, classSize <<= 1)
    if (size <= classSize)
      return c;
  return -1;
}

static void *plstmWithHeader(void *base, size_t size) {
  if (!base)
    return 0;
  *(size_t *)base = size;
  return (char *)base + PLSTM_HEADER;
}

void *_mlir_memref_to_llvm_alloc(size_t size) {
  int c = plstmSmallClass(size);
  if (c >= 0) {
    char *base = (char *)plstmSmallFree[c];
    if (base) {
      plstmSmallFree[c] = *(void **)(base + PLSTM_HEADER);
      --plstmSmallCount[c];
      return base + PLSTM_HEADER;
    }
    return plstmWithHeader(malloc(((size_t)64 << c) + PLSTM_HEADER),
                           (size_t)64 << c);
  }
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
  int c = plstmSmallClass(size);
  if (c >= 0) {
    if (plstmSmallCount[c] < PLSTM_SMALL_KEEP) {
      /* The destructor that empties the lists runs for threads that set
       * the key: set it with the first kept block. */
      if (!plstmSmallKeySet) {
        pthread_once(&plstmSmallOnce, plstmSmallInit);
        pthread_setspecific(plstmSmallKey, (void *)1);
        plstmSmallKeySet = 1;
      }
      *(void **)pointer = plstmSmallFree[c];
      plstmSmallFree[c] = base;
      ++plstmSmallCount[c];
      return;
    }
    free(base);
    return;
  }
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

/* The small blocks the calling thread keeps (tests). */
unsigned plstm_kernel_alloc_kept_small(void) {
  unsigned kept = 0;
  for (int c = 0; c < PLSTM_SMALL_CLASSES; ++c)
    kept += plstmSmallCount[c];
  return kept;
}

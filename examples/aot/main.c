/* main.c - call an AOT-compiled plstm kernel from plain C (no MLIR, no C++).
 *
 * Build (what the tests do):
 *   plstm-compile examples/scan1d_lm.mlir --emit=so -o libscan1d.so   (+
 * libscan1d.h) cc -I. examples/aot/main.c -L. -lscan1d -o aot-example
 *   ./aot-example OUTDIR
 *
 * Fills the inputs of the 1D example (batch 2, 37 steps) with a fixed
 * pattern, calls scan1d_lm_packed through MLIR memref descriptors and writes
 * every input and output as OUTDIR/input_<i>.npy / result_<i>.npy, so the
 * result can be checked against `plstm-run -i ... --backend=reference`. */
#include "libscan1d.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { B = 2, T = 37, DK = 16, DV = 8, J4 = 4 };

PLSTM_MEMREF(4);
PLSTM_MEMREF(5);
PLSTM_MEMREF(6);

struct buffer {
  float *data;
  int rank;
  int64_t shape[6];
};

static struct buffer make(int rank, const int64_t *shape) {
  struct buffer b = {0, rank, {0}};
  int64_t n = 1;
  for (int d = 0; d < rank; ++d)
    n *= (b.shape[d] = shape[d]);
  b.data = calloc((size_t)n, sizeof(float));
  return b;
}

static int64_t count(const struct buffer *b) {
  int64_t n = 1;
  for (int d = 0; d < b->rank; ++d)
    n *= b->shape[d];
  return n;
}

/* Fills a descriptor of any rank (4..6) laid out as MLIR expects. */
static void describe(void *descriptor, const struct buffer *b) {
  int64_t *words = (int64_t *)descriptor;
  memcpy(&words[0], &b->data, sizeof(void *));
  memcpy(&words[1], &b->data, sizeof(void *));
  words[2] = 0;
  int64_t stride = 1;
  for (int d = b->rank - 1; d >= 0; --d) {
    words[3 + d] = b->shape[d];
    words[3 + b->rank + d] = stride;
    stride *= b->shape[d];
  }
}

static int write_npy(const char *dir, const char *prefix, int index,
                     const struct buffer *b) {
  char path[4096], header[256], shape[128] = "";
  snprintf(path, sizeof path, "%s/%s_%d.npy", dir, prefix, index);
  for (int d = 0; d < b->rank; ++d) {
    char part[32];
    snprintf(part, sizeof part, d + 1 < b->rank ? "%lld, " : "%lld",
             (long long)b->shape[d]);
    strcat(shape, part);
  }
  int len = snprintf(
      header, sizeof header,
      "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shape);
  int total = 10 + len + 1, pad = (64 - total % 64) % 64;
  FILE *f = fopen(path, "wb");
  if (!f)
    return 1;
  unsigned short hlen = (unsigned short)(len + pad + 1);
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fwrite(&hlen, 2, 1, f);
  fwrite(header, 1, (size_t)len, f);
  for (int i = 0; i < pad; ++i)
    fputc(' ', f);
  fputc('\n', f);
  fwrite(b->data, sizeof(float), (size_t)count(b), f);
  return fclose(f) != 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  const int64_t shapes[10][6] = {
      {B, T, DK, 1},        {B, T, DK, 1},   {B, T, DV, J4},
      {B, T, J4, 1, J4},    {B, T, J4, J4},  {B, T, J4, 1, J4},
      {B, T, J4, 1, 1, J4}, {B, DK, DV, J4},  /* inputs */
      {B, T, DV, J4},       {B, DK, DV, J4}}; /* outputs */
  const int ranks[10] = {4, 4, 4, 5, 4, 5, 6, 4, 4, 4};
  struct buffer buffers[10];
  /* Descriptors: 3 + 2 * rank words, at most rank 6. */
  int64_t descriptors[10][15];
  void *args[10];
  for (int i = 0; i < 10; ++i) {
    buffers[i] = make(ranks[i], shapes[i]);
    int gate = i >= 3 && i <= 6;
    for (int64_t e = 0; e < count(&buffers[i]); ++e) {
      double x = sin(0.37 * (double)e + 1.3 * i);
      /* Transitions in [0, 1/8], other gates in [0, 1], data in [-1, 1]. */
      buffers[i].data[e] =
          i >= 8 ? NAN : (float)(gate ? (i == 4 ? 0.0625 : 0.5) * (x + 1) : x);
    }
    describe(descriptors[i], &buffers[i]);
    args[i] = descriptors[i];
  }
  printf("kernels in the library: %s\n", plstm_kernels);
  scan1d_lm_packed(args);
  for (int i = 0; i < 10; ++i)
    if (write_npy(argv[1], i < 8 ? "input" : "result", i < 8 ? i : i - 8,
                  &buffers[i])) {
      fprintf(stderr, "cannot write into %s\n", argv[1]);
      return 1;
    }
  printf("y[0, 0, 0, 0] = %g, last[1, 15, 7, 3] = %g\n", buffers[8].data[0],
         buffers[9].data[count(&buffers[9]) - 1]);
  return 0;
}

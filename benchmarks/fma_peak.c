/* fma_peak.c - the machine's fp32 FMA peak, measured in the same run as the
 * kernels (PERFORMANCE.md, "How to measure").
 *
 * Each thread runs 12 independent chains of packed FMAs on 16-lane (AVX-512)
 * or 8-lane (AVX2) vectors, long enough that the chains hide the FMA
 * latency. Prints one line per measurement:
 *   peak threads=N gflops=X
 * for N = 1 and N = all OpenMP threads. Built with -O3 -march=native. */
#include <omp.h>
#include <stdio.h>

#if defined(__AVX512F__)
#include <immintrin.h>
typedef __m512 vec;
#define LANES 16
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SET1(x) _mm512_set1_ps(x)
#define SUM(v) _mm512_reduce_add_ps(v)
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
typedef __m256 vec;
#define LANES 8
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define SET1(x) _mm256_set1_ps(x)
static float SUM(__m256 v) {
  float t[8];
  _mm256_storeu_ps(t, v);
  return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}
#else
#error "fma_peak needs AVX2+FMA or AVX-512"
#endif

#define CHAINS 12

static double run(int threads, long iterations) {
  double sink = 0;
  double start = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
  {
    vec acc[CHAINS];
    vec a = SET1(0.999999f), b = SET1(1e-7f);
    for (int c = 0; c < CHAINS; ++c)
      acc[c] = SET1((float)c);
    for (long i = 0; i < iterations; ++i)
      for (int c = 0; c < CHAINS; ++c)
        acc[c] = FMA(acc[c], a, b);
    for (int c = 0; c < CHAINS; ++c)
      sink += SUM(acc[c]);
  }
  double seconds = omp_get_wtime() - start;
  if (sink == 42.0) /* keep the result alive */
    printf("#\n");
  return 2.0 * LANES * CHAINS * (double)iterations * threads / seconds / 1e9;
}

int main(void) {
  int all = omp_get_max_threads();
  long iterations = 50000000;
  run(all, iterations / 10); /* warm up, clocks up */
  double best1 = 0, bestAll = 0;
  for (int r = 0; r < 3; ++r) {
    double one = run(1, iterations), many = run(all, iterations);
    if (one > best1)
      best1 = one;
    if (many > bestAll)
      bestAll = many;
  }
  printf("peak threads=1 gflops=%.1f\n", best1);
  printf("peak threads=%d gflops=%.1f\n", all, bestAll);
  return 0;
}

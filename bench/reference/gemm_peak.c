/* The native counterpart of bench/simdKernel.ts: the same 4x8-tile matmul micro-kernel in 128-bit
 * SSE (mul then add, as wasm SIMD-128 is lowered), 128-bit FMA (what Relaxed SIMD's madd becomes on
 * x86) and 512-bit FMA (what oneDNN uses on this CPU, 16 floats a vector, so B is 4x wider).
 * Built by bench/simd-peak.ts with gcc -O3 -funroll-loops -march=native; the FMA and AVX-512 kernels
 * name their instructions, so they build on any AVX machine, and a CPU without them gets null. Prints one JSON line
 * of GFLOP/s per variant and round. */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define K 256
static float A[4 * K] __attribute__((aligned(64)));
static float B[K * 32] __attribute__((aligned(64)));

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((noinline)) static float sse_mul_add(int reps) {
  __m128 c[8] = {0};
  for (int r = 0; r < reps; r++) {
    const float *a = A, *b = B;
    for (int k = 0; k < K; k++, a += 4, b += 8) {
      __m128 b0 = _mm_load_ps(b), b1 = _mm_load_ps(b + 4);
      for (int i = 0; i < 4; i++) {
        __m128 x = _mm_broadcast_ss(a + i);
        c[2 * i] = _mm_add_ps(c[2 * i], _mm_mul_ps(x, b0));
        c[2 * i + 1] = _mm_add_ps(c[2 * i + 1], _mm_mul_ps(x, b1));
      }
    }
  }
  __m128 s = c[0];
  for (int i = 1; i < 8; i++) s = _mm_add_ps(s, c[i]);
  return _mm_cvtss_f32(s);
}

__attribute__((noinline, target("fma"))) static float sse_fma(int reps) {
  __m128 c[8] = {0};
  for (int r = 0; r < reps; r++) {
    const float *a = A, *b = B;
    for (int k = 0; k < K; k++, a += 4, b += 8) {
      __m128 b0 = _mm_load_ps(b), b1 = _mm_load_ps(b + 4);
      for (int i = 0; i < 4; i++) {
        __m128 x = _mm_broadcast_ss(a + i);
        c[2 * i] = _mm_fmadd_ps(x, b0, c[2 * i]);
        c[2 * i + 1] = _mm_fmadd_ps(x, b1, c[2 * i + 1]);
      }
    }
  }
  __m128 s = c[0];
  for (int i = 1; i < 8; i++) s = _mm_add_ps(s, c[i]);
  return _mm_cvtss_f32(s);
}

__attribute__((noinline, target("avx512f"))) static float avx512_fma(int reps) {
  __m512 c[8] = {0};
  for (int r = 0; r < reps; r++) {
    const float *a = A, *b = B;
    for (int k = 0; k < K; k++, a += 4, b += 32) {
      __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
      for (int i = 0; i < 4; i++) {
        __m512 x = _mm512_set1_ps(a[i]);
        c[2 * i] = _mm512_fmadd_ps(x, b0, c[2 * i]);
        c[2 * i + 1] = _mm512_fmadd_ps(x, b1, c[2 * i + 1]);
      }
    }
  }
  __m512 s = c[0];
  for (int i = 1; i < 8; i++) s = _mm512_add_ps(s, c[i]);
  return _mm512_reduce_add_ps(s);
}

static double gflops(float (*kernel)(int), int lanes, float *sink) {
  const int reps = 20000;
  double start = seconds();
  *sink += kernel(reps);
  return 2.0 * 4 * 2 * lanes * K * reps / (seconds() - start) / 1e9;
}

/* "name":[5 rounds], or "name":null where the CPU lacks the kernel's instructions. */
static void series(const char *name, float (*kernel)(int), int lanes, int supported, float *sink) {
  printf("\"%s\":", name);
  if (!supported) {
    printf("null,");
    return;
  }
  for (int round = 0; round < 5; round++) printf("%s%.2f", round ? "," : "[", gflops(kernel, lanes, sink));
  printf("],");
}

int main(void) {
  for (int i = 0; i < 4 * K; i++) A[i] = (i % 7) * 1e-3f;
  for (int i = 0; i < K * 32; i++) B[i] = (i % 5) * 1e-3f;
  float sink = 0;
  printf("{");
  series("sseMulAdd", sse_mul_add, 4, 1, &sink);
  series("sseFma", sse_fma, 4, __builtin_cpu_supports("fma"), &sink);
  series("avx512Fma", avx512_fma, 16, __builtin_cpu_supports("avx512f"), &sink);
  printf("\"sink\":%g}\n", sink);
  return 0;
}

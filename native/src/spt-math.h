/*
 * exp and the erf-GELU of the step's kernels, written so that loops over them vectorise (no calls, no
 * branches): spt_expf is Cephes' expf (range reduction by ln 2 in two parts, a degree-6 polynomial,
 * 2^n by exponent bits), within 2 ulp of expf over the normal range; below -87.3 it returns 0 and above
 * 88.7 infinity, as expf does; NaN stays NaN. Loops over them vectorise when compiled with
 * -fno-trapping-math (the selects become blends; no value changes). GELU and its derivative are the WGSL's (wgsl-gemm.ts
 * WGSL_GELU): Abramowitz & Stegun 7.1.26 for erfc, the same constants, in f32.
 */
#ifndef SPT_MATH_H
#define SPT_MATH_H

#include <stdint.h>
#include <string.h>

static inline float spt_bits_to_float(int32_t i) {
  float f;
  memcpy(&f, &i, sizeof f);
  return f;
}

static inline float spt_expf(float x) {
  const float hi = 88.72283f, lo = -87.33654f;
  float c = x > hi ? hi : x;
  c = c < lo ? lo : c;
  /* n = c / ln 2 rounded to nearest (adding and subtracting 1.5 * 2^23 rounds, |c / ln 2| < 2^22) */
  float n = (c * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = c - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * (r * r) + r + 1.0f;
  /* 2^n in two halves: n reaches 128 at the top of the range (one exponent field cannot hold it) */
  int32_t ni = (int32_t)n;
  int32_t h = ni >> 1;
  float s1 = spt_bits_to_float((h + 127) << 23);
  float s2 = spt_bits_to_float((ni - h + 127) << 23);
  y = y * s1 * s2;
  y = x < lo ? 0.0f : y;
  y = x > hi ? __builtin_inff() : y;
  return x != x ? x : y;
}

/* (Phi(x), exp(-x^2/2)) as WGSL gelu_parts returns them. */
static inline float spt_gelu_phi(float x, float *e_out) {
  float z = (x >= 0.0f ? x : -x) * 0.70710678118654752f;
  float t = 1.0f / (1.0f + 0.3275911f * z);
  float e = spt_expf(-z * z);
  float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  float q = 0.5f * poly * e;
  *e_out = e;
  return x >= 0.0f ? 1.0f - q : q;
}

static inline float spt_gelu(float x) {
  float e;
  return x * spt_gelu_phi(x, &e);
}

static inline float spt_gelu_grad(float x) {
  float e;
  float phi = spt_gelu_phi(x, &e);
  return phi + x * (e * 0.3989422804014327f);
}

#endif

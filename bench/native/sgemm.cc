// OpenBLAS sgemm on tfjs-wasm's heap, for `npm run bench`'s wasm+openblas experiment
// (bench/native/openblas-kernels.ts). N-API only, built by bench/native/build.ts with g++ against
// the local Node headers and Debian's OpenBLAS: no download.
//
//   sgemm(heap: ArrayBuffer, a, b, c, bias, M, N, K, transA, transB, batch, strideA, strideB, strideC)
//     a, b, c, bias: byte offsets into heap (bias < 0: none); strides in floats (0: broadcast).
//     c[g] = op(a[g]) @ op(b[g]) (+ bias per row), row-major; groups in parallel with OpenMP.
//   threads(n): the OpenBLAS / OpenMP thread count.
#include <cblas.h>
#include <node_api.h>
#include <omp.h>
#include <cstdint>
#include <cstring>

extern "C" void openblas_set_num_threads(int);

static int g_threads = 1;

static napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 14) {
    napi_throw_error(env, nullptr, "sgemm: 14 arguments expected");
    return nullptr;
  }
  void* data = nullptr;
  size_t len = 0;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &len) != napi_ok) {
    napi_throw_error(env, nullptr, "sgemm: heap must be an ArrayBuffer");
    return nullptr;
  }
  int64_t v[13];
  for (int i = 0; i < 13; i++) napi_get_value_int64(env, argv[i + 1], &v[i]);
  const int64_t a = v[0], b = v[1], c = v[2], bias = v[3];
  const int M = (int)v[4], N = (int)v[5], K = (int)v[6];
  const bool tA = v[7] != 0, tB = v[8] != 0;
  const int64_t batch = v[9], sA = v[10], sB = v[11], sC = v[12];
  char* base = static_cast<char*>(data);
  const float* biasPtr = bias >= 0 ? reinterpret_cast<const float*>(base + bias) : nullptr;
  auto one = [&](int64_t g) {
    const float* A = reinterpret_cast<const float*>(base + a) + g * sA;
    const float* B = reinterpret_cast<const float*>(base + b) + g * sB;
    float* C = reinterpret_cast<float*>(base + c) + g * sC;
    float beta = 0.f;
    if (biasPtr) {
      for (int m = 0; m < M; m++) std::memcpy(C + (int64_t)m * N, biasPtr, sizeof(float) * N);
      beta = 1.f;
    }
    cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, M, N, K, 1.f, A,
                tA ? M : K, B, tB ? K : N, beta, C, N);
  };
  if (batch == 1) {
    one(0);
  } else {
    // Small per-group products: one group per thread (OpenBLAS runs single-threaded inside).
#pragma omp parallel for num_threads(g_threads) schedule(static)
    for (int64_t g = 0; g < batch; g++) one(g);
  }
  return nullptr;
}

static napi_value Threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t n = 1;
  napi_get_value_int32(env, argv[0], &n);
  g_threads = n < 1 ? 1 : n;
  openblas_set_num_threads(g_threads);
  omp_set_num_threads(g_threads);
  return nullptr;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", nullptr, Sgemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)

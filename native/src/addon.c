/*
 * spt-native.node: the N-API face of the CPU step engine's kernels (plain node_api.h, no C++).
 *
 *   kernelCode(key)         the code of a kernel key ("ln-fwd", "gemm:0101:residual", ...); throws if unknown
 *   kernelInfo(code)        { fields, buffers }: the uniform fields and buffer count the C side expects
 *   run(code, uniform, z, ...buffers)
 *                           one dispatch: the packed uniform block (ArrayBuffer or typed array), the batch
 *                           count z (GEMM: workgroups[2]), then the bindings' Float32Arrays in order;
 *                           throws, touching nothing, when an access would leave a buffer
 *   setThreads(n)           the pool's thread count (the caller counts as one); returns it
 *   info()                  { version, blas, core, threads, target }
 */
#define NAPI_VERSION 3
#include <node_api.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "kernels.h"

#ifndef SPT_ACCELERATE
extern void openblas_set_num_threads(int);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
#endif

#define SPT_NATIVE_VERSION "1"
#define GEMM_BASE 1000
#define GEMM_FIELDS                                                                                            \
  "M,N,K,batchInner,lda,ldb,ldc,ldr,aOff,aOuter,aInner,biasOff,bOff,bOuter,bInner,pad0,cOff,cOuter,cInner,pad1," \
  "rOff,rOuter,rInner,pad2"
#define MAX_BUFFERS 8

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *EPILOGUES[] = {"store", "accumulate", "residual", "geluGrad"};

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int count_fields(const char *f) {
  int n = 1;
  for (; *f; f++) n += *f == ',';
  return n;
}

/* "gemm:TBGS:epilogue" (digits: transA, transB, geluA, bias) -> GEMM_BASE + variant, or -1 */
static int gemm_code(const char *key) {
  if (strncmp(key, "gemm:", 5) != 0 || strlen(key) < 11 || key[9] != ':') return -1;
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = key[5 + i];
    if (c != '0' && c != '1') return -1;
    v |= (c - '0') << i;
  }
  for (int e = 0; e < 4; e++)
    if (strcmp(key + 10, EPILOGUES[e]) == 0) return GEMM_BASE + (v | e << 4);
  return -1;
}

static int gemm_buffers(int variant) {
  int epi = (variant >> 4) & 3;
  return 3 + ((variant >> 3) & 1) + (epi == SPT_EPI_RESIDUAL || epi == SPT_EPI_GELU_GRAD);
}

static int valid_code(int32_t code) {
  return (code >= 0 && code < spt_row_kernel_count) || (code >= GEMM_BASE && code < GEMM_BASE + 64);
}

static napi_value KernelCode(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char key[128];
  size_t len = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], key, sizeof key, &len) != napi_ok)
    return throw_error(env, "kernelCode: a kernel key (string) expected");
  int code = gemm_code(key);
  if (code < 0)
    for (int i = 0; i < spt_row_kernel_count; i++)
      if (strcmp(key, spt_row_kernels[i].key) == 0) code = i;
  if (code < 0) {
    char msg[200];
    snprintf(msg, sizeof msg, "kernelCode: the native engine has no kernel '%s'", key);
    return throw_error(env, msg);
  }
  napi_value out;
  napi_create_int32(env, code, &out);
  return out;
}

static napi_value KernelInfo(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t code = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &code) != napi_ok || !valid_code(code))
    return throw_error(env, "kernelInfo: a kernel code expected");
  const char *fields = code >= GEMM_BASE ? GEMM_FIELDS : spt_row_kernels[code].fields;
  int buffers = code >= GEMM_BASE ? gemm_buffers(code - GEMM_BASE) : spt_row_kernels[code].buffers;
  napi_value out, f, b;
  napi_create_object(env, &out);
  napi_create_string_utf8(env, fields, NAPI_AUTO_LENGTH, &f);
  napi_create_int32(env, buffers, &b);
  napi_set_named_property(env, out, "fields", f);
  napi_set_named_property(env, out, "buffers", b);
  return out;
}

static int bytes_of(napi_env env, napi_value v, void **data, size_t *len) {
  bool is = false;
  if (napi_is_arraybuffer(env, v, &is) == napi_ok && is)
    return napi_get_arraybuffer_info(env, v, data, len) == napi_ok;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t length, offset;
    napi_value ab;
    if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok) return 0;
    size_t elem = type == napi_float64_array || type == napi_bigint64_array || type == napi_biguint64_array ? 8
                  : type == napi_float32_array || type == napi_int32_array || type == napi_uint32_array  ? 4
                  : type == napi_int16_array || type == napi_uint16_array                               ? 2
                                                                                                         : 1;
    *len = length * elem;
    return 1;
  }
  return 0;
}

static napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 3 + MAX_BUFFERS;
  napi_value argv[3 + MAX_BUFFERS];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t code = -1;
  uint32_t z = 0;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &code) != napi_ok || !valid_code(code))
    return throw_error(env, "run: a kernel code expected");
  if (napi_get_value_uint32(env, argv[2], &z) != napi_ok) return throw_error(env, "run: z must be a u32");
  const char *fields = code >= GEMM_BASE ? GEMM_FIELDS : spt_row_kernels[code].fields;
  const int want = code >= GEMM_BASE ? gemm_buffers(code - GEMM_BASE) : spt_row_kernels[code].buffers;
  char msg[256];
  if ((int)argc - 3 != want) {
    snprintf(msg, sizeof msg, "run: kernel %d takes %d buffers, got %d", code, want, (int)argc - 3);
    return throw_error(env, msg);
  }
  void *udata = NULL;
  size_t ulen = 0;
  _Alignas(16) unsigned char uniform[256];
  if (!bytes_of(env, argv[1], &udata, &ulen)) return throw_error(env, "run: the uniform must be bytes");
  if (ulen < 4u * (size_t)count_fields(fields) || ulen > sizeof uniform)
    return throw_error(env, "run: the uniform block has the wrong size");
  memcpy(uniform, udata, ulen);
  spt_buf bufs[MAX_BUFFERS];
  for (int i = 0; i < want; i++) {
    napi_typedarray_type type;
    size_t length, offset;
    napi_value ab;
    void *data = NULL;
    bool is = false;
    if (napi_is_typedarray(env, argv[3 + i], &is) != napi_ok || !is ||
        napi_get_typedarray_info(env, argv[3 + i], &type, &length, &data, &ab, &offset) != napi_ok ||
        type != napi_float32_array) {
      snprintf(msg, sizeof msg, "run: buffer %d is not a Float32Array", i);
      return throw_error(env, msg);
    }
    bufs[i].p = data;
    bufs[i].n = length;
  }
  pthread_mutex_lock(&run_lock);
  const char *err = code >= GEMM_BASE ? spt_gemm(code - GEMM_BASE, uniform, bufs, z, msg, sizeof msg)
                                      : spt_row_kernels[code].fn(uniform, bufs, z, msg, sizeof msg);
  pthread_mutex_unlock(&run_lock);
  if (err) return throw_error(env, err);
  return NULL;
}

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1)
    return throw_error(env, "setThreads: a positive thread count expected");
  pthread_mutex_lock(&run_lock);
  int rc = spt_pool_set_threads(n);
  pthread_mutex_unlock(&run_lock);
  if (rc != 0) {
    char msg[120];
    snprintf(msg, sizeof msg, "setThreads: could not start thread %d of %d (%s)", spt_pool_threads() + 1, n,
             strerror(rc));
    return throw_error(env, msg);
  }
  napi_value out;
  napi_create_int32(env, spt_pool_threads(), &out);
  return out;
}

static void set_str(napi_env env, napi_value obj, const char *name, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value Info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, threads;
  napi_create_object(env, &out);
  set_str(env, out, "version", SPT_NATIVE_VERSION);
#ifdef SPT_ACCELERATE
  set_str(env, out, "blas", "Accelerate");
  set_str(env, out, "core", "Apple");
#else
  set_str(env, out, "blas", openblas_get_config());
  set_str(env, out, "core", openblas_get_corename());
#endif
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
  __builtin_cpu_init();
  set_str(env, out, "target", __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? "x86-64-v3" : "x86-64");
#else
  set_str(env, out, "target", "default");
#endif
  napi_create_int32(env, spt_pool_threads(), &threads);
  napi_set_named_property(env, out, "threads", threads);
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
#ifndef SPT_ACCELERATE
  /* Each product runs on one thread; the pool decides which thread (pool.c). */
  openblas_set_num_threads(1);
#endif
  napi_property_descriptor props[] = {
      {"kernelCode", NULL, KernelCode, NULL, NULL, NULL, napi_default, NULL},
      {"kernelInfo", NULL, KernelInfo, NULL, NULL, NULL, napi_default, NULL},
      {"run", NULL, Run, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, Info, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)

#!/usr/bin/env bash
# Builds spt-native.node, the kernels of the native CPU step engine (native/src; docs/ARCHITECTURE.md,
# "The native CPU step engine"). Nothing is downloaded.
#
#   bash scripts/build-native.sh              source build for this machine (`npm run build:native`)
#                                             -> native/build/spt-native.node, which the engine prefers to
#                                             the prebuilt binary. Needs a C compiler (CC, default cc),
#                                             Node's headers (include/node beside the node binary, or
#                                             /usr/include/node, or SPT_NODE_INCLUDE) and OpenBLAS
#                                             (libopenblas.a linked in when found, else -lopenblas), or
#                                             Accelerate on macOS.
#   bash scripts/build-native.sh --prebuild   the shipped linux-x64 binary -> prebuilds/linux-x64/spt-native.node(.br)
#                                             and its build record spt-native.json: Debian's static OpenBLAS
#                                             (apt-get install libopenblas-pthread-dev; built with
#                                             DYNAMIC_ARCH, so one binary picks its kernels for every
#                                             x86-64 CPU at load time) linked in, stripped, and checked to
#                                             need nothing but glibc. The same inputs give the same bytes
#                                             (no paths, no dates in the binary; the record has its SHA-256).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/native/src"
MODE="source"
[[ "${1:-}" == "--prebuild" ]] && MODE="prebuild"
[[ "${1:-}" == "--help" || "${1:-}" == "-h" ]] && { sed -n '2,20p' "$0"; exit 0; }

fail() {
  echo "build-native: $*" >&2
  exit 1
}

CC="${CC:-cc}"
command -v "$CC" >/dev/null || fail "no C compiler ($CC): install gcc or clang, or set CC"

node_include() {
  local cands=()
  [[ -n "${SPT_NODE_INCLUDE:-}" ]] && cands+=("$SPT_NODE_INCLUDE")
  if command -v node >/dev/null; then
    local exe
    exe="$(node -p 'process.execPath')"
    cands+=("$(dirname "$(dirname "$exe")")/include/node")
  fi
  cands+=(/usr/include/node /usr/local/include/node)
  for d in "${cands[@]}"; do
    [[ -f "$d/node_api.h" ]] && { echo "$d"; return; }
  done
  fail "Node's headers (node_api.h) not found in ${cands[*]}: install Node's headers (Debian: libnode-dev) or set SPT_NODE_INCLUDE"
}

NODE_INC="$(node_include)"
SOURCES=("$SRC"/*.c)
CFLAGS=(-O3 -std=gnu11 -fPIC -pthread -fvisibility=hidden -fno-math-errno -fno-trapping-math -Wall -Wextra -Wno-unused-parameter
  -DNODE_GYP_MODULE_NAME=spt_native "-ffile-prefix-map=$ROOT=." -I"$NODE_INC")

if [[ "$MODE" == "prebuild" ]]; then
  [[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || fail "--prebuild makes the linux-x64 binary: run it on Linux x86-64"
  PKG=libopenblas-pthread-dev
  VERSION="$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null)" ||
    fail "$PKG is not installed: apt-get install $PKG"
  LIBDIR=/usr/lib/x86_64-linux-gnu/openblas-pthread
  INC=/usr/include/x86_64-linux-gnu/openblas-pthread
  BLAS_A="$LIBDIR/libopenblas.a"
  [[ -f "$BLAS_A" && -f "$INC/cblas.h" ]] || fail "$BLAS_A or $INC/cblas.h missing: apt-get install --reinstall $PKG"
  grep -q 'DYNAMIC_ARCH=1' "$LIBDIR/pkgconfig/openblas.pc" ||
    fail "$BLAS_A is not built with DYNAMIC_ARCH: the binary would only run on this CPU family"
  OUT_DIR="$ROOT/prebuilds/linux-x64"
  mkdir -p "$OUT_DIR"
  OUT="$OUT_DIR/spt-native.node"
  TMP="$(mktemp -d)"
  trap 'rm -rf "$TMP"' EXIT
  # OpenBLAS's symbols stay inside the binary (--exclude-libs): no clash with another BLAS in the process.
  "$CC" "${CFLAGS[@]}" -I"$INC" -shared -o "$TMP/spt-native.node" "${SOURCES[@]}" "$BLAS_A" -lm \
    -static-libgcc -Wl,--exclude-libs,ALL -Wl,--build-id=sha1 -Wl,-z,noexecstack -Wl,-O1
  strip --strip-unneeded "$TMP/spt-native.node"
  NEEDED="$(objdump -p "$TMP/spt-native.node" | awk '/NEEDED/ {print $2}' | sort | tr '\n' ' ')"
  for lib in $NEEDED; do
    case "$lib" in
    libc.so.6 | libm.so.6 | libpthread.so.0 | libdl.so.2 | ld-linux-x86-64.so.2) ;;
    *) fail "the binary needs $lib: only glibc's libraries are allowed" ;;
    esac
  done
  GLIBC="$(objdump -T "$TMP/spt-native.node" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
  mv "$TMP/spt-native.node" "$OUT"
  SHA="$(sha256sum "$OUT" | cut -d' ' -f1)"
  BYTES="$(stat -c %s "$OUT")"
  cat >"$OUT_DIR/spt-native.json" <<JSON
{
  "file": "spt-native.node",
  "platform": "linux-x64",
  "sha256": "$SHA",
  "bytes": $BYTES,
  "needs": "$(echo "$NEEDED" | xargs)",
  "glibc": "${GLIBC#GLIBC_} or later",
  "openblas": "$PKG $VERSION (static, DYNAMIC_ARCH, pthread)",
  "compiler": "$("$CC" --version | head -1)",
  "node_api": "NAPI_VERSION 3 (Node's $(sed -n 's/^#define NODE_MAJOR_VERSION //p' "$NODE_INC/node_version.h") headers)",
  "command": "bash scripts/build-native.sh --prebuild"
}
JSON
  # The repository keeps it brotli-packed (24 MB -> 1.4 MB); scripts/build.mjs unpacks it into dist/native.
  node -e "const z=require('zlib'),fs=require('fs');const b=fs.readFileSync(process.argv[1]);fs.writeFileSync(process.argv[1]+'.br',z.brotliCompressSync(b,{params:{[z.constants.BROTLI_PARAM_QUALITY]:11,[z.constants.BROTLI_PARAM_LGWIN]:24,[z.constants.BROTLI_PARAM_SIZE_HINT]:b.length}}))" "$OUT"
  echo "build-native: $OUT ($((BYTES / 1024 / 1024)) MiB, needs $NEEDED, $GLIBC+, sha256 $SHA)"
  exit 0
fi

OUT_DIR="$ROOT/native/build"
mkdir -p "$OUT_DIR"
OUT="$OUT_DIR/spt-native.node"
case "$(uname -s)" in
Darwin)
  "$CC" "${CFLAGS[@]}" -DSPT_ACCELERATE -shared -undefined dynamic_lookup -o "$OUT" "${SOURCES[@]}" \
    -framework Accelerate
  ;;
*)
  INC=""
  for d in "${SPT_OPENBLAS_INCLUDE:-}" /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include/aarch64-linux-gnu/openblas-pthread \
    /usr/include/openblas /usr/local/include/openblas /usr/include /opt/OpenBLAS/include; do
    [[ -n "$d" && -f "$d/cblas.h" ]] && { INC="$d"; break; }
  done
  [[ -n "$INC" ]] || fail "cblas.h not found: install OpenBLAS (Debian: libopenblas-pthread-dev) or set SPT_OPENBLAS_INCLUDE"
  LIB=()
  for d in "${SPT_OPENBLAS_LIB:-}" /usr/lib/x86_64-linux-gnu/openblas-pthread /usr/lib/aarch64-linux-gnu/openblas-pthread \
    /usr/lib64 /usr/lib /usr/local/lib /opt/OpenBLAS/lib; do
    [[ -n "$d" && -f "$d/libopenblas.a" ]] && { LIB=("$d/libopenblas.a" -static-libgcc -Wl,--exclude-libs,ALL); break; }
  done
  [[ ${#LIB[@]} -gt 0 ]] || LIB=(-lopenblas)
  "$CC" "${CFLAGS[@]}" -I"$INC" -shared -o "$OUT" "${SOURCES[@]}" "${LIB[@]}" -lm -Wl,-z,noexecstack
  ;;
esac
echo "build-native: $OUT (OpenBLAS: ${LIB[*]:-Accelerate})"

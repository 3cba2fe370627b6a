#!/usr/bin/env bash
# Builds .gpu/, everything scripts/device/gpu-check.sh needs on a lent GPU machine that has no npm and no
# network (carry it: `run` with carry [".gpu"], command `bash scripts/device/gpu-check.sh`), from this
# checkout after `npm install`: the bundled check and CLI, the parity fixtures, node (xz), a minimal
# node_modules with Dawn (npm `webgpu`) and the tfjs packages it loads at run time, and Debian's Vulkan
# loader (libvulkan1). About 45 MB. Dev tooling only; .gpu/ is git-ignored.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rm -rf .gpu && mkdir -p .gpu/helpers .gpu/fixtures .gpu/nm/node_modules/@tensorflow .gpu/vulkan
npm run build >/dev/null
node scripts/device/build-gpu-check.mjs
cp dist/cli.js .gpu/helpers/cli.js
cp -r dist/wasm .gpu/helpers/wasm
cp -r test/fixtures/parity .gpu/fixtures/parity
xz -T0 -6 -c "$(command -v node)" >.gpu/node.xz
# node_modules: the packages the bundle leaves external, with their run-time dependencies
nm=.gpu/nm/node_modules
mkdir -p "$nm/webgpu/dist/linux-x64"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$nm/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$nm/webgpu/dist/linux-x64/"
mkdir -p "$nm/@img"
for p in @tensorflow/tfjs-backend-webgpu @tensorflow/tfjs-core long seedrandom node-fetch whatwg-url tr46 \
  webidl-conversions sharp @img/colour @img/sharp-linux-x64 @img/sharp-libvips-linux-x64 detect-libc semver; do
  if [ -d "node_modules/$p" ]; then cp -r "node_modules/$p" "$nm/$p"; fi
done
rm -rf "$nm/@tensorflow/tfjs-core/dist/"*.min.js* "$nm/@tensorflow/tfjs-core/dist/"*.es2017.js* \
  "$nm/@tensorflow/tfjs-backend-webgpu/dist/"*.min.js* "$nm/@tensorflow/tfjs-backend-webgpu/dist/"*.es2017.js*
tar -C .gpu -cJf .gpu/nm.tar.xz nm && rm -rf .gpu/nm
# the Vulkan loader (the GPU machine has NVIDIA's driver and ICD, not necessarily libvulkan.so.1)
tmp=$(mktemp -d)
(cd "$tmp" && apt-get download libvulkan1 >/dev/null 2>&1) || true
deb=$(ls "$tmp"/libvulkan1_*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then
  dpkg -x "$deb" "$tmp/x" && cp -L "$tmp"/x/usr/lib/x86_64-linux-gnu/libvulkan.so.1 .gpu/vulkan/
else
  echo "prepare-gpu-check: libvulkan1 not downloadable (apt-get update?); the machine's own loader is used"
fi
rm -rf "$tmp"
du -sh .gpu

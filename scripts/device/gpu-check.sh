#!/usr/bin/env bash
# Runs on the lent GPU machine (see scripts/device/gpu-check.ts), from the repo root, with .gl (Vulkan
# loader debs) and .gpu (xz'd node, dawn.node, the bundle, a minimal node_modules) carried.
set -uo pipefail
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd
mkdir -p /tmp/n && xz -dc .gpu/node.xz >/tmp/n/node && chmod +x /tmp/n/node && export PATH=/tmp/n:$PATH
mkdir -p .gpu/nm/node_modules/webgpu/dist/linux-x64
xz -dc .gpu/dawn.node.xz >.gpu/nm/node_modules/webgpu/dist/linux-x64/dawn.node
tar -C .gpu/nm/node_modules -xJf .gpu/sharp.tar.xz
export SPT_BACKEND_DIRS=$PWD/.gpu/nm NODE_PATH=$PWD/.gpu/nm/node_modules
nvidia-smi -L; ls /dev/dri /dev/nvidia* 2>&1 | head; ldconfig -p | grep -i vulkan
cd .gpu/helpers
node cli.js doctor 2>&1 | tee "$OUT/doctor.txt"
SPT_PARITY_BACKENDS=webgpu node gpu-check.js --backends ${BACKENDS:-webgpu} --steps ${STEPS:-10} 2>&1 | tee "$OUT/gpu-check.log" | grep -v "^ok \|^ - \|^validation\|^\[Invalid" | head -80
cd ../..
python3 scripts/device/torch_cuda_step.py 20 2>&1 | tee "$OUT/torch-cuda.txt"

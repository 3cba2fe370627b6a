#!/usr/bin/env bash
# The device check (issue 15), one call on a lent NVIDIA machine, from the repo root, with .gpu/ carried
# (made here by `bash scripts/device/prepare-gpu-check.sh`: xz'd node, Dawn, the Vulkan loader, the bundled
# check and a minimal node_modules; that machine has no npm and no network). Under 8 minutes:
#   1. spt doctor (which adapter, why webgpu);
#   2. the PyTorch parity fixtures on webgpu (tfjs-backend-webgpu) and the step engine's equality test;
#   3. SPT-deep training steps of ViT-Ti/16, ViT-S/16, ViT-B/16 at batch 8, 64, 128: the WebGPU step
#      engine and PyTorch CUDA (fp32 with TF32 off, and AMP), interleaved round by round on the same card;
#   4. results-gpu.json (medians, ratios, card, driver, date) into $OUT.
# Then, back here: cp <files_at>/results-gpu.json bench/ && npx tsx scripts/device/render-gpu-results.ts
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
ROUNDS=${ROUNDS:-2}
STEPS=${STEPS:-10}
CONFIGS=${CONFIGS:-vit-ti16,vit-s16,vit-b16}
BATCHES=${BATCHES:-8,64,128}
t0=$SECONDS
log() { echo "[gpu-check $((SECONDS - t0))s] $*" | tee -a "$OUT/gpu-check.log"; }

# ---- runtime: node, Dawn, the Vulkan loader (from Debian's libvulkan1), NVIDIA's Vulkan ICD
mkdir -p /tmp/n && xz -dc .gpu/node.xz >/tmp/n/node && chmod +x /tmp/n/node && export PATH=/tmp/n:$PATH
tar -C .gpu -xJf .gpu/nm.tar.xz
if [ -d .gpu/vulkan ]; then export LD_LIBRARY_PATH=$PWD/.gpu/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; fi
for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
  /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
  [ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd && break
done
export XDG_RUNTIME_DIR=$(mktemp -d) NODE_PATH=$PWD/.gpu/nm/node_modules SPT_BACKEND_DIRS=$PWD/.gpu/nm
export SPT_WEBGPU_MEMORY_MB=${SPT_WEBGPU_MEMORY_MB:-40000}
{
  date -u +%FT%TZ
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  node --version
  echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-unset}"
} >"$OUT/machine.txt" 2>&1
log "$(tr '\n' ' ' <"$OUT/machine.txt")"

# ---- 1. doctor, 2. parity and equality
node .gpu/helpers/cli.js doctor >"$OUT/doctor.txt" 2>&1
log "doctor: $(grep -i 'webgpu' "$OUT/doctor.txt" | head -3 | tr '\n' ' ')"
(cd .gpu/helpers && SPT_PARITY_BACKENDS=webgpu timeout 150 node gpu-check.js --backends webgpu --steps 0) \
  >"$OUT/parity.log" 2>&1
log "parity: $(grep -c '^ok ' "$OUT/parity.log") ok, $(grep -c '^FAIL' "$OUT/parity.log") failed"

# ---- 3. throughput, interleaved: ours then PyTorch, round by round
: >"$OUT/results.jsonl"
for r in $(seq "$ROUNDS"); do
  (cd .gpu/helpers && timeout 200 node gpu-check.js --engine "$CONFIGS" --batches "$BATCHES" \
    --steps "$STEPS") 2>&1 | tee -a "$OUT/engine.log" | sed -n 's/^RESULT /{"round":'"$r"',"r":/p' |
    sed 's/$/}/' >>"$OUT/results.jsonl"
  log "round $r: engine done"
  timeout 200 python3 scripts/device/torch_cuda_step.py --configs "$CONFIGS" --batches "$BATCHES" \
    --steps "$STEPS" 2>&1 | tee -a "$OUT/torch.log" |
    sed -n 's/^RESULT /{"round":'"$r"',"r":/p' | sed 's/$/}/' >>"$OUT/results.jsonl"
  log "round $r: torch done"
done

# ---- 4. collect
node .gpu/helpers/gpu-check.js --collect "$OUT" >>"$OUT/gpu-check.log" 2>&1
log "collected: $(ls "$OUT")"

#!/usr/bin/env bash
# Copyright (c) OpenMMLab. All rights reserved.
# The GPU measurements in one run, from the repository root, `.whl` carried
# (tools/gpu/make_device_bundle.sh); everything is written to $OUT (default
# work_dirs/device_check):
#
#   1. set-up (tools/gpu/device_setup.sh): the carried wheels and mmcv 2.1.0
#      compiled with its CUDA CARAFE kernels only (MMCV_CUDA_OPS, default
#      "carafe"); if that build fails, mmcv's CPU ops (CARAFE then runs its
#      PyTorch path on CUDA, and the log says so);
#   2. benchmark.py --device cuda: T-MAD (paper config) and DeepFillv2,
#      float32 and bfloat16 autocast, batch 1 and 16, one training step each,
#      the GPU's conv-stack roofline, fractions of --peak-tflops (PEAK_TFLOPS,
#      default 989: H100/H200 SXM dense bf16);
#   3. the CUDA tests (mmcv's CARAFE against the PyTorch one, T-MAD's inference
#      on CUDA against the CPU);
#   4. TRAIN_ITERS (default 200) iterations of the shipped T-MAD config on the
#      embedded photos (256x256 crops, both phases), float32;
#   5. benchmark.py for the shipped T-MAD (Telea prior, texture synthesis)
#      beside DeepFillv2.
#
# Each step has a time limit inside DEADLINE seconds (default 540) and a failed
# step does not stop the next. STEPS (default "bench tests train shipped")
# picks steps 2-5; set-up always runs.
#
#   bash tools/gpu/device_check.sh          # OUT=<dir> to choose the output
#   STEPS="tests shipped" bash tools/gpu/device_check.sh
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
OUT=${OUT:-$ROOT/work_dirs/device_check}
DEADLINE=${DEADLINE:-540}
TRAIN_ITERS=${TRAIN_ITERS:-200}
PEAK_TFLOPS=${PEAK_TFLOPS:-989}
STEPS=${STEPS:-bench tests train shipped}
export MMCV_CUDA_OPS=${MMCV_CUDA_OPS-carafe}
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
mkdir -p "$OUT"
exec > >(tee -a "$OUT/device_check.log") 2>&1

step() { echo "== [$(date +%T), ${SECONDS} s] $*"; }
want() { [[ " $STEPS " == *" $1 "* ]]; }
left() { echo $((DEADLINE - SECONDS)); }
limit() {  # limit CAP: CAP seconds, or what is left before the deadline
  local l
  l=$(left)
  echo $((l < $1 ? (l > 5 ? l : 5) : $1))
}

step "machine"
nvidia-smi | tee "$OUT/nvidia-smi.txt"
echo "cpus: $(nproc)"
command -v nvcc >/dev/null && nvcc --version | tail -n 2

step "set-up: wheels, mmcv with CUDA kernels: ${MMCV_CUDA_OPS:-all}"
export SITE=/tmp/site
setup() { timeout "$(limit "$1")" bash -c \
  'source tools/gpu/device_setup.sh' 2>&1; }
export PYTHONPATH=$SITE:$ROOT${PYTHONPATH:+:$PYTHONPATH}
setup 300
rc=$?
if [[ $rc == 3 ]]; then
  step "stopped: the carried wheels do not import (above)"
  exit 1
elif [[ $rc != 0 ]]; then
  if python3 -c 'import mmcv._ext' 2>/dev/null; then
    step "set-up failed after mmcv was built (see above)"
  else
    step "CUDA build failed: mmcv with CPU ops only"
    rm -rf "$SITE"/mmcv "$SITE"/mmcv-*
    MMCV_FORCE_CUDA=0 setup 200 || step "set-up failed"
  fi
fi

bench() {  # bench CAP NAME CONFIG... [options]
  local cap=$1 name=$2
  shift 2
  timeout "$(limit "$cap")" python3 tools/analysis_tools/benchmark.py "$@" \
    --device cuda --amp none bf16 --batch-sizes 1 16 --train-step \
    --peak-tflops "$PEAK_TFLOPS" --out "$OUT/$name.json" \
    --md "$OUT/$name.md" --overwrite || step "$name failed ($?)"
}
if want bench; then
  step "benchmark: T-MAD (paper config) and DeepFillv2 (left: $(left) s)"
  bench 200 benchmark configs/tmad/tmad_4xb4_places-256x256.py \
    configs/deepfillv2/deepfillv2_4xb4_places-256x256.py
fi

if want tests; then
  step "CUDA tests (left: $(left) s)"
  timeout "$(limit 80)" python3 -m pytest -q -p no:cacheprovider -rs \
    tests/test_models/test_archs/test_carafe.py \
    tests/test_models/test_editors/test_tmad/test_tmad_texture_synthesis.py \
    tests/test_apis/test_inpainting.py -k cuda || step "tests failed ($?)"
fi

if want train; then
  step "training: ${TRAIN_ITERS} iterations (left: $(left) s)"
  DATA=/tmp/embedded_256
  timeout 60 python3 tools/dataset_converters/embedded_photos.py \
    --out "$DATA" --crop-size 256 >/dev/null || step "embedded photos failed"
  half=$((TRAIN_ITERS / 2))
  timeout "$(limit 130)" python3 tools/train.py \
    configs/tmad/tmad_telea_1xb4_photos-256x256.py --work-dir /tmp/train \
    --cfg-options train_dataloader.dataset.data_root="$DATA" \
    train_dataloader.num_workers=4 \
    val_cfg=None val_dataloader=None val_evaluator=None \
    test_cfg=None test_dataloader=None test_evaluator=None \
    train_cfg.max_iters="$TRAIN_ITERS" model.train_cfg.coarse_iters="$half" \
    "param_scheduler.periods=[$half,$((TRAIN_ITERS - half))]" \
    default_hooks.logger.interval=10 \
    default_hooks.checkpoint.interval="$TRAIN_ITERS" ||
    step "training failed ($?)"
  scalars=$(ls -t /tmp/train/*/vis_data/scalars.json 2>/dev/null | head -n 1)
  [[ -n $scalars ]] && cp "$scalars" "$OUT/train_scalars.json"
fi

if want shipped; then
  step "benchmark: the shipped T-MAD (left: $(left) s)"
  bench 150 benchmark_shipped configs/tmad/tmad_telea_1xb4_photos-256x256.py \
    configs/deepfillv2/deepfillv2_4xb4_places-256x256.py --no-roofline
fi
step "done"

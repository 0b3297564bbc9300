#!/usr/bin/env bash
# Copyright (c) OpenMMLab. All rights reserved.
# Idempotent environment set-up for mmedit_tmad (called by `make demo` / `make test`).
#
#   1. a virtual environment in $VENV (default: <repo>/.venv);
#   2. torch 2.13.0 + torchvision 0.28.0 from the package registry (the pair that
#      imports together; a local "+cpu" torch wheel does not pair with torchvision);
#   3. mmcv 2.1.0 compiled once into a wheel cache *outside* the clone
#      ($MMEDIT_TMAD_CACHE, default ~/.cache/mmedit_tmad) and reused afterwards;
#   4. mmagic 1.2.0 (without its optional heavy extras) and the rest, under
#      requirements/constraints.txt;
#   5. `pip install -e .`.
#
# A stamp file records a hash of every input of this script, so a second run in the same
# clone only checks the stamp and returns in about a second.
# Environment knobs: VENV, PYTHON, MMEDIT_TMAD_CACHE, MAX_JOBS, FORCE_CUDA (GPU users).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
CACHE=${MMEDIT_TMAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmedit_tmad}
REQ=$ROOT/requirements
STAMP=$VENV/.mmedit_tmad_env

say() { printf '[setup_env %(%H:%M:%S)T] %s\n' -1 "$*"; }

inputs_hash() {
  cat "$REQ"/constraints.txt "$REQ"/runtime.txt "$REQ"/tests.txt "$REQ"/mim.txt \
    "$REQ"/metrics.txt \
    "$ROOT"/setup.py "$ROOT"/tools/setup_env.sh | sha256sum | cut -c1-16
}
HASH=$(inputs_hash)

if [[ -f $STAMP && $(cat "$STAMP") == "$HASH" ]]; then
  say "environment in $VENV is up to date (stamp $HASH)"
  exit 0
fi

start=$SECONDS
if [[ ! -x $VENV/bin/python ]]; then
  say "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY=$VENV/bin/python
PIP=("$PY" -m pip --disable-pip-version-check)
export PIP_PROGRESS_BAR=off
# pip warns about every empty local index folder this machine's pip.conf names; keep
# the warnings out of the log, but keep pip's exit status.
pip_quiet() { "${PIP[@]}" "$@" 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2); }

say "step 1/5: build tools (pip, setuptools<82, wheel, ninja)"
pip_quiet install -q -c "$REQ/constraints.txt" --upgrade pip 'setuptools<82' wheel ninja

# The machine's pip may be configured with a find-links folder holding a torch "+cpu"
# wheel; PEP 440 ranks 2.13.0+cpu above 2.13.0, and that build does not work with the
# registry's torchvision. An empty find-links folder makes pip take the registry pair.
say "step 2/5: torch + torchvision (registry pair; first run downloads ~4 GB)"
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
EMPTY_LINKS=$TMPD/links
mkdir "$EMPTY_LINKS"
PIP_FIND_LINKS=$EMPTY_LINKS pip_quiet install -q -c "$REQ/constraints.txt" \
  torch torchvision numpy
TORCH_TAG=$("$PY" -c 'import sys, torch; print(f"torch{torch.__version__}-py{sys.version_info[0]}{sys.version_info[1]}")')

# mmcv's compiled ops must match torch's ABI: the cache is keyed by torch and Python.
WHEELS=$CACHE/wheels/$TORCH_TAG${FORCE_CUDA:+-cuda}
mkdir -p "$WHEELS"
MMCV_WHEEL=$(ls "$WHEELS"/mmcv-2.1.0-*.whl 2>/dev/null | head -n 1 || true)
if [[ -z $MMCV_WHEEL ]]; then
  jobs=${MAX_JOBS:-$(nproc)}
  say "step 3/5: compiling mmcv 2.1.0 with ops into $WHEELS"
  say "          (one time only; ~12-21 min on 2 cores; compiler output in $WHEELS/build.log)"
  # Keep the sdist next to the wheel: GPU machines without registry access build from it.
  if [[ ! -f $WHEELS/mmcv-2.1.0.tar.gz ]]; then
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation \
      -d "$TMPD/sdist" mmcv==2.1.0 >/dev/null 2>&1 || true
    # `pip download` of an sdist runs its setup.py; take the archive either way.
    if ls "$TMPD"/sdist/mmcv-2.1.0.tar.gz >/dev/null 2>&1; then
      mv "$TMPD"/sdist/mmcv-2.1.0.tar.gz "$WHEELS"/
    fi
  fi
  SRC=mmcv==2.1.0
  [[ -f $WHEELS/mmcv-2.1.0.tar.gz ]] && SRC=$WHEELS/mmcv-2.1.0.tar.gz
  BUILD=$TMPD/build
  (
    export MMCV_WITH_OPS=1 MAX_JOBS=$jobs
    "${PIP[@]}" wheel -v --no-build-isolation --no-deps -w "$BUILD" "$SRC" \
      >"$WHEELS/build.log" 2>&1
  ) &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 30
    if kill -0 "$pid" 2>/dev/null; then
      # ninja prints "[done/total] <command>" per compiled file
      step=$(grep -oE '^\[[0-9]+/[0-9]+\]' "$WHEELS/build.log" 2>/dev/null | tail -n 1 || true)
      say "          still compiling mmcv: ${step:-preparing} ($((SECONDS - start)) s elapsed)"
    fi
  done
  if ! wait "$pid"; then
    tail -n 40 "$WHEELS/build.log" >&2
    say "mmcv build failed; full log: $WHEELS/build.log" >&2
    exit 1
  fi
  # Move into place only when complete, so an interrupted build never leaves a bad wheel.
  mv "$BUILD"/mmcv-2.1.0-*.whl "$WHEELS"/
  MMCV_WHEEL=$(ls "$WHEELS"/mmcv-2.1.0-*.whl | head -n 1)
else
  say "step 3/5: mmcv 2.1.0 wheel found in cache: $MMCV_WHEEL (no compile)"
fi

say "step 4/5: mmcv, mmengine, mmagic 1.2.0 and runtime/test requirements"
# mmagic's own Requires-Dist lists optional heavy packages (mediapipe, face-alignment,
# facexlib, av, lmdb) that neither the inpainting stack nor `mmagic.apis` imports:
# install it without them, and everything else (its real import-time needs, listed in
# runtime.txt) with their dependencies.
grep -v '^mmagic' "$REQ/runtime.txt" >"$TMPD/runtime.txt"
PIP_FIND_LINKS=$EMPTY_LINKS pip_quiet install -q -c "$REQ/constraints.txt" "$MMCV_WHEEL" \
  -r "$TMPD/runtime.txt" -r "$REQ/tests.txt" -r "$REQ/deploy.txt"
PIP_FIND_LINKS=$EMPTY_LINKS pip_quiet install -q --no-deps -c "$REQ/constraints.txt" mmagic
# openmim (for `mim train mmedit_tmad ...`) declares opendatalab -> openxlab, which pins
# setuptools 60 / requests 2.28 / tqdm 4.65; mim's train/test/run commands never import
# them, so it is installed without its declared dependencies (the ones it imports are
# listed in requirements/mim.txt and installed above or here).
PIP_FIND_LINKS=$EMPTY_LINKS pip_quiet install -q --no-deps -c "$REQ/constraints.txt" \
  -r "$REQ/mim.txt"
# FID/KID's InceptionV3 file (requirements/metrics.txt: the file only, no dependencies)
PIP_FIND_LINKS=$EMPTY_LINKS pip_quiet install -q --no-deps -r "$REQ/metrics.txt"

say "step 5/5: pip install -e . (mmedit_tmad)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "$ROOT"

say "checking that the stack imports"
"$PY" - <<'EOF'
import torch, torchvision, mmcv, mmengine, mmagic, numpy
import mmcv.ops  # compiled extension
import mmagic.models  # the whole model zoo, as a registry lookup does
from mmagic.apis import MMagicInferencer, init_model  # mmagic's inference API
import mmedit_tmad
import patchmatch, psutil, mim.commands.train  # classical baseline, memory log, mim
import onnx, onnxruntime  # export and run of the whole inference
from mmedit_tmad.evaluation.metrics import fid_helper_inception_path
fid_helper_inception_path()  # FID/KID's local InceptionV3
print(f'  torch {torch.__version__}, torchvision {torchvision.__version__}, '
      f'numpy {numpy.__version__}, mmcv {mmcv.__version__}, '
      f'mmengine {mmengine.__version__}, mmagic {mmagic.__version__}, '
      f'mmedit_tmad {mmedit_tmad.__version__}')
EOF
echo "$HASH" >"$STAMP"
say "done in $((SECONDS - start)) s"

#!/usr/bin/env bash
# Copyright (c) OpenMMLab. All rights reserved.
# Prepare, on a machine with registry access, what the GPU machine needs to run
# mmedit_tmad with mmcv's CUDA ops: cp312 wheels (tools/gpu/device_requirements.txt)
# and the mmcv 2.1.0 source archive, in <repo>/.whl (git-ignored through
# .git/info/exclude, as the device tool's README asks). Carry `.whl` with the run and
# start the command with `bash tools/gpu/device_setup.sh`.
#
#   bash tools/gpu/make_device_bundle.sh     # ~26 MB, well inside the 64 MiB carry limit
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${PY:-$ROOT/.venv/bin/python}
OUT=$ROOT/.whl
mkdir -p "$OUT" "$ROOT/.git/info"
grep -qxF '/.whl/' "$ROOT/.git/info/exclude" 2>/dev/null || echo '/.whl/' >>"$ROOT/.git/info/exclude"

PLAT=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 \
  manylinux2014_x86_64 manylinux1_x86_64; do PLAT+=(--platform "$p"); done
grep -vE '^\s*(#|$)' "$ROOT/tools/gpu/device_requirements.txt" >"$OUT/requirements.txt"
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp "${PLAT[@]}" -d "$OUT" -r "$OUT/requirements.txt" \
  2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
# mmcv has no wheel for torch 2.11 + CUDA 13: carry the source and compile it there.
if [[ ! -f $OUT/mmcv-2.1.0.tar.gz ]]; then
  "$PY" -m pip download -q --no-deps --no-binary :all: --no-build-isolation -d "$OUT" \
    mmcv==2.1.0 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
fi
du -sh "$OUT"
ls "$OUT"

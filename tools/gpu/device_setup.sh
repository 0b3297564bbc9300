#!/usr/bin/env bash
# Copyright (c) OpenMMLab. All rights reserved.
# Run on the GPU machine (device tool), from the repository root, with `.whl` carried
# (made by tools/gpu/make_device_bundle.sh). Installs the carried wheels into
# /tmp/site, compiles mmcv 2.1.0 with its CUDA ops for the machine's GPU
# (FORCE_CUDA=1, TORCH_CUDA_ARCH_LIST from the device, MAX_JOBS=nproc) and checks that
# mmcv's CARAFE op and mmedit_tmad import. Source it, so PYTHONPATH stays set:
#
#   source tools/gpu/device_setup.sh && python3 -m pytest tests/test_models/test_archs -q
#
# MMCV_CUDA_OPS="carafe" compiles only these ops' CUDA kernels (the others keep
# their CPU kernels and raise on CUDA tensors; tools/gpu/trim_mmcv_cuda.py): T-MAD
# needs CARAFE alone, and the build takes a fraction of the full one's time.
# MMCV_FORCE_CUDA=0 builds mmcv's CPU ops only (CARAFE then runs its PyTorch path
# on CUDA tensors too). Exit status 3: the carried wheels do not import beside the
# image's packages (checked before the build).
#
# The GPU image's own numpy 2.x, scipy and OpenCV are used as they are (`import
# mmedit_tmad` restores the np.bool8 alias that mmagic 1.2 reads); its transformers
# 5.x and huggingface-hub 1.x are shadowed by the carried pins (mmagic 1.2 imports
# transformers 4.x internals), and yapf's platformdirs is carried.
set -eo pipefail
SITE=${SITE:-/tmp/site}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target "$SITE" .whl/*.whl
export PYTHONPATH=$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}
# the carried pins against the image's packages, before minutes of compiling
python3 -c 'import numpy, scipy.stats, cv2, mmengine, transformers, diffusers' || {
  echo "the carried wheels and the image's packages do not import together" >&2
  return 3 2>/dev/null || exit 3
}
if ! python3 -c 'import mmcv.ops' 2>/dev/null; then
  ARCH=$(python3 -c 'import torch; print("%d.%d" % torch.cuda.get_device_capability())')
  start=$SECONDS
  rm -rf /tmp/mmcv-src && mkdir -p /tmp/mmcv-src
  tar -xzf .whl/mmcv-2.1.0.tar.gz -C /tmp/mmcv-src
  if [[ -n ${MMCV_CUDA_OPS:-} && ${MMCV_FORCE_CUDA:-1} == 1 ]]; then
    # shellcheck disable=SC2086
    python3 tools/gpu/trim_mmcv_cuda.py /tmp/mmcv-src/mmcv-2.1.0 \
      $MMCV_CUDA_OPS || { return 1 2>/dev/null || exit 1; }
  fi
  (cd /tmp/mmcv-src/mmcv-2.1.0 && MMCV_WITH_OPS=1 \
    FORCE_CUDA=${MMCV_FORCE_CUDA:-1} \
    TORCH_CUDA_ARCH_LIST=$ARCH MAX_JOBS=$(nproc) \
    python3 -m pip install -q --no-deps --no-build-isolation --no-index \
    --target "$SITE" . >/tmp/mmcv-build.log 2>&1) || {
    tail -n 40 /tmp/mmcv-build.log
    echo "mmcv CUDA build failed (log: /tmp/mmcv-build.log)" >&2
    return 1 2>/dev/null || exit 1
  }
  echo "mmcv 2.1.0 compiled (FORCE_CUDA=${MMCV_FORCE_CUDA:-1}, sm_${ARCH/./}," \
    "CUDA kernels: ${MMCV_CUDA_OPS:-all}) in $((SECONDS - start)) s"
fi
python3 - <<'PY'
import torch, mmcv, mmengine, mmagic, numpy
from mmcv.ops import carafe as mmcv_carafe
import mmedit_tmad
x = torch.randn(1, 4, 8, 8, device='cuda')
m = torch.softmax(torch.randn(1, 25, 16, 16, device='cuda'), 1)
try:
    print('mmcv CARAFE on CUDA:', tuple(mmcv_carafe(x, m, 5, 1, 2).shape))
except RuntimeError as e:  # a CPU-ops build: T-MAD uses its PyTorch CARAFE
    print('mmcv CARAFE on CUDA: not built:', str(e).splitlines()[0])
print(f'torch {torch.__version__} ({torch.cuda.get_device_name()}), numpy '
      f'{numpy.__version__}, mmcv {mmcv.__version__}, mmengine '
      f'{mmengine.__version__}, mmagic {mmagic.__version__}')
PY

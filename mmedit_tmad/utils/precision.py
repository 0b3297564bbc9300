# Copyright (c) OpenMMLab. All rights reserved.
"""Precision and memory layout of inference and training on this machine.

bfloat16 pays on a CPU only where oneDNN has matrix instructions for it:
Intel AMX (``amx_bf16``). A CPU with AVX-512 BF16 but no AMX runs bfloat16
convolutions *slower* than float32 (measured on a 2-core Xeon without AMX:
4x 128-channel 3x3 convs on 4x128x64x64, channels_last: 252 GFLOP/s in
float32, 149 GFLOP/s under bfloat16 autocast; ``docs/benchmarks.md``). So:

* ``'auto'`` (the default of :func:`mmedit_tmad.apis.init_model`,
  ``tools/inpaint.py`` and ``tools/test.py``) picks bfloat16 autocast on a
  CPU with AMX and float32 everywhere else (CUDA included: the paper's
  numbers are float32), also where ``ONEDNN_MAX_CPU_ISA`` keeps oneDNN
  below AMX;
* ``'fp32'`` and ``'bf16'`` force one (``'bf16'`` with a warning on a CPU
  without AMX, :func:`warn_slow_bf16`); ``MMEDIT_TMAD_PRECISION`` sets the
  default of ``'auto'`` for a whole run (the switch that turns bfloat16
  off, or on where it does not pay);
* on a CPU, T-MAD models are put in ``channels_last`` layout, in float32
  too (oneDNN's blocked kernels: 1.8x on the conv above, 1.3x on T-MAD's
  test pass). mmagic's DeepFill and AOT-GAN code reshapes features with
  ``view`` and fails on that layout, so other models keep theirs.

CARAFE's reassembly runs in float32 under autocast (see
:func:`mmedit_tmad.models.archs.carafe.carafe_pytorch`), so bfloat16 is
confined to the convolutions and matrix products; the retrieval ranks the
memory in float32
(:class:`~mmedit_tmad.models.editors.tmad.TMADTextureRetrieval`), and the
texture synthesis takes only its search's product in bfloat16 and compares
matches in float32
(:class:`~mmedit_tmad.models.editors.tmad.TMADTextureSynthesis`).
"""
import contextlib
import os
import warnings
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.device import get_device

PRECISIONS = ('auto', 'fp32', 'bf16')
ENV = 'MMEDIT_TMAD_PRECISION'


#: oneDNN's caps on the instruction sets it uses (if both are set, the
#: first wins, as in oneDNN)
ONEDNN_ISA_ENVS = ('ONEDNN_MAX_CPU_ISA', 'DNNL_MAX_CPU_ISA')


def onednn_may_use_amx() -> bool:
    """False when ``ONEDNN_MAX_CPU_ISA`` (or the older ``DNNL_MAX_CPU_ISA``)
    keeps oneDNN below AMX, e.g. ``AVX2`` or ``AVX512_CORE_BF16``; then
    its bfloat16 kernels are the slow ones even on a CPU with AMX."""
    for name in ONEDNN_ISA_ENVS:
        cap = os.environ.get(name, '').strip().upper()
        if cap:
            return cap in ('ALL', 'DEFAULT') or 'AMX' in cap
    return True


def cpu_has_bf16_matmul() -> bool:
    """True when oneDNN has bfloat16 matrix instructions (AMX) here and
    may use them (:func:`onednn_may_use_amx`)."""
    if not onednn_may_use_amx():
        return False
    probe = getattr(torch.cpu, '_is_amx_tile_supported', None)
    try:
        return bool(probe()) if probe is not None else False
    except RuntimeError:  # a build without the probe's backend
        return False


def resolve_precision(precision: str = 'auto',
                      device: Union[str, torch.device] = 'cpu') -> str:
    """``'fp32'`` or ``'bf16'`` for ``precision`` on ``device``.

    Args:
        precision (str): ``'auto'``, ``'fp32'`` or ``'bf16'``.
        device (str | torch.device): Where the model runs.

    Returns:
        str: ``'fp32'`` or ``'bf16'``.
    """
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got '
                         f'{precision!r}')
    if precision == 'auto':
        env = os.environ.get(ENV, '').strip().lower()
        if env:
            if env not in PRECISIONS:
                raise ValueError(f'{ENV} must be one of {PRECISIONS}, got '
                                 f'{env!r}')
            precision = env
    if precision != 'auto':
        return precision
    if torch.device(device).type == 'cpu' and cpu_has_bf16_matmul():
        return 'bf16'
    return 'fp32'


def autocast(precision: str, device: Union[str, torch.device] = 'cpu'):
    """The autocast context of a resolved precision (a no-op for fp32)."""
    if precision not in ('fp32', 'bf16'):
        precision = resolve_precision(precision, device)
    if precision == 'fp32':
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)


def model_device(model: nn.Module) -> torch.device:
    """Device of the model's parameters (the CPU for a model without)."""
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device('cpu')


def channels_last_safe(model: nn.Module) -> bool:
    """Whether the model's code runs on ``channels_last`` features.

    True for T-MAD's inpaintor and for a coarse-only model whose generator
    is T-MAD's coarse net (their classes set ``channels_last_safe``).
    """
    model = getattr(model, 'module', model)  # a DDP wrapper
    if getattr(model, 'channels_last_safe', False):
        return True
    generator = getattr(model, 'generator', None)
    return bool(getattr(generator, 'channels_last_safe', False))


def cpu_channels_last(model: nn.Module) -> bool:
    """Whether ``model`` is run in ``channels_last``: on a CPU, where its
    code allows (:func:`channels_last_safe`; on a GPU NCHW is kept)."""
    return model_device(model).type == 'cpu' and channels_last_safe(model)


def warn_slow_bf16(precision: str, device: Union[str, torch.device]) -> None:
    """Warn when bfloat16 was asked for (``'bf16'`` or
    ``MMEDIT_TMAD_PRECISION=bf16``) on a CPU where oneDNN has no AMX for
    it, where it runs several times slower than float32."""
    if precision == 'bf16' and torch.device(device).type == 'cpu' and \
            not cpu_has_bf16_matmul():
        warnings.warn(
            'bfloat16 on a CPU where oneDNN has no AMX (this CPU lacks it, '
            'or ONEDNN_MAX_CPU_ISA keeps oneDNN below it) runs several '
            'times slower than float32 (docs/benchmarks.md); precision '
            "'auto' takes float32 here", stacklevel=3)


def set_precision(model: nn.Module, precision: str = 'auto') -> str:
    """Resolve ``precision`` for ``model`` and lay it out for speed.

    The resolved precision is stored as ``model.infer_precision`` (read by
    :func:`mmedit_tmad.apis.inpaint`); on a CPU a model that is
    :func:`channels_last_safe` is converted to ``channels_last`` (the
    weights only: inputs follow the weights in oneDNN's convolutions).

    Returns:
        str: The resolved precision.
    """
    resolved = resolve_precision(precision, model_device(model))
    warn_slow_bf16(resolved, model_device(model))
    if cpu_channels_last(model):
        model.to(memory_format=torch.channels_last)
    model.infer_precision = resolved
    return resolved


def set_test_precision(
        cfg,
        precision: str = 'auto',
        device: Optional[Union[str, torch.device]] = None) -> str:
    """Resolve ``precision`` for a config's test run on ``device`` (default:
    where mmengine's runner puts the model, ``mmengine.device.get_device``);
    for bfloat16, turn on its test loop's autocast (mmengine's ``fp16`` flag
    of ``test_cfg``, bfloat16 on a CPU; on CUDA, whose autocast dtype is
    float16 there, the dtype is set to bfloat16). The metrics are computed
    outside the autocast (mmengine and mmagic's test loops), so FID's
    Inception runs in float32 either way.

    Returns:
        str: The resolved precision.
    """
    if device is None:
        device = get_device()
    resolved = resolve_precision(precision, device)
    warn_slow_bf16(resolved, device)
    if resolved == 'bf16' and isinstance(cfg.get('test_cfg'), dict):
        cfg.test_cfg['fp16'] = True
        if torch.device(device).type == 'cuda':
            torch.set_autocast_dtype('cuda', torch.bfloat16)
    return resolved


def model_autocast(model: nn.Module):
    """Autocast for ``model.infer_precision`` (float32 when not set)."""
    device = model_device(model)
    return autocast(getattr(model, 'infer_precision', 'fp32'), device)

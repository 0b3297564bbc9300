# Copyright (c) OpenMMLab. All rights reserved.
"""channels_last layout for T-MAD runs on a CPU."""
import torch
from mmengine.hooks import Hook

from mmedit_tmad.registry import HOOKS
from mmedit_tmad.utils.precision import cpu_channels_last


@HOOKS.register_module()
class TMADChannelsLastHook(Hook):
    """Put a T-MAD model in ``channels_last`` layout when it runs on a CPU.

    oneDNN's convolutions are faster on ``channels_last`` (NHWC) tensors
    than on NCHW ones, and T-MAD's CARAFE keeps that layout (measured on 2
    cores: training step 1.2x, test pass 1.3x; ``docs/benchmarks.md``).
    The conversion happens in ``before_run`` of ``train``, ``val`` and
    ``test``, after the optimisers are built: ``Module.to(memory_format=)``
    changes each parameter's data in place, so the optimisers keep the same
    parameters, and checkpoints load into them as before (a state dict
    holds values, not layouts). Models whose code needs NCHW (mmagic's
    DeepFill and AOT-GAN, see :func:`mmedit_tmad.utils.channels_last_safe`)
    and models on CUDA are left as they are.

    Args:
        enabled (bool): False turns the conversion off. Default: True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def before_run(self, runner) -> None:
        if self.enabled and cpu_channels_last(runner.model):
            runner.model.to(memory_format=torch.channels_last)

# Copyright (c) OpenMMLab. All rights reserved.
"""bfloat16 mixed precision for training on any device, the CPU included."""
from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from mmedit_tmad.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class TMADBF16OptimWrapper(OptimWrapper):
    """mmengine's ``OptimWrapper`` with bfloat16 autocast in its context.

    mmengine's ``AmpOptimWrapper`` refuses to be built without a GPU (an
    assertion in its constructor), so ``tools/train.py --amp`` on a CPU
    uses this wrapper: the forward pass of each update
    (:meth:`optim_context`, which ``TMADInpaintor.train_step`` enters) runs
    under ``torch.autocast(device, dtype=torch.bfloat16)`` on the device of
    the model's parameters. bfloat16 has float32's exponent range, so no
    loss scaling is needed; parameters, gradients and the optimiser state
    stay float32. On a CPU it pays only with AMX (see
    :mod:`mmedit_tmad.utils.precision`).

    Args:
        **kwargs: ``OptimWrapper``'s arguments (``optimizer``,
            ``accumulative_counts``, ``clip_grad``).
    """

    @contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-accumulation context of the parent, plus autocast."""
        param = next(model.parameters(), None)
        device = param.device.type if param is not None else 'cpu'
        with super().optim_context(model), torch.autocast(
                device, dtype=torch.bfloat16):
            yield

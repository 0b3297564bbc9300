# Copyright (c) OpenMMLab. All rights reserved.
"""Long-run log hygiene: process memory and the T-MAD training phase."""
import os
from typing import Optional

import psutil
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmedit_tmad.registry import HOOKS


@HOOKS.register_module()
class TMADTrainInfoHook(Hook):
    """Log the resident memory of each training process and phase changes.

    What a multi-day log then shows per logged iteration, next to mmengine's
    own fields:

    * ``rss_mb``: resident set size of this process (psutil), in MiB, the
      mean over the logging window (host memory leaks show as a ramp);
    * ``phase``: 1 or 2, logged by ``TMADInpaintor.train_step`` itself;
    * ``generator.lr`` / ``disc.lr``: mmengine's ``LogProcessor`` logs the
      learning rate of every optimiser of an ``OptimWrapperDict``;
    * ``memory``: on CUDA, mmengine's ``LogProcessor`` logs
      ``torch.cuda.max_memory_allocated`` in MiB (and resets the peak).

    A line is also logged when training starts or resumes, and whenever the
    model's phase changes (``TMADInpaintor.phase``: 1 = the coarse network
    alone, 2 = joint training), with the iteration.

    Args:
        interval (int): Iterations between memory readings. Default: 1.
    """

    priority = 'NORMAL'  # before LoggerHook (BELOW_NORMAL) reads the hub

    def __init__(self, interval: int = 1) -> None:
        self.interval = interval
        self._phase: Optional[int] = None
        self._process = psutil.Process(os.getpid())

    @staticmethod
    def _model_phase(runner) -> Optional[int]:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        phase = getattr(model, 'phase', None)
        return phase if isinstance(phase, int) else None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        phase = self._model_phase(runner)
        if phase is None or phase == self._phase:
            return
        what = {1: 'the coarse network alone (Eq.1)',
                2: 'joint training (Eq.10)'}.get(phase, '')
        start = 'starts' if self._phase is None else 'begins'
        print_log(
            f'T-MAD phase {phase} ({what}) {start} at iteration '
            f'{runner.iter + 1}', logger='current')
        self._phase = phase

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval):
            rss = self._process.memory_info().rss / 2**20
            runner.message_hub.update_scalar('train/rss_mb', rss)

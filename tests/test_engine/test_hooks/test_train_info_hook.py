# Copyright (c) OpenMMLab. All rights reserved.
"""TMADTrainInfoHook: process memory and phase changes in the log."""
import logging
import re

import torch
from mmengine.logging import MMLogger
from mmengine.runner import Runner
from test_checkpoint_hook import ToyModel

from mmedit_tmad.engine.hooks import TMADTrainInfoHook


class PhasedToy(ToyModel):
    """Phase 1 for two iterations, then 2 (as TMADInpaintor.phase)."""

    def __init__(self):
        super().__init__()
        self.register_buffer('cur_iter', torch.zeros((), dtype=torch.long))

    @property
    def phase(self):
        return 1 if int(self.cur_iter) < 2 else 2

    def train_step(self, data, optim_wrapper):
        out = super().train_step(data, optim_wrapper)
        self.cur_iter += 1
        return out


def test_memory_and_phase_logged(tmp_path):
    runner = Runner(
        model=PhasedToy(),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=[dict(inputs=torch.ones(2))] * 4,
            sampler=dict(type='InfiniteSampler', shuffle=False),
            collate_fn=dict(type='default_collate'),
            batch_size=2,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=False, max_iters=4),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        log_processor=dict(by_epoch=False),
        custom_hooks=[dict(type=TMADTrainInfoHook)],
        default_scope='mmengine')
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        runner.train()
    finally:
        logger.removeHandler(handler)
    log = '\n'.join(records)
    assert 'phase 1 (the coarse network alone (Eq.1)) starts at ' \
        'iteration 1' in log
    assert 'phase 2 (joint training (Eq.10)) begins at iteration 3' in log
    assert log.count('T-MAD phase') == 2
    # the logged iterations (the Runner's visualizer is a process-wide
    # instance, so the log lines are read rather than scalars.json)
    rows = [line for line in records if 'Iter(train)' in line]
    assert len(rows) == 4
    rss = [float(re.search(r'rss_mb: ([\d.]+)', r).group(1)) for r in rows]
    # resident memory of the training process, in MiB: a live value
    assert all(50 < v < 64 * 1024 for v in rss), rows
    assert all(' lr: ' in r for r in rows)
    history = runner.message_hub.get_scalar('train/rss_mb').data[0]
    assert len(history) == 4

# Copyright (c) OpenMMLab. All rights reserved.
"""TMADCheckpointHook in a real mmengine Runner: a save interrupted at any
moment leaves the previous checkpoint and a pointer to it."""
import os

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

from mmedit_tmad.engine import atomic_io
from mmedit_tmad.engine.hooks import TMADCheckpointHook


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        loss = self.linear(inputs).pow(2).mean()
        return dict(loss=loss) if mode == 'loss' else loss


def _runner(work_dir, max_iters, hooks=None):
    data = [dict(inputs=torch.ones(2))] * 4
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=data,
            sampler=dict(type='InfiniteSampler', shuffle=False),
            collate_fn=dict(type='default_collate'),
            batch_size=2,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(
                type=TMADCheckpointHook, interval=1, by_epoch=False,
                max_keep_ckpts=2)),
        custom_hooks=hooks,
        default_scope='mmengine')


def _files(work):
    # checkpoints, the pointer and any temporary (the runner also dumps
    # its config and a log folder here)
    return sorted(n for n in os.listdir(work)
                  if n.endswith(('.pth', '.tmp')) or n == 'last_checkpoint')


def test_default_backend_is_atomic():
    hook = TMADCheckpointHook(interval=1)
    assert hook.backend_args == dict(backend='tmad_atomic_local')
    hook = TMADCheckpointHook(interval=1, backend_args=dict(backend='local'))
    assert hook.backend_args == dict(backend='local')


def test_interrupted_save_keeps_previous_checkpoint(tmp_path, monkeypatch):
    work = tmp_path / 'work'
    _runner(work, 2).train()
    assert _files(work) == ['iter_1.pth', 'iter_2.pth', 'last_checkpoint']
    ckpt2 = torch.load(work / 'iter_2.pth', weights_only=False)

    # a second run resumes and dies inside the next save (the process
    # is killed while the bytes are written: simulated by an exception
    # that no handler catches)
    def killed(fd):
        raise KeyboardInterrupt('killed mid-save (simulated)')

    monkeypatch.setattr(atomic_io.os, 'fsync', killed)
    runner = _runner(work, 3)
    runner._resume = True
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    monkeypatch.undo()

    # no iter_3.pth, no truncated file, the pointer still names iter_2
    assert _files(work) == ['iter_1.pth', 'iter_2.pth', 'last_checkpoint']
    assert open(work / 'last_checkpoint').read() == str(work / 'iter_2.pth')
    again = torch.load(work / 'iter_2.pth', weights_only=False)
    assert again['meta']['iter'] == ckpt2['meta']['iter'] == 2
    for key, value in ckpt2['state_dict'].items():
        assert torch.equal(again['state_dict'][key], value)

    # and a third run resumes from it and finishes
    runner = _runner(work, 3)
    runner._resume = True
    runner.train()
    assert runner.iter == 3
    # max_keep_ckpts=2 still applies
    assert sorted(n for n in os.listdir(work) if n.endswith('.pth')) == [
        'iter_2.pth', 'iter_3.pth']

# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
import pickle

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

import mmedit_tmad  # noqa: F401
from mmedit_tmad.engine.checkpoint import load_from_local

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_coarse_test.py')


def _runner(work_dir, data_root, max_iters, resume=False):
    cfg = Config.fromfile(TEST_CFG)
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.dataset.data_root = data_root
    cfg.val_dataloader.dataset.data_root = data_root
    cfg.test_dataloader.dataset.data_root = data_root
    cfg.train_cfg.max_iters = max_iters
    cfg.default_hooks.checkpoint.interval = 2
    cfg.resume = resume
    cfg.randomness = dict(seed=0)
    cfg.experiment_name = f'ckpt_{max_iters}_{resume}'
    return Runner.from_cfg(cfg)


def test_local_loader_is_ours():
    assert CheckpointLoader._get_checkpoint_loader('x.pth') is load_from_local


def test_runner_checkpoint_resumes(tmp_path, embedded_32):
    runner = _runner(tmp_path, embedded_32, max_iters=2)
    runner.train()
    ckpt = osp.join(tmp_path, 'iter_2.pth')
    assert osp.isfile(ckpt)
    # the file really needs more than weights_only's defaults ...
    with pytest.raises(pickle.UnpicklingError):
        torch.load(ckpt, weights_only=True)
    # ... and loads through the plugin, message hub included
    loaded = _load_checkpoint(ckpt, map_location='cpu')
    assert isinstance(loaded['message_hub']['log_scalars']['train/loss'],
                      HistoryBuffer)
    weights = {k: v.clone() for k, v in runner.model.state_dict().items()}

    resumed = _runner(tmp_path, embedded_32, max_iters=4, resume=True)
    resumed.load_or_resume()
    assert resumed.iter == 2
    for k, v in resumed.model.state_dict().items():
        torch.testing.assert_close(v, weights[k], msg=k)
    opt = resumed.optim_wrapper['generator'].optimizer
    assert all(s['step'] == 2 for s in opt.state.values())
    resumed.train()
    assert resumed.iter == 4
    assert osp.isfile(osp.join(tmp_path, 'iter_4.pth'))


def test_crafted_getattr_is_refused(tmp_path):
    """The getattr stand-in resolves HistoryBuffer methods and nothing else."""

    class Evil:

        def __reduce__(self):
            # the first step of the classic escape via object.__subclasses__
            return (getattr, (object, '__subclasses__'))

    path = str(tmp_path / 'evil.pth')
    torch.save({'x': Evil()}, path)
    with pytest.raises(pickle.UnpicklingError):
        load_from_local(path)


def test_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_from_local(str(tmp_path / 'nope.pth'))

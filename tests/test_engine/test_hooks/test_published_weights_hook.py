# Copyright (c) OpenMMLab. All rights reserved.
import logging
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mmedit_tmad.engine import TMADPublishedWeightsHook
from mmedit_tmad.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
KEEP = ('generator', 'retrieval', 'psnet', 'texture_memory', 'cur_iter')


def _tmad(seed: int):
    torch.manual_seed(seed)
    cfg = Config.fromfile(TEST_CFG)
    cfg.model.loss_percep = None
    return MODELS.build(cfg.model)


def _runner(model):
    return SimpleNamespace(model=model, logger=logging.getLogger('t'))


def _published(model) -> dict:
    """The keys publish_model.py keeps, as a checkpoint dict."""
    state = {
        k: v.clone()
        for k, v in model.state_dict().items() if k.split('.')[0] in KEEP
    }
    return dict(meta=dict(), state_dict=state)


def test_published_weights_load_strictly_and_keep_the_discs(caplog):
    src, dst = _tmad(0), _tmad(1)
    ckpt = _published(src)
    assert not any(k.startswith('disc.') for k in ckpt['state_dict'])
    disc_before = {k: v.clone() for k, v in dst.disc.state_dict().items()}
    # without the hook mmengine finds the discriminator keys missing
    with pytest.raises(RuntimeError, match='missing keys.*disc'):
        _load_checkpoint_to_model(dst, _published(src), strict=True)
    with caplog.at_level(logging.INFO, logger='t'):
        TMADPublishedWeightsHook().after_load_checkpoint(_runner(dst), ckpt)
    assert 'holds no disc weights' in caplog.text
    _load_checkpoint_to_model(dst, ckpt, strict=True)
    for k, v in src.generator.state_dict().items():
        assert torch.equal(dst.generator.state_dict()[k], v)
    for k, v in dst.disc.state_dict().items():
        assert torch.equal(v, disc_before[k])
    # a DDP-style prefix: the copied keys carry it too
    ckpt = _published(src)
    ckpt['state_dict'] = {
        f'module.{k}': v
        for k, v in ckpt['state_dict'].items()
    }
    TMADPublishedWeightsHook().after_load_checkpoint(_runner(dst), ckpt)
    assert any(k.startswith('module.disc.') for k in ckpt['state_dict'])
    _load_checkpoint_to_model(dst, ckpt, strict=True)


def test_full_checkpoints_and_other_gaps_are_left_to_mmengine(caplog):
    src, dst = _tmad(0), _tmad(1)
    full = dict(state_dict={
        k: v.clone()
        for k, v in src.state_dict().items()
    })
    keys = set(full['state_dict'])
    with caplog.at_level(logging.INFO, logger='t'):
        TMADPublishedWeightsHook().after_load_checkpoint(_runner(dst), full)
    assert set(full['state_dict']) == keys and not caplog.text
    _load_checkpoint_to_model(dst, full, strict=True)
    assert all(
        torch.equal(v, src.disc.state_dict()[k])
        for k, v in dst.disc.state_dict().items())
    # a published file that lacks a generator key still fails strictly
    ckpt = _published(src)
    ckpt['state_dict'].pop(
        next(k for k in ckpt['state_dict'] if k.startswith('generator.')))
    TMADPublishedWeightsHook().after_load_checkpoint(_runner(dst), ckpt)
    with pytest.raises(RuntimeError, match='missing keys.*generator'):
        _load_checkpoint_to_model(dst, ckpt, strict=True)
    # a model without discriminators, an empty checkpoint: nothing to do
    coarse = SimpleNamespace(disc=None)
    TMADPublishedWeightsHook().after_load_checkpoint(_runner(coarse), ckpt)
    TMADPublishedWeightsHook().after_load_checkpoint(
        _runner(dst), dict(state_dict={}))


def test_runtime_default_hook():
    cfg = Config.fromfile(TEST_CFG)
    assert cfg.default_hooks.published_weights.type == \
        'TMADPublishedWeightsHook'

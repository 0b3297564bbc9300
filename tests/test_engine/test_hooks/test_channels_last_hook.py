# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
from types import SimpleNamespace

import torch
import torch.nn as nn
from mmengine.config import Config

from mmedit_tmad.engine import TMADChannelsLastHook
from mmedit_tmad.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')


def _tmad():
    cfg = Config.fromfile(TEST_CFG)
    cfg.model.loss_percep = None
    return MODELS.build(cfg.model)


def _is_cl(conv: nn.Conv2d) -> bool:
    return not conv.weight.is_contiguous() and conv.weight.is_contiguous(
        memory_format=torch.channels_last)


def test_tmad_goes_channels_last_and_keeps_its_parameters():
    model = _tmad()
    params = list(model.parameters())
    optim = torch.optim.Adam(params)
    TMADChannelsLastHook().before_run(SimpleNamespace(model=model))
    conv = model.generator.down_blocks[0].conv1.conv
    assert _is_cl(conv)
    # the same Parameter objects: an optimiser built before still holds them
    assert all(a is b for a, b in zip(params, model.parameters()))
    assert optim.param_groups[0]['params'][0] is params[0]
    # a contiguous state dict loads into the new layout
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    assert _is_cl(conv)
    assert Config.fromfile(TEST_CFG).default_hooks.channels_last.type == \
        'TMADChannelsLastHook'


def test_other_models_and_disabled_hook_are_left_alone():
    model = nn.Sequential(nn.Conv2d(3, 8, 3))
    TMADChannelsLastHook().before_run(SimpleNamespace(model=model))
    assert model[0].weight.is_contiguous()
    tmad = _tmad()
    TMADChannelsLastHook(enabled=False).before_run(
        SimpleNamespace(model=tmad))
    assert tmad.generator.down_blocks[0].conv1.conv.weight.is_contiguous()

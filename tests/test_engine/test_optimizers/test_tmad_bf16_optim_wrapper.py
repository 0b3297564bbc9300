# Copyright (c) OpenMMLab. All rights reserved.
import copy
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmedit_tmad.engine import TMADBF16OptimWrapper
from mmedit_tmad.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')


def test_context_autocasts_to_bf16():
    model = torch.nn.Linear(4, 4)
    wrapper = TMADBF16OptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        assert torch.is_autocast_enabled('cpu')
        out = model(torch.randn(2, 4))
    assert not torch.is_autocast_enabled('cpu')
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().square().mean())
    # parameters and their optimiser stay float32
    assert model.weight.dtype == torch.float32


def _batch(n=2, size=64):
    from mmagic.structures import DataSample
    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(n):
        img = torch.randint(0, 256, (3, size, size), generator=g).float()
        mask = torch.zeros(1, size, size)
        mask[:, 8:40, 16:48] = 1
        inputs.append(img * (1 - mask))
        samples.append(DataSample(gt_img=img, mask=mask))
    return dict(inputs=inputs, data_samples=samples)


def test_tmad_trains_under_bf16_with_every_gradient():
    """The joint phase under the wrapper: finite losses, float32 weights,
    a gradient for every trainable parameter of both optimisers."""
    cfg = Config.fromfile(TEST_CFG)
    cfg.model.loss_percep = None  # VGG weights are a file
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.cur_iter.fill_(model.coarse_iters)  # phase 2
    optim_cfg = copy.deepcopy(cfg.optim_wrapper)
    for key in ('generator', 'disc'):
        optim_cfg[key]['type'] = 'TMADBF16OptimWrapper'
    optim = build_optim_wrapper(model, optim_cfg)
    assert isinstance(optim['generator'], TMADBF16OptimWrapper)
    seen = set()

    def keep(name):
        def hook(grad):
            if grad is not None and grad.abs().sum() > 0:
                seen.add(name)
        return hook

    for name, p in model.named_parameters():
        if p.requires_grad and not name.startswith('loss'):
            p.register_hook(keep(name))
    logs = model.train_step(_batch(), optim)
    for key, val in logs.items():
        assert torch.isfinite(torch.as_tensor(val)).all(), key
    assert 'loss_patch_l1' in logs
    trainable = {n for n, p in model.named_parameters()
                 if not n.startswith('loss')}
    # Eq.6 compares critic scores with the other set's mean: the critic's
    # last bias cancels, its gradient in the critic's own update is 0
    shift_invariant = {'disc.patch_disc.out_conv.conv.bias'}
    assert trainable - seen == shift_invariant
    assert all(p.dtype == torch.float32 for p in model.parameters())

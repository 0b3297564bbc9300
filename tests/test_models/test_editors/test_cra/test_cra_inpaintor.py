# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp

import pytest
import torch
from mmagic.structures import DataSample
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmedit_tmad.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__))))))
LRELU = dict(type='LeakyReLU', negative_slope=0.2)


def _tiny(scale_factor=2):
    """The embedded config's model, narrow, for 64x64 images (a 4x4
    attention grid at scale 2)."""
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'cra', 'cra_1xb4_embedded-128x128.py'))
    model = cfg.model
    model.encdec.update(coarse_channels=4, channels=4, num_down=2)
    model.disc = dict(
        type='MultiLayerDiscriminator',
        in_channels=3,
        max_channels=8,
        num_convs=2,
        fc_in_channels=8 * (64 // scale_factor // 4)**2,
        fc_out_channels=1,
        norm_cfg=None,
        act_cfg=LRELU,
        out_act_cfg=LRELU)
    model.scale_factor = scale_factor
    model.train_cfg = dict(disc_step=1)
    init_default_scope('mmagic')
    return cfg, MODELS.build(model)


def _batch(n=2, size=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(n):
        gt = torch.rand(3, size, size, generator=g) * 255
        mask = torch.zeros(1, size, size)
        mask[:, 6 + i:22 + i, 8:24] = 1
        inputs.append(gt * (1 - mask))
        samples.append(DataSample(gt_img=gt, mask=mask))
    return dict(inputs=inputs, data_samples=samples)


def test_train_step_updates_generator_and_critic():
    torch.manual_seed(0)
    cfg, model = _tiny()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    log = model.train_step(_batch(), optim)
    for key in ('loss_gp', 'real_loss', 'fake_loss', 'loss_g_fake',
                'coarse_loss_l1_hole', 'refine_loss_l1_valid'):
        assert key in log and torch.isfinite(torch.as_tensor(log[key]))
    unchanged = [
        k for k, v in model.named_parameters()
        if v.requires_grad and torch.equal(v, before[k])
    ]
    assert not unchanged, unchanged


def test_disc_step_skips_generator_updates():
    cfg, model = _tiny()
    model.train_cfg = dict(disc_step=3)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    log = model.train_step(_batch(), optim)
    assert 'real_loss' in log and 'loss_g_fake' not in log


@pytest.mark.parametrize('scale_factor', [1, 2])
def test_val_step_composites_known_region(scale_factor):
    torch.manual_seed(0)
    _, model = _tiny(scale_factor)
    model.eval()
    batch = _batch(seed=1)
    with torch.no_grad():
        preds = model.val_step(batch)
    for pred, sample in zip(preds, batch['data_samples']):
        out = pred.output.pred_img
        assert out.shape == (3, 64, 64)
        valid = (1 - sample.mask).bool().expand_as(out)
        torch.testing.assert_close(
            out[valid], sample.gt_img[valid], atol=0.6, rtol=0)
        hole = ~valid
        assert (out[hole] - sample.gt_img[hole]).abs().max() > 0


def test_bad_sizes():
    _, model = _tiny()
    with pytest.raises(ValueError, match='multiples of 16'):
        model.downsample(
            torch.zeros(1, 3, 72, 72), torch.zeros(1, 1, 72, 72))
    with pytest.raises(ValueError, match='scale_factor'):
        cfg, _ = _tiny()
        cfg.model.scale_factor = 1.5
        MODELS.build(cfg.model)


def test_count_parameters():
    """Printed for the report (``pytest -s -k count``)."""
    init_default_scope('mmagic')
    for name in ('cra_4xb4_places-256x256', 'cra_1xb4_embedded-128x128'):
        cfg = Config.fromfile(osp.join(ROOT, 'configs', 'cra', name + '.py'))
        model = MODELS.build(cfg.model)
        g = sum(p.numel() for p in model.generator.parameters())
        d = sum(p.numel() for p in model.disc.parameters())
        print(f'\n{name}: G {g / 1e6:.3f}M, D {d / 1e6:.3f}M parameters')
        assert g > 0 and d > 0

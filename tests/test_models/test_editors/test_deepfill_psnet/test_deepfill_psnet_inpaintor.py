# Copyright (c) OpenMMLab. All rights reserved.
"""DeepFill + PSNet: DeepFillv2 frozen, T-MAD's patch stage trained."""
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
CFG = osp.join(ROOT, 'configs', 'deepfillv2_psnet',
               'deepfillv2_psnet_1xb4_embedded-128x128.py')


def _build(**changes):
    cfg = Config.fromfile(CFG)
    cfg.model.update(changes)
    init_default_scope('mmagic')
    return cfg, MODELS.build(cfg.model)


def _batch(seed=0, size=128):
    g = torch.Generator().manual_seed(seed)
    gt = torch.rand(3, size, size, generator=g) * 255
    mask = torch.zeros(1, size, size)
    mask[:, 40:80, 30:78] = 1
    return dict(
        inputs=[gt * (1 - mask)],
        data_samples=[DataSample(gt_img=gt, mask=mask)])


def test_train_step_trains_patch_stage_only():
    torch.manual_seed(0)
    cfg, model = _build(deepfill_ckpt=None)
    assert not any(p.requires_grad for p in model.generator.parameters())
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    trainable = {k for k, v in model.named_parameters() if v.requires_grad}
    log = model.train_step(_batch(), optim)
    assert log['phase'] == 2 and 'loss_patch_l1' in log
    moved = {
        k
        for k, v in model.named_parameters() if not torch.equal(v, before[k])
    }
    # DeepFill is fixed; retrieval and PSNet learn
    assert not any(k.startswith('generator.') for k in moved | trainable)
    assert {k for k in trainable if k.startswith(('psnet.', 'retrieval.'))
            } <= moved


def test_every_trainable_parameter_gets_a_gradient():
    """One generator + discriminator backward, as T-MAD's test."""
    from mmedit_tmad.models.editors.tmad.tmad_texture_memory import (
        gather_cells, image_to_cells)
    torch.manual_seed(0)
    _, model = _build(deepfill_ckpt=None)
    data = model.data_preprocessor(_batch(), True)
    masked, gt = data['inputs'], data['data_samples'].gt_img
    mask = data['data_samples'].mask.float()
    coarse_res, coarse_img = model.coarse(masked, mask)
    out = model.synthesize(masked, coarse_img, mask, model.num_patches)
    gt_patches = gather_cells(
        image_to_cells(gt, model.patch_size), out['cut']['cells'])
    losses = model.generator_losses(coarse_res, out, gt_patches, gt, mask)
    losses.update(model.disc_losses(out, gt_patches, gt))
    sum(losses.values()).backward()
    trainable = [(n, p) for n, p in model.named_parameters()
                 if p.requires_grad]
    assert trainable and not any(
        n.startswith('generator.') for n, _ in trainable)
    missing = [
        n for n, p in trainable if p.grad is None or p.grad.abs().sum() == 0
    ]
    assert not missing, missing


def test_val_composites_and_synthesises():
    torch.manual_seed(0)
    _, model = _build(deepfill_ckpt=None)
    model.eval()
    batch = _batch(seed=1)
    with torch.no_grad():
        pred = model.val_step(batch)[0].output
    sample = batch['data_samples'][0]
    valid = (1 - sample.mask).bool().expand_as(pred.pred_img)
    torch.testing.assert_close(
        pred.pred_img[valid], sample.gt_img[valid], atol=0.6, rtol=0)
    # the hole is PSNet's, not DeepFill's composite
    with torch.no_grad():
        data = model.data_preprocessor(batch)
        samples = data['data_samples']
        _, coarse_img = model.coarse(data['inputs'], samples.mask.float())
        coarse_img = model.data_preprocessor.destruct(coarse_img, samples)[0]
    hole = ~valid
    # (the demo's residual PSNet starts close to the coarse patch)
    assert (pred.pred_img[hole] - coarse_img[hole]).abs().max() > 0
    torch.testing.assert_close(
        pred.pred_img[hole], coarse_img[hole], atol=5., rtol=0)


def test_loads_deepfill_generator(tmp_path):
    init_default_scope('mmagic')
    cfg = Config.fromfile(CFG)
    donor = MODELS.build(cfg.model.encdec)
    for p in donor.parameters():
        torch.nn.init.normal_(p)
    ckpt = tmp_path / 'deepfillv2.pth'
    state = {f'generator.{k}': v for k, v in donor.state_dict().items()}
    state['disc.conv.weight'] = torch.zeros(1)  # other children: ignored
    torch.save({'meta': {}, 'state_dict': state}, ckpt)
    _, model = _build(deepfill_ckpt=str(ckpt))
    model.init_weights()
    for (k, a), b in zip(model.generator.state_dict().items(),
                         donor.state_dict().values()):
        assert torch.equal(a, b), k
    _, missing = _build(deepfill_ckpt=str(tmp_path / 'nope.pth'))
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        missing.init_weights()

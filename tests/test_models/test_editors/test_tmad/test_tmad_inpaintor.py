# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp

import pytest
import torch
from mmagic.engine.optimizers import MultiOptimWrapperConstructor
from mmagic.structures import DataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmedit_tmad.models.editors.tmad.tmad_texture_memory import (
    gather_cells, image_to_cells)
from mmedit_tmad.registry import MODELS

ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
PAPER_CFG = osp.join(ROOT, 'configs', 'tmad', 'tmad_4xb4_places-256x256.py')


def _build(path=TEST_CFG, **train_cfg):
    cfg = Config.fromfile(path)
    init_default_scope('mmagic')
    cfg.model.train_cfg.update(train_cfg)
    model = MODELS.build(cfg.model)
    optim = cfg.optim_wrapper.copy()
    optim.pop('constructor')
    return model, MultiOptimWrapperConstructor(optim)(model)


def _batch(n=2, size=64, hole=(10, 40, 20, 50), seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        gt = torch.randint(0, 256, (3, size, size), generator=g).float()
        mask = torch.zeros(1, size, size)
        t, b, l, r = hole
        mask[:, t:b, l:r] = 1
        inputs.append(gt * (1 - mask))
        samples.append(DataSample(gt_img=gt, mask=mask))
    return dict(inputs=inputs, data_samples=samples)


def test_train_step_through_both_phases(random_vgg):
    model, optim = _build(coarse_iters=2)
    logs = [model.train_step(_batch(seed=i), optim) for i in range(4)]
    assert [float(log['phase']) for log in logs] == [1., 1., 2., 2.]
    assert set(logs[0]) == {'loss', 'loss_recon', 'phase'}
    assert {
        'loss_recon', 'loss_patch_l1', 'loss_percep', 'loss_pd',
        'loss_blend_gan', 'loss_blend_tv', 'loss_pd_disc', 'loss_blend_disc',
        'num_valid_memory'
    } <= set(logs[2])
    assert all(torch.isfinite(v).all() for log in logs for v in log.values())
    assert int(model.cur_iter) == 4 and 'cur_iter' in model.state_dict()


def test_every_trainable_parameter_gets_a_gradient(random_vgg):
    """One joint (phase 2) generator and discriminator backward pass."""
    model, _ = _build()
    data = model.data_preprocessor(_batch(), True)
    masked, gt = data['inputs'], data['data_samples'].gt_img
    mask = data['data_samples'].mask.float()
    coarse_res, coarse_img = model.coarse(masked, mask)
    out = model.synthesize(masked, coarse_img, mask, model.num_patches)
    gt_patches = gather_cells(image_to_cells(gt, 16), out['cut']['cells'])
    losses = model.generator_losses(coarse_res, out, gt_patches, gt, mask)
    losses.update(model.disc_losses(out, gt_patches, gt))
    sum(losses.values()).backward()
    trainable = [(n, p) for n, p in model.named_parameters()
                 if p.requires_grad]
    assert trainable
    missing = [n for n, p in trainable
               if p.grad is None or p.grad.abs().sum() == 0]
    assert not missing, missing


def test_forward_test_256_keeps_valid_pixels(random_vgg):
    model, _ = _build()
    model.cur_iter.fill_(model.coarse_iters)  # a phase-2 model
    model.eval()
    model.test_cfg = dict(return_retrieval=True)
    data = model.data_preprocessor(
        _batch(n=1, size=256, hole=(64, 150, 70, 190)), False)
    with torch.no_grad():
        preds = model(**data, mode='predict')
    out = preds[0].output
    gt = preds[0].gt_img
    mask = preds[0].mask.bool().expand_as(gt)
    assert out.pred_img.shape == out.fake_img.shape == out.fake_res.shape \
        == (3, 256, 256)
    assert out.coarse_img.shape == (3, 256, 256)
    torch.testing.assert_close(out.pred_img[~mask], gt[~mask], atol=1e-3,
                               rtol=0)
    assert not torch.allclose(out.pred_img[mask], gt[mask] * 0)
    cells = out.hole_cells[out.hole_cells_valid]
    # rows 64..149 x cols 70..189 on a 16 grid: 6 x 8 cells
    assert cells.numel() == 48
    assert out.retrieved_positions.shape[-2:] == (2, 2)


def test_phase_one_model_predicts_the_coarse_result(random_vgg):
    model, _ = _build(coarse_iters=2)
    model.eval()
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    mask = torch.zeros(1, 1, 64, 64)
    mask[..., 8:40, 8:40] = 1
    with torch.no_grad():
        out = model.inpaint(x * (1 - mask), mask)
    assert 'retrieval' not in out
    torch.testing.assert_close(out['result'], out['coarse_img'])


def test_forward_test_defined_edge_cases(random_vgg):
    model, _ = _build()
    model.cur_iter.fill_(model.coarse_iters)
    model.eval()
    gt = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        no_hole = model.inpaint(gt, torch.zeros(1, 1, 64, 64))
        torch.testing.assert_close(no_hole['result'], gt)
        full = model.inpaint(gt * 0, torch.ones(1, 1, 64, 64))
    assert torch.isfinite(full['result']).all()
    assert full['memory']['num_valid'].item() == 0
    bad = gt.clone()
    bad[0, 0, 0, 0] = float('nan')
    with pytest.raises(ValueError, match='NaN'):
        model.inpaint(bad, torch.zeros(1, 1, 64, 64))
    with pytest.raises(ValueError, match='multiples of 16'):
        model.inpaint(torch.zeros(1, 3, 72, 64), torch.zeros(1, 1, 72, 64))
    with pytest.raises(ValueError, match='does not match'):
        model.inpaint(gt, torch.zeros(1, 1, 32, 64))


def test_predict_checks_its_inputs_once(random_vgg, monkeypatch):
    # one pass over the inputs (and one read back from the device per
    # check), with the files of bad samples named
    model, _ = _build()
    model.cur_iter.fill_(model.coarse_iters)
    model.eval()
    calls = []
    check = model._check_inputs

    def counted(*args, **kwargs):
        calls.append(len(args) + len(kwargs))
        return check(*args, **kwargs)

    monkeypatch.setattr(model, '_check_inputs', counted)
    batch = _batch(n=2)
    for sample, name in zip(batch['data_samples'], ['a.png', 'b.png']):
        sample.set_metainfo(dict(gt_path=name))
    data = model.data_preprocessor(batch, False)
    with torch.no_grad():
        model(**data, mode='predict')
    assert calls == [3]  # inputs, mask and the data samples
    data['inputs'][1, 0, 0, 0] = float('nan')
    with torch.no_grad(), pytest.raises(ValueError, match=r'\[1\].*b\.png'):
        model(**data, mode='predict')
    # the public pass checks its own inputs
    calls.clear()
    with torch.no_grad():
        model.inpaint(data['inputs'][:1], data['data_samples'].mask[:1])
    assert calls == [2]


def test_texture_synthesis_runs_after_psnet(random_vgg):
    cfg = Config.fromfile(TEST_CFG)
    init_default_scope('mmagic')
    cfg.model.texture_synthesis = dict(type='TMADTextureSynthesis', iters=1)
    model = MODELS.build(cfg.model)
    model.cur_iter.fill_(model.coarse_iters)
    model.eval()
    torch.manual_seed(0)
    gt = torch.rand(1, 3, 64, 64) * 2 - 1
    mask = torch.zeros(1, 1, 64, 64)
    mask[..., 16:40, 20:44] = 1
    exclude = torch.zeros(1, 1, 64, 64)
    exclude[..., 56:, :] = 1
    with torch.no_grad():
        out = model.inpaint(gt * (1 - mask), mask, exclude=exclude)
    expect = model.texture_synthesis(out['network_result'], mask, exclude)
    torch.testing.assert_close(out['result'], expect)
    torch.testing.assert_close(out['result'] * (1 - mask),
                               gt * (1 - mask))
    assert not torch.allclose(out['result'], out['network_result'])
    # phase 1: on the coarse result
    model.cur_iter.fill_(0)
    with torch.no_grad():
        out = model.inpaint(gt * (1 - mask), mask)
    torch.testing.assert_close(out['network_result'], out['coarse_img'])
    assert not torch.allclose(out['result'], out['coarse_img'])


def test_mismatched_parts_are_rejected(random_vgg):
    cfg = Config.fromfile(TEST_CFG)
    init_default_scope('mmagic')
    cfg.model.psnet.num_candidates = 3
    with pytest.raises(ValueError, match='candidates'):
        MODELS.build(cfg.model)


def test_paper_generator_parameter_count(random_vgg):
    model, _ = _build(PAPER_CFG)
    n = sum(
        p.numel() for m in (model.generator, model.retrieval, model.psnet)
        for p in m.parameters())
    print(f'T-MAD generator (coarse + retrieval + PSNet): {n / 1e6:.3f}M '
          '(paper: 3.9M)')
    assert abs(n - 3.9e6) <= 0.1 * 3.9e6


def test_plain_patch_gan_ablation(random_vgg):
    """Tab.VI "w/ L_gan": mmagic's GANLoss on the patch critic."""
    import torch.nn.functional as F
    cfg = Config.fromfile(TEST_CFG)
    init_default_scope('mmagic')
    cfg.model.loss_pd = None
    cfg.model.loss_patch_gan = dict(
        type='GANLoss', gan_type='vanilla', loss_weight=0.05)
    model = MODELS.build(cfg.model)
    data = model.data_preprocessor(_batch(), True)
    masked, gt = data['inputs'], data['data_samples'].gt_img
    mask = data['data_samples'].mask.float()
    coarse_res, coarse_img = model.coarse(masked, mask)
    out = model.synthesize(masked, coarse_img, mask, model.num_patches)
    gt_patches = gather_cells(image_to_cells(gt, 16), out['cut']['cells'])
    g = model.generator_losses(coarse_res, out, gt_patches, gt, mask)
    d = model.disc_losses(out, gt_patches, gt)
    assert 'loss_pd' not in g and 'loss_pd_disc' not in d
    fake = model._critic(out['patches'])
    real = model._critic(model._real_patches(out, gt_patches))
    # non-relativistic, no memory term: softplus of the raw scores
    torch.testing.assert_close(g['loss_patch_gan'],
                               0.05 * F.softplus(-fake).mean())
    torch.testing.assert_close(
        d['loss_patch_gan_disc'],
        F.softplus(-real).mean() + F.softplus(fake).mean())
    # through train_step in phase 2, the critic is updated
    optim_cfg = cfg.optim_wrapper.copy()
    optim_cfg.pop('constructor')
    optim = MultiOptimWrapperConstructor(optim_cfg)(model)
    model.cur_iter.fill_(model.coarse_iters)
    before = [p.clone() for p in model.disc.patch_disc.parameters()]
    log = model.train_step(_batch(), optim)
    assert {'loss_patch_gan', 'loss_patch_gan_disc'} <= set(log)
    assert any(not torch.equal(a, b)
               for a, b in zip(before, model.disc.patch_disc.parameters()))
    # it replaces loss_pd: both at once is refused
    cfg.model.loss_pd = dict(type='TMADPatchDistributionLoss')
    with pytest.raises(ValueError, match='replaces loss_pd'):
        MODELS.build(cfg.model)


def test_frozen_coarse_net_trains_psnet_only(random_vgg):
    """The ablations' protocol: PSNet variants on one fixed coarse net."""
    model, optim = _build(coarse_iters=0, frozen_modules=['generator'])
    assert not any(p.requires_grad for p in model.generator.parameters())
    coarse = [p.clone() for p in model.generator.parameters()]
    psnet = [p.clone() for p in model.psnet.parameters()]
    log = model.train_step(_batch(), optim)
    assert 'loss_recon' not in log and 'loss_patch_l1' in log
    assert all(
        torch.equal(a, b)
        for a, b in zip(coarse, model.generator.parameters()))
    assert any(not torch.equal(a, b)
               for a, b in zip(psnet, model.psnet.parameters()))
    with pytest.raises(ValueError, match='frozen_modules'):
        _build(frozen_modules=['disc'])
    with pytest.raises(ValueError, match='no phase 1'):
        _build(coarse_iters=2, frozen_modules=['generator'])


def test_channels_last_and_bf16_autocast(random_vgg):
    """The benchmark's --channels-last and --amp bf16 paths (CPU)."""
    model, _ = _build()
    model.cur_iter.fill_(model.coarse_iters)
    model.eval()
    data = model.data_preprocessor(_batch(), False)
    with torch.no_grad():
        ref = model.forward_test(**data).fake_img
        model.to(memory_format=torch.channels_last)
        inputs = data['inputs'].contiguous(memory_format=torch.channels_last)
        out = model.forward_test(inputs, data['data_samples']).fake_img
        torch.testing.assert_close(out, ref, atol=1e-3, rtol=1e-4)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            half = model.forward_test(**data).fake_img
    assert half.dtype == torch.float32 and torch.isfinite(half).all()
    # bf16 keeps about 3 significant digits: same picture, 0-255 scale
    assert (half - ref).abs().mean() < 2.

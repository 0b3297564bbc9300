# Copyright (c) OpenMMLab. All rights reserved.
"""The baseline configs share T-MAD's data, masks and metrics, and run.

Every baseline config must see the same images, training holes, fixed
evaluation masks and metrics as the T-MAD config of its setting, so that
``tools/test.py`` rows compare (they inherit it); mmagic's models must be
mmagic's configs' models but for the documented changes; each embedded
model trains one step and
evaluates one batch on CPU, batch 1: DeepFill at 128x128 (its dilated
reflect-padded convs need at least 128x128: at 64x64 the padding of 16 is
larger than the 16x16 feature map), AOT-GAN at 64x64.
"""
import os.path as osp

import mmagic
import pytest
import torch
from mmagic.structures import DataSample
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmedit_tmad.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TMAD = {
    'places': 'configs/tmad/tmad_4xb4_places-256x256.py',
    'embedded': 'configs/tmad/tmad_demo_1xb4_embedded-128x128.py',
}
ALGOS = ['deepfillv1', 'deepfillv2', 'aot_gan']
CONFIGS = {
    'places': [f'configs/{a}/{a}_4xb4_places-256x256.py' for a in ALGOS],
    'embedded': [f'configs/{a}/{a}_1xb4_embedded-128x128.py' for a in ALGOS],
}
#: mmagic's config of each algorithm (its model, optimisers, max_iters)
MMAGIC = {
    'deepfillv1': 'deepfillv1/deepfillv1_8xb2_places-256x256.py',
    'deepfillv2': 'deepfillv2/deepfillv2_8xb2_places-256x256.py',
    'aot_gan': 'aot_gan/aot-gan_smpgan_4xb4_places-512x512.py',
}
#: the documented differences: (setting, algo) -> {key path: our value}
CHANGES = {
    ('places', 'aot_gan'): {
        'disc.type': 'AOTSoftMaskPatchDiscriminator',
        'loss_composed_percep.type': 'AOTPerceptualLoss',
        'loss_composed_percep.vgg_weights':
        'data/pretrained/vgg19-dcbb9e9d.pth',
    },
    ('embedded', 'deepfillv1'): {
        'disc.global_disc_cfg.fc_in_channels': 256 * 8 * 8,
        'disc.local_disc_cfg.fc_in_channels': 512 * 4 * 4,
        'train_cfg.local_size': (64, 64),
    },
    ('embedded', 'aot_gan'): {
        'disc.type': 'AOTSoftMaskPatchDiscriminator',
        'loss_composed_percep': None,
        'loss_out_percep': False,
    },
}
CRA = {
    'places': ['configs/cra/cra_4xb4_places-256x256.py'],
    'embedded': ['configs/cra/cra_1xb4_embedded-128x128.py'],
}
CLASSICAL = {
    'places': [
        f'configs/classical/{a}_places-256x256.py'
        for a in ('telea', 'patchmatch', 'biharmonic')
    ],
    'embedded': [
        f'configs/classical/{a}_embedded-128x128.py'
        for a in ('telea', 'patchmatch', 'biharmonic')
    ],
}
SHARED = [
    'train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator',
    'test_evaluator'
]


#: DeepFillv1 configs whose training holes keep a margin T-MAD's do not
MARGIN = {'configs/deepfillv1/deepfillv1_1xb4_embedded-128x128.py': 24}


def _train_mask_cfg(cfg):
    step = [
        t for t in cfg.train_dataloader.dataset.pipeline
        if t.type == 'LoadMask'
    ][0]
    return step.mask_config


@pytest.mark.parametrize('path', [p for s in CONFIGS for p in CONFIGS[s]
                                  if '/deepfillv1/' in p],
                         ids=osp.basename)
def test_deepfillv1_local_crop_inside_image(path):
    """DeepFillv1 crops ``local_size`` around each training hole for its
    local critic; a crop across the border stops training (size mismatch)."""
    import numpy as np
    from mmagic.models.utils.bbox_utils import scale_bbox
    from mmagic.utils import random_bbox

    cfg = _cfg(path)
    mask_cfg = _train_mask_cfg(cfg)
    h, w = mask_cfg.img_shape
    np.random.seed(0)
    for _ in range(2000):
        bbox = random_bbox(mask_cfg.img_shape, mask_cfg.max_bbox_shape,
                           mask_cfg.max_bbox_delta, mask_cfg.min_margin)
        top, left, bh, bw = scale_bbox(
            np.array(bbox), cfg.model.train_cfg.local_size)
        assert top >= 0 and left >= 0 and top + bh <= h and left + bw <= w


def _cfg(path):
    return Config.fromfile(osp.join(ROOT, path))


def _flat(d, prefix=''):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f'{prefix}{k}.'))
        out[f'{prefix}{k}'] = v
    return out


@pytest.mark.parametrize(
    'setting,path',
    [(s, p) for group in (CONFIGS, CRA) for s in group for p in group[s]],
    ids=lambda x: osp.basename(x))
def test_same_data_masks_metrics_as_tmad(setting, path):
    cfg, tmad = _cfg(path), _cfg(TMAD[setting])
    if path in MARGIN:
        # the one documented data change: training holes kept off the border
        mask_cfg = _train_mask_cfg(tmad)
        assert mask_cfg.min_margin < MARGIN[path]
        mask_cfg.min_margin = MARGIN[path]
    for key in SHARED + ['default_hooks', 'custom_hooks', 'env_cfg']:
        assert cfg[key] == tmad[key], f'{path}: {key} differs from T-MAD'
    assert cfg.custom_imports['imports'] == ['mmedit_tmad']
    assert cfg.param_scheduler == []  # mmagic's (and CRA's) fixed lr
    if setting == 'embedded':
        assert cfg.train_cfg.max_iters == tmad.train_cfg.max_iters


@pytest.mark.parametrize(
    'setting,algo', [(s, a) for s in CONFIGS for a in ALGOS])
def test_mmagic_model_unchanged(setting, algo):
    path = [p for p in CONFIGS[setting] if f'/{algo}/' in p][0]
    ours = _cfg(path)
    ref = Config.fromfile(
        osp.join(osp.dirname(mmagic.__file__), '.mim', 'configs',
                 MMAGIC[algo]))
    flat_ours = _flat(ours.model.to_dict())
    flat_ref = _flat(ref.model.to_dict())
    changes = CHANGES.get((setting, algo), {})
    for key, value in changes.items():
        assert flat_ours[key] == value, key
    changed = set(changes)
    for key in set(flat_ours) | set(flat_ref):
        if any(key == c or key.startswith(c + '.') or c.startswith(key + '.')
               for c in changed):
            continue
        assert flat_ours.get(key) == flat_ref.get(key), f'{path}: {key}'
    assert ours.optim_wrapper == ref.optim_wrapper
    if setting == 'places':
        assert ours.train_cfg.max_iters == ref.train_cfg.max_iters


@pytest.mark.parametrize(
    'setting,path', [(s, p) for s in CLASSICAL for p in CLASSICAL[s]],
    ids=lambda x: osp.basename(x))
def test_classical_same_evaluation_as_tmad(setting, path):
    cfg, tmad = _cfg(path), _cfg(TMAD[setting])
    for key in ('val_dataloader', 'test_dataloader', 'val_evaluator',
                'test_evaluator'):
        assert cfg[key] == tmad[key], f'{path}: {key} differs from T-MAD'
    assert cfg.optim_wrapper is None


def _batch(size, n=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(n):
        gt = torch.rand(3, size, size, generator=g) * 255
        mask = torch.zeros(1, size, size)
        top, left, h = 8 + 4 * i, 12, size // 2
        mask[:, top:top + h, left:left + h] = 1
        inputs.append(gt * (1 - mask))
        samples.append(
            DataSample(
                gt_img=gt,
                mask=mask,
                metainfo=dict(mask_bbox=[top, left, h, h])))
    return dict(inputs=inputs, data_samples=samples)


def _model(path):
    """The config's model, updating G and D at every step."""
    cfg = _cfg(path)
    cfg.model.train_cfg.disc_step = 1
    return cfg, MODELS.build(cfg.model)


@pytest.mark.parametrize('path', CONFIGS['embedded'], ids=osp.basename)
def test_embedded_train_step_and_val(path):
    init_default_scope('mmagic')
    torch.manual_seed(0)
    cfg, model = _model(path)
    size = 64 if cfg.model.type == 'AOTInpaintor' else 128
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {
        k: v.detach().clone()
        for k, v in model.generator.named_parameters()
    }
    log = model.train_step(_batch(size, n=1), optim)
    assert all(torch.isfinite(torch.as_tensor(v)) for v in log.values())
    changed = [
        k for k, v in model.generator.named_parameters()
        if not torch.equal(v, before[k])
    ]
    assert changed, 'the generator did not learn'
    model.eval()
    batch = _batch(size, n=1, seed=1)
    with torch.no_grad():
        preds = model.val_step(batch)
    for pred, sample in zip(preds, batch['data_samples']):
        out = pred.output.pred_img
        assert out.shape == (3, size, size)
        # the valid region is composited back
        valid = (1 - sample.mask).bool().expand_as(out)
        torch.testing.assert_close(
            out[valid], sample.gt_img[valid], atol=0.6, rtol=0)

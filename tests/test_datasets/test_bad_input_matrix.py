# Copyright (c) OpenMMLab. All rights reserved.
"""The bad-input matrix through the configs' own pipelines and a training
step of the model: each case is a defined result or an error naming the
file, never a crash deep in a kernel nor training on garbage."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmedit_tmad.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PLACES = osp.join(ROOT, 'configs', 'tmad', 'tmad_4xb4_places-256x256.py')
TINY = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """One file per case, from a real photo."""
    import skimage.data
    d = tmp_path_factory.mktemp('bad_inputs')
    img = cv2.resize(skimage.data.astronaut()[..., ::-1], (96, 72),
                     interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(d / 'ok.png'), img)
    cv2.imwrite(str(d / 'gray.png'), cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    cv2.imwrite(str(d / 'u16.png'), img.astype(np.uint16) * 257)
    cv2.imwrite(str(d / 'rgba.png'), cv2.cvtColor(img, cv2.COLOR_BGR2BGRA))
    cv2.imwrite(str(d / 'small.png'), img[:20, :24])
    good = (d / 'ok.png').read_bytes()
    (d / 'truncated.png').write_bytes(good[:len(good) // 3])
    (d / 'empty.png').write_bytes(b'')
    jpg = cv2.imencode('.jpg', img)[1].tobytes()
    (d / 'truncated_jpg.png').write_bytes(jpg[:len(jpg) // 2])
    (d / 'text.png').write_bytes(b'not an image')
    return d


@pytest.mark.parametrize('name', ['ok', 'gray', 'u16', 'rgba', 'small'])
def test_paper_pipelines_defined_results(files, name):
    """Places training pipeline: random crop (at most 384) + resize to
    256: a small image is upscaled, the formats are converted."""
    init_default_scope('mmagic')
    cfg = Config.fromfile(PLACES)
    out = Compose(cfg.train_pipeline)(dict(gt_path=str(files / f'{name}.png')))
    assert out['inputs'].shape == (3, 256, 256)
    gt = out['data_samples'].gt_img
    assert gt.shape == (3, 256, 256) and torch.isfinite(gt).all()
    assert gt.float().std() > 10  # a photo, not a blank
    mask = out['data_samples'].mask
    assert set(mask.unique().tolist()) == {0, 1}


@pytest.mark.parametrize('name',
                         ['truncated', 'empty', 'truncated_jpg', 'text'])
def test_paper_pipelines_name_undecodable_files(files, name):
    init_default_scope('mmagic')
    cfg = Config.fromfile(PLACES)
    path = str(files / f'{name}.png')
    # a one-mask set stands in for data/masks/v1_256_s0
    mask = np.zeros((256, 256), np.uint8)
    mask[64:128, 64:128] = 255
    cv2.imwrite(str(files / 'mask.png'), mask)
    (files / 'masks.txt').write_text('mask.png\n')
    for step in cfg.test_pipeline:
        if step['type'] == 'TMADLoadFixedMask':
            step['mask_list'] = str(files / 'masks.txt')
    for pipeline in (cfg.train_pipeline, cfg.test_pipeline):
        with pytest.raises(OSError, match=f'cannot decode image file {path}'):
            Compose(pipeline)(dict(gt_path=path))


def _tiny_sample(path, mask_fill=None):
    """The tiny config's image path at 32x32 with a bbox or a set mask."""
    steps = [
        dict(type='TMADLoadImageFromFile', key='gt'),
        dict(type='Resize', keys=['gt'], scale=(32, 32), keep_ratio=False),
        dict(type='LoadMask', mask_mode='bbox', mask_config=dict(
            max_bbox_shape=(16, 16), max_bbox_delta=8, min_margin=4,
            img_shape=(32, 32))),
    ]
    results = Compose(steps)(dict(gt_path=str(path)))
    if mask_fill is not None:
        results['mask'] = np.full((32, 32, 1), mask_fill, np.float32)
    tail = [dict(type='TMADCheckInputs'), dict(type='GetMaskedImage'),
            dict(type='PackInputs')]
    return Compose(tail)(results)


@pytest.fixture
def tiny_model(random_vgg):
    init_default_scope('mmagic')
    cfg = Config.fromfile(TINY)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.cur_iter.fill_(model.coarse_iters)  # phase 2: every module runs
    return model, build_optim_wrapper(model, cfg.optim_wrapper)


@pytest.mark.slow
def test_model_trains_on_defined_cases(files, tiny_model):
    model, optim = tiny_model
    batch = [
        _tiny_sample(files / 'gray.png'),
        _tiny_sample(files / 'u16.png'),
        _tiny_sample(files / 'rgba.png'),
        _tiny_sample(files / 'ok.png', mask_fill=0.),  # no hole
        _tiny_sample(files / 'ok.png', mask_fill=1.),  # all hole
    ]
    data = dict(inputs=[s['inputs'] for s in batch],
                data_samples=[s['data_samples'] for s in batch])
    before = [p.detach().clone() for p in model.psnet.parameters()]
    log = model.train_step(data, optim)
    assert log['phase'] == 2
    assert all(torch.isfinite(v).all() for v in log.values()), log
    assert any(not torch.equal(a, b)
               for a, b in zip(before, model.psnet.parameters()))


def test_non_finite_tensors_name_the_sample(files, tiny_model):
    model, optim = tiny_model
    batch = [_tiny_sample(files / n) for n in ('ok.png', 'gray.png')]
    data = dict(inputs=[s['inputs'] for s in batch],
                data_samples=[s['data_samples'] for s in batch])
    # e.g. a float pipeline (HDR, a learned degradation) gone wrong
    gt = data['data_samples'][1].gt_img.float()
    gt[0, 3, 3] = float('inf')
    data['data_samples'][1].gt_img = gt
    with pytest.raises(ValueError, match=r'ground truth contains NaN or Inf.*'
                       r'batch index \[1\].*gray\.png'):
        model.train_step(data, optim)
    data['inputs'][0][1, 0, 0] = float('nan')
    with pytest.raises(ValueError, match=r'input image contains NaN.*'
                       r'index \[0\].*ok\.png'):
        model.train_step(data, optim)
    # nothing was updated by the rejected batches
    assert int(model.cur_iter) == model.coarse_iters

# Copyright (c) OpenMMLab. All rights reserved.
"""TMADCheckInputs: each bad case is an error naming the file, or defined."""
import numpy as np
import pytest

from mmedit_tmad.datasets import TMADCheckInputs

PATH = '/data/x/img_7.png'


def _sample(img=None, mask=None):
    img = np.zeros((8, 8, 3), np.uint8) if img is None else img
    if mask is None:
        mask = np.zeros((8, 8, 1), np.float32)
        mask[2:5, 2:5] = 1
    return dict(gt=img, mask=mask, gt_path=PATH)


def test_valid_sample_unchanged():
    s = _sample()
    out = TMADCheckInputs()(dict(s))
    assert out['gt'] is s['gt'] and np.array_equal(out['mask'], s['mask'])
    # 2-d masks get their channel axis
    out = TMADCheckInputs()(_sample(mask=s['mask'][..., 0]))
    assert out['mask'].shape == (8, 8, 1)


@pytest.mark.parametrize('mask', [
    np.zeros((8, 8, 1), np.float32),
    np.ones((8, 8, 1), np.float32),
    np.ones((8, 8, 1), np.uint8)
],
                         ids=['all-zero', 'all-one', 'all-one-uint8'])
def test_empty_and_full_masks_pass(mask):
    out = TMADCheckInputs()(_sample(mask=mask))
    assert np.array_equal(out['mask'], mask)


@pytest.mark.parametrize('case, match', [
    (dict(img=None), 'no image'),
    (dict(img=np.zeros((8, 8), np.uint8)), r'H x W x 3 image.*\(8, 8\)'),
    (dict(img=np.zeros((8, 8, 4), np.uint8)), 'H x W x 3'),
    (dict(img=np.full((8, 8, 3), np.nan, np.float32)), 'image contains NaN'),
    (dict(mask=np.zeros((6, 8, 1), np.float32)), r'mask of shape \(6, 8, 1\)'
     r' does not match the image \(8x8\)'),
    (dict(mask=np.full((8, 8, 1), np.inf, np.float32)), 'mask contains NaN'),
    (dict(mask=np.full((8, 8, 1), 0.5, np.float32)), 'mask is not binary'),
    (dict(mask=np.full((8, 8, 1), 255, np.uint8)), r'not binary.*255'),
])
def test_errors_name_the_file(case, match):
    s = _sample(mask=case.get('mask'))
    if 'img' in case:
        s['gt'] = case['img']
    with pytest.raises(ValueError, match=match) as err:
        TMADCheckInputs()(s)
    assert str(err.value).startswith(PATH + ': ')


def test_min_size():
    with pytest.raises(ValueError, match=f'{PATH}: image 8x8 is smaller '
                       'than 16x8; add a Resize or Crop'):
        TMADCheckInputs(min_size=(16, 8))(_sample())
    TMADCheckInputs(min_size=(8, 8))(_sample())


def test_binarize_soft_masks():
    soft = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8, 1)
    out = TMADCheckInputs(binarize_mask=0.5)(_sample(mask=soft))
    assert out['mask'].dtype == np.float32
    assert np.array_equal(out['mask'], (soft > 0.5).astype(np.float32))
    out = TMADCheckInputs(binarize_mask=127)(
        _sample(mask=np.full((8, 8, 1), 255, np.uint8)))
    assert (out['mask'] == 1).all()


def test_image_only():
    s = _sample()
    s.pop('mask')
    assert TMADCheckInputs(mask_key=None)(s) is s
    with pytest.raises(ValueError, match='no mask'):
        TMADCheckInputs()(s)

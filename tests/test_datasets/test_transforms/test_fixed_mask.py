# Copyright (c) OpenMMLab. All rights reserved.
import cv2
import numpy as np
import pytest

from mmedit_tmad.datasets import TMADLoadFixedMask


@pytest.fixture
def mask_set(tmp_path):
    for i in range(3):
        m = np.zeros((32, 32), np.uint8)
        m[i:i + 8, i:i + 8] = 255
        cv2.imwrite(str(tmp_path / f'{i:05d}.png'), m)
    lst = tmp_path / 'list.txt'
    lst.write_text(''.join(f'{i:05d}.png\n' for i in range(3)))
    return str(lst)


def test_same_sample_same_mask(mask_set):
    t = TMADLoadFixedMask(mask_list=mask_set)
    gt = np.zeros((32, 32, 3), np.uint8)
    a = t(dict(gt=gt, sample_idx=4))
    b = t(dict(gt=gt, sample_idx=4))
    assert a['mask'].shape == (32, 32, 1) and a['mask'].dtype == np.uint8
    assert set(np.unique(a['mask'])) == {0, 1}
    assert np.array_equal(a['mask'], b['mask'])
    assert a['mask_path'].endswith('00001.png')  # 4 mod 3
    c = t(dict(gt=gt, sample_idx=2))
    assert not np.array_equal(a['mask'], c['mask'])
    assert c['mask'][2:10, 2:10].all() and c['mask'].sum() == 64


def test_size_mismatch_and_resize(mask_set):
    gt = np.zeros((64, 48, 3), np.uint8)
    with pytest.raises(ValueError, match='32x32 but the image is 48x64'):
        TMADLoadFixedMask(mask_list=mask_set)(dict(gt=gt, sample_idx=0))
    out = TMADLoadFixedMask(mask_list=mask_set, resize=True)(
        dict(gt=gt, sample_idx=0))
    assert out['mask'].shape == (64, 48, 1)
    assert set(np.unique(out['mask'])) == {0, 1}


def test_bad_lists(tmp_path, mask_set):
    with pytest.raises(FileNotFoundError, match='make_fixed_masks'):
        TMADLoadFixedMask(mask_list=str(tmp_path / 'none.txt'))
    empty = tmp_path / 'empty.txt'
    empty.write_text('\n')
    with pytest.raises(ValueError, match='empty'):
        TMADLoadFixedMask(mask_list=str(empty))
    broken = tmp_path / 'broken.txt'
    broken.write_text('missing.png\n')
    with pytest.raises(FileNotFoundError, match='missing.png .*not found'):
        TMADLoadFixedMask(mask_list=str(broken))(
            dict(gt=np.zeros((32, 32, 3)), sample_idx=0))
    for name, content in [('garbage.png', b'not a png'), ('empty.png', b'')]:
        (tmp_path / name).write_bytes(content)
        broken.write_text(f'{name}\n')
        with pytest.raises(
                OSError, match=f'cannot decode mask file '
                f'{tmp_path / name}'):
            TMADLoadFixedMask(mask_list=str(broken))(
                dict(gt=np.zeros((32, 32, 3)), sample_idx=0))

# Copyright (c) OpenMMLab. All rights reserved.
"""TMADLoadImageFromFile: bad files are named; odd formats are defined."""
import cv2
import numpy as np
import pytest

from mmedit_tmad.datasets import TMADLoadImageFromFile


@pytest.fixture
def img():
    return (np.random.default_rng(0).random((12, 10, 3)) * 255).astype(
        np.uint8)


def _load(path):
    return TMADLoadImageFromFile(key='gt')(dict(gt_path=str(path)))['gt']


@pytest.mark.parametrize(
    'kind', ['corrupt', 'empty', 'truncated', 'text', 'truncated_jpg'])
def test_undecodable_file_is_named(tmp_path, img, kind):
    path = tmp_path / f'{kind}.png'
    good = cv2.imencode('.png', img)[1].tobytes()
    jpg = cv2.imencode('.jpg', np.tile(img, (8, 8, 1)))[1].tobytes()
    data = {
        'corrupt': b'\x89PNG\r\n\x1a\n' + bytes(100),
        'empty': b'',
        'truncated': good[:len(good) // 2],
        'text': b'not an image',
        'truncated_jpg': jpg[:len(jpg) // 2]
    }[kind]
    path.write_bytes(data)
    with pytest.raises(OSError, match=f'cannot decode image file {path} '
                       rf'\({len(data)} bytes\)'):
        _load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.png'):
        _load(tmp_path / 'nothere.png')


def test_defined_results_for_other_formats(tmp_path, img):
    cv2.imwrite(str(tmp_path / 'gray.png'), img[..., 0])
    cv2.imwrite(str(tmp_path / 'u16.png'), img.astype(np.uint16) * 257)
    cv2.imwrite(str(tmp_path / 'rgba.png'),
                np.concatenate([img, img[..., :1] // 2], axis=2))
    gray = _load(tmp_path / 'gray.png')
    assert gray.shape == (12, 10, 3) and gray.dtype == np.uint8
    for c in range(3):  # grayscale repeated to 3 channels
        assert np.array_equal(gray[..., c], img[..., 0])
    u16 = _load(tmp_path / 'u16.png')
    assert u16.dtype == np.uint8
    assert np.array_equal(u16, img)  # 16 bits v * 257 -> 8 bits v
    rgba = _load(tmp_path / 'rgba.png')
    assert rgba.shape == (12, 10, 3) and np.array_equal(rgba, img)

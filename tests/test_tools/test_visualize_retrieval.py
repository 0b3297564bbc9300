# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from skimage import data

from mmedit_tmad.apis import draw_mask

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
sys.path.insert(0, osp.join(ROOT, 'tools'))
import visualize_retrieval  # noqa: E402


def test_picture_of_a_real_photo(tmp_path):
    img = data.chelsea()[:150, 100:277, ::-1]  # 150x177
    path = str(tmp_path / 'cat.png')
    cv2.imwrite(path, img)
    out = str(tmp_path / 'vis' / 'cat_retrieval.png')
    visualize_retrieval.main([
        '--config', TEST_CFG, '--img', path, '--box', '50,40,40,30',
        '--stroke', '120,100,160,120', '--out', out, '--scale', '2',
        '--max-cells', '0', '--cfg-options', 'model.train_cfg.coarse_iters=0'
    ])
    pic = cv2.imread(out)
    assert pic.shape == (300, 4 * 354 + 12, 3)
    # the last panel is the output: the input outside the hole
    hole = draw_mask(
        img.shape, boxes=[(50, 40, 40, 30)], strokes=[[(120, 100),
                                                       (160, 120)]])
    last = pic[::2, -354::2]
    assert np.array_equal(last[~hole], img[~hole])
    assert (last[hole] != img[hole]).any()


def test_jpeg_and_phase1_model_without_retrieval(tmp_path):
    path = str(tmp_path / 'cat.png')
    cv2.imwrite(path, data.chelsea()[:64, :64])
    jpg = str(tmp_path / 'small.jpg')
    visualize_retrieval.main([
        '--config', TEST_CFG, '--img', path, '--box', '10,10,20,20',
        '--out', jpg, '--jpeg-quality', '50', '--cfg-options',
        'model.train_cfg.coarse_iters=0'
    ])
    assert cv2.imread(jpg).shape == (256, 4 * 256 + 12, 3)
    with pytest.raises(ValueError, match='no retrieval'):
        visualize_retrieval.main([
            '--config', TEST_CFG, '--img', path, '--box', '10,10,20,20',
            '--out', str(tmp_path / 'x.png')
        ])

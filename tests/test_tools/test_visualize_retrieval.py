# Copyright (c) OpenMMLab. All rights reserved.
import os
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


def test_picture_of_windows(tmp_path):
    """``--strategy crop``: two windows' cells, in photo coordinates."""
    img = data.chelsea()[:150, 100:277, ::-1]  # 150x177
    path = str(tmp_path / 'cat.png')
    cv2.imwrite(path, img)
    out = str(tmp_path / 'cat_retrieval.png')
    visualize_retrieval.main([
        '--config', TEST_CFG, '--img', path, '--box', '10,10,20,20',
        '--box', '140,110,20,20', '--out', out, '--strategy', 'crop',
        '--crop-margin', '32', '--scale', '1', '--cfg-options',
        'model.train_cfg.coarse_iters=0'
    ])
    pic = cv2.imread(out)
    assert pic.shape == (150, 4 * 177 + 12, 3)
    hole = draw_mask(img.shape, boxes=[(10, 10, 20, 20), (140, 110, 20, 20)])
    last = pic[:, -177:]
    assert np.array_equal(last[~hole], img[~hole])
    # only downscaled windows: a clear error
    with pytest.raises(ValueError, match='every window of a big photo was '
                       'downscaled'):
        visualize_retrieval.main([
            '--config', TEST_CFG, '--img', path, '--box', '10,10,20,20',
            '--out', str(tmp_path / 'x.png'), '--strategy', 'crop',
            '--window-size', '32', '--cfg-options',
            'model.train_cfg.coarse_iters=0'
        ])


TOOL = 'tools/visualize_retrieval.py'


def test_out_is_checked_before_the_model(run_tool, run_main,
                                         unbuildable_config, tmp_path):
    """--out: never the photo, an image file name, not a folder, not an
    existing file unless --overwrite; all before the model is loaded."""
    photo = tmp_path / 'vphoto.png'
    cv2.imwrite(str(photo), data.chelsea()[:64, :64])
    before = photo.read_bytes()
    os.makedirs(tmp_path / 'pictures')
    base = [
        '--config', unbuildable_config, '--img', photo, '--box', '10,10,20,20',
        '--out'
    ]
    run = run_tool(TOOL, base + [photo])
    assert run.returncode == 2
    assert run.error == f'error: --out: {photo} is an input of this run ' \
        'and is never written over; choose another output'
    run = run_tool(TOOL, base + [tmp_path / 'picture'])
    assert run.returncode == 2 and 'give an image file name' in run.error
    for args, message in [
        ([photo, '--overwrite'], 'is an input of this run'),
        ([tmp_path / 'picture.txt'], 'give an image file name'),
        ([tmp_path / 'pictures'], 'is a folder'),
    ]:
        run = run_main(visualize_retrieval.main, base + args)
        assert run.returncode == 2 and message in run.error
    assert photo.read_bytes() == before
    # an existing picture: replaced with --overwrite only
    old = tmp_path / 'pictures' / 'old.jpg'
    old.write_bytes(b'mine')
    args = [
        '--config', TEST_CFG, '--img', photo, '--box', '10,10,20,20', '--out',
        old, '--cfg-options', 'model.train_cfg.coarse_iters=0'
    ]
    run = run_main(visualize_retrieval.main, args)
    assert run.returncode == 2
    assert 'old.jpg exists; pass --overwrite' in run.error
    assert old.read_bytes() == b'mine'
    run = run_main(visualize_retrieval.main, args + ['--overwrite'])
    assert run.returncode == 0, run.stderr
    assert cv2.imread(str(old)).shape == (256, 4 * 256 + 12, 3)


def test_broken_photo_is_named(run_tool, tmp_path):
    photo = tmp_path / 'cut.jpg'
    jpg = cv2.imencode('.jpg', data.chelsea()[:64, :64])[1].tobytes()
    photo.write_bytes(jpg[:len(jpg) // 2])
    run = run_tool(TOOL, [
        '--config', TEST_CFG, '--img', photo, '--box', '10,10,20,20', '--out',
        tmp_path / 'vis.png'
    ])
    assert run.returncode == 1
    assert run.error.startswith(f'error: cannot decode image file {photo}')
    assert not (tmp_path / 'vis.png').exists()


def test_picture_with_a_reference(tmp_path, capsys):
    img = data.chelsea()[:150, 100:277, ::-1]  # 150x177
    path = str(tmp_path / 'cat.png')
    ref = str(tmp_path / 'brick.png')
    cv2.imwrite(path, img)
    cv2.imwrite(ref, data.brick()[:100, :300])
    out = str(tmp_path / 'cat_retrieval.png')
    visualize_retrieval.main([
        '--config', TEST_CFG, '--img', path, '--box', '50,40,40,30',
        '--reference', ref, '--reference-only', '--out', out, '--scale',
        '1', '--cfg-options', 'model.train_cfg.coarse_iters=0'
    ])
    # row 1: four panels; row 2: the reference at the panels' height
    assert cv2.imread(out).shape == (2 * 150 + 4, 4 * 177 + 12, 3)
    printed = capsys.readouterr().out
    assert f'from: photo 0, reference 1 ({ref}) ' in printed

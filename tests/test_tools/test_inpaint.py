# Copyright (c) OpenMMLab. All rights reserved.
"""tools/inpaint.py on real photos: mask files, boxes, strokes, folders."""
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from skimage import data

from mmedit_tmad.apis import draw_mask, init_model

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
sys.path.insert(0, osp.join(ROOT, 'tools'))
import inpaint as inpaint_tool  # noqa: E402


@pytest.fixture(scope='module')
def ckpt(tmp_path_factory):
    """The tiny T-MAD model saved as in phase 2 (past coarse_iters)."""
    model = init_model(TEST_CFG)
    model.cur_iter.fill_(model.coarse_iters)
    path = str(tmp_path_factory.mktemp('ckpt') / 'tiny.pth')
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), path)
    return path


@pytest.fixture(scope='module')
def photos(tmp_path_factory):
    """Two real photos of odd sizes and their mask files (PNG)."""
    root = tmp_path_factory.mktemp('photos')
    os.makedirs(root / 'img')
    os.makedirs(root / 'mask')
    shots = dict(
        coffee=data.coffee()[50:171, 100:197, ::-1],  # 121x97
        rocket=data.rocket()[:99, 100:231, ::-1])  # 99x131
    for name, img in shots.items():
        cv2.imwrite(str(root / 'img' / f'{name}.jpg'), img)
        hole = draw_mask(img.shape, boxes=[(30, 40, 30, 25)])
        cv2.imwrite(str(root / 'mask' / f'{name}.png'),
                    hole.astype(np.uint8) * 255)
    return str(root)


def _check(out_png, img_path, hole):
    out = cv2.imread(out_png, cv2.IMREAD_UNCHANGED)
    img = cv2.imread(img_path, cv2.IMREAD_UNCHANGED)
    assert out.shape == img.shape
    assert np.array_equal(out[~hole], img[~hole])
    assert (out[hole] != img[hole]).any()


def test_folder_with_mask_folder_and_steps(ckpt, photos, tmp_path):
    out = str(tmp_path / 'out')
    written = inpaint_tool.main([
        '--config', TEST_CFG, '--checkpoint', ckpt, '--img',
        osp.join(photos, 'img'), '--mask',
        osp.join(photos, 'mask'), '--out', out, '--save-steps'
    ])
    assert [osp.basename(p) for p in written] == ['coffee.png', 'rocket.png']
    for name in ('coffee', 'rocket'):
        hole = cv2.imread(osp.join(photos, 'mask', f'{name}.png'), 0) > 0
        _check(
            osp.join(out, f'{name}.png'),
            osp.join(photos, 'img', f'{name}.jpg'), hole)
        assert np.array_equal(
            cv2.imread(osp.join(out, f'{name}_mask.png'), 0) > 0, hole)
        coarse = cv2.imread(osp.join(out, f'{name}_coarse.png'))
        assert coarse.shape == hole.shape + (3, )
        vis = cv2.imread(osp.join(out, f'{name}_retrieval.png'))
        assert vis.shape[1] > 4 * hole.shape[1]
        removal = cv2.imread(osp.join(out, f'{name}_removal.png'))
        assert removal.shape == (hole.shape[0], 2 * hole.shape[1] + 4, 3)


def test_boxes_and_strokes_on_one_photo(ckpt, photos, tmp_path):
    img = osp.join(photos, 'img', 'coffee.jpg')
    out = str(tmp_path / 'out')
    inpaint_tool.main([
        '--config', TEST_CFG, '--checkpoint', ckpt, '--img', img, '--box',
        '10,20,30,25', '--box', '80,100,80,80', '--stroke',
        '40,50,70,80,90,60', '--stroke-width', '7', '--out', out
    ])
    hole = draw_mask((121, 97),
                     boxes=[(10, 20, 30, 25), (80, 100, 80, 80)],
                     strokes=[[(40, 50), (70, 80), (90, 60)]],
                     stroke_width=7)
    _check(osp.join(out, 'coffee.png'), img, hole)
    assert sorted(os.listdir(out)) == ['coffee.png']


def test_bad_arguments(ckpt, photos, tmp_path, capsys):
    img = osp.join(photos, 'img', 'coffee.jpg')
    base = ['--config', TEST_CFG, '--img', img, '--out', str(tmp_path)]
    with pytest.raises(SystemExit):
        inpaint_tool.main(base)  # no hole given
    assert 'give the hole' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        inpaint_tool.main(base + ['--box', '1,2,3'])
    assert 'x,y,w,h' in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match='no mask for'):
        inpaint_tool.main(base[:3] + [
            osp.join(photos, 'img'), '--mask',
            str(tmp_path), '--out',
            str(tmp_path)
        ])
    wrong = str(tmp_path / 'wrong.png')
    cv2.imwrite(wrong, np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match='coffee.jpg: mask 10x10'):
        inpaint_tool.main(base + ['--mask', wrong])
    with pytest.raises(FileNotFoundError, match='--img'):
        inpaint_tool.main(
            ['--config', TEST_CFG, '--img', '/nonexistent', '--box',
             '1,1,4,4', '--out', str(tmp_path)])


def test_command_line(ckpt, photos, tmp_path):
    """The script as a user runs it (a fresh process)."""
    out = str(tmp_path / 'out')
    img = osp.join(photos, 'img', 'rocket.jpg')
    proc = subprocess.run([
        sys.executable, 'tools/inpaint.py', '--config', TEST_CFG,
        '--checkpoint', ckpt, '--img', img, '--stroke', '20,20,120,90',
        '--out', out, '--device', 'cpu'
    ],
                          cwd=ROOT,
                          env=dict(os.environ, OMP_NUM_THREADS='1'),
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '1 result(s) written' in proc.stdout
    hole = draw_mask((99, 131), strokes=[[(20, 20), (120, 90)]])
    _check(osp.join(out, 'rocket.png'), img, hole)

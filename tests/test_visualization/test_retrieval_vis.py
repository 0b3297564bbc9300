# Copyright (c) OpenMMLab. All rights reserved.
import math
import os.path as osp

import numpy as np
import pytest
from skimage import data

from mmedit_tmad.apis import draw_mask, init_model, inpaint
from mmedit_tmad.visualization import (draw_retrieval, paste_retrieved,
                                       retrieval_colors)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
K = 16


@pytest.fixture(scope='module')
def case():
    model = init_model(
        TEST_CFG, cfg_options={'model.train_cfg.coarse_iters': 0})
    img = np.ascontiguousarray(data.coffee()[100:197, 200:333, ::-1])
    hole = draw_mask(img.shape, boxes=[(40, 30, 40, 30)])
    return model, img, inpaint(model, img, hole, return_steps=True)


def test_colors_are_distinct():
    colors = retrieval_colors(32).astype(int)
    assert colors.shape == (32, 3)
    diff = np.abs(colors[:, None] - colors[None]).sum(-1)
    assert (diff[~np.eye(32, dtype=bool)] > 0).all()


def test_paste_retrieved_copies_the_ranked_windows(case):
    _, img, steps = case
    pasted = paste_retrieved(steps, rank=1)
    h, w = img.shape[:2]
    for (y, x), (sy, sx) in zip(steps.hole_cells, steps.retrieved[:, 1]):
        ch, cw = min(K, h - y, h - sy), min(K, w - x, w - sx)
        assert np.array_equal(pasted[y:y + ch, x:x + cw],
                              steps.coarse[sy:sy + ch, sx:sx + cw])
    outside = np.ones((h, w), bool)
    for y, x in steps.hole_cells:
        outside[y:y + K, x:x + K] = False
    assert np.array_equal(pasted[outside], steps.coarse[outside])


def test_draw_retrieval_boxes_match_in_colour(case):
    _, img, steps = case
    s = 2
    pic = draw_retrieval(img, steps, scale=s, max_cells=None)
    h, w = img.shape[:2]
    assert pic.shape == (h * s, 4 * w * s + 12, 3) and pic.dtype == np.uint8
    colors = retrieval_colors(len(steps.hole_cells))
    # the last drawn cell's outline and its source outline: its colour
    (y, x), (sy, sx) = steps.hole_cells[-1] * s, steps.retrieved[-1, 0] * s
    assert np.array_equal(pic[y, x + 3], colors[-1])
    assert np.array_equal(pic[sy + 3, sx], colors[-1])
    # the last panel is the result
    assert np.array_equal(pic[::s, -w * s::s], steps.result)
    # a grayscale / RGBA input draws the same way
    assert draw_retrieval(img[..., 0], steps,
                          scale=1).shape == (h, 4 * w + 12, 3)
    # default scale: at least 256 pixels high
    assert draw_retrieval(img, steps).shape[0] == h * 3


def test_draw_retrieval_errors(case):
    model, img, steps = case
    with pytest.raises(ValueError, match='rank'):
        draw_retrieval(img, steps, rank=2)
    with pytest.raises(ValueError, match='is not the one'):
        draw_retrieval(img[:50], steps)
    phase1 = init_model(TEST_CFG)  # phase 1: no retrieval
    hole = draw_mask(img.shape, boxes=[(40, 30, 40, 30)])
    with pytest.raises(ValueError, match='no retrieval'):
        draw_retrieval(img, inpaint(phase1, img, hole, return_steps=True))


def test_draw_retrieval_with_references(case):
    """References: a second row, windows outlined in their cell's colour
    on the reference they came from; panel 2 pastes them."""
    model, img, _ = case
    hole = draw_mask(img.shape, boxes=[(40, 30, 40, 30)])
    ref = np.ascontiguousarray(data.astronaut()[:120, :150, ::-1])
    steps = inpaint(model, img, hole, return_steps=True, reference=ref,
                    use_photo=False)
    s = 2
    pic = draw_retrieval(img, steps, scale=s, max_cells=None)
    h, w = img.shape[:2]
    row = 4 * w * s + 12
    assert pic.shape == (2 * h * s + 4, max(row, round(150 * h / 120) * s),
                         3)
    # the reference row, at the panels' height (120 -> 2 * 97 pixels)
    f = h * s / 120
    colors = retrieval_colors(len(steps.hole_cells))
    sy, sx = steps.retrieved[-1, 0]
    # nearest neighbour: panel pixel X shows reference pixel floor(X / f)
    y, x = h * s + 4 + math.ceil((sy + 5) * f), math.ceil(sx * f)
    assert np.abs(pic[y, x].astype(int) - colors[-1]).max() < 60
    # panel 2: the windows cut from the reference
    pasted = paste_retrieved(steps)
    (cy, cx), (sy, sx) = steps.hole_cells[0], steps.retrieved[0, 0]
    ch, cw = min(K, h - cy), min(K, w - cx)
    assert np.array_equal(pasted[cy:cy + ch, cx:cx + cw],
                          ref[sy:sy + ch, sx:sx + cw])

# Copyright (c) OpenMMLab. All rights reserved.
import cv2
import numpy as np
import pytest

from mmedit_tmad.apis import (draw_mask, make_mask, parse_box, parse_stroke,
                              read_mask)


def test_parse_box_and_stroke():
    assert parse_box('10,20,30,40') == (10, 20, 30, 40)
    for bad in ('10,20,30', 'a,b,c,d', '1,2,0,5', ''):
        with pytest.raises(ValueError):
            parse_box(bad)
    assert parse_stroke('1,2,3.6,4').tolist() == [[1, 2], [4, 4]]
    for bad in ('1,2,3', 'x,y', ''):
        with pytest.raises(ValueError, match='stroke'):
            parse_stroke(bad)


def test_boxes_are_drawn_as_x_y_w_h_and_clipped():
    mask = draw_mask((20, 30), boxes=[(5, 2, 4, 3), (25, 15, 10, 10)])
    expect = np.zeros((20, 30), bool)
    expect[2:5, 5:9] = True  # rows y..y+h, columns x..x+w
    expect[15:20, 25:30] = True  # clipped at the border
    assert np.array_equal(mask, expect)
    with pytest.raises(ValueError, match='outside'):
        draw_mask((20, 30), boxes=[(40, 0, 5, 5)])
    with pytest.raises(ValueError, match='no area'):
        draw_mask((20, 30), boxes=[(0, 0, 0, 5)])


def test_strokes_have_the_brush_width():
    mask = draw_mask((60, 80), strokes=[[(10, 30), (70, 30)]], stroke_width=9)
    assert mask[:, 40].sum() == 9 and mask[26:35, 40].all()
    assert not mask[:, :5].any() and not mask[:, 75:].any()
    # round caps: covered up to width / 2 beyond the end points
    assert mask[30, 74] and not mask[30, 75] and mask[30, 6]
    assert mask[33, 73] and not mask[34, 74]  # a disc, not a square
    # a one-point stroke is a dot; a polyline turns corners
    dot = draw_mask((20, 20), strokes=[[(10, 10)]], stroke_width=5)
    assert dot.sum() == 21 and dot[10, 12] and not dot[12, 12]
    poly = draw_mask((40, 40), strokes=[np.array([[5, 5], [30, 5],
                                                  [30, 30]])], stroke_width=3)
    assert poly[5, 15] and poly[20, 30] and not poly[20, 10]
    # strokes may leave the image
    assert draw_mask((10, 10), strokes=[[(-5, 5), (50, 5)]]).any()
    with pytest.raises(ValueError, match='stroke_width'):
        draw_mask((20, 20), strokes=[[(1, 1)]], stroke_width=0)


def test_read_mask_kinds_and_files(tmp_path):
    hole = np.zeros((6, 8), bool)
    hole[1:3, 2:5] = True
    u8 = hole.astype(np.uint8)
    for m in (hole, u8, u8 * 255, u8 * 3, u8[..., None],
              np.dstack([u8, 0 * u8, 0 * u8]), hole.astype(np.float64)):
        assert np.array_equal(read_mask(m, (6, 8, 3)), hole)
    path = str(tmp_path / 'm.png')
    cv2.imwrite(path, u8 * 255)
    assert np.array_equal(read_mask(path, (6, 8)), hole)
    with pytest.raises(ValueError, match='differ in size'):
        read_mask(hole, (6, 9))
    with pytest.raises(ValueError, match='shape'):
        read_mask(np.zeros((6, 8, 2)), (6, 8))
    with pytest.raises(TypeError, match='dtype'):
        read_mask(np.array([['a']]), (1, 1))
    with pytest.raises(FileNotFoundError):
        read_mask(str(tmp_path / 'none.png'), (6, 8))


@pytest.mark.parametrize('content, match', [
    (b'', r'\(0 bytes\): empty file'),
    (b'not a mask', 'corrupt, truncated or not an image'),
    ('half_png', 'truncated'),
])
def test_undecodable_mask_file_is_named(tmp_path, content, match):
    path = tmp_path / 'm.png'
    if content == 'half_png':
        png = cv2.imencode('.png', np.eye(40, dtype=np.uint8) * 255)[1]
        content = png.tobytes()[:len(png) // 2]
    path.write_bytes(content)
    # a ValueError, as every bad input of the API
    with pytest.raises(ValueError, match=f'cannot decode mask file {path}'):
        read_mask(str(path), (40, 40))
    with pytest.raises(ValueError, match=match):
        make_mask((40, 40), str(path), boxes=[(1, 1, 2, 2)])


def test_make_mask_unites_file_boxes_and_strokes():
    base = np.zeros((20, 20), bool)
    base[0, 0] = True
    mask = make_mask((20, 20), base, boxes=[(10, 10, 2, 2)])
    assert mask.sum() == 5 and mask[0, 0] and mask[11, 11]
    with pytest.raises(ValueError, match='no mask'):
        make_mask((20, 20))

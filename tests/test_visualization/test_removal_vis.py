# Copyright (c) OpenMMLab. All rights reserved.
import numpy as np
import pytest

from mmedit_tmad.apis import InpaintResult
from mmedit_tmad.visualization import draw_removal


def test_outline_around_the_hole_then_the_output():
    img = np.full((20, 30, 3), 100, np.uint8)
    hole = np.zeros((20, 30), bool)
    hole[5:10, 8:20] = True
    result = img.copy()
    result[hole] = 7
    steps = InpaintResult(result=result, coarse=None, mask=hole)
    pic = draw_removal(img, steps, color=(0, 0, 255))
    assert pic.shape == (20, 64, 3)
    red = (pic[:, :30] == (0, 0, 255)).all(-1)
    # the outline runs along the hole's border, nowhere far from it
    assert red[5, 8:20].all() and red[9, 8:20].all() and red[5:10, 8].all()
    assert not red[:4].any() and not red[11:].any()
    assert not red[6:9, 9:19].any()
    assert np.array_equal(pic[:, 34:], result)
    assert (pic[:, 30:34] == 255).all()
    # grayscale input draws in colour
    assert draw_removal(img[..., 0], steps).shape == (20, 64, 3)
    with pytest.raises(ValueError, match='is not the one'):
        draw_removal(img[:10], steps)

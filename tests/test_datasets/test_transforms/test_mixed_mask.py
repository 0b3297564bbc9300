# Copyright (c) OpenMMLab. All rights reserved.
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmedit_tmad.registry import TRANSFORMS

BBOX = dict(
    mask_mode='bbox',
    mask_config=dict(
        max_bbox_shape=(32, 32),
        max_bbox_delta=16,
        min_margin=4,
        img_shape=(64, 64)))
IRREGULAR = dict(
    mask_mode='irregular',
    mask_config=dict(
        num_vertices=(4, 8),
        max_angle=6.0,
        length_range=(10, 40),
        brush_width=(5, 15),
        area_ratio_range=(0.15, 0.5),
        img_shape=(64, 64)))


def test_kinds_are_drawn_and_batchable():
    init_default_scope('mmagic')
    t = TRANSFORMS.build(
        dict(type='TMADLoadMixedMask', masks=[BBOX, IRREGULAR]))
    np.random.seed(0)
    kinds = []
    for _ in range(40):
        out = t(dict(gt=np.zeros((64, 64, 3), np.uint8)))
        assert set(out) == {'gt', 'mask'}  # no mask_bbox: samples stack
        mask = out['mask'][..., 0]
        assert mask.shape == (64, 64) and set(np.unique(mask)) <= {0, 1}
        ys, xs = mask.nonzero()
        is_rect = mask.sum() == (np.ptp(ys) + 1) * (np.ptp(xs) + 1)
        kinds.append(bool(is_rect))
    assert 5 < sum(kinds) < 35  # both kinds occur
    only_bbox = TRANSFORMS.build(
        dict(type='TMADLoadMixedMask', masks=[BBOX, IRREGULAR],
             probs=[1, 0]))
    out = only_bbox(dict(gt=np.zeros((64, 64, 3), np.uint8)))
    ys, xs = out['mask'][..., 0].nonzero()
    assert out['mask'].sum() == (np.ptp(ys) + 1) * (np.ptp(xs) + 1)


def test_bad_arguments():
    init_default_scope('mmagic')
    with pytest.raises(ValueError, match='at least one'):
        TRANSFORMS.build(dict(type='TMADLoadMixedMask', masks=[]))
    with pytest.raises(ValueError, match='non-negative'):
        TRANSFORMS.build(
            dict(type='TMADLoadMixedMask', masks=[BBOX], probs=[0.5, 0.5]))

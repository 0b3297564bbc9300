# Copyright (c) OpenMMLab. All rights reserved.
import numpy as np
import torch
from mmagic.structures import DataSample

from mmedit_tmad.evaluation import TMADTV


def test_tv_on_hand_made_images():
    metric = TMADTV()
    flat = np.full((3, 8, 8), 100.)
    assert metric.process_image(None, flat, None) == 0.
    stripes = np.zeros((1, 4, 4))
    stripes[..., 1::2] = 255.  # vertical stripes: |dx| = 255, dy = 0
    assert metric.process_image(None, stripes, None) == 127.5
    masked = TMADTV(mask_key='mask')
    mask = np.zeros((1, 4, 4))
    mask[0, 0, 0] = 1  # one dy pair (0) and one dx pair (255)
    assert masked.process_image(None, stripes, mask) == 127.5


def test_tv_through_mmagic_evaluation_api():
    metric = TMADTV()
    pred = torch.zeros(3, 4, 4)
    pred[..., 1::2] = 255.
    sample = DataSample(gt_img=pred.clone())
    sample.output = DataSample(pred_img=pred)
    metric.process([], [sample.to_dict()])
    metric.process([], [sample.to_dict()])
    assert metric.compute_metrics(metric.results) == {'TV': 127.5}

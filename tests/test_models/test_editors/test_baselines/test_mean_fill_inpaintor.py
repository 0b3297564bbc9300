# Copyright (c) OpenMMLab. All rights reserved.
import torch
from mmagic.structures import DataSample
from mmengine.registry import init_default_scope

from mmedit_tmad.registry import MODELS


def test_fills_with_the_valid_mean():
    init_default_scope('mmagic')
    model = MODELS.build(
        dict(type='MeanFillInpaintor',
             data_preprocessor=dict(type='DataPreprocessor', mean=[127.5],
                                    std=[127.5])))
    gt = torch.zeros(3, 8, 8)
    gt[0] = 200.
    gt[1, :4] = 100.
    mask = torch.zeros(1, 8, 8)
    mask[:, 4:, 4:] = 1
    batch = dict(inputs=[gt * (1 - mask)],
                 data_samples=[DataSample(gt_img=gt, mask=mask)])
    preds = model.test_step(batch)
    out = preds[0].output.pred_img
    valid = (1 - mask).bool().expand_as(gt)
    torch.testing.assert_close(out[valid], gt[valid], atol=1e-3, rtol=0)
    # channel means over the 48 valid pixels: 200, 100 * 32 / 48, 0
    hole = out[:, 4:, 4:]
    torch.testing.assert_close(hole[0], torch.full((4, 4), 200.))
    torch.testing.assert_close(hole[1], torch.full((4, 4), 100 * 32 / 48),
                               atol=1e-3, rtol=0)
    assert model.train_step(batch, None)['loss'] == 0
    # no valid pixel at all: mid-grey
    filled = model.fill(torch.zeros(1, 3, 4, 4), torch.ones(1, 1, 4, 4))
    assert filled.abs().max() == 0

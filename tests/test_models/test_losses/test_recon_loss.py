# Copyright (c) OpenMMLab. All rights reserved.
import torch

from mmedit_tmad.models.losses import recon_loss
from mmedit_tmad.registry import MODELS


def test_region_means_and_weights():
    pred = torch.zeros(1, 1, 2, 2)
    target = torch.tensor([[[[1., 2.], [3., 4.]]]])
    mask = torch.tensor([[[[1., 0.], [0., 0.]]]])
    # hole: |0-1| = 1; valid: mean(2, 3, 4) = 3
    assert recon_loss(pred, target, mask, 5., 0.).item() == 5.
    assert recon_loss(pred, target, mask, 6., 1.).item() == 9.
    loss = MODELS.build(dict(type='TMADReconLoss', hole_weight=6.,
                             valid_weight=1., loss_weight=0.5))
    assert loss(pred, target, mask).item() == 4.5
    assert recon_loss(target, target, mask).item() == 0.

# Copyright (c) OpenMMLab. All rights reserved.
import torch

from mmedit_tmad.models.losses import tv_loss
from mmedit_tmad.registry import MODELS


def test_tv_on_hand_made_images():
    flat = torch.full((1, 3, 4, 4), 0.3)
    assert tv_loss(flat).item() == 0.
    stripes = torch.zeros(1, 1, 4, 4)
    stripes[..., :, 1::2] = 1.  # vertical stripes: dx = 1 everywhere
    # dy mean 0, dx mean 1 -> 0.5 * (0 + 1)
    assert tv_loss(stripes).item() == 0.5
    mask = torch.zeros(1, 1, 4, 4)
    mask[..., 0, 0] = 1  # pairs touching (0, 0): one dy (0), one dx (1)
    assert tv_loss(stripes, mask).item() == 0.5
    mask[..., :, :] = 0
    mask[..., 3, 3] = 1  # dy (2,3)-(3,3) = 0, dx (3,2)-(3,3) = 1
    assert tv_loss(stripes, mask).item() == 0.5


def test_blending_loss_terms():
    loss = MODELS.build(dict(type='TMADBlendingLoss'))
    pred = torch.randn(2, 1, 4, 4)
    img = torch.rand(2, 3, 8, 8)
    mask = torch.ones(2, 1, 8, 8)
    out = loss(pred, img, mask)
    assert set(out) == {'loss_blend_gan', 'loss_blend_tv'}
    torch.testing.assert_close(out['loss_blend_gan'], -0.02 * pred.mean())
    torch.testing.assert_close(out['loss_blend_tv'], 0.02 * tv_loss(img))
    d = loss.disc_loss(torch.full((1, 4), 2.), torch.full((1, 4), -2.))
    assert d.item() == 0.  # hinge saturated on both sides

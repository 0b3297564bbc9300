# Copyright (c) OpenMMLab. All rights reserved.
import math

import pytest
import torch
import torch.nn.functional as F

from mmedit_tmad.models.losses import (patch_distribution_d_loss,
                                       patch_distribution_g_loss)
from mmedit_tmad.registry import MODELS


def test_values_on_hand_made_scores():
    real = torch.tensor([[2., 0.]])  # mean 1
    fake = torch.tensor([[-1., 1.]])  # mean 0
    # D: softplus(-(real - 0)) mean + softplus(fake - 1) mean
    d = (F.softplus(torch.tensor([-2., 0.])).mean() +
         F.softplus(torch.tensor([-2., 0.])).mean())
    torch.testing.assert_close(patch_distribution_d_loss(real, fake), d)
    memory = torch.tensor([[0.5, 0.5, 0.5]])
    # G: softplus(memory - 0) + softplus(-(fake - 1))
    g = F.softplus(torch.tensor(0.5)) + F.softplus(
        torch.tensor([2., 0.])).mean()
    torch.testing.assert_close(
        patch_distribution_g_loss(memory, fake, real), g)


def test_means_are_per_image():
    real = torch.tensor([[1., 1.], [5., 5.]])
    fake = torch.tensor([[0.], [4.]])
    # same relative gap in both images -> the same loss as one image
    one = patch_distribution_d_loss(real[:1], fake[:1])
    torch.testing.assert_close(patch_distribution_d_loss(real, fake), one)
    assert math.isclose(one.item(), 2 * F.softplus(torch.tensor(-1.)).item(),
                        rel_tol=1e-6)


def test_critic_prefers_separation_and_weight_is_generator_only():
    loss = MODELS.build(dict(type='TMADPatchDistributionLoss',
                             loss_weight=0.05))
    real, fake = torch.full((1, 4), 3.), torch.full((1, 2), -3.)
    good = loss(fake, real, is_disc=True)
    bad = loss(real[:, :2], torch.cat([fake, fake], 1), is_disc=True)
    assert good < bad
    mem = torch.zeros(1, 5)
    torch.testing.assert_close(
        loss(fake, real, mem), 0.05 * patch_distribution_g_loss(mem, fake,
                                                                real))
    with pytest.raises(ValueError, match='memory'):
        loss(fake, real)

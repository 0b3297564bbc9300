# Copyright (c) OpenMMLab. All rights reserved.
"""Patch distribution loss of T-MAD (paper Eq.6-7)."""
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmedit_tmad.registry import MODELS


def patch_distribution_d_loss(real: Tensor, fake: Tensor) -> Tensor:
    """Eq.6, the critic's loss, per image then averaged over the batch.

    ``L_D = E_r[f1(C(x_r) - E_f C(x_f))] + E_f[f2(C(x_f) - E_r C(x_r))]``
    with the non-saturating ``f1(z) = softplus(-z)``,
    ``f2(z) = softplus(z)`` (relativistic average GAN). The expectations are
    taken within each image: the target is that image's texture
    distribution.

    Args:
        real (Tensor): Scores of the real patches ``(T_c, p_gt)`` (n, R).
        fake (Tensor): Scores of the synthesised patches (n, F).

    Returns:
        Tensor: Scalar loss.
    """
    real_rel = real - fake.mean(dim=1, keepdim=True)
    fake_rel = fake - real.mean(dim=1, keepdim=True)
    return F.softplus(-real_rel).mean() + F.softplus(fake_rel).mean()


def patch_distribution_g_loss(memory: Tensor, fake: Tensor,
                              real: Tensor) -> Tensor:
    """Eq.7, the generator's loss, with the compensation term.

    ``L_G = E_{x_r~T}[g1(C(x_r) - E_f C(x_f))]
    + E_f[g2(C(x_f) - E_{x_r~(T_c, p_gt)} C(x_r))]`` with
    ``g1(z) = softplus(z)``, ``g2(z) = softplus(-z)``. The first term is the
    compensation: it compares the fakes' mean with the whole memory ``T``.

    Args:
        memory (Tensor): Scores of the memory patches ``T`` (n, M).
        fake (Tensor): Scores of the synthesised patches (n, F).
        real (Tensor): Scores of ``(T_c, p_gt)`` (n, R).

    Returns:
        Tensor: Scalar loss.
    """
    mem_rel = memory - fake.mean(dim=1, keepdim=True)
    fake_rel = fake - real.mean(dim=1, keepdim=True)
    return F.softplus(mem_rel).mean() + F.softplus(-fake_rel).mean()


@MODELS.register_module()
class TMADPatchDistributionLoss(nn.Module):
    """``L^pd_gan`` (Eq.6-7); ``loss_weight`` (``λ^pd_gan``) scales only the
    generator side, as mmagic's ``GANLoss`` does.

    Args:
        loss_weight (float): ``λ^pd_gan``. Default: 0.05 (Tab.II).
    """

    def __init__(self, loss_weight: float = 0.05) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self,
                fake: Tensor,
                real: Tensor,
                memory: Optional[Tensor] = None,
                is_disc: bool = False) -> Tensor:
        """Critic loss (``is_disc=True``) or weighted generator loss.

        Args:
            fake (Tensor): Scores of synthesised patches (n, F).
            real (Tensor): Scores of ``(T_c, p_gt)`` (n, R).
            memory (Tensor, optional): Scores of ``T`` (n, M); needed for
                the generator loss.
            is_disc (bool): Critic side. Default: False.

        Returns:
            Tensor: Scalar loss.
        """
        if is_disc:
            return patch_distribution_d_loss(real, fake)
        if memory is None:
            raise ValueError('the generator side of the patch distribution '
                             'loss needs the memory scores')
        return self.loss_weight * patch_distribution_g_loss(
            memory, fake, real)

# Copyright (c) OpenMMLab. All rights reserved.
"""Reconstruction loss of T-MAD's coarse network (paper Eq.1)."""
from typing import Optional

import torch.nn as nn
from mmagic.models.losses.pixelwise_loss import l1_loss
from torch import Tensor

from mmedit_tmad.registry import MODELS


def recon_loss(pred: Tensor,
               target: Tensor,
               mask: Tensor,
               hole_weight: float = 6.,
               valid_weight: float = 1.) -> Tensor:
    """Eq.1: ``λ_hole |I_s - I|_1 ⊙ M + λ_valid |I_s - I|_1 ⊙ (1 - M)``.

    Each term is mmagic's masked ``l1_loss``: the mean absolute error over
    the pixels of its region (so the weights do not depend on hole size).

    Args:
        pred (Tensor): Coarse output ``I_s`` (n, c, h, w).
        target (Tensor): Ground truth ``I`` (n, c, h, w).
        mask (Tensor): Hole mask ``M`` (n, 1, h, w), 1 = hole.
        hole_weight (float): ``λ_hole``. Default: 6.
        valid_weight (float): ``λ_valid``. Default: 1.

    Returns:
        Tensor: Scalar loss.
    """
    loss = pred.new_zeros(())
    if hole_weight:
        loss = loss + hole_weight * l1_loss(pred, target, weight=mask)
    if valid_weight:
        loss = loss + valid_weight * l1_loss(pred, target, weight=1. - mask)
    return loss


@MODELS.register_module()
class TMADReconLoss(nn.Module):
    """``L_recon`` (Eq.1) with ``λ_hole`` / ``λ_valid``.

    The paper uses ``λ_hole=5, λ_valid=0`` for rectangular holes and
    ``λ_hole=6, λ_valid=1`` for free-form ones (Tab.II).

    Args:
        hole_weight (float): ``λ_hole``. Default: 6.
        valid_weight (float): ``λ_valid``. Default: 1.
        loss_weight (float): Overall weight. Default: 1.
    """

    def __init__(self,
                 hole_weight: float = 6.,
                 valid_weight: float = 1.,
                 loss_weight: float = 1.) -> None:
        super().__init__()
        self.hole_weight = hole_weight
        self.valid_weight = valid_weight
        self.loss_weight = loss_weight

    def forward(self, pred: Tensor, target: Tensor,
                mask: Optional[Tensor]) -> Tensor:
        """See :func:`recon_loss`."""
        return self.loss_weight * recon_loss(pred, target, mask,
                                             self.hole_weight,
                                             self.valid_weight)

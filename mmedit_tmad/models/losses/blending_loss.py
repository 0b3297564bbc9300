# Copyright (c) OpenMMLab. All rights reserved.
"""Blending loss of T-MAD (paper Eq.9)."""
from typing import Optional

import torch.nn as nn
from torch import Tensor

from mmedit_tmad.registry import MODELS


def tv_loss(img: Tensor, mask: Optional[Tensor] = None) -> Tensor:
    """Mean absolute difference between neighbouring pixels.

    "L_tv is calculated by averaging the differences between neighboring
    pixels" (Sec.III-C). With a mask, only pairs that touch a hole pixel
    count (the valid region of a composited image is fixed anyway).

    Args:
        img (Tensor): (n, c, h, w).
        mask (Tensor, optional): (n, 1, h, w), 1 = hole. Default: None.

    Returns:
        Tensor: Scalar loss.
    """
    dy = (img[..., 1:, :] - img[..., :-1, :]).abs()
    dx = (img[..., :, 1:] - img[..., :, :-1]).abs()
    if mask is None:
        return 0.5 * (dy.mean() + dx.mean())
    my = mask[..., 1:, :].maximum(mask[..., :-1, :]).expand_as(dy)
    mx = mask[..., :, 1:].maximum(mask[..., :, :-1]).expand_as(dx)
    return ((dy * my).sum() + (dx * mx).sum()) / (my.sum() + mx.sum() + 1e-8)


@MODELS.register_module()
class TMADBlendingLoss(nn.Module):
    """``L_blend = λ^gl_gan L^gl_gan + λ_tv L_tv`` (Eq.9) on ``Î_p``.

    The adversarial term is mmagic's ``GANLoss`` on the global patch
    discriminator's output for the tiled result.

    Args:
        gan_loss (dict): Config of the GAN loss (mmagic ``GANLoss``); its
            ``loss_weight`` is ``λ^gl_gan``.
            Default: hinge, 0.02 (Tab.II).
        tv_weight (float): ``λ_tv``. Default: 0.02 (Tab.II).
        tv_in_hole (bool): Count only neighbour pairs touching the hole.
            Default: True.
    """

    def __init__(self,
                 gan_loss: dict = dict(
                     type='GANLoss', gan_type='hinge', loss_weight=0.02),
                 tv_weight: float = 0.02,
                 tv_in_hole: bool = True) -> None:
        super().__init__()
        self.gan_loss = MODELS.build(gan_loss)
        self.tv_weight = tv_weight
        self.tv_in_hole = tv_in_hole

    def forward(self, disc_pred: Tensor, img: Tensor,
                mask: Optional[Tensor] = None) -> dict:
        """Generator side of Eq.9.

        Args:
            disc_pred (Tensor): Global discriminator output on ``Î_p``.
            img (Tensor): The tiled, composited result ``Î_p``.
            mask (Tensor, optional): Hole mask. Default: None.

        Returns:
            dict: ``loss_blend_gan`` and ``loss_blend_tv``.
        """
        return dict(
            loss_blend_gan=self.gan_loss(disc_pred, True, is_disc=False),
            loss_blend_tv=self.tv_weight *
            tv_loss(img, mask if self.tv_in_hole else None))

    def disc_loss(self, real_pred: Tensor, fake_pred: Tensor) -> Tensor:
        """Discriminator side: real ground truth vs ``Î_p``."""
        return self.gan_loss(real_pred, True, is_disc=True) + \
            self.gan_loss(fake_pred, False, is_disc=True)

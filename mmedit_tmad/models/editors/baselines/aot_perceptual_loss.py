# Copyright (c) OpenMMLab. All rights reserved.
"""AOT-GAN's perceptual + style loss with VGG-19 weights from disk."""
from typing import Optional, Tuple

from mmagic.models.losses.perceptual_loss import PerceptualLoss
from torch import Tensor

from mmedit_tmad.models.losses.perceptual_loss import TMADPerceptualLoss
from mmedit_tmad.registry import MODELS


@MODELS.register_module()
class AOTPerceptualLoss(TMADPerceptualLoss):
    """mmagic's ``PerceptualLoss`` as AOT-GAN calls it, offline.

    mmagic's ``AOTInpaintor`` unpacks ``(percep, style)`` from its
    ``loss_composed_percep``; mmagic's ``PerceptualLoss`` asks torchvision
    for the pretrained VGG-19, a download at construction. This class keeps
    mmagic's loss and return value and reads the weights from
    ``vgg_weights`` (a clear ``FileNotFoundError`` naming the file and its
    address when absent), as ``TMADPerceptualLoss`` does.

    mmagic's AOT-GAN config loads images as RGB; the benchmark configs load
    BGR like every other method (same pipelines), so ``channel_order='bgr'``
    flips the channels before VGG.

    Args:
        vgg_weights (str): Path of torchvision's ``vgg19-dcbb9e9d.pth``.
        layer_weights (dict): Perceptual layers (indices into
            ``vgg19().features``) -> weight.
        perceptual_weight (float): Weight of the perceptual term.
            Default: 1.0.
        style_weight (float): Weight of the style term. Default: 0.
        layer_weights_style (dict, optional): Style layers -> weight.
        channel_order (str): ``'bgr'`` or ``'rgb'`` inputs. Default: 'bgr'.
        **kwargs: Other ``PerceptualLoss`` arguments.
    """

    def __init__(self,
                 vgg_weights: str,
                 layer_weights: dict,
                 perceptual_weight: float = 1.0,
                 style_weight: float = 0.,
                 layer_weights_style: Optional[dict] = None,
                 channel_order: str = 'bgr',
                 **kwargs) -> None:
        super().__init__(
            vgg_weights=vgg_weights,
            layer_weights=layer_weights,
            loss_weight=perceptual_weight,
            style_weight=style_weight,
            layer_weights_style=layer_weights_style,
            channel_order=channel_order,
            **kwargs)

    def forward(self, x: Tensor,
                gt: Tensor) -> Tuple[Optional[Tensor], Optional[Tensor]]:
        """``(percep, style)``, either ``None`` when its weight is 0.

        Args:
            x (Tensor): Prediction in [-1, 1] (n, 3, h, w).
            gt (Tensor): Target in [-1, 1] (n, 3, h, w).
        """
        if self.channel_order == 'bgr':
            x, gt = x.flip(1), gt.flip(1)
        return PerceptualLoss.forward(self, x, gt)

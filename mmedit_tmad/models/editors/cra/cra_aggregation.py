# Copyright (c) OpenMMLab. All rights reserved.
"""Contextual residual aggregation (CRA, Yi et al., CVPR 2020, Sec.3.1)."""
from typing import Tuple

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmedit_tmad.registry import MODELS
from .cra_blocks import reassemble_patches


@MODELS.register_module()
class CRAResidualAggregation(nn.Module):
    """High-resolution result from a low-resolution one and its attention.

    Paper Fig.2 / Eq.(3)-(4), and ``post_process`` / ``residual_aggregate``
    of the authors' inference code: the low-resolution inpainted image is
    upsampled to the "large blurry image" B; the contextual residuals
    R = (I - B) * (1 - M) hold the high frequencies of the known region;
    the high-resolution image is split into the cells of the attention grid
    (cell side = H / grid side) and every cell i receives
    R'_i = sum_j A_ij R_j, the residuals of the context cells weighted by
    the attention scores computed on the low-resolution features; the
    result is B + R' (the caller composites the known pixels back).

    The authors subtract the upsampled *downsampled input* (whose holes
    hold the raw input there); here B is the upsampled inpainted
    low-resolution result, as the paper's text says, so hole values never
    leak into the residuals.

    No parameters; the module works at any integer ratio between the two
    resolutions.

    Args:
        mode (str): Upsampling of the low-resolution result.
            Default: 'bilinear'.
    """

    def __init__(self, mode: str = 'bilinear') -> None:
        super().__init__()
        self.mode = mode

    def forward(self, img: Tensor, mask: Tensor, low_res: Tensor,
                attn: Tensor) -> Tuple[Tensor, Tensor]:
        """Aggregate residuals.

        Args:
            img (Tensor): (n, 3, H, W) high-resolution input in [-1, 1]
                (hole content is ignored).
            mask (Tensor): (n, 1, H, W), 1 = hole.
            low_res (Tensor): (n, 3, h, w) low-resolution inpainted image.
            attn (Tensor): (n, L, L) attention over a square grid of L cells,
                H and W multiples of its side.

        Returns:
            tuple: the high-resolution result B + R' (n, 3, H, W), and the
            aggregated residual R'.
        """
        n, _, h, w = img.shape
        side = int(round(attn.size(1)**0.5))
        if side * side != attn.size(1) or attn.shape != (n, side**2,
                                                         side**2):
            raise ValueError(f'attention {tuple(attn.shape)} is not (n, L, '
                             'L) over a square grid')
        align = dict(align_corners=False) if self.mode != 'nearest' else {}
        blurry = F.interpolate(
            low_res, size=(h, w), mode=self.mode, **align)
        residual = (img - blurry) * (1. - mask)
        # (n, 3, H, W) -> cells of (H / side)^2 pixels, weighted by attn
        aggregated = reassemble_patches(
            residual, attn, (side, side), overlap=False)
        return blurry + aggregated, aggregated

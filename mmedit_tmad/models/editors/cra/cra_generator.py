# Copyright (c) OpenMMLab. All rights reserved.
"""CRA generator: light-weight coarse network + attention refine network."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmedit_tmad.registry import MODELS
from .cra_blocks import (CRAAttentionTransfer, CRAContextualAttention,
                         CRADilatedBlock, CRAGatedConv, CRAUpConv)


@MODELS.register_module()
class CRACoarseNet(nn.Module):
    """Coarse network (paper Fig.2 top; ``build_generator`` stage 1).

    Runs at half the generator's input size (the authors resize 512 to
    256): gated convs with a single shared gate (``'slice'``), two stride-2
    downsamplings, a dilated block, two bilinear upsamplings; the output is
    resized back and clipped to [-1, 1] as in the authors' code.

    Args:
        in_channels (int): Image + mask channels. Default: 4.
        channels (int): Base width (``GEN_NC``). Default: 32.
    """

    def __init__(self, in_channels: int = 4, channels: int = 32) -> None:
        super().__init__()
        c, g = channels, 'slice'
        self.body = nn.Sequential(
            CRAGatedConv(in_channels, c, 5, 2, gate=g),
            CRAGatedConv(c, c, 3, gate=g),
            CRAGatedConv(c, 2 * c, 3, 2, gate=g),
            CRAGatedConv(2 * c, 2 * c, 3, gate=g),
            CRAGatedConv(2 * c, 2 * c, 3, gate=g),
            CRAGatedConv(2 * c, 2 * c, 3, gate=g),
            CRADilatedBlock(2 * c, gate=g),
            CRAGatedConv(2 * c, 2 * c, 3, gate=g),
            CRAGatedConv(2 * c, 2 * c, 3, gate=g),
            CRAGatedConv(2 * c, 2 * c, 3, gate=g),
            CRAUpConv(2 * c, c, gate=g),
            CRAGatedConv(c, c, 3, gate=g),
            CRAUpConv(c, 3, gate=g),
        )

    def forward(self, x: Tensor) -> Tensor:
        """(n, 4, S, S) -> (n, 3, S, S) in [-1, 1]."""
        size = x.shape[-2:]
        # (n, 4, S, S) -> (n, 4, S/2, S/2)
        y = F.interpolate(
            x, scale_factor=0.5, mode='bilinear', align_corners=False)
        y = self.body(y)
        y = F.interpolate(y, size=size, mode='bilinear', align_corners=False)
        return y.clamp(-1., 1.)


@MODELS.register_module()
class CRAGenerator(nn.Module):
    """The CRA generator (Yi et al., CVPR 2020, Fig.2-3).

    Coarse network, then a U-Net-like refine network of light-weight
    (``'pointwise'``-gated) convs on the coarse result composited into the
    input: ``num_down`` stride-2 levels (widths ``channels * 2^i``), a
    dilated block, contextual attention on the bottleneck (its score matrix
    A is the "attention" of the paper, on a grid of size S / 2^(num_down+1))
    and, in the decoder, attention transfer of A to the skip features of
    every finer level (attention transfer module, ATM). The authors' code
    uses 512 inputs, ``num_down`` 3 (bottleneck 64, grid 32x32).

    Output and the score matrix are returned; ``CRAResidualAggregation``
    applies A to high-resolution residuals.

    Args:
        in_channels (int): Image + mask channels. Default: 4.
        coarse_channels (int): Coarse base width. Default: 32.
        channels (int): Refine width at the first level. Default: 32.
        num_down (int): Refine downsamplings. Default: 3.
        softmax_scale (float): Contextual attention scale. Default: 10.
    """

    def __init__(self,
                 in_channels: int = 4,
                 coarse_channels: int = 32,
                 channels: int = 32,
                 num_down: int = 3,
                 softmax_scale: float = 10.) -> None:
        super().__init__()
        if num_down < 1:
            raise ValueError(f'num_down must be >= 1, got {num_down}')
        self.num_down = num_down
        self.coarse = CRACoarseNet(in_channels, coarse_channels)
        widths = [channels * 2**i for i in range(num_down)]
        self.down = nn.ModuleList()
        prev = in_channels
        for c in widths:
            self.down.append(
                nn.Sequential(
                    CRAGatedConv(prev, c, 3, 2), CRAGatedConv(c, c, 3)))
            prev = c
        c = widths[-1]
        self.dilated = CRADilatedBlock(c)
        self.attention = CRAContextualAttention(softmax_scale=softmax_scale)
        self.att_conv = CRAGatedConv(c, c, 3)
        self.att_fuse = CRAGatedConv(2 * c, c, 3)
        self.up = nn.ModuleList()
        self.transfer = nn.ModuleList()
        for skip in reversed(widths[:-1]):
            # input: c channels (bottleneck) or 2 x the previous level
            self.up.append(
                nn.Sequential(CRAUpConv(prev, skip), CRAGatedConv(
                    skip, skip, 3)))
            self.transfer.append(CRAAttentionTransfer(skip))
            prev = 2 * skip
        self.to_rgb = CRAUpConv(prev, 3)

    @property
    def size_multiple(self) -> int:
        """Input sizes must be multiples of this (the attention grid)."""
        return 2**(self.num_down + 1)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Inpaint at the generator's resolution.

        Args:
            x (Tensor): (n, 4, S, S): masked image in [-1, 1] and the hole
                mask (1 = hole); S a multiple of ``size_multiple``.

        Returns:
            tuple: coarse (n, 3, S, S), refined (n, 3, S, S), attention
            scores (n, L, L) on the (S / 2^(num_down+1))^2 = L grid.
        """
        h, w = x.shape[-2:]
        m = self.size_multiple
        if h % m or w % m or h < 2 * m:
            raise ValueError(f'CRAGenerator input must be a multiple of {m} '
                             f'and at least {2 * m}, got {h}x{w}')
        img, mask = x[:, :3], x[:, 3:4]
        coarse = self.coarse(x)
        composite = coarse * mask + img * (1. - mask)
        y = torch.cat([composite, mask], dim=1)
        skips = []
        for level in self.down:
            y = level(y)
            skips.append(y)
        y = self.dilated(y)
        att, attn, grid = self.attention(y, mask)
        y = self.att_fuse(torch.cat([y, self.att_conv(att)], dim=1))
        for up, transfer, skip in zip(self.up, self.transfer,
                                      reversed(skips[:-1])):
            y = up(y)
            y = torch.cat([transfer(skip, attn, grid), y], dim=1)
        refined = self.to_rgb(y).clamp(-1., 1.)
        return coarse, refined, attn

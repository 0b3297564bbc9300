# Copyright (c) OpenMMLab. All rights reserved.
"""CRA building blocks: light-weight gated convs, contextual attention with
its score matrix, and attention transfer (Yi et al., CVPR 2020, Sec.3).

Architecture details follow the authors' TensorFlow code
(``duxingren14/Hifill-tensorflow``, ``ops.py``) where the paper is brief:
gated convs ``gen_conv_gated_slice`` (coarse) and ``gen_conv_gated_ds``
(refine), ``contextual_attention`` (3x3 patches on the bottleneck subsampled
by 2, cosine scores, 3x3 identity "fuse", softmax scale 10, context mask
max-pooled to the attention grid and dilated 3x3) and ``apply_attention``
(the same scores reassemble 2r x 2r patches of a feature map r times larger
than the grid, then two gated convs).
"""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmedit_tmad.registry import MODELS


@MODELS.register_module()
class CRAGatedConv(nn.Module):
    """Light-weight gated convolution, ``elu(W_f x) * sigmoid(W_g x)``.

    DeepFillv2's gated conv learns one gate per output channel with a full
    k x k conv; CRA makes the gate cheap (paper Sec.3.4, "light weight gated
    convolution"), in two ways from the authors' code:

    * ``'slice'`` (coarse network): a k x k conv to a *single* gate channel
      shared by all features;
    * ``'pointwise'`` (refine network, ``_ds`` in the code): a 1x1 conv to
      one gate per output channel.

    Initialisation (not in the paper): the authors' code draws every weight
    from a truncated N(0, 0.05). With it, and with PyTorch's default, the
    ~25 gated layers of ``CRAGenerator`` vanish at initialisation (our
    check at 128x128: output std 5e-8, first-layer gradients ~1e-9 with
    N(0, 0.05); 1e-13 with the default), since every gate halves its
    features. Here the features get fan-in Kaiming (ReLU gain) times 2, to
    make up for the gate's 0.5, the gates fan-in Kaiming (linear gain), all
    biases 0: output std 0.26-0.32, first-layer gradients ~1e-3.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Feature kernel. Default: 3.
        stride (int): Stride (features and gate). Default: 1.
        dilation (int): Dilation of the feature conv. Default: 1.
        gate (str): ``'slice'`` or ``'pointwise'``. Default: 'pointwise'.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 3,
                 stride: int = 1,
                 dilation: int = 1,
                 gate: str = 'pointwise') -> None:
        super().__init__()
        if gate not in ('slice', 'pointwise'):
            raise ValueError(
                f"gate must be 'slice' or 'pointwise', got {gate!r}")
        padding = dilation * (kernel_size - 1) // 2
        self.feat = nn.Conv2d(in_channels, out_channels, kernel_size, stride,
                              padding, dilation)
        if gate == 'slice':
            self.gate = nn.Conv2d(in_channels, 1, kernel_size, stride,
                                  padding, dilation)
        else:
            self.gate = nn.Conv2d(in_channels, out_channels, 1, stride)
        self.gate_type = gate
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Kaiming features x 2, Kaiming gates, zero biases (see above)."""
        nn.init.kaiming_normal_(self.feat.weight, nonlinearity='relu')
        with torch.no_grad():
            self.feat.weight.mul_(2.)
        nn.init.kaiming_normal_(self.gate.weight, nonlinearity='linear')
        nn.init.zeros_(self.feat.bias)
        nn.init.zeros_(self.gate.bias)

    def forward(self, x: Tensor) -> Tensor:
        """(n, c_in, h, w) -> (n, c_out, h / stride, w / stride)."""
        return F.elu(self.feat(x)) * torch.sigmoid(self.gate(x))


@MODELS.register_module()
class CRAUpConv(CRAGatedConv):
    """Bilinear x2 upsampling, then a gated 3x3 conv (``gen_deconv_*``)."""

    def __init__(self, in_channels: int, out_channels: int,
                 gate: str = 'pointwise') -> None:
        super().__init__(in_channels, out_channels, 3, gate=gate)

    def forward(self, x: Tensor) -> Tensor:
        """(n, c_in, h, w) -> (n, c_out, 2h, 2w)."""
        x = F.interpolate(
            x, scale_factor=2, mode='bilinear', align_corners=False)
        return super().forward(x)


@MODELS.register_module()
class CRADilatedBlock(nn.Sequential):
    """Gated convs with dilations 1, 2, 4, 8, 16 (``dilate_block2``)."""

    def __init__(self,
                 channels: int,
                 dilations: Tuple[int, ...] = (1, 2, 4, 8, 16),
                 gate: str = 'pointwise') -> None:
        super().__init__(*[
            CRAGatedConv(channels, channels, 3, dilation=d, gate=gate)
            for d in dilations
        ])


def reassemble_patches(feat: Tensor, attn: Tensor, grid: Tuple[int, int],
                       overlap: bool = True) -> Tensor:
    """Rebuild ``feat`` from attention-weighted patches of itself.

    ``feat`` is r times larger than the attention grid (gh, gw). Cell j of
    the grid owns patch P_j of ``feat``: 2r x 2r with stride r
    (``overlap=True``, the transposed conv of contextual attention; overlaps
    are averaged) or r x r without overlap (``overlap=False``, the residual
    aggregation). Output cell i is ``sum_j attn[i, j] * P_j``.

    Args:
        feat (Tensor): (n, c, r * gh, r * gw).
        attn (Tensor): (n, gh * gw, gh * gw), rows = output cells.
        grid (tuple): (gh, gw).
        overlap (bool): 2r x 2r patches (True) or r x r (False).

    Returns:
        Tensor: (n, c, r * gh, r * gw).
    """
    n, c, h, w = feat.shape
    gh, gw = grid
    if h % gh or w % gw or h // gh != w // gw:
        raise ValueError(f'feature {h}x{w} is not a multiple of the '
                         f'{gh}x{gw} attention grid')
    r = h // gh
    if overlap and r % 2:
        raise ValueError(f'overlapping patches need an even rate, got {r}')
    kernel, pad = (2 * r, r // 2) if overlap else (r, 0)
    # (n, c * k * k, L): one column per grid cell
    patches = F.unfold(feat, kernel, padding=pad, stride=r)
    out = torch.bmm(patches, attn.transpose(1, 2))
    out = F.fold(out, (h, w), kernel, padding=pad, stride=r)
    if overlap:
        ones = feat.new_ones(1, 1, h, w)
        count = F.fold(
            F.unfold(ones, kernel, padding=pad, stride=r), (h, w),
            kernel,
            padding=pad,
            stride=r)
        out = out / count
    return out


@MODELS.register_module()
class CRAContextualAttention(nn.Module):
    """Contextual attention that also returns its score matrix.

    On the bottleneck features x (n, c, H, W): subsample by ``rate`` to the
    attention grid (gh, gw) = (H / rate, W / rate); cosine similarity
    s_ij = <q_i, p_j / |p_j|> between the 3x3 patch q_i of every cell and
    the 3x3 patch p_j of every cell; the identity 3x3 "fuse" of DeepFill
    (scores of neighbouring pairs added, in row-major then column-major
    order); attention a_ij = softmax_j(10 s_ij) over *context* cells only
    (cells whose dilated 3x3 neighbourhood has no hole pixel). The output
    reassembles 2r x 2r patches of x with a (``reassemble_patches``).

    The authors' code multiplies masked logits by 0 and the softmax by the
    mask, so its rows sum to less than 1; here hole cells are left out of
    the softmax and rows sum to 1 over the context (all rows are zero when
    the image has no context cell at all, a defined result).

    Args:
        kernel_size (int): Patch size on the grid. Default: 3.
        rate (int): Subsampling from the features to the grid. Default: 2.
        softmax_scale (float): Default: 10.
        fuse_size (int): Identity fuse kernel; 0 disables. Default: 3.
    """

    def __init__(self,
                 kernel_size: int = 3,
                 rate: int = 2,
                 softmax_scale: float = 10.,
                 fuse_size: int = 3) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.rate = rate
        self.softmax_scale = softmax_scale
        self.fuse_size = fuse_size

    def _fuse(self, scores: Tensor, gh: int, gw: int) -> Tensor:
        """Identity-kernel fuse along both image axes; (n, L, L)."""
        n, k, num = scores.size(0), self.fuse_size, gh * gw
        eye = torch.eye(k, dtype=scores.dtype, device=scores.device)
        eye = eye.view(1, 1, k, k)
        y = F.conv2d(scores.view(n, 1, num, num), eye, padding=k // 2)
        # row-major (gh, gw) index pairs -> column-major (gw, gh)
        y = y.view(n, gh, gw, gh, gw).permute(0, 2, 1, 4, 3)
        y = F.conv2d(y.reshape(n, 1, num, num), eye, padding=k // 2)
        y = y.view(n, gw, gh, gw, gh).permute(0, 2, 1, 4, 3)
        return y.reshape(n, num, num)

    def context_cells(self, mask: Tensor, grid: Tuple[int, int]) -> Tensor:
        """(n, 1, S, S) hole mask -> (n, 1, gh * gw) 1 = context cell."""
        gh, gw = grid
        cell = mask.size(2) // gh
        hole = F.max_pool2d(mask, cell, cell)
        hole = F.max_pool2d(hole, 3, 1, 1)
        return (1. - hole).flatten(2)

    def forward(self, x: Tensor,
                mask: Tensor) -> Tuple[Tensor, Tensor, Tuple[int, int]]:
        """Attend from every cell to the context cells.

        Args:
            x (Tensor): (n, c, H, W) bottleneck features.
            mask (Tensor): (n, 1, S, S) hole mask at the network's input
                size (1 = hole), S a multiple of H / rate.

        Returns:
            tuple: output (n, c, H, W), scores (n, L, L) with L = gh * gw
            (rows: cells attending, columns: cells attended), grid (gh, gw).
        """
        n, c, h, w = x.shape
        r, k = self.rate, self.kernel_size
        if h % r or w % r:
            raise ValueError(f'features {h}x{w} not divisible by rate {r}')
        small = x[:, :, ::r, ::r]
        gh, gw = small.shape[-2:]
        if mask.size(2) % gh or mask.size(3) % gw:
            raise ValueError(f'mask {tuple(mask.shape[-2:])} is not a '
                             f'multiple of the {gh}x{gw} attention grid')
        # (n, c * k * k, L) patches of the grid
        patches = F.unfold(small, k, padding=k // 2)
        keys = patches / patches.norm(dim=1, keepdim=True).clamp_min(1e-8)
        scores = torch.bmm(patches.transpose(1, 2), keys)  # (n, L, L)
        if self.fuse_size:
            scores = self._fuse(scores, gh, gw)
        context = self.context_cells(mask, (gh, gw))  # (n, 1, L)
        # hole cells out of the softmax (a finite value: an image without
        # any context cell gets uniform rows, zeroed by the product)
        logits = (scores * self.softmax_scale).masked_fill(
            context == 0, -1e4)
        attn = torch.softmax(logits, dim=2) * context
        out = reassemble_patches(x, attn, (gh, gw))
        return out, attn, (gh, gw)


@MODELS.register_module()
class CRAAttentionTransfer(nn.Module):
    """Attention transfer (ATM) to a decoder skip feature
    (``apply_attention``).

    The scores computed on the bottleneck reassemble the encoder feature of
    a finer level (2r x 2r patches, r = its size / grid size), followed by
    two gated convs (dilation 1 and 2).

    Args:
        channels (int): Channels of the skip feature.
        gate (str): Gated-conv type. Default: 'pointwise'.
    """

    def __init__(self, channels: int, gate: str = 'pointwise') -> None:
        super().__init__()
        self.convs = nn.Sequential(
            CRAGatedConv(channels, channels, 3, gate=gate),
            CRAGatedConv(channels, channels, 3, dilation=2, gate=gate))

    def forward(self, feat: Tensor, attn: Tensor,
                grid: Tuple[int, int]) -> Tensor:
        """(n, c, r gh, r gw), (n, L, L) -> (n, c, r gh, r gw)."""
        return self.convs(reassemble_patches(feat, attn, grid))

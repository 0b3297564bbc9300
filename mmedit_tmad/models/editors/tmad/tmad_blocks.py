# Copyright (c) OpenMMLab. All rights reserved.
"""Building blocks shared by T-MAD's networks (paper Sec.IV, Tab.I).

"We follow the design of convolution blocks in PGGAN [36] to prepare our
encoders and decoders": a down block is ``conv3x3, conv3x3, Downsample``
(nearest-neighbour halving), an up block is ``Upsample (CARAFE), conv3x3,
conv3x3``; residual blocks follow EdgeConnect [18]. LeakyReLU(0.2) everywhere,
no normalisation. These helpers are built only by code, so they are not
registered (as mmagic's ``AOTBlock``).
"""
from typing import Optional

import torch.nn as nn
from mmcv.cnn import ConvModule
from torch import Tensor

from mmedit_tmad.models.archs.carafe import TMADCARAFEPack

#: LeakyReLU with leakiness 0.2, "in all layers of the whole networks".
LRELU = dict(type='LeakyReLU', negative_slope=0.2)


class TMADDownBlock(nn.Module):
    """``conv3x3 (in->in), conv3x3 (in->out), nearest downsample x0.5``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        act_cfg (dict): Activation config. Default: LeakyReLU(0.2).
        downsample (bool): Halve H and W at the end (nearest). Default: True.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 act_cfg: Optional[dict] = LRELU,
                 downsample: bool = True) -> None:
        super().__init__()
        self.conv1 = ConvModule(
            in_channels, in_channels, 3, padding=1, act_cfg=act_cfg)
        self.conv2 = ConvModule(
            in_channels, out_channels, 3, padding=1, act_cfg=act_cfg)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        """(n, in, h, w) -> (n, out, h/2, w/2)."""
        x = self.conv2(self.conv1(x))
        if self.downsample:
            # nearest x0.5 (F.interpolate(scale_factor=0.5, mode='nearest')
            # keeps pixel 2i) written as a strided slice: same values, and a
            # backward that is deterministic on CUDA (interpolate's is not)
            h, w = x.shape[-2:]
            x = x[..., ::2, ::2][..., :h // 2, :w // 2]
        return x


class TMADUpBlock(nn.Module):
    """``CARAFE x2 upsample, conv3x3 (in->out), conv3x3 (out->out)``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        act_cfg (dict): Activation config. Default: LeakyReLU(0.2).
        upsample (bool): Upsample x2 with CARAFE first. ``False`` gives the
            conv pair alone, without a resize. Default: True.
        carafe_cfg (dict, optional): Extra arguments of
            :class:`TMADCARAFEPack` (``up_kernel``, ``compressed_channels``,
            ...). Default: None (mmcv's defaults).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 act_cfg: Optional[dict] = LRELU,
                 upsample: bool = True,
                 carafe_cfg: Optional[dict] = None) -> None:
        super().__init__()
        self.upsample = TMADCARAFEPack(
            in_channels, scale_factor=2, **(carafe_cfg or {})) \
            if upsample else nn.Identity()
        self.conv1 = ConvModule(
            in_channels, out_channels, 3, padding=1, act_cfg=act_cfg)
        self.conv2 = ConvModule(
            out_channels, out_channels, 3, padding=1, act_cfg=act_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """(n, in, h, w) -> (n, out, 2h, 2w)."""
        return self.conv2(self.conv1(self.upsample(x)))


class TMADResBlock(nn.Module):
    """Residual block: ``conv3x3 (dilation d), conv3x3`` plus identity.

    As the authors' ``ResidualDilationBlock``: both convs are activated, the
    sum is not; a 1x1 projection is used on the skip path when the widths
    differ.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        dilation (int): Dilation of the first conv (1: a standard residual
            block, as in PSNet). Default: 1.
        act_cfg (dict): Activation config. Default: LeakyReLU(0.2).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 dilation: int = 1,
                 act_cfg: Optional[dict] = LRELU) -> None:
        super().__init__()
        self.conv1 = ConvModule(
            in_channels,
            out_channels,
            3,
            padding=dilation,
            dilation=dilation,
            act_cfg=act_cfg)
        self.conv2 = ConvModule(
            out_channels, out_channels, 3, padding=1, act_cfg=act_cfg)
        self.skip = nn.Conv2d(in_channels, out_channels, 1) \
            if in_channels != out_channels else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        """(n, in, h, w) -> (n, out, h, w)."""
        return self.skip(x) + self.conv2(self.conv1(x))


def tmad_init_(module: nn.Module, out_conv: Optional[ConvModule] = None,
               out_std: Optional[float] = 1e-3,
               branch_scale: float = 0.1) -> None:
    """Initialise a T-MAD network so that activations keep their scale.

    The paper uses no normalisation layer and gives no initialisation.
    mmcv's ``ConvModule`` default (Kaiming, fan-out) lets the activations of
    the coarse net grow about 30x from input to output at initialisation
    (measured: output std 14.8 for an input of std 0.5), which makes early
    training slow and unstable. Here:

    * every conv outside CARAFE: Kaiming normal, fan-in, for LeakyReLU(0.2)
      (variance-preserving forward), zero bias;
    * the last conv of each residual branch scaled by ``branch_scale``, so
      residual blocks start close to the identity (as Fixup / SkipInit);
    * CARAFE keeps mmcv's initialisation (its kernels start near uniform);
    * the linear ``out_conv``: normal(0, ``out_std``), zero bias, so the
      untrained net predicts about 0 (mid-grey); ``None`` keeps Kaiming.

    Args:
        module (nn.Module): The network.
        out_conv (ConvModule, optional): Its linear output conv.
        out_std (float, optional): Std of ``out_conv``. Default: 1e-3.
        branch_scale (float): Scale of residual branches. Default: 0.1.
    """

    def visit(m: nn.Module) -> None:
        if isinstance(m, TMADCARAFEPack):
            return
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(
                m.weight, a=0.2, mode='fan_in', nonlinearity='leaky_relu')
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        for child in m.children():
            visit(child)

    visit(module)
    for m in module.modules():
        if isinstance(m, TMADResBlock):
            m.conv2.conv.weight.data.mul_(branch_scale)
    if out_conv is not None and out_std is not None:
        nn.init.normal_(out_conv.conv.weight, std=out_std)
        nn.init.zeros_(out_conv.conv.bias)

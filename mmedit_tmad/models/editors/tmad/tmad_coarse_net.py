# Copyright (c) OpenMMLab. All rights reserved.
"""T-MAD coarse network (paper Sec.III-A, Fig.2(a), Tab.I)."""
import functools
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmedit_tmad.registry import MODELS
from .tmad_blocks import (LRELU, TMADDownBlock, TMADResBlock, TMADUpBlock,
                          tmad_init_)


#: the ``fill_prior`` kinds computed by a classical baseline
CLASSICAL_PRIORS = ('telea', 'patchmatch', 'biharmonic')


@functools.lru_cache(maxsize=None)
def _baseline(kind: str):
    """The classical baseline (``TeleaInpaintor`` / ``PatchMatchInpaintor``
    / ``BiharmonicInpaintor``, their default settings) whose ``fill`` gives
    the ``kind`` prior."""
    from ..baselines import (BiharmonicInpaintor, PatchMatchInpaintor,
                             TeleaInpaintor)
    cls = dict(
        telea=TeleaInpaintor,
        patchmatch=PatchMatchInpaintor,
        biharmonic=BiharmonicInpaintor)[kind]
    return cls(data_preprocessor=None)


@torch.no_grad()
def classical_fill(img: Tensor, mask: Tensor, fallback: Tensor,
                   kind: str) -> Tensor:
    """A classical baseline's fill of normalised images, as a tensor.

    The baseline's ``ClassicalInpaintor.fill`` on the 8-bit images
    (``kind``: ``'telea'``, OpenCV's Telea, radius 3; ``'patchmatch'``,
    ``pypatchmatch``'s PatchMatch, 7x7 patches, seeded per call;
    ``'biharmonic'``, scikit-image's biharmonic fill), the
    images of a batch on parallel threads, each filled as it would be
    alone. Grey images are filled as RGB and come back as one channel.

    Args:
        img (Tensor): (n, c, h, w) images in [-1, 1] (any layout), c 1 or
            3.
        mask (Tensor): (n, 1, h, w), 1 = hole.
        fallback (Tensor): (n, c, h, w) used for images without a valid
            pixel (nothing to fill from) or without a hole.

    Returns:
        Tensor: (n, c, h, w), valid pixels from ``img``, holes filled, in the
        dtype, device and memory format of ``img``.
    """
    c = img.size(1)
    if c not in (1, 3):
        raise ValueError(f'the {kind} fill takes grey or RGB images, got '
                         f'{c} channels')
    # [-1, 1] -> [0, 255], the range whose rounding gives the 8-bit image
    x = (img.float() + 1.) * 127.5
    filled = _baseline(kind).fill(x.expand(-1, 3, -1, -1), mask.float())
    # 8-bit values, exact in any float dtype, then scaled in img's
    filled = filled[:, :c].to(img.dtype) / 127.5 - 1.
    hole = mask > 0.5
    flat = hole.flatten(1)
    both = (flat.any(1) & ~flat.all(1)).view(-1, 1, 1, 1)
    # valid pixels: ``fallback``'s, which are ``img``'s where both occur;
    # the result in ``fallback``'s memory format
    out = fallback.clone()
    return out.copy_(torch.where(both & hole, filled, fallback))


def prior_fill(img: Tensor, mask: Tensor, kind: str) -> Tensor:
    """The classical fill of ``TMADCoarseNet(fill_prior=kind)``.

    Args:
        img (Tensor): ``I_m`` (n, c, h, w), normalised to [-1, 1].
        mask (Tensor): (n, 1, h, w), 1 = hole.
        kind (str): ``'mean'``: each image's mean valid colour;
            ``'telea'`` / ``'patchmatch'`` / ``'biharmonic'``: that
            baseline's fill
            (:func:`classical_fill`), the mean where it has nothing to do.

    Returns:
        Tensor: (n, c, h, w), ``img`` with its hole filled.
    """
    valid = 1. - mask
    # (n, c, 1, 1): mean colour of each image's valid pixels
    mean = (img * valid).sum((2, 3), keepdim=True) / \
        valid.sum((2, 3), keepdim=True).clamp_min(1.)
    fill = img * valid + mean * mask
    if kind in CLASSICAL_PRIORS:
        fill = classical_fill(img, mask, fill, kind)
    return fill


@MODELS.register_module()
class TMADCoarseNet(BaseModule):
    """Coarse network of T-MAD: the structural prior ``I_s``.

    This implementation follows: Texture Memory-Augmented Deep Patch-Based
    Image Inpainting (Xu et al., IEEE TIP 2021), Sec.III-A and Tab.I::

        input-conv (1x1) -> down-block x3 -> dilated res-block x8
            -> up-block x3 (CARAFE) -> out-conv (1x1, linear)

    Widths: ``c -> 2c -> 4c -> 8c`` through the down blocks, ``8c`` in the
    residual blocks, halved by each up block back to ``c``. The paper does
    not state ``c``; the authors' code used ``channel_factor=16``, which with
    these block counts gives a generator (coarse net, retrieval, PSNet) of
    3.618M parameters against the paper's 3.9M (c=17 would be needed for
    3.9M; c=20 already gives 5.2M). The dilation of the residual blocks is
    not given either; the authors' code and EdgeConnect [18] use 2 in every
    block.

    The network returns the raw estimate ``I_s``; compositing
    ``Î_s = I_s * M + I_m * (1 - M)`` is the caller's step (mmagic's
    ``OneStageInpaintor`` does it when this net is trained alone, phase 1).

    Args:
        in_channels (int): Input channels: masked image and mask. Default: 4.
        out_channels (int): Output channels. Default: 3.
        channel_factor (int): Base width ``c``. Default: 16.
        num_down_blocks (int): Down blocks (and up blocks). Default: 3.
        num_res_blocks (int): Dilated residual blocks. Default: 8.
        dilation (int): Dilation of the residual blocks. Default: 2.
        act_cfg (dict): Activation config. Default: LeakyReLU(0.2).
        out_act_cfg (dict, optional): Activation after the out-conv. The
            paper uses a linear last layer. Default: None.
        carafe_cfg (dict, optional): Arguments of the CARAFE upsamplers.
            Default: None (mmcv's ``CARAFEPack`` defaults).
        out_init_std (float, optional): Initialise the linear out-conv with
            this std (bias 0), so the untrained net predicts about mid-grey
            (0) rather than the large values a Kaiming-initialised linear
            layer gives; training then starts from a sensible fill (with
            Adam the small weights do not slow the layers below). Not in the
            paper. None keeps mmcv's initialisation. Default: 1e-3.
        fill_prior (str, optional): Fill the hole of the input with a
            classical fill and predict a correction on top of it
            (``I_s = fill + net(fill, M)``), so the untrained net starts at
            that fill: ``'mean'``, the image's mean valid colour, or
            ``'telea'``, OpenCV's fast-marching inpainting (Telea 2004,
            radius 3 as ``TeleaInpaintor``; computed on the 8-bit image,
            without gradient, about 16 ms per 256x256 image), or
            ``'patchmatch'``, PatchMatch's coarse-to-fine completion
            (:func:`classical_fill`, 7x7 patches as
            ``PatchMatchInpaintor``; 8-bit, without gradient, 0.5-0.7 s
            per 256x256 image), a start with the photo's texture, or
            ``'biharmonic'``, the smooth solution of ``Δ²u = 0`` in the
            hole (``BiharmonicInpaintor``; 8-bit, without gradient,
            0.04-0.2 s per 256x256 image). Not in the
            paper, which predicts ``I_s`` directly (``None``); the CPU
            models use it to learn within minutes or hours. Default: None.
        init_cfg (dict, optional): Initialization config. Default: None.
    """

    #: runs on channels_last features (mmedit_tmad.utils.precision)
    channels_last_safe = True

    def __init__(self,
                 in_channels: int = 4,
                 out_channels: int = 3,
                 channel_factor: int = 16,
                 num_down_blocks: int = 3,
                 num_res_blocks: int = 8,
                 dilation: int = 2,
                 act_cfg: Optional[dict] = LRELU,
                 out_act_cfg: Optional[dict] = None,
                 carafe_cfg: Optional[dict] = None,
                 out_init_std: Optional[float] = 1e-3,
                 fill_prior: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        c = channel_factor
        self.out_init_std = out_init_std
        if fill_prior not in (None, 'mean') + CLASSICAL_PRIORS:
            raise ValueError(f"fill_prior must be None, 'mean', 'telea', "
                             f"'patchmatch' or 'biharmonic', got "
                             f'{fill_prior!r}')
        if fill_prior in CLASSICAL_PRIORS and \
                in_channels not in (2, 4):
            raise ValueError(f'fill_prior={fill_prior!r} needs a grey or RGB '
                             f'image and its mask (in_channels 2 or 4), got '
                             f'in_channels={in_channels}')
        self.fill_prior = fill_prior
        self.size_divisor = 2**num_down_blocks
        self.input_conv = ConvModule(in_channels, c, 1, act_cfg=act_cfg)
        self.down_blocks = nn.Sequential(*[
            TMADDownBlock(c * 2**i, c * 2**(i + 1), act_cfg)
            for i in range(num_down_blocks)
        ])
        width = c * 2**num_down_blocks
        self.res_blocks = nn.Sequential(*[
            TMADResBlock(width, width, dilation, act_cfg)
            for _ in range(num_res_blocks)
        ])
        self.up_blocks = nn.Sequential(*[
            TMADUpBlock(
                width // 2**i,
                width // 2**(i + 1),
                act_cfg,
                carafe_cfg=carafe_cfg) for i in range(num_down_blocks)
        ])
        self.out_conv = ConvModule(c, out_channels, 1, act_cfg=out_act_cfg)
        self.init_weights()

    def init_weights(self) -> None:
        """:func:`tmad_init_`, unless ``init_cfg`` asks for another one."""
        if self.init_cfg:
            super().init_weights()
            return
        tmad_init_(self, self.out_conv, self.out_init_std)
        self._is_init = True

    def prior(self, x: Tensor) -> Tensor:
        """The classical fill of ``fill_prior`` (no gradient for Telea).

        Args:
            x (Tensor): ``cat([I_m, M])`` (n, 4, h, w).

        Returns:
            Tensor: (n, 3, h, w), ``I_m`` with its hole filled.
        """
        return prior_fill(x[:, :-1], x[:, -1:], self.fill_prior)

    def forward(self, x: Tensor, fill: Optional[Tensor] = None) -> Tensor:
        """Estimate the image from a masked image and its mask.

        Args:
            x (Tensor): ``cat([I_m, M])`` of shape (n, 4, h, w); h and w must
                be multiples of ``2**num_down_blocks`` (8).
            fill (Tensor, optional): The prior fill (:meth:`prior`) when it
                was computed outside, e.g. OpenCV's Telea for an exported
                graph, which cannot hold it. Default: None (computed here).

        Returns:
            Tensor: The coarse result ``I_s`` of shape (n, 3, h, w).
        """
        h, w = x.shape[-2:]
        if h % self.size_divisor or w % self.size_divisor:
            raise ValueError(
                f'{type(self).__name__} needs height and width divisible by '
                f'{self.size_divisor}, got {h}x{w}; pad the input first')
        if self.fill_prior is None:
            fill = None
        else:
            if fill is None:
                fill = self.prior(x)
            x = torch.cat([fill, x[:, -1:]], dim=1)
        x = self.input_conv(x)
        x = self.down_blocks(x)
        x = self.res_blocks(x)
        x = self.up_blocks(x)
        out = self.out_conv(x)
        return out if fill is None else out + fill

# Copyright (c) OpenMMLab. All rights reserved.
"""T-MAD patch synthesis network, PSNet (paper Sec.III-C, Fig.2(c), Tab.I)."""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmedit_tmad.registry import MODELS
from .tmad_blocks import (LRELU, TMADDownBlock, TMADResBlock, TMADUpBlock,
                          tmad_init_)


@MODELS.register_module()
class TMADPSNet(BaseModule):
    """PSNet: synthesise a hole patch from its coarse context and ``T_c``.

    This implementation follows: Texture Memory-Augmented Deep Patch-Based
    Image Inpainting (Xu et al., IEEE TIP 2021), Sec.III-C and Tab.I::

        backbone:  context (3k x 3k, image + mask) -> input-conv (1x1)
                   -> down-block x2 -> res-block x5 -> centre crop (k/4)
                   -> [+ tex 1/4] up-block (CARAFE x2)
                   -> [+ tex 1/2] up-block (CARAFE x2)
                   -> up-block (no resize) -> out-conv (1x1, linear)
        tex enc:   N_c candidates, concatenated (k x k)
                   -> input-conv (1x1) -> down-block x2 -> res-block x2

    **Tab.I's "2 down / 3 up".** Two halvings of the ``3k_p`` context and
    three doublings would give a ``6k_p`` output, but the output is the
    ``k_p x k_p`` patch. Here the backbone features (``3k_p/4`` wide) are
    centre-cropped to the cell (``k_p/4``) after the residual blocks -- the
    context has informed them through the receptive field -- and two CARAFE
    up-blocks restore ``k_p``; the third up-block is a conv pair without a
    resize that keeps the width (``c -> c``), as the authors'
    ``PGUpsampleBlock(interpolation=None)``. Cropping before decoding also
    saves the 9x cost of decoding the whole context.

    **Pyramid skips.** The texture encoder's ``k_p/4`` output and its
    ``k_p/2`` (first down-block) features are concatenated to the backbone's
    features before the first and the second up-block. Residual blocks are
    standard (no dilation), as the paper states for PSNet.

    All hole patches of a batch are one batch here (Sec.III-C "in parallel").

    Args:
        patch_size (int): ``k_p``; must be a multiple of 4. Default: 32.
        in_channels (int): Context channels (image + mask). Default: 4.
        num_candidates (int): ``N_c`` (``1`` for W-Sum). Default: 4.
        cand_channels (int): Channels of one candidate. Default: 3.
        out_channels (int): Output channels. Default: 3.
        channel_factor (int): Base width of the backbone. Default: 16.
        tex_channel_factor (int): Base width of the texture encoder.
            Default: 16.
        num_res_blocks (int): Backbone residual blocks. Default: 5.
        num_tex_res_blocks (int): Texture encoder residual blocks.
            Default: 2.
        act_cfg (dict): Activation. Default: LeakyReLU(0.2).
        carafe_cfg (dict, optional): CARAFE arguments. Default: None.
        residual (bool): Add the coarse patch (the centre of the context's
            image channels) to the output, so PSNet learns a correction of
            ``p_s``. Not stated in the paper; off by default. Default: False.
        out_init_std (float, optional): Std of the linear out-conv's initial
            weights (bias 0): the untrained net outputs about 0 (mid-grey,
            or ``p_s`` with ``residual``). None keeps mmcv's initialisation.
            Default: 1e-3.
        init_cfg (dict, optional): Initialization config. Default: None.
    """

    def __init__(self,
                 patch_size: int = 32,
                 in_channels: int = 4,
                 num_candidates: int = 4,
                 cand_channels: int = 3,
                 out_channels: int = 3,
                 channel_factor: int = 16,
                 tex_channel_factor: int = 16,
                 num_res_blocks: int = 5,
                 num_tex_res_blocks: int = 2,
                 act_cfg: Optional[dict] = LRELU,
                 carafe_cfg: Optional[dict] = None,
                 residual: bool = False,
                 out_init_std: Optional[float] = 1e-3,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if patch_size % 4:
            raise ValueError(f'patch_size must be a multiple of 4, got '
                             f'{patch_size}')
        self.patch_size = patch_size
        self.num_candidates = num_candidates
        c, t = channel_factor, tex_channel_factor
        # backbone encoder over the 3k context
        self.input_conv = ConvModule(in_channels, c, 1, act_cfg=act_cfg)
        self.down_blocks = nn.Sequential(
            TMADDownBlock(c, 2 * c, act_cfg),
            TMADDownBlock(2 * c, 4 * c, act_cfg))
        self.res_blocks = nn.Sequential(*[
            TMADResBlock(4 * c, 4 * c, 1, act_cfg)
            for _ in range(num_res_blocks)
        ])
        # texture encoder over the concatenated candidates
        self.tex_input_conv = ConvModule(
            num_candidates * cand_channels, t, 1, act_cfg=act_cfg)
        self.tex_down1 = TMADDownBlock(t, 2 * t, act_cfg)
        self.tex_down2 = TMADDownBlock(2 * t, 4 * t, act_cfg)
        self.tex_res_blocks = nn.Sequential(*[
            TMADResBlock(4 * t, 4 * t, 1, act_cfg)
            for _ in range(num_tex_res_blocks)
        ])
        # decoder with the two pyramid skips
        self.up1 = TMADUpBlock(
            4 * c + 4 * t, 2 * c, act_cfg, carafe_cfg=carafe_cfg)
        self.up2 = TMADUpBlock(
            2 * c + 2 * t, c, act_cfg, carafe_cfg=carafe_cfg)
        self.up3 = TMADUpBlock(c, c, act_cfg, upsample=False)
        self.out_conv = ConvModule(c, out_channels, 1, act_cfg=None)
        self.residual = residual
        self.out_channels = out_channels
        self.out_init_std = out_init_std
        self.init_weights()

    def init_weights(self) -> None:
        """:func:`tmad_init_`, unless ``init_cfg`` asks for another one."""
        if self.init_cfg:
            super().init_weights()
            return
        tmad_init_(self, self.out_conv, self.out_init_std)
        self._is_init = True

    def forward(self, context: Tensor, candidates: Tensor) -> Tensor:
        """Synthesise ``B`` patches in one pass.

        Args:
            context (Tensor): Coarse context windows (B, in, 3k, 3k): ``Î_s``
                around the cell and its mask.
            candidates (Tensor): Retrieved candidates ``T_c``
                (B, N_c, c, k, k).

        Returns:
            Tensor: Synthesised patches (B, out, k, k).
        """
        k = self.patch_size
        if context.shape[-2:] != (3 * k, 3 * k) or \
                candidates.shape[-2:] != (k, k):
            raise ValueError(f'expected {3 * k}x{3 * k} contexts and {k}x{k} '
                             f'candidates, got {tuple(context.shape)} and '
                             f'{tuple(candidates.shape)}')
        if candidates.shape[1] != self.num_candidates:
            raise ValueError(f'expected {self.num_candidates} candidates per '
                             f'patch, got {candidates.shape[1]}')
        # backbone: (B, 4c, 3k/4, 3k/4) -> centre cell (B, 4c, k/4, k/4)
        x = self.res_blocks(self.down_blocks(self.input_conv(context)))
        q = k // 4
        x = x[..., q:2 * q, q:2 * q]
        # texture encoder: (B, N_c*c, k, k) -> (B, 2t, k/2), (B, 4t, k/4)
        tex = self.tex_input_conv(candidates.flatten(1, 2))
        tex_half = self.tex_down1(tex)
        tex_quarter = self.tex_res_blocks(self.tex_down2(tex_half))
        x = self.up1(torch.cat([x, tex_quarter], dim=1))  # (B, 2c, k/2)
        x = self.up2(torch.cat([x, tex_half], dim=1))  # (B, c, k)
        out = self.out_conv(self.up3(x))
        if self.residual:
            # the coarse patch p_s: image channels of the context's centre
            out = out + context[:, :self.out_channels, k:2 * k, k:2 * k]
        return out

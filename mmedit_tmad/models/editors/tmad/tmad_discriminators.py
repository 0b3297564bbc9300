# Copyright (c) OpenMMLab. All rights reserved.
"""T-MAD discriminators: patch critic ``C`` (Eq.6-7) and the global one."""
from typing import Optional

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmedit_tmad.registry import MODELS
from .tmad_blocks import LRELU, TMADDownBlock, TMADResBlock


@MODELS.register_module()
class TMADPatchDiscriminator(BaseModule):
    """Patch critic ``C(x)`` of the patch distribution loss (Eq.6-7).

    After the authors' ``TMADPatchDiscriminator``: an encoder (input conv,
    down-blocks doubling the width), residual blocks that halve the width,
    and a 3x3 conv to one channel without activation; the map is averaged
    into one non-transformed score per patch. (The authors' version computed
    the residual blocks' starting width from the wrong block count and
    crashed with its defaults; here it starts at the encoder's width.)

    Args:
        in_channels (int): Patch channels. Default: 3.
        channel_factor (int): Base width. Default: 16.
        num_down_blocks (int): Down-blocks. Default: 3.
        num_res_blocks (int): Width-halving residual blocks. Default: 2.
        act_cfg (dict): Activation. Default: LeakyReLU(0.2).
        with_spectral_norm (bool): Spectral norm on the convs. Default: False.
        dilation (int): Dilation of the residual blocks' first conv. The
            paper does not give it; the authors' code used 2
            (``residual_dialtion``). At the ``k_p/8`` maps of 32x32 patches
            (4x4) a dilation of 2 reaches mostly padding, so the default
            here is 1 (standard residual blocks). Default: 1.
        init_cfg (dict, optional): Initialization config. Default: None.
    """

    def __init__(self,
                 in_channels: int = 3,
                 channel_factor: int = 16,
                 num_down_blocks: int = 3,
                 num_res_blocks: int = 2,
                 act_cfg: Optional[dict] = LRELU,
                 with_spectral_norm: bool = False,
                 dilation: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        c = channel_factor
        self.input_conv = ConvModule(
            in_channels, c, 3, padding=1, act_cfg=act_cfg)
        self.down_blocks = nn.Sequential(*[
            TMADDownBlock(c * 2**i, c * 2**(i + 1), act_cfg)
            for i in range(num_down_blocks)
        ])
        width = c * 2**num_down_blocks
        self.res_blocks = nn.Sequential(*[
            TMADResBlock(width // 2**i, width // 2**(i + 1), dilation,
                         act_cfg) for i in range(num_res_blocks)
        ])
        self.out_conv = ConvModule(
            width // 2**num_res_blocks, 1, 3, padding=1, act_cfg=None)
        if with_spectral_norm:
            for m in list(self.modules()):
                if isinstance(m, nn.Conv2d):
                    nn.utils.parametrizations.spectral_norm(m)

    def forward(self, x: Tensor) -> Tensor:
        """Score patches.

        Args:
            x (Tensor): Patches (B, c, k, k).

        Returns:
            Tensor: One score per patch (B, ).
        """
        x = self.res_blocks(self.down_blocks(self.input_conv(x)))
        # (B, 1, k/2^d, k/2^d) -> (B, )
        return self.out_conv(x).mean(dim=(1, 2, 3))


@MODELS.register_module()
class TMADDiscriminators(BaseModule):
    """The two discriminators of T-MAD, each built from a sub-config.

    * ``patch_disc``: the critic ``C`` of the patch distribution loss
      (Eq.6-7) on ``k_p x k_p`` patches.
    * ``global_disc``: the global patch discriminator [32] of the blending
      loss (Eq.9) on the whole tiled result ``Î_p``; e.g. mmagic's
      ``MultiLayerDiscriminator`` as an SN-PatchGAN.

    Args:
        patch_disc (dict): Config of the patch critic.
        global_disc (dict, optional): Config of the global discriminator.
            Default: None (no blending GAN term).
        init_cfg (dict, optional): Initialization config. Default: None.
    """

    def __init__(self,
                 patch_disc: dict,
                 global_disc: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.patch_disc = MODELS.build(patch_disc)
        self.global_disc = MODELS.build(global_disc) \
            if global_disc is not None else None

    def forward(self, x: Tensor, which: str = 'patch') -> Tensor:
        """Run one of the discriminators.

        Args:
            x (Tensor): Patches (B, c, k, k) for ``'patch'``; images
                (n, c, h, w) for ``'global'``.
            which (str): ``'patch'`` or ``'global'``. Default: 'patch'.

        Returns:
            Tensor: Patch scores (B, ) or the global discriminator's map.
        """
        if which == 'patch':
            return self.patch_disc(x)
        if which == 'global':
            if self.global_disc is None:
                raise ValueError('no global_disc configured')
            return self.global_disc(x)
        raise ValueError(f"which must be 'patch' or 'global', got {which!r}")

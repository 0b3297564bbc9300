# Copyright (c) OpenMMLab. All rights reserved.
"""Perceptual loss of PSNet (paper Eq.8) with VGG-19 weights from disk."""
import os.path as osp
from types import SimpleNamespace
from typing import Optional
from unittest import mock

import torch
import torchvision.models.vgg as tv_vgg
from mmagic.models.losses import perceptual_loss as mmagic_percep
from mmagic.models.losses.perceptual_loss import PerceptualLoss
from torch import Tensor

from mmedit_tmad.registry import MODELS

#: torchvision's file names and addresses, for the error message.
VGG_URLS = {
    'vgg16': 'https://download.pytorch.org/models/vgg16-397923af.pth',
    'vgg19': 'https://download.pytorch.org/models/vgg19-dcbb9e9d.pth',
}
_VGG_CFG_KEY = {'vgg11': 'A', 'vgg13': 'B', 'vgg16': 'D', 'vgg19': 'E'}


def load_vgg_features(vgg_type: str, weights: str,
                      num_layers: int) -> torch.nn.Sequential:
    """Build ``torchvision`` VGG features and load a local state dict.

    Only the first ``num_layers`` layers must be present in the file (a full
    torchvision checkpoint has them all).

    Args:
        vgg_type (str): ``'vgg16'``, ``'vgg19'``, ...
        weights (str): Path of the torchvision state dict.
        num_layers (int): Layers that will be used.

    Returns:
        nn.Sequential: ``features`` with the weights loaded.
    """
    if not osp.isfile(weights):
        url = VGG_URLS.get(vgg_type, 'https://download.pytorch.org/models/')
        raise FileNotFoundError(
            f'VGG weights for the perceptual loss not found: {weights}. '
            f'Download {url} to that path (nothing is downloaded at run '
            'time), or point `vgg_weights` in the config at your copy.')
    features = tv_vgg.make_layers(tv_vgg.cfgs[_VGG_CFG_KEY[vgg_type]])
    state = torch.load(weights, map_location='cpu', weights_only=True)
    state = {
        k[len('features.'):]: v
        for k, v in state.items() if k.startswith('features.')
    }
    needed = {
        k
        for k in features.state_dict()
        if int(k.split('.')[0]) < num_layers
    }
    missing = needed - set(state)
    if missing:
        raise KeyError(f'{weights} lacks VGG layers {sorted(missing)}')
    features.load_state_dict({k: state[k] for k in needed}, strict=False)
    return features


@MODELS.register_module()
class TMADPerceptualLoss(PerceptualLoss):
    """mmagic's ``PerceptualLoss``, reading VGG weights from a local file.

    mmagic builds its VGG by asking torchvision for the pretrained network, a
    download at construction. This subclass keeps mmagic's loss (layers,
    normalisation, criterion, style term) and only makes the VGG come from
    ``vgg_weights``, failing with the file name and address when absent.

    Paper defaults (Sec.III-C): features of 'conv_5', 'conv_9', 'conv_15'
    *before* ReLU, i.e. conv3_1, conv4_1, conv5_3, indices 10, 19, 32 of
    ``vgg19().features`` (mmagic clones a conv's output before the in-place
    ReLU, so conv indices give pre-ReLU features); no style term.

    Args:
        vgg_weights (str): Path of torchvision's ``vgg19-dcbb9e9d.pth``.
        layer_weights (dict): Layer index -> weight.
            Default: {'10': 1., '19': 1., '32': 1.}.
        loss_weight (float): ``λ_percep``. Default: 0.02 (Tab.II).
        style_weight (float): Style term weight. Default: 0.
        vgg_type (str): Default: 'vgg19'.
        criterion (str): 'l1' or 'mse'. Default: 'l1'.
        channel_order (str): Channel order of the inputs, ``'bgr'`` (mmagic's
            loading default) or ``'rgb'``; VGG is fed RGB. Default: 'bgr'.
        **kwargs: Other ``PerceptualLoss`` arguments
            (``use_input_norm``, ``norm_img``, ``layer_weights_style``).
    """

    def __init__(self,
                 vgg_weights: str,
                 layer_weights: Optional[dict] = None,
                 loss_weight: float = 0.02,
                 style_weight: float = 0.,
                 vgg_type: str = 'vgg19',
                 criterion: str = 'l1',
                 channel_order: str = 'bgr',
                 **kwargs) -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', got "
                             f'{channel_order!r}')
        if vgg_type not in _VGG_CFG_KEY:
            raise ValueError(f'unsupported vgg_type {vgg_type!r}')
        layer_weights = layer_weights or {'10': 1., '19': 1., '32': 1.}
        num_layers = 1 + max(
            int(k) for k in {**layer_weights, **(
                kwargs.get('layer_weights_style') or {})})

        def local_vgg(**_ignored):  # mmagic passes the pretrained flag
            return SimpleNamespace(
                features=load_vgg_features(vgg_type, vgg_weights,
                                           num_layers))

        fake_module = SimpleNamespace(**{vgg_type: local_vgg})
        # mmagic's PerceptualVGG calls ``getattr(vgg, vgg_type)(pretrained=
        # True)`` on its module-level ``vgg``; point that at the local file
        # for the duration of the constructor only.
        with mock.patch.object(mmagic_percep, 'vgg', fake_module):
            super().__init__(
                layer_weights=layer_weights,
                vgg_type=vgg_type,
                perceptual_weight=loss_weight,
                style_weight=style_weight,
                pretrained=f'torchvision://{vgg_type}',
                criterion=criterion,
                **kwargs)
        self.vgg_weights = vgg_weights
        self.channel_order = channel_order

    def forward(self, x: Tensor, gt: Tensor) -> Tensor:
        """Weighted perceptual loss (plus style if configured).

        Args:
            x (Tensor): Prediction in [-1, 1] (n, 3, h, w).
            gt (Tensor): Target in [-1, 1] (n, 3, h, w).

        Returns:
            Tensor: Scalar loss.
        """
        if self.channel_order == 'bgr':
            x, gt = x.flip(1), gt.flip(1)
        percep, style = super().forward(x, gt)
        loss = x.new_zeros(())
        if percep is not None:
            loss = loss + percep
        if style is not None:
            loss = loss + style
        return loss

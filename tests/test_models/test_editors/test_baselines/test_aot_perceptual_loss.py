# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch
import torchvision.models.vgg as tv_vgg
from mmagic.models.losses import PerceptualLoss

from mmedit_tmad.registry import MODELS


@pytest.fixture
def vgg_file(tmp_path):
    """A torchvision-format VGG-19 file holding features.0 to .7."""
    torch.manual_seed(0)
    feats = tv_vgg.make_layers(tv_vgg.cfgs['E'])[:8]
    path = tmp_path / 'vgg19-small.pth'
    torch.save({f'features.{k}': v for k, v in feats.state_dict().items()},
               path)
    return str(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'nope\.pth'):
        MODELS.build(
            dict(
                type='AOTPerceptualLoss',
                vgg_weights=str(tmp_path / 'nope.pth'),
                layer_weights={'1': 1.}))


def test_returns_mmagic_percep_and_style(vgg_file):
    loss = MODELS.build(
        dict(
            type='AOTPerceptualLoss',
            vgg_weights=vgg_file,
            layer_weights={'1': 1., '6': 1.},
            layer_weights_style={'3': 1.},
            perceptual_weight=0.1,
            style_weight=250.,
            channel_order='rgb'))
    x, y = torch.rand(2, 3, 16, 16) * 2 - 1, torch.rand(2, 3, 16, 16) * 2 - 1
    percep, style = loss(x, y)
    # the same numbers as mmagic's loss on the same VGG layers
    ref = PerceptualLoss.__new__(PerceptualLoss)
    torch.nn.Module.__init__(ref)
    ref.__dict__.update({
        k: v
        for k, v in loss.__dict__.items() if not k.startswith('_')
    })
    ref._modules = loss._modules
    ref_percep, ref_style = PerceptualLoss.forward(ref, x, y)
    torch.testing.assert_close(percep, ref_percep)
    torch.testing.assert_close(style, ref_style)
    assert percep > 0 and style > 0
    # bgr inputs are flipped to rgb for VGG
    bgr = MODELS.build(
        dict(
            type='AOTPerceptualLoss',
            vgg_weights=vgg_file,
            layer_weights={'1': 1., '6': 1.},
            layer_weights_style={'3': 1.},
            perceptual_weight=0.1,
            style_weight=250.))
    b_percep, b_style = bgr(x.flip(1), y.flip(1))
    torch.testing.assert_close(b_percep, percep)
    torch.testing.assert_close(b_style, style)
    # no style layers: style is None, as in mmagic
    plain = MODELS.build(
        dict(
            type='AOTPerceptualLoss',
            vgg_weights=vgg_file,
            layer_weights={'1': 1.}))
    assert plain(x, y)[1] is None

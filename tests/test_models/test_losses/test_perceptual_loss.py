# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch
import torchvision.models.vgg as tv_vgg

from mmedit_tmad.models.losses import load_vgg_features
from mmedit_tmad.registry import MODELS


@pytest.fixture
def vgg_file(tmp_path):
    """A torchvision-format VGG-19 file holding only features.0 and .2."""
    torch.manual_seed(0)
    feats = tv_vgg.make_layers(tv_vgg.cfgs['E'])[:3]
    path = tmp_path / 'vgg19-small.pth'
    torch.save({f'features.{k}': v for k, v in feats.state_dict().items()},
               path)
    return str(path), feats


def test_missing_file_names_it_and_the_address(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'nope\.pth.*vgg19-dcbb9e9d\.pth'):
        MODELS.build(dict(type='TMADPerceptualLoss',
                          vgg_weights=str(tmp_path / 'nope.pth')))


def test_loads_local_weights_without_download(vgg_file):
    path, feats = vgg_file
    loss = MODELS.build(dict(type='TMADPerceptualLoss', vgg_weights=path,
                             layer_weights={'2': 1.}, loss_weight=0.5))
    torch.testing.assert_close(loss.vgg.vgg_layers[2].weight,
                               feats[2].weight)
    assert not any(p.requires_grad for p in loss.parameters())
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    assert loss(x, x).item() == 0.
    y = x.clone().requires_grad_()
    out = loss(y, torch.zeros_like(x))
    out.backward()
    assert out.item() > 0 and y.grad.abs().sum() > 0
    # pre-ReLU features: conv1_2's output can be negative
    feat = loss.vgg((x.flip(1) + 1) / 2)['2']
    assert (feat < 0).any()


def test_channel_order_and_missing_layers(vgg_file):
    path, _ = vgg_file
    bgr = MODELS.build(dict(type='TMADPerceptualLoss', vgg_weights=path,
                            layer_weights={'2': 1.}))
    rgb = MODELS.build(dict(type='TMADPerceptualLoss', vgg_weights=path,
                            layer_weights={'2': 1.}, channel_order='rgb'))
    x, y = torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8)
    torch.testing.assert_close(bgr(x, y), rgb(x.flip(1), y.flip(1)))
    with pytest.raises(KeyError, match='lacks VGG layers'):
        load_vgg_features('vgg19', path, 11)

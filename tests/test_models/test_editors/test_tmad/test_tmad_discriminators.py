# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch

from mmedit_tmad.registry import MODELS


def test_patch_discriminator():
    disc = MODELS.build(dict(type='TMADPatchDiscriminator', channel_factor=4))
    out = disc(torch.randn(5, 3, 32, 32))
    assert out.shape == (5, )
    out.sum().backward()
    for name, p in disc.named_parameters():
        assert p.grad is not None, name
    sn = MODELS.build(dict(type='TMADPatchDiscriminator', channel_factor=4,
                           with_spectral_norm=True))
    assert any('parametrizations' in n for n, _ in sn.named_parameters())
    assert sn(torch.randn(2, 3, 16, 16)).shape == (2, )


def test_composite():
    discs = MODELS.build(
        dict(
            type='TMADDiscriminators',
            patch_disc=dict(type='TMADPatchDiscriminator', channel_factor=4),
            global_disc=dict(
                type='MultiLayerDiscriminator', in_channels=3,
                max_channels=16, num_convs=3, fc_in_channels=None,
                with_spectral_norm=True)))
    assert discs(torch.randn(3, 3, 16, 16)).shape == (3, )
    assert discs(torch.randn(2, 3, 64, 64), 'global').shape[0] == 2
    with pytest.raises(ValueError):
        discs(torch.randn(1, 3, 16, 16), 'local')
    no_global = MODELS.build(
        dict(type='TMADDiscriminators',
             patch_disc=dict(type='TMADPatchDiscriminator')))
    with pytest.raises(ValueError, match='global_disc'):
        no_global(torch.randn(1, 3, 64, 64), 'global')

# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch

from mmedit_tmad.registry import MODELS


def test_shapes_and_structure():
    net = MODELS.build(dict(type='TMADCoarseNet', channel_factor=4,
                            num_res_blocks=2))
    x = torch.randn(2, 4, 32, 40)
    assert net(x).shape == (2, 3, 32, 40)
    assert len(net.down_blocks) == 3 and len(net.up_blocks) == 3
    assert net.input_conv.conv.kernel_size == (1, 1)
    assert net.out_conv.conv.kernel_size == (1, 1)
    assert not net.out_conv.with_activation  # linear last layer
    assert all(b.conv1.conv.dilation == (2, 2) for b in net.res_blocks)
    widths = [b.conv2.conv.out_channels for b in net.down_blocks]
    assert widths == [8, 16, 32]


def test_paper_config_blocks():
    net = MODELS.build(dict(type='TMADCoarseNet'))
    assert len(net.res_blocks) == 8
    assert net.res_blocks[0].conv1.conv.in_channels == 128
    n_params = sum(p.numel() for p in net.parameters())
    print(f'TMADCoarseNet (c=16) parameters: {n_params / 1e6:.3f}M')
    assert 2.5e6 < n_params < 3.0e6


def test_every_parameter_gets_a_gradient():
    net = MODELS.build(dict(type='TMADCoarseNet', channel_factor=4,
                            num_res_blocks=1))
    net(torch.randn(1, 4, 16, 16)).square().mean().backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_size_not_divisible_is_a_clear_error():
    net = MODELS.build(dict(type='TMADCoarseNet', channel_factor=4,
                            num_res_blocks=1))
    with pytest.raises(ValueError, match='divisible by 8'):
        net(torch.randn(1, 4, 30, 32))


def test_mean_fill_prior():
    net = MODELS.build(dict(type='TMADCoarseNet', channel_factor=4,
                            num_res_blocks=1, fill_prior='mean',
                            out_init_std=0.))
    img = torch.zeros(1, 3, 16, 16)
    img[:, 0] = 0.5
    mask = torch.zeros(1, 1, 16, 16)
    mask[..., 4:12, 4:12] = 1
    # the out-conv is zero: the output is exactly the mean-colour fill
    out = net(torch.cat([img * (1 - mask), mask], 1))
    torch.testing.assert_close(out, img)
    with pytest.raises(ValueError, match='fill_prior'):
        MODELS.build(dict(type='TMADCoarseNet', fill_prior='median'))

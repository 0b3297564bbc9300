# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from mmedit_tmad.models.archs import TMADCARAFEPack
from mmedit_tmad.models.editors.tmad.tmad_blocks import (TMADDownBlock,
                                                         TMADResBlock,
                                                         TMADUpBlock)


def test_down_block():
    block = TMADDownBlock(3, 5)
    assert block(torch.randn(2, 3, 8, 8)).shape == (2, 5, 4, 4)
    assert block.conv1.conv.out_channels == 3
    assert not block.conv1.with_norm
    assert block.conv1.activate.negative_slope == 0.2
    keep = TMADDownBlock(3, 5, downsample=False)
    assert keep(torch.randn(2, 3, 8, 8)).shape == (2, 5, 8, 8)


@pytest.mark.parametrize('h,w', [(8, 8), (9, 7), (16, 24)])
def test_down_block_is_nearest_half(h, w):
    """The strided slice equals nearest x0.5 interpolation, odd sizes too."""
    block = TMADDownBlock(3, 5)
    x = torch.randn(2, 3, h, w)
    feat = block.conv2(block.conv1(x))
    ref = F.interpolate(feat, scale_factor=0.5, mode='nearest')
    assert torch.equal(block(x), ref)


def test_up_block_uses_carafe():
    block = TMADUpBlock(10, 4)
    assert isinstance(block.upsample, TMADCARAFEPack)
    assert block(torch.randn(2, 10, 4, 4)).shape == (2, 4, 8, 8)
    flat = TMADUpBlock(10, 4, upsample=False)
    assert flat(torch.randn(2, 10, 4, 4)).shape == (2, 4, 4, 4)


def test_res_block():
    block = TMADResBlock(3, 5, dilation=2)
    assert block.conv1.conv.dilation == (2, 2)
    assert block.conv2.conv.dilation == (1, 1)
    assert isinstance(block.skip, torch.nn.Conv2d)
    assert block(torch.randn(2, 3, 8, 8)).shape == (2, 5, 8, 8)
    same = TMADResBlock(4, 4)
    assert isinstance(same.skip, torch.nn.Identity)
    # zero residual branch -> identity
    for p in same.conv2.parameters():
        torch.nn.init.zeros_(p)
    x = torch.randn(1, 4, 6, 6)
    torch.testing.assert_close(same(x), x)

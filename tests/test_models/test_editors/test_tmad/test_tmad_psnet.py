# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch

from mmedit_tmad.models.archs import TMADCARAFEPack
from mmedit_tmad.registry import MODELS


def _tiny(**kwargs):
    cfg = dict(type='TMADPSNet', patch_size=16, num_candidates=2,
               channel_factor=4, tex_channel_factor=4, num_res_blocks=1,
               num_tex_res_blocks=1)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_shapes_and_blocks():
    net = _tiny()
    out = net(torch.randn(6, 4, 48, 48), torch.randn(6, 2, 3, 16, 16))
    assert out.shape == (6, 3, 16, 16)
    assert len(net.down_blocks) == 2
    assert isinstance(net.up1.upsample, TMADCARAFEPack)
    assert isinstance(net.up2.upsample, TMADCARAFEPack)
    assert isinstance(net.up3.upsample, torch.nn.Identity)
    assert not net.out_conv.with_activation
    assert all(b.conv1.conv.dilation == (1, 1) for b in net.res_blocks)


def test_output_depends_on_centre_context_and_candidates():
    torch.manual_seed(0)
    net = _tiny()
    ctx, cand = torch.randn(1, 4, 48, 48), torch.randn(1, 2, 3, 16, 16)
    base = net(ctx, cand)
    cand2 = cand.clone()
    cand2[:, 1] += 1
    assert not torch.allclose(net(ctx, cand2), base)
    ctx2 = ctx.clone()
    ctx2[..., 16:32, 16:32] += 1
    assert not torch.allclose(net(ctx2, cand), base)


def test_every_parameter_gets_a_gradient():
    net = _tiny()
    net(torch.randn(3, 4, 48, 48),
        torch.randn(3, 2, 3, 16, 16)).square().mean().backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_bad_inputs():
    net = _tiny()
    with pytest.raises(ValueError, match='contexts'):
        net(torch.randn(1, 4, 40, 40), torch.randn(1, 2, 3, 16, 16))
    with pytest.raises(ValueError, match='candidates per patch'):
        net(torch.randn(1, 4, 48, 48), torch.randn(1, 3, 3, 16, 16))
    with pytest.raises(ValueError, match='multiple of 4'):
        _tiny(patch_size=18)


def test_paper_config_parameters():
    n = sum(p.numel()
            for p in MODELS.build(dict(type='TMADPSNet')).parameters())
    print(f'TMADPSNet (paper config) parameters: {n / 1e6:.3f}M')
    assert 0.5e6 < n < 1.0e6

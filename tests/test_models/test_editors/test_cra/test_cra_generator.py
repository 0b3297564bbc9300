# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch

from mmedit_tmad.models.editors.cra import CRAGenerator


def _input(n, size):
    x = torch.rand(n, 4, size, size) * 2 - 1
    x[:, 3:] = 0
    x[:, 3:, size // 4:size // 2, size // 4:size // 2] = 1
    return x


def test_shapes_and_every_parameter_learns():
    torch.manual_seed(0)
    gen = CRAGenerator(coarse_channels=4, channels=4, num_down=2)
    coarse, refined, attn = gen(_input(2, 32))
    assert coarse.shape == refined.shape == (2, 3, 32, 32)
    # 32 / 2^(num_down + 1) = 4: a 4x4 grid
    assert attn.shape == (2, 16, 16)
    assert refined.abs().max() <= 1
    (coarse.mean() + refined.mean()).backward()
    missing = [
        name for name, p in gen.named_parameters()
        if p.grad is None or p.grad.abs().sum() == 0
    ]
    assert not missing, missing


def test_bad_size():
    gen = CRAGenerator(coarse_channels=4, channels=4, num_down=2)
    with pytest.raises(ValueError, match='multiple of 8'):
        gen(_input(1, 36))
    with pytest.raises(ValueError, match='num_down'):
        CRAGenerator(num_down=0)


def test_count_parameters():
    """Printed for the README / report (``pytest -s -k count``)."""
    for num_down in (3, 2):
        gen = CRAGenerator(num_down=num_down)
        total = sum(p.numel() for p in gen.parameters())
        coarse = sum(p.numel() for p in gen.coarse.parameters())
        print(f'\nCRAGenerator(num_down={num_down}): {total / 1e6:.3f}M '
              f'parameters (coarse {coarse / 1e6:.3f}M)')
        assert coarse < total

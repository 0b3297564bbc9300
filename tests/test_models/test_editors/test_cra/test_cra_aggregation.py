# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from mmedit_tmad.models.editors.cra import CRAResidualAggregation


def test_hole_cell_receives_context_residual():
    torch.manual_seed(0)
    agg = CRAResidualAggregation()
    # a high-frequency checkerboard on a flat image, 32x32, 4x4 cells of 8
    img = torch.zeros(1, 3, 32, 32)
    img[..., ::2, ::2] = 0.5
    img[..., 1::2, 1::2] = 0.5
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., 8:16, 8:16] = 1  # cell 5
    low = F.avg_pool2d(img, 2)  # blurry, no checkerboard
    attn = torch.eye(16)[None].clone()
    attn[0, 5] = 0
    attn[0, 5, 0] = 1  # hole cell 5 attends to cell 0
    out, res = agg(img * (1 - mask), mask, low, attn)
    blurry = F.interpolate(low, size=(32, 32), mode='bilinear')
    # the residual of cell 0 is pasted into the hole: texture restored
    torch.testing.assert_close(
        out[..., 8:16, 8:16], blurry[..., 8:16, 8:16] +
        (img - blurry)[..., 0:8, 0:8])
    err_cra = (out - img)[..., 8:16, 8:16].abs().mean()
    err_blur = (blurry - img)[..., 8:16, 8:16].abs().mean()
    assert err_cra < 0.5 * err_blur
    # known cells keep their own residual: the input comes back
    torch.testing.assert_close(out[..., 16:, :], img[..., 16:, :])


def test_same_resolution_adds_nothing_in_the_hole():
    agg = CRAResidualAggregation()
    img = torch.rand(2, 3, 16, 16)
    mask = torch.zeros(2, 1, 16, 16)
    mask[..., 4:12, 4:12] = 1
    low = img * (1 - mask) + 0.3 * mask
    attn = torch.softmax(torch.randn(2, 16, 16), -1)
    out, res = agg(img * (1 - mask), mask, low, attn)
    assert res.abs().max() < 1e-6
    torch.testing.assert_close(out, low)


def test_bad_attention_shape():
    agg = CRAResidualAggregation()
    with pytest.raises(ValueError, match='square grid'):
        agg(
            torch.zeros(1, 3, 16, 16), torch.zeros(1, 1, 16, 16),
            torch.zeros(1, 3, 8, 8), torch.zeros(1, 12, 12))

# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch

from mmedit_tmad.models.editors.cra import (CRAAttentionTransfer,
                                            CRAContextualAttention,
                                            CRAGatedConv, reassemble_patches)


def test_gated_conv_gates():
    x = torch.randn(2, 5, 8, 8)
    slice_ = CRAGatedConv(5, 6, 5, stride=2, gate='slice')
    point = CRAGatedConv(5, 6, 3, dilation=2, gate='pointwise')
    # light-weight gates: one k x k gate channel, or 1x1 gates
    assert slice_.gate.weight.shape == (1, 5, 5, 5)
    assert point.gate.weight.shape == (6, 5, 1, 1)
    assert slice_(x).shape == (2, 6, 4, 4)
    assert point(x).shape == (2, 6, 8, 8)
    # elu(f) * sigmoid(g) > -1
    assert point(x).min() > -1
    with pytest.raises(ValueError, match='gate'):
        CRAGatedConv(5, 6, gate='full')


@pytest.mark.parametrize('overlap', [True, False])
def test_reassemble_identity_and_permutation(overlap):
    torch.manual_seed(0)
    feat = torch.randn(2, 3, 16, 16)
    eye = torch.eye(16).expand(2, 16, 16)
    # identity attention rebuilds the features (overlaps are averaged)
    torch.testing.assert_close(
        reassemble_patches(feat, eye, (4, 4), overlap), feat)
    # cell 5 copies cell 0 (4x4 cells of 4x4 pixels)
    attn = eye.clone()
    attn[:, 5] = 0
    attn[:, 5, 0] = 1
    out = reassemble_patches(feat, attn, (4, 4), overlap=False)
    torch.testing.assert_close(out[..., 4:8, 4:8], feat[..., 0:4, 0:4])
    with pytest.raises(ValueError, match='multiple'):
        reassemble_patches(feat[..., :15], eye, (4, 4), overlap)


def test_contextual_attention_scores_context_only():
    torch.manual_seed(0)
    ca = CRAContextualAttention()
    x = torch.randn(2, 8, 16, 16, requires_grad=True)
    mask = torch.zeros(2, 1, 64, 64)
    mask[0, :, 16:40, 16:40] = 1  # sample 1: no hole
    out, attn, grid = ca(x, mask)
    assert out.shape == x.shape and grid == (8, 8)
    assert attn.shape == (2, 64, 64)
    context = ca.context_cells(mask, grid)[:, 0]  # (2, 64)
    # 8x8 cells of 8 px: the hole covers cells 2..4, dilated 1..5
    assert context[0].view(8, 8)[1:6, 1:6].sum() == 0
    assert context[0].sum() == 64 - 25 and context[1].sum() == 64
    # rows are distributions over the context cells only
    torch.testing.assert_close(attn.sum(-1), torch.ones(2, 64))
    assert attn[0][:, context[0] == 0].abs().max() == 0
    out.sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_contextual_attention_all_hole_is_defined():
    ca = CRAContextualAttention()
    x = torch.randn(1, 4, 8, 8, requires_grad=True)
    out, attn, _ = ca(x, torch.ones(1, 1, 32, 32))
    assert attn.abs().max() == 0 and out.abs().max() == 0
    out.sum().backward()
    assert torch.isfinite(x.grad).all()


def test_fuse_adds_diagonal_neighbours():
    ca = CRAContextualAttention(fuse_size=3)
    scores = torch.zeros(1, 16, 16)
    scores[0, 5, 6] = 1.  # cell (1,1) -> cell (1,2) on a 4x4 grid
    fused = ca._fuse(scores, 4, 4)
    # the pair's neighbours along both axes, shifted alike, receive it
    assert fused[0, 5, 6] == 1
    assert fused[0, 4, 5] == 1 and fused[0, 6, 7] == 1  # row neighbours
    assert fused[0, 1, 2] == 1 and fused[0, 9, 10] == 1  # column ones
    assert fused[0, 5, 5] == 0


def test_attention_transfer_shapes_and_grads():
    transfer = CRAAttentionTransfer(6)
    feat = torch.randn(2, 6, 16, 16)
    attn = torch.softmax(torch.randn(2, 16, 16), -1)
    out = transfer(feat, attn, (4, 4))
    assert out.shape == feat.shape
    out.mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in transfer.parameters())

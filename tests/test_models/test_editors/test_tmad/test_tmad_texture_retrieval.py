# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch

from mmedit_tmad.models.editors.tmad.tmad_texture_retrieval import \
    TMADTextureRetrieval


def test_query_equal_to_a_stored_patch_ranks_it_first():
    torch.manual_seed(0)
    ret = TMADTextureRetrieval(feat_channels=8, num_candidates=3)
    memory = torch.randn(2, 20, 3, 16, 16)
    pick = torch.tensor([[4, 17, 0], [9, 9, 2]])
    query = torch.stack([memory[b, pick[b]] for b in range(2)])
    out = ret(query, memory)
    assert torch.equal(out['indices'][..., 0], pick)


def test_forward_returns_exact_patches_and_grads_reach_theta_phi():
    torch.manual_seed(1)
    ret = TMADTextureRetrieval(feat_channels=4, num_candidates=4)
    memory = torch.randn(2, 10, 3, 8, 8)
    query = torch.randn(2, 5, 3, 8, 8)
    out = ret(query, memory)
    assert out['candidates'].shape == (2, 5, 4, 3, 8, 8)
    assert out['scores'].shape == (2, 5, 10)
    exact = torch.stack([memory[b][out['indices'][b]] for b in range(2)])
    torch.testing.assert_close(out['candidates'], exact)
    # ranked by S
    s = out['scores'].gather(-1, out['indices'])
    assert (s[..., :-1] >= s[..., 1:]).all()
    (out['candidates'] * torch.randn_like(out['candidates'])).sum().backward()
    for name, p in ret.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_wsum_mode():
    ret = TMADTextureRetrieval(feat_channels=4, mode='wsum')
    assert ret.num_outputs == 1
    memory = torch.randn(1, 6, 3, 8, 8)
    out = ret(torch.randn(1, 2, 3, 8, 8), memory)
    assert out['candidates'].shape == (1, 2, 1, 3, 8, 8)
    expected = torch.einsum('pm,mchw->pchw', out['scores'][0], memory[0])
    torch.testing.assert_close(out['candidates'][0, :, 0], expected)


def test_small_memory_and_bad_arguments():
    ret = TMADTextureRetrieval(feat_channels=4, num_candidates=4)
    out = ret(torch.randn(1, 2, 3, 8, 8), torch.randn(1, 2, 3, 8, 8))
    assert out['candidates'].shape[2] == 4  # repeats of the 2 entries
    with pytest.raises(ValueError):
        TMADTextureRetrieval(mode='gumbel')
    with pytest.raises(ValueError, match='do not match'):
        ret(torch.randn(1, 2, 3, 8, 8), torch.randn(1, 2, 3, 16, 16))


@pytest.mark.parametrize('seed', range(5))
def test_ranking_is_float32_under_bf16_autocast(seed):
    """Under bfloat16 autocast (inference on a CPU with AMX) the scores
    and the ranking are the float32 ones: in bfloat16, windows of nearly
    equal score (here: small variations of one texture) swap places."""
    torch.manual_seed(seed)
    retrieval = TMADTextureRetrieval(num_candidates=4).eval()
    base = torch.rand(1, 1, 3, 8, 8)
    memory = base + 0.02 * torch.randn(1, 64, 3, 8, 8)
    query = base + 0.02 * torch.randn(1, 16, 3, 8, 8)
    with torch.no_grad():
        ref = retrieval(query, memory)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            out = retrieval(query, memory)
    assert out['scores'].dtype == torch.float32
    assert torch.equal(out['indices'], ref['indices'])
    assert torch.allclose(out['scores'], ref['scores'])

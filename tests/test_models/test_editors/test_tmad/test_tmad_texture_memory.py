# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from mmedit_tmad.models.editors.tmad.tmad_texture_memory import (
    TMADTextureMemory, cells_to_image, cut_contexts, cut_windows,
    gather_cells, image_to_cells)


def _rect(n=2, size=64, hole=(16, 48, 8, 40)):
    torch.manual_seed(0)
    img = torch.randn(n, 3, size, size)
    mask = torch.zeros(n, 1, size, size)
    t, b, l, r = hole
    mask[..., t:b, l:r] = 1
    return img, mask


def test_cells_roundtrip():
    img = torch.randn(2, 3, 32, 48)
    cells = image_to_cells(img, 16)
    assert cells.shape == (2, 6, 3, 16, 16)
    torch.testing.assert_close(cells[:, 4], img[..., 16:32, 16:32])
    torch.testing.assert_close(cells_to_image(cells, 32, 48), img)


def test_memory_holds_clean_windows_of_the_image():
    img, mask = _rect()
    mem = TMADTextureMemory(patch_size=16, stride=8, num_pool=10)
    out = mem(img, mask)
    assert out['patches'].shape == (2, 10, 3, 16, 16)
    assert (out['mask_ratio'] == 0).all()
    assert not out['patches'].requires_grad
    for b in range(2):
        for j in range(10):
            y, x = out['positions'][b, j].tolist()
            torch.testing.assert_close(out['patches'][b, j],
                                       img[b, :, y:y + 16, x:x + 16])
            assert mask[b, :, y:y + 16, x:x + 16].sum() == 0
    # 7x7 windows of stride 8, those touching rows 16..47 x cols 8..39 hole
    assert (out['num_valid'] == 49 - 25).all()


def test_no_learned_weights_and_seeded_draws():
    img, mask = _rect()
    mem = TMADTextureMemory(patch_size=16, stride=8, num_pool=6, seed=3)
    assert list(mem.parameters()) == []
    assert 'rng_state' in mem.state_dict()
    mem.eval()
    a, b = mem(img, mask), mem(img, mask)
    assert torch.equal(a['positions'], b['positions'])  # eval: fixed
    mem.train()
    state = mem.rng_state.clone()
    c, d = mem(img, mask), mem(img, mask)
    assert not torch.equal(c['positions'], d['positions'])  # fresh draws
    mem.rng_state.copy_(state)  # a resumed run repeats the sequence
    assert torch.equal(mem(img, mask)['positions'], c['positions'])


def test_shortfall_takes_least_masked_then_repeats():
    img, mask = _rect(n=1, size=32, hole=(0, 24, 0, 32))
    # stride 8 over 32: 3x3 windows; none is clean
    mem = TMADTextureMemory(patch_size=16, stride=8, num_pool=20)
    out = mem(img, mask)
    assert out['num_valid'].item() == 0
    ratios = out['mask_ratio'][0]
    assert torch.equal(ratios[:9], ratios[:9].sort().values)
    # 9 windows repeated cyclically to 20 entries
    assert torch.equal(out['positions'][0, 9:18], out['positions'][0, :9])


def test_least_masked_order():
    img = torch.randn(1, 3, 64, 64)
    mask = (torch.rand(1, 1, 64, 64) > 0.7).float()
    mem = TMADTextureMemory(
        patch_size=16, stride=4, num_pool=30, select='least_masked')
    ratios = mem(img, mask)['mask_ratio'][0]
    assert torch.equal(ratios, ratios.sort().values)


def test_all_hole_mask_is_defined():
    img = torch.randn(1, 3, 32, 32)
    mask = torch.ones(1, 1, 32, 32)
    mem = TMADTextureMemory(patch_size=16, num_pool=5)
    out = mem(img, mask)
    assert out['num_valid'].item() == 0
    assert (out['mask_ratio'] == 1).all()
    assert torch.isfinite(out['patches']).all()


def test_cut_hole_patches_training_tops_up():
    img, mask = _rect(n=1, hole=(0, 16, 0, 16))  # exactly one hole cell
    mem = TMADTextureMemory(patch_size=16)
    cut = mem.cut_hole_patches(img, mask, num_patches=5)
    assert cut['cells'].shape == (1, 5) and cut['valid'].all()
    assert cut['cells'][0, 0] == 0 and cut['is_hole'][0].tolist() == [
        True, False, False, False, False]
    assert len(set(cut['cells'][0].tolist())) == 5
    ctx = cut['contexts']
    assert ctx.shape == (1, 5, 4, 48, 48)
    # the centre of each context is the cell itself, with its mask
    torch.testing.assert_close(ctx[..., :3, 16:32, 16:32], cut['patches'])
    assert ctx[0, 0, 3, 16:32, 16:32].eq(1).all()


def test_cut_hole_patches_training_covers_every_hole_cell():
    img = torch.randn(2, 3, 64, 64)
    mask = torch.zeros(2, 1, 64, 64)
    mask[0, :, 0:40, 0:40] = 1  # 9 hole cells, more than N_ps
    mask[1, :, 50:52, 50:52] = 1  # 1 hole cell
    mem = TMADTextureMemory(patch_size=16)
    cut = mem.cut_hole_patches(img, mask, num_patches=4)
    # P = max(N_ps, most hole cells in the batch)
    assert cut['cells'].shape == (2, 9) and cut['valid'].all()
    assert sorted(cut['cells'][0].tolist()) == [0, 1, 2, 4, 5, 6, 8, 9, 10]
    assert cut['is_hole'][0].all()
    # the other image: its hole cell, topped up with distinct valid cells
    assert cut['is_hole'][1].sum() == 1 and cut['cells'][1, 0] == 15
    assert len(set(cut['cells'][1].tolist())) == 9


def test_cut_hole_patches_test_mode_pads():
    img = torch.randn(2, 3, 64, 64)
    mask = torch.zeros(2, 1, 64, 64)
    mask[0, :, 0:20, 0:20] = 1  # 4 cells
    mask[1, :, 40:41, 40:41] = 1  # 1 cell
    mem = TMADTextureMemory(patch_size=16)
    cut = mem.cut_hole_patches(img, mask)
    assert cut['cells'].shape == (2, 4)
    assert cut['valid'].sum(1).tolist() == [4, 1]
    assert cut['cells'][0].tolist() == [0, 1, 4, 5]
    assert cut['cells'][1, 0] == 10
    assert cut['is_hole'][cut['valid']].all()


def test_cut_without_hole_and_bad_sizes():
    mem = TMADTextureMemory(patch_size=16)
    img = torch.randn(1, 3, 32, 32)
    cut = mem.cut_hole_patches(img, torch.zeros(1, 1, 32, 32))
    assert not cut['valid'].any()
    with pytest.raises(ValueError, match='multiple of the patch size'):
        mem.cut_hole_patches(torch.randn(1, 3, 40, 32),
                             torch.zeros(1, 1, 40, 32))
    with pytest.raises(ValueError, match='differ in size'):
        mem(img, torch.zeros(1, 1, 16, 32))
    with pytest.raises(ValueError, match='num_patches'):
        mem.cut_hole_patches(img, torch.ones(1, 1, 32, 32), num_patches=5)
    with pytest.raises(ValueError, match='select'):
        TMADTextureMemory(select='nearest')


def test_paste_roundtrip_and_gradient():
    img, mask = _rect(n=2)
    mem = TMADTextureMemory(patch_size=16)
    cut = mem.cut_hole_patches(img, mask)
    torch.testing.assert_close(
        mem.paste(img, cut['patches'], cut['cells'], cut['valid']), img)
    new = torch.zeros_like(cut['patches'], requires_grad=True)
    out = mem.paste(img, new, cut['cells'], cut['valid'])
    cells = image_to_cells(out, 16)
    assert gather_cells(cells, cut['cells']).abs().sum() == 0
    out.sum().backward()
    assert new.grad is not None and new.grad.abs().sum() > 0


@pytest.mark.parametrize('h,w,k', [(32, 48, 8), (64, 64, 16), (24, 8, 8)])
def test_cut_contexts_matches_unfold(h, w, k):
    """Gathering the 3x3 cell blocks equals unfolding every 3k window."""
    torch.manual_seed(0)
    img = torch.randn(2, 4, h, w, requires_grad=True)
    num_cells = (h // k) * (w // k)
    cells = torch.randint(0, num_cells, (2, 5))
    padded = F.pad(img, (k, k, k, k), mode='replicate')
    # (n, c*9k*k, L) -> (n, L, c, 3k, 3k)
    ref = F.unfold(padded, 3 * k, stride=k).transpose(1, 2).reshape(
        2, num_cells, 4, 3 * k, 3 * k)
    ref = gather_cells(ref, cells)
    out = cut_contexts(img, cells, k)
    assert torch.equal(out, ref)
    grad = torch.randn_like(out)
    g_out, = torch.autograd.grad(out, img, grad)
    g_ref, = torch.autograd.grad(ref, img, grad)
    torch.testing.assert_close(g_out, g_ref)


def test_cut_windows_matches_unfold():
    img = torch.randn(2, 3, 40, 56)
    k, s = 16, 8
    # (n, c*k*k, L) -> (n, L, c, k, k): every window, raster order
    every = F.unfold(img, k, stride=s).transpose(1, 2).reshape(2, -1, 3, k, k)
    lw = (56 - k) // s + 1
    index = torch.tensor([[0, 5, 7, 12], [3, 3, 9, 1]])
    pos = torch.stack([index // lw * s, index % lw * s], -1)
    torch.testing.assert_close(
        cut_windows(img, pos, k), gather_cells(every, index))


def test_memory_draws_from_references():
    img, mask = _rect(n=1, size=64, hole=(0, 64, 0, 48))  # 1 clean column
    torch.manual_seed(1)
    refs = [torch.randn(1, 3, 40, 24), torch.randn(1, 3, 96, 80)]
    mem = TMADTextureMemory(patch_size=16, stride=8, num_pool=40)
    out = mem(img, mask, references=refs)
    src, pos = out['sources'][0], out['positions'][0]
    # clean candidates: 7 of the image, 4x2 and 11x9 of the references
    assert out['num_valid'].tolist() == [7 + 8 + 99]
    assert set(src.tolist()) <= {0, 1, 2} and (src == 2).sum() > 20
    assert (out['mask_ratio'] == 0).all()
    sources = [img] + refs
    for j in range(40):
        y, x = pos[j].tolist()
        torch.testing.assert_close(out['patches'][0, j],
                                   sources[src[j]][0, :, y:y + 16, x:x + 16])
    # references alone: the image's windows are no candidates; a pool
    # larger than the candidates repeats them cyclically
    alone = mem(img, mask, references=refs[:1], use_image=False)
    assert (alone['sources'] == 1).all()
    assert len({tuple(p) for p in alone['positions'][0].tolist()}) == 8
    with pytest.raises(ValueError, match='needs references'):
        mem(img, mask, use_image=False)
    with pytest.raises(ValueError, match='smaller than one memory window'):
        mem(img, mask, references=[torch.randn(1, 3, 15, 100)])
    with pytest.raises(ValueError, match='reference 1 has shape'):
        mem(img, mask, references=[torch.randn(1, 1, 32, 32)])

# Copyright (c) OpenMMLab. All rights reserved.
"""Telea, PatchMatch and biharmonic rows: holes filled, valid pixels kept
exactly."""
import contextlib
import threading

import cv2
import numpy as np
import pytest
import torch
from mmagic.structures import DataSample
from mmengine.registry import init_default_scope

from mmedit_tmad.registry import MODELS

PREP = dict(type='DataPreprocessor', mean=[127.5], std=[127.5])


def _build(kind, **kwargs):
    init_default_scope('mmagic')
    return MODELS.build(dict(type=kind, data_preprocessor=PREP, **kwargs))


@contextlib.contextmanager
def _threads(n):
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _stripes(size=32):
    """Vertical stripes of period 4 in BGR (a texture a copy restores)."""
    gt = torch.zeros(3, size, size)
    gt[:, :, (torch.arange(size) % 4) < 2] = 200.
    gt[1] = 50.
    return gt


@pytest.mark.parametrize(
    'kind', ['TeleaInpaintor', 'PatchMatchInpaintor', 'BiharmonicInpaintor'])
def test_fills_hole_keeps_valid(kind):
    model = _build(kind)
    assert not list(model.parameters())
    gt = _stripes()
    mask = torch.zeros(1, 32, 32)
    mask[:, 10:20, 8:22] = 1
    batch = dict(
        inputs=[gt * (1 - mask)],
        data_samples=[DataSample(gt_img=gt, mask=mask)])
    out = model.test_step(batch)[0].output.pred_img
    valid = (1 - mask).bool().expand_as(gt)
    # the valid region is the input, exactly (integers survive 8 bits)
    assert torch.equal(out[valid], gt[valid])
    hole = mask.bool().expand_as(gt)
    # the green channel is flat 50 around the hole: any fill keeps it
    assert (out[1][mask[0].bool()] - 50).abs().max() <= 2
    # better than the zero fill of the input
    assert (out[hole] - gt[hole]).abs().mean() < gt[hole].abs().mean()
    assert model.train_step(batch, None)['loss'] == 0


def test_patchmatch_copies_texture_telea_smooths():
    gt = _stripes()
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., 8:24, 8:24] = 1
    img = gt[None] * (1 - mask)
    pm = _build('PatchMatchInpaintor').fill(img, mask)
    telea = _build('TeleaInpaintor').fill(img, mask)
    err = {
        name: (x - gt).abs()[0, 0][mask[0, 0].bool()].mean()
        for name, x in (('pm', pm), ('telea', telea))
    }
    # PatchMatch copies the stripes into the hole; a diffusion cannot
    assert err['pm'] < 0.5 * err['telea'], err
    # deterministic
    torch.testing.assert_close(_build('PatchMatchInpaintor').fill(img, mask),
                               pm)


def test_telea_is_opencv():
    rng = np.random.default_rng(0)
    img8 = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    mask8 = np.zeros((16, 16), np.uint8)
    mask8[4:9, 5:12] = 1
    img = torch.from_numpy(img8).permute(2, 0, 1)[None].float()
    img = img * (1 - torch.from_numpy(mask8)[None, None])
    out = _build('TeleaInpaintor', radius=5).fill(
        img,
        torch.from_numpy(mask8)[None, None].float())
    img8_in = img[0].permute(1, 2, 0).byte().numpy()
    ref = cv2.inpaint(img8_in, mask8 * 255, 5, cv2.INPAINT_TELEA)
    assert torch.equal(out[0].permute(1, 2, 0).byte(),
                       torch.from_numpy(ref))


def test_biharmonic_continues_a_smooth_surface():
    """A quadratic ramp is biharmonic: the fill restores it (Telea's
    first-order extrapolation from the border does not), and the fill is
    scikit-image's."""
    from skimage.restoration import inpaint_biharmonic
    yy, xx = torch.meshgrid(
        torch.arange(32.), torch.arange(32.), indexing='ij')
    ramp = 20. + 0.1 * (xx - 4)**2 + 2. * yy  # 20 .. 145, Δ²(ramp) = 0
    gt = torch.stack([ramp, 255. - ramp, ramp.flip(1)])[None].round()
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., 9:23, 7:25] = 1
    img = gt * (1 - mask)
    hole = mask.bool().expand_as(gt)
    err = {
        kind: (_build(kind).fill(img, mask) - gt)[hole].abs().mean()
        for kind in ('BiharmonicInpaintor', 'TeleaInpaintor')
    }
    assert err['BiharmonicInpaintor'] < 1.
    assert err['BiharmonicInpaintor'] < 0.25 * err['TeleaInpaintor'], err
    out = _build('BiharmonicInpaintor').fill(img, mask)
    ref = inpaint_biharmonic(
        img[0].permute(1, 2, 0).numpy() / 255.,
        mask[0, 0].bool().numpy(),
        channel_axis=-1)
    ref = np.clip(np.round(ref * 255.), 0, 255)
    assert torch.equal(out[0].permute(1, 2, 0),
                       torch.from_numpy(ref).float())


def test_edge_cases_and_bad_input():
    model = _build('PatchMatchInpaintor')
    img = torch.rand(2, 3, 8, 8) * 255
    mask = torch.zeros(2, 1, 8, 8)
    mask[0] = 1  # all hole: mid-grey; sample 1: no hole, unchanged
    out = model.fill(img, mask)
    assert torch.all(out[0] == 127.5)
    assert torch.equal(out[1], img[1])
    with pytest.raises(ValueError, match='does not match'):
        model.fill(img, mask[:, :, :4])
    with pytest.raises(ValueError, match=r'\(n, 3, h, w\)'):
        model.fill(img[:, :1], mask)
    with pytest.raises(ValueError, match='patch_size'):
        _build('PatchMatchInpaintor', patch_size=0)
    with pytest.raises(ValueError, match='radius'):
        _build('TeleaInpaintor', radius=0)


@pytest.mark.parametrize(
    'kind', ['TeleaInpaintor', 'PatchMatchInpaintor', 'BiharmonicInpaintor'])
def test_batch_in_threads_equals_one_by_one(kind, monkeypatch):
    model = _build(kind)
    assert model.thread_safe
    rng = np.random.default_rng(0)
    img = torch.from_numpy(rng.integers(0, 256, (6, 3, 24, 24))).float()
    mask = torch.zeros(6, 1, 24, 24)
    for i in range(6):
        y, x = rng.integers(2, 12, 2)
        mask[i, :, y:y + 9, x:x + 10] = 1
    mask[4] = 1  # all hole and no hole keep their places in the batch
    mask[5] = 0
    img = img * (1 - mask)
    calls = []  # in the main thread or not
    fill_one = model.inpaint_image
    monkeypatch.setattr(
        model, 'inpaint_image', lambda *a: calls.append(
            threading.current_thread() is threading.main_thread()) or
        fill_one(*a))
    with _threads(2):
        batch = model.fill(img, mask)
    # the all-hole and no-hole images skip it; the others ran in workers
    assert calls == [False] * 4
    calls.clear()
    for i in range(6):
        with _threads(1):
            alone = model.fill(img[i:i + 1], mask[i:i + 1])
        assert torch.equal(batch[i:i + 1], alone), i
    assert calls == [True] * 4  # one thread: no pool

# Copyright (c) OpenMMLab. All rights reserved.
"""inpaint() on real photos: any size, formats, masks, bad inputs."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from skimage import data

from mmedit_tmad.apis import (InpaintResult, crop_windows, draw_mask,
                              init_model, inpaint)
from mmedit_tmad.apis.inpainting import _pad, size_unit

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
COARSE_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_coarse_test.py')
K = 16  # k_p of the test model


@pytest.fixture(scope='module')
def model():
    """The tiny T-MAD model in phase 2 (untrained: mechanics only)."""
    return init_model(
        TEST_CFG, cfg_options={'model.train_cfg.coarse_iters': 0})


@pytest.fixture(scope='module')
def photo():
    """A real photo, BGR uint8, cut to the odd size 301x257."""
    return np.ascontiguousarray(data.astronaut()[:301, 120:377, ::-1])


@pytest.fixture(scope='module')
def crop(photo):
    """A smaller odd-sized crop (97x133) for the format tests."""
    return np.ascontiguousarray(photo[150:247, 60:193])


def _box_mask(shape, box=(40, 30, 50, 40)):
    return draw_mask(shape, boxes=[box])


def _crop_steps(model, img, hole, window_size):
    """The steps of the windowed path with a 16-pixel margin."""
    return inpaint(
        model,
        img,
        hole,
        return_steps=True,
        strategy='crop',
        crop_margin=16,
        window_size=window_size)


def _check_composite(result, image, hole):
    """Valid pixels bit-exact, the hole filled by the model."""
    assert result.dtype == np.uint8 and result.shape == image.shape
    assert np.array_equal(result[~hole], image[~hole])
    assert (result[hole] != image[hole]).any()


def test_odd_size_keeps_valid_pixels_and_memory_in_the_photo(model, photo):
    hole = _box_mask(photo.shape)
    steps = inpaint(model, photo, hole, return_steps=True)
    assert isinstance(steps, InpaintResult)
    _check_composite(steps.result, photo, hole)
    assert steps.padding == (3, 15)  # to 304x272, multiples of k_p = 16
    assert np.array_equal(steps.coarse[~hole], photo[~hole])
    # every hole cell holds a hole pixel, every hole pixel is in a cell
    covered = np.zeros_like(hole)
    for y, x in steps.hole_cells:
        assert hole[y:y + K, x:x + K].any()
        covered[y:y + K, x:x + K] = True
    assert covered[hole].all()
    # memory windows (and so the retrieved ones) lie inside the photo
    for pos in (steps.memory_positions, steps.retrieved.reshape(-1, 2)):
        assert (pos[:, 0] + K <= 301).all() and (pos[:, 1] + K <= 257).all()
    assert steps.retrieved.shape == (len(steps.hole_cells), 2, 2)
    # the array call returns the same image as the steps call
    assert np.array_equal(inpaint(model, photo, hole), steps.result)


def test_padding_is_kept_out_of_the_memory(model, photo):
    """40x40 photo padded to 48x48: 15 clean photo windows, N_pool = 12.

    Without ``exclude`` the model takes clean-looking padding windows into
    its memory; through the API it never does.
    """
    small = np.ascontiguousarray(photo[100:140, 100:140])
    hole = np.zeros((40, 40), bool)
    hole[:6, :6] = True
    steps = inpaint(model, small, hole, return_steps=True)
    pos = steps.memory_positions
    assert len(pos) == 12 and (pos + K <= 40).all()
    assert steps.num_valid_memory == 15
    # control: the same padded input without exclude
    img_p, hole_p, _ = _pad(small, hole, size_unit(model))
    x = torch.from_numpy(img_p).permute(2, 0, 1)[None].float() / 127.5 - 1
    m = torch.from_numpy(hole_p)[None, None].float()
    with torch.no_grad():
        out = model.inpaint(x * (1 - m), m)
    assert (out['memory']['positions'][0] + K > 40).any()


def test_photo_smaller_than_a_patch(model, photo):
    """5x7 pixels, padded to 16x16: defined, with a warning."""
    tiny = np.ascontiguousarray(photo[:5, :7])
    hole = np.zeros((5, 7), bool)
    hole[1:3, 2:4] = True
    with pytest.warns(UserWarning, match='0 memory windows'):
        steps = inpaint(model, tiny, hole, return_steps=True)
    _check_composite(steps.result, tiny, hole)
    assert steps.padding == (11, 9) and steps.hole_cells.tolist() == [[0, 0]]


def test_high_resolution_512x768(model):
    """Paper Sec.IV-C: a 512x768 photo (astronaut and its left half)."""
    img = data.astronaut()[:, :, ::-1]
    big = np.ascontiguousarray(np.concatenate([img, img[:, :256]], axis=1))
    hole = draw_mask(
        big.shape, boxes=[(600, 300, 80, 60)], strokes=[[(50, 50),
                                                         (200, 120)]])
    result = inpaint(model, big, hole)
    assert big.shape == (512, 768, 3)
    _check_composite(result, big, hole)


def test_grayscale_and_rgba(model, crop):
    hole = _box_mask(crop.shape)
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    colour = inpaint(model, np.repeat(gray[..., None], 3, axis=2), hole)
    expect = cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
    for g in (gray, gray[..., None]):
        out = inpaint(model, g, hole)
        _check_composite(out, g, hole)
        assert np.array_equal(out.reshape(gray.shape), expect)
    # RGBA: colour inpainted as without alpha, alpha returned unchanged
    alpha = np.linspace(0, 255, crop.size // 3).reshape(crop.shape[:2])
    rgba = np.dstack([crop, alpha.astype(np.uint8)])
    out = inpaint(model, rgba, hole)
    assert out.shape == rgba.shape
    assert np.array_equal(out[..., 3], rgba[..., 3])
    assert np.array_equal(out[..., :3], inpaint(model, crop, hole))


def test_channel_order_paths_and_arrays(model, crop, tmp_path):
    hole = _box_mask(crop.shape)
    bgr = inpaint(model, crop, hole)
    rgb = inpaint(model, crop[..., ::-1].copy(), hole, channel_order='rgb')
    assert np.array_equal(rgb, bgr[..., ::-1])
    path = str(tmp_path / 'photo.png')
    cv2.imwrite(path, crop)
    cv2.imwrite(str(tmp_path / 'mask.png'), hole.astype(np.uint8) * 255)
    assert np.array_equal(inpaint(model, path, hole), bgr)
    assert np.array_equal(
        inpaint(model, path, str(tmp_path / 'mask.png'), channel_order='rgb'),
        rgb)
    # an int64 array on the 0-255 scale is the same image
    assert np.array_equal(inpaint(model, crop.astype(np.int64), hole), bgr)
    # a 16-bit file is read at 8 bits (its high byte), as in training;
    # the same values in an array are refused (0-255 scale)
    path16 = str(tmp_path / 'photo16.png')
    cv2.imwrite(path16, crop.astype(np.uint16) * 256 + 255)
    assert np.array_equal(inpaint(model, path16, hole), bgr)
    with pytest.raises(ValueError, match='16-bit'):
        inpaint(model, cv2.imread(path16, cv2.IMREAD_UNCHANGED), hole)


def test_mask_kinds_give_the_same_result(model, crop):
    hole = _box_mask(crop.shape)
    ref = inpaint(model, crop, hole)
    u8 = hole.astype(np.uint8)
    soft = u8 * np.uint8(37)  # non-binary: > 0 is a hole
    for m in (u8, u8 * 255, soft, u8[..., None], np.dstack([soft] * 3),
              hole.astype(np.float32)):
        assert np.array_equal(inpaint(model, crop, m), ref)


@pytest.mark.parametrize(
    'img, mask, err, match',
    [
        ('photo', 'small', ValueError, 'differ in size'),
        ('nan', 'ok', ValueError, 'NaN'),
        ('ok', 'nan', ValueError, 'NaN'),
        ('two_channels', 'ok', ValueError, 'shape'),
        ('bool', 'ok', TypeError, 'swapped'),
        ('too_bright', 'ok', ValueError, '0-255'),
        ('uint16', 'ok', ValueError, '16-bit'),
        ('empty', 'ok', ValueError, 'empty'),
        ('missing', 'ok', FileNotFoundError, 'not found'),
        ('ok', 'missing', FileNotFoundError, 'not found'),
        ('ok', 'rgba_mask', ValueError, 'shape'),
        ('ok', 'list', TypeError, 'numpy array'),
    ])
def test_bad_inputs_raise_clear_errors(model, photo, img, mask, err, match):
    small = np.ascontiguousarray(photo[:40, :40])
    hole = np.zeros((40, 40), bool)
    hole[10:20, 10:20] = True
    nan = small.astype(np.float32)
    nan[0, 0, 0] = np.nan
    nan_mask = hole.astype(np.float32)
    nan_mask[5, 5] = np.nan
    images = dict(
        ok=small,
        photo=small,
        nan=nan,
        two_channels=small[..., :2],
        bool=hole,
        too_bright=small.astype(np.float32) * 2,
        uint16=small.astype(np.uint16) * 257,
        empty=small[:0],
        missing='/nonexistent/photo.png')
    masks = dict(
        ok=hole,
        small=hole[:30],
        nan=nan_mask,
        missing='/nonexistent/mask.png',
        rgba_mask=np.dstack([hole] * 4),
        list=hole.tolist())
    with pytest.raises(err, match=match):
        inpaint(model, images[img], masks[mask])


@pytest.mark.parametrize('kind',
                         ['truncated_jpg', 'truncated_png', 'empty', 'text'])
def test_undecodable_image_file_is_named(model, crop, tmp_path, kind):
    """No grey half of a truncated JPEG inpainted, no OpenCV assertion."""
    jpg = cv2.imencode('.jpg', crop)[1].tobytes()
    png = cv2.imencode('.png', crop)[1].tobytes()
    content = dict(
        truncated_jpg=jpg[:len(jpg) // 2],
        truncated_png=png[:len(png) * 2 // 3],
        empty=b'',
        text=b'not an image')[kind]
    path = tmp_path / f'{kind}.{"jpg" if kind.endswith("jpg") else "png"}'
    path.write_bytes(content)
    with pytest.raises(
            ValueError,
            match=f'cannot decode image file {path} '
            rf'\({len(content)} bytes\)'):
        inpaint(model, str(path), _box_mask(crop.shape))


def test_bad_channel_order_and_unit(model, crop):
    hole = _box_mask(crop.shape)
    with pytest.raises(ValueError, match='channel_order'):
        inpaint(model, crop, hole, channel_order='RGBX')
    with pytest.raises(ValueError, match='size_divisor'):
        inpaint(model, crop, hole, size_divisor=0)


def test_float_0_1_image_warns(model, crop):
    hole = _box_mask(crop.shape)
    with pytest.warns(UserWarning, match='0-255 scale'):
        inpaint(model, crop.astype(np.float32) / 255, hole)


def test_empty_mask_returns_the_input(model, crop):
    hole = np.zeros(crop.shape[:2], bool)
    with pytest.warns(UserWarning, match='no hole'):
        steps = inpaint(model, crop, hole, return_steps=True)
    assert np.array_equal(steps.result, crop)
    assert steps.result is not crop
    assert steps.coarse is None and steps.hole_cells is None


def test_all_hole_mask_is_defined(model, photo):
    small = np.ascontiguousarray(photo[:50, :70])
    hole = np.ones(small.shape[:2], bool)
    with pytest.warns(UserWarning, match='whole image'):
        steps = inpaint(model, small, hole, return_steps=True)
    assert steps.result.shape == small.shape
    assert steps.num_valid_memory == 0
    assert len(steps.hole_cells) == 4 * 5  # every cell of the 64x80 grid


def test_mask_of_mostly_hole_asks_if_it_is_inverted(model, crop, recwarn):
    """An object marked black on white: a warning, the fill as asked."""
    keep = _box_mask(crop.shape)  # the object, meant as the hole
    assert 0 < keep.mean() < 0.25
    with pytest.warns(UserWarning, match=r'marks \d+% of the image as hole'
                      r' .*: is it inverted'):
        out = inpaint(model, crop, ~keep)
    assert np.array_equal(out[keep], crop[keep])
    recwarn.clear()
    inpaint(model, crop, keep)
    assert not [w for w in recwarn if 'inverted' in str(w.message)]
    half = np.zeros(crop.shape[:2], bool)
    half[:, :crop.shape[1] * 7 // 10] = True  # 70%: a large hole, no doubt
    inpaint(model, crop, half)
    assert not [w for w in recwarn if 'inverted' in str(w.message)]


def test_phase1_and_coarse_only_models(photo):
    hole = _box_mask(photo.shape)
    # T-MAD still in phase 1 (cur_iter 0 < coarse_iters 2): coarse result
    phase1 = init_model(TEST_CFG)
    steps = inpaint(phase1, photo, hole, return_steps=True)
    _check_composite(steps.result, photo, hole)
    assert steps.hole_cells is None
    assert np.array_equal(steps.result, steps.coarse)
    # mmagic's OneStageInpaintor + TMADCoarseNet, through model(predict)
    coarse = init_model(COARSE_CFG)
    assert type(coarse).__name__ == 'OneStageInpaintor'
    assert size_unit(coarse) == coarse.generator.size_divisor
    steps = inpaint(coarse, photo, hole, return_steps=True)
    _check_composite(steps.result, photo, hole)
    assert steps.coarse is None and steps.hole_cells is None


def test_other_mmagic_inpaintor(crop):
    """mmagic's DeepFillv2 (TwoStageInpaintor): its own prediction."""
    cfg = osp.join(ROOT, 'configs', 'deepfillv2',
                   'deepfillv2_1xb4_embedded-128x128.py')
    model = init_model(cfg)
    assert type(model).__name__ == 'TwoStageInpaintor'
    hole = _box_mask(crop.shape)
    steps = inpaint(model, crop, hole, return_steps=True)
    _check_composite(steps.result, crop, hole)
    assert steps.padding == (7, 3)  # 97x133 -> 104x136, multiples of 8
    assert steps.coarse is None and steps.hole_cells is None


# ----------------------------------------------------------------------
# big photos: windows around the holes (strategy 'crop')
# ----------------------------------------------------------------------
@pytest.fixture
def spy(model, monkeypatch):
    """Records the (h, w) of every input ``model.inpaint`` runs on."""
    shapes = []
    run = model.inpaint

    def recording(inputs, mask, **kwargs):
        shapes.append(tuple(inputs.shape[-2:]))
        return run(inputs, mask, **kwargs)

    monkeypatch.setattr(model, 'inpaint', recording)
    return shapes


def _check_cells(steps, hole):
    """Cells on the photo's k_p grid; every hole pixel of a window at
    scale 1 in a cell; memory windows inside the photo and their window."""
    h, w = hole.shape
    covered = np.zeros_like(hole)
    for y, x in steps.hole_cells:
        assert y % K == 0 and x % K == 0 and hole[y:y + K, x:x + K].any()
        covered[y:y + K, x:x + K] = True
    full = np.zeros_like(hole)
    for win in steps.windows:
        if win.scale == 1:
            y0, x0, y1, x1 = win.box
            full[y0:y1, x0:x1] = True
    assert covered[hole & full].all() and not covered[hole & ~full].any()
    boxes = [win.box for win in steps.windows if win.scale == 1]
    for pos in (steps.memory_positions, steps.retrieved.reshape(-1, 2)):
        assert (pos[:, 0] + K <= h).all() and (pos[:, 1] + K <= w).all()
        assert all(
            any(y0 <= y and y + K <= y1 and x0 <= x and x + K <= x1
                for y0, x0, y1, x1 in boxes) for y, x in pos)


def test_crop_windows_follow_the_holes():
    hole = np.zeros((200, 300), bool)
    hole[20:30, 20:40] = True  # top left
    hole[150:170, 250:280] = True  # far away: a window of its own
    assert crop_windows(hole, 16, 16) == [(0, 0, 48, 64),
                                          (128, 224, 192, 300)]
    # a hole in the middle gets the margin on every side (2m + 1 blocks)
    mid = np.zeros((200, 300), bool)
    mid[100:104, 150:152] = True
    assert crop_windows(mid, 16, 16) == [(80, 128, 128, 176)]
    # a hole at the corner as much context, shifted into the photo
    corner = np.zeros((200, 300), bool)
    corner[-3:, -2:] = True
    assert crop_windows(corner, 16, 16) == [(160, 256, 200, 300)]
    # holes close together share one window; margin 0: the hole's blocks
    # (8-connected: blocks touching at a corner are one window)
    hole[40:50, 60:70] = True
    assert crop_windows(hole, 16, 16)[0] == (0, 0, 80, 96)
    assert crop_windows(hole, 0, 16) == [(16, 16, 64, 80),
                                         (144, 240, 176, 288)]
    hole[40:50, 60:70] = False
    hole[60:70, 80:90] = True
    assert crop_windows(hole, 0, 16) == [(16, 16, 32, 48), (48, 80, 80, 96),
                                         (144, 240, 176, 288)]
    # every hole pixel in exactly one window
    rng = np.random.default_rng(0)
    noise = rng.random((200, 300)) > 0.999
    for margin in (0, 16, 40, 500):
        count = np.zeros((200, 300), int)
        for y0, x0, y1, x1 in crop_windows(noise, margin, 16):
            assert y0 % 16 == 0 and x0 % 16 == 0
            count[y0:y1, x0:x1] += 1
        assert (count[noise] == 1).all() and count.max() == 1
    assert crop_windows(noise, 500, 16) == [(0, 0, 200, 300)]


def test_big_photo_is_inpainted_in_windows(model, photo, spy):
    """Above ``crop_trigger_size`` ('auto'), two far-apart holes: two
    windows, each smaller than the photo; the photo's bytes outside the
    hole; retrieval in photo coordinates."""
    hole = draw_mask(
        photo.shape, boxes=[(20, 30, 30, 20)], strokes=[[(180, 230),
                                                         (230, 280)]])
    steps = inpaint(
        model,
        photo,
        hole,
        return_steps=True,
        crop_margin=32,
        crop_trigger_size=256)
    assert steps.strategy == 'crop' and steps.padding == (0, 0)
    _check_composite(steps.result, photo, hole)
    assert np.array_equal(steps.coarse[~hole], photo[~hole])
    assert [w.box for w in steps.windows] == [(0, 0, 96, 96),
                                              (176, 128, 301, 257)]
    assert [w.scale for w in steps.windows] == [1, 1]
    # the window at the border is padded: 125x129 -> 128x144
    assert spy == [(96, 96), (128, 144)]
    assert steps.windows[1].padding == (3, 15)
    assert len(steps.memory_positions) == 2 * 12
    _check_cells(steps, hole)
    # the array call returns the same image as the steps call
    assert np.array_equal(
        inpaint(
            model, photo, hole, crop_margin=32, crop_trigger_size=256),
        steps.result)


def test_whole_strategy_and_small_photos_keep_the_whole_path(
        model, photo, spy):
    hole = _box_mask(photo.shape)
    ref = inpaint(model, photo, hole, return_steps=True)  # 'auto', small
    assert ref.strategy == 'whole' and spy == [(304, 272)]
    whole = inpaint(
        model,
        photo,
        hole,
        return_steps=True,
        strategy='whole',
        crop_trigger_size=0)
    assert whole.strategy == 'whole' and spy[-1] == (304, 272)
    assert [(w.box, w.scale) for w in whole.windows] == [((0, 0, 301, 257),
                                                          1)]
    for name in ('result', 'coarse', 'hole_cells', 'retrieved',
                 'memory_positions'):
        assert np.array_equal(getattr(whole, name), getattr(ref, name))
    # a window as large as the photo: 'crop' is the whole path
    crop = inpaint(
        model, photo, hole, return_steps=True, strategy='crop',
        crop_margin=400)
    assert crop.windows[0].box == (0, 0, 301, 257)
    assert np.array_equal(crop.result, ref.result)
    assert np.array_equal(crop.memory_positions, ref.memory_positions)


def test_large_hole_window_is_downscaled(model, photo, spy):
    """A window above ``window_size`` runs downscaled; the other one at
    full resolution keeps its retrieval."""
    hole = np.zeros(photo.shape[:2], bool)
    hole[60:200, 40:180] = True  # 140x140: window 192x192 -> 96x96
    hole[280:290, 230:250] = True  # small, at the bottom-right border
    steps = _crop_steps(model, photo, hole, 96)
    _check_composite(steps.result, photo, hole)
    assert np.array_equal(steps.coarse[~hole], photo[~hole])
    big, small = steps.windows
    assert big.box == (32, 16, 224, 208) and big.scale == 0.5
    assert big.input_shape == (96, 96) and small.scale == 1
    assert spy == [(96, 96), small.input_shape]
    assert max(max(s) for s in spy) <= 96
    # retrieval of the full-resolution window only
    _check_cells(steps, hole)
    assert len(steps.memory_positions) == 12
    assert (steps.hole_cells[:, 0] >= 272).all()
    # only downscaled windows: no retrieval to report
    only_big = hole.copy()
    only_big[280:] = False
    steps = _crop_steps(model, photo, only_big, 96)
    _check_composite(steps.result, photo, only_big)
    assert steps.hole_cells is None and steps.memory_positions is None
    assert steps.coarse is not None


def test_crop_holes_at_borders_and_whole_photo_mask(model, photo, spy):
    hole = np.zeros(photo.shape[:2], bool)
    hole[:5, :] = True  # the top row of the photo
    hole[100:150, -3:] = True  # the right border
    hole[-1, -1] = True  # the last pixel
    steps = _crop_steps(model, photo, hole, 160)
    _check_composite(steps.result, photo, hole)
    for win in steps.windows:
        y0, x0, y1, x1 = win.box
        assert 0 <= y0 < y1 <= 301 and 0 <= x0 < x1 <= 257
    # the whole photo a hole: one window, the photo downscaled
    small = np.ascontiguousarray(photo[:100, :130])
    full = np.ones(small.shape[:2], bool)
    spy.clear()
    with pytest.warns(UserWarning, match='whole image'):
        steps = inpaint(
            model,
            small,
            full,
            return_steps=True,
            strategy='crop',
            window_size=64)
    assert steps.result.shape == small.shape
    assert steps.windows[0].box == (0, 0, 100, 130)
    assert spy == [(64, 64)]  # 49x64, padded


def test_crop_of_a_photo_smaller_than_a_window(model, photo):
    tiny = np.ascontiguousarray(photo[:5, :7])
    hole = np.zeros((5, 7), bool)
    hole[1:3, 2:4] = True
    with pytest.warns(UserWarning, match='0 memory windows'):
        steps = inpaint(model, tiny, hole, return_steps=True,
                        strategy='crop')
    assert steps.windows[0].box == (0, 0, 5, 7)
    assert steps.windows[0].padding == (11, 9)
    _check_composite(steps.result, tiny, hole)
    with pytest.warns(UserWarning, match='no hole'):
        steps = inpaint(
            model, tiny, np.zeros((5, 7), bool), return_steps=True,
            strategy='crop')
    assert np.array_equal(steps.result, tiny) and steps.windows == []


def test_crop_keeps_padding_out_of_the_memory(model, photo):
    """A window at the odd-sized border is padded; its memory windows
    stay in the photo, as with the whole photo."""
    hole = np.zeros(photo.shape[:2], bool)
    hole[290:, 245:] = True  # the bottom-right corner
    steps = inpaint(
        model, photo, hole, return_steps=True, strategy='crop',
        crop_margin=24)
    (win, ) = steps.windows
    # widened to 5 blocks (2m + 1) inside the photo: 77x65 -> 80x80
    assert win.box == (224, 192, 301, 257) and win.padding == (3, 15)
    pos = steps.memory_positions
    assert (pos[:, 0] >= 224).all() and (pos[:, 1] >= 192).all()
    assert (pos[:, 0] + K <= 301).all() and (pos[:, 1] + K <= 257).all()


def test_crop_grayscale_and_rgba(model, photo):
    hole = _box_mask(photo.shape)
    kw = dict(strategy='crop', crop_margin=16, window_size=64)
    gray = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
    colour = inpaint(model, np.repeat(gray[..., None], 3, axis=2), hole, **kw)
    out = inpaint(model, gray[..., None], hole, **kw)
    _check_composite(out, gray[..., None], hole)
    assert np.array_equal(out[..., 0], cv2.cvtColor(colour,
                                                    cv2.COLOR_BGR2GRAY))
    alpha = np.full(photo.shape[:2], 7, np.uint8)
    rgba = np.dstack([photo[..., ::-1], alpha])
    out = inpaint(model, rgba, hole, channel_order='rgb', **kw)
    assert np.array_equal(out[..., 3], alpha)
    assert np.array_equal(out[..., 2::-1], inpaint(model, photo, hole, **kw))


def _low(img, sigma):
    return cv2.GaussianBlur(img.astype(np.float32), (0, 0), sigma)


def test_upscale_detail_adds_grain_and_keeps_the_fill(model, photo,
                                                      monkeypatch):
    """A downscaled window's upscaled fill gets PatchMatch's high
    frequencies; its low frequencies, the valid pixels and the windows at
    full resolution stay."""
    hole = np.zeros(photo.shape[:2], bool)
    hole[60:200, 40:180] = True  # window 192x192 -> 96x96, scale 0.5
    hole[280:290, 230:250] = True  # a full-resolution window
    kw = dict(return_steps=True, strategy='crop', crop_margin=16,
              window_size=96)
    plain = inpaint(model, photo, hole, upscale_detail='none', **kw)
    auto = inpaint(model, photo, hole, **kw)  # no synthesis: none
    steps = inpaint(model, photo, hole, upscale_detail='patchmatch', **kw)
    assert np.array_equal(auto.result, plain.result)
    assert [w.detail for w in plain.windows] == [False, False]
    assert [w.detail for w in steps.windows] == [True, False]
    _check_composite(steps.result, photo, hole)
    small = np.zeros_like(hole)
    small[272:] = True
    assert np.array_equal(steps.result[small], plain.result[small])
    big = hole & ~small
    # grain: the hole's horizontal gradients, more with the detail, not
    # beyond the photo's own
    tv = {n: np.abs(np.diff(r.result.astype(float), axis=1))[big[:, 1:]]
          .mean() for n, r in (('plain', plain), ('detail', steps))}
    tv['photo'] = np.abs(np.diff(photo.astype(float), axis=1))[
        big[:, 1:]].mean()
    assert tv['plain'] < 0.8 * tv['detail']
    assert tv['detail'] < 1.2 * tv['photo']
    # structure: the low frequencies (sigma 2 / scale) move much less
    change = np.abs(steps.result[big].astype(float) -
                    plain.result[big]).mean()
    low_change = np.abs(_low(steps.result, 4.) - _low(plain.result, 4.))[
        big].mean()
    assert low_change < 0.5 * change
    # deterministic
    again = inpaint(model, photo, hole, upscale_detail='patchmatch', **kw)
    assert np.array_equal(again.result, steps.result)
    # a window above DETAIL_MAX_PIXELS: PatchMatch runs downscaled
    monkeypatch.setattr('mmedit_tmad.apis.inpainting.DETAIL_MAX_PIXELS',
                        96 * 96)
    capped = inpaint(model, photo, hole, upscale_detail='patchmatch', **kw)
    _check_composite(capped.result, photo, hole)
    assert not np.array_equal(capped.result, steps.result)
    assert not np.array_equal(capped.result, plain.result)
    # so small that PatchMatch would see a hole only: the plain fill
    monkeypatch.setattr('mmedit_tmad.apis.inpainting.DETAIL_MAX_PIXELS', 1)
    none = inpaint(model, photo, hole, upscale_detail='patchmatch', **kw)
    assert np.array_equal(none.result, plain.result)
    assert [w.detail for w in none.windows] == [False, False]


@pytest.fixture(scope='module')
def synth():
    """The tiny T-MAD in phase 2 with a test-time texture synthesis (the
    shipped model's last step)."""
    return init_model(
        TEST_CFG,
        cfg_options={
            'model.train_cfg.coarse_iters': 0,
            'model.texture_synthesis': dict(
                type='TMADTextureSynthesis', iters=1)
        })


def test_upscale_detail_auto_follows_the_texture_synthesis(photo, synth):
    """'auto' adds detail for a model with a test-time texture synthesis,
    not with ``use_photo=False``; a window that is all hole has nothing to
    copy and keeps its fill."""
    hole = np.zeros(photo.shape[:2], bool)
    hole[60:200, 40:180] = True
    kw = dict(strategy='crop', crop_margin=16, window_size=96)
    assert np.array_equal(
        inpaint(synth, photo, hole, **kw),
        inpaint(synth, photo, hole, upscale_detail='patchmatch', **kw))
    assert not np.array_equal(
        inpaint(synth, photo, hole, **kw),
        inpaint(synth, photo, hole, upscale_detail='none', **kw))
    # from the references alone: not the photo's detail, unless asked
    ref = dict(reference=np.ascontiguousarray(photo[200:, 100:]),
               use_photo=False)
    alone = inpaint(synth, photo, hole, return_steps=True, **ref, **kw)
    assert [w.detail for w in alone.windows] == [False]
    assert np.array_equal(
        alone.result,
        inpaint(synth, photo, hole, upscale_detail='none', **ref, **kw))
    assert not np.array_equal(
        alone.result,
        inpaint(synth, photo, hole, upscale_detail='patchmatch', **ref,
                **kw))
    small = np.ascontiguousarray(photo[:100, :130])
    with pytest.warns(UserWarning, match='whole image'):
        steps = inpaint(synth, small, np.ones(small.shape[:2], bool),
                        return_steps=True, strategy='crop', window_size=64)
    assert steps.windows[0].scale < 1 and not steps.windows[0].detail


@pytest.mark.parametrize('kwargs, match', [
    (dict(strategy='tiles'), 'strategy must be one of'),
    (dict(upscale_detail='sharp'), 'upscale_detail must be one of'),
    (dict(crop_margin=-1), 'crop_margin must be >= 0'),
    (dict(window_size=8), 'window_size must be >= the size unit 16'),
    (dict(crop_trigger_size=-5), 'crop_trigger_size must be >= 0'),
    (dict(window_size=256.5), 'window_size must be an integer'),
])
def test_bad_window_arguments(model, crop, kwargs, match):
    with pytest.raises(ValueError, match=match):
        inpaint(model, crop, _box_mask(crop.shape), **kwargs)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu(model, photo):
    hole = _box_mask(photo.shape)
    cpu = inpaint(model, photo, hole).astype(int)
    gpu_model = init_model(
        TEST_CFG,
        device='cuda',
        cfg_options={'model.train_cfg.coarse_iters': 0})
    gpu = inpaint(gpu_model, photo, hole).astype(int)
    assert np.abs(gpu - cpu).max() <= 2


@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
def test_runs_at_the_model_precision(crop, precision, monkeypatch):
    """The networks run under the model's ``infer_precision``; the result
    keeps every valid byte in either."""
    monkeypatch.delenv('MMEDIT_TMAD_PRECISION', raising=False)
    model = init_model(
        TEST_CFG,
        cfg_options={'model.train_cfg.coarse_iters': 0},
        precision=precision)
    seen = []
    run = model.inpaint

    def spy(*args, **kwargs):
        seen.append(torch.is_autocast_enabled('cpu'))
        return run(*args, **kwargs)

    monkeypatch.setattr(model, 'inpaint', spy)
    hole = _box_mask(crop.shape[:2])
    result = inpaint(model, crop, hole)
    assert seen == [precision == 'bf16']
    _check_composite(result, crop, hole)


# ----------------------------------------------------------------------
# reference fill: the texture memory drawn from other images
# ----------------------------------------------------------------------
@pytest.fixture(scope='module')
def reference():
    """Another real photo (a texture: the brick wall), any size: 70x93."""
    return np.repeat(data.brick()[:70, :93, None], 3, axis=2)


def _check_reference_steps(steps, refs, hole, use_photo=True):
    """Positions inside their source; sources of the retrieved windows."""
    h, w = hole.shape
    assert len(steps.references) == len(refs)
    assert steps.memory_sources.shape == (len(steps.memory_positions), )
    assert steps.retrieved_sources.shape == steps.retrieved.shape[:2]
    sizes = [(h, w)] + [r.shape[:2] for r in refs]
    for pos, src in ((steps.memory_positions, steps.memory_sources),
                     (steps.retrieved.reshape(-1, 2),
                      steps.retrieved_sources.ravel())):
        bound = np.array([sizes[j] for j in src])
        assert (pos >= 0).all() and (pos + K <= bound).all()
    assert set(steps.memory_sources) >= set(range(1, len(refs) + 1))
    assert (0 in steps.memory_sources) == use_photo


def test_reference_joins_the_memory(model, photo, reference):
    hole = _box_mask(photo.shape)
    big_pool = init_model(
        TEST_CFG,
        cfg_options={
            'model.train_cfg.coarse_iters': 0,
            'model.texture_memory.num_pool': 400
        })
    refs = [reference, reference[:40, :60]]
    steps = inpaint(big_pool, photo, hole, return_steps=True, reference=refs)
    _check_composite(steps.result, photo, hole)
    _check_reference_steps(steps, refs, hole)
    # the same rules over all sources: each in proportion to its clean
    # windows (photo ~1100, references 70 and 24)
    counts = np.bincount(steps.memory_sources, minlength=3)
    assert counts[0] > counts[1] > counts[2] > 0
    # references alone
    alone = inpaint(model, photo, hole, return_steps=True,
                    reference=reference, use_photo=False)
    _check_composite(alone.result, photo, hole)
    _check_reference_steps(alone, [reference], hole, use_photo=False)
    assert (alone.retrieved_sources == 1).all()
    # a reference changes what fills the hole, nothing else
    plain = inpaint(model, photo, hole)
    assert not np.array_equal(alone.result, plain)
    assert np.array_equal(alone.result[~hole], plain[~hole])


def test_reference_feeds_the_texture_synthesis(crop, synth):
    """A model with a texture synthesis (the shipped one's last step) draws
    its source patches from the references too, from them alone with
    ``use_photo=False``."""
    hole = _box_mask(crop.shape, (30, 20, 40, 30))
    grey = np.full((40, 50, 3), 77, np.uint8)
    out = inpaint(synth, crop, hole, reference=grey, use_photo=False)
    _check_composite(out, crop, hole)
    assert (out[hole] == 77).all()
    # with the photo: a white reference matches none of the photo's
    # patches, so the output is the one without it
    assert np.array_equal(
        inpaint(synth, crop, hole, reference=np.full_like(grey, 255)),
        inpaint(synth, crop, hole))


def test_reference_formats(model, crop, reference, tmp_path):
    """Grayscale, (h, w, 1), RGBA, float arrays and files: as the photo."""
    hole = _box_mask(crop.shape)
    gray = reference[..., 0]

    def run(ref, **kwargs):
        return inpaint(model, crop, hole, reference=ref, use_photo=False,
                       **kwargs)

    want = run(reference)
    assert np.array_equal(run(gray), want)
    assert np.array_equal(run(gray[..., None]), want)
    rgba = np.concatenate([reference, np.full_like(gray[..., None], 7)], 2)
    assert np.array_equal(run(rgba), want)
    assert np.array_equal(run(reference.astype(np.float32)), want)
    path = str(tmp_path / 'ref.png')
    cv2.imwrite(path, gray)
    assert np.array_equal(run(path), want)
    cv2.imwrite(path, gray.astype(np.uint16) * 257)  # 16-bit: high byte
    assert np.array_equal(run(path), want)
    # the channel order applies to references too
    colour = np.ascontiguousarray(crop[::-1, ::-1])
    bgr = run(colour, return_steps=True)
    rgb = inpaint(model, crop[..., ::-1], hole, reference=colour[..., ::-1],
                  use_photo=False, channel_order='rgb', return_steps=True)
    assert np.array_equal(rgb.result, bgr.result[..., ::-1])
    assert np.array_equal(rgb.references[0], colour[..., ::-1])


def test_reference_errors(model, crop, reference, tmp_path):
    hole = _box_mask(crop.shape)
    broken = str(tmp_path / 'broken.png')
    with open(broken, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n not an image')
    cases = [
        (str(tmp_path / 'missing.png'), FileNotFoundError, 'missing.png'),
        (broken, ValueError, 'broken.png'),
        (reference[:K - 1], ValueError,
         r'reference 1 \(array\) is 15x93: smaller than one memory window'),
        ([reference, reference[:, :5]], ValueError, 'reference 2'),
        (reference[..., :2], ValueError, r'reference 1 \(array\) has shape'),
        (reference > 0, TypeError, 'bool'),
        (5, TypeError, 'reference must be'),
        ([reference, 5], TypeError, 'reference 2 must be'),
    ]
    for ref, err, match in cases:
        with pytest.raises(err, match=match):
            inpaint(model, crop, hole, reference=ref)
    with pytest.raises(ValueError, match='give reference'):
        inpaint(model, crop, hole, use_photo=False)
    # the empty list is no reference
    assert np.array_equal(
        inpaint(model, crop, hole, reference=[]), inpaint(model, crop, hole))


def test_reference_needs_a_phase2_tmad(crop, reference):
    hole = _box_mask(crop.shape)
    phase1 = init_model(TEST_CFG)
    with pytest.raises(ValueError, match='phase 2.*phase 1'):
        inpaint(phase1, crop, hole, reference=reference)
    coarse_only = init_model(COARSE_CFG)
    with pytest.raises(ValueError, match='phase 2'):
        inpaint(coarse_only, crop, hole, reference=reference)


def test_reference_in_windows(model, photo, reference):
    """``strategy='crop'``: the photo's windows move to photo coordinates,
    the references' stay in theirs; a downscaled window scales them."""
    big = cv2.resize(photo, (514, 602))
    hole = draw_mask(big.shape, boxes=[(20, 30, 40, 30), (400, 500, 60, 60)])
    steps = inpaint(model, big, hole, return_steps=True, reference=reference,
                    strategy='crop', crop_margin=16, window_size=512)
    assert len(steps.windows) == 2
    _check_reference_steps(steps, [reference], hole)
    photo_pos = steps.memory_positions[steps.memory_sources == 0]
    assert photo_pos[:, 0].max() > 300  # the second window's, shifted
    _check_composite(steps.result, big, hole)
    # windows downscaled to 32 px: the references with them (the 70x93 one
    # stays above k_p = 16, the 40x40 one falls under it in the larger
    # window and is left out there)
    with pytest.warns(UserWarning, match='reference 2 is under one memory'):
        small = inpaint(model, big, hole, reference=[reference,
                                                     reference[:40, :40]],
                        strategy='crop', crop_margin=16, window_size=K * 2)
    _check_composite(small, big, hole)

# Copyright (c) OpenMMLab. All rights reserved.
"""Inpaint one photo of any size with a T-MAD (or any mmagic) inpaintor."""
import warnings
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmagic.datasets.transforms import GetMaskedImage, PackInputs
from mmengine.dataset import Compose

from mmedit_tmad.models.editors.tmad.tmad_inpaintor import TMADInpaintor
from mmedit_tmad.models.editors.tmad.tmad_texture_memory import gather_cells
from mmedit_tmad.utils.image_io import imread_checked
from .masks import MaskInput, read_mask

ImageInput = Union[str, np.ndarray]

# sides of the padded input for inpaintors that do not state theirs
# (DeepFill and AOT-GAN downsample by 4, contextual attention by 2 more)
DEFAULT_SIZE_DIVISOR = 8


@dataclass
class InpaintResult:
    """Result of :func:`inpaint` with ``return_steps=True``.

    Images are uint8 in the format of the input (shape and channel order,
    see :func:`inpaint`); positions are ``(y, x)`` top-left corners in
    pixels of the input image.

    Attributes:
        result (np.ndarray): The inpainted image.
        coarse (np.ndarray, optional): T-MAD's coarse result ``Î_s`` (the
            coarse network's output in the hole, the input elsewhere); None
            for other inpaintors and for an empty mask.
        mask (np.ndarray): (h, w) bool, the hole that was filled.
        hole_cells (np.ndarray, optional): (P, 2) the ``k_p x k_p`` grid
            cells that hold hole pixels (the patches ``p_s``), raster order.
            None when the model made no retrieval (phase 1, coarse-only or
            other inpaintors, empty mask).
        retrieved (np.ndarray, optional): (P, N_c, 2) the texture-memory
            windows retrieved for each hole cell, best ranked first.
        memory_positions (np.ndarray, optional): (N_pool, 2) every window
            of the texture memory ``T``.
        patch_size (int, optional): ``k_p``, the side of cells and windows.
        num_valid_memory (int, optional): Clean memory windows available
            (windows free of hole and padding pixels).
        padding (tuple[int, int]): Rows and columns added at the bottom and
            right to reach a size the networks take (cropped back).
    """
    result: np.ndarray
    coarse: Optional[np.ndarray]
    mask: np.ndarray
    hole_cells: Optional[np.ndarray] = None
    retrieved: Optional[np.ndarray] = None
    memory_positions: Optional[np.ndarray] = None
    patch_size: Optional[int] = None
    num_valid_memory: Optional[int] = None
    padding: Tuple[int, int] = (0, 0)


class _Format:
    """How the caller's image maps to the model's BGR input and back."""

    def __init__(self, image: np.ndarray, channel_order: str) -> None:
        self.image = image  # the caller's image, uint8
        self.channel_order = channel_order
        self.alpha = None
        if image.ndim == 2 or image.shape[2] == 1:
            gray = image.reshape(image.shape[:2])
            self.bgr = np.repeat(gray[..., None], 3, axis=2)
        else:
            color = image[..., :3]
            if image.shape[2] == 4:
                self.alpha = image[..., 3]
            self.bgr = color[..., ::-1] if channel_order == 'rgb' else color
        self.bgr = np.ascontiguousarray(self.bgr)

    def to_caller(self, bgr: np.ndarray, hole: np.ndarray) -> np.ndarray:
        """The model's BGR output, pasted into the hole of the input.

        Every pixel outside the hole (and the alpha channel) is the input's
        own byte.
        """
        if self.image.ndim == 2 or self.image.shape[2] == 1:
            fill = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
            fill = fill.reshape(self.image.shape)
        else:
            fill = bgr[..., ::-1] if self.channel_order == 'rgb' else bgr
        out = self.image.copy()
        if out.ndim == 3 and out.shape[2] == 4:
            out[..., :3][hole] = fill[hole]
        else:
            out[hole] = fill[hole]
        return out


def _read_image(img: ImageInput, channel_order: str) -> _Format:
    """Check the image and record its format (see :func:`inpaint`)."""
    if channel_order not in ('bgr', 'rgb'):
        raise ValueError(f"channel_order must be 'bgr' or 'rgb', got "
                         f'{channel_order!r}')
    if isinstance(img, str):
        arr = imread_checked(img, flag='unchanged')
        name = img
        if channel_order == 'rgb' and arr.ndim == 3 and arr.shape[2] >= 3:
            # files are BGR(A); hand them back in the asked order
            arr = np.concatenate([arr[..., 2::-1], arr[..., 3:]], axis=2)
    elif isinstance(img, np.ndarray):
        arr, name = img, 'the image array'
    else:
        raise TypeError('img must be a file path or a numpy array, got '
                        f'{type(img).__name__}')
    if arr.dtype.kind == 'b':
        raise TypeError(f'{name} is a bool array; images are uint8 (were '
                        'the image and the mask swapped?)')
    if arr.dtype.kind not in 'iuf':
        raise TypeError(f'{name} has dtype {arr.dtype}; give uint8')
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (1, 3, 4))):
        raise ValueError(f'{name} has shape {arr.shape}; expected (h, w), '
                         '(h, w, 1), (h, w, 3) or (h, w, 4)')
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f'{name} is empty: shape {arr.shape}')
    if arr.dtype != np.uint8:
        if arr.dtype.kind == 'f' and not np.isfinite(arr).all():
            raise ValueError(f'{name} contains NaN or Inf values')
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0 or hi > 255:
            raise ValueError(
                f'{name} ({arr.dtype}) has values in [{lo:g}, {hi:g}]; '
                'images are read on the 0-255 scale (convert 16-bit images '
                'to 8 bit first)')
        if arr.dtype.kind == 'f' and 0 < hi <= 1:
            warnings.warn(f'{name} is float with values <= 1; it is read on '
                          'the 0-255 scale, so it looks black to the model '
                          '(multiply by 255 first if it is a 0-1 image)')
        arr = np.clip(np.round(arr), 0, 255).astype(np.uint8)
    return _Format(arr, channel_order)


def size_unit(model: nn.Module, size_divisor: Optional[int] = None) -> int:
    """The multiple the model needs its input sides to be.

    T-MAD: ``max(k_p, coarse-net divisor)`` (``TMADInpaintor._check_inputs``);
    another inpaintor: its generator's ``size_divisor`` if it has one, else
    :data:`DEFAULT_SIZE_DIVISOR`. ``size_divisor`` overrides both.
    """
    if size_divisor is not None:
        if int(size_divisor) < 1:
            raise ValueError(f'size_divisor must be >= 1, got {size_divisor}')
        return int(size_divisor)
    gen_unit = getattr(getattr(model, 'generator', None), 'size_divisor',
                       DEFAULT_SIZE_DIVISOR)
    if isinstance(model, TMADInpaintor):
        return max(model.patch_size, gen_unit)
    return int(gen_unit)


def _pad(image: np.ndarray, hole: np.ndarray,
         unit: int) -> Tuple[np.ndarray, np.ndarray, Tuple[int, int]]:
    """Reflect-pad image and hole to multiples of ``unit`` (bottom, right).

    The hole is mirrored with the image, so the photo's content under the
    hole never shows up as valid padding.
    """
    h, w = hole.shape
    pad = ((-h) % unit, (-w) % unit)
    if pad == (0, 0):
        return image, hole, pad
    image = np.pad(image, ((0, pad[0]), (0, pad[1]), (0, 0)), mode='reflect')
    hole = np.pad(hole, ((0, pad[0]), (0, pad[1])), mode='reflect')
    return image, hole, pad


def _to_uint8(img: torch.Tensor) -> np.ndarray:
    """(1, 3, h, w) destructed 0-255 BGR tensor -> (h, w, 3) uint8."""
    arr = img[0].detach().float().cpu().permute(1, 2, 0).numpy()
    return np.clip(np.round(arr), 0, 255).astype(np.uint8)


@torch.no_grad()
def inpaint(model: nn.Module,
            img: ImageInput,
            mask: MaskInput,
            channel_order: str = 'bgr',
            return_steps: bool = False,
            size_divisor: Optional[int] = None
            ) -> Union[np.ndarray, InpaintResult]:
    """Fill the hole of one image of any size.

    **Input image**: a file path (read as stored, i.e. BGR(A) or
    grayscale; an empty, truncated or corrupt file is an
    :class:`~mmedit_tmad.utils.image_io.ImageDecodeError` naming it, a
    missing one a ``FileNotFoundError``) or a numpy array. Arrays are
    uint8, or any integer / float array with values in [0, 255] (rounded;
    NaN or Inf is a ValueError). Shapes: (h, w) or (h, w, 1) grayscale (the
    model sees three equal channels; the fill is converted back with
    OpenCV's BGR->gray weights), (h, w, 3) colour, (h, w, 4) colour +
    alpha (the model sees the colour; alpha is returned unchanged).

    **Channel order**: ``channel_order`` is the order of the caller's
    images: of the array passed in, and of the image returned. A file is
    read as BGR and returned in ``channel_order`` (default ``'bgr'``, as
    ``mmcv.imread`` gives). The model's data preprocessor gets BGR, marked
    as such, as from mmagic's ``LoadImageFromFile`` in training.

    **Mask**: see :func:`mmedit_tmad.apis.masks.read_mask`: a path or an
    array, bool, 0/1 or 0-255, (h, w), (h, w, 1) or (h, w, 3); hole where
    > 0. It must have the image's height and width (else ValueError).

    **Any size**: the image and the hole are reflect-padded at the bottom
    and right to multiples of :func:`size_unit`, and the result is cropped
    back. For T-MAD the padding is passed as ``exclude`` to
    ``TMADInpaintor.inpaint``, so no memory window touching it is clean or
    ranked before any window of the photo; the texture memory is drawn from
    the whole photo (a photo with fewer than ``N_pool`` windows also lends
    windows reaching into the mirrored padding, with a warning).

    **Result**: uint8, the input's shape and channel order; every pixel
    outside the hole is the input's byte, the hole holds the model's
    prediction (rounded). Special masks: an empty mask returns a copy of
    the input with a warning; a mask covering the whole image is inpainted
    from nothing (T-MAD's memory then holds coarse estimates only,
    ``num_valid_memory`` is 0) with a warning.

    A T-MAD model still in phase 1, a coarse-only model
    (``OneStageInpaintor`` + ``TMADCoarseNet``) and other mmagic inpaintors
    return their own prediction (through ``model(mode='predict')`` for the
    latter), with no retrieval.

    Args:
        model (nn.Module): From :func:`mmedit_tmad.apis.init_model`.
        img (str | np.ndarray): The image.
        mask (str | np.ndarray): The hole mask.
        channel_order (str): ``'bgr'`` or ``'rgb'``. Default: 'bgr'.
        return_steps (bool): Return an :class:`InpaintResult` (coarse result
            and retrieval) instead of the image. Default: False.
        size_divisor (int, optional): Override of :func:`size_unit`.
            Default: None.

    Returns:
        np.ndarray | InpaintResult: The inpainted image, or the steps.
    """
    fmt = _read_image(img, channel_order)
    h, w = fmt.bgr.shape[:2]
    hole = read_mask(mask, (h, w))
    if not hole.any():
        warnings.warn('the mask has no hole pixel: the input is returned '
                      'unchanged')
        out = fmt.image.copy()
        return InpaintResult(out, None, hole) if return_steps else out
    if hole.all():
        warnings.warn('the mask covers the whole image: nothing of the photo '
                      'is left to fill from (T-MAD\'s texture memory holds '
                      'coarse estimates only)')
    unit = size_unit(model, size_divisor)
    image_p, hole_p, pad = _pad(fmt.bgr, hole, unit)
    # mmagic's test-time data: masked image (hole = 127.5) and mask
    pack = Compose([GetMaskedImage(), PackInputs()])(
        dict(
            gt=image_p,
            mask=hole_p[..., None].astype(np.uint8),
            gt_channel_order='bgr',
            gt_color_type='color'))
    data = model.data_preprocessor(
        dict(inputs=[pack['inputs']], data_samples=[pack['data_samples']]),
        False)
    inputs, samples = data['inputs'], data['data_samples']
    steps = dict(mask=hole, padding=pad, coarse=None)
    if isinstance(model, TMADInpaintor):
        hp, wp = hole_p.shape
        exclude = torch.ones(1, 1, hp, wp, device=inputs.device)
        exclude[..., :h, :w] = 0
        _warn_small_memory(model, h, w)
        out = model.inpaint(inputs, samples.mask.float(), exclude=exclude)
        destruct = model.data_preprocessor.destruct
        pred = _to_uint8(destruct(out['result'], samples))[:h, :w]
        coarse = _to_uint8(destruct(out['coarse_img'], samples))[:h, :w]
        steps['coarse'] = fmt.to_caller(coarse, hole)
        if 'retrieval' in out:
            steps.update(_retrieval(model, out, hole))
    else:
        preds = model(inputs, samples, mode='predict')
        pred = _to_uint8(preds[0].output.pred_img[None])[:h, :w]
    result = fmt.to_caller(pred, hole)
    if not return_steps:
        return result
    return InpaintResult(result=result, **steps)


def _warn_small_memory(model: TMADInpaintor, h: int, w: int) -> None:
    """Warn when the photo has fewer memory windows than ``N_pool``."""
    mem = model.texture_memory
    k, s = mem.patch_size, mem.stride
    inside = 0 if h < k or w < k else ((h - k) // s + 1) * ((w - k) // s + 1)
    if model.phase == 2 and inside < mem.num_pool:
        warnings.warn(f'a {h}x{w} photo has {inside} memory windows of '
                      f'{k}x{k} (N_pool = {mem.num_pool}): the texture memory '
                      'also takes windows reaching into the padding')


def _retrieval(model: TMADInpaintor, out: dict, hole: np.ndarray) -> dict:
    """Hole cells and their ranked memory windows from ``inpaint()``."""
    k = model.patch_size
    wp = out['result'].shape[-1]
    cells = out['cut']['cells'][0]  # (P, ) raster index on the k grid
    valid = out['cut']['valid'][0]
    pos = out['memory']['positions']  # (1, N_pool, 2)
    idx = out['retrieval']['indices']  # (1, P, N_c)
    # (1, P, N_c, 2): window positions, best ranked first
    cand = gather_cells(pos, idx.flatten(1)).view(*idx.shape, 2)[0]
    yx = torch.stack([cells // (wp // k) * k, cells % (wp // k) * k], -1)
    yx, cand = yx.cpu().numpy(), cand.cpu().numpy()
    # keep cells with a hole pixel of the photo (not of the padding)
    keep = valid.cpu().numpy() & np.array(
        [hole[y:y + k, x:x + k].any() for y, x in yx], dtype=bool)
    return dict(
        hole_cells=yx[keep],
        retrieved=cand[keep],
        memory_positions=pos[0].cpu().numpy(),
        patch_size=k,
        num_valid_memory=int(out['memory']['num_valid'][0]))

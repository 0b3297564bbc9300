# Copyright (c) OpenMMLab. All rights reserved.
"""Inpaint one photo of any size with a T-MAD (or any mmagic) inpaintor.

Small photos go through the networks whole; big ones window by window
around their holes (:func:`crop_windows`), so time and memory follow the
holes, not the photo.
"""
import warnings
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmagic.datasets.transforms import GetMaskedImage, PackInputs
from mmengine.dataset import Compose

from mmedit_tmad.models.editors.tmad.tmad_inpaintor import TMADInpaintor
from mmedit_tmad.models.editors.tmad.tmad_texture_memory import gather_cells
from mmedit_tmad.utils.image_io import imread_8bit
from mmedit_tmad.utils.precision import model_autocast
from .exported import ExportedTMAD, exported_steps
from .masks import MaskInput, read_mask

ImageInput = Union[str, np.ndarray]
#: ``(y0, x0, y1, x1)`` in photo pixels, ends excluded.
Box = Tuple[int, int, int, int]

# sides of the padded input for inpaintors that do not state theirs
# (DeepFill and AOT-GAN downsample by 4, contextual attention by 2 more)
DEFAULT_SIZE_DIVISOR = 8
#: Values of ``strategy`` in :func:`inpaint`.
STRATEGIES = ('auto', 'whole', 'crop')
#: Values of ``upscale_detail`` in :func:`inpaint`.
UPSCALE_DETAILS = ('auto', 'patchmatch', 'none')
#: A mask marking more than this fraction of the image as hole gets a
#: warning (an inverted mask?): above the largest irregular holes of the
#: paper's protocol (50-60%).
LARGE_HOLE = 0.75
#: A window above this many photo pixels gets its detail from a PatchMatch
#: fill run downscaled to it (about 11 s on 2 CPU cores).
DETAIL_MAX_PIXELS = 2**21


@dataclass
class InpaintWindow:
    """One window of the photo that the networks ran on.

    Attributes:
        box (tuple[int, int, int, int]): ``(y0, x0, y1, x1)`` in photo
            pixels, ends excluded.
        scale (float): Network pixels per photo pixel: 1 at full
            resolution, < 1 for a window downscaled to ``window_size``.
        input_shape (tuple[int, int]): (h, w) of the networks' input (the
            window, downscaled, then padded).
        padding (tuple[int, int]): Rows and columns reflect-padded at the
            bottom and right of the (downscaled) window.
        detail (bool): Whether the upscaled fill of a downscaled window got
            PatchMatch's high frequencies (``upscale_detail``).
    """
    box: Box
    scale: float
    input_shape: Tuple[int, int]
    padding: Tuple[int, int] = (0, 0)
    detail: bool = False


@dataclass
class InpaintResult:
    """Result of :func:`inpaint` with ``return_steps=True``.

    Images are uint8 in the format of the input (shape and channel order,
    see :func:`inpaint`); positions are ``(y, x)`` top-left corners in
    pixels of the input image.

    With windows (``strategy='crop'``), the retrieval fields gather the
    windows at full resolution (``scale`` 1): their cells and memory
    windows, moved to photo coordinates and concatenated in the order of
    ``windows``. A downscaled window's retrieval is left out (its cells
    would not be ``k_p`` photo pixels wide): its hole pixels are in no hole
    cell, and when every window is downscaled the retrieval fields are
    None.

    Attributes:
        result (np.ndarray): The inpainted image.
        coarse (np.ndarray, optional): T-MAD's coarse result ``Î_s`` (the
            coarse network's output in the hole, the input elsewhere); None
            for other inpaintors and for an empty mask.
        mask (np.ndarray): (h, w) bool, the hole that was filled.
        hole_cells (np.ndarray, optional): (P, 2) the ``k_p x k_p`` grid
            cells that hold hole pixels (the patches ``p_s``), raster order
            within each window. None when the model made no retrieval
            (phase 1, coarse-only or other inpaintors, empty mask) or every
            window was downscaled.
        retrieved (np.ndarray, optional): (P, N_c, 2) the texture-memory
            windows retrieved for each hole cell, best ranked first.
        memory_positions (np.ndarray, optional): (N_pool * windows, 2)
            every window of the texture memory ``T`` (of each window), in
            pixels of its source (``memory_sources``).
        memory_sources (np.ndarray, optional): (N_pool * windows, ) where
            each memory window comes from: 0 the photo, ``j`` the ``j``-th
            reference (``references[j - 1]``).
        retrieved_sources (np.ndarray, optional): (P, N_c) the source of
            each entry of ``retrieved``, as ``memory_sources``.
        references (list[np.ndarray]): The reference images as the model
            saw them: (h, w, 3) uint8 in the channel order of the input
            (a grayscale reference made 3-channel, alpha dropped); empty
            without references.
        patch_size (int, optional): ``k_p``, the side of cells and windows.
        num_valid_memory (int, optional): Clean memory windows available
            (windows free of hole and padding pixels), summed over the
            windows.
        padding (tuple[int, int]): Rows and columns added at the bottom and
            right of the whole photo to reach a size the networks take
            (cropped back); (0, 0) with windows (see ``windows``).
        strategy (str): ``'whole'`` or ``'crop'``, the one used.
        windows (list[InpaintWindow]): Where the networks ran: the whole
            photo (``'whole'``) or each window; empty for an empty mask.
    """
    result: np.ndarray
    coarse: Optional[np.ndarray]
    mask: np.ndarray
    hole_cells: Optional[np.ndarray] = None
    retrieved: Optional[np.ndarray] = None
    memory_positions: Optional[np.ndarray] = None
    memory_sources: Optional[np.ndarray] = None
    retrieved_sources: Optional[np.ndarray] = None
    patch_size: Optional[int] = None
    num_valid_memory: Optional[int] = None
    padding: Tuple[int, int] = (0, 0)
    strategy: str = 'whole'
    windows: List[InpaintWindow] = field(default_factory=list)
    references: List[np.ndarray] = field(default_factory=list)


class _Format:
    """How the caller's image maps to the model's BGR input and back.

    Only windows are converted (:meth:`bgr`) and written back
    (:meth:`paste`): the photo itself is never copied to another format.
    """

    def __init__(self, image: np.ndarray, channel_order: str) -> None:
        self.image = image  # the caller's image, uint8
        self.channel_order = channel_order
        self.gray = image.ndim == 2 or image.shape[2] == 1
        self.shape = image.shape[:2]

    def bgr(self, box: Box) -> np.ndarray:
        """(h, w, 3) uint8 BGR copy of the ``box`` of the image."""
        y0, x0, y1, x1 = box
        win = self.image[y0:y1, x0:x1]
        if self.gray:
            return np.repeat(win.reshape(win.shape[:2])[..., None], 3, axis=2)
        color = win[..., :3]
        if self.channel_order == 'rgb':
            color = color[..., ::-1]
        return np.ascontiguousarray(color)

    def paste(self, out: np.ndarray, bgr: np.ndarray, hole: np.ndarray,
              box: Box) -> None:
        """Paste the model's BGR output of ``box`` into the hole of ``out``.

        ``out`` is in the caller's format (a copy of the input); only its
        hole pixels change, its alpha channel never does.
        """
        y0, x0, y1, x1 = box
        view = out[y0:y1, x0:x1]
        if self.gray:
            fill = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).reshape(view.shape)
        else:
            fill = bgr[..., ::-1] if self.channel_order == 'rgb' else bgr
        if view.ndim == 3 and view.shape[2] == 4:
            view[..., :3][hole] = fill[hole]
        else:
            view[hole] = fill[hole]


def _read_image(img: ImageInput,
                channel_order: str,
                what: str = 'img') -> _Format:
    """Check the image and record its format (see :func:`inpaint`).

    ``what`` names the argument in errors (a file is named by its path).
    """
    if channel_order not in ('bgr', 'rgb'):
        raise ValueError(f"channel_order must be 'bgr' or 'rgb', got "
                         f'{channel_order!r}')
    if isinstance(img, str):
        arr = imread_8bit(img)
        name = img
        if channel_order == 'rgb' and arr.ndim == 3 and arr.shape[2] >= 3:
            # files are BGR(A); hand them back in the asked order
            arr = np.concatenate([arr[..., 2::-1], arr[..., 3:]], axis=2)
    elif isinstance(img, np.ndarray):
        arr = img
        name = 'the image array' if what == 'img' else f'{what} (array)'
    else:
        raise TypeError(f'{what} must be a file path or a numpy array, got '
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
    if isinstance(model, ExportedTMAD):
        return int(model.meta['size_unit'])
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


def crop_windows(hole: np.ndarray, crop_margin: int, unit: int) -> List[Box]:
    """Windows around the holes of a photo, for ``strategy='crop'``.

    The photo is cut into ``unit x unit`` blocks. The blocks holding a hole
    pixel are grown by ``m = ceil(crop_margin / unit)`` blocks on every
    side (the context margin); each 8-connected group gives its bounding
    box, widened (and shifted inside the photo) to at least ``2m + 1``
    blocks a side, so a hole at the border gets as much context as one in
    the middle. Boxes that overlap are merged (their bounding box) until
    none does, then clipped to the photo.

    So every hole pixel lies in exactly one window, and windows lie on the
    ``unit`` grid: their sides are multiples of ``unit`` (no padding is
    needed) except at the bottom and right border of a photo whose sides
    are not.

    Args:
        hole (np.ndarray): (h, w) bool, True = hole.
        crop_margin (int): Context around each hole, in pixels (>= 0).
        unit (int): Block side, :func:`size_unit`.

    Returns:
        list[tuple[int, int, int, int]]: ``(y0, x0, y1, x1)`` boxes, ends
        excluded, in raster order of their top-left corners.
    """
    h, w = hole.shape
    hb, wb = -(-h // unit), -(-w // unit)
    # (hb, wb) bool: blocks holding a hole pixel
    blocks = np.zeros((hb * unit, wb * unit), bool)
    blocks[:h, :w] = hole
    blocks = blocks.reshape(hb, unit, wb, unit).any(axis=(1, 3))
    m = -(-int(crop_margin) // unit)
    grown = blocks.astype(np.uint8)
    if m > 0:
        grown = cv2.dilate(grown, np.ones((2 * m + 1, 2 * m + 1), np.uint8))
    _, _, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)

    def widen(start: int, end: int, size: int) -> Tuple[int, int]:
        side = min(max(end - start, 2 * m + 1), size)
        start = min(max(start - (side - (end - start)) // 2, 0), size - side)
        return start, start + side

    boxes = []
    for x, y, bw, bh, _ in stats[1:]:
        y0, y1 = widen(int(y), int(y + bh), hb)
        x0, x1 = widen(int(x), int(x + bw), wb)
        boxes.append((y0, x0, y1, x1))
    boxes = np.array(boxes, dtype=np.int64).reshape(-1, 4)
    # each box is checked against all others once; a merged box is checked
    # again at the end of the list
    i = 0
    while i < len(boxes):
        b = boxes[i]
        group = (boxes[:, 0] < b[2]) & (b[0] < boxes[:, 2]) & \
            (boxes[:, 1] < b[3]) & (b[1] < boxes[:, 3])
        if group.sum() == 1:  # itself only
            i += 1
            continue
        merged = np.concatenate(
            [boxes[group, :2].min(0), boxes[group, 2:].max(0)])
        boxes = np.concatenate([boxes[~group], merged[None]])
        i -= int(group[:i].sum())
    return sorted((int(y0) * unit, int(x0) * unit, min(int(y1) * unit, h),
                   min(int(x1) * unit, w)) for y0, x0, y1, x1 in boxes)


def _check_window_args(strategy: str, crop_margin: int, window_size: int,
                       crop_trigger_size: int, unit: int) -> None:
    """ValueError for an unknown strategy or impossible window sizes."""
    if strategy not in STRATEGIES:
        raise ValueError(f'strategy must be one of {STRATEGIES}, got '
                         f'{strategy!r}')
    for name, value in (('crop_margin', crop_margin),
                        ('window_size', window_size),
                        ('crop_trigger_size', crop_trigger_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f'{name} must be an integer, got {value!r}')
    if crop_margin < 0:
        raise ValueError(f'crop_margin must be >= 0, got {crop_margin}')
    if window_size < unit:
        raise ValueError(f'window_size must be >= the size unit {unit} of '
                         f'the model (the sides its input is padded to), '
                         f'got {window_size}')
    if crop_trigger_size < 0:
        raise ValueError('crop_trigger_size must be >= 0, got '
                         f'{crop_trigger_size}')


@torch.no_grad()
def inpaint(model: nn.Module,
            img: ImageInput,
            mask: MaskInput,
            channel_order: str = 'bgr',
            return_steps: bool = False,
            size_divisor: Optional[int] = None,
            strategy: str = 'auto',
            crop_margin: int = 128,
            window_size: int = 512,
            crop_trigger_size: int = 1024,
            reference: Union[ImageInput, Sequence[ImageInput], None] = None,
            use_photo: bool = True,
            upscale_detail: str = 'auto') -> Union[np.ndarray, InpaintResult]:
    """Fill the hole of one image of any size.

    **Input image**: a file path (read as stored, i.e. BGR(A) or
    grayscale, turned upright by its EXIF orientation as image viewers and
    the training pipeline show it, so a mask, box or stroke is given in
    that frame; a 16-bit file at 8 bits, its high byte, as the training
    pipeline reads it; an empty, truncated or corrupt file is an
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

    **Strategy**: ``'whole'`` runs the networks on the whole photo.
    ``'crop'`` runs them on windows around the holes only
    (:func:`crop_windows`: each hole with ``crop_margin`` pixels of context,
    nearby holes sharing a window), so time and memory follow the holes,
    not the photo; only windows become tensors. A window whose longer side
    exceeds ``window_size`` is downscaled to it (``cv2.INTER_AREA``; a
    pixel is a hole if any photo pixel under it is), inpainted, and its
    output upscaled back (``cv2.INTER_CUBIC``): holes larger than what the
    networks were trained on are filled at a scale they know, at a fixed
    cost. T-MAD's texture memory is then drawn from each (downscaled)
    window, not from the whole photo. ``'auto'`` (default) takes
    ``'whole'`` for photos whose longer side is at most
    ``crop_trigger_size`` and ``'crop'`` above.

    **Upscale detail**: an upscaled fill lacks the photo's grain finer than
    the downscaling (sand, foliage, noise turn to a smooth blur).
    ``upscale_detail='patchmatch'`` gives the hole of each downscaled window
    ``low(F) + P - low(P)``: the upscaled fill ``F``'s low frequencies (the
    networks' structure) and the high frequencies of a PatchMatch fill
    ``P`` of the window at full resolution (``pypatchmatch``, 7x7 patches;
    at most :data:`DETAIL_MAX_PIXELS` photo pixels, a larger window's
    PatchMatch runs downscaled to that), ``low`` a Gaussian of standard
    deviation ``0.5 / scale`` photo pixels, so only what the downscaling
    removed is replaced. ``'auto'`` (default) does so for models with a
    test-time texture synthesis (the shipped T-MAD), whose full-resolution
    results have the photo's grain too, except with ``use_photo=False``
    (below); ``'none'`` keeps the plain upscaled fill. Windows at full
    resolution never change.

    **Any size**: the image (or window) and the hole are reflect-padded at
    the bottom and right to multiples of :func:`size_unit`, and the result
    is cropped back. For T-MAD the padding is passed as ``exclude`` to
    ``TMADInpaintor.inpaint``, so no memory window touching it is clean or
    ranked before any window of the photo; the texture memory is drawn
    from the photo (or window) and nothing else (one with fewer than
    ``N_pool`` windows also lends windows reaching into the mirrored
    padding, with a warning).

    **Result**: uint8, the input's shape and channel order; every pixel
    outside the hole is the input's byte, the hole holds the model's
    prediction (rounded). Special masks: an empty mask returns a copy of
    the input with a warning; a mask covering the whole image is inpainted
    from nothing (T-MAD's memory then holds coarse estimates only,
    ``num_valid_memory`` is 0) with a warning.

    **Reference fill** (T-MAD in phase 2): ``reference`` is one image or a
    list of images of any size (read as ``img``: files or arrays, in
    ``channel_order``; grayscale made 3-channel, alpha dropped; at least
    ``k_p`` pixels a side) whose ``k_p x k_p`` windows join the texture
    memory ``T``: another photo of the same wall, lawn or scene lends its
    texture to the hole. ``T``'s ``N_pool`` windows are drawn by the
    model's rules from all sources (the photo's clean windows and every
    window of each reference, so each source in proportion to its
    windows) and ranked for each hole cell as usual. ``use_photo=True``
    (default) keeps the photo's own windows among the candidates: the
    ranking picks, cell by cell, whichever source matches the cell's
    context best, so windows of a reference that matches nothing (another
    scene, another scale) mostly go unranked, though a large reference
    takes slots of ``T`` from the photo in proportion to its windows. The
    measured effect is in ``configs/tmad/README.md``. ``use_photo=False``
    draws ``T`` from the references alone. A model with a test-time
    texture synthesis (the shipped one) takes its source patches from the
    references too, and from them alone with ``use_photo=False``; one
    guided by PatchMatch starts from PatchMatch's fill of the photo and
    the references (either way). ``use_photo=False`` also leaves out the
    photo's full-resolution detail of a downscaled window under
    ``upscale_detail='auto'`` (``'patchmatch'`` adds it all the same). A
    window downscaled by ``strategy='crop'`` scales the references by the same
    factor (a reference left under ``k_p`` pixels is skipped with a
    warning). ``return_steps`` tells which source each window came from.

    **Precision**: the networks run at ``model.infer_precision`` (set by
    :func:`mmedit_tmad.apis.init_model`: bfloat16 autocast on a CPU with
    AMX, float32 elsewhere; float32 for a model built otherwise).

    **Exported files** (:func:`mmedit_tmad.apis.init_exported`, an ONNX
    or TorchScript file of ``tools/deployment/export.py``) run in place of
    ``model``: a photo that fits the exported size is reflect-padded to it
    (the padding kept out of the memory, as above), a larger one is cut
    into windows (``'auto'``: whenever it does not fit) of at most the
    exported size (``window_size`` is capped to it); ``'whole'`` for a
    photo that does not fit is a ValueError. Valid pixels come back byte
    for byte; ``return_steps`` has the retrieval of the graph.

    A T-MAD model still in phase 1, a coarse-only model
    (``OneStageInpaintor`` + ``TMADCoarseNet``) and other mmagic inpaintors
    return their own prediction (through ``model(mode='predict')`` for the
    latter), with no retrieval.

    Args:
        model (nn.Module | ExportedTMAD): From
            :func:`mmedit_tmad.apis.init_model` or
            :func:`mmedit_tmad.apis.init_exported`.
        img (str | np.ndarray): The image.
        mask (str | np.ndarray): The hole mask.
        channel_order (str): ``'bgr'`` or ``'rgb'``. Default: 'bgr'.
        return_steps (bool): Return an :class:`InpaintResult` (coarse result
            and retrieval) instead of the image. Default: False.
        size_divisor (int, optional): Override of :func:`size_unit`.
            Default: None.
        strategy (str): ``'auto'``, ``'whole'`` or ``'crop'``.
            Default: 'auto'.
        crop_margin (int): Context kept around each hole in a window, in
            pixels (rounded up to the size unit); a window is at least
            ``2 * crop_margin`` plus a unit wide where the photo is.
            Default: 128, half the 256x256 training crop, so a small hole's
            window is about a training crop and holds enough memory windows
            (225 of 32x32 at stride 16 for N_pool = 100).
        window_size (int): Longest side a window is run at; larger windows
            are downscaled to it. At least the size unit. Default: 512,
            twice the training crop: the largest holes (128x128 in 256x256)
            keep the scale they were trained at, and one window of the paper
            model takes under a second on two CPU cores.
        crop_trigger_size (int): ``'auto'`` crops photos whose longer side
            exceeds it. Default: 1024: up to there the whole photo takes a
            few seconds, and results of smaller photos stay as they were.
        reference (str | np.ndarray | list, optional): Reference image(s)
            for the texture memory. Default: None.
        use_photo (bool): Draw the memory from the photo as well as from
            the references (False: references alone; needs ``reference``).
            Default: True.
        upscale_detail (str): ``'auto'``, ``'patchmatch'`` or ``'none'``:
            full-resolution detail for the fills of downscaled windows
            (``'auto'``: for a model with a texture synthesis, unless
            ``use_photo=False``). Default: 'auto'.

    Returns:
        np.ndarray | InpaintResult: The inpainted image, or the steps.
    """
    unit = size_unit(model, size_divisor)
    _check_window_args(strategy, crop_margin, window_size, crop_trigger_size,
                       unit)
    if upscale_detail not in UPSCALE_DETAILS:
        raise ValueError(f'upscale_detail must be one of {UPSCALE_DETAILS}, '
                         f'got {upscale_detail!r}')
    # 'auto': not with use_photo=False, whose fill draws from the
    # references alone (the detail is the photo's)
    detail = upscale_detail == 'patchmatch' or (
        upscale_detail == 'auto' and use_photo
        and getattr(model, 'texture_synthesis', None) is not None)
    fmt = _read_image(img, channel_order)
    h, w = fmt.shape
    hole = read_mask(mask, (h, w))
    refs = _read_references(model, reference, use_photo, channel_order)
    if isinstance(model, ExportedTMAD):
        strategy, window_size = _exported_plan(model, h, w, strategy,
                                               window_size)
    elif strategy == 'auto':
        strategy = 'crop' if max(h, w) > crop_trigger_size else 'whole'
    if not hole.any():
        warnings.warn('the mask has no hole pixel: the input is returned '
                      'unchanged')
        out = fmt.image.copy()
        return InpaintResult(out, None, hole, strategy=strategy,
                             references=_caller_order(refs, channel_order)) \
            if return_steps else out
    hole_fraction = hole.mean()
    if hole_fraction == 1:
        warnings.warn('the mask covers the whole image: nothing of the photo '
                      'is left to fill from (T-MAD\'s texture memory holds '
                      'coarse estimates only)')
    elif hole_fraction > LARGE_HOLE:
        warnings.warn(f'the mask marks {100 * hole_fraction:.0f}% of the '
                      'image as hole (its non-zero pixels are the hole): is '
                      'it inverted? So large a hole leaves little of the '
                      'photo to fill from')
    if strategy == 'whole':
        plan = [((0, 0, h, w), 1.)]
    else:
        plan = []
        for box in crop_windows(hole, crop_margin, unit):
            longer = max(box[2] - box[0], box[3] - box[1])
            plan.append((box, min(1., window_size / longer)))
    result = fmt.image.copy()
    coarse, windows, found = None, [], []
    for box, scale in plan:
        y0, x0, y1, x1 = box
        win_hole = hole[y0:y1, x0:x1]
        out = _inpaint_window(model, fmt.bgr(box), win_hole, scale, unit,
                              'photo' if strategy == 'whole' else 'window',
                              return_steps, refs, use_photo, detail)
        windows.append(
            InpaintWindow(box, scale, out['input_shape'], out['padding'],
                          out.get('detail', False)))
        fmt.paste(result, out['pred'], win_hole, box)
        if return_steps and out['coarse'] is not None:
            if coarse is None:
                coarse = fmt.image.copy()
            fmt.paste(coarse, out['coarse'], win_hole, box)
        if 'hole_cells' in out:
            found.append((box, out))
    if not return_steps:
        return result
    steps = InpaintResult(
        result=result,
        coarse=coarse,
        mask=hole,
        padding=windows[0].padding if strategy == 'whole' else (0, 0),
        strategy=strategy,
        windows=windows,
        references=_caller_order(refs, channel_order))
    if found:
        steps.patch_size = found[0][1]['patch_size']
        steps.num_valid_memory = sum(o['num_valid_memory'] for _, o in found)
        steps.hole_cells = np.concatenate(
            [o['hole_cells'] + box[:2] for box, o in found])
        for key, src in (('retrieved', 'retrieved_sources'),
                         ('memory_positions', 'memory_sources')):
            # window -> photo coordinates for windows of the photo (source
            # 0); a reference's stay in the reference's
            setattr(
                steps, key,
                np.concatenate([
                    o[key] + (o[src] == 0)[..., None] * np.array(box[:2])
                    for box, o in found
                ]))
            setattr(steps, src, np.concatenate([o[src] for _, o in found]))
    return steps


def _exported_plan(model: ExportedTMAD, h: int, w: int, strategy: str,
                   window_size: int) -> Tuple[str, int]:
    """Strategy and window size for an exported file of a fixed size: the
    whole photo when it fits (padded), else windows that fit."""
    hh, ww = model.size
    fits = h <= hh and w <= ww
    if strategy == 'auto':
        strategy = 'whole' if fits else 'crop'
    if strategy == 'whole' and not fits:
        raise ValueError(f'a {h}x{w} photo does not fit {model.path}, '
                         f'exported for {hh}x{ww}: use strategy=\'crop\' '
                         "(or 'auto')")
    return strategy, min(window_size, hh, ww)


def _read_references(model: nn.Module, reference, use_photo: bool,
                     channel_order: str) -> List[np.ndarray]:
    """Check the references of :func:`inpaint`: (h, w, 3) uint8 BGR each."""
    if reference is None:
        refs = []
    elif isinstance(reference, (str, np.ndarray)):
        refs = [reference]
    elif isinstance(reference, (list, tuple)):
        refs = list(reference)
    else:
        raise TypeError('reference must be a file path, a numpy array or a '
                        f'list of them, got {type(reference).__name__}')
    if not use_photo and not refs:
        raise ValueError('use_photo=False draws the texture memory from the '
                         'references alone: give reference=...')
    if not refs:
        return []
    if isinstance(model, ExportedTMAD):
        raise ValueError('an exported model draws its texture memory from '
                         'the photo alone: reference fill needs the PyTorch '
                         'model (init_model)')
    if not isinstance(model, TMADInpaintor) or model.phase != 2:
        what = type(model).__name__
        if isinstance(model, TMADInpaintor):
            what += ', phase 1'
        raise ValueError('reference fill needs a T-MAD model in phase 2 (its '
                         f'texture memory); this model has none ({what})')
    out = []
    for i, ref in enumerate(refs, 1):
        fmt = _read_image(ref, channel_order, f'reference {i}')
        check_reference_size(
            model, fmt.shape,
            ref if isinstance(ref, str) else f'reference {i} (array)')
        out.append(fmt.bgr((0, 0) + fmt.shape))
    return out


def check_reference_size(model: nn.Module, shape: tuple, name: str) -> None:
    """A ValueError naming a reference of ``shape`` (h, w, ...) smaller
    than one memory window (``k_p``) of the T-MAD ``model``."""
    k = model.patch_size
    h, w = shape[:2]
    if h < k or w < k:
        raise ValueError(f'{name} is {h}x{w}: smaller than one memory '
                         f'window of the model ({k}x{k})')


def _caller_order(refs: List[np.ndarray], channel_order: str
                  ) -> List[np.ndarray]:
    """BGR references -> the caller's channel order."""
    if channel_order == 'bgr':
        return refs
    return [np.ascontiguousarray(r[..., ::-1]) for r in refs]


def _inpaint_window(model: nn.Module,
                    image: np.ndarray,
                    hole: np.ndarray,
                    scale: float,
                    unit: int,
                    what: str,
                    retrieval: bool,
                    refs: Sequence[np.ndarray] = (),
                    use_photo: bool = True,
                    detail: bool = False) -> dict:
    """The networks on one window, downscaled by ``scale`` if < 1.

    Args:
        image (np.ndarray): (h, w, 3) uint8 BGR, the window.
        hole (np.ndarray): (h, w) bool.
        refs (list[np.ndarray]): (h_j, w_j, 3) uint8 BGR references,
            downscaled with the window.
        detail (bool): A downscaled window's ``pred`` gets full-resolution
            detail (:func:`_upscale_detail`).

    Returns:
        dict: ``pred`` and ``coarse`` (h, w, 3) uint8 BGR, upscaled back if
        downscaled (``coarse`` None for other inpaintors), ``detail``, and
        what :func:`_run` returns besides (retrieval at scale 1 only).
    """
    if scale == 1:
        return _run(model, image, hole, unit, what, retrieval, refs,
                    use_photo)
    h, w = hole.shape
    small_refs = []
    for i, ref in enumerate(refs, 1):
        rsize = (max(1, round(ref.shape[1] * scale)),
                 max(1, round(ref.shape[0] * scale)))
        if min(rsize) < model.patch_size:
            warnings.warn(f'reference {i} is under one memory window when '
                          f'downscaled by {scale:.3f} with a window of the '
                          'photo: left out of that window')
            continue
        small_refs.append(
            cv2.resize(ref, rsize, interpolation=cv2.INTER_AREA))
    if refs and not small_refs and not use_photo:
        warnings.warn('no reference is left for a downscaled window: its '
                      'memory is drawn from the photo')
        use_photo = True
    small, small_hole = _shrink(image, hole, scale)
    out = _run(model, small, small_hole, unit, what, False, small_refs,
               use_photo)
    for key in ('pred', 'coarse'):
        if out[key] is not None:
            out[key] = cv2.resize(
                out[key], (w, h), interpolation=cv2.INTER_CUBIC)
    sharp = _upscale_detail(image, hole, out['pred'], scale) \
        if detail else None
    out['detail'] = sharp is not None
    if sharp is not None:
        out['pred'] = sharp
    return out


def _shrink(image: np.ndarray, hole: np.ndarray,
            scale: float) -> Tuple[np.ndarray, np.ndarray]:
    """(h, w, 3) ``image`` and (h, w) bool ``hole`` downscaled by
    ``scale`` (``cv2.INTER_AREA``); a hole wherever a hole pixel of the
    photo has some weight, so what the hole covers never reaches a valid
    pixel."""
    h, w = hole.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(
        hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
    return small, small_hole


def _upscale_detail(image: np.ndarray, hole: np.ndarray, pred: np.ndarray,
                    scale: float) -> Optional[np.ndarray]:
    """``low(pred) + P - low(P)`` in the hole (see ``inpaint``'s "Upscale
    detail"); (h, w, 3) uint8 BGR ``image`` and upscaled ``pred``, (h, w)
    bool ``hole``; ``scale`` < 1 of the window. None when no valid pixel
    is left to copy from."""
    from patchmatch import patch_match  # native library: loaded on use
    h, w = hole.shape
    f = min(1., (DETAIL_MAX_PIXELS / (h * w))**0.5)
    img_p, hole_p = (image, hole) if f == 1 else _shrink(image, hole, f)
    if hole_p.all():
        return None
    # seeded per call: the same input gives the same fill
    fill = patch_match.inpaint(
        np.where(hole_p[..., None], 0, img_p).astype(np.uint8),
        hole_p.astype(np.uint8),
        patch_size=3).astype(np.float32)
    if f < 1:
        fill = cv2.resize(fill, (w, h), interpolation=cv2.INTER_CUBIC)
    sigma = 0.5 / scale

    def low(a: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(a, (0, 0), sigma)

    pred_f = pred.astype(np.float32)
    out = np.where(hole[..., None], low(pred_f) + fill - low(fill), pred_f)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _preprocess(model: nn.Module, image: np.ndarray,
                hole: np.ndarray) -> Tuple[torch.Tensor, object]:
    """mmagic's test-time data: masked image (hole = 127.5) and mask,
    through the model's data preprocessor: ``(inputs, data_samples)``."""
    pack = Compose([GetMaskedImage(), PackInputs()])(
        dict(
            gt=image,
            mask=hole[..., None].astype(np.uint8),
            gt_channel_order='bgr',
            gt_color_type='color'))
    data = model.data_preprocessor(
        dict(inputs=[pack['inputs']], data_samples=[pack['data_samples']]),
        False)
    return data['inputs'], data['data_samples']


def _run(model: nn.Module,
         image: np.ndarray,
         hole: np.ndarray,
         unit: int,
         what: str,
         retrieval: bool,
         refs: Sequence[np.ndarray] = (),
         use_photo: bool = True) -> dict:
    """The networks on one (h, w, 3) BGR image and its (h, w) hole, with
    the (h_j, w_j, 3) BGR references ``refs`` in T-MAD's memory.

    Returns:
        dict: ``pred`` and ``coarse`` (h, w, 3) uint8 BGR (``coarse`` None
        for other inpaintors), ``padding``, ``input_shape``, and with
        ``retrieval`` (T-MAD in phase 2) the fields of :func:`_retrieval`
        in pixels of ``image``.
    """
    if isinstance(model, ExportedTMAD):
        return exported_steps(model, image, hole, retrieval)
    h, w = hole.shape
    image_p, hole_p, pad = _pad(image, hole, unit)
    inputs, samples = _preprocess(model, image_p, hole_p)
    # references: normalised as the photo, no hole
    ref_inputs = [
        _preprocess(model, ref, np.zeros(ref.shape[:2], bool))[0]
        for ref in refs
    ]
    res = dict(padding=pad, input_shape=hole_p.shape, coarse=None)
    if isinstance(model, TMADInpaintor):
        hp, wp = hole_p.shape
        exclude = torch.ones(1, 1, hp, wp, device=inputs.device)
        exclude[..., :h, :w] = 0
        if use_photo and not ref_inputs:
            _warn_small_memory(model, h, w, what)
        with model_autocast(model):
            out = model.inpaint(
                inputs,
                samples.mask.float(),
                exclude=exclude,
                references=ref_inputs or None,
                use_image=use_photo)
        destruct = model.data_preprocessor.destruct
        res['pred'] = _to_uint8(destruct(out['result'], samples))[:h, :w]
        coarse = destruct(out['coarse_img'], samples)
        res['coarse'] = _to_uint8(coarse)[:h, :w]
        if retrieval and 'retrieval' in out:
            res.update(_retrieval(model, out, hole))
    else:
        with model_autocast(model):
            preds = model(inputs, samples, mode='predict')
        res['pred'] = _to_uint8(preds[0].output.pred_img[None])[:h, :w]
    return res


def _warn_small_memory(model: TMADInpaintor, h: int, w: int,
                       what: str) -> None:
    """Warn when the photo (or window) has fewer windows than ``N_pool``."""
    mem = model.texture_memory
    k, s = mem.patch_size, mem.stride
    inside = 0 if h < k or w < k else ((h - k) // s + 1) * ((w - k) // s + 1)
    if model.phase == 2 and inside < mem.num_pool:
        warnings.warn(f'a {h}x{w} {what} has {inside} memory windows of '
                      f'{k}x{k} (N_pool = {mem.num_pool}): the texture memory '
                      'also takes windows reaching into the padding')


def _retrieval(model: TMADInpaintor, out: dict, hole: np.ndarray) -> dict:
    """Hole cells and their ranked memory windows from ``inpaint()``."""
    k = model.patch_size
    wp = out['result'].shape[-1]
    cells = out['cut']['cells'][0]  # (P, ) raster index on the k grid
    valid = out['cut']['valid'][0]
    pos = out['memory']['positions']  # (1, N_pool, 2)
    src = out['memory']['sources']  # (1, N_pool)
    idx = out['retrieval']['indices']  # (1, P, N_c)
    # (1, P, N_c, 2): window positions, best ranked first
    cand = gather_cells(pos, idx.flatten(1)).view(*idx.shape, 2)[0]
    cand_src = gather_cells(src, idx.flatten(1)).view(idx.shape)[0]
    yx = torch.stack([cells // (wp // k) * k, cells % (wp // k) * k], -1)
    yx, cand = yx.cpu().numpy(), cand.cpu().numpy()
    # keep cells with a hole pixel of the photo (not of the padding)
    keep = valid.cpu().numpy() & np.array(
        [hole[y:y + k, x:x + k].any() for y, x in yx], dtype=bool)
    return dict(
        hole_cells=yx[keep],
        retrieved=cand[keep],
        retrieved_sources=cand_src.cpu().numpy()[keep],
        memory_positions=pos[0].cpu().numpy(),
        memory_sources=src[0].cpu().numpy(),
        patch_size=k,
        num_valid_memory=int(out['memory']['num_valid'][0]))

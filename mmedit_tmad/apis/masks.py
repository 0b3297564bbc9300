# Copyright (c) OpenMMLab. All rights reserved.
"""Hole masks for object removal: read a mask, or draw boxes and strokes.

A mask is an (h, w) bool array, True = hole (the pixels to fill), the
convention of mmagic's ``LoadMask`` (1 = hole).
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from mmagic.utils import bbox2mask

from mmedit_tmad.utils.image_io import imread_checked

MaskInput = Union[str, np.ndarray]


def parse_box(text: str) -> Tuple[int, int, int, int]:
    """``'x,y,w,h'`` (pixels, top-left corner and size) -> a tuple."""
    try:
        box = tuple(int(v) for v in text.split(','))
    except ValueError:
        box = ()
    if len(box) != 4:
        raise ValueError(f'a box is x,y,w,h in pixels, got {text!r}')
    if box[2] <= 0 or box[3] <= 0:
        raise ValueError(f'box {text!r} has no area (w and h must be > 0)')
    return box


def parse_stroke(text: str) -> np.ndarray:
    """``'x1,y1,x2,y2,...'`` (a polyline, pixels) -> (n, 2) int array."""
    try:
        values = [int(round(float(v))) for v in text.split(',')]
    except ValueError:
        values = []
    if not values or len(values) % 2:
        raise ValueError('a stroke is x1,y1[,x2,y2,...] in pixels (an even '
                         f'number of values), got {text!r}')
    return np.array(values, dtype=np.int64).reshape(-1, 2)


def draw_mask(shape: Sequence[int],
              boxes: Sequence[Sequence[int]] = (),
              strokes: Sequence[np.ndarray] = (),
              stroke_width: int = 15) -> np.ndarray:
    """Draw boxes and brush strokes into a hole mask (paper Fig.12).

    Boxes are clipped to the image (mmagic's ``bbox2mask`` draws them);
    strokes are polylines drawn with a round brush of diameter
    ``stroke_width``: every pixel whose centre lies within
    ``stroke_width / 2`` of the polyline (a stroke of one point is a dot).
    Strokes may leave the image (clipped).

    Args:
        shape (Sequence[int]): Image shape, (h, w, ...).
        boxes (Sequence): ``(x, y, w, h)`` boxes. Default: ().
        strokes (Sequence[np.ndarray]): (n, 2) ``(x, y)`` polylines.
            Default: ().
        stroke_width (int): Brush diameter in pixels. Default: 15.

    Returns:
        np.ndarray: (h, w) bool, True = hole.
    """
    h, w = int(shape[0]), int(shape[1])
    if stroke_width < 1:
        raise ValueError(f'stroke_width must be >= 1, got {stroke_width}')
    mask = np.zeros((h, w), dtype=np.uint8)
    for box in boxes:
        x, y, bw, bh = (int(v) for v in box)
        if bw <= 0 or bh <= 0:
            raise ValueError(f'box {tuple(box)} has no area')
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + bw, w), min(y + bh, h)
        if x0 >= x1 or y0 >= y1:
            raise ValueError(f'box (x, y, w, h) = {tuple(box)} lies outside '
                             f'the {h}x{w} image')
        # bbox2mask takes (top, left, height, width): (h, w, 1)
        mask |= bbox2mask((h, w), (y0, x0, y1 - y0, x1 - x0))[..., 0]
    hole = mask.astype(bool)
    for stroke in strokes:
        pts = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        if len(pts) == 0:
            raise ValueError('a stroke needs at least one point')
        # a dot for one point; consecutive points as segments
        segments = list(zip(pts[:-1], pts[1:])) or [(pts[0], pts[0])]
        for p0, p1 in segments:
            _brush_segment(hole, p0, p1, stroke_width / 2.)
    return hole


def _brush_segment(hole: np.ndarray, p0: np.ndarray, p1: np.ndarray,
                   radius: float) -> None:
    """Set the pixels whose centre is within ``radius`` of segment p0-p1.

    A round brush: a line of width ``2 * radius`` with round ends and
    joints (pixel centres at integer ``(x, y)``).
    """
    h, w = hole.shape
    lo = np.floor(np.minimum(p0, p1) - radius).astype(int)
    hi = np.ceil(np.maximum(p0, p1) + radius).astype(int) + 1
    x0, y0 = max(lo[0], 0), max(lo[1], 0)
    x1, y1 = min(hi[0], w), min(hi[1], h)
    if x0 >= x1 or y0 >= y1:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1]
    # (hh, ww, 2) pixel centres, projected onto the segment
    q = np.stack([xs, ys], -1).astype(np.float64)
    d = p1 - p0
    t = ((q - p0) @ d) / max(float(d @ d), 1e-12)
    near = p0 + np.clip(t, 0., 1.)[..., None] * d
    dist = np.linalg.norm(q - near, axis=-1)
    hole[y0:y1, x0:x1] |= dist <= radius


def read_mask(mask: MaskInput, shape: Sequence[int]) -> np.ndarray:
    """A hole mask from a file or an array, checked against the image.

    Accepts bool, 0/1 or 0-255 masks (any numeric dtype), (h, w), (h, w, 1)
    or (h, w, 3); a pixel is a hole where any channel is > 0 (so
    anti-aliased or JPEG-saved masks grow to every touched pixel). A file
    is read as it is stored, turned upright by its EXIF orientation as the
    image is (:func:`~mmedit_tmad.utils.image_io.imread_8bit`); an empty,
    truncated or corrupt file is an
    :class:`~mmedit_tmad.utils.image_io.ImageDecodeError` naming it.

    Args:
        mask (str | np.ndarray): Path or array.
        shape (Sequence[int]): Image shape, (h, w, ...).

    Returns:
        np.ndarray: (h, w) bool, True = hole.
    """
    if isinstance(mask, str):
        arr = imread_checked(
            mask, flag='unchanged', kind='mask', upright=True)
        name = mask
    elif isinstance(mask, np.ndarray):
        arr, name = mask, 'the mask array'
    else:
        raise TypeError('mask must be a file path or a numpy array, got '
                        f'{type(mask).__name__}')
    if arr.dtype.kind not in 'biuf':
        raise TypeError(f'{name} has dtype {arr.dtype}; give a bool or '
                        'numeric mask')
    if arr.ndim == 3 and arr.shape[2] in (1, 3):
        pass
    elif arr.ndim != 2:
        raise ValueError(f'{name} has shape {arr.shape}; expected (h, w), '
                         '(h, w, 1) or (h, w, 3)')
    if arr.dtype.kind == 'f' and not np.isfinite(arr).all():
        raise ValueError(f'{name} contains NaN or Inf values')
    h, w = int(shape[0]), int(shape[1])
    if arr.shape[:2] != (h, w):
        raise ValueError(f'mask {arr.shape[0]}x{arr.shape[1]} and image '
                         f'{h}x{w} differ in size')
    hole = arr > 0
    return hole.any(axis=2) if hole.ndim == 3 else hole


def make_mask(shape: Sequence[int],
              mask: Optional[MaskInput] = None,
              boxes: Sequence[Sequence[int]] = (),
              strokes: Sequence[np.ndarray] = (),
              stroke_width: int = 15) -> np.ndarray:
    """Union of a given mask and drawn boxes / strokes (the tools' masks).

    Args:
        shape (Sequence[int]): Image shape, (h, w, ...).
        mask (str | np.ndarray, optional): See :func:`read_mask`.
            Default: None.
        boxes, strokes, stroke_width: See :func:`draw_mask`.

    Returns:
        np.ndarray: (h, w) bool, True = hole.
    """
    if mask is None and not boxes and not strokes:
        raise ValueError('no mask: give a mask file, boxes or strokes')
    hole = draw_mask(shape, boxes, strokes, stroke_width)
    if mask is not None:
        hole |= read_mask(mask, shape)
    return hole

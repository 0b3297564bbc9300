# Copyright (c) OpenMMLab. All rights reserved.
"""Retrieval picture of T-MAD (paper Fig.6-7): hole cells and their sources.

Reads what :func:`mmedit_tmad.apis.inpaint` returns with
``return_steps=True`` (the model's own retrieval indices and memory
positions); nothing is retrieved again here.
"""
from typing import Optional

import cv2
import numpy as np

from mmedit_tmad.apis.inpainting import InpaintResult

_GAP = 4  # white pixels between panels


def retrieval_colors(num: int) -> np.ndarray:
    """``num`` distinct saturated colours, (num, 3) uint8.

    Hues step by the golden angle, so neighbouring cells differ strongly.
    """
    hue = (np.arange(num) * 0.618034 % 1. * 180).astype(np.uint8)
    hsv = np.stack([hue, np.full_like(hue, 230), np.full_like(hue, 255)], -1)
    return cv2.cvtColor(hsv[None], cv2.COLOR_HSV2BGR)[0]


def _color3(img: np.ndarray) -> np.ndarray:
    """uint8 (h, w[, 1|3|4]) -> (h, w, 3) for drawing (alpha dropped)."""
    if img.ndim == 2 or img.shape[2] == 1:
        return np.repeat(img.reshape(img.shape[:2])[..., None], 3, axis=2)
    return np.ascontiguousarray(img[..., :3])


def paste_retrieved(steps: InpaintResult, rank: int = 0) -> np.ndarray:
    """The coarse result with each hole cell replaced by its retrieved window.

    Windows are cut from ``steps.coarse`` (the image the memory is built
    from: the input on every valid pixel) or, for a window of a reference,
    from that reference; cells and windows are clipped to the image. This
    is what PSNet receives as its ``rank``-th candidate.

    Args:
        steps (InpaintResult): ``inpaint(..., return_steps=True)`` of a
            T-MAD model in phase 2.
        rank (int): 0 for the best ranked window. Default: 0.

    Returns:
        np.ndarray: (h, w, 3) uint8.
    """
    _check(steps, rank)
    src = _color3(steps.coarse)
    out = src.copy()
    h, w = src.shape[:2]
    k = steps.patch_size
    images = [src] + [_color3(r) for r in steps.references]
    for (y, x), (sy, sx), j in zip(steps.hole_cells,
                                   steps.retrieved[:, rank],
                                   _sources(steps)[:, rank]):
        img = images[j]
        ch = min(k, h - y, img.shape[0] - sy)
        cw = min(k, w - x, img.shape[1] - sx)
        out[y:y + ch, x:x + cw] = img[sy:sy + ch, sx:sx + cw]
    return out


def _sources(steps: InpaintResult) -> np.ndarray:
    """(P, N_c) source of each retrieved window (0: the photo)."""
    if steps.retrieved_sources is None:
        return np.zeros(steps.retrieved.shape[:2], np.int64)
    return steps.retrieved_sources


def _check(steps: InpaintResult, rank: int) -> None:
    if steps.hole_cells is None or steps.coarse is None:
        raise ValueError('no retrieval to draw: the model made none (a T-MAD '
                         'model in phase 2 is needed; phase-1, coarse-only '
                         'and other inpaintors, or an empty mask, have none)'
                         ' or none at full resolution (every window of a big '
                         'photo was downscaled: see steps.windows)')
    num = steps.retrieved.shape[1]
    if not 0 <= rank < num:
        raise ValueError(f'rank must be in [0, {num}), got {rank}')


def draw_retrieval(image: np.ndarray,
                   steps: InpaintResult,
                   rank: int = 0,
                   max_cells: Optional[int] = 32,
                   scale: Optional[int] = None,
                   thickness: int = 1) -> np.ndarray:
    """Retrieval picture: input | retrieved windows | coarse | result.

    Panel 1 is the input with the hole in grey; each drawn hole cell ``p_s``
    is a filled, coloured box, and the memory window ranked ``rank`` for it
    (``T_c``, Eq.2-5) an outlined box of the same colour. Panel 2 pastes the
    windows of every hole cell into the coarse result
    (:func:`paste_retrieved`), panel 3 is the coarse result ``Î_s``, panel
    4 the output ``Î_p``. With references (``inpaint(...,
    reference=...)``) a second row shows each reference, labelled, at the
    height of the panels, with the windows retrieved from it outlined in
    the colour of their hole cell: a cell whose window is not outlined in
    panel 1 took it from the reference of the same colour.

    Args:
        image (np.ndarray): The input image, in the format given to
            ``inpaint`` (grayscale, colour or colour + alpha).
        steps (InpaintResult): ``inpaint(..., return_steps=True)``.
        rank (int): Which candidate to show, 0 = best. Default: 0.
        max_cells (int, optional): Box at most this many hole cells (evenly
            spread over the raster order); None for all. Default: 32.
        scale (int, optional): Nearest-neighbour upscaling of every panel;
            None picks the smallest making the picture at least 256 pixels
            high. Default: None.
        thickness (int): Box line width in output pixels. Default: 1.

    Returns:
        np.ndarray: (s*h, 4*s*w + 12, 3) uint8, the channel order of
        ``image``; with references (2*s*h + 4, max(4*s*w + 12, width of
        the reference row), 3).
    """
    _check(steps, rank)
    img = _color3(np.asarray(image))
    h, w = img.shape[:2]
    if steps.mask.shape != (h, w):
        raise ValueError(f'image {h}x{w} is not the one of the steps '
                         f'{steps.mask.shape[0]}x{steps.mask.shape[1]}')
    s = int(scale) if scale is not None else max(1, -(-256 // h))
    if s < 1:
        raise ValueError(f'scale must be >= 1, got {scale}')

    def up(a: np.ndarray) -> np.ndarray:
        return cv2.resize(a, (w * s, h * s), interpolation=cv2.INTER_NEAREST)

    masked = img.copy()
    masked[steps.mask] = 128
    panel = up(masked)
    cells, sources = steps.hole_cells, steps.retrieved[:, rank]
    num = len(cells)
    pick = np.arange(num)
    if max_cells is not None and num > max_cells:
        pick = np.unique(np.linspace(0, num - 1, max_cells).round().astype(
            int))
    colors = retrieval_colors(len(pick))
    k = steps.patch_size * s
    fill = panel.copy()
    which = _sources(steps)[:, rank]
    boxes = [(tuple(int(v) for v in color),
              tuple(int(v) * s for v in cells[i]),
              tuple(int(v) * s for v in sources[i]), int(which[i]))
             for color, i in zip(colors, pick)]
    for c, (y, x), _, _ in boxes:
        cv2.rectangle(fill, (x, y), (x + k - 1, y + k - 1), c, -1)
    # hole cells half transparent over the grey hole, then the outlines
    panel = cv2.addWeighted(panel, 0.45, fill, 0.55, 0)
    for c, (y, x), (sy, sx), j in boxes:
        cv2.rectangle(panel, (x, y), (x + k - 1, y + k - 1), c, thickness)
        if j == 0:
            cv2.rectangle(panel, (sx, sy), (sx + k - 1, sy + k - 1), c,
                          thickness)
    panels = [
        panel,
        up(paste_retrieved(steps, rank)),
        up(_color3(steps.coarse)),
        up(_color3(steps.result))
    ]
    row = _row(panels)
    if not steps.references:
        return row
    refs = []
    for j, ref in enumerate(steps.references, 1):
        ref = _color3(ref).copy()
        f = h * s / ref.shape[0]  # panel pixels per reference pixel
        for c, _, (sy, sx), src in boxes:
            if src == j:
                y0, x0 = round(sy / s), round(sx / s)
                kk = steps.patch_size
                cv2.rectangle(ref, (x0, y0), (x0 + kk - 1, y0 + kk - 1), c,
                              max(1, round(thickness / f)))
        size = (max(1, round(ref.shape[1] * f)), h * s)
        ref = cv2.resize(
            ref, size,
            interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_NEAREST)
        cv2.putText(ref, f'reference {j}', (4, 16), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5, (255, 255, 255), 2, cv2.LINE_AA)
        cv2.putText(ref, f'reference {j}', (4, 16), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5, (0, 0, 0), 1, cv2.LINE_AA)
        refs.append(ref)
    second = _row(refs)
    width = max(row.shape[1], second.shape[1])
    rows = [
        np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)),
               constant_values=255) for r in (row, second)
    ]
    gap = np.full((_GAP, width, 3), 255, dtype=np.uint8)
    return np.concatenate([rows[0], gap, rows[1]], axis=0)


def _row(panels) -> np.ndarray:
    """Panels of one height side by side, white gaps between them."""
    gap = np.full((panels[0].shape[0], _GAP, 3), 255, dtype=np.uint8)
    row = [panels[0]]
    for p in panels[1:]:
        row += [gap, p]
    return np.concatenate(row, axis=1)

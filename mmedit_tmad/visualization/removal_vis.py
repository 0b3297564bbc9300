# Copyright (c) OpenMMLab. All rights reserved.
"""Object-removal picture (paper Fig.12): outlined hole | output."""
import cv2
import numpy as np

from mmedit_tmad.apis.inpainting import InpaintResult
from .retrieval_vis import _GAP, _color3


def draw_removal(image: np.ndarray,
                 steps: InpaintResult,
                 color=(0, 0, 255),
                 thickness: int = 1) -> np.ndarray:
    """The photo with the hole's outline drawn on it, then the output.

    Args:
        image (np.ndarray): The input image, in the format given to
            ``inpaint`` (grayscale, colour or colour + alpha).
        steps (InpaintResult): ``inpaint(..., return_steps=True)``.
        color (tuple): Outline colour in the image's channel order.
            Default: red in BGR.
        thickness (int): Outline width. Default: 1.

    Returns:
        np.ndarray: (h, 2*w + 4, 3) uint8.
    """
    img = _color3(np.asarray(image)).copy()
    if steps.mask.shape != img.shape[:2]:
        raise ValueError(f'image {img.shape[0]}x{img.shape[1]} is not the '
                         f'one of the steps {steps.mask.shape}')
    contours, _ = cv2.findContours(
        steps.mask.astype(np.uint8), cv2.RETR_EXTERNAL,
        cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(img, contours, -1, tuple(int(c) for c in color),
                     thickness)
    gap = np.full((img.shape[0], _GAP, 3), 255, dtype=np.uint8)
    return np.concatenate([img, gap, _color3(steps.result)], axis=1)

# Copyright (c) OpenMMLab. All rights reserved.
"""OpenCV's fast-marching inpainting (Telea, 2004) as a baseline row."""
import cv2
import numpy as np

from mmedit_tmad.registry import MODELS
from .classical_inpaintor import ClassicalInpaintor


@MODELS.register_module()
class TeleaInpaintor(ClassicalInpaintor):
    """``cv2.inpaint(..., cv2.INPAINT_TELEA)``, evaluated by tools/test.py.

    A. Telea, "An image inpainting technique based on the fast marching
    method", J. Graphics Tools 9(1), 2004: pixels are filled from the hole
    boundary inwards, each as a weighted first-order extrapolation of the
    known pixels within ``radius``.

    Args:
        data_preprocessor (dict): mmagic ``DataPreprocessor`` config.
        radius (float): Neighbourhood radius in pixels. Default: 3 (the
            value of OpenCV's example).
        init_cfg (dict, optional): Unused. Default: None.
    """
    # cv2.inpaint releases the GIL and keeps no state between calls
    thread_safe = True

    def __init__(self, data_preprocessor, radius: float = 3., init_cfg=None):
        super().__init__(data_preprocessor, init_cfg=init_cfg)
        if radius <= 0:
            raise ValueError(f'radius must be positive, got {radius}')
        self.radius = radius

    def inpaint_image(self, img: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(h, w, 3) uint8, (h, w) 1 = hole -> (h, w, 3) uint8."""
        return cv2.inpaint(img, mask * 255, self.radius, cv2.INPAINT_TELEA)

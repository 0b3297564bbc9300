# Copyright (c) OpenMMLab. All rights reserved.
"""Biharmonic inpainting (Damelin and Hoang, 2018) as a baseline row."""
import numpy as np

from mmedit_tmad.registry import MODELS
from .classical_inpaintor import ClassicalInpaintor


@MODELS.register_module()
class BiharmonicInpaintor(ClassicalInpaintor):
    """``skimage.restoration.inpaint_biharmonic``, evaluated by
    tools/test.py.

    S. B. Damelin and N. S. Hoang, "On surface completions using the
    biharmonic equation", Int. J. Math. Math. Sci., 2018: each channel of
    the hole is the solution of the biharmonic equation ``Δ²u = 0`` with
    the valid pixels around it as boundary values, the smoothest surface
    that continues both the values and the gradients of the border (Telea
    continues them along the fast-marching front, pixel by pixel). One
    sparse linear solve per channel; no texture.

    Args:
        data_preprocessor (dict): mmagic ``DataPreprocessor`` config.
        init_cfg (dict, optional): Unused. Default: None.
    """
    # a pure function of its inputs; scipy's sparse solve releases the GIL
    thread_safe = True

    def inpaint_image(self, img: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(h, w, 3) uint8, (h, w) 1 = hole -> (h, w, 3) uint8."""
        # imported here: scikit-image loads its restoration module lazily
        from skimage.restoration import inpaint_biharmonic
        out = inpaint_biharmonic(
            img.astype(np.float64) / 255., mask.astype(bool),
            channel_axis=-1)
        return np.clip(np.round(out * 255.), 0, 255).astype(np.uint8)

# Copyright (c) OpenMMLab. All rights reserved.
"""PatchMatch inpainting (Barnes et al., 2009) as a baseline row."""
import numpy as np

from mmedit_tmad.registry import MODELS
from .classical_inpaintor import ClassicalInpaintor


@MODELS.register_module()
class PatchMatchInpaintor(ClassicalInpaintor):
    """``pypatchmatch``'s ``patch_match.inpaint``, evaluated by tools/test.py.

    C. Barnes, E. Shechtman, A. Finkelstein, D. Goldman, "PatchMatch: a
    randomized correspondence algorithm for structural image editing", ACM
    TOG (SIGGRAPH) 2009: the hole is filled coarse to fine by copying
    patches of the valid region, found by PatchMatch's randomised
    nearest-neighbour search (the classical counterpart of T-MAD's patch
    retrieval). The package's native search is seeded, so a run is
    repeatable.

    Args:
        data_preprocessor (dict): mmagic ``DataPreprocessor`` config.
        patch_size (int): Patch *radius*: compared patches span
            ``(2 * patch_size + 1) ** 2`` pixels. Default: 3 (the package's
            examples).
        init_cfg (dict, optional): Unused. Default: None.
    """
    # the native search (single-threaded) runs with the GIL released
    # (ctypes) and seeds its own generator in each call
    thread_safe = True

    def __init__(self, data_preprocessor, patch_size: int = 3,
                 init_cfg=None):
        super().__init__(data_preprocessor, init_cfg=init_cfg)
        if int(patch_size) != patch_size or patch_size < 1:
            raise ValueError(
                f'patch_size must be a positive integer, got {patch_size}')
        # imported here: the native library loads on first use
        from patchmatch import patch_match
        self._patch_match = patch_match
        self.patch_size = int(patch_size)

    def inpaint_image(self, img: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(h, w, 3) uint8, (h, w) 1 = hole -> (h, w, 3) uint8."""
        return self._patch_match.inpaint(
            img, mask, patch_size=self.patch_size)

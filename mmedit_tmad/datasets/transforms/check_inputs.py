# Copyright (c) OpenMMLab. All rights reserved.
"""Validate an image and its hole mask before they reach the model."""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmedit_tmad.registry import TRANSFORMS


@TRANSFORMS.register_module()
class TMADCheckInputs(BaseTransform):
    """Reject a sample that would fail deep in the model or train on garbage.

    Put it after the image and the mask are loaded and shaped, before
    ``GetMaskedImage``. Every error is a ``ValueError`` that starts with the
    image file (``<img_key>_path``).

    ====================================  ===================================
    input                                 result
    ====================================  ===================================
    no image / not ``H x W x 3``          error (load with
                                          ``color_type='color'``)
    NaN or Inf in the image or the mask   error
    image smaller than ``min_size``       error (add a ``Resize``/``Crop``)
    mask size differs from the image      error
    mask values outside {0, 1}            error, or with ``binarize_mask=t``
                                          ``mask > t`` (as a float 0/1 mask)
    mask all 0 (no hole) / all 1          passed on: defined results of
                                          ``TMADInpaintor`` (no hole: the
                                          input; all hole: an empty memory)
    ====================================  ===================================

    Args:
        img_key (str): Key of the image. Default: 'gt'.
        mask_key (str, optional): Key of the mask; None checks only the
            image. Default: 'mask'.
        min_size (Sequence[int], optional): Smallest ``(h, w)``. Default:
            None.
        binarize_mask (float, optional): Threshold that turns a soft mask
            (e.g. a resized one, or 0/255) into 0/1; None rejects such
            masks. Default: None.
    """

    def __init__(self,
                 img_key: str = 'gt',
                 mask_key: Optional[str] = 'mask',
                 min_size: Optional[Sequence[int]] = None,
                 binarize_mask: Optional[float] = None) -> None:
        self.img_key = img_key
        self.mask_key = mask_key
        self.min_size = tuple(min_size) if min_size is not None else None
        self.binarize_mask = binarize_mask

    def transform(self, results: dict) -> dict:
        path = results.get(f'{self.img_key}_path', '<no file path>')
        img = results.get(self.img_key)
        if not isinstance(img, np.ndarray):
            raise ValueError(f'{path}: no image under {self.img_key!r} '
                             f'(got {type(img).__name__})')
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(
                f'{path}: expected an H x W x 3 image, got shape '
                f'{img.shape}; load it with color_type=\'color\'')
        if img.dtype.kind == 'f' and not np.isfinite(img).all():
            raise ValueError(f'{path}: the image contains NaN or Inf')
        h, w = img.shape[:2]
        if self.min_size is not None and (h < self.min_size[0]
                                          or w < self.min_size[1]):
            raise ValueError(
                f'{path}: image {h}x{w} is smaller than {self.min_size[0]}x'
                f'{self.min_size[1]}; add a Resize or Crop to the pipeline')
        if self.mask_key is None:
            return results
        mask = results.get(self.mask_key)
        if not isinstance(mask, np.ndarray):
            raise ValueError(f'{path}: no mask under {self.mask_key!r}')
        if mask.ndim == 2:
            mask = mask[..., None]
        if mask.ndim != 3 or mask.shape[2] != 1 or mask.shape[:2] != (h, w):
            raise ValueError(
                f'{path}: mask of shape {mask.shape} does not match the image '
                f'({h}x{w}); resize or crop image and mask together')
        if mask.dtype.kind == 'f' and not np.isfinite(mask).all():
            raise ValueError(f'{path}: the mask contains NaN or Inf')
        binary = ((mask == 0) | (mask == 1)).all()
        if not binary:
            if self.binarize_mask is None:
                values = np.unique(mask)
                raise ValueError(
                    f'{path}: the mask is not binary ({len(values)} values '
                    f'in [{values.min()}, {values.max()}]); set '
                    'binarize_mask=<threshold> to threshold it')
            mask = (mask > self.binarize_mask).astype(np.float32)
        results[self.mask_key] = mask
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(img_key={self.img_key!r}, '
                f'mask_key={self.mask_key!r}, min_size={self.min_size}, '
                f'binarize_mask={self.binarize_mask})')

# Copyright (c) OpenMMLab. All rights reserved.
"""Fixed evaluation masks: the same hole for the same image, every method."""
import os.path as osp
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from mmedit_tmad.registry import TRANSFORMS
from mmedit_tmad.utils.image_io import imread_checked


@TRANSFORMS.register_module()
class TMADLoadFixedMask(BaseTransform):
    """Load the evaluation mask of a sample from a fixed, versioned mask set.

    mmagic's ``LoadMask`` draws a new random hole each time (``bbox``,
    ``irregular``, ``ff``) or a random file of a list (``set``); a benchmark
    needs every method to see *the same* hole on *the same* image. This
    transform gives sample ``i`` of the dataset (``results['sample_idx']``,
    set by mmengine's ``BaseDataset``) mask ``i mod N`` of a list written by
    ``tools/dataset_converters/make_fixed_masks.py``.

    Adds ``mask`` (h, w, 1) uint8 in {0, 1} (1 = hole) and ``mask_path``,
    like ``LoadMask``. Place it after the image has its final size: a mask of
    another size is an error (``resize=False``) or resized with nearest
    neighbour (``resize=True``).

    Args:
        mask_list (str): The mask set's list file (one PNG name per line).
        prefix (str, optional): Folder of the PNGs. Default: the list's
            folder.
        img_key (str): Key of the image whose size the mask must have.
            Default: 'gt'.
        resize (bool): Resize masks of another size. Default: False.
    """

    def __init__(self,
                 mask_list: str,
                 prefix: Optional[str] = None,
                 img_key: str = 'gt',
                 resize: bool = False) -> None:
        if not osp.isfile(mask_list):
            raise FileNotFoundError(
                f'mask list {mask_list} not found; make it with '
                'tools/dataset_converters/make_fixed_masks.py')
        with open(mask_list) as f:
            self.names = [line.strip() for line in f if line.strip()]
        if not self.names:
            raise ValueError(f'mask list {mask_list} is empty')
        self.mask_list = mask_list
        self.prefix = prefix if prefix is not None else osp.dirname(mask_list)
        self.img_key = img_key
        self.resize = resize

    def transform(self, results: dict) -> dict:
        if 'sample_idx' not in results:
            raise KeyError('TMADLoadFixedMask needs results["sample_idx"] '
                           '(set by mmengine datasets)')
        path = osp.join(self.prefix,
                        self.names[results['sample_idx'] % len(self.names)])
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'mask {path} (listed in {self.mask_list}) not found')
        mask = imread_checked(path, flag='grayscale', kind='mask')
        h, w = results[self.img_key].shape[:2]
        if mask.shape != (h, w):
            if not self.resize:
                raise ValueError(
                    f'mask {path} is {mask.shape[1]}x{mask.shape[0]} but the '
                    f'image is {w}x{h}; make the mask set at the evaluation '
                    'size or set resize=True')
            mask = mmcv.imresize(mask, (w, h), interpolation='nearest')
        results['mask'] = (mask > 0).astype(np.uint8)[..., None]
        results['mask_path'] = path
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(mask_list={self.mask_list!r}, '
                f'num_masks={len(self.names)}, resize={self.resize})')

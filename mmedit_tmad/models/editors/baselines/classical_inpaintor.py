# Copyright (c) OpenMMLab. All rights reserved.
"""Shared frame of the non-learned (classical) inpainting baselines."""
import abc
from typing import Optional, Union

import numpy as np
import torch
from mmagic.models.base_models import OneStageInpaintor
from mmagic.structures import DataSample
from mmengine.model import BaseModel
from torch import Tensor

from mmedit_tmad.utils.threads import thread_map


class ClassicalInpaintor(BaseModel, metaclass=abc.ABCMeta):
    """A non-learned inpaintor evaluated like mmagic's inpaintors.

    Subclasses fill one 8-bit image (``inpaint_image``); this class turns
    the normalised batch back into 8-bit images (``DataPreprocessor.
    destruct``), fills each, composites the valid pixels back and returns
    data samples with ``pred_img``, ``fake_img``, ``fake_res`` in [0, 255],
    so ``tools/test.py`` and mmagic's metrics treat it as any other row.
    An image without any valid pixel is filled with mid-grey (127.5), as
    ``MeanFillInpaintor``; an image without a hole is returned unchanged.
    There are no parameters and nothing to train: ``train_step`` returns a
    zero loss.

    A subclass whose ``inpaint_image`` is native code that releases the
    GIL and keeps no state between calls sets ``thread_safe = True``: the
    images of a batch are then filled in ``torch.get_num_threads()``
    threads at once (each image's result is the same as filled alone).

    Args:
        data_preprocessor (dict): mmagic ``DataPreprocessor`` config.
        init_cfg (dict, optional): Unused. Default: None.
    """

    def __init__(self,
                 data_preprocessor: Union[dict, None],
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)

    # mmagic's way of attaching predictions to the data samples
    convert_to_datasample = OneStageInpaintor.convert_to_datasample
    #: fill the images of a batch in parallel threads (see above)
    thread_safe = False

    @abc.abstractmethod
    def inpaint_image(self, img: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Fill one image.

        Args:
            img (np.ndarray): (h, w, 3) uint8, in the dataset's channel order.
            mask (np.ndarray): (h, w) uint8, 1 = hole; at least one hole and
                one valid pixel.

        Returns:
            np.ndarray: (h, w, 3) uint8 filled image.
        """

    def fill(self, img: Tensor, mask: Tensor) -> Tensor:
        """Fill a batch in [0, 255].

        Args:
            img (Tensor): (n, 3, h, w) masked images in [0, 255].
            mask (Tensor): (n, 1, h, w), 1 = hole.

        Returns:
            Tensor: (n, 3, h, w) in [0, 255], valid pixels from ``img``.
        """
        if img.dim() != 4 or img.size(1) != 3:
            raise ValueError(f'{type(self).__name__} fills (n, 3, h, w) '
                             f'images, got {tuple(img.shape)}')
        if mask.shape != (img.size(0), 1) + img.shape[2:]:
            raise ValueError(f'mask {tuple(mask.shape)} does not match '
                             f'images {tuple(img.shape)}')
        hole = mask > 0.5
        out = list(img)
        todo = []  # images with both hole and valid pixels
        for i, m in enumerate(hole[:, 0]):
            if m.all():
                out[i] = torch.full_like(img[i], 127.5)
            elif m.any():
                todo.append(i)

        def one(i: int) -> Tensor:
            # (3, h, w) -> (h, w, 3) uint8
            x8 = img[i].round().clamp(0, 255).byte().permute(1, 2, 0)
            res = self.inpaint_image(
                np.ascontiguousarray(x8.cpu().numpy()),
                hole[i, 0].byte().cpu().numpy())
            return torch.from_numpy(np.asarray(res)).to(img).permute(2, 0, 1)

        filled = thread_map(one, todo) if self.thread_safe else [
            one(i) for i in todo
        ]
        for i, x in zip(todo, filled):
            out[i] = x
        out = torch.stack(out)
        return torch.where(hole, out, img)

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[DataSample] = None,
                mode: str = 'tensor'):
        """``'tensor'``: filled images in [0, 255]; ``'predict'``: samples."""
        img = self.data_preprocessor.destruct(inputs.clone(), data_samples)
        filled = self.fill(img, data_samples.mask.float())
        if mode == 'tensor':
            return filled
        if mode == 'predict':
            preds = DataSample(
                fake_res=filled, fake_img=filled, pred_img=filled)
            return self.convert_to_datasample(preds, data_samples, inputs)
        raise ValueError(f'{type(self).__name__} has nothing to train '
                         f'(mode={mode!r})')

    def train_step(self, data, optim_wrapper) -> dict:
        """Nothing to learn."""
        return {'loss': torch.zeros(())}

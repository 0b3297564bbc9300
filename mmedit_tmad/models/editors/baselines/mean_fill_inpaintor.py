# Copyright (c) OpenMMLab. All rights reserved.
"""The naive baseline: fill the hole with the mean colour of the image."""
from typing import Optional, Union

import torch
from mmagic.models.base_models import OneStageInpaintor
from mmagic.structures import DataSample
from mmengine.model import BaseModel
from torch import Tensor

from mmedit_tmad.registry import MODELS


@MODELS.register_module()
class MeanFillInpaintor(BaseModel):
    """Fills each hole with the mean colour of that image's valid pixels.

    Not learned; it is the floor every trained inpaintor must beat on the
    same masks, and is evaluated by the same ``tools/test.py`` (predictions
    carry ``pred_img``, ``fake_img``, ``fake_res`` as mmagic's inpaintors).
    An image without any valid pixel is filled with mid-grey (0 after
    normalisation).

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

    @staticmethod
    def fill(masked_img: Tensor, mask: Tensor) -> Tensor:
        """(n, c, h, w) normalised image, (n, 1, h, w) mask -> filled."""
        valid = 1. - mask
        count = valid.sum(dim=(2, 3), keepdim=True)
        mean = (masked_img * valid).sum(dim=(2, 3), keepdim=True) / \
            count.clamp_min(1.)
        return masked_img * valid + mean * mask

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[DataSample] = None,
                mode: str = 'tensor'):
        """``'tensor'``: the filled image; ``'predict'``: data samples."""
        filled = self.fill(inputs, data_samples.mask.float())
        if mode == 'tensor':
            return filled
        if mode == 'predict':
            img = self.data_preprocessor.destruct(filled, data_samples)
            preds = DataSample(fake_res=img, fake_img=img, pred_img=img)
            return self.convert_to_datasample(preds, data_samples, inputs)
        raise ValueError(f'{type(self).__name__} has nothing to train '
                         f'(mode={mode!r})')

    def train_step(self, data, optim_wrapper) -> dict:
        """Nothing to learn."""
        return {'loss': torch.zeros(())}

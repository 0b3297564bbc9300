# Copyright (c) OpenMMLab. All rights reserved.
"""Training holes of several kinds in one batch."""
from typing import List, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmedit_tmad.registry import TRANSFORMS


@TRANSFORMS.register_module()
class TMADLoadMixedMask(BaseTransform):
    """mmagic's ``LoadMask`` with a kind drawn per sample.

    One model for rectangles and free-form strokes needs both in training,
    but mmcv's ``RandomChoice`` of two ``LoadMask`` cannot be batched: the
    ``bbox`` mode adds ``mask_bbox`` and the others do not, and mmagic's
    ``DataSample.stack`` needs the same fields in every sample. This
    transform runs one ``LoadMask`` per sample, drawn with ``probs``, and
    drops ``mask_bbox``, so every sample carries ``mask`` (h, w, 1) alone.
    The draw uses numpy's global generator, as ``LoadMask`` does (seeded
    per dataloader worker by mmengine).

    Args:
        masks (list[dict]): ``LoadMask`` arguments (``mask_mode``,
            ``mask_config``), one per kind.
        probs (list[float], optional): Probability of each kind. Default:
            None (uniform).
    """

    def __init__(self,
                 masks: List[dict],
                 probs: Optional[Sequence[float]] = None) -> None:
        if not masks:
            raise ValueError('masks must list at least one LoadMask config')
        if probs is not None and (len(probs) != len(masks) or
                                  min(probs) < 0 or sum(probs) <= 0):
            raise ValueError(f'probs {probs} must be {len(masks)} '
                             'non-negative weights with a positive sum')
        self.loaders = [
            TRANSFORMS.build(dict(type='LoadMask', **m)) for m in masks
        ]
        self.probs = None if probs is None else \
            np.asarray(probs, float) / sum(probs)

    def transform(self, results: dict) -> dict:
        kind = np.random.choice(len(self.loaders), p=self.probs)
        results = self.loaders[kind](results)
        results.pop('mask_bbox', None)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(loaders={self.loaders}, ' \
            f'probs={self.probs})'

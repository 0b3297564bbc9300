# Copyright (c) OpenMMLab. All rights reserved.
"""Total variation of the result (paper Tab.III, "TV")."""
import numpy as np
from mmagic.evaluation.metrics.base_sample_wise_metric import \
    BaseSampleWiseMetric

from mmedit_tmad.registry import METRICS


@METRICS.register_module()
class TMADTV(BaseSampleWiseMetric):
    """Total variation of the inpainted image, lower is smoother (Tab.III).

    The paper does not define the metric beyond "total variation loss"; as
    its ``L_tv`` (Sec.III-C, "averaging the differences between neighboring
    pixels"), this is the mean absolute difference between vertically and
    horizontally adjacent pixels, on the 0-255 scale, averaged over the two
    directions and the channels. With ``mask_key`` only pairs touching the
    hole count. Reported under the name ``TV``.

    Read it beside the ground truth's TV: a lower value is a smoother
    image, not a more faithful one. Tab.III's TV ranks PatchMatch lowest,
    which this one does not (configs/tmad/README.md, "Paper vs. ours").

    Args:
        pred_key (str): Key of the prediction. Default: 'pred_img'.
        mask_key (str, optional): Key of the mask; None for the whole image.
            Default: None.
        **kwargs: Other ``BaseSampleWiseMetric`` arguments.
    """

    metric = 'TV'

    def process_image(self, gt, pred, mask):
        """TV of one (c, h, w) prediction on the 0-255 scale."""
        pred = np.asarray(pred, dtype=np.float64)
        dy = np.abs(pred[:, 1:, :] - pred[:, :-1, :])
        dx = np.abs(pred[:, :, 1:] - pred[:, :, :-1])
        if self.mask_key is None:
            return 0.5 * (dy.mean() + dx.mean())
        mask = np.asarray(mask, dtype=np.float64)
        mask = mask if mask.ndim == 3 else mask[None]
        my = np.maximum(mask[:, 1:, :], mask[:, :-1, :])
        mx = np.maximum(mask[:, :, 1:], mask[:, :, :-1])
        num = (dy * my).sum() + (dx * mx).sum()
        den = my.sum() * dy.shape[0] + mx.sum() * dx.shape[0]
        return num / max(den, 1e-12)

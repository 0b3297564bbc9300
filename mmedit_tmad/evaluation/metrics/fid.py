# Copyright (c) OpenMMLab. All rights reserved.
"""FID for inpainting with Inception weights from a local file."""
import os.path as osp
from typing import Optional

from mmagic.evaluation.metrics import TransFID

from mmedit_tmad.registry import METRICS

#: Where the weights of each Inception style come from (for the message).
INCEPTION_URLS = {
    'StyleGAN': 'https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/'
    'pretrained/metrics/inception-2015-12-05.pt',
    'PyTorch': 'https://github.com/mseitzer/pytorch-fid/releases/download/'
    'fid_weights/pt_inception-2015-12-05-6726825d.pth',
}


@METRICS.register_module()
class TMADTransFID(TransFID):
    """mmagic's ``TransFID`` that never downloads its Inception network.

    mmagic falls back to downloading the network when ``inception_path`` is
    missing; here the path is required and checked at construction, with the
    file name and its address in the error. Use it as ``TransFID``:
    ``fake_key='pred_img'``, ``real_key='gt_img'``, ``fake_nums=-1`` (the
    whole test set), ``sample_model='orig'``.

    Args:
        inception_path (str): Local Inception weights (``StyleGAN`` style:
            ``inception-2015-12-05.pt``).
        inception_style (str): 'StyleGAN' or 'PyTorch'. Default: 'StyleGAN'.
        **kwargs: Other ``TransFID`` arguments.
    """

    def __init__(self,
                 inception_path: str,
                 fake_nums: int = -1,
                 inception_style: str = 'StyleGAN',
                 fake_key: Optional[str] = 'pred_img',
                 real_key: Optional[str] = 'gt_img',
                 sample_model: str = 'orig',
                 **kwargs) -> None:
        if not inception_path or not osp.isfile(inception_path):
            url = INCEPTION_URLS.get(inception_style, '')
            raise FileNotFoundError(
                f'Inception weights for FID not found: {inception_path}. '
                f'Download {url} to that path (nothing is downloaded at run '
                'time), or set `inception_path` in the evaluator config.')
        super().__init__(
            fake_nums=fake_nums,
            inception_style=inception_style,
            inception_path=inception_path,
            fake_key=fake_key,
            real_key=real_key,
            sample_model=sample_model,
            **kwargs)

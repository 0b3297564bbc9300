# Copyright (c) OpenMMLab. All rights reserved.
from .fid import TMADTransFID
from .fid_kid import (FID_KID_MEASURES, TMADFIDKID, add_fid_kid,
                      fid_helper_inception_path, fid_kid_available)
from .per_image import TMADPerImage
from .tv import TMADTV

__all__ = [
    'TMADTV', 'TMADTransFID', 'TMADFIDKID', 'add_fid_kid',
    'fid_helper_inception_path', 'fid_kid_available', 'FID_KID_MEASURES',
    'TMADPerImage'
]

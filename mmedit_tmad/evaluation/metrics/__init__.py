# Copyright (c) OpenMMLab. All rights reserved.
from .fid import TMADTransFID
from .fid_kid import (TMADFIDKID, add_fid_kid, fid_helper_inception_path,
                      fid_kid_available)
from .tv import TMADTV

__all__ = [
    'TMADTV', 'TMADTransFID', 'TMADFIDKID', 'add_fid_kid',
    'fid_helper_inception_path', 'fid_kid_available'
]

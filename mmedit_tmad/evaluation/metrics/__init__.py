# Copyright (c) OpenMMLab. All rights reserved.
from .fid import TMADTransFID
from .tv import TMADTV

__all__ = ['TMADTV', 'TMADTransFID']

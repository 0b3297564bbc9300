# Copyright (c) OpenMMLab. All rights reserved.
from .fixed_mask import TMADLoadFixedMask

__all__ = ['TMADLoadFixedMask']

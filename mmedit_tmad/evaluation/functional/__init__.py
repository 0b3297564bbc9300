# Copyright (c) OpenMMLab. All rights reserved.
from .paired import paired_differences

__all__ = ['paired_differences']

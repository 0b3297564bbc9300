# Copyright (c) OpenMMLab. All rights reserved.
from .paired import GramMeasure, paired_differences

__all__ = ['GramMeasure', 'paired_differences']

# Copyright (c) OpenMMLab. All rights reserved.
from .mean_fill_inpaintor import MeanFillInpaintor

__all__ = ['MeanFillInpaintor']

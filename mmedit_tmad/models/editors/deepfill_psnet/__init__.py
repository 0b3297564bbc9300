# Copyright (c) OpenMMLab. All rights reserved.
from .deepfill_psnet_inpaintor import DeepFillPSNetInpaintor

__all__ = ['DeepFillPSNetInpaintor']

# Copyright (c) OpenMMLab. All rights reserved.
from .check_inputs import TMADCheckInputs
from .fixed_mask import TMADLoadFixedMask
from .load_image import TMADLoadImageFromFile
from .mixed_mask import TMADLoadMixedMask

__all__ = [
    'TMADCheckInputs', 'TMADLoadFixedMask', 'TMADLoadImageFromFile',
    'TMADLoadMixedMask'
]

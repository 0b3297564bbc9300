# Copyright (c) OpenMMLab. All rights reserved.
from .aot_discriminator import AOTSoftMaskPatchDiscriminator
from .aot_perceptual_loss import AOTPerceptualLoss
from .mean_fill_inpaintor import MeanFillInpaintor

__all__ = [
    'AOTPerceptualLoss', 'AOTSoftMaskPatchDiscriminator', 'MeanFillInpaintor'
]

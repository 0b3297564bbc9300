# Copyright (c) OpenMMLab. All rights reserved.
from .aot_discriminator import AOTSoftMaskPatchDiscriminator
from .aot_perceptual_loss import AOTPerceptualLoss
from .biharmonic_inpaintor import BiharmonicInpaintor
from .classical_inpaintor import ClassicalInpaintor
from .mean_fill_inpaintor import MeanFillInpaintor
from .patchmatch_inpaintor import PatchMatchInpaintor
from .telea_inpaintor import TeleaInpaintor

__all__ = [
    'AOTPerceptualLoss', 'AOTSoftMaskPatchDiscriminator',
    'BiharmonicInpaintor', 'ClassicalInpaintor', 'MeanFillInpaintor',
    'PatchMatchInpaintor', 'TeleaInpaintor'
]

# Copyright (c) OpenMMLab. All rights reserved.
from .tmad_coarse_net import TMADCoarseNet
from .tmad_discriminators import TMADDiscriminators, TMADPatchDiscriminator
from .tmad_inpaintor import TMADInpaintor
from .tmad_psnet import TMADPSNet
from .tmad_texture_memory import TMADTextureMemory
from .tmad_texture_retrieval import TMADTextureRetrieval
from .tmad_texture_synthesis import TMADTextureSynthesis

__all__ = [
    'TMADCoarseNet', 'TMADDiscriminators', 'TMADInpaintor', 'TMADPSNet',
    'TMADPatchDiscriminator', 'TMADTextureMemory', 'TMADTextureRetrieval',
    'TMADTextureSynthesis'
]

# Copyright (c) OpenMMLab. All rights reserved.
from .tmad_coarse_net import TMADCoarseNet

__all__ = ['TMADCoarseNet']

# Copyright (c) OpenMMLab. All rights reserved.
from .tmad_bf16_optim_wrapper import TMADBF16OptimWrapper

__all__ = ['TMADBF16OptimWrapper']

# Copyright (c) OpenMMLab. All rights reserved.
from .carafe import TMADCARAFEPack, carafe, carafe_pytorch

__all__ = ['TMADCARAFEPack', 'carafe', 'carafe_pytorch']

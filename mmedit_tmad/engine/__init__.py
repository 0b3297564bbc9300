# Copyright (c) OpenMMLab. All rights reserved.
from .checkpoint import RUNNER_CHECKPOINT_GLOBALS, load_from_local

__all__ = ['RUNNER_CHECKPOINT_GLOBALS', 'load_from_local']

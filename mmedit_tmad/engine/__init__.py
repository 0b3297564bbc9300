# Copyright (c) OpenMMLab. All rights reserved.
from .atomic_io import TMADAtomicLocalBackend, atomic_write
from .checkpoint import RUNNER_CHECKPOINT_GLOBALS, load_from_local
from .hooks import (TMADChannelsLastHook, TMADCheckpointHook,
                    TMADPublishedWeightsHook, TMADRankSyncHook,
                    TMADTrainInfoHook, check_ranks_in_sync)
from .optimizers import TMADBF16OptimWrapper

__all__ = [
    'RUNNER_CHECKPOINT_GLOBALS', 'load_from_local', 'atomic_write',
    'TMADAtomicLocalBackend', 'TMADChannelsLastHook', 'TMADCheckpointHook',
    'TMADPublishedWeightsHook', 'TMADRankSyncHook', 'TMADTrainInfoHook',
    'check_ranks_in_sync',
    'TMADBF16OptimWrapper'
]

# Copyright (c) OpenMMLab. All rights reserved.
from .channels_last_hook import TMADChannelsLastHook
from .checkpoint_hook import TMADCheckpointHook
from .published_weights_hook import TMADPublishedWeightsHook
from .rank_sync_hook import TMADRankSyncHook, check_ranks_in_sync
from .train_info_hook import TMADTrainInfoHook

__all__ = [
    'TMADChannelsLastHook', 'TMADCheckpointHook', 'TMADPublishedWeightsHook',
    'TMADRankSyncHook', 'TMADTrainInfoHook', 'check_ranks_in_sync'
]

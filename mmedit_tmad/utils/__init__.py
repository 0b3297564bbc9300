# Copyright (c) OpenMMLab. All rights reserved.
from .dist import setup_cpu_distributed, teardown_distributed
from .precision import (autocast, channels_last_safe, cpu_channels_last,
                        cpu_has_bf16_matmul, model_autocast,
                        resolve_precision, set_precision,
                        set_test_precision)
from .threads import thread_map

__all__ = [
    'setup_cpu_distributed', 'teardown_distributed', 'autocast',
    'channels_last_safe', 'cpu_channels_last', 'cpu_has_bf16_matmul',
    'model_autocast', 'resolve_precision', 'set_precision',
    'set_test_precision', 'thread_map'
]

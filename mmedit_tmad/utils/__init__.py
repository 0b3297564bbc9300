# Copyright (c) OpenMMLab. All rights reserved.
from .dist import setup_cpu_distributed, teardown_distributed

__all__ = ['setup_cpu_distributed', 'teardown_distributed']

# Copyright (c) OpenMMLab. All rights reserved.
"""Pictures of T-MAD's steps."""
from .removal_vis import draw_removal
from .retrieval_vis import draw_retrieval, paste_retrieved, retrieval_colors

__all__ = [
    'draw_removal', 'draw_retrieval', 'paste_retrieved', 'retrieval_colors'
]

# Copyright (c) OpenMMLab. All rights reserved.
from .cra_aggregation import CRAResidualAggregation
from .cra_blocks import (CRAAttentionTransfer, CRAContextualAttention,
                         CRADilatedBlock, CRAGatedConv, CRAUpConv,
                         reassemble_patches)
from .cra_generator import CRACoarseNet, CRAGenerator
from .cra_inpaintor import CRAInpaintor

__all__ = [
    'CRAAttentionTransfer', 'CRAContextualAttention', 'CRACoarseNet',
    'CRADilatedBlock', 'CRAGatedConv', 'CRAGenerator', 'CRAInpaintor',
    'CRAResidualAggregation', 'CRAUpConv', 'reassemble_patches'
]

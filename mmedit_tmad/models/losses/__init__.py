# Copyright (c) OpenMMLab. All rights reserved.
from .blending_loss import TMADBlendingLoss, tv_loss
from .patch_distribution_loss import (TMADPatchDistributionLoss,
                                      patch_distribution_d_loss,
                                      patch_distribution_g_loss)
from .perceptual_loss import TMADPerceptualLoss, load_vgg_features
from .recon_loss import TMADReconLoss, recon_loss

__all__ = [
    'TMADBlendingLoss', 'TMADPatchDistributionLoss', 'TMADPerceptualLoss',
    'TMADReconLoss', 'load_vgg_features', 'patch_distribution_d_loss',
    'patch_distribution_g_loss', 'recon_loss', 'tv_loss'
]

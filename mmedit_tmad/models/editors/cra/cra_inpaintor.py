# Copyright (c) OpenMMLab. All rights reserved.
"""CRA inpaintor: low-resolution training, residual aggregation at test."""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmagic.models.base_models import OneStageInpaintor
from mmagic.models.utils import set_requires_grad
from torch import Tensor

from mmedit_tmad.registry import MODELS


@MODELS.register_module()
class CRAInpaintor(OneStageInpaintor):
    """Contextual Residual Aggregation (Yi et al., CVPR 2020).

    The generator (``CRAGenerator``) works at 1 / ``scale_factor`` of the
    image size: images are average-pooled (the authors' ``resize_ave``) and
    masks max-pooled (a cell with any hole pixel is a hole). Training is at
    that resolution, as the authors train their network at its native size
    (512); the losses are those of the authors' code:

    * L1 on the hole and on the known region for the coarse and the refined
      output, the coarse terms scaled by ``coarse_weight``
      (``COARSE_ALPHA`` = 1.2; ``L1_LOSS_ALPHA`` = ``AE_LOSS_ALPHA`` = 1.2
      are the losses' weights in the configs). mmagic's masked ``L1Loss``
      averages over the hole / known pixels (the authors average the hole
      term over all pixels);
    * WGAN-GP: mmagic's ``GANLoss('wgan')`` (weight 0.001) on a global
      critic of the composited low-resolution result and mmagic's
      ``GradientPenaltyLoss`` (weight 10; mmagic's per-pixel gradient norm,
      where the authors take it per image).

    At test time the low-resolution result is composited, its attention
    scores aggregate the high-resolution residuals of the context
    (``CRAResidualAggregation``) and the known pixels are pasted back.
    ``scale_factor=1`` gives the plain generator (zero residuals).

    Args:
        data_preprocessor (dict): mmagic ``DataPreprocessor`` config.
        encdec (dict): ``CRAGenerator`` config.
        disc (dict, optional): Critic config.
        loss_gan (dict, optional): Adversarial loss.
        loss_gp (dict, optional): Gradient penalty.
        loss_l1_hole (dict): L1 on the hole.
        loss_l1_valid (dict): L1 on the known region.
        aggregation (dict): ``CRAResidualAggregation`` config.
        scale_factor (int): High / low resolution ratio. Default: 2.
        coarse_weight (float): Factor of the coarse L1 terms. Default: 1.2.
        train_cfg (dict, optional): ``disc_step`` (critic updates per
            generator update). Default: None.
        test_cfg (dict, optional): Unused. Default: None.
        init_cfg (dict, optional): Default: None.
    """

    def __init__(self,
                 data_preprocessor: dict,
                 encdec: dict,
                 disc: Optional[dict] = None,
                 loss_gan: Optional[dict] = None,
                 loss_gp: Optional[dict] = None,
                 loss_l1_hole: Optional[dict] = None,
                 loss_l1_valid: Optional[dict] = None,
                 aggregation: dict = dict(type='CRAResidualAggregation'),
                 scale_factor: int = 2,
                 coarse_weight: float = 1.2,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor,
            encdec=encdec,
            disc=disc,
            loss_gan=loss_gan,
            loss_gp=loss_gp,
            loss_l1_hole=loss_l1_hole,
            loss_l1_valid=loss_l1_valid,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            init_cfg=init_cfg)
        if int(scale_factor) != scale_factor or scale_factor < 1:
            raise ValueError(
                f'scale_factor must be a positive integer, got {scale_factor}')
        self.scale_factor = int(scale_factor)
        self.coarse_weight = coarse_weight
        self.aggregation = MODELS.build(aggregation)

    def downsample(self, img: Tensor, mask: Tensor) -> Tuple[Tensor, Tensor]:
        """(n, 3, H, W), (n, 1, H, W) -> the generator's resolution.

        Raises:
            ValueError: H or W not a multiple of scale_factor x the
                generator's ``size_multiple``.
        """
        # under MMSeparateDistributedDataParallel the child is wrapped
        generator = getattr(self.generator, 'module', self.generator)
        multiple = self.scale_factor * generator.size_multiple
        h, w = img.shape[-2:]
        if h % multiple or w % multiple:
            raise ValueError(
                f'CRA with scale_factor {self.scale_factor} needs image '
                f'sizes that are multiples of {multiple}, got {h}x{w}')
        s = self.scale_factor
        if s == 1:
            return img, mask
        return F.avg_pool2d(img, s), F.max_pool2d(mask, s)

    def _generate(self, low_img: Tensor,
                  low_mask: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Run the generator on the masked low-resolution image."""
        x = torch.cat([low_img * (1. - low_mask), low_mask], dim=1)
        return self.generator(x)

    def forward_tensor(self, inputs: Tensor,
                       data_samples) -> Tuple[Tensor, Tensor]:
        """High-resolution result and its composite.

        Args:
            inputs (Tensor): (n, 3, H, W) masked images in [-1, 1].
            data_samples (DataSample): Stacked samples with ``mask``.

        Returns:
            tuple: ``fake_res`` (B + R', clipped to [-1, 1]) and
            ``fake_img`` (known pixels from ``inputs``).
        """
        mask = data_samples.mask.float()
        low_img, low_mask = self.downsample(inputs, mask)
        _, refined, attn = self._generate(low_img, low_mask)
        low_out = refined * low_mask + low_img * (1. - low_mask)
        fake_res, _ = self.aggregation(inputs, mask, low_out, attn)
        fake_res = fake_res.clamp(-1., 1.)
        fake_img = fake_res * mask + inputs * (1. - mask)
        return fake_res, fake_img

    def train_step(self, data: List[dict], optim_wrapper) -> dict:
        """One critic update (WGAN-GP), then one generator update.

        Args:
            data (list[dict]): Batch from the data loader.
            optim_wrapper (OptimWrapperDict): ``generator`` and ``disc``.

        Returns:
            dict: Log variables.
        """
        data = self.data_preprocessor(data, True)
        samples = data['data_samples']
        gt, mask = samples.gt_img, samples.mask.float()
        low_gt, low_mask = self.downsample(gt, mask)
        coarse, refined, _ = self._generate(low_gt, low_mask)
        fake_img = refined * low_mask + low_gt * (1. - low_mask)
        log_vars = {}

        disc_step = (self.train_cfg or {}).get('disc_step', 1)
        if self.with_gan and disc_step > 0:
            set_requires_grad(self.disc, True)
            d_losses = self.forward_train_d(low_gt, True, True)
            d_losses.update(
                self.forward_train_d(fake_img.detach(), False, True))
            if self.with_gp_loss:
                d_losses['loss_gp'] = self.loss_gp(self.disc, low_gt,
                                                   fake_img.detach())
            loss_d, log_d = self.parse_losses(d_losses)
            optim_wrapper['disc'].update_params(loss_d)
            log_vars.update(log_d)
            self.disc_step_count = (self.disc_step_count + 1) % disc_step
            if self.disc_step_count != 0:
                return log_vars

        losses = {}
        if self.with_gan:
            set_requires_grad(self.disc, False)
            losses['loss_g_fake'] = self.loss_gan(
                self.disc(fake_img), True, False)
        valid = 1. - low_mask
        for name, out, factor in (('coarse', coarse, self.coarse_weight),
                                  ('refine', refined, 1.)):
            if self.with_l1_hole_loss:
                losses[f'{name}_loss_l1_hole'] = factor * self.loss_l1_hole(
                    out, low_gt, weight=low_mask)
            if self.with_l1_valid_loss:
                losses[f'{name}_loss_l1_valid'] = factor * \
                    self.loss_l1_valid(out, low_gt, weight=valid)
        loss_g, log_g = self.parse_losses(losses)
        optim_wrapper['generator'].update_params(loss_g)
        log_vars.update(log_g)
        return log_vars

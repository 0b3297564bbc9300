# Copyright (c) OpenMMLab. All rights reserved.
"""The T-MAD inpaintor: data flow, losses and the two training phases."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmagic.models.base_models import OneStageInpaintor
from mmagic.models.utils import set_requires_grad
from mmagic.structures import DataSample
from mmengine.config import Config
from mmengine.optim import OptimWrapperDict
from torch import Tensor

from mmedit_tmad.registry import MODELS
from .tmad_texture_memory import gather_cells, image_to_cells


@MODELS.register_module()
class TMADInpaintor(OneStageInpaintor):
    """T-MAD: Texture Memory-Augmented Deep Patch-Based Image Inpainting.

    This implementation follows: Texture Memory-Augmented Deep Patch-Based
    Image Inpainting (Xu et al., IEEE TIP 2021), Fig.2 and Eq.1-10::

        I_m, M --coarse net--> I_s ; Î_s = I_s * M + I_m * (1 - M)
        Î_s --texture memory--> T (N_pool clean patches)
        Î_s --k_p grid--> hole patches p_s and 3k_p contexts
        (p_s, T) --retrieval--> T_c (N_c candidates each)
        (contexts, T_c) --PSNet--> synthesised patches, tiled into Î_s
        Î_p = tiled * M + I_m * (1 - M)

    The coarse network is mmagic's ``generator`` (built from ``encdec``);
    the retrieval module, PSNet and the discriminators are further children,
    so ``MultiOptimWrapperConstructor`` can group them
    (``generator=dict(modules=['generator', 'retrieval', 'psnet'])``) and
    ``MMSeparateDistributedDataParallel`` wraps each one apart: in phase 1
    only ``generator`` runs, and no wrapper sees unused parameters.

    **Schedule** (Sec.IV). Phase 1, iterations ``[0, coarse_iters)``: the
    coarse net alone with ``L_recon`` (Eq.1). Phase 2: everything jointly
    with ``L_total = L_recon + L_ps + L_blend`` (Eq.10): per iteration one
    discriminator update (patch critic, Eq.6, and global discriminator),
    then one generator update. The iteration count is a buffer
    (``cur_iter``), so the phase survives a resume.

    ============================  ==========================================
    config key                    paper
    ============================  ==========================================
    ``train_cfg.coarse_iters``    coarse pre-training ("four epochs")
    ``train_cfg.num_patches``     ``N_ps``, hole patches per image
    ``loss_recon``                ``L_recon``, λ_hole / λ_valid (Eq.1)
    ``loss_patch_l1``             ``λ_l1 L_l1`` (Eq.8)
    ``loss_percep``               ``λ_percep L_percep`` (Eq.8)
    ``loss_pd``                   ``λ^pd_gan L^pd_gan`` (Eq.6-8)
    ``loss_blend``                ``L_blend`` (Eq.9)
    ``loss_patch_gan``            Tab.VI's "w/ L_gan" instead of ``loss_pd``
    ============================  ==========================================

    At test time only the hole cells are synthesised; valid pixels are
    always composited back from the input.

    Args:
        data_preprocessor (dict): mmagic ``DataPreprocessor`` config.
        encdec (dict): Coarse network config (``TMADCoarseNet``).
        texture_memory (dict): ``TMADTextureMemory`` config.
        retrieval (dict): ``TMADTextureRetrieval`` config.
        psnet (dict): ``TMADPSNet`` config.
        disc (dict, optional): ``TMADDiscriminators`` config. Default: None.
        loss_recon (dict): ``TMADReconLoss`` config.
        loss_patch_l1 (dict, optional): Patch L1 (mmagic ``L1Loss``).
        loss_percep (dict, optional): ``TMADPerceptualLoss`` config.
        loss_pd (dict, optional): ``TMADPatchDistributionLoss`` config;
            needs ``disc.patch_disc``.
        loss_blend (dict, optional): ``TMADBlendingLoss`` config; its GAN
            term needs ``disc.global_disc``.
        loss_patch_gan (dict, optional): mmagic ``GANLoss`` on the patch
            critic, the baseline "w/ L_gan" of Tab.VI: Eq.6-7 without the
            relativistic averages and the memory term (the same real set
            ``(T_c, p_gt)``); replaces ``loss_pd``, needs
            ``disc.patch_disc``. Default: None.
        texture_synthesis (dict, optional): ``TMADTextureSynthesis``
            config: a test-time step that re-synthesises the hole of the
            result from small patches of the photo (not in the paper).
            Default: None.
        train_cfg (dict, optional): ``coarse_iters``, ``num_patches`` and
            ``frozen_modules``: names of children (``'generator'``,
            ``'retrieval'``, ``'psnet'``) kept fixed in training, e.g. the
            coarse net in the paper's ablations, which train PSNet variants
            on one fixed coarse net (Sec.V-C); a frozen coarse net runs
            without gradient and ``L_recon`` is dropped.
        test_cfg (dict, optional): ``return_retrieval`` (bool) adds the
            coarse image and the retrieval to the predictions.
        init_cfg (dict, optional): Initialization config.
    """

    #: runs on channels_last features (mmedit_tmad.utils.precision)
    channels_last_safe = True

    def __init__(self,
                 data_preprocessor: Union[dict, Config],
                 encdec: dict,
                 texture_memory: dict,
                 retrieval: dict,
                 psnet: dict,
                 loss_recon: dict,
                 disc: Optional[dict] = None,
                 loss_patch_l1: Optional[dict] = None,
                 loss_percep: Optional[dict] = None,
                 loss_pd: Optional[dict] = None,
                 loss_blend: Optional[dict] = None,
                 loss_patch_gan: Optional[dict] = None,
                 texture_synthesis: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor,
            encdec=encdec,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            init_cfg=init_cfg)
        self.texture_memory = MODELS.build(texture_memory)
        self.retrieval = MODELS.build(retrieval)
        self.psnet = MODELS.build(psnet)
        self.patch_size = self.texture_memory.patch_size
        if self.psnet.patch_size != self.patch_size:
            raise ValueError(
                f'psnet.patch_size ({self.psnet.patch_size}) differs from '
                f'texture_memory.patch_size ({self.patch_size})')
        if self.psnet.num_candidates != self.retrieval.num_outputs:
            raise ValueError(
                f'psnet takes {self.psnet.num_candidates} candidates but '
                f'retrieval returns {self.retrieval.num_outputs}')
        self.disc = MODELS.build(disc) if disc is not None else None
        self.texture_synthesis = MODELS.build(texture_synthesis) \
            if texture_synthesis is not None else None
        self.loss_recon = MODELS.build(loss_recon)
        self.loss_patch_l1 = MODELS.build(loss_patch_l1) \
            if loss_patch_l1 else None
        self.loss_percep = MODELS.build(loss_percep) if loss_percep else None
        self.loss_pd = MODELS.build(loss_pd) if loss_pd else None
        self.loss_blend = MODELS.build(loss_blend) if loss_blend else None
        if self.loss_pd is not None and self.disc is None:
            raise ValueError('loss_pd needs disc (with a patch_disc)')
        self.loss_patch_gan = MODELS.build(loss_patch_gan) \
            if loss_patch_gan else None
        if self.loss_patch_gan is not None and (self.disc is None
                                                or self.loss_pd is not None):
            raise ValueError('loss_patch_gan replaces loss_pd (set loss_pd '
                             'to None) and needs disc (with a patch_disc)')
        self.with_blend_gan = self.loss_blend is not None and \
            self.disc is not None and self.disc.global_disc is not None
        train_cfg = train_cfg or {}
        self.coarse_iters = int(train_cfg.get('coarse_iters', 0))
        self.num_patches = train_cfg.get('num_patches', 16)
        self.frozen_modules = tuple(train_cfg.get('frozen_modules', ()))
        for name in self.frozen_modules:
            if name not in ('generator', 'retrieval', 'psnet'):
                raise ValueError(
                    "train_cfg.frozen_modules takes 'generator', "
                    f"'retrieval' and 'psnet', got {name!r}")
            getattr(self, name).requires_grad_(False)
        if 'generator' in self.frozen_modules and self.coarse_iters:
            raise ValueError('a frozen coarse net has no phase 1: set '
                             'train_cfg.coarse_iters to 0')
        self.register_buffer('cur_iter', torch.zeros((), dtype=torch.long))

    # ------------------------------------------------------------------
    # data flow
    # ------------------------------------------------------------------
    def _check_inputs(self,
                      masked_img: Tensor,
                      mask: Tensor,
                      data_samples: Optional[DataSample] = None,
                      gt_img: Optional[Tensor] = None) -> None:
        """Clear errors instead of failures deep in the networks.

        Non-finite values in the input, the mask or (training) the ground
        truth are reported with the file of each bad sample (``gt_path`` of
        ``data_samples``).
        """
        h, w = masked_img.shape[-2:]
        if mask.shape[-2:] != (h, w) or mask.shape[1] != 1:
            raise ValueError(f'mask {tuple(mask.shape)} does not match the '
                             f'image {tuple(masked_img.shape)}')
        # under MMSeparateDistributedDataParallel the child is wrapped
        generator = getattr(self.generator, 'module', self.generator)
        unit = max(self.patch_size, generator.size_divisor)
        if h % unit or w % unit:
            raise ValueError(
                f'TMAD needs image sides that are multiples of {unit}, got '
                f'{h}x{w}; pad the image (mmedit_tmad.apis pads for you)')
        named = [('input image', masked_img), ('mask', mask)]
        if gt_img is not None:
            named.append(('ground truth', gt_img))
        for what, tensor in named:
            finite = torch.isfinite(tensor).flatten(1).all(dim=1)
            if not finite.all():
                bad = finite.logical_not().nonzero().flatten().tolist()
                paths = None
                if data_samples is not None and 'gt_path' in data_samples:
                    paths = data_samples.gt_path
                    paths = [paths] if isinstance(paths, str) else paths
                    paths = [paths[i] for i in bad]
                raise ValueError(
                    f'the {what} contains NaN or Inf values (batch index '
                    f'{bad}, files {paths})')

    def coarse(self, masked_img: Tensor,
               mask: Tensor) -> Tuple[Tensor, Tensor]:
        """Coarse network: ``I_s`` and the composite ``Î_s``."""
        coarse_res = self.generator(torch.cat([masked_img, mask], dim=1))
        coarse_img = coarse_res * mask + masked_img * (1. - mask)
        return coarse_res, coarse_img

    def synthesize(self,
                   masked_img: Tensor,
                   coarse_img: Tensor,
                   mask: Tensor,
                   num_patches: Optional[int] = None,
                   exclude: Optional[Tensor] = None,
                   references: Optional[Sequence[Tensor]] = None,
                   use_image: bool = True) -> Dict[str, Tensor]:
        """Memory, retrieval, PSNet and tiling on top of ``Î_s``.

        Args:
            masked_img (Tensor): ``I_m`` (n, 3, h, w).
            coarse_img (Tensor): ``Î_s`` (n, 3, h, w).
            mask (Tensor): ``M`` (n, 1, h, w).
            num_patches (int, optional): ``N_ps`` in training; None for every
                hole cell (testing).
            exclude (Tensor, optional): (n, 1, h, w), 1 on pixels that are
                not part of the photo (the padding ``mmedit_tmad.apis`` adds
                to reach a size the networks take). A memory window touching
                one is never clean and ranks after every other window, so it
                enters ``T`` only if the photo has fewer than ``N_pool``
                windows. Default: None.
            references (list[Tensor], optional): Further images the memory
                is drawn from, normalised as ``masked_img`` (see
                ``TMADTextureMemory.forward``). Default: None.
            use_image (bool): Draw the memory from the image too; False
                draws it from ``references`` alone. Default: True.

        Returns:
            dict: ``memory`` (see ``TMADTextureMemory``), ``cut`` (see
            ``cut_hole_patches``), ``retrieval`` (see
            ``TMADTextureRetrieval``), ``patches`` (n, P, 3, k, k) PSNet
            outputs, ``tiled`` (n, 3, h, w) ``Î_s`` with the synthesised
            cells, ``result`` ``Î_p`` (composited).
        """
        mem_mask = mask
        if exclude is not None:
            # one excluded pixel lifts a window's hole fraction above 1
            mem_mask = mask + exclude.to(mask.dtype) * (self.patch_size**2 + 1)
        memory = self.texture_memory(
            coarse_img, mem_mask, references=references, use_image=use_image)
        cut = self.texture_memory.cut_hole_patches(coarse_img, mask,
                                                   num_patches)
        ret = self.retrieval(cut['patches'], memory['patches'])
        n, p = cut['cells'].shape
        valid = cut['valid']
        # all patches of the batch in one PSNet pass: (B, ...) with B the
        # valid (n, P) entries
        patches = ret['candidates'].new_zeros(cut['patches'].shape)
        if valid.any():  # no hole at all: nothing to synthesise
            # under autocast PSNet's output may be bfloat16
            patches[valid] = self.psnet(
                cut['contexts'][valid],
                ret['candidates'][valid]).to(patches.dtype)
        tiled = self.texture_memory.paste(coarse_img, patches, cut['cells'],
                                          valid)
        result = tiled * mask + masked_img * (1. - mask)
        return dict(
            memory=memory,
            cut=cut,
            retrieval=ret,
            patches=patches,
            tiled=tiled,
            result=result)

    def forward_tensor(self, inputs: Tensor,
                       data_samples: DataSample) -> Tuple[Tensor, Tensor]:
        """Inpaint: returns ``(fake_res, fake_img)``.

        ``fake_res`` is ``Î_s`` with the synthesised hole cells (before the
        final composite), ``fake_img`` the composited result ``Î_p``.
        """
        out = self.inpaint(inputs, data_samples.mask.float())
        return out['tiled'], out['result']

    def inpaint(self,
                masked_img: Tensor,
                mask: Tensor,
                exclude: Optional[Tensor] = None,
                references: Optional[Sequence[Tensor]] = None,
                use_image: bool = True) -> Dict[str, Tensor]:
        """Full test-time pass on normalised inputs (every hole cell).

        Args:
            masked_img (Tensor): ``I_m`` (n, 3, h, w), normalised.
            mask (Tensor): ``M`` (n, 1, h, w), 1 = hole.
            exclude (Tensor, optional): Padding kept out of the memory, see
                :meth:`synthesize`. Default: None.
            references (list[Tensor], optional): Further images for the
                memory, see :meth:`synthesize`. Default: None.
            use_image (bool): See :meth:`synthesize`. Default: True.

        Returns:
            dict: as :meth:`synthesize`, plus ``coarse_res`` and
            ``coarse_img``; in phase 1 (``cur_iter < coarse_iters``) only
            those and ``tiled`` = ``result`` = ``coarse_img``. With
            ``texture_synthesis``, ``result`` is its output (its source
            patches, like the memory's windows, drawn from ``references``
            too, from them alone with ``use_image=False``) and
            ``network_result`` the result before it.
        """
        self._check_inputs(masked_img, mask)
        return self._inpaint(masked_img, mask, exclude, references, use_image)

    def _inpaint(self,
                 masked_img: Tensor,
                 mask: Tensor,
                 exclude: Optional[Tensor] = None,
                 references: Optional[Sequence[Tensor]] = None,
                 use_image: bool = True) -> Dict[str, Tensor]:
        """:meth:`inpaint` of inputs already checked (``_check_inputs``)."""
        coarse_res, coarse_img = self.coarse(masked_img, mask)
        if self.phase == 1:
            # a model still in phase 1 has an untrained PSNet: its result is
            # the coarse one (a phase-1 checkpoint is a coarse-only model)
            out = dict(coarse_res=coarse_res, coarse_img=coarse_img,
                       tiled=coarse_img, result=coarse_img)
        else:
            out = self.synthesize(
                masked_img,
                coarse_img,
                mask,
                exclude=exclude,
                references=references,
                use_image=use_image)
            out.update(coarse_res=coarse_res, coarse_img=coarse_img)
        if self.texture_synthesis is not None:
            out['network_result'] = out['result']
            out['result'] = self.texture_synthesis(
                out['result'],
                mask,
                exclude,
                references=references,
                use_image=use_image)
        return out

    def forward_test(self, inputs: Tensor,
                     data_samples: DataSample) -> DataSample:
        """Predictions with ``pred_img``, ``fake_res``, ``fake_img`` (0-255).

        With ``test_cfg.return_retrieval`` the coarse image ``coarse_img``
        and, per sample, the hole cells, their validity and the memory
        positions of the ranked candidates are added.
        """
        mask = data_samples.mask.float()
        # checked once, with the files of bad samples named
        self._check_inputs(inputs, mask, data_samples)
        out = self._inpaint(inputs, mask)
        destruct = self.data_preprocessor.destruct
        fake_img = destruct(out['result'], data_samples)
        preds = DataSample(
            fake_res=destruct(out['tiled'], data_samples),
            fake_img=fake_img,
            pred_img=fake_img)
        if (self.test_cfg or {}).get('return_retrieval', False) and \
                'retrieval' in out:
            pos = out['memory']['positions']  # (n, N_pool, 2)
            idx = out['retrieval']['indices']  # (n, P, N_c)
            cand_pos = gather_cells(pos, idx.flatten(1)).view(
                *idx.shape, 2)  # (n, P, N_c, 2)
            preds.set_tensor_data(
                dict(coarse_img=destruct(out['coarse_img'], data_samples)))
            preds.set_field(out['cut']['cells'], 'hole_cells')
            preds.set_field(out['cut']['valid'], 'hole_cells_valid')
            preds.set_field(cand_pos, 'retrieved_positions')
        return preds

    # ------------------------------------------------------------------
    # training
    # ------------------------------------------------------------------
    @property
    def phase(self) -> int:
        """1 while the coarse net trains alone, then 2."""
        return 1 if int(self.cur_iter) < self.coarse_iters else 2

    def _critic(self, patches: Tensor) -> Tensor:
        """Patch critic scores of (n, P, c, k, k) patches -> (n, P)."""
        n, p = patches.shape[:2]
        return self.disc(patches.flatten(0, 1), 'patch').view(n, p)

    def _real_patches(self, out: dict, gt_patches: Tensor) -> Tensor:
        """``(T_c, p_gt)`` of each image: (n, P*N_c + P, c, k, k)."""
        cands = out['retrieval']['candidates']  # (n, P, N_c, c, k, k)
        return torch.cat([cands.flatten(1, 2), gt_patches], dim=1)

    def disc_losses(self, out: dict, gt_patches: Tensor,
                    gt_img: Tensor) -> Dict[str, Tensor]:
        """Eq.6 for the patch critic and the global discriminator's loss."""
        losses = {}
        if self.loss_pd is not None:
            real = self._critic(self._real_patches(out, gt_patches).detach())
            fake = self._critic(out['patches'].detach())
            losses['loss_pd_disc'] = self.loss_pd(fake, real, is_disc=True)
        if self.loss_patch_gan is not None:
            real = self._critic(self._real_patches(out, gt_patches).detach())
            fake = self._critic(out['patches'].detach())
            losses['loss_patch_gan_disc'] = self.loss_patch_gan(
                real, True, is_disc=True) + self.loss_patch_gan(
                    fake, False, is_disc=True)
        if self.with_blend_gan:
            losses['loss_blend_disc'] = self.loss_blend.disc_loss(
                self.disc(gt_img, 'global'),
                self.disc(out['result'].detach(), 'global'))
        return losses

    def generator_losses(self, coarse_res: Tensor, out: dict,
                         gt_patches: Tensor, gt_img: Tensor,
                         mask: Tensor) -> Dict[str, Tensor]:
        """Eq.10: ``L_recon + L_ps + L_blend`` as separate log entries."""
        losses = {}
        if 'generator' not in self.frozen_modules:
            losses['loss_recon'] = self.loss_recon(coarse_res, gt_img, mask)
        patches = out['patches']
        flat, gt_flat = patches.flatten(0, 1), gt_patches.flatten(0, 1)
        if self.loss_patch_l1 is not None:
            losses['loss_patch_l1'] = self.loss_patch_l1(flat, gt_flat)
        if self.loss_percep is not None:
            losses['loss_percep'] = self.loss_percep(flat, gt_flat)
        if self.loss_pd is not None:
            # the real set (T_c, p_gt) and the memory T are the target
            # distribution, not something to move: no gradient through them
            # (T_c would otherwise pass the critic's gradient to the
            # retrieval through the straight-through one-hot)
            memory = self._critic(out['memory']['patches'])
            real = self._critic(
                self._real_patches(out, gt_patches).detach())
            losses['loss_pd'] = self.loss_pd(
                self._critic(patches), real, memory)
        if self.loss_patch_gan is not None:
            losses['loss_patch_gan'] = self.loss_patch_gan(
                self._critic(patches), True, is_disc=False)
        if self.loss_blend is not None:
            pred = self.disc(out['result'], 'global') \
                if self.with_blend_gan else None
            blend = self.loss_blend(pred, out['result'], mask)
            if pred is None:
                blend.pop('loss_blend_gan')
            losses.update(blend)
        return losses

    def train_step(self, data: List[dict],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        """One iteration of phase 1 or phase 2 (see the class docstring).

        Args:
            data (list[dict]): A batch from the dataloader.
            optim_wrapper (OptimWrapperDict): ``generator`` (coarse net,
                retrieval, PSNet) and, in phase 2 with a discriminator,
                ``disc``.

        Returns:
            dict: Log variables.
        """
        data = self.data_preprocessor(data, True)
        masked_img = data['inputs']
        gt_img = data['data_samples'].gt_img
        mask = data['data_samples'].mask.float()
        self._check_inputs(masked_img, mask, data['data_samples'], gt_img)
        phase = self.phase
        # the generator wrapper's context: autocast under --amp (AMP or
        # bf16 wrapper), no-sync under gradient accumulation
        with optim_wrapper['generator'].optim_context(self):
            with torch.set_grad_enabled(
                    'generator' not in self.frozen_modules):
                coarse_res, coarse_img = self.coarse(masked_img, mask)
            log_vars = {}
            if phase == 1:
                losses = dict(
                    loss_recon=self.loss_recon(coarse_res, gt_img, mask))
            else:
                out = self.synthesize(masked_img, coarse_img, mask,
                                      self.num_patches)
                gt_patches = gather_cells(
                    image_to_cells(gt_img, self.patch_size),
                    out['cut']['cells'])
                if self.disc is not None:
                    set_requires_grad(self.disc, True)
                    d_losses = self.disc_losses(out, gt_patches, gt_img)
                    if d_losses:
                        loss_d, log_d = self.parse_losses(d_losses)
                        optim_wrapper['disc'].update_params(loss_d)
                        log_vars.update(log_d)
                    set_requires_grad(self.disc, False)
                losses = self.generator_losses(coarse_res, out, gt_patches,
                                               gt_img, mask)
                log_vars['num_valid_memory'] = out['memory'][
                    'num_valid'].float().mean()
                # L1 of the coarse cells p_s, beside loss_patch_l1: what
                # PSNet gains over its input
                log_vars['coarse_patch_l1'] = (
                    out['cut']['patches'].detach() - gt_patches).abs().mean()
            loss_g, log_g = self.parse_losses(losses)
            optim_wrapper['generator'].update_params(loss_g)
            log_vars.update(log_g)
        log_vars['phase'] = torch.tensor(float(phase))
        self.cur_iter += 1
        return log_vars

    def forward_dummy(self, x: Tensor) -> Tensor:
        """Whole T-MAD pass on ``cat([I_m, M])`` (for FLOP counters)."""
        out = self.inpaint(x[:, :-1], x[:, -1:])
        return out['result']

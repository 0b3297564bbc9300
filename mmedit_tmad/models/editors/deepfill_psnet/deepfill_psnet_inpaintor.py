# Copyright (c) OpenMMLab. All rights reserved.
"""DeepFill + PSNet (T-MAD paper, Sec.IV-C, Tab.VII)."""
import os.path as osp
from typing import Optional, Tuple

import torch
from mmengine.runner.checkpoint import _load_checkpoint
from torch import Tensor

from mmedit_tmad.registry import MODELS
from ..tmad import TMADInpaintor


@MODELS.register_module()
class DeepFillPSNetInpaintor(TMADInpaintor):
    """T-MAD's patch synthesis as a post-processing stage of DeepFill.

    "PSNet can also take inpainted images as the input ... we adopt the
    results of DeepFill as input and fine-tune our PSNet" (Sec.IV-C,
    Tab.VII). This is ``TMADInpaintor`` with mmagic's DeepFillv2 generator
    (``DeepFillEncoderDecoder``, built from ``encdec``) in place of the
    coarse network: ``coarse()`` returns DeepFill's stage-2 output and its
    composite ``Î_s``; texture memory, retrieval, PSNet, the losses of
    Eq.6-10 and the training step are T-MAD's, unchanged.

    With ``freeze_deepfill`` (default) DeepFill runs without gradients and
    its parameters are frozen: only retrieval, PSNet and the
    discriminators learn (``loss_recon`` is then only logged). Without it,
    DeepFill is fine-tuned with T-MAD's ``L_recon`` (Eq.1), not with
    DeepFill's own losses. Set ``train_cfg.coarse_iters`` to 0: there is no
    coarse pre-training phase.

    Args:
        encdec (dict): mmagic ``DeepFillEncoderDecoder`` (DeepFillv2) config.
        deepfill_ckpt (str, optional): A checkpoint of a trained DeepFillv2
            (an mmagic ``TwoStageInpaintor`` runner checkpoint or model-zoo
            file: its ``generator.*`` weights are loaded) read in
            ``init_weights``, i.e. when training starts; a missing file is a
            ``FileNotFoundError`` naming it. None: DeepFill as initialised
            (or from the checkpoint ``tools/test.py`` loads). Default: None.
        freeze_deepfill (bool): Keep DeepFill fixed. Default: True.
        input_with_ones (bool): DeepFill's input is ``[I_m, 1, M]`` as in
            mmagic's ``TwoStageInpaintor`` (its encoders take 5 channels).
            Default: True.
        size_divisor (int): Image sides must be multiples of this for
            DeepFill (stride 4 and the contextual attention's rate 2).
            Default: 8.
        **kwargs: ``TMADInpaintor`` arguments (``data_preprocessor``,
            ``texture_memory``, ``retrieval``, ``psnet``, ``loss_*``,
            ``disc``, ``train_cfg``, ``test_cfg``).
    """

    def __init__(self,
                 encdec: dict,
                 deepfill_ckpt: Optional[str] = None,
                 freeze_deepfill: bool = True,
                 input_with_ones: bool = True,
                 size_divisor: int = 8,
                 **kwargs) -> None:
        super().__init__(encdec=encdec, **kwargs)
        self.deepfill_ckpt = deepfill_ckpt
        self.freeze_deepfill = freeze_deepfill
        self.input_with_ones = input_with_ones
        # TMADInpaintor checks image sizes against the coarse net's divisor
        self.generator.size_divisor = size_divisor
        if freeze_deepfill:
            self.generator.requires_grad_(False)

    def init_weights(self) -> None:
        """Initialise, then load the trained DeepFillv2 (``deepfill_ckpt``).

        Raises:
            FileNotFoundError: ``deepfill_ckpt`` is set but absent.
        """
        super().init_weights()
        if self.deepfill_ckpt is None:
            return
        if not osp.isfile(self.deepfill_ckpt):
            raise FileNotFoundError(
                f'DeepFillv2 checkpoint not found: {self.deepfill_ckpt}. '
                'Train it first (configs/deepfillv2/) or point '
                '`model.deepfill_ckpt` at your file.')
        ckpt = _load_checkpoint(self.deepfill_ckpt, map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        # an inpaintor's weights: keep its generator's; else a bare generator
        prefix = 'generator.'
        if any(k.startswith(prefix) for k in state):
            state = {
                k[len(prefix):]: v
                for k, v in state.items() if k.startswith(prefix)
            }
        self.generator.load_state_dict(state, strict=True)

    def coarse(self, masked_img: Tensor,
               mask: Tensor) -> Tuple[Tensor, Tensor]:
        """DeepFill's stage-2 result ``I_s`` and the composite ``Î_s``."""
        parts = [masked_img, mask]
        if self.input_with_ones:
            parts.insert(1, torch.ones_like(mask))
        x = torch.cat(parts, dim=1)
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and not self.freeze_deepfill):
            _, coarse_res = self.generator(x)
        coarse_img = coarse_res * mask + masked_img * (1. - mask)
        return coarse_res, coarse_img

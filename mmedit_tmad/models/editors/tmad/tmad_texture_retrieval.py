# Copyright (c) OpenMMLab. All rights reserved.
"""T-MAD differentiable texture retrieval (paper Sec.III-B, Eq.2-5)."""
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from torch import Tensor

from mmedit_tmad.registry import MODELS
from .tmad_blocks import LRELU


@MODELS.register_module()
class TMADTextureRetrieval(nn.Module):
    """Correspondence embedding and differentiable sampling of T-MAD.

    This implementation follows: Texture Memory-Augmented Deep Patch-Based
    Image Inpainting (Xu et al., IEEE TIP 2021), Sec.III-B.

    * Correspondence embedding (Eq.2-3): ``theta`` and ``phi`` are shallow
      nets (``conv3x3 -> LeakyReLU -> conv1x1``) over the coarse patch
      ``p_s`` and the memory patches ``p_t``; with the flattened feature maps,
      ``c(p_s, p_t) = theta(p_s)^T phi(p_t) / ||phi(p_t)||`` and
      ``S = softmax_t(c)``.
    * Differentiable sampling (Eq.4-5): the top ``N_c`` entries of ``S`` are
      picked with ``1_i = (1_i - S).detach() + S``: the forward pass returns
      the exact memory patches, the backward pass flows through ``S`` into
      ``theta`` and ``phi``.
    * ``mode='wsum'`` is the W-Sum ablation of Tab.V: one candidate,
      ``S (x) T``, the softmax-weighted sum of the whole memory.

    ``phi`` starts as a copy of ``theta`` (a choice of ours; the paper gives
    no initialisation): retrieval then begins as a nearest-neighbour search
    in feature space, where a query equal to a memory patch ranks it first.

    Args:
        in_channels (int): Patch channels. Default: 3.
        feat_channels (int): Channels of the embeddings. Default: 16.
        num_candidates (int): ``N_c``. Default: 4.
        mode (str): ``'topk'`` (Eq.4) or ``'wsum'``. Default: 'topk'.
        act_cfg (dict): Activation between the two convs.
            Default: LeakyReLU(0.2).
    """

    def __init__(self,
                 in_channels: int = 3,
                 feat_channels: int = 16,
                 num_candidates: int = 4,
                 mode: str = 'topk',
                 act_cfg: Optional[dict] = LRELU) -> None:
        super().__init__()
        if mode not in ('topk', 'wsum'):
            raise ValueError(f"mode must be 'topk' or 'wsum', got {mode!r}")
        if num_candidates < 1:
            raise ValueError('num_candidates must be >= 1')
        self.mode = mode
        self.num_candidates = num_candidates

        def embed():
            return nn.Sequential(
                ConvModule(
                    in_channels, feat_channels, 3, padding=1,
                    act_cfg=act_cfg),
                ConvModule(feat_channels, feat_channels, 1, act_cfg=None))

        self.theta = embed()
        self.phi = embed()
        self.phi.load_state_dict(self.theta.state_dict())

    @property
    def num_outputs(self) -> int:
        """Candidates per hole patch (the texture encoder's input count)."""
        return 1 if self.mode == 'wsum' else self.num_candidates

    def correspondence(self, query: Tensor, memory: Tensor) -> Tensor:
        """Eq.3: ``c`` of every query against every memory patch.

        Args:
            query (Tensor): Coarse patches ``p_s`` (n, P, c, k, k).
            memory (Tensor): Memory patches ``T`` (n, N, c, k, k).

        Returns:
            Tensor: (n, P, N).
        """
        n, p = query.shape[:2]
        num = memory.shape[1]
        # float32 under autocast too: in bfloat16 near-equal scores swap
        # and the ranking is what the retrieval returns (two small convs)
        with torch.autocast(query.device.type, enabled=False):
            # (n*P, f, k, k) -> (n, P, f*k*k)
            q = self.theta(query.flatten(0, 1).float()).reshape(n, p, -1)
            # (n*N, f, k, k) -> (n, N, f*k*k)
            t = self.phi(memory.flatten(0, 1).float()).reshape(n, num, -1)
            t = t / t.norm(dim=-1, keepdim=True).clamp_min(1e-6)
            return q @ t.transpose(1, 2)

    def forward(self, query: Tensor, memory: Tensor) -> Dict[str, Tensor]:
        """Retrieve ``N_c`` candidates ``T_c`` for each coarse patch.

        Args:
            query (Tensor): Coarse patches ``p_s`` (n, P, c, k, k).
            memory (Tensor): Texture memory ``T`` (n, N, c, k, k).

        Returns:
            dict: ``candidates`` (n, P, N_out, c, k, k) with N_out =
            :attr:`num_outputs`; ``indices`` (n, P, N_out) memory index of
            each candidate (for W-Sum, the arg-max); ``scores`` ``S``
            (n, P, N).
        """
        if query.shape[0] != memory.shape[0] or \
                query.shape[2:] != memory.shape[2:]:
            raise ValueError(f'queries {tuple(query.shape)} and memory '
                             f'{tuple(memory.shape)} do not match')
        num = memory.shape[1]
        scores = self.correspondence(query, memory).softmax(dim=-1)
        flat = memory.flatten(2)  # (n, N, c*k*k)
        if self.mode == 'wsum':
            # (n, P, 1, N): one soft candidate
            weights = scores.unsqueeze(2)
            indices = scores.argmax(dim=-1, keepdim=True)
        else:
            k = min(self.num_candidates, num)
            if torch.onnx.is_in_onnx_export():
                # ONNX's TopK ranks equal scores by index, lower first
                indices = scores.topk(k, dim=-1).indices  # (n, P, k)
            else:
                # equal scores (identical windows, e.g. of a flat fill)
                # ranked by index, lower first, as ONNX does: PyTorch's
                # topk leaves their order open
                indices = scores.sort(
                    dim=-1, descending=True, stable=True).indices[..., :k]
            if k < self.num_candidates:  # fewer memory entries than N_c
                pick = torch.arange(self.num_candidates,
                                    device=indices.device) % k
                indices = indices[..., pick]
            one_hot = F.one_hot(indices, num).to(scores.dtype)
            soft = scores.unsqueeze(2)  # (n, P, 1, N)
            # Eq.4: exact patches forward, gradients of S backward
            weights = (one_hot - soft).detach() + soft  # (n, P, N_c, N)
        # (n, P, N_out, c*k*k) -> (n, P, N_out, c, k, k); in float32 under
        # autocast too, so that the candidates are the memory's exact pixels
        with torch.autocast(memory.device.type, enabled=False):
            candidates = torch.einsum('npcm,nmd->npcd', weights.float(),
                                      flat.float())
        candidates = candidates.view(*weights.shape[:3], *memory.shape[2:])
        return dict(candidates=candidates, indices=indices, scores=scores)

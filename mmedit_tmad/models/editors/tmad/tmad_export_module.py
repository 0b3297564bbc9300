# Copyright (c) OpenMMLab. All rights reserved.
"""T-MAD's whole test-time pass for one input size, for export."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .tmad_coarse_net import CLASSICAL_PRIORS
from .tmad_inpaintor import TMADInpaintor
from .tmad_texture_memory import cells_to_image, cut_contexts, image_to_cells


class TMADExportModule(nn.Module):
    """The inference of a :class:`TMADInpaintor` for one fixed input size,
    as a graph that TorchScript tracing and ONNX can hold.

    ``TMADInpaintor.inpaint`` has data-dependent steps: which cells are hole
    cells (P varies), the seeded draws of the texture memory, and pasting
    the synthesised cells back. Traced naively, the draws would be frozen
    at the traced example and Python-side choices with them. Here:

    * **hole cells**: ``nonzero`` of the cells' max-pooled mask, in the
      graph (ONNX ``NonZero``): P is decided by the mask at run time, the
      patches, contexts, retrieval and PSNet run on the P hole cells only
      (raster order, as the dynamic pass), and ``index_copy`` pastes them
      back; an empty mask gives P = 0;
    * **memory draws**: the eval draws of ``TMADTextureMemory`` are seeded
      (the same every call), so those of this size are a constant buffer;
      selection (``argsort``), cutting and retrieval (``top-k``) are in the
      graph, so which windows enter ``T`` still follows the mask;
    * **composite**: ``Î_p = tiled * M + I_m * (1 - M)``.

    Only the input size is fixed (the memory's draws depend on it).
    The data preprocessor's normalisation is in the graph: inputs and
    outputs are 0-255 BGR, as ``mmedit_tmad.apis.inpaint`` handles them.
    A classical fill prior (``fill_prior`` ``'telea'``, ``'patchmatch'``
    or ``'biharmonic'``) cannot be a graph op: it is an input (``fill``),
    computed by the caller with :meth:`TMADCoarseNet.prior`. CARAFE runs
    through its pure-PyTorch path.

    Inputs: ``img`` (1, 3, H, W) 0-255 BGR; ``mask`` (1, 1, H, W), 1 = hole;
    ``exclude`` (1, 1, H, W), 1 = padding kept out of the memory (see
    ``TMADInpaintor.synthesize``); with a classical fill prior also
    ``fill`` (1, 3, H, W), normalised.

    Outputs: ``result`` ``Î_p`` and ``coarse`` ``Î_s`` (1, 3, H, W) 0-255
    BGR (float, not rounded); ``hole`` (1, L) int64, 1 for hole cells
    (raster order); ``indices`` (1, L, N_c) int64, the memory entries
    retrieved for each hole cell, best first (0 for the other cells);
    ``positions`` (1, N_pool, 2) int64, top-left (y, x) of each memory
    entry.

    Args:
        model (TMADInpaintor): A T-MAD model in phase 2, in eval mode.
        size (tuple[int, int]): (H, W), multiples of ``k_p`` and of the
            coarse net's divisor.
    """

    input_names = ('img', 'mask', 'exclude')
    output_names = ('result', 'coarse', 'hole', 'indices', 'positions')

    def __init__(self, model: TMADInpaintor, size: Tuple[int, int]) -> None:
        super().__init__()
        if not isinstance(model, TMADInpaintor):
            raise TypeError('TMADExportModule exports a TMADInpaintor, got '
                            f'{type(model).__name__}')
        if model.phase != 2:
            raise ValueError('the model is in phase 1 (coarse only): export '
                             'a checkpoint of the joint phase')
        h, w = (int(v) for v in size)
        unit = max(model.patch_size,
                   getattr(model.generator, 'size_divisor', 1))
        if h < unit or w < unit or h % unit or w % unit:
            raise ValueError(f'size {h}x{w} must be a positive multiple of '
                             f'{unit} (k_p and the coarse net\'s divisor)')
        self.size = (h, w)
        self.generator = model.generator
        self.texture_memory = model.texture_memory
        self.retrieval = model.retrieval
        self.psnet = model.psnet
        self.patch_size = model.patch_size
        self.fill_input = getattr(model.generator, 'fill_prior',
                                  None) in CLASSICAL_PRIORS
        if self.fill_input:
            self.input_names = self.input_names + ('fill', )
        pre = model.data_preprocessor
        self.register_buffer('mean', pre.mean.detach().float().clone())
        self.register_buffer('std', pre.std.detach().float().clone())
        mem = model.texture_memory
        k, s = mem.patch_size, mem.stride
        num = ((h - k) // s + 1) * ((w - k) // s + 1)
        self.register_buffer('noise', mem.draws((1, num)))

    def forward(self, img: Tensor, mask: Tensor, exclude: Tensor,
                fill: Tensor = None) -> Tuple[Tensor, ...]:
        k = self.patch_size
        # mmagic's test-time data: hole = 127.5 -> 0 after normalisation
        masked = (img - self.mean) / self.std * (1. - mask)
        coarse_res = self.generator(
            torch.cat([masked, mask], dim=1),
            fill=fill if self.fill_input else None)
        coarse = coarse_res * mask + masked * (1. - mask)
        # texture memory: one excluded pixel makes a window never clean
        mem = self.texture_memory(
            coarse, mask + exclude * (k**2 + 1), noise=self.noise)
        # the hole cells of the single image: (P, ) raster indices, P
        # decided by the mask when the graph runs
        grid = image_to_cells(coarse, k)  # (1, L, 3, k, k)
        hole = F.max_pool2d(mask, k).flatten(1) > 0  # (1, L)
        cells = hole[0].nonzero()[:, 0]
        # one more cell (cell 0, dropped after PSNet) keeps every batch
        # non-empty: runtimes refuse empty matmuls when the mask is empty
        run = torch.cat([cells, cells.new_zeros(1)])  # (P + 1, )
        patches = grid.index_select(1, run)  # (1, P + 1, 3, k, k)
        contexts = cut_contexts(
            torch.cat([coarse, mask], dim=1), run[None], k)
        ret = self.retrieval(patches, mem['patches'])
        # (P + 1, 3, k, k) -> the P hole cells
        out = self.psnet(contexts[0], ret['candidates'][0])[:-1]
        tiled = cells_to_image(
            grid.index_copy(1, cells, out[None].to(grid.dtype)),
            *coarse.shape[-2:])
        result = tiled * mask + masked * (1. - mask)
        # (1, L, N_c): the retrieval of each hole cell, 0 elsewhere
        indices = torch.zeros(
            hole.shape + ret['indices'].shape[-1:],
            dtype=torch.long).index_copy(1, cells, ret['indices'][:, :-1])
        return (result * self.std + self.mean, coarse * self.std + self.mean,
                hole.long(), indices, mem['positions'])

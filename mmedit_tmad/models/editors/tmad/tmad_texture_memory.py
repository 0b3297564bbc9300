# Copyright (c) OpenMMLab. All rights reserved.
"""T-MAD texture memory and patch cutting (paper Sec.III-B, Fig.2(b))."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmedit_tmad.registry import MODELS


def image_to_cells(img: Tensor, k: int) -> Tensor:
    """Split an image into its non-overlapping ``k x k`` grid cells.

    Args:
        img (Tensor): (n, c, h, w) with h, w multiples of k.
        k (int): Cell size.

    Returns:
        Tensor: (n, (h/k)*(w/k), c, k, k), cells in raster order.
    """
    n, c, h, w = img.shape
    # (n, c, h/k, k, w/k, k)
    cells = img.reshape(n, c, h // k, k, w // k, k)
    # (n, h/k, w/k, c, k, k) -> (n, L, c, k, k)
    return cells.permute(0, 2, 4, 1, 3, 5).reshape(n, -1, c, k, k)


def cells_to_image(cells: Tensor, h: int, w: int) -> Tensor:
    """Inverse of :func:`image_to_cells`: (n, L, c, k, k) -> (n, c, h, w)."""
    n, _, c, k, _ = cells.shape
    # (n, h/k, w/k, c, k, k)
    cells = cells.view(n, h // k, w // k, c, k, k)
    # (n, c, h/k, k, w/k, k) -> (n, c, h, w)
    return cells.permute(0, 3, 1, 4, 2, 5).reshape(n, c, h, w)


def gather_cells(cells: Tensor, index: Tensor) -> Tensor:
    """Pick cells per image: (n, L, ...) and (n, P) -> (n, P, ...)."""
    shape = index.shape + cells.shape[2:]
    # (n, P, 1, ..., 1) broadcast over the cell dims
    idx = index.view(index.shape + (1, ) * (cells.dim() - 2)).expand(shape)
    return cells.gather(1, idx)


def cut_windows(img: Tensor, positions: Tensor, k: int) -> Tensor:
    """The ``k x k`` windows at given top-left corners, per image.

    Only the asked windows are read (unfolding every window of a big
    reference would cost ``k^2 / s^2`` times the image).

    Args:
        img (Tensor): (n, c, h, w).
        positions (Tensor): (n, M, 2) top-left (y, x), windows inside.
        k (int): Window size.

    Returns:
        Tensor: (n, M, c, k, k).
    """
    n, m = positions.shape[:2]
    offs = torch.arange(k, device=img.device)
    rows = positions[..., 0, None] + offs  # (n, M, k)
    cols = positions[..., 1, None] + offs
    b = torch.arange(n, device=img.device).view(n, 1, 1, 1)
    # advanced indices first: (n, M, k, k, c) -> (n, M, c, k, k)
    win = img.permute(0, 2, 3, 1)[b, rows[..., :, None], cols[..., None, :]]
    return win.permute(0, 1, 4, 2, 3)


def cut_contexts(img: Tensor, cells: Tensor, k: int) -> Tensor:
    """The ``3k x 3k`` context window centred on each chosen ``k`` cell.

    The window of cell ``(r, q)`` is the 3x3 block of cells around it in the
    image replicate-padded by ``k``; only the chosen cells' blocks are
    gathered (the P windows, not all L of them: unfolding every window would
    cost 9x the image per image).

    Args:
        img (Tensor): (n, c, h, w), h and w multiples of k.
        cells (Tensor): (n, P) raster indices on the k grid of ``img``.
        k (int): Cell size.

    Returns:
        Tensor: (n, P, c, 3k, 3k).
    """
    n, c, h, w = img.shape
    cols = w // k
    padded = F.pad(img, (k, k, k, k), mode='replicate')
    # (n, (rows+2)*(cols+2), c, k, k)
    grid = image_to_cells(padded, k)
    # cell (r, q) -> top-left of its block in the padded grid: (r, q)
    r, q = cells // cols, cells % cols
    offs = torch.arange(3, device=cells.device)
    # (n, P, 3, 3) indices of the 3x3 block -> (n, P*9)
    block = (r[..., None, None] + offs[:, None]) * (cols + 2) + \
        (q[..., None, None] + offs)
    ctx = gather_cells(grid, block.flatten(1))
    num = cells.shape[1]
    # (n, P, 3, 3, c, k, k) -> (n, P, c, 3, k, 3, k) -> (n, P, c, 3k, 3k)
    ctx = ctx.view(n, num, 3, 3, c, k, k).permute(0, 1, 4, 2, 5, 3, 6)
    return ctx.reshape(n, num, c, 3 * k, 3 * k)


@MODELS.register_module()
class TMADTextureMemory(nn.Module):
    """Texture memory ``T`` and hole patches ``{p_s}`` of T-MAD.

    This implementation follows: Texture Memory-Augmented Deep Patch-Based
    Image Inpainting (Xu et al., IEEE TIP 2021), Sec.III-B.

    **Memory** (:meth:`forward`): ``k_p x k_p`` windows slide over the image
    with stride ``s_pool`` (``k_p/2`` for rectangular holes, ``k_p/4`` for
    free-form ones); ``N_pool`` of them form ``T``. With
    ``select='random'`` (rectangles) they are drawn at random among the
    windows without a hole pixel; with ``select='least_masked'`` (free-form)
    the least-masked windows come first, ties broken at random.

    Defined behaviour when ``T`` cannot be filled with clean windows (the
    paper is silent): the shortfall is taken from the least-masked remaining
    windows, and if the image has fewer than ``N_pool`` windows in all, they
    are repeated cyclically, so ``T`` always has ``N_pool`` entries. Windows
    are cut from the *composited* coarse image ``Î_s`` (equal to ``I_m`` on
    every valid pixel), so a partly masked window carries the coarse estimate
    in its hole rather than zeros. With an all-hole mask there is no clean
    window: ``T`` then holds coarse estimates only and ``num_valid`` is 0,
    which the caller can report. ``mask_ratio`` gives each entry's hole
    fraction. The memory is data, not a prediction: it is detached.

    **Randomness**: draws use a generator whose state is a buffer
    (``rng_state``), advanced in training (so a resumed run continues the
    same sequence) and reset to ``seed`` in eval (the same image always gets
    the same memory). The module has no learned weights.

    **Hole patches** (:meth:`cut_hole_patches`): ``Î_s`` is cut on the
    ``k_p`` grid; a cell is a hole cell if it holds any hole pixel. Each cell
    comes with its ``3k_p x 3k_p`` context (replicate padding at the border)
    and the mask of that context.

    Args:
        patch_size (int): ``k_p``. Default: 32.
        stride (int, optional): ``s_pool``. Default: ``patch_size // 2``.
        num_pool (int): ``N_pool``. Default: 100.
        select (str): ``'random'`` or ``'least_masked'``. Default: 'random'.
        valid_thr (float): A window is clean if its hole fraction is at most
            this. Default: 0.
        seed (int): Seed of the draws. Default: 0.
    """

    def __init__(self,
                 patch_size: int = 32,
                 stride: Optional[int] = None,
                 num_pool: int = 100,
                 select: str = 'random',
                 valid_thr: float = 0.,
                 seed: int = 0) -> None:
        super().__init__()
        if select not in ('random', 'least_masked'):
            raise ValueError("select must be 'random' or 'least_masked', "
                             f'got {select!r}')
        if patch_size < 1 or num_pool < 1:
            raise ValueError('patch_size and num_pool must be positive')
        self.patch_size = patch_size
        self.stride = stride or max(patch_size // 2, 1)
        self.num_pool = num_pool
        self.select = select
        self.valid_thr = valid_thr
        self.seed = seed
        self.register_buffer(
            'rng_state', self._seeded_state(), persistent=True)

    def _seeded_state(self) -> Tensor:
        return torch.Generator().manual_seed(self.seed).get_state()

    def _generator(self) -> torch.Generator:
        gen = torch.Generator()
        gen.set_state(self.rng_state.cpu() if self.training else
                      self._seeded_state())
        return gen

    def _keep(self, gen: torch.Generator) -> None:
        if self.training:
            self.rng_state.copy_(gen.get_state())

    @staticmethod
    def _check(img: Tensor, mask: Tensor, k: int) -> None:
        if img.dim() != 4 or mask.dim() != 4 or mask.shape[1] != 1:
            raise ValueError('expected img (n, c, h, w) and mask (n, 1, h, w),'
                             f' got {tuple(img.shape)} and '
                             f'{tuple(mask.shape)}')
        if img.shape[0] != mask.shape[0] or img.shape[2:] != mask.shape[2:]:
            raise ValueError(f'image {tuple(img.shape)} and mask '
                             f'{tuple(mask.shape)} differ in size')
        if img.shape[2] < k or img.shape[3] < k:
            raise ValueError(f'image {img.shape[2]}x{img.shape[3]} is smaller '
                             f'than the patch size {k}')

    @torch.no_grad()
    def forward(self,
                img: Tensor,
                mask: Tensor,
                references: Optional[Sequence[Tensor]] = None,
                use_image: bool = True,
                noise: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Build the texture memory ``T`` of each image.

        **References** (not in the paper, which draws ``T`` from the image
        alone): ``references`` are further images whose windows join the
        image's own as candidates of ``T`` (a wall, a lawn, another shot of
        the scene). Every window of a reference is clean; the draw of the
        ``N_pool`` entries follows the rules above over all candidates, so
        each source contributes in proportion to its clean windows. With
        ``use_image=False`` the image's own windows are not candidates: ``T``
        comes from the references alone (repeated cyclically if they have
        fewer than ``N_pool`` windows in all).

        Args:
            img (Tensor): Composited image ``Î_s`` (n, c, h, w).
            mask (Tensor): Hole mask ``M`` (n, 1, h, w), 1 = hole (values
                above 1 mark windows that are never clean, see
                ``TMADInpaintor.synthesize``).
            references (list[Tensor], optional): (n, c, h_j, w_j) images, in
                the space of ``img`` (normalised), each at least ``k_p`` a
                side. Default: None.
            use_image (bool): Draw from ``img`` too. Default: True.
            noise (Tensor, optional): (n, L) the random draws, in [0, 1),
                one per candidate window (L over all sources, in turn); an
                exported graph holds the draws of its input size as a
                constant (:meth:`draws`). Default: None (drawn here).

        Returns:
            dict: ``patches`` (n, N_pool, c, k, k); ``mask_ratio``
            (n, N_pool) hole fraction per entry; ``positions`` (n, N_pool, 2)
            top-left (y, x) in the entry's source; ``sources`` (n, N_pool)
            0 for ``img``, ``j`` for ``references[j - 1]``; ``num_valid``
            (n, ) clean windows available (over all sources drawn from).
        """
        k, s = self.patch_size, self.stride
        self._check(img, mask, k)
        refs = check_references(img, references, use_image, k,
                                'memory window')
        n = img.shape[0]
        # candidate sources: (source id, image, hole fraction (n, lh, lw))
        cands = []
        if use_image:
            cands.append((0, img, F.avg_pool2d(mask.float(), k, stride=s)))
        for j, ref in enumerate(refs, 1):
            lh, lw = (ref.shape[2] - k) // s + 1, (ref.shape[3] - k) // s + 1
            cands.append((j, ref, img.new_zeros(n, 1, lh, lw)))
        # (n, L): hole fraction of every candidate window, sources in turn
        ratio = torch.cat([r.flatten(1) for _, _, r in cands], 1)
        clean = ratio <= self.valid_thr
        if noise is None:
            noise = self.draws(ratio.shape).to(ratio.device)
        elif noise.shape != ratio.shape:
            raise ValueError(f'noise has shape {tuple(noise.shape)}, the '
                             f'candidate windows {tuple(ratio.shape)}')
        if self.select == 'random':
            # clean windows first in random order, then least masked
            key = torch.where(clean, noise, 1. + ratio + 1e-3 * noise)
        else:
            key = ratio + 1e-6 * noise
        order = key.argsort(dim=1)  # (n, L)
        # repeat cyclically when the sources have fewer than N_pool
        # windows
        pick = torch.arange(self.num_pool, device=img.device) % order.shape[1]
        index = order[:, pick]  # (n, N_pool)
        patches = img.new_empty(n, self.num_pool, img.shape[1], k, k)
        positions = index.new_zeros(n, self.num_pool, 2)
        sources = index.new_zeros(n, self.num_pool)
        start = 0
        for j, src, r in cands:
            lw, size = r.shape[-1], r[0].numel()
            local = index - start
            inside = (local >= 0) & (local < size)  # (n, N_pool)
            local = local.clamp(0, size - 1)
            pos = torch.stack([local // lw * s, local % lw * s], dim=-1)
            win = cut_windows(src.detach(), pos, k)
            patches = torch.where(inside[..., None, None, None],
                                  win.to(patches.dtype), patches)
            positions = torch.where(inside[..., None], pos, positions)
            sources = torch.where(inside, torch.full_like(sources, j),
                                  sources)
            start += size
        return dict(
            patches=patches,
            mask_ratio=ratio.gather(1, index),
            positions=positions,
            sources=sources,
            num_valid=clean.sum(1))

    def draws(self, shape: Sequence[int]) -> Tensor:
        """The random draws of :meth:`forward` for ``shape`` = (n, L)
        candidate windows: seeded in eval (the same every call), the next of
        the training sequence in training."""
        gen = self._generator()
        noise = torch.rand(tuple(shape), generator=gen)
        self._keep(gen)
        return noise

    def cut_hole_patches(self,
                         img: Tensor,
                         mask: Tensor,
                         num_patches: Optional[int] = None
                         ) -> Dict[str, Tensor]:
        """Cut the hole cells ``{p_s}`` and their contexts from ``Î_s``.

        Training (``num_patches=N_ps``): every hole cell of every image,
        topped up with random valid cells when an image has fewer (paper
        Sec.IV: valid patches top up "once the number of actual masked
        patches is smaller than N_ps", and PSNet's batch grows with the hole
        patches). The batch is rectangular: ``P = max(N_ps, most hole cells
        of an image in the batch)`` cells per image, so an image with fewer
        hole cells than ``P`` is topped up to ``P``. A hole cell left out
        would keep the coarse estimate in training, a mix that never occurs
        at test time. Testing
        (``num_patches=None``): every hole cell; images with fewer hole cells
        are padded with repeats of their first cell and flagged invalid.

        Args:
            img (Tensor): Composited image ``Î_s`` (n, c, h, w); h and w must
                be multiples of ``patch_size``.
            mask (Tensor): Hole mask (n, 1, h, w), 1 = hole.
            num_patches (int, optional): ``N_ps``, the least number of cells
                per image in training. Default: None.

        Returns:
            dict: ``cells`` (n, P) raster indices on the k grid; ``valid``
            (n, P) bool, False for padding; ``is_hole`` (n, P) bool;
            ``patches`` (n, P, c, k, k); ``contexts`` (n, P, c+1, 3k, 3k)
            (image and mask channels).
        """
        k = self.patch_size
        self._check(img, mask, k)
        n, c, h, w = img.shape
        if h % k or w % k:
            raise ValueError(f'image size {h}x{w} must be a multiple of the '
                             f'patch size {k}; pad it first')
        mask = mask.to(img.dtype)
        # (n, L): does the cell hold a hole pixel?
        hole = F.max_pool2d(mask, k).flatten(1) > 0
        num_cells = hole.shape[1]
        gen = self._generator()
        noise = torch.rand(hole.shape, generator=gen).to(img.device)
        self._keep(gen)
        # hole cells first (random order), then the others (random order)
        order = (noise + (~hole).to(noise.dtype)).argsort(dim=1)
        if num_patches is not None:
            if num_patches > num_cells:
                raise ValueError(f'num_patches={num_patches} exceeds the '
                                 f'{num_cells} cells of a {h}x{w} image')
            num = max(num_patches, int(hole.sum(1).max()))
            cells = order[:, :num]
            valid = torch.ones_like(cells, dtype=torch.bool)
        else:
            counts = hole.sum(1)
            num = max(int(counts.max()), 1)
            # keep raster order among the hole cells at test time
            raster = torch.arange(num_cells, device=img.device)
            order = (raster + num_cells * (~hole).long()).argsort(dim=1)
            cells = order[:, :num]
            valid = torch.arange(num, device=img.device) < counts[:, None]
            # padded slots repeat the first cell (never written back)
            cells = torch.where(valid, cells, cells[:, :1])
        is_hole = hole.gather(1, cells)
        patches = gather_cells(image_to_cells(img, k), cells)
        return dict(
            cells=cells,
            valid=valid,
            is_hole=is_hole,
            patches=patches,
            contexts=cut_contexts(torch.cat([img, mask], 1), cells, k))

    def paste(self, img: Tensor, patches: Tensor, cells: Tensor,
              valid: Tensor) -> Tensor:
        """Tile patches back into their cells (differentiable).

        Args:
            img (Tensor): Base image (n, c, h, w).
            patches (Tensor): (n, P, c, k, k).
            cells (Tensor): (n, P) cell indices.
            valid (Tensor): (n, P) bool; invalid entries are not written.

        Returns:
            Tensor: (n, c, h, w), ``img`` with the valid cells replaced.
        """
        n, c, h, w = img.shape
        grid = image_to_cells(img, self.patch_size)  # (n, L, c, k, k)
        b = torch.arange(n, device=img.device)[:, None].expand_as(cells)
        # under autocast PSNet's patches may be half while img is float
        grid = grid.index_put((b[valid], cells[valid]),
                              patches[valid].to(grid.dtype))
        return cells_to_image(grid, h, w)


def check_references(img: Tensor, references: Optional[Sequence[Tensor]],
                     use_image: bool, k: int, unit: str) -> List[Tensor]:
    """The references of ``img`` (n, c, h, w) as a list: each (n, c, h_j,
    w_j) and at least ``k`` (one ``unit``: a memory window, a patch) a
    side; ``use_image=False`` needs one at least."""
    refs = list(references or [])
    if not use_image and not refs:
        raise ValueError('use_image=False needs references to draw from')
    n, c = img.shape[:2]
    for j, ref in enumerate(refs, 1):
        if not isinstance(ref, Tensor) or ref.dim() != 4 or \
                ref.shape[0] != n or ref.shape[1] != c:
            shape = tuple(ref.shape) if isinstance(ref, Tensor) else \
                type(ref).__name__
            raise ValueError(f'reference {j} has shape {shape}; expected '
                             f'({n}, {c}, h, w)')
        if ref.shape[2] < k or ref.shape[3] < k:
            raise ValueError(f'reference {j} is {ref.shape[2]}x'
                             f'{ref.shape[3]}: smaller than one {unit} '
                             f'({k}x{k})')
    return refs

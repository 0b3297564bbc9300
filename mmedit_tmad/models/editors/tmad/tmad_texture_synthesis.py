# Copyright (c) OpenMMLab. All rights reserved.
"""Test-time texture synthesis on top of T-MAD's result (not in the paper)."""
import warnings
from types import SimpleNamespace
from typing import List, Optional, Sequence

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmedit_tmad.registry import MODELS
from mmedit_tmad.utils.threads import thread_map

from .tmad_texture_memory import check_references

#: the references' pixels the synthesis takes in all; more are downscaled
#: (each pixel of the canvas holds its patch, ``c k^2`` floats: 588 B for
#: 7x7 RGB patches, 0.6 GB at this bound)
MAX_REFERENCE_PIXELS = 2**20

#: pixels between the photo and each reference on PatchMatch's canvas (the
#: guide with references), in its global mask: no source patch of the finer
#: levels of its pyramid spans two images
_REF_GAP = 16

#: neighbours whose matches are tried for a pixel (PatchMatch propagation)
_OFFSETS = ((0, 1), (1, 0), (0, -1), (-1, 0))


@MODELS.register_module()
class TMADTextureSynthesis(nn.Module):
    """Patch-based texture synthesis guided by the inpainted result ``Î_p``.

    Not in the paper: a test-time step after PSNet, without parameters. A
    network trained with reconstruction losses fills a hole with the
    conditional mean, a smooth estimate; T-MAD's texture memory copies
    whole ``k_p x k_p`` windows, too coarse to give a photo's fine grain.
    This step re-synthesises the hole from small patches of the photo's own
    valid region with ``Î_p`` as the starting estimate, so the network
    decides the structure (which colours go where) and the photo lends the
    texture. It is the expectation-maximisation completion of Wexler et al.
    ("Space-time completion of video", TPAMI 2007) at one scale, with the
    propagation of PatchMatch (Barnes et al., SIGGRAPH 2009):

    1. **match**: every pixel whose ``(2r+1) x (2r+1)`` patch touches the
       hole gets the source patch (one lying wholly in the valid region,
       centres on a grid of ``stride``) nearest to its patch of the current
       estimate (exhaustive L2 search, chunked matrix products), unless the
       match of the previous iteration is nearer;
    2. **propagate**: ``sweeps`` times, each pixel tries its four
       neighbours' matches shifted by the offset (any valid source pixel)
       and takes one within ``1 + coherence`` of its distance, so matches
       form coherent copied regions;
    3. **vote**: each hole pixel becomes the mean of the source pixels that
       the overlapping matched patches put on it (in the last round, with
       ``final_vote``, the pixel of one of them).

    ``iters`` rounds of the three. Valid pixels never change; a hole pixel
    is an average of valid pixels. An image with no valid source patch is
    returned unchanged.

    Precision: float32 throughout, except under a bfloat16 autocast
    (``precision='bf16'``, the default on a CPU with AMX), where the
    exhaustive search's matrix product runs in bfloat16 (with AMX several
    times the float32 rate; in float32 the search is about half of the
    shipped model's test time). The source it ranks first is kept and its
    distance recomputed in float32, so every comparison between two
    matches (propagation, later rounds) is float32.

    With ``guide='patchmatch'`` the starting estimate in the hole is the
    networks' low frequencies plus the high frequencies of a classical
    PatchMatch completion of the photo (``pypatchmatch``, coarse to fine):
    ``low(Î_p) + P - low(P)``, ``low`` a Gaussian of ``guide_sigma``. The
    first match then sees texture where the network's estimate is smooth,
    and a smooth estimate no longer draws the smoothest source patches;
    the structure stays the network's.

    With ``guide_border`` or ``guide_ramp`` the guide fades in with the
    distance ``d`` (pixels, Euclidean) of a hole pixel from the photo's
    valid region: the start is ``Î_p + w (low(Î_p) + P - low(P) - Î_p)``,
    ``w = clip((d - guide_border) / guide_ramp, 0, 1)`` (a step at
    ``guide_border`` when ``guide_ramp`` is 0), so the texture of the
    hole's inside comes from PatchMatch and that of its rim from the photo
    around it. On held-out photos 4 px and a 4 px ramp gave 0.001-0.002
    SSIM for 1.5-2.6 FID (configs/tmad/README.md, "Fading the guide in
    from the border").

    With ``structure_weight`` ``λ > 0`` the match also compares the
    networks' low frequencies at the patch centre, a guide channel as in
    image analogies (Hertzmann et al., SIGGRAPH 2001): a target pixel ``t``
    and a source pixel ``s`` are at distance ``|P_t - P_s|^2 + λ k^2
    |L_t - L_s|^2``, ``P`` the ``k x k`` patches of the estimate and of the
    photo, ``L = low(Î_p)`` a Gaussian of ``structure_sigma`` (``Î_p`` is
    the photo where a source lies). Every match then keeps the hole's
    layout near the networks' even when the start is mostly PatchMatch's (a
    wide ``guide_sigma``), so more of its texture can stay.

    With ``references`` (:meth:`forward`; ``inpaint(..., reference=...)``)
    the patches of other images are sources too, or the only ones, and
    sources of the guide's PatchMatch fill too (beside the photo's).

    Args:
        patch_radius (int): ``r``; patches are ``2r+1`` pixels wide.
            Default: 3 (7x7, as PatchMatch's usual setting).
        iters (int): Rounds of match, propagate and vote. Default: 3.
        searches (int, optional): The first this many rounds run the
            exhaustive search; later ones start from the previous matches
            and propagate only. None: every round. Default: None.
        stride (int): Grid of the source centres in the exhaustive search
            (propagation reaches every source pixel). Default: 2.
        sweeps (int): Propagation sweeps per round. Default: 4.
        coherence (float): A neighbour's shifted match is taken when its
            distance is below ``(1 + coherence)`` times the current one.
            Default: 0.1.
        max_sources (int): At most this many source patches in the
            exhaustive search (evenly thinned beyond), which bounds the cost
            on large images. Default: 16384.
        chunk (int): Target patches per matrix product. Default: 512 (on 2
            CPU cores faster than 128, 256 or 1024, with the same output on
            held-out photos).
        guide (str, optional): ``'patchmatch'``: start from the estimate
            with PatchMatch's high frequencies (above); 3-channel images.
            None: start from the estimate. Default: None.
        guide_sigma (float): The Gaussian's standard deviation (pixels)
            that splits low and high frequencies. Default: 4.
        structure_weight (float): ``λ``, the weight of the networks' low
            frequencies in the match, per pixel of a patch; 0: colours
            only. Default: 0.
        structure_sigma (float, optional): The standard deviation (pixels)
            of ``L``'s Gaussian. None: ``guide_sigma``. Default: None.
        guide_border (float): Hole pixels within this distance (pixels) of
            the valid region start from the estimate alone. Default: 0.
        guide_ramp (float): Over this many pixels beyond ``guide_border``
            the guide's weight rises from 0 to 1. Default: 0 (the guide
            everywhere when ``guide_border`` is 0 too).
        final_vote (str): The last round's vote. ``'mean'``: as the
            others. ``'best'``: each hole pixel is copied from the one
            matched patch covering it with the smallest distance (the
            final reconstruction of Newson et al., SIAM J. Imaging Sci.
            2014), so the output is not blurred by averaging. Default:
            ``'mean'``.
    """

    #: devices where the images of a batch propagate together (one call per
    #: step for all, as each call costs a kernel launch); elsewhere (the
    #: CPU) one after another, each image's patch table staying in cache
    #: (together: 1.1-1.3x the time and 3x the memory at batch 4 on 2 CPU
    #: cores, docs/benchmarks.md). The output is the same either way.
    batched_devices = ('cuda', )

    def __init__(self,
                 patch_radius: int = 3,
                 iters: int = 3,
                 searches: Optional[int] = None,
                 stride: int = 2,
                 sweeps: int = 4,
                 coherence: float = 0.1,
                 max_sources: int = 16384,
                 chunk: int = 512,
                 guide: Optional[str] = None,
                 guide_sigma: float = 4.,
                 structure_weight: float = 0.,
                 structure_sigma: Optional[float] = None,
                 guide_border: float = 0.,
                 guide_ramp: float = 0.,
                 final_vote: str = 'mean') -> None:
        super().__init__()
        for name, value, low in (('patch_radius', patch_radius, 1),
                                 ('iters', iters, 1), ('stride', stride, 1),
                                 ('sweeps', sweeps, 0),
                                 ('max_sources', max_sources, 1),
                                 ('chunk', chunk, 1)):
            if int(value) != value or value < low:
                raise ValueError(
                    f'{name} must be an integer >= {low}, got {value!r}')
        if searches is not None and (int(searches) != searches
                                     or not 1 <= searches <= iters):
            raise ValueError(f'searches must be an integer in [1, iters], '
                             f'got {searches!r}')
        if final_vote not in ('mean', 'best'):
            raise ValueError(
                f"final_vote must be 'mean' or 'best', got {final_vote!r}")
        if guide not in (None, 'patchmatch'):
            raise ValueError(
                f"guide must be None or 'patchmatch', got {guide!r}")
        if not guide_sigma > 0:
            raise ValueError(f'guide_sigma must be > 0, got {guide_sigma!r}')
        if not coherence >= 0:
            raise ValueError(f'coherence must be >= 0, got {coherence!r}')
        if not 0 <= structure_weight < float('inf'):
            raise ValueError(f'structure_weight must be finite and >= 0, '
                             f'got {structure_weight!r}')
        if structure_sigma is not None and not structure_sigma > 0:
            raise ValueError(f'structure_sigma must be None or > 0, got '
                             f'{structure_sigma!r}')
        for name, value in (('guide_border', guide_border),
                            ('guide_ramp', guide_ramp)):
            if not 0 <= value < float('inf'):
                raise ValueError(
                    f'{name} must be finite and >= 0, got {value!r}')
        self.patch_radius = int(patch_radius)
        self.iters = int(iters)
        self.searches = self.iters if searches is None else int(searches)
        self.stride = int(stride)
        self.sweeps = int(sweeps)
        self.coherence = float(coherence)
        self.max_sources = int(max_sources)
        self.chunk = int(chunk)
        self.guide = guide
        self.guide_sigma = float(guide_sigma)
        self.structure_weight = float(structure_weight)
        self.structure_sigma = self.guide_sigma if structure_sigma is None \
            else float(structure_sigma)
        self.guide_border = float(guide_border)
        self.guide_ramp = float(guide_ramp)
        self.final_vote = final_vote
        if guide == 'patchmatch':
            # imported here: the native library loads on first use
            from patchmatch import patch_match
            self._patch_match = patch_match

    @property
    def settings(self) -> dict:
        """The arguments that rebuild this module (stored in exported
        files)."""
        return dict(
            patch_radius=self.patch_radius,
            iters=self.iters,
            searches=self.searches,
            stride=self.stride,
            sweeps=self.sweeps,
            coherence=self.coherence,
            max_sources=self.max_sources,
            chunk=self.chunk,
            guide=self.guide,
            guide_sigma=self.guide_sigma,
            structure_weight=self.structure_weight,
            structure_sigma=self.structure_sigma,
            guide_border=self.guide_border,
            guide_ramp=self.guide_ramp,
            final_vote=self.final_vote)

    @torch.no_grad()
    def forward(self,
                img: Tensor,
                mask: Tensor,
                exclude: Optional[Tensor] = None,
                references: Optional[Sequence[Tensor]] = None,
                use_image: bool = True) -> Tensor:
        """Re-synthesise the hole of each image.

        **References** (the reference fill of ``TMADInpaintor.inpaint``):
        every patch lying wholly in a reference is a source too, found by
        the search and reached by propagation as the photo's are; with
        ``use_image=False`` the sources are the references' alone, so every
        hole pixel becomes a mean of reference pixels. Each reference is
        replicate-padded on its own, so no patch spans two images, and the
        photo's target patches and sources are the ones it has alone. The
        guide's PatchMatch fill draws from the references and the photo.
        References of more than ``MAX_REFERENCE_PIXELS`` pixels in all are
        downscaled together to that many (area interpolation, with a
        warning), which bounds the memory (``c k^2`` floats a pixel).

        Args:
            img (Tensor): (n, c, h, w) the estimate, e.g. ``Î_p``; valid
                pixels are the photo.
            mask (Tensor): (n, 1, h, w), 1 = hole.
            exclude (Tensor, optional): (n, 1, h, w), 1 on pixels that are
                not part of the photo (padding): no source patch touches
                one. Default: None.
            references (list[Tensor], optional): (n, c, h_j, w_j) images in
                ``img``'s space, each at least ``2r+1`` a side. Default:
                None.
            use_image (bool): Draw source patches from ``img`` too; False
                needs ``references``. Default: True.

        Returns:
            Tensor: (n, c, h, w) in ``img``'s dtype; equal to ``img``
            outside the hole.
        """
        if img.dim() != 4 or mask.dim() != 4 or mask.size(1) != 1 or \
                mask.shape[0] != img.shape[0] or \
                mask.shape[2:] != img.shape[2:]:
            raise ValueError(f'img (n, c, h, w) and mask (n, 1, h, w) '
                             f'expected, got {tuple(img.shape)} and '
                             f'{tuple(mask.shape)}')
        if exclude is not None and exclude.shape != mask.shape:
            raise ValueError(f'exclude must have the shape of mask '
                             f'{tuple(mask.shape)}, got '
                             f'{tuple(exclude.shape)}')
        refs = self._check_references(img, references, use_image)
        if self.guide is not None and img.size(1) != 3:
            raise ValueError(f'guide={self.guide!r} needs 3-channel images, '
                             f'got {img.size(1)} channels')
        holes = mask[:, 0] > 0
        excl = [None] * img.size(0) if exclude is None else exclude[:, 0] > 0
        out = []
        # under a bfloat16 autocast (a CPU with AMX) the exhaustive search's
        # matrix product runs in bfloat16; every distance that decides
        # between two matches is float32 (see _search)
        dev = img.device.type
        bf16 = torch.is_autocast_enabled(dev) and \
            torch.get_autocast_dtype(dev) == torch.bfloat16
        with torch.autocast(dev, enabled=False):
            # each image's references, (c, h_j, w_j) float each
            own = [[r[i].float() for r in refs] for i in range(img.size(0))]
            starts = [None] * img.size(0)
            if self.guide is not None:
                starts = self._guided_batch(img.float(), holes, excl, own)
            if not refs:
                return torch.stack(
                    self._images(img.float(), holes, excl, starts,
                                 bf16)).to(img.dtype)
            for i in range(img.size(0)):
                out.append(
                    self._with_references(img[i].float(), holes[i], excl[i],
                                          starts[i], own[i], use_image,
                                          bf16))
        return torch.stack(out).to(img.dtype)

    def _check_references(self, img: Tensor,
                          references: Optional[Sequence[Tensor]],
                          use_image: bool) -> List[Tensor]:
        """``references`` checked against ``img``, downscaled together to
        at most ``MAX_REFERENCE_PIXELS`` pixels in all."""
        k = 2 * self.patch_radius + 1
        refs = check_references(img, references, use_image, k, 'patch')
        total = sum(ref.shape[2] * ref.shape[3] for ref in refs)
        if total > MAX_REFERENCE_PIXELS:
            f = (MAX_REFERENCE_PIXELS / total)**0.5
            warnings.warn(f'the references have {total} pixels in all: the '
                          f'texture synthesis draws from them downscaled by '
                          f'{f:.3f} (MAX_REFERENCE_PIXELS '
                          f'{MAX_REFERENCE_PIXELS})')
            refs = [
                F.interpolate(
                    ref.float(),
                    size=(max(k, int(ref.shape[2] * f)),
                          max(k, int(ref.shape[3] * f))),
                    mode='area').to(ref.dtype) for ref in refs
            ]
        return refs

    def _guided_batch(self,
                      img: Tensor,
                      holes: Tensor,
                      excl,
                      refs: Optional[list] = None) -> list:
        """:meth:`_guided` of each image that has a hole and valid pixels
        (None for the others: they are returned unchanged). PatchMatch
        (native, without the GIL, seeded per call) fills
        ``torch.get_num_threads()`` images at once, each as it would
        alone; ``refs[i]``, image i's references ((c, h_j, w_j) each),
        are its sources too."""
        todo = [
            i for i in range(img.size(0)) if holes[i].any() and (
                ~holes[i] if excl[i] is None else ~(holes[i] | excl[i])).any()
        ]
        jobs = [
            self._patch_match_job(img[i], holes[i], excl[i],
                                  refs[i] if refs else ())
            for i in todo
        ]
        fills = thread_map(lambda job: job(), jobs)
        starts = [None] * img.size(0)
        for i, fill in zip(todo, fills):
            starts[i] = self._guided(img[i], holes[i], excl[i], fill)
        return starts

    def _images(self,
                img: Tensor,
                holes: Tensor,
                excl,
                starts: list,
                bf16_search: bool = False) -> List[Tensor]:
        """(n, c, h, w) float, (n, h, w) bool holes, padding per image
        ((h, w) bool or None) -> (c, h, w) each; ``starts``: the estimate
        the first match sees (None: the image); ``bf16_search``: see
        :meth:`_search`."""
        dirty = [
            hole if ex is None else hole | ex for hole, ex in zip(holes, excl)
        ]
        low = [
            self._blur(x, ex, self.structure_sigma)
            if self.structure_weight > 0 else None
            for x, ex in zip(img, excl)
        ]
        grid = torch.zeros_like(holes[0])
        grid[::self.stride, ::self.stride] = True
        if img.device.type in self.batched_devices:
            return self._synthesize(
                list(img), list(holes), dirty, grid, starts, low,
                bf16_search=bf16_search)
        return [
            self._synthesize([x], [hole], [d], grid, [start], [lo],
                             bf16_search=bf16_search)[0]
            for x, hole, d, start, lo in zip(img, holes, dirty, starts, low)
        ]

    def _with_references(self, img: Tensor, hole: Tensor,
                         exclude: Optional[Tensor], start: Optional[Tensor],
                         refs: list, use_image: bool,
                         bf16_search: bool = False) -> Tensor:
        """:meth:`_images` of one image with the patches of ``refs``
        ((c, h_j, w_j) each) as sources too (only: ``use_image=False``).

        One canvas holds the photo and the references side by side, each
        replicate-padded by ``r`` on its own (filler below a shorter one
        is kept out of every patch), so that a patch of any of them is the
        one it has alone; source centres lie in a reference or, with
        ``use_image``, in the photo, on each one's own grid of ``stride``.
        """
        r = self.patch_radius
        c, h, w = img.shape
        parts = [img] + refs
        big_h = max(p.size(1) for p in parts) + 2 * r
        big_w = sum(p.size(2) + 2 * r for p in parts)
        canvas = img.new_zeros(c, big_h, big_w)
        cstart = None if start is None else img.new_zeros(c, big_h, big_w)
        low = None if self.structure_weight == 0 else \
            torch.zeros_like(canvas)
        dirty = torch.ones(big_h, big_w, dtype=torch.bool, device=img.device)
        chole = torch.zeros_like(dirty)
        allowed = torch.zeros_like(dirty)
        grid = torch.zeros_like(dirty)
        x = 0
        for j, part in enumerate(parts):
            ph, pw = part.shape[1:]
            outer = (slice(0, ph + 2 * r), slice(x, x + pw + 2 * r))
            inner = (slice(r, r + ph), slice(x + r, x + r + pw))
            canvas[(slice(None), ) + outer] = self._pad(part)
            dirty[outer] = False
            if j == 0:
                if start is not None:
                    cstart[(slice(None), ) + outer] = self._pad(start)
                dirty[inner] = hole if exclude is None else hole | exclude
                chole[inner] = hole
            if j > 0 or use_image:
                allowed[inner] = True
                grid[inner][::self.stride, ::self.stride] = True
            if low is not None:
                low[(slice(None), ) + inner] = self._blur(
                    part, exclude if j == 0 else None, self.structure_sigma)
            x += pw + 2 * r
        out = self._synthesize([canvas], [chole], [dirty],
                               grid, [cstart], [low],
                               allowed=allowed,
                               photo_hw=(h, w),
                               bf16_search=bf16_search)[0]
        return out[:, r:r + h, r:r + w]

    def _pad(self, x: Tensor) -> Tensor:
        """(c, h, w) -> (c, h + 2r, w + 2r), the border replicated."""
        r = self.patch_radius
        return F.pad(x[None], (r, r, r, r), mode='replicate')[0]

    def _synthesize(self,
                    imgs: Sequence[Tensor],
                    holes: Sequence[Tensor],
                    dirties: Sequence[Tensor],
                    grid: Tensor,
                    starts: Sequence[Optional[Tensor]],
                    lows: Sequence[Optional[Tensor]],
                    allowed: Optional[Tensor] = None,
                    photo_hw: Optional[tuple] = None,
                    bf16_search: bool = False) -> List[Tensor]:
        """The rounds of match, propagate and vote on images of one size.

        ``imgs``: (c, h, w) each; per image, ``holes``: the pixels to fill;
        ``dirties``: what no source patch may touch; ``starts``: the
        estimate the first match sees (None: the image); ``lows``: ``L`` of
        the structure term (None without one). Shared: ``grid``, the source
        centres of the exhaustive search; ``allowed``, where any source
        centre may lie (None: anywhere clean); ``photo_hw``, the photo's
        size where each image is a canvas of :meth:`_with_references` (its
        targets stay in it, its padding follows the vote), None where it
        is the photo; ``bf16_search``: the exhaustive search's product in
        bfloat16 (:meth:`_search`).

        Each image keeps its own sources, targets and search; propagation
        runs on the targets of all images at once (one flat index of
        their pixels, image ``i``'s at ``i h w``; a neighbour or a shifted
        match never leaves its image), which gives every image the output
        it has alone in a fraction of the operator calls (on a GPU, where
        each call costs its launch). The vote adds the same patches in the
        same order as alone.
        """
        n = len(imgs)
        c, h, w = imgs[0].shape
        r = self.patch_radius
        k = 2 * r + 1
        # each image's patches (and structure term) are written straight
        # into the tables of all, image i's pixels at rows i * h * w
        # onwards (one copy of each table at any time)
        photo = feat = None
        if n > 1:
            photo = imgs[0].new_empty(n * h * w, c * k * k)
            feat = photo if lows[0] is None else imgs[0].new_empty(
                n * h * w, c * k * k + c)
        plans = [
            self._plan(
                *args,
                grid,
                allowed,
                photo_hw,
                bf16_search,
                out=None if n == 1 else
                (photo[i * h * w:(i + 1) * h * w],
                 feat[i * h * w:(i + 1) * h * w]))
            for i, args in enumerate(zip(imgs, holes, dirties, starts, lows))
        ]
        todo = [i for i, plan in enumerate(plans) if plan is not None]
        outs = list(imgs)
        if not todo:
            return outs
        plans = [plans[i] for i in todo]
        if n == 1:
            photo, feat = plans[0].photo, plans[0].feat
        base = [i * h * w for i in todo]

        def cat(parts: list) -> Tensor:
            return parts[0] if len(parts) == 1 else torch.cat(parts)

        tgt_idx = cat([p.tgt_idx + b for p, b in zip(plans, base)])
        # each image's targets: rows ends[j]:ends[j + 1] of all
        ends = [0]
        for p in plans:
            ends.append(ends[-1] + p.tgt_idx.numel())

        def to_src(o: int) -> Tensor:
            # per pixel of all images (False in those left out), whether
            # the pixel at offset o is a source centre
            if n == 1:
                return plans[0].nbrs[o][3]
            out = feat.new_zeros(n * h * w, dtype=torch.bool)
            for p, b in zip(plans, base):
                out[b:b + h * w] = p.nbrs[o][3]
            return out

        # each offset's flat shift is the same in every image (one size)
        nbrs = [(cat([p.nbrs[o][0] + b for p, b in zip(plans, base)]),
                 cat([p.nbrs[o][1] for p in plans]), plans[0].nbrs[o][2],
                 to_src(o)) for o in range(len(_OFFSETS))]
        scratch = feat.new_empty(tgt_idx.numel(), feat.size(1))
        nnf = torch.full((feat.size(0), ), -1, dtype=torch.long,
                         device=feat.device)
        curs = [p.cur for p in plans]
        for it in range(self.iters):
            tgt = cat([self._patches(cur, p) for cur, p in zip(curs, plans)])
            if it > 0:
                best = nnf[tgt_idx]
                dist = ((feat[best] - tgt)**2).sum(1)
            if it < self.searches:
                found = [
                    self._search(tgt[a:z], p.src, p.src_idx + b, p.src_aug)
                    for p, a, z, b in zip(plans, ends, ends[1:], base)
                ]
                d_found = cat([f[1] for f in found])
                found = cat([f[0] for f in found])
                if it > 0:
                    keep = dist <= d_found
                    found = torch.where(keep, best, found)
                    d_found = torch.where(keep, dist, d_found)
                best, dist = found, d_found
            for _ in range(self.sweeps):
                nnf[tgt_idx] = best
                for nbr in nbrs:
                    best, dist = self._propagate(nnf, best, dist, tgt, feat,
                                                 scratch, *nbr)
            nnf[tgt_idx] = best
            nearest = it == self.iters - 1 and self.final_vote == 'best'
            for j, p in enumerate(plans):
                rows = slice(ends[j], ends[j + 1])
                vote = self._nearest_vote(p, photo, best[rows], dist[rows]) \
                    if nearest else self._mean_vote(p, photo, best[rows])
                y0, y1, x0, x1 = p.box
                cur = curs[j]
                cur[:, y0:y1, x0:x1] = torch.where(p.box_hole, vote,
                                                   cur[:, y0:y1, x0:x1])
                if photo_hw is not None:
                    # the photo's replicated border follows its new pixels
                    ph, pw = photo_hw
                    cur[:, :ph + 2 * r, :pw + 2 * r] = self._pad(
                        cur[:, r:r + ph, r:r + pw])
        for i, cur in zip(todo, curs):
            outs[i] = cur
        return outs

    def _mean_vote(self, plan, photo: Tensor, best: Tensor) -> Tensor:
        """Each pixel of the plan's box as the mean of the matched patches
        that cover it, (c, bh, bw); ``best``: the plan's targets' matches
        (rows of ``photo``)."""
        r = self.patch_radius
        y0, y1, x0, x1 = plan.box
        bh, bw = y1 - y0, x1 - x0
        # (c * k * k, bh * bw) columns of the matched patches, summed back
        # onto the pixels they cover (all in the box)
        cols = photo.new_zeros(photo.size(1), bh * bw)
        cols[:, plan.in_box] = photo[best].t()
        num = F.fold(cols[None], (bh + 2 * r, bw + 2 * r),
                     2 * r + 1)[0, :, r:r + bh, r:r + bw]
        return num / plan.den.clamp(min=1e-12)

    def _nearest_vote(self, plan, photo: Tensor, best: Tensor,
                      dist: Tensor) -> Tensor:
        """The last round's vote with ``final_vote='best'``: each pixel of
        the box takes its value from the nearest of the matched patches
        that cover it, (c, bh, bw); ``best`` / ``dist``: as for
        :meth:`_mean_vote`, and their squared distances."""
        r = self.patch_radius
        k = 2 * r + 1
        c = photo.size(1) // (k * k)
        y0, y1, x0, x1 = plan.box
        bh, bw = y1 - y0, x1 - x0
        pw = bw + 2 * r
        # the targets' matches and distances on the box padded by r (-1 /
        # inf where no target), (bh + 2r) * (bw + 2r)
        pad_idx = (plan.in_box // bw + r) * pw + plan.in_box % bw + r
        nnf = best.new_full(((bh + 2 * r) * pw, ), -1)
        nnf[pad_idx] = best
        dmap = dist.new_full(((bh + 2 * r) * pw, ), float('inf'))
        dmap[pad_idx] = dist
        # (k * k, bh * bw): the distance of the target at each offset
        # (ky - r, kx - r) of each pixel, offsets in unfold's order
        near = F.unfold(dmap.view(1, 1, bh + 2 * r, pw), k)[0]
        pick = near.argmin(0)  # (bh * bw, )
        # the chosen target of each pixel, in the padded box
        pix = torch.arange(bh * bw, device=best.device)
        q = (pix // bw + pick // k) * pw + pix % bw + pick % k
        src = nnf[q].clamp(min=0)  # -1 only outside every target's patch
        # the pixel sits at (2r - ky, 2r - kx) of that target's patch:
        # column ch * k^2 + k^2 - 1 - pick of its row
        col = (torch.arange(c, device=best.device)[:, None] * (k * k) +
               (k * k - 1 - pick)[None])  # (c, bh * bw)
        return photo[src[None].expand(c, -1), col].view(c, bh, bw)

    def _plan(self,
              img: Tensor,
              hole: Tensor,
              dirty: Tensor,
              start: Optional[Tensor],
              low: Optional[Tensor],
              grid: Tensor,
              allowed: Optional[Tensor] = None,
              photo_hw: Optional[tuple] = None,
              bf16_search: bool = False,
              out: Optional[tuple] = None):
        """What :meth:`_synthesize` keeps of one image (arguments as
        there), fixed over its rounds; None where there is nothing to do
        (no hole, or no source patch): the image is returned unchanged.
        ``out``: (h * w, c k^2) and (h * w, c k^2 [+ c]) tables that
        receive the image's patches and what the match compares (the same
        table without a structure term)."""
        h, w = img.shape[1:]
        r = self.patch_radius
        k = 2 * r + 1
        # a source centre: its whole patch free of hole and padding (the
        # image border is replicated)
        near_dirty = F.max_pool2d(
            dirty[None, None].float(), k, stride=1, padding=r)[0, 0] > 0
        if allowed is not None:
            near_dirty = near_dirty | ~allowed
        src_ok = (~near_dirty).flatten()  # (h * w, )
        src_idx = (src_ok & grid.flatten()).nonzero()[:, 0]
        if not hole.any() or src_idx.numel() == 0:
            return None
        if src_idx.numel() > self.max_sources:
            keep = torch.linspace(
                0, src_idx.numel() - 1, self.max_sources,
                device=img.device).round().long()
            src_idx = src_idx[keep]
        # targets: every pixel whose patch touches the hole
        near_hole = F.max_pool2d(
            hole[None, None].float(), k, stride=1, padding=r)[0, 0] > 0
        if photo_hw is not None:
            # in a canvas, the photo's pixels only (not its padding)
            inside = torch.zeros_like(near_hole)
            inside[r:r + photo_hw[0], r:r + photo_hw[1]] = True
            near_hole = near_hole & inside
        tgt_idx = near_hole.flatten().nonzero()[:, 0]
        ty, tx = tgt_idx // w, tgt_idx % w
        # the targets' bounding box, rows y0:y1, columns x0:x1: the
        # targets' patches and the vote are computed on it alone
        y0, y1 = int(ty.min()), int(ty.max()) + 1
        x0, x1 = int(tx.min()), int(tx.max()) + 1
        in_box = (ty - y0) * (x1 - x0) + (tx - x0)  # (Nt, )
        plan = SimpleNamespace(box=(y0, y1, x0, x1), in_box=in_box,
                               tgt_idx=tgt_idx, tgt_low=None)
        # the valid pixels never change
        plan.photo = self._patches(img, out=None if out is None else out[0])
        # what the match compares: the patch, and with a structure weight
        # sqrt(λ k^2) L at its centre, (h * w, c * k * k [+ c])
        plan.feat = plan.photo
        if low is not None:
            # (h * w, c)
            low = low.flatten(1).t() * (self.structure_weight * k * k)**0.5
            plan.feat = torch.cat([plan.photo, low], 1) if out is None \
                else torch.cat([plan.photo, low], 1, out=out[1])
            plan.tgt_low = low[tgt_idx]  # fixed: the networks' layout
        plan.src_idx = src_idx
        plan.src = plan.feat[src_idx]  # (Ns, c * k * k [+ c])
        # |t - s|^2 - |t|^2 = [t, 1] . [-2 s, |s|^2]: one plain product
        # (in float32; the bfloat16 search builds its own)
        plan.src_aug = None if bf16_search else torch.cat(
            [-2. * plan.src, (plan.src * plan.src).sum(1, keepdim=True)],
            1).t().contiguous()  # (c * k * k [+ c] + 1, Ns)
        plan.nbrs = self._neighbours(ty, tx, src_ok, h, w)
        # how many matched patches cover each pixel of the box: the same
        # every round
        bh, bw = y1 - y0, x1 - x0
        weight = plan.photo.new_zeros(k * k, bh * bw)
        weight[:, in_box] = 1.
        plan.den = F.fold(weight[None], (bh + 2 * r, bw + 2 * r),
                          k)[0, :, r:r + bh, r:r + bw]
        plan.box_hole = hole[None, y0:y1, x0:x1]
        # the vote writes into its box
        plan.cur = (img if start is None else start).clone()
        return plan

    def _patches(self,
                 x: Tensor,
                 plan=None,
                 out: Optional[Tensor] = None) -> Tensor:
        """(c, h, w) -> its ``k x k`` patches (replicate-padded) as rows,
        (h * w, c * k * k) (into ``out`` if given), or with a plan of
        :meth:`_plan` its targets' ones (with their structure term), (Nt,
        c * k * k [+ c]); contiguous for gathers."""
        r = self.patch_radius
        pad = F.pad(x[None], (r, r, r, r), mode='replicate')
        if plan is not None:
            y0, y1, x0, x1 = plan.box
            pad = pad[..., y0:y1 + 2 * r, x0:x1 + 2 * r]
        cols = F.unfold(pad, 2 * r + 1)[0]  # (c * k * k, positions)
        if out is not None:
            return out.copy_(cols.t())
        if plan is None:
            return cols.t().contiguous()
        cols = cols.index_select(1, plan.in_box).t().contiguous()
        if plan.tgt_low is not None:
            cols = torch.cat([cols, plan.tgt_low], 1)
        return cols

    def _patch_match_job(self,
                         img: Tensor,
                         hole: Tensor,
                         exclude: Optional[Tensor],
                         refs: Sequence[Tensor] = ()):
        """PatchMatch's fill ``P`` of ``img`` (c, h, w) as a call without
        arguments that returns it as (h, w, c) float32 in ``img``'s range
        (numpy in and out, no torch inside: safe in a thread).

        With ``refs`` ((c, h_j, w_j) each), PatchMatch fills the photo's
        hole on a canvas of the photo and the references side by side,
        ``_REF_GAP`` pixels apart, the gaps in its ``global_mask``
        (neither filled nor sources). The photo stays one of its sources
        with ``use_image=False`` too: PatchMatch matches the hole's border
        only where it is a source, and the start, like the networks'
        estimate, may draw on the photo (the output's pixels do not).
        """
        valid = ~hole if exclude is None else ~(hole | exclude)
        # PatchMatch takes uint8: the sources' range mapped to 0-255 (only
        # the start depends on it; the vote copies the sources' values)
        vals = img[:, valid]
        if refs:
            vals = torch.cat([vals] + [r.flatten(1) for r in refs], 1)
        lo = vals.min()
        scale = 255. / (vals.max() - lo).clamp(min=1e-6)

        def u8(x: Tensor) -> np.ndarray:
            # (c, h, w) -> (h, w, c) uint8
            q = ((x - lo) * scale).round().clamp(0, 255).byte()
            return q.permute(1, 2, 0).cpu().numpy()

        h, w = hole.shape
        hole_np = hole.cpu().numpy()
        masked = np.where(hole_np[..., None], 0, u8(img))
        glob = None if exclude is None else exclude.cpu().numpy()
        if refs:
            big_h = max([h] + [r.size(1) for r in refs])
            big_w = w + sum(_REF_GAP + r.size(2) for r in refs)
            canvas = np.zeros((big_h, big_w, img.size(0)), np.uint8)
            chole = np.zeros((big_h, big_w), bool)
            cglob = np.ones((big_h, big_w), bool)
            canvas[:h, :w], chole[:h, :w] = masked, hole_np
            cglob[:h, :w] = False if glob is None else glob
            x = w
            for r in refs:
                x += _REF_GAP
                rh, rw = r.shape[1:]
                canvas[:rh, x:x + rw] = u8(r)
                cglob[:rh, x:x + rw] = False
                x += rw
            masked, hole_np, glob = canvas, chole, cglob
        glob = None if glob is None else glob.astype(np.uint8)
        lo, scale = lo.cpu().numpy(), scale.cpu().numpy()  # float32

        def job() -> np.ndarray:
            fill = self._patch_match.inpaint(
                masked,
                hole_np.astype(np.uint8),
                global_mask=glob,
                patch_size=self.patch_radius)
            return fill[:h, :w].astype(np.float32) / scale + lo

        return job

    def _guided(self, img: Tensor, hole: Tensor, exclude: Optional[Tensor],
                fill: np.ndarray) -> Tensor:
        """``low(img) + P - low(P)`` in the hole, ``P`` PatchMatch's fill
        (``fill``: what :meth:`_patch_match_job`'s call returned), faded in
        from the hole's border by ``guide_border`` / ``guide_ramp``."""
        fill = torch.from_numpy(fill).to(img).permute(2, 0, 1)
        start = self._blur(img, exclude) + fill - self._blur(fill, exclude)
        weight = self._guide_weight(hole, exclude)
        if weight is not None:
            start = img + weight * (start - img)
        return torch.where(hole[None], start, img)

    def _guide_weight(self, hole: Tensor,
                      exclude: Optional[Tensor]) -> Optional[Tensor]:
        """(1, h, w) the guide's weight ``w`` at each pixel, from the
        distance to the nearest valid pixel (neither hole nor padding);
        None where the guide is everywhere."""
        if self.guide_border == 0 and self.guide_ramp == 0:
            return None
        dirty = hole if exclude is None else hole | exclude
        # distance of each non-zero pixel to the nearest zero one
        dist = cv2.distanceTransform(dirty.cpu().numpy().astype(np.uint8),
                                     cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        dist = torch.from_numpy(dist).to(hole.device)[None]
        if self.guide_ramp == 0:
            return (dist > self.guide_border).float()
        return ((dist - self.guide_border) / self.guide_ramp).clamp(0, 1)

    def _blur(self,
              img: Tensor,
              exclude: Optional[Tensor],
              sigma: Optional[float] = None) -> Tensor:
        """Gaussian low-pass of ``img`` (c, h, w), padding left out;
        ``sigma`` (default ``guide_sigma``) in pixels."""
        sigma = self.guide_sigma if sigma is None else sigma
        rad = max(1, int(3 * sigma + 0.5))
        x = torch.arange(-rad, rad + 1, dtype=img.dtype, device=img.device)
        g = torch.exp(-x * x / (2 * sigma**2))
        g = g / g.sum()
        keep = img.new_ones(1, *img.shape[1:]) if exclude is None else \
            (~exclude).to(img.dtype)[None]
        both = torch.cat([img * keep, keep])[:, None]  # (c + 1, 1, h, w)
        both = F.conv2d(both, g.view(1, 1, 1, -1), padding=(0, rad))
        both = F.conv2d(both, g.view(1, 1, -1, 1), padding=(rad, 0))
        return both[:-1, 0] / both[-1:, 0].clamp(min=1e-6)

    def _search(self,
                tgt: Tensor,
                src: Tensor,
                src_idx: Tensor,
                src_aug: Optional[Tensor] = None):
        """Exhaustive nearest source of each target patch (squared L2).

        ``tgt`` (Nt, d) and the sources ``src`` (Ns, d) float32 rows,
        ``src_idx`` the sources' flat centres; ``src_aug`` ``[-2 s,
        |s|^2]`` (d + 1, Ns) of the sources for a float32 product, or None
        for a bfloat16 one: ``|t - s|^2 = [t, 1, |t|^2] . [-2 s, |s|^2, 1]``
        on the rows less the targets' mean (the same differences in smaller
        numbers, rounded relative to the distance; the products of a photo's
        own sources do not depend on other sources, e.g. references). On a
        CPU with AMX it runs several times faster than the float32 one. The
        source it ranks first is taken and its distance computed again in
        float32, so propagation and later rounds compare exact distances.

        Returns:
            tuple[Tensor, Tensor]: the chosen sources' flat centres (Nt, )
            and their float32 squared distances (Nt, ).
        """
        bf16 = src_aug is None
        if bf16:
            centre = tgt.mean(0)
            src_c = src - centre
            src_aug = torch.cat([
                -2. * src_c, (src_c * src_c).sum(1, keepdim=True),
                src_c.new_ones(src_c.size(0), 1)
            ], 1).t().contiguous().bfloat16()  # (d + 2, Ns)
        n = tgt.size(0)
        best = torch.empty(n, dtype=torch.long, device=tgt.device)
        dist = torch.empty(n, device=tgt.device)
        # every chunk's product goes into the same buffer: a fresh
        # (chunk, Ns) tensor a chunk costs its page faults each time
        rows = min(self.chunk, n)
        aug = tgt.new_empty(rows, src_aug.size(0), dtype=src_aug.dtype)
        aug[:, tgt.size(1)] = 1.  # [t, 1] or [t, 1, |t|^2]
        prod = tgt.new_empty(rows, src_aug.size(1), dtype=src_aug.dtype)
        for a in range(0, n, self.chunk):
            t = tgt[a:a + self.chunk]
            m = t.size(0)
            if bf16:
                t_c = t - centre
                aug[:m, :-2] = t_c
                aug[:m, -1] = (t_c * t_c).sum(1)
            else:
                aug[:m, :-1] = t
            # (m, Ns): |t - s|^2 - |t|^2, or |t - s|^2 in bfloat16
            torch.mm(aug[:m], src_aug, out=prod[:m])
            if bf16:
                # non-negative bfloat16 values order as their int16 bits
                # (faster minima); a value rounded below zero (a distance
                # ~0) sorts before them all
                _, j = first_min(prod[:m].view(torch.int16))
                best[a:a + m] = src_idx[j]
                dist[a:a + m] = ((src[j] - t)**2).sum(1)
            else:
                low, j = first_min(prod[:m])
                best[a:a + m] = src_idx[j]
                dist[a:a + m] = (low + (t * t).sum(1)).clamp(min=0)
        return best, dist

    def _neighbours(self, ty: Tensor, tx: Tensor, src_ok: Tensor, h: int,
                    w: int) -> list:
        """What propagation needs of each offset ``(dy, dx)`` of
        ``_OFFSETS``, fixed for an image: the flat index of each target's
        neighbour at ``-(dy, dx)`` (clamped to the image), whether that
        neighbour is in the image, the flat shift ``dy * w + dx`` and, per
        pixel ``p``, whether ``p + (dy, dx)`` is in the image and a source
        centre."""
        ys = torch.arange(h, device=ty.device)[:, None]
        xs = torch.arange(w, device=ty.device)[None]
        out = []
        for dy, dx in _OFFSETS:
            ny, nx = ty - dy, tx - dx
            inside = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
            nbr = ny.clamp(0, h - 1) * w + nx.clamp(0, w - 1)
            fits = ((ys + dy >= 0) & (ys + dy < h) & (xs + dx >= 0) &
                    (xs + dx < w)).flatten()  # (h * w, )
            shift = dy * w + dx
            to_src = fits & src_ok[(torch.arange(
                h * w, device=ty.device) + shift).clamp(0, h * w - 1)]
            out.append((nbr, inside, shift, to_src))
        return out

    def _propagate(self, nnf, best, dist, tgt, feat, scratch, nbr, inside,
                   shift, to_src):
        """Try each target's neighbour's match, shifted (one offset of
        :meth:`_neighbours`; ``feat``: what the match compares at each
        pixel)."""
        match = nnf[nbr]  # -1: the neighbour has no match (not a target)
        ok = inside & (match >= 0) & to_src[match.clamp(min=0)]
        cand = torch.where(ok, match + shift, best)
        # ((feat[cand] - tgt)**2).sum(1) in a buffer reused by every call
        diff = torch.index_select(feat, 0, cand, out=scratch)
        d = diff.sub_(tgt).pow_(2).sum(1)
        take = ok & (d < dist * (1. + self.coherence))
        return torch.where(take, cand, best), torch.where(take, d, dist)


def first_min(x: Tensor, block: int = 128):
    """``x.min(1)`` of a (m, n) tensor: each row's minimum and the index of
    its first occurrence, the same values and indices, ~5x faster on CPU.

    ``min`` with indices does not vectorise; ``amin`` does. The minima of
    blocks of ``block`` columns come first, then the first block holding
    the row's minimum is searched.
    """
    if x.dim() != 2 or x.size(1) == 0:
        raise ValueError(f'a (m, n) tensor with n > 0 expected, got '
                         f'{tuple(x.shape)}')
    x = x.contiguous()
    m, n = x.shape
    full = n // block
    parts = [x[:, :full * block].view(m, full, block).amin(2)]
    if n > full * block:
        parts.append(x[:, full * block:].amin(1, keepdim=True))
    _, first = torch.cat(parts, 1).min(1)  # (m, ): the first such block
    # (m, block) columns of that block; past the end, the last column again
    # (a repeat after its first occurrence: never the one picked)
    idx = (first[:, None] * block +
           torch.arange(block, device=x.device)).clamp(max=n - 1)
    low, j = x.gather(1, idx).min(1)
    return low, idx.gather(1, j[:, None])[:, 0]

# Copyright (c) OpenMMLab. All rights reserved.
"""How well T-MAD's retrieval matches the hole, measured on held-out photos.

For every hole cell ``p_s`` of every held-out crop (the fixed masks of
``tools/test.py``), the retrieved memory windows (Eq.2-4, best ranked
first; for W-Sum the arg-max window) are compared with the ground truth of
the cell, which the model never sees, and with the other windows of the
texture memory ``T`` the retrieval chose from as the reference points (its
clean windows, and where a photo has fewer than ``N_pool`` of them, the
least masked ones, which carry the coarse fill):

* ``l1 rank r``: mean absolute difference (grey levels, 0-255) between the
  cell's ground truth and its r-th retrieved window;
* ``l1 random``: the same for a window drawn at random from ``T`` (the mean
  over its windows), ``l1 best``: for the best window ``T`` holds (an
  oracle that sees the ground truth), ``l1 coarse``: for the coarse fill;
* ``pct rank 1``: the share of the windows of ``T`` that are farther from
  the ground truth than the first retrieved one, in % (100: the oracle's
  pick, 50: a random pick), ``beats random``: the share of cells whose
  first window is nearer than the random mean;
* ``stats``: the same two for a texture statistic instead of the aligned
  pixels: the mean absolute difference of the per-channel mean and standard
  deviation of the two windows, which ignores where in the window the
  texture sits.

``metrics.md`` / ``metrics.json`` in ``--out``::

    python tools/analysis_tools/retrieval_quality.py \\
        --model tmad_telea_1xb4_photos-256x256 --data data/photos_256 \\
        --masks data/masks/v1_256_s0_eval --out work_dirs/retrieval_quality
"""
import argparse
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

import mmedit_tmad  # noqa: F401  # isort:skip

import numpy as np

from mmedit_tmad.apis import inpaint
from mmedit_tmad.utils import cli
from mmedit_tmad.utils.image_io import imread_checked

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from reference_fill import (add_held_out_args, masks_of,  # noqa: E402
                            open_run, save_run)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_held_out_args(parser)
    parser.add_argument('--num', type=int, help='the first N crops only')
    parser.add_argument(
        '--out', default=osp.join('work_dirs', 'retrieval_quality'))
    cli.add_common_args(parser)
    return parser.parse_args(argv)


def windows(img: np.ndarray, positions: np.ndarray, k: int) -> np.ndarray:
    """(N, 2) top-left corners -> (N, k, k, 3) float64 windows of ``img``."""
    return np.stack([img[y:y + k, x:x + k] for y, x in positions]).astype(
        np.float64)


def l1(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean absolute difference of (..., k, k, 3) windows, broadcast."""
    return np.abs(a - b).mean(axis=(-3, -2, -1))


def channel_stats(a: np.ndarray) -> np.ndarray:
    """(..., k, k, 3) windows -> (..., 2, 3) per-channel mean and std."""
    return np.stack([a.mean(axis=(-3, -2)), a.std(axis=(-3, -2))], axis=-2)


def stats_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Difference of (..., 2, 3) channel stats (mean, std), broadcast."""
    return np.abs(a - b).mean(axis=(-2, -1))


def cell_scores(gt: np.ndarray, steps) -> Dict[str, list]:
    """Per hole cell distances of one crop (see the module docstring)."""
    k = steps.patch_size
    src = steps.memory_sources
    if steps.retrieved_sources is not None and np.any(
            steps.retrieved_sources != 0):
        raise ValueError('retrieved windows from a reference image: this '
                         'measure reads windows of the photo itself only')
    pos = steps.memory_positions[src == 0]  # windows of the photo itself
    mem = windows(steps.coarse, pos, k)  # (N, k, k, 3)
    mem_stats = channel_stats(mem)  # (N, 2, 3), once per crop
    out: Dict[str, list] = {}
    for (y, x), ranked in zip(steps.hole_cells, steps.retrieved):
        cell = gt[y:y + k, x:x + k].astype(np.float64)
        cands = windows(steps.coarse, ranked, k)  # (N_c, k, k, 3)
        cell_stats = channel_stats(cell)  # (2, 3)
        for name, d_mem, d_c in (
            ('l1', l1(mem, cell), l1(cands, cell)),
            ('stats', stats_dist(mem_stats, cell_stats),
             stats_dist(channel_stats(cands), cell_stats)),
        ):  # d_mem: (N, ), d_c: (N_c, )
            for r, d in enumerate(d_c, 1):
                out.setdefault(f'{name}_rank{r}', []).append(float(d))
            out.setdefault(f'{name}_random', []).append(float(d_mem.mean()))
            out.setdefault(f'{name}_best', []).append(float(d_mem.min()))
            out.setdefault(f'{name}_pct_rank1', []).append(
                100. * float((d_mem > d_c[0]).mean()))
            out.setdefault(f'{name}_beats_random', []).append(
                100. * float(d_c[0] < d_mem.mean()))
        coarse = steps.coarse[y:y + k, x:x + k].astype(np.float64)
        out.setdefault('l1_coarse', []).append(float(l1(coarse, cell)))
    return out


def table(results: dict, kinds: List[str], num_candidates: int) -> str:
    cols = [f'l1_rank{r}' for r in range(1, num_candidates + 1)] + [
        'l1_random', 'l1_best', 'l1_coarse', 'l1_pct_rank1',
        'l1_beats_random', 'stats_rank1', 'stats_random', 'stats_best',
        'stats_pct_rank1', 'stats_beats_random', 'cells'
    ]
    lines = ['| mask | ' + ' | '.join(c.replace('_', ' ') for c in cols) +
             ' |', '|' + '---|' * (len(cols) + 1)]
    for kind in kinds:
        row = [kind] + [
            f'{results[kind][c]:.3f}' if c != 'cells' else
            str(results[kind][c]) for c in cols
        ]
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    start = time.time()
    model, names = open_run(args, 'retrieval_quality')
    if not hasattr(model, 'retrieval'):
        raise cli.UsageError(f'--model {args.model}: not a T-MAD model '
                             '(no texture retrieval to measure)')
    if args.num:
        names = names[:args.num]
    results = {}
    for kind in args.kinds:
        masks = masks_of(args.masks, kind, len(names))
        scores: Dict[str, list] = {}
        for name, mask in zip(names, masks):
            gt = imread_checked(osp.join(args.data, 'val', name),
                                flag='color')
            hole = imread_checked(mask, flag='grayscale') > 0
            steps = inpaint(model, gt, hole, return_steps=True)
            if steps.retrieved is None:
                raise cli.UsageError(
                    f'--model {args.model} made no retrieval (a model still '
                    'in phase 1, or a coarse-only one)')
            for key, vals in cell_scores(gt, steps).items():
                scores.setdefault(key, []).extend(vals)
        results[kind] = {k: float(np.mean(v)) for k, v in scores.items()}
        results[kind]['cells'] = len(scores['l1_coarse'])
        print(f'[{kind}] done ({time.time() - start:.0f} s)', flush=True)
    text = table(results, args.kinds, int(model.retrieval.num_outputs))
    note = (f'{len(names)} held-out crops of {args.data}, masks '
            f'{args.masks}, model {args.model}: the ground truth of each hole '
            'cell against its retrieved windows (rank 1 first), a random '
            'and the best window of the memory, and the coarse fill; '
            'l1 and stats in grey levels (0-255), pct rank 1 and beats '
            'random in %.')
    save_run(args.out, note, text,
             dict(crops=names, model=args.model, results=results))
    print(f'\n{note}\n\n{text}\n\n{args.out} '
          f'({(time.time() - start) / 60:.1f} min)')
    return results


if __name__ == '__main__':
    sys.exit(cli.run(main))

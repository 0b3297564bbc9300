# Copyright (c) OpenMMLab. All rights reserved.
"""Pool compare.py runs of the same methods on several mask draws.

A held-out set of n photos gives one hole per photo and mask kind; a
difference between two methods that holds for those n holes may not hold
for others. ``make_fixed_masks.py --seed S`` writes other draws of the same
mask kinds, ``compare.py --masks`` evaluates the methods on each (one work
dir per draw), and this tool pools the K work dirs: every method on the same
n photos with K holes each.

* **table**: per mask kind, l1 / PSNR / SSIM / TV are the means over the
  n x K results; FID and KID (x1000) compare the n x K results' Inception
  features with the n ground truths' (``frechet_distance``,
  ``kid_all_pairs``); the per-draw FID of each method is listed beside.
* **paired differences** of every two methods (``paired_differences`` with
  ``groups``): the bootstrap resamples photos with all K of their results,
  and a permutation draw swaps the two methods on all results of a photo,
  as the K results of one photo are not independent.

The work dirs must hold the same methods (names and labels), the same data
and mask kinds, the same ground truths, and differ in ``--masks``; each
method's ``per_image_<kind>.json`` (and ``fid_features_<kind>.npz`` for FID
and KID) must be there (compare.py writes them).

Usage:
    python tools/dataset_converters/make_fixed_masks.py --out data/masks \\
        --size 256 --num 200 --kinds rect_large irregular_20-30 \\
        irregular_30-40 --seed 1 --version v1_256_s1_eval
    python tools/analysis_tools/compare.py ... --masks \\
        data/masks/v1_256_s1_eval --work-dir work_dirs/draws/s1
    python tools/analysis_tools/pool_draws.py work_dirs/draws/s0 \\
        work_dirs/draws/s1 work_dirs/draws/s2 --out work_dirs/draws/pooled.md
"""
import argparse
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import compare  # noqa: E402
from compare import FID_KID, METRICS, _read  # noqa: E402

from mmedit_tmad.utils import cli  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'work_dirs', nargs='+', help='compare.py work dirs, one per draw')
    parser.add_argument(
        '--bootstrap',
        type=int,
        default=1000,
        help='draws of the paired differences (bootstrap interval, '
        'permutation p-value)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='also write the tables to this file')
    cli.add_common_args(parser)
    return parser.parse_args(argv)


def load_draws(work_dirs: list) -> tuple:
    """The draws' ``results.json`` after the checks: ``(runs, methods,
    kinds)``, methods as ``[(name, label)]``."""
    if len(work_dirs) < 2:
        raise cli.UsageError('pooling needs >= 2 work dirs (mask draws), '
                             f'got {len(work_dirs)}')
    runs = []
    for d in work_dirs:
        path = osp.join(d, 'results.json')
        if not osp.isfile(path):
            raise cli.UsageError(
                f'{path} not found: give work dirs of finished compare.py '
                'runs')
        runs.append(_read(path))
    first = runs[0]
    methods = [(r['name'], r['label']) for r in first['results']]
    kinds = list(first['args']['kinds'])
    seen = {}
    for d, run in zip(work_dirs, runs):
        found = [(r['name'], r['label']) for r in run['results']]
        if found != methods:
            raise cli.UsageError(f'{d} holds the methods {found}, not '
                                 f'{methods} (of {work_dirs[0]})')
        for key, want in (('data', first['args']['data']), ('kinds', kinds)):
            if run['args'][key] != want:
                raise cli.UsageError(f'{d} was run with --{key} '
                                     f'{run["args"][key]}, not {want}')
        masks = osp.abspath(run['args']['masks'])
        if masks in seen:
            raise cli.UsageError(f'{d} and {seen[masks]} used the same '
                                 f'masks ({masks}): pool different draws')
        seen[masks] = d
    return runs, methods, kinds


def pool_kind(work_dirs: list, methods: list, kind: str) -> tuple:
    """Per method the per-image values (n K, 4) and, when every draw has
    them, the Inception features (n K, 2048), draw after draw; the ground
    truths' features (n, 2048) and the photo of each row (n K, )."""
    values, fakes, real = {}, {}, None
    for name, label in methods:
        rows, feats = [], []
        for d in work_dirs:
            mdir = osp.join(d, name)
            values_of_draw = compare.read_per_image(mdir, kind)
            if values_of_draw is None:
                raise cli.UsageError(
                    f'{compare.per_image_file(mdir, kind)} not found: '
                    f'evaluate {name} again with compare.py (delete its '
                    'metrics.json)')
            rows.append(values_of_draw)
            found = compare.read_features(mdir, kind)
            if found is None:
                continue
            fake, ref = found
            if real is None:
                real = ref
            elif not compare.same_ground_truths(ref, real):
                raise cli.UsageError(
                    f'{compare.features_file(mdir, kind)}: other ground '
                    f'truths than those of {work_dirs[0]}: the draws must '
                    'be of the same photos')
            feats.append(fake)
        if len({len(r) for r in rows}) != 1 or (real is not None and len(
                rows[0]) != len(real)):
            raise cli.UsageError(f'{label} on {kind}: draws of '
                                 f'{[len(r) for r in rows]} images: the '
                                 'draws must be of the same photos')
        values[label] = np.concatenate(rows)
        if len(feats) == len(work_dirs):
            fakes[label] = np.concatenate(feats)
    n = len(next(iter(values.values()))) // len(work_dirs)
    groups = np.tile(np.arange(n), len(work_dirs))
    return values, fakes, real, groups


def pooled_table(work_dirs: list, runs: list, methods: list,
                 kinds: list) -> tuple:
    """The pooled table (Markdown) and per kind what
    :func:`paired_rows` needs."""
    from mmedit_tmad.evaluation.metrics.fid_kid import (frechet_distance,
                                                        kid_all_pairs)
    head = ['method']
    for kind in kinds:
        head += [f'{c} {kind}' for _, c, _ in METRICS + FID_KID]
        head += [f'FID {kind} per draw']
    cells = {label: [label] for _, label in methods}
    pools = {}
    for kind in kinds:
        values, fakes, real, groups = pool_kind(work_dirs, methods, kind)
        pools[kind] = (values, fakes, real, groups)
        for name, label in methods:
            c = cells[label]
            c += [f'{v:.3f}' for v in values[label].mean(0)]
            if label in fakes:
                c += [
                    f'{frechet_distance(fakes[label], real):.1f}',
                    f'{kid_all_pairs(fakes[label], real):.3f}'
                ]
            else:
                c += ['-', '-']
            per_draw = [
                r['metrics'].get(f'{kind}/FID') for r in (
                    next(x for x in run['results'] if x['name'] == name)
                    for run in runs)
            ]
            c.append(' / '.join('-' if v is None else f'{v:.1f}'
                                for v in per_draw))
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    lines += ['| ' + ' | '.join(cells[label]) + ' |' for _, label in methods]
    return '\n'.join(lines), pools


def paired_rows(pools: dict, bootstrap: int, seed: int) -> list:
    """``compare.paired_rows`` of every two methods on each kind, photos
    resampled with all of their draws."""
    rows = []
    for kind, (values, fakes, real, groups) in pools.items():
        rows += compare.paired_rows(kind, values, fakes, real, bootstrap,
                                    seed, groups=groups)
    return rows


def format_paired(rows: list, bootstrap: int, draws: int) -> str:
    images = rows[0]['images'] if rows else 0
    note = (f'Paired differences on {images} photos x {draws} mask draws: '
            '95% bootstrap interval of A - B over photos (each with all of '
            'its draws) and two-sided permutation p-value (A and B swapped '
            f'on all draws of a photo; {bootstrap} draws each); a difference '
            'whose interval holds 0 is not resolved.')
    return note + '\n\n' + compare.paired_markdown(rows)


def main(argv=None):
    args = parse_args(argv)
    if args.bootstrap < 1:
        raise cli.UsageError(
            f'--bootstrap must be >= 1, got {args.bootstrap}')
    for d in args.work_dirs:
        if not osp.isdir(d):
            raise cli.UsageError(f'no such work dir: {d}')
        if args.out and cli.is_inside(args.out, d):
            raise cli.UsageError(f'--out {args.out} lies in the work dir '
                                 f'{d}, an input: write it elsewhere')
    if args.out:
        cli.check_outputs([(args.out, '')], overwrite=args.overwrite)
    runs, methods, kinds = load_draws(args.work_dirs)
    table, pools = pooled_table(args.work_dirs, runs, methods, kinds)
    n = len(next(iter(pools.values()))[3]) // len(runs)
    masks = ', '.join(run['args']['masks'] for run in runs)
    text = (f'{n} held-out photos of {runs[0]["args"]["data"]}, each with '
            f'{len(runs)} mask draws ({masks}); l1 = hole MAE x100, PSNR / '
            'SSIM on the whole image, TV of the output (means over all '
            'results); FID / KID (x1000) of all results against the '
            'ground truths.\n\n' + table)
    rows = paired_rows(pools, args.bootstrap, args.seed)
    if rows:
        text += '\n\n' + format_paired(rows, args.bootstrap, len(runs))
    print(text)
    if args.out:
        cli.write_text(args.out, text + '\n', overwrite=args.overwrite)
        print(f'\nwritten to {args.out}')
    return rows


if __name__ == '__main__':
    sys.exit(cli.run(main))

# Copyright (c) OpenMMLab. All rights reserved.
"""Write a seeded, versioned set of evaluation masks (PNG + list).

Every method in a results table must see the same holes. This tool writes

    <out>/<version>/rect/00000.png ...            + list.txt
    <out>/<version>/irregular_10-20/00000.png ... + list.txt   (area buckets)
    <out>/<version>/irregular/list.txt             (all buckets interleaved)
    <out>/<version>/meta.json                      (how it was made)

* ``rect``: one axis-aligned rectangle per mask, sides uniform in
  [size/8, size/2] (at 256: up to 128x128, the paper's largest hole) at a
  uniform position.
* ``rect_large``: one rectangle, sides uniform in [size/4, size/2] (at
  256: 64-128 px) at a uniform position at least size/16 (16 px) from the
  border, so every hole has context on all sides.
* ``irregular_A-B``: free-form strokes (mmagic's ``brush_stroke_mask``,
  DeepFillv2 style), redrawn until the hole covers A%..B% of the image;
  buckets 10-20, 20-30, 30-40, 40-50, 50-60.

Masks are 0 (valid) / 255 (hole) single-channel PNGs. Mask ``i`` of a kind
depends only on (seed, kind, i, size): the same arguments give the same
files on any machine. Evaluation pipelines read them with
``TMADLoadFixedMask(mask_list=.../list.txt)``.

A set folder that exists already is kept as it is when ``meta.json`` shows
the same arguments (the files would be the same), and refused otherwise
unless ``--overwrite``: a set that methods were evaluated on is never
replaced by another one silently.

Usage:
    python tools/dataset_converters/make_fixed_masks.py --out data/masks \
        --size 256 --num 200 --seed 0
"""
import argparse
import json
import os
import os.path as osp
import sys
import zlib

import cv2
import numpy as np

from mmedit_tmad.utils import cli

#: Bump when the generation changes, so old sets are never silently mixed.
GENERATOR_VERSION = 1
BUCKETS = [(10, 20), (20, 30), (30, 40), (40, 50), (50, 60)]


def _rng(seed: int, kind: str, index: int) -> np.random.RandomState:
    """A generator that depends only on (seed, kind, index)."""
    return np.random.RandomState(
        zlib.crc32(f'{seed}/{kind}/{index}'.encode()) & 0x7FFFFFFF)


def rect_mask(size: int, rng: np.random.RandomState) -> np.ndarray:
    """One rectangle, sides in [size/8, size/2], uniform position."""
    lo, hi = max(size // 8, 1), max(size // 2, 1)
    h, w = rng.randint(lo, hi + 1, size=2)
    top, left = rng.randint(0, size - h + 1), rng.randint(0, size - w + 1)
    mask = np.zeros((size, size), np.uint8)
    mask[top:top + h, left:left + w] = 255
    return mask


def rect_large_mask(size: int, rng: np.random.RandomState) -> np.ndarray:
    """One rectangle, sides in [size/4, size/2], size/16 from the border."""
    lo, hi, margin = max(size // 4, 1), max(size // 2, 1), size // 16
    h, w = rng.randint(lo, hi + 1, size=2)
    top = rng.randint(margin, size - margin - h + 1)
    left = rng.randint(margin, size - margin - w + 1)
    mask = np.zeros((size, size), np.uint8)
    mask[top:top + h, left:left + w] = 255
    return mask


def stroke_mask(size: int, rng: np.random.RandomState) -> np.ndarray:
    """Free-form brush strokes (DeepFillv2), drawn with ``rng`` only.

    The same algorithm as mmagic's ``brush_stroke_mask`` (random walks of
    thick lines with round joints), reimplemented on an explicit generator
    because mmagic's draws from the global numpy state.
    """
    mask = np.zeros((size, size), np.uint8)
    mean_angle, angle_range = 2 * np.pi / 5, 2 * np.pi / 15
    scale = size / 256
    for _ in range(rng.randint(1, 5)):
        num_vertex = rng.randint(4, 13)
        angle_min, angle_max = mean_angle - rng.uniform(
            0, angle_range), mean_angle + rng.uniform(0, angle_range)
        angles = [
            2 * np.pi - rng.uniform(angle_min, angle_max)
            if i % 2 == 0 else rng.uniform(angle_min, angle_max)
            for i in range(num_vertex)
        ]
        vertex = [(int(rng.randint(0, size)), int(rng.randint(0, size)))]
        avg_radius = np.sqrt(2 * size * size) / 8
        for angle in angles:
            r = np.clip(
                rng.normal(loc=avg_radius, scale=avg_radius / 2), 0,
                2 * avg_radius)
            x = np.clip(vertex[-1][0] + r * np.cos(angle), 0, size - 1)
            y = np.clip(vertex[-1][1] + r * np.sin(angle), 0, size - 1)
            vertex.append((int(x), int(y)))
        width = max(int(rng.randint(12, 41) * scale), 1)
        for start, end in zip(vertex[:-1], vertex[1:]):
            cv2.line(mask, start, end, 255, width)
        for v in vertex:
            cv2.circle(mask, v, width // 2, 255, -1)
    if rng.rand() > 0.5:
        mask = mask[:, ::-1]
    if rng.rand() > 0.5:
        mask = mask[::-1, :]
    return np.ascontiguousarray(mask)


def bucket_mask(size: int, low: int, high: int,
                rng: np.random.RandomState) -> np.ndarray:
    """Strokes whose union covers low%..high% of the image."""
    for _ in range(1000):
        mask = stroke_mask(size, rng)
        ratio = (mask > 0).mean() * 100
        if low <= ratio < high:
            return mask
        if ratio < low:
            # add strokes until the area reaches the bucket
            while ratio < low:
                mask = np.maximum(mask, stroke_mask(size, rng))
                ratio = (mask > 0).mean() * 100
            if ratio < high:
                return mask
    raise RuntimeError(f'no mask in the {low}-{high}% bucket after 1000 '
                       'draws')


def write_set(out: str, kind: str, masks) -> None:
    os.makedirs(osp.join(out, kind), exist_ok=True)
    names = []
    for i, mask in enumerate(masks):
        name = f'{i:05d}.png'
        cv2.imwrite(osp.join(out, kind, name), mask)
        names.append(name)
    with open(osp.join(out, kind, 'list.txt'), 'w') as f:
        f.write(''.join(f'{n}\n' for n in names))


def build(out: str, size: int, num: int, seed: int, kinds) -> dict:
    """Write the mask sets; return the meta information."""
    meta = dict(
        generator_version=GENERATOR_VERSION,
        size=size,
        num=num,
        seed=seed,
        kinds={})
    for kind in kinds:
        if kind in RECT_KINDS:
            masks = [
                RECT_KINDS[kind](size, _rng(seed, kind, i))
                for i in range(num)
            ]
        else:
            low, high = (int(v) for v in kind.split('_')[1].split('-'))
            masks = [
                bucket_mask(size, low, high, _rng(seed, kind, i))
                for i in range(num)
            ]
        write_set(out, kind, masks)
        meta['kinds'][kind] = dict(
            mean_hole_ratio=float(np.mean([(m > 0).mean() for m in masks])))
    buckets = [k for k in kinds if k.startswith('irregular_')]
    if len(buckets) > 1:
        # all buckets interleaved: mask i comes from bucket i mod #buckets
        os.makedirs(osp.join(out, 'irregular'), exist_ok=True)
        with open(osp.join(out, 'irregular', 'list.txt'), 'w') as f:
            f.write(''.join(f'../{buckets[i % len(buckets)]}/{i:05d}.png\n'
                            for i in range(num)))
    with open(osp.join(out, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
    return meta


RECT_KINDS = dict(rect=rect_mask, rect_large=rect_large_mask)
# the default set; rect_large is asked for by name
DEFAULT_KINDS = ['rect'] + [f'irregular_{lo}-{hi}' for lo, hi in BUCKETS]
ALL_KINDS = DEFAULT_KINDS + ['rect_large']


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/masks')
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--num', type=int, default=200)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--kinds', nargs='+', default=DEFAULT_KINDS, choices=ALL_KINDS)
    parser.add_argument(
        '--version',
        default=None,
        help='sub-folder name (default: v<generator>_<size>_s<seed>)')
    cli.add_common_args(parser)
    return parser.parse_args(argv)


#: The entries of meta.json that decide the masks.
SIGNATURE = ('generator_version', 'size', 'num', 'seed', 'kinds')


def existing_set(out: str, args, overwrite: bool) -> bool:
    """Whether ``out`` holds this very set already (then it is kept).

    A folder with another set (or other files) is refused unless
    ``overwrite`` (``cli.UsageError``).
    """
    if osp.exists(out) and not osp.isdir(out):
        raise cli.UsageError(f'--out: {out} is a file; give a folder')
    if not osp.isdir(out) or not os.listdir(out):
        return False
    meta_path = osp.join(out, 'meta.json')
    want = dict(
        generator_version=GENERATOR_VERSION,
        size=args.size,
        num=args.num,
        seed=args.seed,
        kinds=list(args.kinds))
    have = None
    if osp.isfile(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        have = {k: meta.get(k) for k in SIGNATURE}
        have['kinds'] = list(meta.get('kinds', {}))
        if have == want:
            return not overwrite
    if overwrite:
        return False
    what = f'a mask set made with {have}' if have else \
        'files but no complete mask set (no meta.json)'
    raise cli.UsageError(
        f'--out {out} holds {what}; choose another --out or --version, or '
        'pass --overwrite to replace it')


def main(argv=None):
    args = parse_args(argv)
    if args.size < 16 or args.num < 1:
        raise cli.UsageError('--size must be >= 16 and --num >= 1')
    version = args.version or \
        f'v{GENERATOR_VERSION}_{args.size}_s{args.seed}'
    out = osp.join(args.out, version)
    if existing_set(out, args, args.overwrite):
        print(f'{out}: this mask set exists already (same arguments): kept')
        return out
    meta = build(out, args.size, args.num, args.seed, args.kinds)
    for kind, info in meta['kinds'].items():
        print(f'{out}/{kind}: {args.num} masks, mean hole '
              f'{100 * info["mean_hole_ratio"]:.1f}%')
    return out


if __name__ == '__main__':
    sys.exit(cli.run(main))

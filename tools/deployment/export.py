# Copyright (c) OpenMMLab. All rights reserved.
"""Export T-MAD's whole inference to ONNX or TorchScript, for one size.

The graph holds the coarse network, the texture memory (its seeded draws
for this size as a constant), the top-N_c retrieval, PSNet on every grid
cell, the paste and the composite, with static shapes
(``TMADExportModule``); inputs and outputs are 0-255 BGR images. A model
whose coarse net starts from OpenCV's Telea fill takes the fill as a
further input, computed outside the graph (``mmedit_tmad.apis`` does it).
CARAFE runs through its pure-PyTorch path (standard operators). ONNX files
run on onnxruntime's CPU provider.

    python tools/deployment/export.py tmad_telea_1xb4_photos-256x256 \\
        --format onnx --size 256x256 --out tmad.onnx --check
    python tools/deployment/export.py CONFIG CHECKPOINT --format torchscript

``--check`` runs the exported file and the PyTorch model through
``mmedit_tmad.apis.inpaint`` on a real photo with four masks (a rectangle,
strokes, the whole image, none) and prints the largest pixel difference and
how the retrieval compares (``compare_retrieval``); it fails on a
difference over 1 grey level or a different retrieval. The networks are
compared (a texture synthesis, ``TMADTextureSynthesis``, runs after the
graph in both: its settings in the file must be the model's). Run the file
with ``mmedit_tmad.apis.init_exported`` (``docs/inpaint.md``).
"""
import argparse
import os.path as osp
import sys
import time
import warnings
from typing import List, Optional

import mmedit_tmad  # noqa: F401  # isort:skip

import numpy as np
from skimage import data

from mmedit_tmad.apis import (draw_mask, export_model, init_exported,
                              init_model, inpaint, resolve_config)
from mmedit_tmad.apis.exported import (FORMATS, compare_retrieval,
                                       synthesis_settings)
from mmedit_tmad.utils import cli

EXTS = dict(onnx='.onnx', torchscript='.pt')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file, or a model name')
    parser.add_argument(
        'checkpoint', nargs='?', help='weights (optional for a model name)')
    parser.add_argument('--format', choices=FORMATS, default='onnx')
    parser.add_argument(
        '--size', default='256x256', help='HxW of the exported input')
    parser.add_argument(
        '--out',
        help='the file to write (default: work_dirs/export/'
        '<name>_<H>x<W>.onnx|.pt)')
    parser.add_argument(
        '--check',
        action='store_true',
        help='compare the exported file with PyTorch on a real photo')
    cli.add_common_args(parser)
    return parser.parse_args(argv)


def parse_size(text: str) -> tuple:
    try:
        h, w = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise cli.UsageError(f'--size must be HxW, e.g. 256x256, got '
                             f'{text!r}') from None
    if h < 1 or w < 1:
        raise cli.UsageError(f'--size must be positive, got {text!r}')
    return h, w


def check_masks(shape: tuple) -> dict:
    """The four masks of ``--check``: rect, irregular, all-hole, no hole."""
    h, w = shape[:2]
    return dict(
        rect=draw_mask(shape, boxes=[(w // 4, h // 3, w // 3, h // 4)]),
        irregular=draw_mask(
            shape,
            strokes=[[(w // 8, h // 5), (w // 2, h // 2), (w // 3, h - 9)],
                     [(w - 9, h // 6), (w // 2, h // 3)]],
            stroke_width=max(3, min(h, w) // 12)),
        all_hole=np.ones((h, w), bool),
        no_hole=np.zeros((h, w), bool))


def check(model, exported, size: tuple) -> List[str]:
    """Exported file vs PyTorch on a real photo cut to ``size``; returns
    the failures (empty: equivalent)."""
    photo = data.chelsea()[::-1, ::-1, ::-1]  # BGR, 300x451
    reps = (-(-size[0] // photo.shape[0]), -(-size[1] // photo.shape[1]), 1)
    img = np.ascontiguousarray(
        np.tile(photo, reps)[:size[0], :size[1]])
    failures = []
    # the graph holds the networks; a texture synthesis runs after it, the
    # same code on both sides: compared by its settings
    synth = (model.texture_synthesis, exported.texture_synthesis)
    model.texture_synthesis = exported.texture_synthesis = None
    try:
        for name, hole in check_masks(img.shape).items():
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')  # empty / whole-image masks
                a = inpaint(model, img, hole, return_steps=True)
                b = inpaint(exported, img, hole, return_steps=True)
            diff = int(np.abs(a.result.astype(int) - b.result).max())
            same = compare_retrieval(a, b)
            kept = np.array_equal(b.result[~hole], img[~hole])
            print(f'  {name:<9} max |exported - pytorch| = {diff} (0-255), '
                  f'retrieval {same}, valid pixels '
                  f'{"kept" if kept else "CHANGED"}')
            if diff > 1 or same == 'different' or not kept:
                failures.append(name)
    finally:
        model.texture_synthesis, exported.texture_synthesis = synth
    settings = synthesis_settings(model)
    ok = settings == exported.meta.get('texture_synthesis')
    print(f'  texture synthesis (after the graph): {settings} '
          f'{"same" if ok else "DIFFERENT"} in the file')
    if not ok:
        failures.append('texture_synthesis')
    return failures


def main(argv: Optional[List[str]] = None) -> str:
    args = parse_args(argv)
    size = parse_size(args.size)
    try:  # a model name of the zoo: its config and shipped weights
        config, checkpoint = resolve_config(args.config, args.checkpoint)
    except KeyError as err:
        raise cli.UsageError(f'config: {err.args[0]}') from None
    name = args.config if config != args.config else \
        osp.splitext(osp.basename(args.config))[0]
    cli.require_file(config, 'config')
    if checkpoint is None:  # an untrained model is no model to deploy
        raise cli.UsageError(f'checkpoint: {args.config} ships no weights; '
                             'give the CHECKPOINT to export')
    cli.require_file(checkpoint, 'checkpoint')
    out = args.out or osp.join('work_dirs', 'export',
                               f'{name}_{size[0]}x{size[1]}'
                               f'{EXTS[args.format]}')
    cli.check_outputs([(out, config)],
                      inputs=[config, checkpoint],
                      overwrite=args.overwrite)
    model = init_model(config, checkpoint, precision='fp32')
    start = time.time()
    meta = export_model(model, out, args.format, size, overwrite=True)
    print(f'{args.format} file written to {out} ({time.time() - start:.1f}'
          f' s): inputs {", ".join(meta["inputs"])}; outputs '
          f'{", ".join(meta["outputs"])}')
    if args.check:
        failures = check(model, init_exported(out), size)
        if failures:
            raise RuntimeError(f'{out} differs from the PyTorch model on '
                               f'{", ".join(failures)}')
    return out


if __name__ == '__main__':
    sys.exit(cli.run(main))

# Copyright (c) OpenMMLab. All rights reserved.
"""Picture of T-MAD's texture retrieval on one photo (paper Fig.6-7).

Runs the model once (``mmedit_tmad.apis.inpaint``) and draws, from the
model's own retrieval indices and memory positions, four panels: the input
with each hole cell as a filled coloured box and its top-ranked memory
window as an outlined box of the same colour | the retrieved windows pasted
into their cells | the coarse result | the output.

    python tools/visualize_retrieval.py --config CONFIG --checkpoint CKPT \\
        --img photo.jpg --box 120,80,60,40 --out retrieval.png

A big photo is inpainted in windows as by ``tools/inpaint.py`` (same
``--strategy`` flags); cells of a downscaled window are not drawn. With
``--reference PATH`` (repeatable, as ``tools/inpaint.py``) a second row
shows each reference with the windows taken from it, in the colour of
their hole cell, and the tool prints how many cells drew from each
source.

``--out`` is an image file (``.png``, ``.jpg``, ...), checked before the
model is loaded with the image and the mask: it is never one of the inputs,
and an existing file is replaced only with ``--overwrite``.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

import cv2
import numpy as np
from inpaint import (add_drawn_mask_args, add_model_args,
                     add_reference_args, add_strategy_args, make_hole,
                     parse_with_model_args, reference_kwargs,
                     strategy_kwargs)

from mmedit_tmad.apis import init_model, inpaint
from mmedit_tmad.utils import cli
from mmedit_tmad.utils.image_io import imread_8bit
from mmedit_tmad.visualization import draw_retrieval


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Draw which memory patches T-MAD retrieves for a hole')
    add_model_args(parser)
    parser.add_argument('--img', required=True, help='image file')
    parser.add_argument('--mask', help='mask file (non-zero = hole)')
    add_drawn_mask_args(parser)
    parser.add_argument(
        '--out', required=True, help='output picture file (.png, .jpg, ...)')
    parser.add_argument(
        '--rank', type=int, default=0, help='candidate to show (0 = best)')
    parser.add_argument(
        '--max-cells',
        type=int,
        default=32,
        help='box at most this many hole cells (0: all)')
    parser.add_argument(
        '--scale',
        type=int,
        help='upscaling of the panels (default: to at least 256 px high)')
    parser.add_argument(
        '--jpeg-quality',
        type=int,
        default=95,
        help='quality when --out is a .jpg file')
    add_reference_args(parser)
    add_strategy_args(parser)
    return parse_with_model_args(parser, argv)


def check_args(args: argparse.Namespace) -> None:
    """Inputs exist, ``--out`` is a new image file (or ``--overwrite``)."""
    cli.require_file(args.img, '--img')
    cli.require_file(args.mask, '--mask')
    for ref in args.reference:
        cli.require_file(ref, '--reference')
    if args.rank < 0 or args.max_cells < 0:
        raise cli.UsageError('--rank and --max-cells must be >= 0')
    if args.scale is not None and args.scale < 1:
        raise cli.UsageError(f'--scale must be >= 1, got {args.scale}')
    if not 0 <= args.jpeg_quality <= 100:
        raise cli.UsageError(
            f'--jpeg-quality must be in [0, 100], got {args.jpeg_quality}')
    cli.check_outputs(
        [(args.out, args.img)],
        inputs=[args.img, args.mask, args.config, args.checkpoint] +
        args.reference,
        overwrite=args.overwrite)
    cli.require_image_ext(args.out)


def main(argv: Optional[List[str]] = None) -> str:
    """Run the tool; returns the written picture's path."""
    args = parse_args(argv)
    check_args(args)
    img = imread_8bit(args.img)
    hole = make_hole(args, args.img, img.shape, args.mask)
    model = init_model(args.config, args.checkpoint, args.device,
                       args.cfg_options, args.precision)
    steps = inpaint(
        model,
        img,
        hole,
        return_steps=True,
        **reference_kwargs(args),
        **strategy_kwargs(args))
    picture = draw_retrieval(
        img,
        steps,
        rank=args.rank,
        max_cells=args.max_cells or None,
        scale=args.scale)
    jpeg = osp.splitext(args.out)[1].lower() in ('.jpg', '.jpeg')
    cli.write_image(
        args.out,
        picture,
        overwrite=args.overwrite,
        params=[cv2.IMWRITE_JPEG_QUALITY, args.jpeg_quality] if jpeg else None)
    print(f'{len(steps.hole_cells)} hole cells, '
          f'{steps.num_valid_memory} clean memory windows; '
          f'picture written to {args.out}')
    if steps.references:
        counts = np.bincount(
            steps.retrieved_sources[:, args.rank],
            minlength=len(steps.references) + 1)
        print('windows ranked ' + str(args.rank) + ' from: photo ' +
              str(counts[0]) + ', ' +
              ', '.join(f'reference {j} ({path}) {counts[j]}'
                        for j, path in enumerate(args.reference, 1)))
    return args.out


if __name__ == '__main__':
    sys.exit(cli.run(main))

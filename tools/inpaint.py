# Copyright (c) OpenMMLab. All rights reserved.
"""Inpaint your own photo(s): one image or a folder, any size.

The hole is a mask image (non-zero = hole) or drawn on the command line
for object removal (paper Fig.12): ``--box x,y,w,h`` (repeatable) and
``--stroke x1,y1,x2,y2,...`` (a polyline, repeatable) with
``--stroke-width``; all given masks are united.

    python tools/inpaint.py --config CONFIG --checkpoint CKPT \\
        --img photo.jpg --box 120,80,60,40 --out results/
    python tools/inpaint.py --config CONFIG --checkpoint CKPT \\
        --img photos/ --mask masks/ --out results/ --save-steps

Writes ``<out>/<name>.png`` (lossless, alpha kept) and with
``--save-steps`` also ``<name>_mask.png`` (the hole used),
``<name>_removal.png`` (input with the hole outlined | output),
``<name>_coarse.png`` (T-MAD's coarse result) and ``<name>_retrieval.png``
(see ``tools/visualize_retrieval.py``). With ``--mask DIR`` each image
takes the mask file of the same name stem.
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

import mmcv
from mmengine.config import DictAction
from mmengine.utils import ProgressBar

from mmedit_tmad.apis import (init_model, inpaint, make_mask, parse_box,
                              parse_stroke)
from mmedit_tmad.visualization import draw_removal, draw_retrieval

IMG_EXTS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')


def _arg_type(parse):
    """argparse type from a parser raising ValueError (keeps its message)."""

    def wrapped(text: str):
        try:
            return parse(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from err

    wrapped.__name__ = parse.__name__
    return wrapped


def add_drawn_mask_args(parser: argparse.ArgumentParser) -> None:
    """``--box``, ``--stroke`` and ``--stroke-width`` (object removal)."""
    parser.add_argument(
        '--box',
        action='append',
        default=[],
        type=_arg_type(parse_box),
        metavar='X,Y,W,H',
        help='rectangle to remove, in pixels (repeatable)')
    parser.add_argument(
        '--stroke',
        action='append',
        default=[],
        type=_arg_type(parse_stroke),
        metavar='X1,Y1,X2,Y2,...',
        help='brush stroke along a polyline, in pixels (repeatable)')
    parser.add_argument(
        '--stroke-width', type=int, default=15, help='brush diameter')


def parse_with_model_args(parser: argparse.ArgumentParser,
                          argv: Optional[List[str]]) -> argparse.Namespace:
    """Add ``--device`` / ``--cfg-options``, parse, require a hole."""
    parser.add_argument('--device', default='cpu', help='cpu or cuda[:i]')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    args = parser.parse_args(argv)
    if args.mask is None and not args.box and not args.stroke:
        parser.error('give the hole: --mask, --box or --stroke')
    return args


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Inpaint your own photo(s) with a T-MAD model')
    parser.add_argument('--config', required=True, help='model config file')
    parser.add_argument(
        '--checkpoint', help='weights (leave out: untrained model)')
    parser.add_argument('--img', required=True, help='image file or folder')
    parser.add_argument(
        '--mask',
        help='mask file or folder (same name stems as the images); '
        'non-zero pixels are the hole')
    add_drawn_mask_args(parser)
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--save-steps',
        action='store_true',
        help='also save the mask, the coarse result and the retrieval')
    return parse_with_model_args(parser, argv)


def list_images(folder: str) -> List[str]:
    """Image files of a folder, sorted by name."""
    names = sorted(
        n for n in os.listdir(folder) if n.lower().endswith(IMG_EXTS))
    if not names:
        raise FileNotFoundError(f'no image ({", ".join(IMG_EXTS)}) in '
                                f'{folder}')
    return [osp.join(folder, n) for n in names]


def find_mask(mask_dir: str, img_path: str) -> str:
    """The mask file of ``img_path`` in ``mask_dir``: same name stem."""
    stem = osp.splitext(osp.basename(img_path))[0]
    for name in sorted(os.listdir(mask_dir)):
        if osp.splitext(name)[0] == stem and name.lower().endswith(IMG_EXTS):
            return osp.join(mask_dir, name)
    raise FileNotFoundError(f'no mask for {img_path} in {mask_dir} (looked '
                            f'for {stem}.<{"|".join(IMG_EXTS)}>)')


def main(argv: Optional[List[str]] = None) -> List[str]:
    """Run the tool; returns the written result files."""
    args = parse_args(argv)
    if osp.isdir(args.img):
        images = list_images(args.img)
    elif osp.isfile(args.img):
        images = [args.img]
    else:
        raise FileNotFoundError(f'--img: no such file or folder: {args.img}')
    if args.mask is not None and osp.isdir(args.mask):
        masks = [find_mask(args.mask, p) for p in images]
    elif args.mask is not None and not osp.isfile(args.mask):
        raise FileNotFoundError(f'--mask: no such file or folder: '
                                f'{args.mask}')
    else:
        masks = [args.mask] * len(images)
    model = init_model(args.config, args.checkpoint, args.device,
                       args.cfg_options)
    os.makedirs(args.out, exist_ok=True)
    written = []
    bar = ProgressBar(len(images)) if len(images) > 1 else None
    for img_path, mask_path in zip(images, masks):
        img = mmcv.imread(img_path, flag='unchanged')
        if img is None:
            raise ValueError(f'cannot read {img_path} as an image')
        try:
            hole = make_mask(img.shape, mask_path, args.box, args.stroke,
                             args.stroke_width)
            steps = inpaint(model, img, hole, return_steps=True)
        except ValueError as err:
            raise ValueError(f'{img_path}: {err}') from err
        stem = osp.join(args.out, osp.splitext(osp.basename(img_path))[0])
        mmcv.imwrite(steps.result, f'{stem}.png')
        written.append(f'{stem}.png')
        if args.save_steps:
            mmcv.imwrite(hole.astype('uint8') * 255, f'{stem}_mask.png')
            mmcv.imwrite(draw_removal(img, steps), f'{stem}_removal.png')
            if steps.coarse is not None:
                mmcv.imwrite(steps.coarse, f'{stem}_coarse.png')
            if steps.hole_cells is not None:
                mmcv.imwrite(
                    draw_retrieval(img, steps), f'{stem}_retrieval.png')
        if bar is not None:
            bar.update()
    if bar is not None:
        sys.stdout.write('\n')
    print(f'{len(written)} result(s) written to {args.out}')
    return written


if __name__ == '__main__':
    main()

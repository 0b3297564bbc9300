# Copyright (c) OpenMMLab. All rights reserved.
"""Picture of T-MAD's texture retrieval on one photo (paper Fig.6-7).

Runs the model once (``mmedit_tmad.apis.inpaint``) and draws, from the
model's own retrieval indices and memory positions, four panels: the input
with each hole cell as a filled coloured box and its top-ranked memory
window as an outlined box of the same colour | the retrieved windows pasted
into their cells | the coarse result | the output.

    python tools/visualize_retrieval.py --config CONFIG --checkpoint CKPT \\
        --img photo.jpg --box 120,80,60,40 --out retrieval.png
"""
import argparse
import os
import os.path as osp
from typing import List, Optional

import cv2
import mmcv
from inpaint import add_drawn_mask_args, parse_with_model_args

from mmedit_tmad.apis import init_model, inpaint, make_mask
from mmedit_tmad.visualization import draw_retrieval


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Draw which memory patches T-MAD retrieves for a hole')
    parser.add_argument('--config', required=True, help='model config file')
    parser.add_argument(
        '--checkpoint', help='weights (leave out: untrained model)')
    parser.add_argument('--img', required=True, help='image file')
    parser.add_argument('--mask', help='mask file (non-zero = hole)')
    add_drawn_mask_args(parser)
    parser.add_argument('--out', required=True, help='output picture file')
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
    return parse_with_model_args(parser, argv)


def main(argv: Optional[List[str]] = None) -> str:
    """Run the tool; returns the written picture's path."""
    args = parse_args(argv)
    img = mmcv.imread(args.img, flag='unchanged') \
        if osp.isfile(args.img) else None
    if img is None:
        raise FileNotFoundError(f'--img: cannot read an image at {args.img}')
    hole = make_mask(img.shape, args.mask, args.box, args.stroke,
                     args.stroke_width)
    model = init_model(args.config, args.checkpoint, args.device,
                       args.cfg_options)
    steps = inpaint(model, img, hole, return_steps=True)
    picture = draw_retrieval(
        img,
        steps,
        rank=args.rank,
        max_cells=args.max_cells or None,
        scale=args.scale)
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    mmcv.imwrite(
        picture, args.out, params=[cv2.IMWRITE_JPEG_QUALITY, args.jpeg_quality]
        if args.out.lower().endswith(('.jpg', '.jpeg')) else None)
    print(f'{len(steps.hole_cells)} hole cells, '
          f'{steps.num_valid_memory} clean memory windows; '
          f'picture written to {args.out}')
    return args.out


if __name__ == '__main__':
    main()

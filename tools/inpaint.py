# Copyright (c) OpenMMLab. All rights reserved.
"""Inpaint your own photo(s): images or folders of them, any size.

The hole is a mask image (non-zero = hole) or drawn on the command line
for object removal (paper Fig.12): ``--box x,y,w,h`` (repeatable) and
``--stroke x1,y1,x2,y2,...`` (a polyline, repeatable) with
``--stroke-width``; all given masks are united.

    python tools/inpaint.py --config CONFIG --checkpoint CKPT \\
        --img photo.jpg --box 120,80,60,40 --out results/
    python tools/inpaint.py --config tmad_telea_1xb4_photos-256x256 \\
        --img photo.jpg --box 120,80,60,40 --out results/
    python tools/inpaint.py --config CONFIG --checkpoint CKPT \\
        --img photos/ --mask masks/ --out results/ --save-steps
    python tools/inpaint.py --config tmad_telea_1xb4_photos-256x256 \\
        --img shots/*.jpg --mask masks/ --out results/

Writes ``<out>/<name>.png`` (lossless, alpha kept; 8-bit, a 16-bit input
read at its high byte) and with
``--save-steps`` also ``<name>_mask.png`` (the hole used),
``<name>_removal.png`` (input with the hole outlined | output),
``<name>_coarse.png`` (T-MAD's coarse result) and ``<name>_retrieval.png``
(see ``tools/visualize_retrieval.py``). With ``--mask DIR`` each image
takes the mask file of the same name stem. ``--config`` also takes a model
name of ``model-index.yml``: its config and shipped weights.

Big photos (longer side above ``--crop-trigger-size``, default 1024) are
inpainted in windows around their holes (``--strategy``, ``--crop-margin``,
``--window-size``, ``--upscale-detail``: see ``mmedit_tmad.apis.inpaint`` and
``docs/inpaint.md``), so time and memory follow the holes, not the photo.
``--reference PATH`` (repeatable) adds images whose texture T-MAD's memory
and the shipped model's texture synthesis also draw from
(``--reference-only``: from them alone). One line per image
reports its size, the windows and the time taken.

Before the model is loaded, every input is read and checked and the
outputs are planned; the tool refuses (exit code 2, nothing written):
``--out`` being a folder that holds inputs (the image folder, the folder of
the image file, the mask folder or the mask file's folder), two inputs
whose results would share a name (``a.jpg`` and ``a.png``), and results
that exist already (unless ``--overwrite``; an input is never written
over). See ``docs/robustness.md``.
"""
import argparse
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Tuple

from mmengine.config import DictAction

from mmedit_tmad.apis import (InpaintResult, init_model, inpaint, make_mask,
                              parse_box, parse_stroke, resolve_config)
from mmedit_tmad.apis.inpainting import (STRATEGIES, UPSCALE_DETAILS,
                                         check_reference_size)
from mmedit_tmad.models.editors.tmad import TMADInpaintor
from mmedit_tmad.utils import cli
from mmedit_tmad.utils.precision import PRECISIONS
from mmedit_tmad.utils.image_io import ImageDecodeError, imread_8bit
from mmedit_tmad.visualization import draw_removal, draw_retrieval

IMG_EXTS = cli.IMG_EXTS
#: Files written per image with --save-steps, besides ``<name>.png``.
STEPS = ('mask', 'removal', 'coarse', 'retrieval')


def _arg_type(parse):
    """argparse type from a parser raising ValueError (keeps its message)."""

    def wrapped(text: str):
        try:
            return parse(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from err

    wrapped.__name__ = parse.__name__
    return wrapped


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """``--config`` (a file or a model name) and ``--checkpoint``."""
    parser.add_argument(
        '--config',
        required=True,
        help='model config file, or a model name of model-index.yml '
        '(tmad_telea_1xb4_photos-256x256: the shipped weights)')
    parser.add_argument(
        '--checkpoint',
        help='weights (leave out: the shipped ones of a model name, else '
        'an untrained model)')


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


def add_strategy_args(parser: argparse.ArgumentParser) -> None:
    """``--strategy``, ``--crop-margin``, ``--window-size`` and
    ``--crop-trigger-size`` (big photos, see ``inpaint``)."""
    parser.add_argument(
        '--strategy',
        choices=STRATEGIES,
        default='auto',
        help='whole: the networks on the whole photo; crop: on windows '
        'around the holes; auto: crop above --crop-trigger-size')
    parser.add_argument(
        '--crop-margin',
        type=int,
        default=128,
        help='context kept around each hole in a window, in pixels')
    parser.add_argument(
        '--window-size',
        type=int,
        default=512,
        help='longest side a window is run at (larger ones are downscaled)')
    parser.add_argument(
        '--crop-trigger-size',
        type=int,
        default=1024,
        help='auto crops photos whose longer side exceeds this')
    parser.add_argument(
        '--upscale-detail',
        choices=UPSCALE_DETAILS,
        default='auto',
        help='patchmatch: the upscaled fill of a downscaled window gets the '
        'high frequencies of a full-resolution PatchMatch fill; auto: so for '
        'models with a texture synthesis (the shipped T-MAD), not with '
        '--reference-only; none: plain upscaling')


def add_reference_args(parser: argparse.ArgumentParser) -> None:
    """``--reference`` (repeatable) and ``--reference-only``: reference
    fill (see ``inpaint``)."""
    parser.add_argument(
        '--reference',
        action='append',
        default=[],
        metavar='PATH',
        help='reference image whose texture fills the hole (T-MAD\'s '
        'texture memory and texture synthesis also draw from it; '
        'repeatable, any size)')
    parser.add_argument(
        '--reference-only',
        action='store_true',
        help='draw the texture memory and the texture synthesis from the '
        'references alone, not from the photo')


def reference_kwargs(args: argparse.Namespace,
                     refs: Optional[list] = None) -> dict:
    """The keyword arguments of ``inpaint`` that the reference flags set
    (``refs``: the references already read, in the flags' order)."""
    return dict(
        reference=(refs if refs is not None else args.reference) or None,
        use_photo=not args.reference_only)


def strategy_kwargs(args: argparse.Namespace) -> dict:
    """The keyword arguments of ``inpaint`` that the strategy flags set."""
    return dict(
        strategy=args.strategy,
        crop_margin=args.crop_margin,
        window_size=args.window_size,
        crop_trigger_size=args.crop_trigger_size,
        upscale_detail=args.upscale_detail)


def parse_with_model_args(parser: argparse.ArgumentParser,
                          argv: Optional[List[str]]) -> argparse.Namespace:
    """Add ``--device`` / ``--cfg-options`` / ``--overwrite`` / ``--debug``,
    parse, require a hole and existing config and checkpoint files."""
    parser.add_argument('--device', default='cpu', help='cpu or cuda[:i]')
    parser.add_argument(
        '--precision',
        choices=PRECISIONS,
        default='auto',
        help='auto: bfloat16 autocast on a CPU with AMX, float32 elsewhere '
        '(MMEDIT_TMAD_PRECISION sets the default)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    cli.add_common_args(parser)
    args = parser.parse_args(argv)
    if args.mask is None and not args.box and not args.stroke:
        parser.error('give the hole: --mask, --box or --stroke')
    if args.stroke_width < 1:
        parser.error(f'--stroke-width must be >= 1, got {args.stroke_width}')
    if getattr(args, 'reference_only', False) and not args.reference:
        raise cli.UsageError('--reference-only needs --reference')
    for flag, low in (('crop_margin', 0), ('crop_trigger_size', 0),
                      ('window_size', 1)):
        value = getattr(args, flag, low)
        if value < low:
            parser.error(f'--{flag.replace("_", "-")} must be >= {low}, got '
                         f'{value}')
    try:  # a model name of the zoo: its config and shipped weights
        args.config, args.checkpoint = resolve_config(args.config,
                                                      args.checkpoint)
    except KeyError as err:
        raise cli.UsageError(f'--config: {err.args[0]}') from None
    cli.require_file(args.config, '--config')
    cli.require_file(args.checkpoint, '--checkpoint')
    return args


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Inpaint your own photo(s) with a T-MAD model')
    add_model_args(parser)
    parser.add_argument(
        '--img',
        required=True,
        nargs='+',
        help='image files or folders (several: --img a.jpg b.jpg, or a '
        'shell glob such as --img photos/*.jpg)')
    parser.add_argument(
        '--mask',
        help='mask file or folder (same name stems as the images); '
        'non-zero pixels are the hole')
    add_drawn_mask_args(parser)
    parser.add_argument(
        '--out',
        required=True,
        help='output folder (not a folder that holds the images or masks)')
    parser.add_argument(
        '--save-steps',
        action='store_true',
        help='also save the mask, the coarse result and the retrieval')
    add_reference_args(parser)
    add_strategy_args(parser)
    return parse_with_model_args(parser, argv)


def list_images(folder: str) -> List[str]:
    """Image files of a folder, sorted by name."""
    names = sorted(
        n for n in os.listdir(folder)
        if n.lower().endswith(IMG_EXTS) and osp.isfile(osp.join(folder, n)))
    if not names:
        raise cli.UsageError(f'--img: no image ({", ".join(IMG_EXTS)}) in '
                             f'{folder}')
    return [osp.join(folder, n) for n in names]


def find_mask(mask_dir: str, img_path: str) -> str:
    """The mask file of ``img_path`` in ``mask_dir``: same name stem."""
    stem = osp.splitext(osp.basename(img_path))[0]
    for name in sorted(os.listdir(mask_dir)):
        if osp.splitext(name)[0] == stem and name.lower().endswith(IMG_EXTS):
            return osp.join(mask_dir, name)
    raise cli.UsageError(f'--mask: no mask for {img_path} in {mask_dir} '
                         f'(looked for {stem}.<{"|".join(IMG_EXTS)}>)')


def collect_inputs(args: argparse.Namespace) -> Tuple[List[str], list]:
    """The image files and, for each, its mask file (or None).

    A file named twice in ``--img`` (also as a member of a named folder)
    is inpainted once.
    """
    unique = {}  # real path -> the path as first given
    for item in args.img:
        if osp.isdir(item):
            found = list_images(item)
        elif osp.isfile(item):
            found = [item]
        else:
            raise cli.UsageError(f'--img: no such file or folder: {item}')
        for path in found:
            unique.setdefault(osp.realpath(path), path)
    images = list(unique.values())
    if args.mask is not None and osp.isdir(args.mask):
        masks = [find_mask(args.mask, p) for p in images]
    elif args.mask is not None and not osp.isfile(args.mask):
        raise cli.UsageError(f'--mask: no such file or folder: {args.mask}')
    else:
        masks = [args.mask] * len(images)
    return images, masks


def plan_outputs(args: argparse.Namespace,
                 images: List[str]) -> List[Dict[str, str]]:
    """Per image, the files this run may write: ``result`` and the steps.

    Checked before anything is loaded: see :func:`check_plan`.
    """
    plan = []
    for img_path in images:
        stem = osp.join(args.out, osp.splitext(osp.basename(img_path))[0])
        files = dict(result=f'{stem}.png')
        if args.save_steps:
            files.update({s: f'{stem}_{s}.png' for s in STEPS})
        plan.append(files)
    return plan


def check_plan(args: argparse.Namespace, images: List[str], masks: list,
               plan: List[Dict[str, str]]) -> None:
    """Refuse an output folder of inputs, colliding or existing outputs."""
    folders = [(item if osp.isdir(item) else osp.dirname(item), '--img')
               for item in args.img]
    if args.mask is not None:
        folders.append(
            (args.mask if osp.isdir(args.mask) else osp.dirname(args.mask),
             '--mask'))
    cli.check_out_dir(args.out, folders)
    cli.check_outputs([(path, img) for img, files in zip(images, plan)
                       for path in files.values()],
                      inputs=images + [m for m in masks if m] +
                      args.reference + [args.config, args.checkpoint],
                      overwrite=args.overwrite)


def make_hole(args: argparse.Namespace, img_path: str, shape: tuple,
              mask_path: Optional[str]):
    """The hole of one image; a ValueError names the image."""
    try:
        return make_mask(shape, mask_path, args.box, args.stroke,
                         args.stroke_width)
    except ImageDecodeError:  # names the mask file itself
        raise
    except ValueError as err:
        raise ValueError(f'{img_path}: {err}') from err


def check_inputs(args: argparse.Namespace, images: List[str],
                 masks: list) -> list:
    """Read every image, mask and reference completely and build each
    hole; returns the references, read once for all images."""
    refs = []
    for ref in args.reference:
        cli.require_file(ref, '--reference')
        refs.append(imread_8bit(ref))
    for img_path, mask_path in zip(images, masks):
        img = imread_8bit(img_path)
        make_hole(args, img_path, img.shape, mask_path)
    return refs


def check_reference_sizes(model, args: argparse.Namespace,
                          refs: list) -> None:
    """A reference smaller than one memory window of the model, named by
    its file (``inpaint`` names the arrays it is given by their index)."""
    if not isinstance(model, TMADInpaintor) or model.phase != 2:
        return  # ``inpaint`` says why this model takes no reference
    for path, ref in zip(args.reference, refs):
        check_reference_size(model, ref.shape, path)


def describe(steps: InpaintResult) -> str:
    """Where the networks ran: 'whole photo' or the windows and scales."""
    if not steps.windows:
        return 'no hole'
    if steps.strategy == 'whole':
        return 'whole photo'
    scaled = sum(w.scale < 1 for w in steps.windows)
    text = f'{len(steps.windows)} window(s)'
    return text + (f', {scaled} downscaled' if scaled else '')


def main(argv: Optional[List[str]] = None) -> List[str]:
    """Run the tool; returns the written result files."""
    args = parse_args(argv)
    images, masks = collect_inputs(args)
    plan = plan_outputs(args, images)
    check_plan(args, images, masks, plan)
    refs = check_inputs(args, images, masks)
    model = init_model(args.config, args.checkpoint, args.device,
                       args.cfg_options, args.precision)
    check_reference_sizes(model, args, refs)
    os.makedirs(args.out, exist_ok=True)
    written = []
    for i, (img_path, mask_path, files) in enumerate(zip(images, masks, plan)):
        start = time.perf_counter()
        img = imread_8bit(img_path)
        hole = make_hole(args, img_path, img.shape, mask_path)
        try:
            steps = inpaint(
                model,
                img,
                hole,
                return_steps=True,
                **reference_kwargs(args, refs),
                **strategy_kwargs(args))
        except ValueError as err:
            raise ValueError(f'{img_path}: {err}') from err

        def write(key, image):
            cli.write_image(files[key], image, overwrite=args.overwrite)

        write('result', steps.result)
        written.append(files['result'])
        if args.save_steps:
            write('mask', hole.astype('uint8') * 255)
            write('removal', draw_removal(img, steps))
            if steps.coarse is not None:
                write('coarse', steps.coarse)
            if steps.hole_cells is not None:
                write('retrieval', draw_retrieval(img, steps))
        print(
            f'[{i + 1}/{len(images)}] {osp.basename(img_path)} '
            f'{img.shape[0]}x{img.shape[1]}: {describe(steps)}, '
            f'{time.perf_counter() - start:.1f} s',
            flush=True)
    print(f'{len(written)} result(s) written to {args.out}')
    return written


if __name__ == '__main__':
    sys.exit(cli.run(main))

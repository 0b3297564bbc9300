# Copyright (c) OpenMMLab. All rights reserved.
"""Write an mmagic annotation list for a folder of images (or a list).

For a user's own photos, Paris StreetView (``paris_train_original``,
``paris_eval_gt``), CelebA-HQ, or Places365 (whose official lists start with
``/`` and carry a class label, which mmagic's ``BasicImageDataset`` would
read as an absolute path): the output has one path per line, relative to
the image folder, sorted.

Every image is read completely unless ``--no-check``: missing, empty,
truncated or corrupt files are listed in the error (with the reason), or
skipped with ``--skip-bad``. An existing ``--out`` file is replaced only
with ``--overwrite``, the ``--from-list`` file never.

Usage:
    # a folder, recursively
    python tools/dataset_converters/folder_to_list.py \
        data/paris_street_view/paris_train_original \
        --out data/paris_street_view/meta/train.txt
    # an official list (e.g. places365_val.txt) against its image folder
    python tools/dataset_converters/folder_to_list.py data/Places/val_large \
        --from-list places365_val.txt --out data/Places/meta/places365_val.txt
"""
import argparse
import os
import os.path as osp
import sys

from mmedit_tmad.utils import cli
from mmedit_tmad.utils.image_io import ImageDecodeError, imread_checked

IMG_EXTS = cli.IMG_EXTS


def scan(folder: str) -> list:
    """Image files under ``folder``, relative, sorted."""
    if not osp.isdir(folder):
        raise cli.UsageError(f'image folder {folder} does not exist')
    found = []
    for root, _, files in os.walk(folder):
        for name in files:
            if name.lower().endswith(IMG_EXTS):
                found.append(osp.relpath(osp.join(root, name), folder))
    return sorted(found)


def read_list(path: str) -> list:
    """Paths of an official list: first token, leading '/' dropped."""
    if not osp.isfile(path):
        raise cli.UsageError(f'list file {path} does not exist')
    with open(path) as f:
        return [
            line.split()[0].lstrip('/') for line in f if line.strip()
        ]


def check(folder: str, names: list) -> dict:
    """Names whose file is missing or does not decode completely, with
    the reason (in the order of ``names``)."""
    bad = {}
    for name in names:
        try:
            imread_checked(osp.join(folder, name))
        except FileNotFoundError:
            bad[name] = 'missing'
        except ImageDecodeError as err:
            bad[name] = str(err).split(': ', 1)[-1]
    return bad


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('folder', help='image folder')
    parser.add_argument('--out', required=True, help='annotation list')
    parser.add_argument('--from-list', help='official list to convert')
    parser.add_argument(
        '--no-check', action='store_true', help='do not open each image')
    parser.add_argument(
        '--skip-bad', action='store_true',
        help='leave out unreadable files instead of failing')
    cli.add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None) -> list:
    args = parse_args(argv)
    if not osp.isdir(args.folder):
        raise cli.UsageError(f'image folder {args.folder} does not exist')
    cli.require_file(args.from_list, '--from-list')
    cli.check_outputs([(args.out, '')],
                      inputs=[args.from_list],
                      overwrite=args.overwrite)
    names = read_list(args.from_list) if args.from_list else scan(args.folder)
    if not names:
        raise cli.UsageError(f'no images found for {args.folder}')
    if not args.no_check:
        bad = check(args.folder, names)
        if bad and not args.skip_bad:
            shown = '\n  '.join(f'{n} ({why})'
                                for n, why in list(bad.items())[:20])
            more = f'\n  ... and {len(bad) - 20} more' if len(bad) > 20 \
                else ''
            raise SystemExit(
                f'{len(bad)} of {len(names)} images are missing or '
                f'unreadable under {args.folder}:\n  {shown}{more}\n'
                '(--skip-bad leaves them out)')
        names = [n for n in names if n not in bad]
    cli.write_text(args.out, ''.join(f'{n}\n' for n in names), args.overwrite)
    print(f'{args.out}: {len(names)} images')
    return names


if __name__ == '__main__':
    sys.exit(cli.run(main))

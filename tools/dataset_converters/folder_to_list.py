# Copyright (c) OpenMMLab. All rights reserved.
"""Write an mmagic annotation list for a folder of images (or a list).

For a user's own photos, Paris StreetView (``paris_train_original``,
``paris_eval_gt``), CelebA-HQ, or Places365 (whose official lists start with
``/`` and carry a class label, which mmagic's ``BasicImageDataset`` would
read as an absolute path): the output has one path per line, relative to
the image folder, sorted.

Every image is opened (``cv2.imread``) unless ``--no-check``; unreadable or
missing files are listed in the error, or skipped with ``--skip-bad``.

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

import cv2

IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def scan(folder: str) -> list:
    """Image files under ``folder``, relative, sorted."""
    if not osp.isdir(folder):
        raise SystemExit(f'image folder {folder} does not exist')
    found = []
    for root, _, files in os.walk(folder):
        for name in files:
            if name.lower().endswith(IMG_EXTS):
                found.append(osp.relpath(osp.join(root, name), folder))
    return sorted(found)


def read_list(path: str) -> list:
    """Paths of an official list: first token, leading '/' dropped."""
    if not osp.isfile(path):
        raise SystemExit(f'list file {path} does not exist')
    with open(path) as f:
        return [
            line.split()[0].lstrip('/') for line in f if line.strip()
        ]


def check(folder: str, names: list) -> list:
    """Names whose file is missing or cannot be decoded."""
    bad = []
    for name in names:
        path = osp.join(folder, name)
        if not osp.isfile(path) or cv2.imread(path, cv2.IMREAD_UNCHANGED) \
                is None:
            bad.append(name)
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
    return parser.parse_args(argv)


def main(argv=None) -> list:
    args = parse_args(argv)
    names = read_list(args.from_list) if args.from_list else scan(args.folder)
    if not names:
        raise SystemExit(f'no images found for {args.folder}')
    if not args.no_check:
        bad = check(args.folder, names)
        if bad and not args.skip_bad:
            shown = '\n  '.join(bad[:20])
            more = f'\n  ... and {len(bad) - 20} more' if len(bad) > 20 \
                else ''
            raise SystemExit(
                f'{len(bad)} of {len(names)} images are missing or '
                f'unreadable under {args.folder}:\n  {shown}{more}\n'
                '(--skip-bad leaves them out)')
        names = [n for n in names if n not in set(bad)]
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(''.join(f'{n}\n' for n in names))
    print(f'{args.out}: {len(names)} images')
    return names


if __name__ == '__main__':
    main(sys.argv[1:])

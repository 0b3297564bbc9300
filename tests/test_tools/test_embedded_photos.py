# Copyright (c) OpenMMLab. All rights reserved.
import os
import os.path as osp

import cv2
import embedded_photos
import numpy as np
import pytest


def test_build_is_deterministic_and_complete(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    counts = embedded_photos.build(a, 32)
    assert embedded_photos.build(b, 32) == counts
    assert counts['train'] >= 40 and counts['val'] >= 20
    for split in ('train', 'val'):
        names = open(osp.join(a, 'meta', f'{split}.txt')).read().split()
        assert len(names) == counts[split] == len(os.listdir(
            osp.join(a, split)))
        for name in names[:5]:
            img_a = cv2.imread(osp.join(a, split, name))
            img_b = cv2.imread(osp.join(b, split, name))
            assert img_a.shape == (32, 32, 3)
            assert (img_a == img_b).all()
    # whole photos are held out
    stem = lambda n: n.rsplit("_", 2)[0].split("_x")[0]  # noqa: E731
    train = {stem(n) for n in open(osp.join(a, 'meta', 'train.txt'))}
    val = {stem(n) for n in open(osp.join(a, 'meta', 'val.txt'))}
    assert not train & val


def test_grey_and_rgba_become_bgr(tmp_path):
    grey = tmp_path / 'g.png'
    cv2.imwrite(str(grey), (cv2.getGaussianKernel(40, 5)
                            @ cv2.getGaussianKernel(50, 5).T
                            * 1e5).clip(0, 255).astype('uint8'))
    assert embedded_photos.read_color(str(grey)).shape == (40, 50, 3)
    rgba = tmp_path / 'a.png'
    cv2.imwrite(str(rgba), cv2.merge([cv2.imread(str(grey), 0)] * 4))
    assert embedded_photos.read_color(str(rgba)).shape == (40, 50, 3)


def test_unreadable_file_is_a_clear_error(tmp_path):
    bad = tmp_path / 'bad.png'
    bad.write_bytes(b'not an image')
    with pytest.raises(OSError, match=f'cannot decode image file {bad}'):
        embedded_photos.read_color(str(bad))


def test_bad_crop_size():
    with pytest.raises(SystemExit, match='crop-size'):
        embedded_photos.main(['--out', '/nonexistent', '--crop-size', '4'])


def test_extra_dir_adds_photos(tmp_path):
    import numpy as np
    extra = tmp_path / 'wallpapers' / 'sub'
    extra.mkdir(parents=True)
    rng = np.random.RandomState(0)
    for i in range(5):
        cv2.imwrite(str(extra / f'wall {i}.jpg'),
                    rng.randint(0, 255, (80, 120, 3)).astype(np.uint8))
    base = embedded_photos.build(str(tmp_path / 'a'), 32)
    more = embedded_photos.build(str(tmp_path / 'b'), 32,
                                 extra_dirs=[str(tmp_path / 'wallpapers')])
    assert more['train'] > base['train'] and more['val'] > base['val']
    val = open(tmp_path / 'b' / 'meta' / 'val.txt').read().split()
    assert any(n.startswith('extra0004_wall-4') for n in val)
    with pytest.raises(SystemExit, match='does not exist'):
        embedded_photos.build(str(tmp_path / 'c'), 32,
                              extra_dirs=[str(tmp_path / 'none')])


TOOL = osp.join('tools', 'dataset_converters', 'embedded_photos.py')


def test_out_is_the_tools_own(tmp_path, run_tool, run_main):
    """A folder of other files, or of another build, is refused; the same
    build is kept; the crops never land in a folder of photos."""
    photos = tmp_path / 'wallpapers'
    photos.mkdir()
    cv2.imwrite(str(photos / 'wall.png'), np.full((40, 60, 3), 90, np.uint8))
    run = run_tool(TOOL, [
        '--out', photos / 'crops', '--crop-size', '16', '--extra-dir', photos,
        '--overwrite'
    ])
    assert run.returncode == 2
    assert run.error == f'error: --out {photos}/crops overlaps --extra-dir ' \
        f'{photos}: the crops would be read as photos by the next build; ' \
        'choose another --out'
    assert sorted(os.listdir(photos)) == ['wall.png']
    run = run_main(embedded_photos.main,
                   ['--out', photos, '--crop-size', '16'])
    assert run.returncode == 2 and 'holds files that embedded_photos did ' \
        'not make' in run.error
    out = tmp_path / 'crops'
    assert run_main(embedded_photos.main,
                    ['--out', out, '--crop-size', '16']).returncode == 0
    stamp = os.stat(out / 'meta' / 'train.txt').st_mtime_ns
    run = run_main(embedded_photos.main, ['--out', out, '--crop-size', '16'])
    assert run.returncode == 0 and 'kept' in run.stdout
    assert os.stat(out / 'meta' / 'train.txt').st_mtime_ns == stamp
    run = run_main(embedded_photos.main, ['--out', out, '--crop-size', '24'])
    assert run.returncode == 2 and 'with other arguments' in run.error


def test_truncated_photo_is_named_before_any_crop(tmp_path, run_tool):
    photos = tmp_path / 'wallpapers'
    photos.mkdir()
    jpg = cv2.imencode('.jpg', np.full((80, 120, 3), 90, np.uint8))[1]
    (photos / 'cut.jpg').write_bytes(jpg.tobytes()[:len(jpg) // 2])
    out = tmp_path / 'crops'
    run = run_tool(TOOL,
                   ['--out', out, '--crop-size', '16', '--extra-dir', photos])
    assert run.returncode == 1 and 'Traceback' not in run.stderr
    assert run.stderr.splitlines()[-1].startswith(
        f'error: cannot decode image file {photos}/cut.jpg')
    assert not (out / 'train').exists() and not (out / 'meta').exists()

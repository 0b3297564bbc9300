# Copyright (c) OpenMMLab. All rights reserved.
"""tools/inpaint.py on real photos: mask files, boxes, strokes, folders;
refused outputs, broken inputs and error reports, as a user meets them."""
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data

from mmedit_tmad.apis import draw_mask, init_model

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
sys.path.insert(0, osp.join(ROOT, 'tools'))
import inpaint as inpaint_tool  # noqa: E402


@pytest.fixture(scope='module')
def ckpt(tmp_path_factory):
    """The tiny T-MAD model saved as in phase 2 (past coarse_iters)."""
    model = init_model(TEST_CFG)
    model.cur_iter.fill_(model.coarse_iters)
    path = str(tmp_path_factory.mktemp('ckpt') / 'tiny.pth')
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), path)
    return path


@pytest.fixture(scope='module')
def photos(tmp_path_factory):
    """Two real photos of odd sizes and their mask files (PNG)."""
    root = tmp_path_factory.mktemp('photos')
    os.makedirs(root / 'img')
    os.makedirs(root / 'mask')
    shots = dict(
        coffee=data.coffee()[50:171, 100:197, ::-1],  # 121x97
        rocket=data.rocket()[:99, 100:231, ::-1])  # 99x131
    for name, img in shots.items():
        cv2.imwrite(str(root / 'img' / f'{name}.jpg'), img)
        hole = draw_mask(img.shape, boxes=[(30, 40, 30, 25)])
        cv2.imwrite(str(root / 'mask' / f'{name}.png'),
                    hole.astype(np.uint8) * 255)
    return str(root)


def _check(out_png, img_path, hole):
    out = cv2.imread(out_png, cv2.IMREAD_UNCHANGED)
    img = cv2.imread(img_path, cv2.IMREAD_UNCHANGED)
    assert out.shape == img.shape
    assert np.array_equal(out[~hole], img[~hole])
    assert (out[hole] != img[hole]).any()


def test_folder_with_mask_folder_and_steps(ckpt, photos, tmp_path):
    out = str(tmp_path / 'out')
    written = inpaint_tool.main([
        '--config', TEST_CFG, '--checkpoint', ckpt, '--img',
        osp.join(photos, 'img'), '--mask',
        osp.join(photos, 'mask'), '--out', out, '--save-steps'
    ])
    assert [osp.basename(p) for p in written] == ['coffee.png', 'rocket.png']
    for name in ('coffee', 'rocket'):
        hole = cv2.imread(osp.join(photos, 'mask', f'{name}.png'), 0) > 0
        _check(
            osp.join(out, f'{name}.png'),
            osp.join(photos, 'img', f'{name}.jpg'), hole)
        assert np.array_equal(
            cv2.imread(osp.join(out, f'{name}_mask.png'), 0) > 0, hole)
        coarse = cv2.imread(osp.join(out, f'{name}_coarse.png'))
        assert coarse.shape == hole.shape + (3, )
        vis = cv2.imread(osp.join(out, f'{name}_retrieval.png'))
        assert vis.shape[1] > 4 * hole.shape[1]
        removal = cv2.imread(osp.join(out, f'{name}_removal.png'))
        assert removal.shape == (hole.shape[0], 2 * hole.shape[1] + 4, 3)


def test_several_images_as_a_shell_glob_gives_them(ckpt, photos, tmp_path):
    """``--img`` takes several files and folders (``--img shots/*.jpg``);
    a file named twice, also through its folder, is inpainted once; a
    missing one is named before anything is loaded."""
    img_dir, mask_dir = osp.join(photos, 'img'), osp.join(photos, 'mask')
    files = [osp.join(img_dir, n) for n in ('rocket.jpg', 'coffee.jpg')]
    out = str(tmp_path / 'out')
    base = ['--config', TEST_CFG, '--checkpoint', ckpt, '--mask', mask_dir]
    written = inpaint_tool.main(base + [
        '--img', *files, img_dir, osp.join(img_dir, '.', 'rocket.jpg'),
        '--out', out
    ])
    assert written == [osp.join(out, f'{n}.png') for n in ('rocket', 'coffee')]
    for name in ('coffee', 'rocket'):
        hole = cv2.imread(osp.join(mask_dir, f'{name}.png'), 0) > 0
        _check(osp.join(out, f'{name}.png'),
               osp.join(img_dir, f'{name}.jpg'), hole)
    with pytest.raises(SystemExit, match='no such file or folder: .*gone'):
        inpaint_tool.main(base + ['--img', files[0], str(tmp_path / 'gone'),
                                  '--out', str(tmp_path / 'out2')])
    assert not osp.exists(tmp_path / 'out2')
    # the folder of every image given is an input folder, never the output
    os.makedirs(tmp_path / 'other')
    other = str(tmp_path / 'other' / 'coffee.jpg')
    shutil.copy(files[1], other)
    with pytest.raises(SystemExit, match=r'folder of the inputs \(--img\)'):
        inpaint_tool.main(base + ['--img', other, files[0], '--out', img_dir])


def test_boxes_and_strokes_on_one_photo(ckpt, photos, tmp_path):
    img = osp.join(photos, 'img', 'coffee.jpg')
    out = str(tmp_path / 'out')
    inpaint_tool.main([
        '--config', TEST_CFG, '--checkpoint', ckpt, '--img', img, '--box',
        '10,20,30,25', '--box', '80,100,80,80', '--stroke',
        '40,50,70,80,90,60', '--stroke-width', '7', '--out', out
    ])
    hole = draw_mask((121, 97),
                     boxes=[(10, 20, 30, 25), (80, 100, 80, 80)],
                     strokes=[[(40, 50), (70, 80), (90, 60)]],
                     stroke_width=7)
    _check(osp.join(out, 'coffee.png'), img, hole)
    assert sorted(os.listdir(out)) == ['coffee.png']


def test_bad_arguments(ckpt, photos, tmp_path, capsys):
    img = osp.join(photos, 'img', 'coffee.jpg')
    base = ['--config', TEST_CFG, '--img', img, '--out', str(tmp_path)]
    with pytest.raises(SystemExit):
        inpaint_tool.main(base)  # no hole given
    assert 'give the hole' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        inpaint_tool.main(base + ['--box', '1,2,3'])
    assert 'x,y,w,h' in capsys.readouterr().err
    with pytest.raises(SystemExit, match='no mask for'):
        inpaint_tool.main(base[:3] + [
            osp.join(photos, 'img'), '--mask',
            str(tmp_path), '--out',
            str(tmp_path / 'out')
        ])
    os.makedirs(tmp_path / 'masks')
    wrong = str(tmp_path / 'masks' / 'wrong.png')
    cv2.imwrite(wrong, np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match='coffee.jpg: mask 10x10'):
        inpaint_tool.main(base + ['--mask', wrong])
    with pytest.raises(SystemExit, match='--img'):
        inpaint_tool.main(
            ['--config', TEST_CFG, '--img', '/nonexistent', '--box',
             '1,1,4,4', '--out', str(tmp_path)])


def test_command_line(ckpt, photos, tmp_path):
    """The script as a user runs it (a fresh process)."""
    out = str(tmp_path / 'out')
    img = osp.join(photos, 'img', 'rocket.jpg')
    proc = subprocess.run([
        sys.executable, 'tools/inpaint.py', '--config', TEST_CFG,
        '--checkpoint', ckpt, '--img', img, '--stroke', '20,20,120,90',
        '--out', out, '--device', 'cpu'
    ],
                          cwd=ROOT,
                          env=dict(os.environ, OMP_NUM_THREADS='1'),
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '1 result(s) written' in proc.stdout
    # mmagic's dependencies' warnings about their own code are not shown
    assert 'FutureWarning' not in proc.stderr, proc.stderr
    hole = draw_mask((99, 131), strokes=[[(20, 20), (120, 90)]])
    _check(osp.join(out, 'rocket.png'), img, hole)


def test_16bit_photo_and_reference(ckpt, photos, run_main, tmp_path):
    """A 16-bit PNG photo or reference is read at 8 bits (its high byte,
    as in training): the results of the 8-bit files, written at 8 bits."""
    img = cv2.imread(osp.join(photos, 'img', 'coffee.jpg'))
    mask = osp.join(photos, 'mask', 'coffee.png')
    for name, arr in [('eight', img),
                      ('sixteen', img.astype(np.uint16) * 256)]:
        os.makedirs(tmp_path / name)
        cv2.imwrite(str(tmp_path / name / 'coffee.png'), arr)
        cv2.imwrite(str(tmp_path / f'ref_{name}.png'), arr[::-1])
    results = {}
    for name in ('eight', 'sixteen'):
        out = tmp_path / f'out_{name}'
        run = run_main(inpaint_tool.main, [
            '--config', TEST_CFG, '--checkpoint', ckpt, '--img',
            tmp_path / name / 'coffee.png', '--mask', mask, '--reference',
            tmp_path / f'ref_{name}.png', '--out', out
        ])
        assert run.returncode == 0, run.error
        results[name] = cv2.imread(str(out / 'coffee.png'),
                                   cv2.IMREAD_UNCHANGED)
    assert results['sixteen'].dtype == np.uint8
    assert np.array_equal(results['sixteen'], results['eight'])


def test_big_photos_in_windows_with_progress(ckpt, photos, tmp_path,
                                             capsys):
    """Windows (the trigger lowered to these small photos): the mask's
    48x48 one downscaled, the corner's 16x16 one not; one progress line
    per image; the steps files as before."""
    out = str(tmp_path / 'out')
    with pytest.warns(UserWarning, match='a 16x16 window has 1 memory'):
        written = inpaint_tool.main([
            '--config', TEST_CFG, '--checkpoint', ckpt, '--img',
            osp.join(photos, 'img'), '--mask',
            osp.join(photos, 'mask'), '--box', '0,0,6,6', '--out', out,
            '--save-steps', '--crop-trigger-size', '64', '--crop-margin',
            '0', '--window-size', '32'
        ])
    lines = capsys.readouterr().out.splitlines()[-3:]
    assert re.fullmatch(
        r'\[1/2\] coffee\.jpg 121x97: 2 window\(s\), 1 downscaled, '
        r'\d+\.\d s', lines[0]), lines
    assert re.fullmatch(r'\[2/2\] rocket\.jpg 99x131: 2 window\(s\), '
                        r'1 downscaled, \d+\.\d s', lines[1]), lines
    assert lines[2] == f'2 result(s) written to {out}'
    for name, path in zip(('coffee', 'rocket'), written):
        hole = cv2.imread(osp.join(photos, 'mask', f'{name}.png'), 0) > 0
        hole[:6, :6] = True
        _check(path, osp.join(photos, 'img', f'{name}.jpg'), hole)
        coarse = cv2.imread(osp.join(out, f'{name}_coarse.png'))
        assert coarse.shape == hole.shape + (3, )
        # the corner's window is at full resolution: its cells are drawn
        assert osp.isfile(osp.join(out, f'{name}_retrieval.png'))
    # --upscale-detail patchmatch: the downscaled window's hole changes
    img = osp.join(photos, 'img', 'coffee.jpg')
    detailed = inpaint_tool.main([
        '--config', TEST_CFG, '--checkpoint', ckpt, '--img', img, '--mask',
        osp.join(photos, 'mask', 'coffee.png'), '--box', '0,0,6,6', '--out',
        str(tmp_path / 'detail'), '--crop-trigger-size', '64',
        '--crop-margin', '0', '--window-size', '32', '--upscale-detail',
        'patchmatch'
    ])
    hole = cv2.imread(osp.join(photos, 'mask', 'coffee.png'), 0) > 0
    hole[:6, :6] = True
    _check(detailed[0], img, hole)
    plain, detail = cv2.imread(written[0]), cv2.imread(detailed[0])
    assert not np.array_equal(plain[hole], detail[hole])
    # 'whole' on the same photo: one line, the whole photo
    inpaint_tool.main([
        '--config', TEST_CFG, '--checkpoint', ckpt, '--img', img, '--box',
        '10,20,30,25', '--out', out, '--overwrite', '--strategy', 'whole',
        '--crop-trigger-size', '64'
    ])
    assert re.search(r'^\[1/1\] coffee\.jpg 121x97: whole photo, ',
                     capsys.readouterr().out, re.M)


def test_bad_strategy_arguments(ckpt, photos, tmp_path, capsys):
    img = osp.join(photos, 'img', 'coffee.jpg')
    base = [
        '--config', TEST_CFG, '--checkpoint', ckpt, '--img', img, '--box',
        '10,20,30,25', '--out',
        str(tmp_path)
    ]
    for args, message in [
        (['--strategy', 'tiles'], "invalid choice: 'tiles'"),
        (['--crop-margin', '-1'], '--crop-margin must be >= 0, got -1'),
        (['--window-size', '0'], '--window-size must be >= 1, got 0'),
        (['--crop-trigger-size', '-2'], '--crop-trigger-size must be >= 0'),
        (['--upscale-detail', 'sharp'], "invalid choice: 'sharp'"),
    ]:
        with pytest.raises(SystemExit):
            inpaint_tool.main(base + args)
        assert message in capsys.readouterr().err
    # below the model's size unit: the library's error, naming the image
    with pytest.raises(ValueError,
                       match='coffee.jpg: window_size must be >= the size '
                       'unit 16'):
        inpaint_tool.main(base + ['--window-size', '8'])


# ----------------------------------------------------------------------
# as a user meets it: refused outputs, broken inputs, error reports
# ----------------------------------------------------------------------
TOOL = 'tools/inpaint.py'


def _snapshot(folder):
    return {
        name: (folder / name).read_bytes()
        for name in sorted(os.listdir(folder))
    }


def test_inputs_and_earlier_results_are_never_written_over(
        photos, run_tool, run_main, unbuildable_config, tmp_path):
    ws = tmp_path / 'ws'
    os.makedirs(ws)
    cv2.imwrite(str(ws / 'photo.png'), data.coffee()[:64, :64, ::-1])
    cv2.imwrite(str(ws / 'photo_mask.png'), np.zeros((64, 64), np.uint8))
    before = _snapshot(ws)
    base = ['--config', unbuildable_config, '--box', '10,10,20,20']
    # the folder of the input as --out: the result would replace
    # photo.png, and a second run would take the results for photos
    run = run_tool(TOOL, base + ['--img', ws / 'photo.png', '--out', ws])
    assert run.returncode == 2
    assert run.error == f'error: --out {ws} is the folder of the inputs ' \
        '(--img); results there would mix with them: choose another folder'
    # a folder of photos, the mask's folder; --overwrite changes nothing
    for args, what in [
        (['--img', ws, '--out', ws, '--save-steps', '--overwrite'], '--img'),
        ([
            '--img',
            osp.join(photos, 'img', 'coffee.jpg'), '--mask',
            osp.join(photos, 'mask', 'coffee.png'), '--out',
            osp.join(photos, 'mask'), '--overwrite'
        ], '--mask'),
    ]:
        run = run_main(inpaint_tool.main, base + args)
        assert run.returncode == 2 and f'({what})' in run.error
    assert _snapshot(ws) == before
    # a user's own file where a result would go: refused, replaced only
    # with --overwrite (then the model is loaded: exit code 1 here)
    out = tmp_path / 'out'
    os.makedirs(out)
    cv2.imwrite(str(out / 'photo_mask.png'), np.ones((4, 4), np.uint8))
    mine = _snapshot(out)
    args = base + ['--img', ws / 'photo.png', '--out', out, '--save-steps']
    run = run_tool(TOOL, args)
    assert run.returncode == 2
    assert f'{out}/photo_mask.png exists; pass --overwrite' in run.error
    assert _snapshot(out) == mine
    run = run_main(inpaint_tool.main, args + ['--overwrite'])
    assert run.returncode == 1 and 'NoSuchModel' in run.error


def test_results_with_one_name_are_refused(ckpt, run_tool, run_main,
                                           unbuildable_config, tmp_path):
    folder = tmp_path / 'img'
    os.makedirs(folder)
    img = data.coffee()[:64, :64, ::-1]
    for name in ('a.jpg', 'a.png', 'b.png'):
        cv2.imwrite(str(folder / name), img)
    out = tmp_path / 'out'
    args = ['--img', folder, '--box', '5,5,9,9', '--out', out]
    run = run_tool(TOOL, ['--config', unbuildable_config] + args)
    assert run.returncode == 2
    assert f'{out}/a.png would be written twice, for {folder}/a.jpg and ' \
        f'{folder}/a.png' in run.error
    assert not out.exists()
    # a photo named like another one's step file collides as well
    os.remove(folder / 'a.jpg')
    cv2.imwrite(str(folder / 'b_mask.png'), img)
    run = run_main(inpaint_tool.main,
                   ['--config', unbuildable_config, '--save-steps'] + args)
    assert run.returncode == 2
    assert 'b_mask.png would be written twice' in run.error
    # distinct names: every result is written
    run = run_main(inpaint_tool.main,
                   ['--config', TEST_CFG, '--checkpoint', ckpt] + args)
    assert run.returncode == 0, run.stderr
    assert '3 result(s) written' in run.stdout
    assert sorted(os.listdir(out)) == ['a.png', 'b.png', 'b_mask.png']


@pytest.fixture(scope='module')
def broken(tmp_path_factory):
    """Image and mask files that do not decode completely."""
    d = tmp_path_factory.mktemp('broken')
    photo = data.coffee()[:96, :96, ::-1]
    jpg = cv2.imencode('.jpg', photo)[1].tobytes()
    (d / 'truncated.jpg').write_bytes(jpg[:len(jpg) // 2])
    (d / 'empty.png').write_bytes(b'')
    (d / 'text.png').write_text('not an image\n')
    cv2.imwrite(str(d / 'ok.png'), photo)
    return d


def test_undecodable_inputs_are_named_by_the_command(broken, run_tool,
                                                     unbuildable_config,
                                                     tmp_path):
    """Half a JPEG and an empty mask: one error line naming the file (no
    libjpeg message, no OpenCV assertion, no traceback), nothing written,
    the model never loaded."""
    for args, message in [
        (['--img', broken / 'truncated.jpg', '--box', '5,5,9,9'],
         f'error: cannot decode image file {broken}/truncated.jpg '),
        (['--img', broken / 'ok.png', '--mask', broken / 'empty.png'],
         f'error: cannot decode mask file {broken}/empty.png (0 bytes): '
         'empty file'),
    ]:
        run = run_tool(
            TOOL,
            ['--config', unbuildable_config, '--out', tmp_path / 'out'] + args)
        assert run.returncode == 1 and run.error.startswith(message)
    assert not (tmp_path / 'out').exists()


@pytest.mark.parametrize('img, mask, match', [
    ('truncated.jpg', None, r'image file \S+truncated\.jpg \(\d+ bytes\): '
     'truncated'),
    ('empty.png', None, r'image file \S+empty\.png \(0 bytes\): empty file'),
    ('text.png', None, r'text\.png \(13 bytes\): corrupt, truncated or'),
    ('ok.png', 'empty.png', r'mask file \S+empty\.png \(0 bytes\)'),
    ('ok.png', 'truncated.jpg', r'mask file \S+truncated\.jpg'),
])
def test_undecodable_inputs_are_named(broken, run_main, unbuildable_config,
                                      tmp_path, img, mask, match):
    args = [
        '--config', unbuildable_config, '--img', broken / img, '--out',
        tmp_path / 'out'
    ]
    args += ['--mask', broken / mask] if mask else ['--box', '5,5,9,9']
    run = run_main(inpaint_tool.main, args)
    assert run.returncode == 1
    assert re.search(match, run.error), run.error
    assert not (tmp_path / 'out').exists()


def test_debug_shows_the_traceback(broken, run_tool, run_main,
                                   unbuildable_config, tmp_path, monkeypatch):
    args = [
        '--config', unbuildable_config, '--img', broken / 'empty.png', '--box',
        '5,5,9,9', '--out', tmp_path / 'out'
    ]
    run = run_tool(TOOL, args + ['--debug'])
    assert run.returncode == 1
    assert 'Traceback (most recent call last)' in run.stderr
    assert 'ImageDecodeError' in run.stderr
    assert run.stderr.splitlines()[-1].startswith(
        'error: cannot decode image file')
    monkeypatch.setenv('MMEDIT_TMAD_DEBUG', '1')
    run = run_main(inpaint_tool.main, args)
    assert run.returncode == 1 and 'Traceback' in run.stderr
    monkeypatch.delenv('MMEDIT_TMAD_DEBUG')
    # a bad argument: exit code 2, one line
    run = run_main(inpaint_tool.main, [
        '--config', unbuildable_config, '--img', '/nonexistent.png', '--box',
        '1,1,4,4', '--out', tmp_path
    ])
    assert run.returncode == 2
    assert run.error == 'error: --img: no such file or folder: ' \
        '/nonexistent.png'


def test_model_name_loads_the_shipped_weights(photos, run_main, tmp_path):
    img = osp.join(photos, 'img', 'coffee.jpg')
    out = str(tmp_path / 'out')
    written = inpaint_tool.main([
        '--config', 'tmad_telea_1xb4_photos-256x256', '--img', img, '--box',
        '30,40,30,25', '--out', out
    ])
    hole = draw_mask(cv2.imread(img).shape, boxes=[(30, 40, 30, 25)])
    _check(written[0], img, hole)
    run = run_main(inpaint_tool.main, [
        '--config', 'tmad_no_such_model', '--img', img, '--box', '1,1,4,4',
        '--out', str(tmp_path / 'x')
    ])
    assert run.returncode == 2
    assert "--config: 'tmad_no_such_model' is neither a config file" in \
        run.error


def test_reference_fill(ckpt, photos, run_main, unbuildable_config,
                        tmp_path):
    """``--reference`` (repeatable) and ``--reference-only``: results and
    retrieval pictures; bad references stop the tool before the model."""
    img = osp.join(photos, 'img', 'coffee.jpg')
    refs = tmp_path / 'refs'
    os.makedirs(refs)
    cv2.imwrite(str(refs / 'brick.png'), data.brick()[:90, :70])
    cv2.imwrite(str(refs / 'grass.jpg'), data.grass()[:50, :120])
    base = ['--config', TEST_CFG, '--checkpoint', ckpt, '--img', img,
            '--mask', osp.join(photos, 'mask', 'coffee.png')]
    hole = cv2.imread(osp.join(photos, 'mask', 'coffee.png'), 0) > 0
    results = {}
    for name, extra in [
        ('photo', []),
        ('one', ['--reference', refs / 'brick.png', '--reference-only']),
        ('two', ['--reference', refs / 'brick.png', '--reference',
                 refs / 'grass.jpg', '--save-steps']),
    ]:
        out = tmp_path / name
        run = run_main(inpaint_tool.main, base + ['--out', out] + extra)
        assert run.returncode == 0, run.stderr
        _check(str(out / 'coffee.png'), img, hole)
        results[name] = cv2.imread(str(out / 'coffee.png'))
    assert not np.array_equal(results['one'], results['photo'])
    # the retrieval picture has the reference row
    pic = cv2.imread(str(tmp_path / 'two' / 'coffee_retrieval.png'))
    assert pic.shape[0] == 2 * 3 * 121 + 4
    for extra, match in [
        (['--reference', refs / 'missing.png'], 'no such file'),
        (['--reference-only'], '--reference-only needs --reference'),
    ]:
        run = run_main(inpaint_tool.main,
                       ['--config', unbuildable_config, '--img', img,
                        '--box', '1,1,9,9', '--out', tmp_path / 'x'] + extra)
        assert run.returncode == 2 and match in run.error
    # a reference smaller than a memory window: named
    cv2.imwrite(str(refs / 'tiny.png'), data.brick()[:8, :70])
    run = run_main(inpaint_tool.main, base + [
        '--out', tmp_path / 'tiny', '--reference', refs / 'tiny.png'])
    assert run.returncode == 1
    assert 'tiny.png is 8x70: smaller than one memory window' in run.error


def test_references_are_read_once_for_a_folder(ckpt, photos, monkeypatch,
                                               tmp_path):
    """A folder of photos with ``--reference``: each reference file is
    decoded once (before the model), and every result is the API's with
    the reference given by its path."""
    import mmedit_tmad.apis.inpainting as api
    from mmedit_tmad.apis import inpaint
    ref = str(tmp_path / 'brick.png')
    cv2.imwrite(ref, data.brick()[:90, :70])
    reads = []

    def counting(read):
        def imread(path, *args, **kwargs):
            reads.append(path)
            return read(path, *args, **kwargs)
        return imread

    monkeypatch.setattr(inpaint_tool, 'imread_8bit',
                        counting(inpaint_tool.imread_8bit))
    monkeypatch.setattr(api, 'imread_8bit', counting(api.imread_8bit))
    out = tmp_path / 'out'
    written = inpaint_tool.main([
        '--config', TEST_CFG, '--checkpoint', ckpt, '--img',
        osp.join(photos, 'img'), '--mask', osp.join(photos, 'mask'),
        '--out', str(out), '--reference', ref])
    assert len(written) == 2
    assert reads.count(ref) == 1
    model = init_model(TEST_CFG, ckpt)
    for name in ('coffee', 'rocket'):
        want = inpaint(model, osp.join(photos, 'img', f'{name}.jpg'),
                       osp.join(photos, 'mask', f'{name}.png'),
                       reference=ref)
        assert np.array_equal(cv2.imread(str(out / f'{name}.png')), want)


def test_turned_phone_photo_is_inpainted_upright(ckpt, photos, tmp_path):
    """A portrait shot stored sideways with an EXIF orientation: the box
    and the mask file are given on the upright photo, as a viewer shows
    it, and the result is written upright."""
    stored = cv2.imread(osp.join(photos, 'img', 'rocket.jpg'))  # 99x131
    shot = Image.fromarray(stored[..., ::-1])
    exif = shot.getexif()
    exif[0x0112] = 6  # turn 90 degrees clockwise to view
    img = str(tmp_path / 'portrait.jpg')
    shot.save(img, exif=exif.tobytes(), quality=95)
    upright = cv2.imread(img)  # OpenCV's colour read turns it
    assert upright.shape == (131, 99, 3)
    mask = str(tmp_path / 'portrait_mask.png')
    cv2.imwrite(mask, draw_mask(upright.shape,
                                boxes=[(5, 90, 20, 30)]).astype(np.uint8))
    out = tmp_path / 'out'
    inpaint_tool.main([
        '--config', TEST_CFG, '--checkpoint', ckpt, '--img', img, '--mask',
        mask, '--box', '60,10,30,20', '--out',
        str(out)
    ])
    hole = draw_mask(upright.shape, boxes=[(5, 90, 20, 30), (60, 10, 30, 20)])
    res = cv2.imread(str(out / 'portrait.png'))
    assert res.shape == upright.shape
    assert np.array_equal(res[~hole], upright[~hole])
    assert (res[hole] != upright[hole]).any()

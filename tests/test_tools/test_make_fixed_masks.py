# Copyright (c) OpenMMLab. All rights reserved.
import filecmp
import json
import os
import os.path as osp

import cv2
import make_fixed_masks


def test_same_seed_same_pngs(tmp_path):
    a = make_fixed_masks.main(['--out', str(tmp_path / 'a'), '--size', '64',
                               '--num', '6', '--seed', '3'])
    b = make_fixed_masks.main(['--out', str(tmp_path / 'b'), '--size', '64',
                               '--num', '6', '--seed', '3'])
    c = make_fixed_masks.main(['--out', str(tmp_path / 'c'), '--size', '64',
                               '--num', '6', '--seed', '4'])
    assert osp.basename(a) == 'v1_64_s3'
    for kind in make_fixed_masks.DEFAULT_KINDS:
        names = open(osp.join(a, kind, 'list.txt')).read().split()
        assert len(names) == 6
        match, mismatch, errors = filecmp.cmpfiles(
            osp.join(a, kind), osp.join(b, kind), names, shallow=False)
        assert match == names and not mismatch and not errors
        _, diff, _ = filecmp.cmpfiles(
            osp.join(a, kind), osp.join(c, kind), names, shallow=False)
        assert diff, f'{kind}: another seed gave the same masks'
    meta = json.load(open(osp.join(a, 'meta.json')))
    assert meta['seed'] == 3 and meta['generator_version'] == 1


def test_buckets_hold_their_area(tmp_path):
    out = make_fixed_masks.main(['--out', str(tmp_path), '--size', '64',
                                 '--num', '5'])
    for lo, hi in make_fixed_masks.BUCKETS:
        kind = f'irregular_{lo}-{hi}'
        for name in open(osp.join(out, kind, 'list.txt')).read().split():
            m = cv2.imread(osp.join(out, kind, name), 0)
            assert m.shape == (64, 64) and set(m.ravel()) <= {0, 255}
            assert lo <= 100 * (m > 0).mean() < hi
    # the interleaved list points at the buckets
    names = open(osp.join(out, 'irregular', 'list.txt')).read().split()
    assert names[0] == '../irregular_10-20/00000.png'
    assert osp.isfile(osp.join(out, 'irregular', names[1]))
    rect = cv2.imread(osp.join(out, 'rect', '00000.png'), 0) > 0
    ys, xs = rect.nonzero()
    assert rect.sum() == (ys.ptp() + 1) * (xs.ptp() + 1)  # one rectangle
    assert 8 <= ys.ptp() + 1 <= 32 and 8 <= xs.ptp() + 1 <= 32


def test_a_set_is_kept_or_replaced_only_when_asked(tmp_path, run_tool,
                                                   run_main):
    args = ['--out', tmp_path, '--size', '32', '--num', '3', '--kinds', 'rect']
    assert run_main(make_fixed_masks.main, args).returncode == 0
    rect = tmp_path / 'v1_32_s0' / 'rect'
    stamp = {n: os.stat(rect / n).st_mtime_ns for n in os.listdir(rect)}
    # the same arguments: the same set, kept as it is
    run = run_main(make_fixed_masks.main, args)
    assert run.returncode == 0 and 'kept' in run.stdout
    assert {
        n: os.stat(rect / n).st_mtime_ns
        for n in os.listdir(rect)
    } == stamp
    # another set into the same folder: refused, then replaced on request
    tool = osp.join('tools', 'dataset_converters', 'make_fixed_masks.py')
    run = run_tool(tool, args[:-3] + ['4', '--kinds', 'rect'])
    assert run.returncode == 2
    assert run.error.startswith(
        f'error: --out {tmp_path}/v1_32_s0 holds a mask set made with '
        "{'generator_version': 1, 'size': 32, 'num': 3, 'seed': 0, "
        "'kinds': ['rect']}; choose another --out or --version, or pass "
        '--overwrite')
    assert len((rect / 'list.txt').read_text().split()) == 3
    run = run_main(make_fixed_masks.main,
                   args[:-3] + ['4', '--kinds', 'rect', '--overwrite'])
    assert run.returncode == 0
    assert len((rect / 'list.txt').read_text().split()) == 4
    # a folder of other files
    (tmp_path / 'mine').mkdir()
    (tmp_path / 'mine' / 'notes.txt').write_text('')
    run = run_main(make_fixed_masks.main, args + ['--version', 'mine'])
    assert run.returncode == 2 and 'no complete mask set' in run.error


def test_rect_large_keeps_size_and_margin(tmp_path):
    out = make_fixed_masks.main([
        '--out', str(tmp_path), '--size', '256', '--num', '20', '--kinds',
        'rect_large', 'irregular_20-30', 'irregular_30-40'
    ])
    for name in open(osp.join(out, 'rect_large', 'list.txt')).read().split():
        m = cv2.imread(osp.join(out, 'rect_large', name), 0) > 0
        ys, xs = m.nonzero()
        assert m.sum() == (ys.ptp() + 1) * (xs.ptp() + 1)
        assert 64 <= ys.ptp() + 1 <= 128 and 64 <= xs.ptp() + 1 <= 128
        assert min(ys.min(), xs.min()) >= 16
        assert max(ys.max(), xs.max()) <= 255 - 16
    # two buckets interleaved: 20-40% irregular holes
    names = open(osp.join(out, 'irregular', 'list.txt')).read().split()
    ratios = [(cv2.imread(osp.join(out, 'irregular', n), 0) > 0).mean()
              for n in names]
    assert all(0.2 <= r < 0.4 for r in ratios)

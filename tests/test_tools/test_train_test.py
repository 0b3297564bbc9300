# Copyright (c) OpenMMLab. All rights reserved.
"""tools/train.py and tools/test.py, run as a user would.

The distributed tools (dist_train.sh / dist_test.sh with the full T-MAD
model on 2 processes, the slurm scripts) are in test_dist_train.py."""
import os
import os.path as osp
import subprocess
import sys

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

# Copyright (c) OpenMMLab. All rights reserved.
"""tools/train.py, tools/test.py and tools/dist_train.sh, run as a user would."""
import glob
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


@pytest.mark.slow
def test_dist_train_two_cpu_processes(tmp_path, embedded_32):
    work = str(tmp_path / 'dist')
    import socket
    with socket.socket() as sock:  # a free port for the rendezvous
        sock.bind(('127.0.0.1', 0))
        env_port = str(sock.getsockname()[1])
    out = _run([
        'env', f'PORT={env_port}', 'bash', 'tools/dist_train.sh', TEST_CFG,
        '2', '--work-dir', work, '--cfg-options', 'train_cfg.max_iters=2',
        'default_hooks.checkpoint.interval=2'
    ] + _data_opts(embedded_32))
    assert osp.isfile(osp.join(work, 'iter_2.pth')), out[-2000:]
    logs = glob.glob(osp.join(work, '*', '*.log'))
    log = open(logs[0]).read()
    # mmengine's environment block: world size as "GPU number"
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    assert 'Iter(train) [2/2]' in log

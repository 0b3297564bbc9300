# Copyright (c) OpenMMLab. All rights reserved.
"""tools/dist_train.sh and tools/dist_test.sh with the full T-MAD model:
2 CPU processes over gloo, across the phase-1 -> phase-2 boundary."""
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch
from test_resume import write_tiny_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

TEST_PART = """
test_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(type='LoadMask', mask_mode='bbox', mask_config=mask_cfg),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=1, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='BasicImageDataset', data_root='{data_root}',
                 ann_file='meta/val.txt', data_prefix=dict(gt='val'),
                 test_mode=True, pipeline=test_pipeline))
test_cfg = dict(type='MultiTestLoop')
test_evaluator = [dict(type='MAE', mask_key='mask', scaling=100),
                  dict(type='PSNR')]
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


def _run(cmd):
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1',
               PORT=_free_port())
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _weights(work, it, prefix):
    ckpt = torch.load(osp.join(work, f'iter_{it}.pth'), weights_only=False)
    return {k: v for k, v in ckpt['state_dict'].items()
            if k.startswith(prefix + '.') and v.is_floating_point()}


def _changed(work, a, b, prefix):
    wa, wb = _weights(work, a, prefix), _weights(work, b, prefix)
    assert wa, prefix
    return any(not torch.equal(wa[k], wb[k]) for k in wa)


@pytest.mark.slow
def test_dist_train_then_test_full_tmad(tmp_path, embedded_32):
    cfg = write_tiny_config(
        tmp_path / 'tiny.py', embedded_32,
        extra=TEST_PART.format(data_root=embedded_32) + """
train_cfg = dict(max_iters=4)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1, max_keep_ckpts=-1))
""")
    work = str(tmp_path / 'work')
    _run(['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work,
          '--tensorboard'])
    log_dir = sorted(glob.glob(osp.join(work, '2*')))[0]
    log = open(glob.glob(osp.join(log_dir, '*.log'))[0]).read()
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    assert "type='MMSeparateDistributedDataParallel'" in log
    # TMADRankSyncHook broadcast rank 0's weights and buffers and found
    # every tensor bitwise equal on rank 1 (it raises otherwise)
    assert 'rank sync check at iter 4: 2 ranks' in log
    assert 'T-MAD phase 2 (joint training (Eq.10)) begins at iteration 3' \
        in log
    rows = [json.loads(line) for line in open(
        osp.join(log_dir, 'vis_data', 'scalars.json'))]
    assert [r['phase'] for r in rows] == [1, 1, 2, 2]
    assert all('rss_mb' in r and 'generator.lr' in r and 'disc.lr' in r
               for r in rows)
    assert glob.glob(osp.join(log_dir, 'vis_data', 'events.out.tfevents*'))

    # phase 1 (iterations 1-2) trains the coarse net alone; phase 2
    # (iterations 3-4) all of the generator side and the discriminators
    assert _changed(work, 1, 2, 'generator')
    for idle in ('retrieval', 'psnet', 'disc'):
        assert not _changed(work, 1, 2, idle), idle
    for part in ('generator', 'retrieval', 'psnet', 'disc'):
        assert _changed(work, 3, 4, part), part
    assert int(torch.load(osp.join(work, 'iter_4.pth'), weights_only=False)
               ['state_dict']['cur_iter']) == 4

    # resume the 2-process run for 2 more iterations: every rank loads the
    # checkpoint, phase 2 goes on, the ranks still agree at the end
    out = _run(['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work,
                '--resume', '--cfg-options', 'train_cfg.max_iters=6'])
    assert f'Auto resumed from the latest checkpoint {work}/iter_4.pth' in out
    log_dir = sorted(glob.glob(osp.join(work, '2*')))[-1]
    log = open(glob.glob(osp.join(log_dir, '*.log'))[0]).read()
    assert 'T-MAD phase 2 (joint training (Eq.10)) starts at iteration 5' \
        in log
    assert 'rank sync check at iter 6: 2 ranks' in log
    assert 'Iter(train) [6/6]' in log and 'Iter(train) [4/6]' not in log
    assert int(torch.load(osp.join(work, 'iter_6.pth'), weights_only=False)
               ['state_dict']['cur_iter']) == 6

    out = _run(['bash', 'tools/dist_test.sh', cfg,
                osp.join(work, 'iter_6.pth'), '2', '--work-dir', work,
                '--out', str(tmp_path / 'metrics.json')])
    assert 'Load checkpoint from' in out
    metrics = json.load(open(tmp_path / 'metrics.json'))
    assert {'MAE', 'PSNR'} <= set(metrics), metrics


@pytest.mark.parametrize('script', ['slurm_train.sh', 'slurm_test.sh'])
def test_slurm_scripts_compose_srun(tmp_path, script):
    """The srun command line, with a stand-in srun that prints it."""
    fake = tmp_path / 'bin'
    fake.mkdir()
    (fake / 'srun').write_text(
        '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n')
    (fake / 'srun').chmod(0o755)
    env = dict(os.environ, PATH=f'{fake}:{os.environ["PATH"]}', GPUS='4',
               PYTHON='/opt/py/bin/python')
    proc = subprocess.run(
        ['bash', f'tools/{script}', 'gpu_part', 'tmad', 'cfg.py', 'arg4',
         '--cfg-options', 'a=1'],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    args = proc.stdout.split('\n')
    assert args[:2] == ['-p', 'gpu_part']
    # 4 GPUs: 4 tasks on one 4-GPU node (not 8 requested per node)
    for arg in ('--job-name=tmad', '--gres=gpu:4', '--ntasks=4',
                '--ntasks-per-node=4', '/opt/py/bin/python',
                '--launcher=slurm', '--cfg-options', 'a=1'):
        assert arg in args, (arg, args)
    tool = 'train.py' if 'train' in script else 'test.py'
    assert args[args.index('/opt/py/bin/python') + 2].endswith(f'/{tool}')
    assert ('--work-dir=arg4' in args) == (tool == 'train.py')

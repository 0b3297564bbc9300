# Copyright (c) OpenMMLab. All rights reserved.
"""Kill training with SIGKILL, resume with --resume: it goes on as if never
interrupted. Two runs of one seeded config log the same losses."""
import glob
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
MAX_ITERS = 6


def write_tiny_config(path, data_root, extra=''):
    """The tiny T-MAD (coarse_iters=2) on the 32x32 embedded photos."""
    with open(path, 'w') as f:
        f.write(f"""
_base_ = ['{TEST_CFG}']
mask_cfg = dict(max_bbox_shape=(16, 16), max_bbox_delta=8, min_margin=4,
                img_shape=(32, 32))
pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(type='LoadMask', mask_mode='bbox', mask_config=mask_cfg),
    dict(type='Flip', keys=['gt'], direction='horizontal'),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
dataset = dict(data_root='{data_root}', ann_file='meta/train.txt',
               data_prefix=dict(gt='train'), pipeline=pipeline)
train_dataloader = dict(batch_size=2, num_workers=0, dataset=dataset)
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
model = dict(loss_percep=None)
train_cfg = dict(max_iters={MAX_ITERS}, val_interval=1000)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=-1))
custom_hooks = []
randomness = dict(seed=0)
{extra}
""")
    return str(path)


def train_cmd(cfg, work, *args):
    return [sys.executable, 'tools/train.py', cfg, '--work-dir', work, *args]


def run_env():
    return dict(os.environ, OMP_NUM_THREADS='1')


def logged_rows(work):
    """Training rows of every scalars.json of a work dir, by iteration."""
    rows = {}
    for path in sorted(glob.glob(osp.join(work, '*', 'vis_data',
                                          'scalars.json'))):
        for line in open(path):
            row = json.loads(line)
            if 'loss' in row:
                rows[row['iter']] = row
    return rows


LOSS_KEYS = ('loss', 'loss_recon', 'loss_patch_l1', 'loss_pd', 'loss_pd_disc',
             'loss_blend_disc', 'loss_blend_gan', 'loss_blend_tv', 'phase')


@pytest.fixture(scope='module')
def runs(tmp_path_factory, embedded_32):
    """An uninterrupted run, a run killed after its first checkpoint, and
    its resumption."""
    tmp = tmp_path_factory.mktemp('resume')
    cfg = write_tiny_config(tmp / 'tiny.py', embedded_32)
    ref = str(tmp / 'ref')
    proc = subprocess.run(
        train_cmd(cfg, ref), cwd=ROOT, env=run_env(), capture_output=True,
        text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]

    killed = str(tmp / 'killed')
    proc = subprocess.Popen(
        train_cmd(cfg, killed), cwd=ROOT, env=run_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pointer = osp.join(killed, 'last_checkpoint')
    deadline = time.time() + 300
    while not osp.isfile(pointer) and proc.poll() is None \
            and time.time() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    killed_rows = logged_rows(killed)
    resumed_from = open(pointer).read().strip()

    proc = subprocess.run(
        train_cmd(cfg, killed, '--resume'), cwd=ROOT, env=run_env(),
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(
        ref=ref, killed=killed, killed_rows=killed_rows,
        resumed_from=resumed_from, resume_out=proc.stdout + proc.stderr)


@pytest.mark.slow
def test_same_seed_same_losses(runs):
    """Determinism on CPU: the killed run, up to its kill, is a second run
    of the same seeded config; every logged loss is bitwise equal."""
    ref = logged_rows(runs['ref'])
    again = runs['killed_rows']
    assert sorted(ref) == list(range(1, MAX_ITERS + 1))
    assert len(again) >= 2, again  # at least up to the first checkpoint
    for it, row in again.items():
        for key in LOSS_KEYS:
            if key in ref[it]:
                assert row[key] == ref[it][key], (it, key)


@pytest.mark.slow
def test_resume_after_sigkill_continues_as_uninterrupted(runs):
    ckpt = runs['resumed_from']
    start = int(osp.basename(ckpt)[len('iter_'):-len('.pth')])
    assert start < MAX_ITERS, 'the run ended before the kill'
    print(f'killed after iteration {max(runs["killed_rows"])}, resumed '
          f'from {osp.basename(ckpt)}')
    assert f'Auto resumed from the latest checkpoint {ckpt}' in \
        runs['resume_out']
    assert f'Advance dataloader {start} steps' in runs['resume_out']
    ref_rows = logged_rows(runs['ref'])
    rows = logged_rows(runs['killed'])
    # the resumed run logs iterations start+1 .. MAX_ITERS
    assert sorted(rows) == list(range(1, MAX_ITERS + 1))
    for it in range(start + 1, MAX_ITERS + 1):
        for key in LOSS_KEYS:
            assert (key in rows[it]) == (key in ref_rows[it]), (it, key)
            if key in ref_rows[it]:
                assert rows[it][key] == pytest.approx(
                    ref_rows[it][key], rel=1e-5, abs=1e-6), (it, key)
    # phase 2 is reached after the coarse iterations in both
    assert [rows[i]['phase'] for i in sorted(rows)] == \
        [ref_rows[i]['phase'] for i in sorted(ref_rows)]

    # the final checkpoints agree: iteration, phase buffer, weights, the
    # memory's random state, optimiser moments and steps, schedulers
    def load(work):
        return torch.load(
            osp.join(work, f'iter_{MAX_ITERS}.pth'), weights_only=False)

    a, b = load(runs['ref']), load(runs['killed'])
    assert a['meta']['iter'] == b['meta']['iter'] == MAX_ITERS
    assert int(b['state_dict']['cur_iter']) == MAX_ITERS
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        torch.testing.assert_close(
            b['state_dict'][key], value, rtol=1e-5, atol=1e-6, msg=key)
    for name in ('generator', 'disc'):
        sa = a['optimizer'][name]['state']
        sb = b['optimizer'][name]['state']
        assert sa.keys() == sb.keys() and len(sa) > 0
        for idx in sa:
            for key in sa[idx]:
                torch.testing.assert_close(
                    sb[idx][key], sa[idx][key], rtol=1e-5, atol=1e-7)
    assert a['param_schedulers'] == b['param_schedulers']


@pytest.mark.slow
def test_resume_of_a_finetune_goes_on_from_its_work_dir(runs, tmp_path,
                                                        embedded_32):
    """A fine-tune config's ``load_from`` names published weights (no
    training state): ``--resume`` starts from them while the work dir has
    no checkpoint, and goes on from the work dir's latest one after."""
    src = torch.load(osp.join(runs['ref'], 'iter_2.pth'), weights_only=False)
    published = str(tmp_path / 'published.pth')
    torch.save(dict(meta=dict(iter=2), state_dict=src['state_dict']),
               published)
    cfg = write_tiny_config(
        tmp_path / 'finetune.py', embedded_32,
        extra=f"load_from = '{published}'\n"
        'train_cfg = dict(max_iters=2)\n')
    work = str(tmp_path / 'work')

    def train(*args):
        proc = subprocess.run(
            train_cmd(cfg, work, '--resume', *args), cwd=ROOT, env=run_env(),
            capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout + proc.stderr

    out = train()  # killed before its first checkpoint: a fresh start
    assert f'starting from the weights of {published}' in out
    assert f'Load checkpoint from {published}' in out
    out = train('--cfg-options', 'train_cfg.max_iters=4')
    first = osp.join(work, 'iter_2.pth')
    assert f'Auto resumed from the latest checkpoint {first}' in out
    assert 'Advance dataloader 2 steps' in out
    last = torch.load(osp.join(work, 'iter_4.pth'), weights_only=False)
    assert last['meta']['iter'] == 4
    # a training checkpoint as load_from is resumed from, as in mmengine
    second = osp.join(work, 'iter_4.pth')
    out = train('--cfg-options', f'load_from={second}',
                'train_cfg.max_iters=6')
    assert 'resumed epoch: 0, iter: 4' in out
    assert 'holds weights only' not in out

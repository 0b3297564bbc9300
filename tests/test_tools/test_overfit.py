# Copyright (c) OpenMMLab. All rights reserved.
"""tools/train.py overfits one real photo: losses fall, hole PSNR rises."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import skimage.data

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')


def _one_photo_folder(root):
    """astronaut.png at 64x64 with one fixed rectangular hole."""
    os.makedirs(osp.join(root, 'masks'))
    img = cv2.resize(skimage.data.astronaut()[..., ::-1], (64, 64),
                     interpolation=cv2.INTER_AREA)
    cv2.imwrite(osp.join(root, 'astronaut.png'), img)
    mask = np.zeros((64, 64), np.uint8)
    mask[16:40, 20:44] = 255
    cv2.imwrite(osp.join(root, 'masks', 'astronaut.png'), mask)
    with open(osp.join(root, 'list.txt'), 'w') as f:
        f.write('astronaut.png\n')


@pytest.mark.slow
def test_train_overfits_one_photo(tmp_path):
    data = str(tmp_path / 'photo')
    _one_photo_folder(data)
    # a user's config: the tiny model on a folder with file masks
    cfg = tmp_path / 'overfit.py'
    cfg.write_text(f"""
_base_ = ['{TEST_CFG}']
pipeline = [
    dict(type='LoadImageFromFile', key='gt'),
    dict(type='LoadMask', mask_mode='file', mask_config=dict()),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
dataset = dict(data_root='{data}', ann_file='list.txt',
               data_prefix=dict(gt='', mask='masks'), pipeline=pipeline)
train_dataloader = dict(batch_size=2, num_workers=0, dataset=dataset)
val_dataloader = dict(num_workers=0, dataset=dataset)
test_dataloader = val_dataloader
# PSNet as a correction of the coarse patch (residual=True), as the demo
model = dict(loss_percep=None, psnet=dict(residual=True),
             train_cfg=dict(coarse_iters=60))
optim_wrapper = dict(generator=dict(optimizer=dict(lr=5e-4)),
                     disc=dict(optimizer=dict(lr=5e-4)))
train_cfg = dict(max_iters=180, val_interval=30)
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=1000))
custom_hooks = []
randomness = dict(seed=0)
""")
    work = str(tmp_path / 'work')
    cmd = [sys.executable, 'tools/train.py', str(cfg), '--work-dir', work]
    env = dict(os.environ, OMP_NUM_THREADS='2')
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    scalars = glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json'))
    rows = [json.loads(line) for line in open(scalars[0])]
    train = [r for r in rows if 'loss_recon' in r]
    val = [r for r in rows if 'PSNR' in r]
    print("val PSNR, MAE:", [(round(r["PSNR"], 2), round(r["MAE"], 2)) for r in val])
    print("loss_recon:", train[0]["loss_recon"], "->", train[-1]["loss_recon"])
    assert len(val) == 6, rows
    first, last = train[0], train[-1]
    assert last['loss_recon'] < 0.7 * first['loss_recon'], (first, last)
    joint = [r['loss_patch_l1'] for r in train if 'loss_patch_l1' in r]
    print('loss_patch_l1:', [round(v, 3) for v in joint])
    third = len(joint) // 3
    assert np.mean(joint[-third:]) < np.mean(joint[:third]), joint
    # valid pixels are exact, so PSNR over the image moves with the hole's;
    # the first evaluation is after 30 iterations
    assert val[-1]['PSNR'] > val[0]['PSNR'], val
    assert val[-1]['MAE'] < val[0]['MAE'], val

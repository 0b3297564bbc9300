# Recipe ablation (phase 1, the coarse net alone) against
# tmad_prior-telea_1xb4_photos-256x256.py: 300 iterations at batch 4 on the
# photo collection, one cosine cycle from lr 2e-4, Telea fill prior, all
# else as shipped. This file changes one choice: the width of
# the coarse net, channel factor c = 8 instead of the paper's 16 (about a
# quarter of its parameters and FLOPs).
# The protocol lines repeat (base depth <= 3); a test checks that the file
# differs from the reference in that choice only. Results and the command:
# configs/tmad/README.md.
_base_ = ['../tmad_telea_1xb4_photos-256x256.py']

experiment_name = 'tmad_recipe-c8_1xb4_photos-256x256'
work_dir = f'./work_dirs/{experiment_name}'
iters = 300
model = dict(
    texture_synthesis=None,  # measured on the networks' output
    encdec=dict(channel_factor=8), train_cfg=dict(coarse_iters=iters))
train_cfg = dict(max_iters=iters, val_interval=100000)
param_scheduler = dict(periods=[iters], restart_weights=[1.])
default_hooks = dict(checkpoint=dict(interval=iters, max_keep_ckpts=1))

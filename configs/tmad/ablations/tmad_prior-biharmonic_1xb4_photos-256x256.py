# Recipe ablation of the fill prior (the shipped config's first choice): the
# coarse net alone (phase 1), 300 iterations at batch 4 on the photo
# collection, one cosine cycle from lr 2e-4, everything else as shipped.
# Fill prior of the coarse net's input: scikit-image's biharmonic fill
# (BiharmonicInpaintor), smooth values and gradients across the hole.
# The other files of the set differ only in `fill_prior`; results and the
# command: configs/tmad/README.md.
_base_ = ['../tmad_telea_1xb4_photos-256x256.py']

experiment_name = 'tmad_prior-biharmonic_1xb4_photos-256x256'
work_dir = f'./work_dirs/{experiment_name}'
iters = 300
model = dict(
    texture_synthesis=None,  # measured on the networks' output
    encdec=dict(fill_prior='biharmonic'), train_cfg=dict(coarse_iters=iters))
train_cfg = dict(max_iters=iters, val_interval=100000)
param_scheduler = dict(periods=[iters], restart_weights=[1.])
default_hooks = dict(checkpoint=dict(interval=iters, max_keep_ckpts=1))

# The control of tmad_biharmonic_1xb4_photos-256x256: the same 600-iteration
# fine-tune of the shipped coarse net (its weights, Adam 1e-4 in one cosine
# cycle to 1e-5, seed 1), with the shipped Telea fill prior kept. It tells
# the biharmonic entry's gain from its prior apart from its 24 extra
# minutes of training: held out, these weights are level with the shipped
# ones on every column (configs/tmad/README.md, "Biharmonic fill prior").
# The lines below are tmad_biharmonic_1xb4_photos-256x256's without the
# prior (the base depth rule keeps it from being the base;
# tests/test_configs.py checks the two differ in the prior only).
# 22 min on an idle 2-core AVX2 CPU (median 2.16 s per logged iteration).
# Its weights are not shipped.
_base_ = ['../tmad_telea_1xb4_photos-256x256.py']

experiment_name = 'tmad_longer-2600it_1xb4_photos-256x256'
work_dir = f'./work_dirs/{experiment_name}'
load_from = ('checkpoints/'
             'tmad_telea_1xb4_photos-256x256_20261130-277f66e7.pth')
more_iters = 600

model = dict(train_cfg=dict(coarse_iters=2000 + more_iters))
optim_wrapper = dict(generator=dict(optimizer=dict(lr=1e-4)))
train_cfg = dict(max_iters=more_iters, val_interval=100000)
param_scheduler = dict(
    periods=[more_iters], restart_weights=[1.], eta_min=1e-5)
default_hooks = dict(checkpoint=dict(interval=300, max_keep_ckpts=3))
randomness = dict(seed=1)

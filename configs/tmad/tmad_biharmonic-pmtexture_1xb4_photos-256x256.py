# tmad_biharmonic_1xb4_photos-256x256, texture first: the same weights, its
# test-time texture synthesis started from the networks' low frequencies
# plus the high frequencies of a PatchMatch fill
# (TMADTextureSynthesis(guide='patchmatch'), sigma 4 px; not in the paper),
# as tmad_telea-pmtexture_1xb4_photos-256x256 does for the Telea-prior
# weights: configs/tmad/README.md, "Biharmonic fill prior". The lines
# below but the guide are tmad_biharmonic_1xb4_photos-256x256's (the base
# depth rule keeps it from being the base; tests/test_configs.py checks the
# two configs differ in the guide only).
_base_ = ['./tmad_telea_1xb4_photos-256x256.py']

experiment_name = 'tmad_biharmonic-pmtexture_1xb4_photos-256x256'
work_dir = f'./work_dirs/{experiment_name}'
load_from = ('checkpoints/'
             'tmad_telea_1xb4_photos-256x256_20261130-277f66e7.pth')
more_iters = 600

model = dict(
    encdec=dict(fill_prior='biharmonic'),
    texture_synthesis=dict(guide='patchmatch', guide_sigma=4.),
    train_cfg=dict(coarse_iters=2000 + more_iters))
optim_wrapper = dict(generator=dict(optimizer=dict(lr=1e-4)))
train_cfg = dict(max_iters=more_iters, val_interval=100000)
param_scheduler = dict(
    periods=[more_iters], restart_weights=[1.], eta_min=1e-5)
default_hooks = dict(checkpoint=dict(interval=300, max_keep_ckpts=3))
randomness = dict(seed=1)

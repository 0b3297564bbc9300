# The README's main job: full T-MAD on the embedded real photos at 128x128,
# trained on 2 CPU cores in about 6 minutes (tools/demo.py). Scaled from the
# paper's 256x256 set-up: k_p = 16 (paper: 32 at 256), holes up to 64x64
# (paper: 128x128), memory stride k_p/2. Demo-sized: base width 8 (paper:
# 16), N_ps = 8, narrower discriminators; the coarse net predicts a
# correction of a mean-colour fill (fill_prior='mean') and PSNet one of the
# coarse patch (residual=True), where the paper's networks output the image
# and the patch directly: training then starts from the naive fill and the
# coarse result, and learns within minutes. The perceptual loss is off: its
# VGG-19 weights are not shipped.
_base_ = [
    '../_base_/models/base_tmad.py', '../_base_/tmad_runtime.py',
    '../_base_/datasets/embedded_photos.py'
]

experiment_name = 'tmad_demo_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (128, 128)
patch_size = 16
# fixed evaluation masks: tools/dataset_converters/make_fixed_masks.py
#   --size 128 --kinds rect  (tools/demo.py makes them)
mask_root = 'data/masks/v1_128_s0'
coarse_iters = 600
max_iters = 960

model = dict(
    encdec=dict(channel_factor=8, fill_prior='mean'),
    texture_memory=dict(patch_size=patch_size, stride=8, num_pool=64),
    retrieval=dict(feat_channels=8),
    psnet=dict(
        patch_size=patch_size,
        channel_factor=8,
        tex_channel_factor=8,
        residual=True),
    disc=dict(
        patch_disc=dict(channel_factor=8),
        global_disc=dict(max_channels=64)),
    loss_percep=None,
    train_cfg=dict(coarse_iters=coarse_iters, num_patches=8))

train_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(
        type='LoadMask',
        mask_mode='bbox',
        mask_config=dict(
            max_bbox_shape=(64, 64),
            max_bbox_delta=48,
            min_margin=0,
            img_shape=input_shape)),
    dict(type='Flip', keys=['gt'], direction='horizontal'),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(type='TMADLoadFixedMask', mask_list=f'{mask_root}/rect/list.txt'),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=4, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    generator=dict(optimizer=dict(lr=2e-4)),
    disc=dict(optimizer=dict(lr=2e-4)))
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = dict(
    periods=[coarse_iters, max_iters - coarse_iters],
    restart_weights=[1., 0.5])

default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=max_iters))
custom_hooks = []
# seeded, so that a run repeats on one machine (other CPUs give other floats)
randomness = dict(seed=0)

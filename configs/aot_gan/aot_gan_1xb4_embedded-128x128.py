# mmagic's AOT-GAN (AOT blocks, soft-mask PatchGAN, L1 + SM-GAN losses and
# optimisers unchanged) in the CPU comparison with T-MAD's demo: the
# embedded real photos at 128x128, batch 4, the training holes, fixed
# evaluation masks, metrics and schedule length of
# configs/tmad/tmad_demo_1xb4_embedded-128x128.py (tests/test_baselines
# checks they match). The perceptual and style losses are off, as in the
# T-MAD demo: the VGG-19 weights are not shipped (configs/aot_gan/
# aot_gan_4xb4_places-256x256.py has them, from a local file).
# mmagic ships no AOT-GAN model base: the model and optimisers below are
# those of mmagic's aot-gan_smpgan_4xb4_places-512x512.py, less the VGG loss.
_base_ = [
    'mmagic::_base_/inpaint_default_runtime.py',
    '../_base_/datasets/embedded_photos.py'
]

custom_imports = dict(imports=['mmedit_tmad'], allow_failed_imports=False)

experiment_name = 'aot_gan_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (128, 128)
# fixed evaluation masks: tools/dataset_converters/make_fixed_masks.py
#   --size 128 --kinds rect  (tools/demo.py makes them)
mask_root = 'data/masks/v1_128_s0'
max_iters = 960

model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')
model = dict(
    type='AOTInpaintor',
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[127.5], std=[127.5]),
    encdec=dict(
        type='AOTEncoderDecoder',
        encoder=dict(type='AOTEncoder'),
        decoder=dict(type='AOTDecoder'),
        dilation_neck=dict(
            type='AOTBlockNeck', dilation_rates=(1, 2, 4, 8),
            num_aotblock=8)),
    disc=dict(
        type='AOTSoftMaskPatchDiscriminator',
        in_channels=3,
        base_channels=64,
        num_conv=3,
        with_spectral_norm=True),
    loss_gan=dict(type='GANLoss', gan_type='smgan', loss_weight=0.01),
    loss_composed_percep=None,
    loss_out_percep=False,
    loss_l1_valid=dict(type='L1Loss', loss_weight=1.),
    train_cfg=dict(disc_step=1, start_iter=0))
optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=0.0001, betas=(0.0, 0.9))),
    disc=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=0.0001, betas=(0.0, 0.9))))

train_pipeline = [
    dict(type='LoadImageFromFile', key='gt'),
    dict(
        type='LoadMask',
        mask_mode='bbox',
        mask_config=dict(
            max_bbox_shape=(64, 64),
            max_bbox_delta=48,
            min_margin=0,
            img_shape=input_shape)),
    dict(type='Flip', keys=['gt'], direction='horizontal'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', key='gt'),
    dict(type='TMADLoadFixedMask', mask_list=f'{mask_root}/rect/list.txt'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=4, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='MultiValLoop')
test_cfg = dict(type='MultiTestLoop')

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(
        _delete_=True,
        type='CheckpointHook',
        interval=max_iters,
        by_epoch=False,
        max_keep_ckpts=3,
        save_last=True))
custom_hooks = []

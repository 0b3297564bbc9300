# mmagic's AOT-GAN in the CPU comparison with T-MAD's demo: everything but
# the model and optimisers is inherited from
# configs/tmad/tmad_demo_1xb4_embedded-128x128.py (the embedded real photos
# at 128x128, batch 4, training holes, fixed evaluation masks, metrics,
# schedule length, runtime). Model, losses and optimisers are mmagic's
# (tests/test_baselines compares them), with the perceptual and style
# losses off as in the T-MAD demo (the VGG-19 weights are not shipped;
# aot_gan_4xb4_places-256x256.py has them, from a local file) and
# AOTSoftMaskPatchDiscriminator for mmagic's disc (mmagic 1.2's init stops
# tools/train.py with UnboundLocalError).
_base_ = ['../tmad/tmad_demo_1xb4_embedded-128x128.py']

experiment_name = 'aot_gan_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    _delete_=True,
    type='AOTInpaintor',
    data_preprocessor=dict(
        type='DataPreprocessor',
        mean=[127.5],
        std=[127.5],
    ),
    encdec=dict(
        type='AOTEncoderDecoder',
        encoder=dict(type='AOTEncoder'),
        decoder=dict(type='AOTDecoder'),
        dilation_neck=dict(
            type='AOTBlockNeck', dilation_rates=(1, 2, 4, 8), num_aotblock=8)),
    disc=dict(
        # mmagic's SoftMaskPatchDiscriminator, init fixed for the runner
        type='AOTSoftMaskPatchDiscriminator',
        in_channels=3,
        base_channels=64,
        num_conv=3,
        with_spectral_norm=True,
    ),
    loss_gan=dict(
        type='GANLoss',
        gan_type='smgan',
        loss_weight=0.01,
    ),
    # off: the VGG-19 weights are not shipped (as the T-MAD demo)
    loss_composed_percep=None,
    loss_out_percep=False,
    loss_l1_valid=dict(
        type='L1Loss',
        loss_weight=1.,
    ),
    train_cfg=dict(
        disc_step=1,
        start_iter=0,
    ))

optim_wrapper = dict(
    _delete_=True,
    constructor='MultiOptimWrapperConstructor',
    generator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=0.0001, betas=(0.0, 0.9))),
    disc=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=0.0001, betas=(0.0, 0.9))))

# mmagic: a fixed learning rate (T-MAD's cosine restarts removed)
param_scheduler = []

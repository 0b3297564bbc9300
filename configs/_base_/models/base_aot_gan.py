# mmagic's AOT-GAN as in mmagic's aot-gan_smpgan_4xb4_places-512x512.py
# (tests/test_baselines compares them) but for two plugin classes
# (AOTSoftMaskPatchDiscriminator, AOTPerceptualLoss: VGG-19 from a local
# file), under names that do not clash with the setting config a baseline
# config inherits its data from:
#   model = dict(_delete_=True, **_base_.aot_gan_model)
aot_gan_model = dict(
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
    loss_composed_percep=dict(
        # mmagic's PerceptualLoss with VGG-19 from `vgg_weights`
        type='AOTPerceptualLoss',
        # torchvision's file, https://download.pytorch.org/models/
        vgg_weights='data/pretrained/vgg19-dcbb9e9d.pth',
        vgg_type='vgg19',
        layer_weights={
            '1': 1.,
            '6': 1.,
            '11': 1.,
            '20': 1.,
            '29': 1.,
        },
        layer_weights_style={
            '8': 1.,
            '17': 1.,
            '26': 1.,
            '31': 1.,
        },
        perceptual_weight=0.1,
        style_weight=250),
    loss_out_percep=True,
    loss_l1_valid=dict(
        type='L1Loss',
        loss_weight=1.,
    ),
    train_cfg=dict(
        disc_step=1,
        start_iter=0,
    ))

aot_gan_optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=0.0001, betas=(0.0, 0.9))),
    disc=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=0.0001, betas=(0.0, 0.9))))

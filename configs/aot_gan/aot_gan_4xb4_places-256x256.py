# mmagic's AOT-GAN (AOT blocks, soft-mask PatchGAN, L1 + perceptual +
# style + SM-GAN losses) on the T-MAD Places365 setting at 256x256:
# everything but the model, optimisers and schedule length is inherited from
# configs/tmad/tmad_4xb4_places-256x256.py (data, training holes, fixed
# evaluation masks, metrics, runtime), so tools/test.py rows compare with
# T-MAD's. Model, losses, optimisers and max_iters are mmagic's
# aot-gan_smpgan_4xb4_places-512x512.py (tests/test_baselines compares
# them) but for two plugin classes: AOTSoftMaskPatchDiscriminator (mmagic's
# disc; mmagic 1.2's init stops tools/train.py with UnboundLocalError) and
# AOTPerceptualLoss (mmagic's loss, VGG-19 read from `vgg_weights`, nothing
# downloaded: put https://download.pytorch.org/models/vgg19-dcbb9e9d.pth
# there). Deviations from mmagic's config: 256x256 (mmagic: 512),
# random rectangles (mmagic: PConv mask files, rotated) and T-MAD's
# crop/flip augmentation (mmagic: random resized crop, colour jitter);
# images load as BGR like every other method, the perceptual loss flips
# them to RGB for VGG.
_base_ = ['../tmad/tmad_4xb4_places-256x256.py']

experiment_name = 'aot_gan_4xb4_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'
vgg_weights = 'data/pretrained/vgg19-dcbb9e9d.pth'

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
    loss_composed_percep=dict(
        # mmagic's PerceptualLoss with VGG-19 from `vgg_weights`
        type='AOTPerceptualLoss',
        vgg_weights=vgg_weights,
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
train_cfg = dict(max_iters=500002, val_interval=50000)

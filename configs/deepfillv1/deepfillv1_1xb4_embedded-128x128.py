# mmagic's DeepFillv1 in the CPU comparison with T-MAD's demo: everything
# but the model and optimisers is inherited from
# configs/tmad/tmad_demo_1xb4_embedded-128x128.py (the embedded real photos
# at 128x128, batch 4, training holes, fixed evaluation masks, metrics,
# schedule length, runtime). Model, losses and optimisers are mmagic's
# (tests/test_baselines compares them) with the sizes that depend on the
# resolution adapted to 128x128, layers unchanged: the global critic's
# linear layer takes 256 x 8 x 8, the local critic sees 64x64 crops around
# the hole (512 x 4 x 4). The contextual attention runs on the 32x32
# feature map; DeepFill's dilated reflect-padded convs need at least
# 128x128 inputs.
_base_ = ['../tmad/tmad_demo_1xb4_embedded-128x128.py']

experiment_name = 'deepfillv1_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    _delete_=True,
    type='DeepFillv1Inpaintor',
    data_preprocessor=dict(
        type='DataPreprocessor',
        mean=[127.5],
        std=[127.5],
    ),
    encdec=dict(
        type='DeepFillEncoderDecoder',
        stage1=dict(
            type='GLEncoderDecoder',
            encoder=dict(type='DeepFillEncoder', padding_mode='reflect'),
            decoder=dict(
                type='DeepFillDecoder',
                in_channels=128,
                padding_mode='reflect'),
            dilation_neck=dict(
                type='GLDilationNeck',
                in_channels=128,
                act_cfg=dict(type='ELU'),
                padding_mode='reflect')),
        stage2=dict(
            type='DeepFillRefiner',
            encoder_attention=dict(
                type='DeepFillEncoder',
                encoder_type='stage2_attention',
                padding_mode='reflect'),
            encoder_conv=dict(
                type='DeepFillEncoder',
                encoder_type='stage2_conv',
                padding_mode='reflect'),
            dilation_neck=dict(
                type='GLDilationNeck',
                in_channels=128,
                act_cfg=dict(type='ELU'),
                padding_mode='reflect'),
            contextual_attention=dict(
                type='ContextualAttentionNeck',
                in_channels=128,
                padding_mode='reflect'),
            decoder=dict(
                type='DeepFillDecoder',
                in_channels=256,
                padding_mode='reflect'))),
    disc=dict(
        type='DeepFillv1Discriminators',
        global_disc_cfg=dict(
            type='MultiLayerDiscriminator',
            in_channels=3,
            max_channels=256,
            fc_in_channels=256 * 8 * 8,  # mmagic: 256 * 16 * 16 at 256x256
            fc_out_channels=1,
            num_convs=4,
            norm_cfg=None,
            act_cfg=dict(type='ELU'),
            out_act_cfg=dict(type='LeakyReLU', negative_slope=0.2)),
        local_disc_cfg=dict(
            type='MultiLayerDiscriminator',
            in_channels=3,
            max_channels=512,
            fc_in_channels=512 * 4 * 4,  # mmagic: 512 * 8 * 8 (128x128 crops)
            fc_out_channels=1,
            num_convs=4,
            norm_cfg=None,
            act_cfg=dict(type='ELU'),
            out_act_cfg=dict(type='LeakyReLU', negative_slope=0.2))),
    stage1_loss_type=('loss_l1_hole', 'loss_l1_valid'),
    stage2_loss_type=('loss_l1_hole', 'loss_l1_valid', 'loss_gan'),
    loss_gan=dict(
        type='GANLoss',
        gan_type='wgan',
        loss_weight=0.0001,
    ),
    loss_l1_hole=dict(
        type='L1Loss',
        loss_weight=1.0,
    ),
    loss_l1_valid=dict(
        type='L1Loss',
        loss_weight=1.0,
    ),
    loss_gp=dict(type='GradientPenaltyLoss', loss_weight=10.),
    loss_disc_shift=dict(type='DiscShiftLoss', loss_weight=0.001),
    # mmagic's deepfillv1_8xb2_places-256x256.py, local critic on 64x64
    # crops (the largest training hole; mmagic: 128x128)
    train_cfg=dict(disc_step=5, start_iter=0, local_size=(64, 64)))

optim_wrapper = dict(
    _delete_=True,
    constructor='MultiOptimWrapperConstructor',
    generator=dict(
        type='OptimWrapper', optimizer=dict(type='Adam', lr=0.0001)),
    disc=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=0.0001)))

# mmagic: a fixed learning rate (T-MAD's cosine restarts removed)
param_scheduler = []

# DeepFillv1's local critic crops local_size around the training hole; the
# crop must stay inside the image, as mmagic's own config ensures with
# min_margin=20 for its 88-128 px holes in 128 px crops. Here holes are
# 16-64 px and crops 64 px: a margin of (64 - 16) / 2 = 24 px (with 0, as in
# the T-MAD demo, one draw in six puts the crop across the border and
# training stops on a size mismatch). Test holes are T-MAD's fixed masks.
train_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(
        type='LoadMask',
        mask_mode='bbox',
        mask_config=dict(
            max_bbox_shape=(64, 64),
            max_bbox_delta=48,
            min_margin=24,
            img_shape=(128, 128))),
    dict(type='Flip', keys=['gt'], direction='horizontal'),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

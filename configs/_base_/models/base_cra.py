# CRA (Yi et al., CVPR 2020; mmedit_tmad/models/editors/cra) as the authors'
# code trains it, sized for 256x256 images (the network at 128x128), under
# names that do not clash with the setting config a baseline config inherits
# its data from:  model = dict(_delete_=True, **_base_.cra_model)
cra_model = dict(
    type='CRAInpaintor',
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[127.5], std=[127.5]),
    encdec=dict(
        type='CRAGenerator', coarse_channels=32, channels=32, num_down=3),
    # the authors' critic: 6 convs 5x5 stride 2 (64-128-256-256-256-256),
    # leaky ReLU, a linear layer
    disc=dict(
        type='MultiLayerDiscriminator',
        in_channels=3,
        max_channels=256,
        num_convs=6,
        # a 128x128 network input (256x256 images at scale_factor 2)
        fc_in_channels=256 * 2 * 2,
        fc_out_channels=1,
        norm_cfg=None,
        act_cfg=dict(type='LeakyReLU', negative_slope=0.2),
        out_act_cfg=dict(type='LeakyReLU', negative_slope=0.2)),
    loss_gan=dict(type='GANLoss', gan_type='wgan', loss_weight=0.001),
    loss_gp=dict(type='GradientPenaltyLoss', loss_weight=10.),
    loss_l1_hole=dict(type='L1Loss', loss_weight=1.2),
    loss_l1_valid=dict(type='L1Loss', loss_weight=1.2),
    aggregation=dict(type='CRAResidualAggregation'),
    scale_factor=2,
    coarse_weight=1.2,
    # the authors' trainer: 3 critic updates per generator update
    train_cfg=dict(disc_step=3))

cra_optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.5, 0.9))),
    disc=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.5, 0.9))))

# CRA (Yi et al., CVPR 2020; mmedit_tmad/models/editors/cra) in the CPU
# comparison with T-MAD's demo: the embedded real photos at 128x128, batch 4,
# the training holes, fixed evaluation masks, metrics and schedule length of
# configs/tmad/tmad_demo_1xb4_embedded-128x128.py (inherited from that config).
# Model, losses and optimisers as cra_4xb4_places-256x256.py, sizes scaled: the
# generator works at 64x64 (scale_factor 2) with num_down 2 (bottleneck 16x16,
# attention on an 8x8 grid, 16x16-pixel cells at 128x128; num_down 3 would
# leave a 4x4 grid in which the dilated context mask of a 64x64 hole covers
# every cell), the critic's linear layer takes 256 x 1 x 1.
_base_ = ['../tmad/tmad_demo_1xb4_embedded-128x128.py']

experiment_name = 'cra_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (128, 128)
scale_factor = 2
net_size = input_shape[0] // scale_factor
model = dict(
    _delete_=True,
    type='CRAInpaintor',
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[127.5], std=[127.5]),
    encdec=dict(
        type='CRAGenerator', coarse_channels=32, channels=32, num_down=2),
    # the authors' critic: 6 convs 5x5 stride 2 (64-128-256-256-256-256),
    # leaky ReLU, a linear layer
    disc=dict(
        type='MultiLayerDiscriminator',
        in_channels=3,
        max_channels=256,
        num_convs=6,
        fc_in_channels=256 * (net_size // 64)**2,
        fc_out_channels=1,
        norm_cfg=None,
        act_cfg=dict(type='LeakyReLU', negative_slope=0.2),
        out_act_cfg=dict(type='LeakyReLU', negative_slope=0.2)),
    loss_gan=dict(type='GANLoss', gan_type='wgan', loss_weight=0.001),
    loss_gp=dict(type='GradientPenaltyLoss', loss_weight=10.),
    loss_l1_hole=dict(type='L1Loss', loss_weight=1.2),
    loss_l1_valid=dict(type='L1Loss', loss_weight=1.2),
    aggregation=dict(type='CRAResidualAggregation'),
    scale_factor=scale_factor,
    coarse_weight=1.2,
    # the authors' trainer: 3 critic updates per generator update
    train_cfg=dict(disc_step=3))

optim_wrapper = dict(
    _delete_=True,
    constructor='MultiOptimWrapperConstructor',
    generator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.5, 0.9))),
    disc=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.5, 0.9))))

# a fixed learning rate (T-MAD's cosine restarts removed)
param_scheduler = []

# CRA, Contextual Residual Aggregation (Yi et al., CVPR 2020; our PyTorch
# implementation, mmedit_tmad/models/editors/cra) on the T-MAD Places365
# setting: the data, training holes, fixed evaluation masks and metrics of
# configs/tmad/tmad_4xb4_places-256x256.py (inherited from that config). The
# generator works at 128x128 (scale_factor 2; the authors: 512 for ultra high-
# resolution images) with its attention on an 8x8 grid (num_down 3 as the
# authors, grid = size / 16); the residuals of the 256x256 image are aggregated
# with it at test time. Losses and critic as the authors' code: L1 (x1.2,
# coarse x1.2 more), WGAN-GP (0.001, GP 10), a 6-conv critic, 3 critic steps
# per generator step; Adam 1e-4 (beta 0.5, 0.9).
_base_ = ['../tmad/tmad_4xb4_places-256x256.py']

experiment_name = 'cra_4xb4_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (256, 256)
scale_factor = 2
net_size = input_shape[0] // scale_factor
model = dict(
    _delete_=True,
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
# the authors' MAX_ITERS
train_cfg = dict(max_iters=300000, val_interval=50000)

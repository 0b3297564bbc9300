# The primitive T-MAD model (paper Fig.2, Tab.I-II) at 256x256 with
# k_p = 32, its optimisers and its schedule's shape. Dataset configs set the
# hole type (lambda_hole / lambda_valid, memory selection), max_iters,
# model.train_cfg.coarse_iters and param_scheduler.periods.

# torchvision's VGG-19 weights for the perceptual loss; nothing is downloaded:
# put https://download.pytorch.org/models/vgg19-dcbb9e9d.pth here.
vgg_weights = 'data/pretrained/vgg19-dcbb9e9d.pth'
patch_size = 32
num_candidates = 4
lrelu = dict(type='LeakyReLU', negative_slope=0.2)

model = dict(
    type='TMADInpaintor',
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[127.5], std=[127.5]),
    encdec=dict(
        type='TMADCoarseNet', channel_factor=16, num_res_blocks=8,
        dilation=2),
    texture_memory=dict(
        type='TMADTextureMemory',
        patch_size=patch_size,
        stride=patch_size // 2,
        num_pool=100,
        select='random'),
    retrieval=dict(
        type='TMADTextureRetrieval',
        feat_channels=16,
        num_candidates=num_candidates,
        mode='topk'),
    psnet=dict(
        type='TMADPSNet',
        patch_size=patch_size,
        num_candidates=num_candidates,
        channel_factor=16,
        tex_channel_factor=16),
    disc=dict(
        type='TMADDiscriminators',
        patch_disc=dict(type='TMADPatchDiscriminator', channel_factor=16),
        # global patch discriminator [32] of the blending loss: SN-PatchGAN
        # as mmagic's DeepFillv2 (on RGB, without the mask channel)
        global_disc=dict(
            type='MultiLayerDiscriminator',
            in_channels=3,
            max_channels=256,
            fc_in_channels=None,
            num_convs=6,
            norm_cfg=None,
            act_cfg=lrelu,
            out_act_cfg=lrelu,
            with_spectral_norm=True)),
    # Eq.1 (rectangular holes: 5 / 0; free-form: 6 / 1)
    loss_recon=dict(type='TMADReconLoss', hole_weight=5., valid_weight=0.),
    # Eq.8 with Tab.II weights
    loss_patch_l1=dict(type='L1Loss', loss_weight=1.0),
    loss_percep=dict(
        type='TMADPerceptualLoss', vgg_weights=vgg_weights, loss_weight=0.02),
    loss_pd=dict(type='TMADPatchDistributionLoss', loss_weight=0.05),
    # Eq.9 with Tab.II weights
    loss_blend=dict(
        type='TMADBlendingLoss',
        gan_loss=dict(type='GANLoss', gan_type='hinge', loss_weight=0.02),
        tv_weight=0.02),
    train_cfg=dict(coarse_iters=0, num_patches=16),
    test_cfg=dict())

# The paper gives no optimiser settings. Adam 1e-4 as mmagic's DeepFill;
# beta1 0.9: with beta1 0.5 the normalisation-free nets trained erratically
# in our CPU runs (see configs/tmad/README.md, "Training notes").
optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)),
        modules=['generator', 'retrieval', 'psnet']),
    # mmagic's constructor needs `modules` in every entry once one has it
    disc=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)),
        modules='disc'))


train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000000,
                 val_interval=50000)
val_cfg = dict(type='MultiValLoop')
test_cfg = dict(type='MultiTestLoop')

# cosine restarts (Sec.IV): one cycle for the coarse pre-training, two for
# the joint training; configs set `periods` from their iteration counts
param_scheduler = dict(
    type='CosineRestartLR',
    by_epoch=False,
    periods=[1],
    restart_weights=[1., 1., 0.5],
    eta_min=1e-6)

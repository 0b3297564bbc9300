# T-MAD phase 1 (paper Sec.III-A, Eq.1): the coarse network trained alone with
# L_recon, on the embedded real photos, 128x128, random rectangles. Small
# enough to train on a laptop CPU.
_base_ = ['../_base_/tmad_runtime.py', '../_base_/datasets/embedded_photos.py']

experiment_name = 'tmad_coarse_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (128, 128)

model = dict(
    # mmagic's one-stage inpaintor: input cat([I_m, M]), output composited
    # as I_s * M + I_m * (1 - M).
    type='OneStageInpaintor',
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[127.5], std=[127.5]),
    encdec=dict(type='TMADCoarseNet', channel_factor=16),
    # Eq.1 for rectangles: lambda_hole = 5, lambda_valid = 0
    loss_l1_hole=dict(type='L1Loss', loss_weight=5.0),
    train_cfg=dict(disc_step=0),
    test_cfg=dict())

train_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(
        type='LoadMask',
        mask_mode='bbox',
        mask_config=dict(
            max_bbox_shape=(64, 64),
            max_bbox_delta=32,
            min_margin=8,
            img_shape=input_shape)),
    dict(type='Flip', keys=['gt'], direction='horizontal'),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(
        type='LoadMask',
        mask_mode='bbox',
        mask_config=dict(
            max_bbox_shape=(64, 64),
            max_bbox_delta=32,
            min_margin=8,
            img_shape=input_shape)),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]

train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))))

train_cfg = dict(type='IterBasedTrainLoop', max_iters=2000, val_interval=500)
val_cfg = dict(type='MultiValLoop')
test_cfg = dict(type='MultiTestLoop')

default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=500))
# one picture per val photo is enough at this size
custom_hooks = [dict(type='BasicVisualizationHook', interval=1)]

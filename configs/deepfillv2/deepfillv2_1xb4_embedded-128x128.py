# mmagic's DeepFillv2 (model, losses and optimisers unchanged) in the CPU
# comparison with T-MAD's demo: the embedded real photos at 128x128, batch
# 4, the training holes, fixed evaluation masks, metrics and schedule length
# of configs/tmad/tmad_demo_1xb4_embedded-128x128.py (tests/test_baselines
# checks they match). At 128x128 mmagic's networks run unchanged: the
# contextual attention works on the 32x32 feature map, the SN-PatchGAN
# (six stride-2 convs) gives a 2x2 map.
_base_ = [
    'mmagic::_base_/models/base_deepfillv2.py',
    'mmagic::_base_/inpaint_default_runtime.py',
    '../_base_/datasets/embedded_photos.py'
]

custom_imports = dict(imports=['mmedit_tmad'], allow_failed_imports=False)

experiment_name = 'deepfillv2_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (128, 128)
# fixed evaluation masks: tools/dataset_converters/make_fixed_masks.py
#   --size 128 --kinds rect  (tools/demo.py makes them)
mask_root = 'data/masks/v1_128_s0'
max_iters = 960

model = dict(train_cfg=dict(disc_step=1, start_iter=0))

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

# Tiny CPU version of configs/tmad/tmad_coarse_1xb4_embedded-128x128.py:
# 32x32 crops, 4 base channels, 1 residual block. data_root is set by the
# tests (a temporary folder made by
# tools/dataset_converters/embedded_photos.py).
_base_ = ['../../configs/tmad/tmad_coarse_1xb4_embedded-128x128.py']

experiment_name = 'tmad_coarse_test'
input_shape = (32, 32)
mask_cfg = dict(
    max_bbox_shape=(16, 16), max_bbox_delta=8, min_margin=4,
    img_shape=input_shape)

model = dict(
    encdec=dict(
        channel_factor=4,
        num_res_blocks=1,
        carafe_cfg=dict(compressed_channels=8)))

train_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(type='LoadMask', mask_mode='bbox', mask_config=mask_cfg),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
test_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=2, num_workers=0, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_iters=4, val_interval=1000)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
custom_hooks = []

# T-MAD on Places365, random rectangular holes (largest 128x128 at random
# positions in 256x256), 4 GPUs x 4 images (paper Sec.IV).
_base_ = [
    '../_base_/models/base_tmad.py', '../_base_/tmad_runtime.py',
    'mmagic::_base_/datasets/places.py'
]

experiment_name = 'tmad_4xb4_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (256, 256)
# fixed evaluation masks, the same for every method:
#   python tools/dataset_converters/make_fixed_masks.py --size 256
mask_root = 'data/masks/v1_256_s0'
# "pre-trained for four epochs": 4 x 1.8M Places365-Standard images / 16
coarse_iters = 450000
max_iters = 1000000

model = dict(train_cfg=dict(coarse_iters=coarse_iters, num_patches=16))

mask_cfg = dict(
    max_bbox_shape=(128, 128),
    max_bbox_delta=40,
    min_margin=20,
    img_shape=input_shape)
train_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(type='LoadMask', mask_mode='bbox', mask_config=mask_cfg),
    dict(type='Crop', keys=['gt'], crop_size=(384, 384), random_crop=True),
    dict(type='Resize', keys=['gt'], scale=input_shape, keep_ratio=False),
    dict(type='Flip', keys=['gt'], direction='horizontal'),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(type='Crop', keys=['gt'], crop_size=(384, 384), random_crop=False),
    dict(type='Resize', keys=['gt'], scale=input_shape, keep_ratio=False),
    dict(
        type='TMADLoadFixedMask',
        mask_list=f'{mask_root}/rect/list.txt'),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        ann_file='meta/places365_train_standard.txt',
        pipeline=train_pipeline))
val_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_iters=max_iters, val_interval=50000)
param_scheduler = dict(periods=[
    coarse_iters, (max_iters - coarse_iters) // 2,
    max_iters - coarse_iters - (max_iters - coarse_iters) // 2
])

default_hooks = dict(checkpoint=dict(interval=50000))

# Tab.III's columns (mmagic's dataset config has no TV)
val_evaluator = {{_base_.tmad_metrics}}
test_evaluator = val_evaluator

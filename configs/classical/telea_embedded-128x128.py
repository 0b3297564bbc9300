# OpenCV's fast-marching inpainting (Telea 2004, cv2.INPAINT_TELEA, radius 3),
# not learned, on the evaluation set of
# configs/tmad/tmad_demo_1xb4_embedded-128x128.py: the same held-out photos,
# fixed masks and metrics (tests/test_baselines checks they match). Evaluate
# with no checkpoint:
#   python tools/test.py configs/classical/telea_embedded-128x128.py
_base_ = [
    '../_base_/tmad_runtime.py', '../_base_/datasets/embedded_photos.py'
]

experiment_name = 'telea_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (128, 128)
# fixed evaluation masks: tools/dataset_converters/make_fixed_masks.py
#   --size 128 --kinds rect  (tools/demo.py makes them)
mask_root = 'data/masks/v1_128_s0'

model = dict(
    type='TeleaInpaintor',
    radius=3.,
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[127.5], std=[127.5]))

# the demo's training data, kept so the dataset lists match T-MAD's (the
# model trains nothing)
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

val_cfg = dict(type='MultiValLoop')
test_cfg = dict(type='MultiTestLoop')
custom_hooks = []

# OpenCV's fast-marching inpainting (Telea 2004, cv2.INPAINT_TELEA, radius 3),
# not learned, on the evaluation set of
# configs/tmad/tmad_4xb4_places-256x256.py: the same Places365 validation
# images, fixed masks and metrics (tests/test_baselines checks they match).
# Evaluate with no checkpoint:
#   python tools/test.py configs/classical/telea_places-256x256.py
_base_ = [
    '../_base_/tmad_runtime.py', 'mmagic::_base_/datasets/places.py'
]

experiment_name = 'telea_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (256, 256)
# fixed evaluation masks, the same for every method:
#   python tools/dataset_converters/make_fixed_masks.py --size 256
mask_root = 'data/masks/v1_256_s0'

model = dict(
    type='TeleaInpaintor',
    radius=3.,
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[127.5], std=[127.5]))

test_pipeline = [
    dict(type='LoadImageFromFile', key='gt'),
    dict(type='Crop', keys=['gt'], crop_size=(384, 384), random_crop=False),
    dict(type='Resize', keys=['gt'], scale=input_shape, keep_ratio=False),
    dict(type='TMADLoadFixedMask', mask_list=f'{mask_root}/rect/list.txt'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
val_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

val_cfg = dict(type='MultiValLoop')
test_cfg = dict(type='MultiTestLoop')

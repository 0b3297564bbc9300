# T-MAD on Places365 with free-form irregular holes (DeepFillv2-style
# masks): lambda_hole = 6, lambda_valid = 1 (Tab.II); texture memory with
# stride k_p/4 and least-masked-first selection (Sec.III-B).
_base_ = ['./tmad_4xb4_places-256x256.py']

experiment_name = 'tmad_irregular_4xb4_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (256, 256)
# fixed evaluation masks, the same for every method:
#   python tools/dataset_converters/make_fixed_masks.py --size 256
mask_root = 'data/masks/v1_256_s0'

model = dict(
    texture_memory=dict(stride=8, select='least_masked'),
    loss_recon=dict(hole_weight=6., valid_weight=1.))

mask_cfg = dict(
    num_vertices=(4, 10),
    max_angle=6.0,
    length_range=(20, 128),
    brush_width=(10, 45),
    area_ratio_range=(0.15, 0.65),
    img_shape=input_shape)
train_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(type='LoadMask', mask_mode='irregular', mask_config=mask_cfg),
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
        mask_list=f'{mask_root}/irregular/list.txt'),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

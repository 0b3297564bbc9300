# mmagic's DeepFillv1 (coarse + refinement with contextual attention, global
# and local WGAN-GP critics; model, losses, disc_step 5 and optimisers
# unchanged from mmagic's config) on the T-MAD Places365 setting: the data,
# training holes, fixed evaluation masks and metrics of
# configs/tmad/tmad_4xb4_places-256x256.py (tests/test_baselines checks they
# match), so tools/test.py rows compare with T-MAD's.
# Deviations from mmagic's deepfillv1_8xb2_places-256x256: 4 x 4 images
# (mmagic: 8 x 2), horizontal flips in training, Places365-Standard list,
# checkpoints in the work dir.
_base_ = ['mmagic::deepfillv1/deepfillv1_8xb2_places-256x256.py']

custom_imports = dict(imports=['mmedit_tmad'], allow_failed_imports=False)

experiment_name = 'deepfillv1_4xb4_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (256, 256)
# fixed evaluation masks, the same for every method:
#   python tools/dataset_converters/make_fixed_masks.py --size 256
mask_root = 'data/masks/v1_256_s0'

train_pipeline = [
    dict(type='LoadImageFromFile', key='gt'),
    dict(
        type='LoadMask',
        mask_mode='bbox',
        mask_config=dict(
            max_bbox_shape=(128, 128),
            max_bbox_delta=40,
            min_margin=20,
            img_shape=input_shape)),
    dict(type='Crop', keys=['gt'], crop_size=(384, 384), random_crop=True),
    dict(type='Resize', keys=['gt'], scale=input_shape, keep_ratio=False),
    dict(type='Flip', keys=['gt'], direction='horizontal'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', key='gt'),
    dict(type='Crop', keys=['gt'], crop_size=(384, 384), random_crop=False),
    dict(type='Resize', keys=['gt'], scale=input_shape, keep_ratio=False),
    dict(type='TMADLoadFixedMask', mask_list=f'{mask_root}/rect/list.txt'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=4,
    sampler=dict(shuffle=True),
    dataset=dict(
        ann_file='meta/places365_train_standard.txt',
        pipeline=train_pipeline))
val_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

default_hooks = dict(
    checkpoint=dict(
        _delete_=True,
        type='CheckpointHook',
        interval=50000,
        by_epoch=False,
        max_keep_ckpts=3,
        save_last=True))

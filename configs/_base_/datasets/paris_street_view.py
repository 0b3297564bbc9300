# Paris StreetView (Pathak et al., CVPR 2016), official split: 14,900
# training images (paris_train_original, 936x537) and 100 evaluation images
# (paris_eval_gt, 227x227). Lists: tools/dataset_converters/folder_to_list.py
dataset_type = 'BasicImageDataset'
data_root = 'data/paris_street_view'

train_dataloader = dict(
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(gt='paris_train_original'),
        ann_file='meta/train.txt',
        test_mode=False))

val_dataloader = dict(
    num_workers=4,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(gt='paris_eval_gt'),
        ann_file='meta/val.txt',
        test_mode=True))

test_dataloader = val_dataloader

val_evaluator = [
    dict(type='MAE', mask_key='mask', scaling=100),
    dict(type='PSNR'),
    dict(type='SSIM'),
]
test_evaluator = val_evaluator

# A folder of your own photos. Write its list first:
#   python tools/dataset_converters/folder_to_list.py data/my_photos/train \
#       --out data/my_photos/meta/train.txt   (and the same for val)
# Model configs add the pipelines.
dataset_type = 'BasicImageDataset'
data_root = 'data/my_photos'

train_dataloader = dict(
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(gt='train'),
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
        data_prefix=dict(gt='val'),
        ann_file='meta/val.txt',
        test_mode=True))

test_dataloader = val_dataloader

val_evaluator = [
    dict(type='MAE', mask_key='mask', scaling=100),
    dict(type='PSNR'),
    dict(type='SSIM'),
    dict(type='TMADTV'),
]
test_evaluator = val_evaluator

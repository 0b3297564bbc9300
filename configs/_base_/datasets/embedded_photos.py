# The embedded real-photo dataset (no download): crops of photos shipped by
# scikit-image, scikit-learn and matplotlib, written by
#   python tools/dataset_converters/embedded_photos.py --out data/embedded
# Model configs add the pipelines (they depend on the input shape).
dataset_type = 'BasicImageDataset'
data_root = 'data/embedded'

train_dataloader = dict(
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(gt='train'),
        ann_file='meta/train.txt',
        test_mode=False,
    ))

val_dataloader = dict(
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(gt='val'),
        ann_file='meta/val.txt',
        test_mode=True,
    ))

test_dataloader = val_dataloader

# l1 error = MAE in the hole x100, as in mmagic's inpainting configs
val_evaluator = [
    dict(type='MAE', mask_key='mask', scaling=100),
    dict(type='PSNR'),
    dict(type='SSIM'),
]
test_evaluator = val_evaluator

# Fine-tune the shipped T-MAD (tmad_telea_1xb4_photos-256x256) on a folder
# of your own photos. Photos of any size and aspect: training takes random
# near-square crops resized to 256x256, as the shipped model's recipe does;
# validation resizes each photo's shorter side to 256 and takes the centre
# 256x256, so every validation photo gets a hole of the fixed mask set.
#   python tools/dataset_converters/folder_to_list.py data/my_photos/train \
#       --out data/my_photos/meta/train.txt   (and the same for val)
#   python tools/dataset_converters/make_fixed_masks.py --out data/masks \
#       --size 256 --num 200 --kinds rect_large irregular_20-30 \
#       irregular_30-40 --version v1_256_s0_eval
#   python tools/train.py \
#       configs/tmad/tmad_telea-finetune_1xb4_folder-256x256.py
# (another folder: --cfg-options train_dataloader.dataset.data_root=DIR
# val_dataloader.dataset.data_root=DIR)
# The coarse net, which gives the fill its structure, trains on (phase 1,
# Eq.1) for every iteration of the run: the weights carry their iteration
# count (cur_iter = 2000), and coarse_iters is set past it by the run's
# length, as ablations/tmad_longer-3800it does; retrieval and PSNet stay as
# shipped, and the weights of the last iteration are in phase 2 again.
# Adam 2e-5 (the discriminators' too, for a joint run: coarse_iters=1800),
# cosine to 2e-6 over the run. About 2 s per iteration on 2 CPU cores (11
# min with the validations); weights every 100 iterations in the work dir.
# What the choices cost on the shipped model's own photos (joint training
# instead, a larger learning rate): docs/training.md.
_base_ = ['./tmad_telea_1xb4_photos-256x256.py']

experiment_name = 'tmad_telea-finetune_1xb4_folder-256x256'
work_dir = f'./work_dirs/{experiment_name}'
load_from = ('checkpoints/'
             'tmad_telea_1xb4_photos-256x256_20261130-277f66e7.pth')
data_root = 'data/my_photos'
finetune_iters = 300

model = dict(train_cfg=dict(coarse_iters=2000 + finetune_iters))

# the shipped test pipeline (mmengine's `_base_.` reference), each photo
# first brought to 256x256: shorter side 256, the centre kept
val_pipeline = _base_.test_pipeline
val_pipeline[1:1] = [
    dict(
        type='Resize',
        keys=['gt'],
        scale=(-1, 256),
        keep_ratio=True,
        interpolation='area'),
    dict(type='Crop', keys=['gt'], crop_size=(256, 256), random_crop=False),
]
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=val_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    generator=dict(optimizer=dict(lr=2e-5)),
    disc=dict(optimizer=dict(lr=2e-5)))
train_cfg = dict(max_iters=finetune_iters, val_interval=100)
param_scheduler = dict(
    periods=[finetune_iters], restart_weights=[1.], eta_min=2e-6)
default_hooks = dict(checkpoint=dict(interval=100, max_keep_ckpts=3))

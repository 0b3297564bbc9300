# T-MAD trained on the real-photo collection at 256x256 on CPU: the model
# that `init_model('tmad_telea_1xb4_photos-256x256')` loads (checkpoints/).
# Paper architecture (Tab.I, k_p = 32, N_c = 4, c = 16) with these choices
# (each ablated in phase 1 by configs/tmad/ablations/tmad_prior-* and
# tmad_recipe-*: only the fill prior changed quality measurably; results and
# how they were made: configs/tmad/README.md). The shipped weights are the
# checkpoint of iteration 2000 (1800 coarse + 200 joint):
# * fill prior: the coarse net predicts a correction of OpenCV's Telea fill
#   (fill_prior='telea'), PSNet one of the coarse patch (residual=True);
#   training starts from the classical fill and learns what Telea misses;
# * holes: random rectangles 64-128 px and free-form strokes, half each,
#   so one model serves both evaluation sets; Eq.1 with 6 / 1 (Tab.II's
#   free-form weights);
# * crops: random near-square views of 15-60% of a photo's area (sides of
#   about 0.45-0.95 of the shorter side of a 3:2 photo stored at shorter
#   side 512), resized to 256x256 and flipped;
# * the perceptual loss is off (its VGG-19 weights are not shipped);
# * Adam 2e-4 for the generator; one cosine cycle per phase;
# * at test time, TMADTextureSynthesis re-synthesises the hole from 7x7
#   patches of the photo, starting from the networks' result (not in the
#   paper; ablations/tmad_synthesis-none_* is the networks' result alone).
_base_ = [
    '../_base_/models/base_tmad.py', '../_base_/tmad_runtime.py',
    '../_base_/datasets/photo_collection.py'
]

experiment_name = 'tmad_telea_1xb4_photos-256x256'
work_dir = f'./work_dirs/{experiment_name}'
input_shape = (256, 256)
# fixed evaluation masks: tools/dataset_converters/make_fixed_masks.py
#   --size 256 --num 200 --kinds rect_large irregular_20-30 irregular_30-40
mask_root = 'data/masks/v1_256_s0_eval'
coarse_iters = 1800
max_iters = 2100

model = dict(
    encdec=dict(fill_prior='telea'),
    texture_synthesis=dict(
        type='TMADTextureSynthesis', iters=3, searches=1, coherence=0.5),
    psnet=dict(residual=True),
    loss_recon=dict(hole_weight=6., valid_weight=1.),
    loss_percep=None,
    train_cfg=dict(coarse_iters=coarse_iters, num_patches=16))

train_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(
        type='RandomResizedCrop',
        keys=['gt'],
        crop_size=input_shape,
        scale=(0.15, 0.6),
        ratio=(0.9, 1.1),
        interpolation='area'),
    dict(
        type='TMADLoadMixedMask',
        masks=[
            dict(
                mask_mode='bbox',
                mask_config=dict(
                    max_bbox_shape=(128, 128),
                    max_bbox_delta=64,
                    min_margin=16,
                    img_shape=input_shape)),
            dict(
                mask_mode='irregular',
                mask_config=dict(
                    num_vertices=(4, 10),
                    max_angle=6.0,
                    length_range=(20, 128),
                    brush_width=(10, 45),
                    area_ratio_range=(0.15, 0.5),
                    img_shape=input_shape))
        ]),
    dict(type='Flip', keys=['gt'], direction='horizontal'),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='TMADLoadImageFromFile', key='gt'),
    dict(
        type='TMADLoadFixedMask',
        mask_list=f'{mask_root}/rect_large/list.txt'),
    dict(type='TMADCheckInputs'),
    dict(type='GetMaskedImage'),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=4, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    generator=dict(optimizer=dict(lr=2e-4)),
    disc=dict(optimizer=dict(lr=2e-4)))
train_cfg = dict(max_iters=max_iters, val_interval=900)
param_scheduler = dict(
    periods=[coarse_iters, max_iters - coarse_iters],
    restart_weights=[1., 0.5],
    eta_min=1e-5)

default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=100, max_keep_ckpts=3))
custom_hooks = []
randomness = dict(seed=0)

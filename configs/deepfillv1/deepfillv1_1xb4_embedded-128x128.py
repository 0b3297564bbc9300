# mmagic's DeepFillv1 in the CPU comparison with T-MAD's demo: everything
# but the model and optimisers is inherited from
# configs/tmad/tmad_demo_1xb4_embedded-128x128.py (the embedded real photos
# at 128x128, batch 4, training holes, fixed evaluation masks, metrics,
# schedule length, runtime). Model, losses and optimisers are mmagic's
# (tests/test_baselines compares them) with the sizes that depend on the
# resolution adapted to 128x128, layers unchanged: the global critic's
# linear layer takes 256 x 8 x 8, the local critic sees 64x64 crops around
# the hole (512 x 4 x 4). The contextual attention runs on the 32x32
# feature map; DeepFill's dilated reflect-padded convs need at least
# 128x128 inputs.
_base_ = [
    '../tmad/tmad_demo_1xb4_embedded-128x128.py',
    '../_base_/models/base_deepfillv1.py'
]

experiment_name = 'deepfillv1_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    _delete_=True,
    **{
        **_base_.deepfillv1_model,
        # sizes of the critics at 128x128 (mmagic: 256 * 16 * 16 global,
        # 512 * 8 * 8 local on 128x128 crops)
        'disc':
        dict(
            _base_.deepfillv1_model.disc,
            global_disc_cfg=dict(
                _base_.deepfillv1_model.disc.global_disc_cfg,
                fc_in_channels=256 * 8 * 8),
            local_disc_cfg=dict(
                _base_.deepfillv1_model.disc.local_disc_cfg,
                fc_in_channels=512 * 4 * 4)),
        # the local critic on 64x64 crops (the largest training hole)
        'train_cfg':
        dict(_base_.deepfillv1_model.train_cfg, local_size=(64, 64)),
    })
optim_wrapper = dict(
    _delete_=True, **_base_.deepfillv1_optim_wrapper)

# mmagic: a fixed learning rate (T-MAD's cosine restarts removed)
param_scheduler = []

# DeepFillv1's local critic crops local_size around the training hole; the
# crop must stay inside the image, as mmagic's own config ensures with
# min_margin=20 for its 88-128 px holes in 128 px crops. Here holes are
# 16-64 px and crops 64 px: a margin of (64 - 16) / 2 = 24 px (with 0, as in
# the T-MAD demo, one draw in six puts the crop across the border and
# training stops on a size mismatch). Test holes are T-MAD's fixed masks.
train_pipeline = [
    dict(t, mask_config=dict(t.mask_config, min_margin=24))
    if t.type == 'LoadMask' else t for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

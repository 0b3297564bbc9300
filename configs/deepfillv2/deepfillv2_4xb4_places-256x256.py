# mmagic's DeepFillv2 (gated convolutions, contextual attention,
# SN-PatchGAN) on the T-MAD Places365 setting: everything but the model,
# optimisers and schedule length is inherited from
# configs/tmad/tmad_4xb4_places-256x256.py (data, training holes, fixed
# evaluation masks, metrics, runtime), so tools/test.py rows compare with
# T-MAD's. Model, losses, optimisers and max_iters are mmagic's
# deepfillv2_8xb2_places-256x256.py, unchanged (tests/test_baselines
# compares them). Deviations from mmagic's config: 4 x 4 images (mmagic:
# 8 x 2), random rectangles for training (mmagic: free-form strokes),
# T-MAD's flips, Places365-Standard list.
_base_ = [
    '../tmad/tmad_4xb4_places-256x256.py',
    '../_base_/models/base_deepfillv2.py'
]

experiment_name = 'deepfillv2_4xb4_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(_delete_=True, **_base_.deepfillv2_model)
optim_wrapper = dict(
    _delete_=True, **_base_.deepfillv2_optim_wrapper)

# mmagic: a fixed learning rate (T-MAD's cosine restarts removed)
param_scheduler = []
train_cfg = dict(max_iters=1000003, val_interval=50000)

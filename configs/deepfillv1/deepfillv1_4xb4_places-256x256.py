# mmagic's DeepFillv1 (coarse + refinement with contextual attention, global
# and local WGAN-GP critics) on the T-MAD Places365 setting: everything but
# the model, optimisers and schedule length is inherited from
# configs/tmad/tmad_4xb4_places-256x256.py (data, training holes, fixed
# evaluation masks, metrics, runtime), so tools/test.py rows compare with
# T-MAD's. Model, losses, optimisers and max_iters are mmagic's
# deepfillv1_8xb2_places-256x256.py, unchanged (tests/test_baselines
# compares them). Deviations from mmagic's config: 4 x 4 images (mmagic:
# 8 x 2), T-MAD's horizontal flips, Places365-Standard list.
_base_ = [
    '../tmad/tmad_4xb4_places-256x256.py',
    '../_base_/models/base_deepfillv1.py'
]

experiment_name = 'deepfillv1_4xb4_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(_delete_=True, **_base_.deepfillv1_model)
optim_wrapper = dict(
    _delete_=True, **_base_.deepfillv1_optim_wrapper)

# mmagic: a fixed learning rate (T-MAD's cosine restarts removed)
param_scheduler = []
train_cfg = dict(max_iters=5000003, val_interval=250000)

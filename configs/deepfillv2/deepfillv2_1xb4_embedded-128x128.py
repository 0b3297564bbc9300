# mmagic's DeepFillv2 in the CPU comparison with T-MAD's demo: everything
# but the model and optimisers is inherited from
# configs/tmad/tmad_demo_1xb4_embedded-128x128.py (the embedded real photos
# at 128x128, batch 4, training holes, fixed evaluation masks, metrics,
# schedule length, runtime). Model, losses and optimisers are mmagic's,
# unchanged (tests/test_baselines compares them): at 128x128 the contextual
# attention runs on the 32x32 feature map and the SN-PatchGAN (six stride-2
# convs) gives a 2x2 map. DeepFill's dilated reflect-padded convs need at
# least 128x128 inputs.
_base_ = [
    '../tmad/tmad_demo_1xb4_embedded-128x128.py',
    '../_base_/models/base_deepfillv2.py'
]

experiment_name = 'deepfillv2_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(_delete_=True, **_base_.deepfillv2_model)
optim_wrapper = dict(
    _delete_=True, **_base_.deepfillv2_optim_wrapper)

# mmagic: a fixed learning rate (T-MAD's cosine restarts removed)
param_scheduler = []

# mmagic's AOT-GAN in the CPU comparison with T-MAD's demo: everything but
# the model and optimisers is inherited from
# configs/tmad/tmad_demo_1xb4_embedded-128x128.py (the embedded real photos
# at 128x128, batch 4, training holes, fixed evaluation masks, metrics,
# schedule length, runtime). Model, losses and optimisers are mmagic's
# (tests/test_baselines compares them), with the perceptual and style
# losses off as in the T-MAD demo (the VGG-19 weights are not shipped;
# aot_gan_4xb4_places-256x256.py has them, from a local file) and
# AOTSoftMaskPatchDiscriminator for mmagic's disc (mmagic 1.2's init stops
# tools/train.py with UnboundLocalError).
_base_ = [
    '../tmad/tmad_demo_1xb4_embedded-128x128.py',
    '../_base_/models/base_aot_gan.py'
]

experiment_name = 'aot_gan_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    _delete_=True,
    **{
        **_base_.aot_gan_model,
        # off: the VGG-19 weights are not shipped (as the T-MAD demo)
        'loss_composed_percep': None,
        'loss_out_percep': False,
    })
optim_wrapper = dict(
    _delete_=True, **_base_.aot_gan_optim_wrapper)

# mmagic: a fixed learning rate (T-MAD's cosine restarts removed)
param_scheduler = []

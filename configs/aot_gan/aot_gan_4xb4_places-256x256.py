# mmagic's AOT-GAN (AOT blocks, soft-mask PatchGAN, L1 + perceptual +
# style + SM-GAN losses) on the T-MAD Places365 setting at 256x256:
# everything but the model, optimisers and schedule length is inherited from
# configs/tmad/tmad_4xb4_places-256x256.py (data, training holes, fixed
# evaluation masks, metrics, runtime), so tools/test.py rows compare with
# T-MAD's. Model, losses, optimisers and max_iters are mmagic's
# aot-gan_smpgan_4xb4_places-512x512.py (tests/test_baselines compares
# them) but for two plugin classes: AOTSoftMaskPatchDiscriminator (mmagic's
# disc; mmagic 1.2's init stops tools/train.py with UnboundLocalError) and
# AOTPerceptualLoss (mmagic's loss, VGG-19 read from `vgg_weights`, nothing
# downloaded: put https://download.pytorch.org/models/vgg19-dcbb9e9d.pth
# there). Deviations from mmagic's config: 256x256 (mmagic: 512),
# random rectangles (mmagic: PConv mask files, rotated) and T-MAD's
# crop/flip augmentation (mmagic: random resized crop, colour jitter);
# images load as BGR like every other method, the perceptual loss flips
# them to RGB for VGG.
_base_ = [
    '../tmad/tmad_4xb4_places-256x256.py',
    '../_base_/models/base_aot_gan.py'
]

experiment_name = 'aot_gan_4xb4_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(_delete_=True, **_base_.aot_gan_model)
optim_wrapper = dict(
    _delete_=True, **_base_.aot_gan_optim_wrapper)

# mmagic: a fixed learning rate (T-MAD's cosine restarts removed)
param_scheduler = []
train_cfg = dict(max_iters=500002, val_interval=50000)

# Tiny CPU version of the full T-MAD model
# (configs/_base_/models/base_tmad.py):
# k_p = 16, narrow networks, 2 coarse iterations before the joint phase.
# The perceptual loss is kept; tests patch its VGG loader (no weights needed).
_base_ = ['../../configs/tmad/tmad_4xb4_places-256x256.py']

experiment_name = 'tmad_test'
patch_size = 16
lrelu = dict(type='LeakyReLU', negative_slope=0.2)
model = dict(
    encdec=dict(
        channel_factor=4,
        num_res_blocks=1,
        carafe_cfg=dict(compressed_channels=8)),
    texture_memory=dict(patch_size=patch_size, stride=8, num_pool=12),
    retrieval=dict(feat_channels=4, num_candidates=2),
    psnet=dict(
        patch_size=patch_size,
        num_candidates=2,
        channel_factor=4,
        tex_channel_factor=4,
        num_res_blocks=1,
        num_tex_res_blocks=1,
        carafe_cfg=dict(compressed_channels=8)),
    disc=dict(
        patch_disc=dict(channel_factor=4),
        global_disc=dict(max_channels=16, num_convs=3)),
    loss_percep=dict(layer_weights={'2': 1., '7': 1.}),
    train_cfg=dict(coarse_iters=2, num_patches=4))

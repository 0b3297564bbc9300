# CRA (Yi et al., CVPR 2020; mmedit_tmad/models/editors/cra) in the CPU
# comparison with T-MAD's demo: the embedded real photos at 128x128, batch 4,
# the training holes, fixed evaluation masks, metrics and schedule length of
# configs/tmad/tmad_demo_1xb4_embedded-128x128.py (inherited from that config).
# Model, losses and optimisers as cra_4xb4_places-256x256.py, sizes scaled: the
# generator works at 64x64 (scale_factor 2) with num_down 2 (bottleneck 16x16,
# attention on an 8x8 grid, 16x16-pixel cells at 128x128; num_down 3 would
# leave a 4x4 grid in which the dilated context mask of a 64x64 hole covers
# every cell), the critic's linear layer takes 256 x 1 x 1.
_base_ = [
    '../tmad/tmad_demo_1xb4_embedded-128x128.py',
    '../_base_/models/base_cra.py'
]

experiment_name = 'cra_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    _delete_=True,
    **{
        **_base_.cra_model,
        # a 64x64 network input: one down level less, critic map 1x1
        'encdec': dict(_base_.cra_model.encdec, num_down=2),
        'disc': dict(_base_.cra_model.disc, fc_in_channels=256),
    })
optim_wrapper = dict(
    _delete_=True, **_base_.cra_optim_wrapper)

# a fixed learning rate (T-MAD's cosine restarts removed)
param_scheduler = []

# Paper protocol (Sec.V-C) for Tab.V/VI on the shipped model: the shipped
# coarse net is loaded and kept fixed (checkpoints/, `frozen_modules`); only
# retrieval, PSNet and the two critics train, from scratch, with the same
# budget in every variant (80 iterations, batch 4, constant lr 3e-4 for
# retrieval + PSNet, 2e-4 for the critics; L^pd_gan at 0.5). Each file
# differs from `tmad_psnet-nc4_1xb4_photos-256x256.py` (N_c = 4, Eq.4's
# straight-through top-N_c, the shipped losses but L^pd_gan) in one choice:
# W-Sum (Tab.V): one candidate, the softmax-weighted sum S (x) T of
# the whole memory (retrieval mode='wsum'), instead of the top-N_c.
# The protocol lines repeat in every variant (the base-depth rule allows no
# shared base above the shipped config); tests/test_configs.py checks that
# they agree. Results and the command: configs/tmad/README.md.
_base_ = ['../tmad_telea_1xb4_photos-256x256.py']

experiment_name = 'tmad_psnet-wsum_1xb4_photos-256x256'
work_dir = f'./work_dirs/{experiment_name}'
shipped = ('checkpoints/'
           'tmad_telea_1xb4_photos-256x256_20261130-277f66e7.pth')
model = dict(
    texture_synthesis=None,  # measured on the networks' output
    encdec=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=shipped, prefix='generator.')),
    train_cfg=dict(coarse_iters=0, frozen_modules=['generator']),
    loss_pd=dict(loss_weight=0.5),
    retrieval=dict(mode='wsum'),
    psnet=dict(num_candidates=1))
optim_wrapper = dict(
    generator=dict(optimizer=dict(lr=3e-4)),
    disc=dict(optimizer=dict(lr=2e-4)))
param_scheduler = []
train_cfg = dict(max_iters=80, val_interval=100000)
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=80, max_keep_ckpts=1))

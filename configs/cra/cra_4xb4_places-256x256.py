# CRA, Contextual Residual Aggregation (Yi et al., CVPR 2020; our PyTorch
# implementation, mmedit_tmad/models/editors/cra) on the T-MAD Places365
# setting: the data, training holes, fixed evaluation masks and metrics of
# configs/tmad/tmad_4xb4_places-256x256.py (inherited from that config). The
# generator works at 128x128 (scale_factor 2; the authors: 512 for ultra high-
# resolution images) with its attention on an 8x8 grid (num_down 3 as the
# authors, grid = size / 16); the residuals of the 256x256 image are aggregated
# with it at test time. Losses and critic as the authors' code: L1 (x1.2,
# coarse x1.2 more), WGAN-GP (0.001, GP 10), a 6-conv critic, 3 critic steps
# per generator step; Adam 1e-4 (beta 0.5, 0.9).
_base_ = [
    '../tmad/tmad_4xb4_places-256x256.py',
    '../_base_/models/base_cra.py'
]

experiment_name = 'cra_4xb4_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(_delete_=True, **_base_.cra_model)
optim_wrapper = dict(
    _delete_=True, **_base_.cra_optim_wrapper)

# a fixed learning rate (T-MAD's cosine restarts removed)
param_scheduler = []
# the authors' MAX_ITERS
train_cfg = dict(max_iters=300000, val_interval=50000)

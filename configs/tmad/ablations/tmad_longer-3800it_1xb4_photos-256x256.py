# tmad_telea_1xb4_photos-256x256 trained for longer: its shipped weights
# (iteration 2000) are the start, and the coarse net trains on for 1800
# more iterations of phase 1 (PSNet, retrieval and the texture synthesis
# stay as shipped). Everything else (data, crops, holes, losses, test-time
# texture synthesis) is the shipped config's. The model counts its own
# iterations (`cur_iter`, saved with the weights): it starts at 2000, so
# phase 1 runs to 3800 and the weights of iteration 3800 are in phase 2
# again (coarse net + PSNet at test time).
# * Adam 1e-4 (half the first run's start) in one cosine cycle down to
#   1e-5, where the first run's cycles ended;
# * seed 1, so the crops and holes are not those of the first run;
# * 62 min on an idle 2-core CPU (median 1.94 s per iteration), 160 min
#   in all. Its weights are not shipped: the gain is small. Held-out
# quality of the networks every 300 iterations and the comparison with the
# shipped weights: configs/tmad/README.md ("Longer training").
_base_ = ['../tmad_telea_1xb4_photos-256x256.py']

experiment_name = 'tmad_longer-3800it_1xb4_photos-256x256'
work_dir = f'./work_dirs/{experiment_name}'
load_from = ('checkpoints/'
             'tmad_telea_1xb4_photos-256x256_20261130-277f66e7.pth')
more_iters = 1800

model = dict(train_cfg=dict(coarse_iters=2000 + more_iters))
optim_wrapper = dict(generator=dict(optimizer=dict(lr=1e-4)))
train_cfg = dict(max_iters=more_iters, val_interval=300)
param_scheduler = dict(
    periods=[more_iters], restart_weights=[1.], eta_min=1e-5)
default_hooks = dict(checkpoint=dict(interval=300, max_keep_ckpts=7))
randomness = dict(seed=1)

# DeepFill + PSNet (T-MAD paper Sec.IV-C, Tab.VII) on Places365: mmagic's
# DeepFillv2, trained by configs/deepfillv2/deepfillv2_4xb4_places-256x256.py,
# frozen; its results feed T-MAD's texture memory, retrieval and PSNet,
# fine-tuned "with only 10,000 iterations" (one cosine cycle) with T-MAD's
# phase-2 losses. Everything else (data, holes, fixed evaluation masks,
# metrics, T-MAD's modules and discriminators) is inherited from
# configs/tmad/tmad_4xb4_places-256x256.py. Another DeepFillv2 file:
#   --cfg-options model.deepfill_ckpt=PATH
_base_ = [
    '../tmad/tmad_4xb4_places-256x256.py',
    '../_base_/models/base_deepfillv2.py'
]

experiment_name = 'deepfillv2_psnet_4xb4_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'
deepfill_ckpt = 'work_dirs/deepfillv2_4xb4_places-256x256/iter_1000003.pth'
max_iters = 10000

model = dict(
    type='DeepFillPSNetInpaintor',
    # mmagic's DeepFillv2 generator (base_deepfillv2.py), replacing T-MAD's
    # coarse network
    encdec=dict(_delete_=True, **_base_.deepfillv2_model.encdec),
    deepfill_ckpt=deepfill_ckpt,
    freeze_deepfill=True,
    train_cfg=dict(coarse_iters=0))

train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = dict(periods=[max_iters], restart_weights=[1.])
default_hooks = dict(checkpoint=dict(interval=max_iters))

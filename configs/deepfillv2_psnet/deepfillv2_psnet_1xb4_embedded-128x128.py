# DeepFill + PSNet (T-MAD paper Sec.IV-C, Tab.VII) in the CPU comparison:
# mmagic's DeepFillv2, trained by
# configs/deepfillv2/deepfillv2_1xb4_embedded-128x128.py, frozen; its
# results feed T-MAD's texture memory, retrieval and PSNet, which are
# trained ("fine-tuned") here with T-MAD's phase-2 losses. Everything else
# (data, holes, fixed evaluation masks, metrics, the demo-sized memory,
# retrieval, PSNet and discriminators) is inherited from
# configs/tmad/tmad_demo_1xb4_embedded-128x128.py. Train DeepFillv2 first
# (D = configs/deepfillv2, P = configs/deepfillv2_psnet):
#   python tools/train.py $D/deepfillv2_1xb4_embedded-128x128.py
#   python tools/train.py $P/deepfillv2_psnet_1xb4_embedded-128x128.py
# (another DeepFillv2 file: --cfg-options model.deepfill_ckpt=PATH).
# Schedule: the demo's joint phase, 360 iterations, one cosine cycle.
_base_ = [
    '../tmad/tmad_demo_1xb4_embedded-128x128.py',
    '../_base_/models/base_deepfillv2.py'
]

experiment_name = 'deepfillv2_psnet_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'
deepfill_ckpt = 'work_dirs/deepfillv2_1xb4_embedded-128x128/iter_960.pth'
max_iters = 360

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

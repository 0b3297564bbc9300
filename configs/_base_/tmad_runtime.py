# Runtime shared by the T-MAD configs: mmagic's inpainting runtime, plus the
# plugin import. mmagic's default checkpoint `out_dir` is dropped, so
# checkpoints land in the work dir (where `--resume` looks for them).
_base_ = ['mmagic::_base_/inpaint_default_runtime.py']

custom_imports = dict(imports=['mmedit_tmad'], allow_failed_imports=False)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(
        _delete_=True,
        type='CheckpointHook',
        interval=50000,
        by_epoch=False,
        max_keep_ckpts=3,
        save_last=True),
)

# T-MAD models train with a dict of optimisers (generator / disc): each child
# with parameters gets its own DDP wrapper, so modules idle in a phase never
# reach a wrapper (no unused-parameter errors).
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')

# Biharmonic inpainting (Damelin and Hoang 2018, scikit-image's
# inpaint_biharmonic: the hole solves the biharmonic equation per channel),
# not learned, on the evaluation set of
# configs/tmad/tmad_demo_1xb4_embedded-128x128.py: the same held-out photos,
# fixed masks and metrics (inherited from that config). Evaluate
# with no checkpoint:
#   python tools/test.py configs/classical/biharmonic_embedded-128x128.py
_base_ = ['../tmad/tmad_demo_1xb4_embedded-128x128.py']

experiment_name = 'biharmonic_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    _delete_=True,
    type='BiharmonicInpaintor',
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[127.5], std=[127.5]))

# nothing to train (tools/test.py drops the training part of the config)
optim_wrapper = None
param_scheduler = None

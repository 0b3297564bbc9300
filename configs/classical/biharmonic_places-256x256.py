# Biharmonic inpainting (Damelin and Hoang 2018, scikit-image's
# inpaint_biharmonic: the hole solves the biharmonic equation per channel),
# not learned, on the evaluation set of
# configs/tmad/tmad_4xb4_places-256x256.py: the same Places365 validation
# images, fixed masks and metrics (inherited from that config).
# Evaluate with no checkpoint:
#   python tools/test.py configs/classical/biharmonic_places-256x256.py
_base_ = ['../tmad/tmad_4xb4_places-256x256.py']

experiment_name = 'biharmonic_places-256x256'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    _delete_=True,
    type='BiharmonicInpaintor',
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[127.5], std=[127.5]))

# nothing to train (tools/test.py drops the training part of the config)
optim_wrapper = None
param_scheduler = None

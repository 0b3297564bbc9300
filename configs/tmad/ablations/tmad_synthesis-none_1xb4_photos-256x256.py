# The shipped model without its test-time texture synthesis: the result of
# the networks (coarse net, retrieval, PSNet) alone, with the shipped
# weights. Results beside the shipped model: configs/tmad/README.md.
_base_ = ['../tmad_telea_1xb4_photos-256x256.py']

experiment_name = 'tmad_synthesis-none_1xb4_photos-256x256'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(texture_synthesis=None)

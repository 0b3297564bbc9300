# The shipped weights with the texture-first synthesis of
# tmad_telea-pmtexture_1xb4_photos-256x256, its guide faded in from the
# hole's border (TMADTextureSynthesis(guide_border=4, guide_ramp=4): no
# PatchMatch texture in the start within 4 px of the valid region, all of it
# from 8 px on; not in the paper). Chosen on training photos; held out it
# trades FID for SSIM against the texture-first entry: configs/tmad/
# README.md, "Fading the guide in from the border".
_base_ = ['../tmad_telea_1xb4_photos-256x256.py']

experiment_name = 'tmad_synthesis-border_1xb4_photos-256x256'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(
    texture_synthesis=dict(
        guide='patchmatch', guide_sigma=4., guide_border=4., guide_ramp=4.))

# The shipped model, texture first: the same weights as
# tmad_telea_1xb4_photos-256x256, its test-time texture synthesis started
# from the networks' low frequencies plus the high frequencies of a
# PatchMatch fill (TMADTextureSynthesis(guide='patchmatch'), sigma 4 px; not
# in the paper). More photo grain in the hole (FID, KID) for a little of the
# fidelity (l1, PSNR, SSIM) and about 0.6 s more per image (1.32x the shipped
# entry's latency): configs/tmad/README.md, "Texture synthesis".
_base_ = ['./tmad_telea_1xb4_photos-256x256.py']

experiment_name = 'tmad_telea-pmtexture_1xb4_photos-256x256'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(texture_synthesis=dict(guide='patchmatch', guide_sigma=4.))

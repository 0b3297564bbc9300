# The shipped weights with the texture-first synthesis of
# tmad_telea-pmtexture_1xb4_photos-256x256 on a wider guide (sigma 16 px,
# more of the PatchMatch fill in the start) held to the networks' layout in
# the match (TMADTextureSynthesis(structure_weight=2), the networks' low
# frequencies as a guide channel; not in the paper). Chosen on training
# photos; held out it is below PatchMatch's FID on rectangular holes (not
# resolved) and behind the texture-first entry in fidelity on irregular ones:
# configs/tmad/README.md, "Can the networks' layout hold a wider guide?".
_base_ = ['../tmad_telea_1xb4_photos-256x256.py']

experiment_name = 'tmad_synthesis-structure_1xb4_photos-256x256'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(
    texture_synthesis=dict(
        guide='patchmatch', guide_sigma=16., structure_weight=2.))

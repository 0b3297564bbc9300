# Ablation of the blending loss (paper Sec.IV-B, Fig.9): T-MAD trained
# without L_blend (Eq.9: neither its global-discriminator term nor its TV
# term); the global discriminator then idles. Everything else as the demo.
_base_ = ['../tmad_demo_1xb4_embedded-128x128.py']

experiment_name = 'tmad_noblend_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(loss_blend=None)

# Ablation of paper Tab.VI, 'w/ L_gan': the patch critic trained with a plain
# (non-relativistic) adversarial loss, mmagic's GANLoss, instead of the patch
# distribution loss L^pd_gan of Eq.6-7 (same weight, same real patches
# (T_c, p_gt), no memory compensation term). Everything else as the demo.
_base_ = ['../tmad_demo_1xb4_embedded-128x128.py']

experiment_name = 'tmad_lgan_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(
    loss_pd=None,
    loss_patch_gan=dict(type='GANLoss', gan_type='vanilla', loss_weight=0.05))

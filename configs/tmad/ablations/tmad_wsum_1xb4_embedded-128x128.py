# Ablation of paper Tab.V, 'W-Sum': instead of the top-N_c memory patches,
# one candidate per hole patch, the softmax-weighted sum S (x) T of the whole
# texture memory (TMADTextureRetrieval mode='wsum'); PSNet then takes one
# candidate. Everything else as the CPU demo.
_base_ = ['../tmad_demo_1xb4_embedded-128x128.py']

experiment_name = 'tmad_wsum_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(
    retrieval=dict(mode='wsum'), psnet=dict(num_candidates=1))

# Ablation of paper Tab.V: N_c = 1 texture candidates per hole patch
# (retrieval and PSNet), everything else as the CPU demo
# (configs/tmad/tmad_demo_1xb4_embedded-128x128.py; the demo has N_c = 4).
# Run through tools/analysis_tools/compare.py (see configs/tmad/README.md).
_base_ = ['../tmad_demo_1xb4_embedded-128x128.py']

experiment_name = 'tmad_nc1_1xb4_embedded-128x128'
work_dir = f'./work_dirs/{experiment_name}'
num_candidates = 1
model = dict(
    retrieval=dict(num_candidates=num_candidates),
    psnet=dict(num_candidates=num_candidates))

# Copyright (c) OpenMMLab. All rights reserved.
"""The GPU machine's carry list agrees with the pins used everywhere else."""
import os.path as osp
import re
import subprocess

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _pins(path):
    pins = {}
    for line in open(path):
        line = line.split('#')[0].strip()
        m = re.fullmatch(r'([A-Za-z0-9_.\-]+)==(\S+)', line)
        if m:
            pins[m.group(1).lower().replace('_', '-')] = m.group(2)
    return pins


def test_device_pins_match_constraints():
    device = _pins(osp.join(ROOT, 'tools', 'gpu', 'device_requirements.txt'))
    constraints = _pins(osp.join(ROOT, 'requirements', 'constraints.txt'))
    assert {'numpy', 'mmengine', 'mmagic', 'transformers'} <= set(device)
    shared = set(device) & set(constraints)
    assert len(shared) >= 8
    for name in shared:
        assert device[name] == constraints[name], name


def test_scripts_parse():
    for name in ('make_device_bundle.sh', 'device_setup.sh'):
        subprocess.run(['bash', '-n', osp.join(ROOT, 'tools', 'gpu', name)],
                       check=True)

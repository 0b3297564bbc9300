# Copyright (c) OpenMMLab. All rights reserved.
"""tools/gpu: the GPU machine's carry list agrees with the pins used
everywhere else; the scripts parse; trim_mmcv_cuda.py keeps exactly the
kernels asked for."""
import glob
import os
import os.path as osp
import re
import subprocess
import sys
import tarfile

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'gpu'))
import trim_mmcv_cuda  # noqa: E402


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
    assert {'mmengine', 'mmagic', 'transformers', 'platformdirs'
            } <= set(device)
    # the image's numpy 2 stays: its scipy and OpenCV are built against it
    assert 'numpy' not in device
    shared = set(device) & set(constraints)
    assert len(shared) >= 8
    for name in shared:
        assert device[name] == constraints[name], name


def test_scripts_parse():
    for name in ('make_device_bundle.sh', 'device_setup.sh',
                 'device_check.sh'):
        subprocess.run(['bash', '-n', osp.join(ROOT, 'tools', 'gpu', name)],
                       check=True)


BIND = """#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

void RoIAlignForwardCUDAKernelLauncher(Tensor input, Tensor output);

void roi_align_forward_cuda(Tensor input, Tensor output) {
  RoIAlignForwardCUDAKernelLauncher(input, output);
};
REGISTER_DEVICE_IMPL(roi_align_forward_impl, CUDA, roi_align_forward_cuda);

void CARAFENAIVEForwardCUDAKernelLauncher(const Tensor features,
                                          Tensor output);
// a comment with a brace { and a semicolon ;
void carafe_naive_forward_cuda(Tensor features, Tensor output) {
  if (features.numel()) {
    CARAFENAIVEForwardCUDAKernelLauncher(features, output);
  }
}
REGISTER_DEVICE_IMPL(carafe_naive_forward_impl, CUDA,
                     carafe_naive_forward_cuda);
"""
ENTRY = """Tensor nms_rotated(Tensor dets) {
#ifdef MMCV_WITH_CUDA
  return nms_rotated_cuda(dets);
#else
  AT_ERROR("Not compiled with GPU support");
#endif
}
"""


@pytest.fixture
def source(tmp_path):
    csrc = tmp_path / 'mmcv' / 'ops' / 'csrc' / 'pytorch'
    os.makedirs(csrc / 'cuda')
    (csrc / 'cuda' / 'cudabind.cpp').write_text(BIND)
    for name in ('carafe_cuda.cu', 'carafe_naive_cuda.cu',
                 'roi_align_cuda.cu'):
        (csrc / 'cuda' / name).write_text('// kernel\n')
    for name in ('nms_rotated.cpp', 'info.cpp', 'carafe.cpp'):
        (csrc / name).write_text(ENTRY)
    return tmp_path


def test_statements_split_top_level():
    parts = trim_mmcv_cuda.statements(BIND)
    assert ''.join(parts) == BIND
    # includes, then declaration / definition / registration per op; a
    # definition ends at its closing brace (with a `;` after it, if any),
    # braces and semicolons in comments count for nothing
    parts = [p.strip() for p in parts if p.strip()]
    assert len(parts) == 8
    assert parts[0].startswith('#include') and parts[1].startswith('#incl')
    assert parts[3].startswith('void roi_align_forward_cuda(')
    assert parts[3].endswith('};')
    assert parts[6].startswith('// a comment')
    assert parts[6].endswith('}') and 'if (features' in parts[6]
    assert [p.startswith('REGISTER_DEVICE_IMPL') for p in parts].count(True) \
        == 2


def test_trim_keeps_the_ops_asked_for(source):
    kept, removed = trim_mmcv_cuda.trim(str(source), ['carafe'])
    assert kept == ['carafe_cuda.cu', 'carafe_naive_cuda.cu']
    assert removed == ['roi_align_cuda.cu']
    csrc = source / 'mmcv' / 'ops' / 'csrc' / 'pytorch'
    bind = (csrc / 'cuda' / 'cudabind.cpp').read_text()
    assert 'RoIAlign' not in bind and 'roi_align' not in bind
    assert bind.count('#include') == 2
    assert 'CARAFENAIVEForwardCUDAKernelLauncher(features, output);' in bind
    assert 'carafe_naive_forward_impl, CUDA' in bind
    # an entry point calling a left-out kernel takes its CPU-only branch;
    # info.cpp (CUDA version queries) and the kept op's stay as they were
    entry = (csrc / 'nms_rotated.cpp').read_text()
    assert '#ifdef MMCV_WITH_CUDA' not in entry and '#if 0' in entry
    assert (csrc / 'info.cpp').read_text() == ENTRY
    assert (csrc / 'carafe.cpp').read_text() == ENTRY


def test_trim_errors(source, tmp_path, capsys):
    assert trim_mmcv_cuda.main([str(source), 'no_such_op']) == 2
    assert 'no CUDA kernel file of mmcv matches' in capsys.readouterr().err
    assert trim_mmcv_cuda.main([str(tmp_path / 'nothing'), 'carafe']) == 2
    assert 'not an mmcv 2.x source' in capsys.readouterr().err


def test_trim_real_mmcv_source(tmp_path):
    """mmcv 2.1.0's own cudabind.cpp (the source archive that the set-up
    compiles, when its cache holds it): every registration a statement of
    its own; CARAFE's two kernels and their eight statements kept."""
    cache = os.environ.get('MMEDIT_TMAD_CACHE',
                           osp.expanduser('~/.cache/mmedit_tmad'))
    found = sorted(glob.glob(osp.join(cache, 'wheels', '*',
                                      'mmcv-2.1.0.tar.gz')))
    if not found:
        pytest.skip('no mmcv-2.1.0.tar.gz in the set-up cache')
    with tarfile.open(found[0]) as tar:
        members = [
            m for m in tar.getmembers()
            if '/mmcv/ops/csrc/pytorch/' in m.name and m.isfile()
        ]
        tar.extractall(tmp_path, members=members, filter='data')
    src = str(tmp_path / 'mmcv-2.1.0')
    bind = osp.join(src, 'mmcv', 'ops', 'csrc', 'pytorch', 'cuda',
                    'cudabind.cpp')
    text = open(bind).read()
    parts = trim_mmcv_cuda.statements(text)
    assert ''.join(parts) == text
    assert sum('REGISTER_DEVICE_IMPL' in p for p in parts) == \
        text.count('REGISTER_DEVICE_IMPL(')
    kept, removed = trim_mmcv_cuda.trim(src, ['carafe'])
    assert kept == ['carafe_cuda.cu', 'carafe_naive_cuda.cu']
    assert len(removed) > 50
    trimmed = open(bind).read()
    assert trimmed.count('REGISTER_DEVICE_IMPL(') == 4
    assert 'Correlation' not in trimmed

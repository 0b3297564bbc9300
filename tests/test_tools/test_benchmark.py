# Copyright (c) OpenMMLab. All rights reserved.
"""tools/analysis_tools/benchmark.py on tiny inputs, as a user runs it."""
import json
import os.path as osp
import subprocess
import sys
import time

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'benchmark.py')
TMAD = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
COARSE = osp.join(ROOT, 'tests', 'configs', 'tmad_coarse_test.py')


@pytest.mark.slow
def test_benchmark_two_configs(tmp_path):
    out_json, out_md = tmp_path / 'bench.json', tmp_path / 'bench.md'
    proc = subprocess.run([
        sys.executable, TOOL, TMAD, COARSE, '--size', '32', '--iters', '1',
        '--warmup', '0', '--batch-sizes', '1', '2', '--train-step',
        '--train-batch', '2', '--ref', 'tmad_coarse', '--amp', 'none',
        'bf16', '--channels-last', '--out',
        str(out_json), '--md',
        str(out_md)
    ],
                          cwd=ROOT,
                          capture_output=True,
                          text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = [
        ln for ln in out_md.read_text().splitlines() if ln.startswith('| ')
    ]
    head = [c.strip() for c in rows[0].strip('|').split('|')]
    # one row per config and precision
    assert len(rows) == 5 and head[:3] == ['model', 'precision', 'layout']
    table = {}
    for line in rows[1:]:
        cells = [c.strip() for c in line.strip('|').split('|')]
        assert len(cells) == len(head)
        table[cells[0], cells[1]] = dict(zip(head, cells))
    assert set(table) == {(m, p) for m in ('tmad_test', 'tmad_coarse_test')
                          for p in ('fp32', 'bf16')}
    for prec in ('fp32', 'bf16'):
        # the reference row at the same precision has ratio 1 everywhere;
        # values parse as numbers; T-MAD runs channels_last
        ref, tmad = table['tmad_coarse_test', prec], table['tmad_test', prec]
        assert tmad['layout'] == ref['layout'] == 'channels_last'
        for col in head:
            if col.startswith('x '):
                assert ref[col] == '1.00x'
                assert float(tmad[col].rstrip('x')) > 0
            elif col not in ('model', 'precision', 'layout'):
                float(ref[col]), float(tmad[col])
    data = json.loads(out_json.read_text())
    # the machine's own roofline, measured in the same run
    rates = data['roofline']['rates']
    assert set(rates) == {'none/nchw', 'none/cl', 'bf16/nchw', 'bf16/cl'}
    assert all(v > 0 for v in rates.values())
    by_name = {(r['name'], r['amp']): r for r in data['rows']}
    for r in by_name.values():
        assert r['gflops_per_s'] > 0
        best = max(rates.values())
        assert abs(r['roofline_best'] - r['gflops_per_s'] / best) < 1e-9
    full = by_name['tmad_test', 'none']
    coarse = by_name['tmad_coarse_test', 'none']
    # the full model adds retrieval, PSNet and the patch critic
    assert full['params_g'] > coarse['params_g'] > 0
    assert full['params_d'] > 0
    assert full['gflops'] > coarse['gflops'] > 0
    for r in (full, coarse):
        assert set(r['inference']) == {'1', '2'}
        for inf in r['inference'].values():
            assert inf['latency_ms'] > 0 and inf['peak_mb'] > 0
        assert r['train']['seconds'] > 0 and r['train']['batch'] == 2
    # the ratio column is the measured quotient
    x = float(tmad['x G params'].rstrip('x'))
    assert abs(x - full['params_g'] / coarse['params_g']) < 0.01


def test_cuda_request_without_cuda_is_refused():
    import torch
    if torch.cuda.is_available():
        pytest.skip('CUDA present')
    sys.path.insert(0, osp.dirname(TOOL))
    import benchmark
    with pytest.raises(SystemExit, match='no CUDA device'):
        benchmark.main([TMAD, '--device', 'cuda'])
    with pytest.raises(SystemExit):  # fp16 autocast is CUDA-only here
        benchmark.parse_args([TMAD, '--amp', 'fp16'])


def test_outputs_are_checked_before_measuring(run_tool, run_main, tmp_path):
    old = tmp_path / 'bench.json'
    old.write_text('{"rows": []}')
    run = run_tool(TOOL, [TMAD, '--iters', '1', '--out', old])
    assert run.returncode == 2 and 'measuring' not in run.stdout
    assert run.error == f'error: --out: {old} exists; pass --overwrite to ' \
        'replace, or choose another output'
    sys.path.insert(0, osp.dirname(TOOL))
    import benchmark
    md = tmp_path / 'bench.md'
    for args, message in [
        (['--out', md, '--md', md], 'bench.md would be written twice'),
        (['--md', TMAD, '--overwrite'], 'is an input of this run'),
        (['--md', tmp_path], 'is a folder'),
    ]:
        run = run_main(benchmark.main, [TMAD, '--iters', '1'] + args)
        assert run.returncode == 2 and message in run.error
        assert 'measuring' not in run.stdout
    run = run_main(benchmark.main, [TMAD, 'configs/none.py', '--md', md])
    assert run.returncode == 2
    assert run.error == 'error: config not found: configs/none.py'
    assert old.read_text() == '{"rows": []}' and not md.exists()


def test_a_stopped_run_keeps_what_it_measured(monkeypatch, tmp_path, capsys):
    """The files hold each measurement as it is done: a run stopped in its
    second config (a time limit) keeps the first, marked partial."""
    sys.path.insert(0, osp.dirname(TOOL))
    import benchmark
    run = benchmark.run_worker

    def stopped_at_the_second(path, *args):
        if path == COARSE:
            raise KeyboardInterrupt
        return run(path, *args)

    monkeypatch.setattr(benchmark, 'run_worker', stopped_at_the_second)
    out_json, out_md = tmp_path / 'bench.json', tmp_path / 'bench.md'
    with pytest.raises(KeyboardInterrupt):
        benchmark.main([
            TMAD, COARSE, '--size', '32', '--iters', '1', '--warmup', '0',
            '--batch-sizes', '1', '--no-roofline', '--out',
            str(out_json), '--md',
            str(out_md)
        ])
    # the progress log has the figures too
    assert 'done in' in capsys.readouterr().out.split('b1 ')[0]
    data = json.loads(out_json.read_text())
    assert data['partial'] == '1 of 2 measurements'
    assert [r['name'] for r in data['rows']] == ['tmad_test']
    assert data['rows'][0]['inference']['1']['latency_ms'] > 0
    md = out_md.read_text()
    assert md.startswith('PARTIAL (1 of 2 measurements; the run did not')
    assert '| tmad_test | fp32 |' in md and 'tmad_coarse' not in md


def test_a_time_limit_stops_the_worker_and_keeps_the_files(tmp_path):
    """SIGTERM (``timeout``'s signal) during the second config: the run
    ends as interrupted (130), its worker does not go on measuring, and
    the files hold the first config."""
    import psutil
    out_md = tmp_path / 'bench.md'
    proc = subprocess.Popen([
        sys.executable, TOOL, TMAD, COARSE, '--size', '32', '--iters', '1',
        '--warmup', '0', '--batch-sizes', '1', '--no-roofline', '--md',
        str(out_md)
    ],
                            cwd=ROOT,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True)
    try:
        for line in proc.stdout:
            if 'tmad_coarse_test.py' in line:  # its worker starts
                break
        workers = []
        for _ in range(300):
            workers = psutil.Process(proc.pid).children(recursive=True)
            if workers:
                break
            time.sleep(0.1)
        assert workers, 'the second worker did not start'
        proc.terminate()
        assert proc.wait(timeout=120) == 130, proc.stderr.read()[-3000:]
    finally:
        proc.kill()
        proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive
    md = out_md.read_text()
    assert md.startswith('PARTIAL (1 of 2 measurements')
    assert '| tmad_test | fp32 |' in md


def test_dropped_perceptual_loss_is_not_used_on_the_output():
    """AOT-GAN applies its perceptual loss to the raw output too: without
    the VGG weights both uses go, so that its training step runs."""
    sys.path.insert(0, osp.dirname(TOOL))
    import benchmark
    cfg, dropped = benchmark.load_model_cfg(
        osp.join(ROOT, 'configs', 'aot_gan',
                 'aot_gan_4xb4_places-256x256.py'), [])
    if 'loss_composed_percep' not in dropped:
        pytest.skip('VGG weights present: nothing dropped')
    assert cfg.model.loss_composed_percep is None
    assert not cfg.model.loss_out_percep

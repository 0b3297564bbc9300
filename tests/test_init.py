# Copyright (c) OpenMMLab. All rights reserved.
import json
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# every name lookup of the child process is recorded and refused
_PROBE = textwrap.dedent('''
    import json, socket, sys
    calls = []
    def refuse(host, *args, **kwargs):
        calls.append(str(host))
        raise OSError('no network in this test')
    socket.getaddrinfo = refuse
    {code}
    print('LOOKUPS ' + json.dumps(calls))
''')


def _lookups(code: str, **env) -> list:
    # without the user's setting, and without a proxy (whose host would be
    # looked up instead of the server's)
    child_env = {
        k: v
        for k, v in os.environ.items() if k != 'NO_ALBUMENTATIONS_UPDATE'
        and not k.lower().endswith('_proxy')
    }
    child_env.update(env)
    child_env['PYTHONPATH'] = ROOT
    out = subprocess.run([sys.executable, '-c',
                          _PROBE.format(code=code)],
                         cwd=ROOT,
                         env=child_env,
                         capture_output=True,
                         text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    line = [x for x in out.stdout.splitlines() if x.startswith('LOOKUPS ')]
    assert line, out.stdout[-2000:]
    return json.loads(line[-1][len('LOOKUPS '):])


def test_import_goes_to_no_network():
    # the package and the host's data transforms (which import
    # albumentations, whose import asks PyPI for its latest version)
    assert _lookups('import mmedit_tmad, mmagic.datasets.transforms') == []


def test_the_users_own_setting_is_kept():
    # with the user's NO_ALBUMENTATIONS_UPDATE=0, albumentations asks PyPI
    # again: the probe above sees a lookup when one happens
    calls = _lookups(
        'import mmedit_tmad, mmagic.datasets.transforms, os; '
        'assert os.environ["NO_ALBUMENTATIONS_UPDATE"] == "0"',
        NO_ALBUMENTATIONS_UPDATE='0')
    assert calls == ['pypi.org']

# Copyright (c) OpenMMLab. All rights reserved.
"""The model zoo entries: model-index.yml -> configs/*/metafile.yml, each row
a config that exists, and the same rows and numbers as the README table."""
import os.path as osp
import re

import pytest
import yaml

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
METRICS = {
    'l1': 'l1 error',
    'PSNR': 'PSNR',
    'SSIM': 'SSIM',
    'TV': 'TV',
    'FID': 'FID'
}


def _metafiles():
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    return index['Import']


def readme_rows(readme: str) -> list:
    """The rows of the table under ``## Results and models``."""
    with open(readme) as f:
        text = f.read()
    section = text.split('## Results and models', 1)[1]
    lines = []  # the first table of the section
    for line in section.splitlines():
        if line.startswith('|'):
            lines.append(line)
        elif lines:
            break
    head = [c.strip() for c in lines[0].strip('|').split('|')]
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip('|').split('|')]
        assert len(cells) == len(head), line
        rows.append(dict(zip(head, cells)))
    return rows


def _number(cell: str):
    cell = cell.replace('*', '').strip()
    return None if cell == '-' else float(cell)


def test_model_index_lists_existing_metafiles():
    files = _metafiles()
    assert 'configs/tmad/metafile.yml' in files
    for path in files:
        assert osp.isfile(osp.join(ROOT, path)), path


@pytest.mark.parametrize('metafile', _metafiles())
def test_metafile_matches_readme(metafile):
    with open(osp.join(ROOT, metafile)) as f:
        meta = yaml.safe_load(f)
    (collection, ) = meta['Collections']
    readme = osp.join(ROOT, collection['README'])
    assert osp.isfile(readme)
    rows = readme_rows(readme)
    seen = set()
    for model in meta['Models']:
        assert model['In Collection'] == collection['Name']
        config = osp.join(ROOT, model['Config'])
        assert osp.isfile(config), model['Config']
        name = model['Name']
        assert name.startswith(osp.splitext(osp.basename(config))[0])
        mine = [
            r for r in rows
            if re.match(rf'\[{re.escape(name)}\]\(([^)]+)\)', r['config'])
        ]
        assert mine, f'{name} has no row in {collection["README"]}'
        for r in mine:
            link = re.match(r'\[[^]]+\]\(([^)]+)\)', r['config']).group(1)
            assert osp.normpath(osp.join(osp.dirname(readme), link)) == \
                osp.normpath(config), (name, link)
            iters = model.get('Metadata', {}).get('Iterations')
            assert r['iters'] == (str(iters) if iters else '-'), name
            assert r['resolution'] == model['Metadata']['Resolution']
            seen.add(id(r))
        results = model['Results'] or []
        if not results:  # no trained model: no numbers in the README
            for r in mine:
                assert all(_number(r[c]) is None for c in METRICS), name
            continue
        assert len(mine) == len(results), name
        for res in results:
            (row, ) = [
                r for r in mine
                if f'{r["dataset"]} / {r["mask"]}' == res['Dataset']
            ]
            for col, key in METRICS.items():
                assert _number(row[col]) == res['Metrics'].get(key), \
                    (name, res['Dataset'], col)
    assert len(seen) == len(rows), 'README rows without a metafile entry'

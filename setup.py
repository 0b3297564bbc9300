# Copyright (c) OpenMMLab. All rights reserved.
"""mmedit_tmad: T-MAD image inpainting as a plugin for OpenMMLab's mmagic."""
import os
import os.path as osp
import platform
import re
import shutil
import sys
import warnings

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
#: shipped inside the package as ``mmedit_tmad/.mim/`` for OpenMMLab's mim
#: (``mim train mmedit_tmad CONFIG`` runs ``mmedit_tmad/.mim/tools/train.py``;
#: ``checkpoints/`` holds the model zoo's shipped weights)
MIM_FILES = ['tools', 'configs', 'checkpoints', 'model-index.yml']


def get_version() -> str:
    with open(osp.join(HERE, 'mmedit_tmad', 'version.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def add_mim_extension() -> None:
    """Add the files mim needs (configs, tools, model index) to the package.

    As mmagic's ``setup.py``: symbolic links to the originals in
    ``mmedit_tmad/.mim`` for an editable install (``pip install -e .``,
    ``setup.py develop``), copies for ``pip install .`` / wheels / sdists;
    nothing for other commands.
    """
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'copy' if platform.system() == 'Windows' else 'symlink'
    elif any(cmd in sys.argv
             for cmd in ('sdist', 'bdist_wheel', 'install', 'build')):
        mode = 'copy'
    else:
        return
    mim_path = osp.join(HERE, 'mmedit_tmad', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for filename in MIM_FILES:
        src_path = osp.join(HERE, filename)
        if not osp.exists(src_path):
            continue
        tar_path = osp.join(mim_path, filename)
        if osp.isfile(tar_path) or osp.islink(tar_path):
            os.remove(tar_path)
        elif osp.isdir(tar_path):
            shutil.rmtree(tar_path)
        if mode == 'symlink':
            os.symlink(osp.relpath(src_path, mim_path), tar_path)
        elif osp.isfile(src_path):
            shutil.copyfile(src_path, tar_path)
        elif osp.isdir(src_path):
            shutil.copytree(
                src_path, tar_path,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            warnings.warn(f'Cannot copy file {src_path}.')


def parse_requirements(fname: str) -> list:
    """Requirement lines of ``requirements/<fname>``, comments dropped."""
    with open(osp.join(HERE, 'requirements', fname)) as f:
        lines = (line.split('#', 1)[0].strip() for line in f)
        return [line for line in lines if line]


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmedit_tmad',
        version=get_version(),
        description='T-MAD (Texture Memory-Augmented Deep Patch-Based Image '
        'Inpainting) for OpenMMLab mmagic',
        long_description=open(osp.join(HERE, 'README.md')).read()
        if osp.exists(osp.join(HERE, 'README.md')) else '',
        long_description_content_type='text/markdown',
        keywords='computer vision, inpainting, mmagic, openmmlab',
        packages=find_packages(exclude=('configs', 'tools', 'tests')),
        include_package_data=True,
        python_requires='>=3.8',
        install_requires=parse_requirements('runtime.txt'),
        extras_require=dict(
            tests=parse_requirements('tests.txt'),
            metrics=parse_requirements('metrics.txt'),
            deploy=parse_requirements('deploy.txt')),
        license='Apache License 2.0',
        zip_safe=False)

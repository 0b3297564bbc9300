# Copyright (c) OpenMMLab. All rights reserved.
"""mmedit_tmad: T-MAD image inpainting as a plugin for OpenMMLab's mmagic."""
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def get_version() -> str:
    with open(osp.join(HERE, 'mmedit_tmad', 'version.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def parse_requirements(fname: str) -> list:
    """Requirement lines of ``requirements/<fname>``, comments dropped."""
    with open(osp.join(HERE, 'requirements', fname)) as f:
        lines = (line.split('#', 1)[0].strip() for line in f)
        return [line for line in lines if line]


if __name__ == '__main__':
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
        extras_require=dict(tests=parse_requirements('tests.txt')),
        license='Apache License 2.0',
        zip_safe=False)

# Copyright (c) OpenMMLab. All rights reserved.
__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Parse a version string into a tuple.

    E.g. '0.1.0rc1' -> (0, 1, 0, 'rc1').
    """
    info = []
    for x in version_str.split('.'):
        if x.isdigit():
            info.append(int(x))
        elif 'rc' in x:
            major, rc = x.split('rc')
            info.extend([int(major), f'rc{rc}'])
    return tuple(info)


version_info = parse_version_info(__version__)

# Copyright (c) OpenMMLab. All rights reserved.
"""Native calls that release the GIL, run on the CPU's threads."""
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, List

import torch


def thread_map(fn: Callable, items: Iterable) -> List:
    """``[fn(x) for x in items]`` on ``torch.get_num_threads()`` threads.

    For calls into native code that releases the GIL and keeps no state
    between calls (OpenCV, ctypes libraries such as pypatchmatch): each
    result is the one ``fn`` gives alone, in the order of ``items``. With
    one thread, or one item, the calls run in the calling thread.
    """
    items = list(items)
    workers = min(len(items), torch.get_num_threads())
    if workers < 2:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))

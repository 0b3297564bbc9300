# Copyright (c) OpenMMLab. All rights reserved.
import threading
import time

import torch

from mmedit_tmad.utils import thread_map


def _in_main(x):
    time.sleep(0.01 * (x % 3))  # finish out of order
    return x, threading.current_thread() is threading.main_thread()


def test_thread_map_keeps_order_and_uses_the_cpus_threads():
    old = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        out = thread_map(_in_main, range(7))
        assert [x for x, _ in out] == list(range(7))
        assert not any(main for _, main in out)  # in the pool's workers
        # one item, or one thread: no pool
        assert thread_map(_in_main, [5]) == [(5, True)]
        torch.set_num_threads(1)
        out = thread_map(_in_main, iter(range(3)))
        assert out == [(0, True), (1, True), (2, True)]
        assert thread_map(_in_main, []) == []
    finally:
        torch.set_num_threads(old)

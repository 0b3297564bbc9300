# Copyright (c) OpenMMLab. All rights reserved.
"""Per-image values of sample-wise metrics, saved for paired tests."""
import json
from typing import List, Sequence

from mmagic.evaluation.metrics.base_sample_wise_metric import \
    BaseSampleWiseMetric

from mmedit_tmad.registry import METRICS


@METRICS.register_module()
class TMADPerImage(BaseSampleWiseMetric):
    """Saves each image's value of other sample-wise metrics to a file.

    mmagic's ``MAE``, ``PSNR``, ``SSIM`` (and our ``TMADTV``) report the
    mean over the test set; a paired test between two methods
    (:func:`mmedit_tmad.evaluation.functional.paired_differences`) needs
    the value of every image. This metric builds the given metrics, lets
    each process the same samples and writes their per-image values, in
    the test set's order and with each metric's ``scaling``, to
    ``out_file`` (JSON: ``{metric: [value, ...]}``). With ``report_means``
    it also reports what each metric would report (its own
    ``compute_metrics`` on the same values, under this metric's
    ``prefix``), so the evaluator need not compute them a second time;
    otherwise it reports nothing and the metrics stay in the evaluator.

    Args:
        metrics (list[dict]): Configs of sample-wise metrics.
        out_file (str): The JSON file to write.
        report_means (bool): Report each metric's mean as well.
            Default: False.
        **kwargs: Other ``BaseSampleWiseMetric`` arguments.
    """

    metric = 'PerImage'

    def __init__(self,
                 metrics: List[dict],
                 out_file: str,
                 report_means: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not metrics:
            raise ValueError('TMADPerImage needs at least one metric')
        self.metrics = [METRICS.build(m) for m in metrics]
        for m in self.metrics:
            # a per-image value is what process_image returns
            if not isinstance(m, BaseSampleWiseMetric) or type(
                    m).process_image is BaseSampleWiseMetric.process_image:
                raise TypeError(f'{type(m).__name__} is not a sample-wise '
                                'metric: it has no per-image values')
        names = [m.metric for m in self.metrics]
        if len(set(names)) != len(names):
            raise ValueError(f'metrics must differ, got {names}')
        self.out_file = out_file
        self.report_means = bool(report_means)

    def process(self, data_batch: Sequence[dict],
                data_samples: Sequence[dict]) -> None:
        """Each metric's result of each sample (unscaled, as the metric
        keeps it), as one row per sample."""
        rows = [dict() for _ in data_samples]
        for m in self.metrics:
            start = len(m.results)
            m.process(data_batch, data_samples)
            for row, res in zip(rows, m.results[start:]):
                row[m.metric] = res[m.metric]
            del m.results[start:]
        self.results.extend(rows)

    def compute_metrics(self, results: List[dict]) -> dict:
        """Write the per-image values (with each metric's ``scaling``);
        report the means with ``report_means``, else nothing."""
        from mmedit_tmad.engine.atomic_io import atomic_write
        values = {
            m.metric: [float(r[m.metric]) * m.scaling for r in results]
            for m in self.metrics
        }
        atomic_write(self.out_file, json.dumps(values))
        means = {}
        if self.report_means:
            for m in self.metrics:
                means.update(
                    m.compute_metrics([{
                        m.metric: r[m.metric]
                    } for r in results]))
        return means

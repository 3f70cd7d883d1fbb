"""Sample-quality metrics: FID, Inception Score, KID, precision/recall, CAS.

NumPy functions (`frechet_distance`, `inception_score`, `kernel_inception_distance`,
`precision_recall`) are the ground truth; the streaming Keras metrics
(`FID`, `InceptionScore`, `KID`) and `ganzoo.evaluate` are built on them.
"""

from ganzoo.metrics.distances import (
    frechet_distance,
    gaussian_statistics,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)

__all__ = [
    "frechet_distance",
    "gaussian_statistics",
    "inception_score",
    "kernel_inception_distance",
    "precision_recall",
]

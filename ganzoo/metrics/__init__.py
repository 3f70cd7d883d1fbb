"""Sample-quality metrics: FID, Inception Score, KID, precision/recall, CAS.

NumPy functions (`frechet_distance`, `inception_score`, `kernel_inception_distance`,
`precision_recall`) are the ground truth; the streaming Keras metrics
(`FID`, `InceptionScore`, `KID`) and `ganzoo.evaluate` are built on them, with a feature
network from `feature_extractor(name)`.
"""

from ganzoo.metrics.cas import classification_accuracy_score
from ganzoo.metrics.distances import (
    frechet_distance,
    gaussian_statistics,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)
from ganzoo.metrics.extractors import FeatureExtractor, feature_extractor
from ganzoo.metrics.streaming import (
    FID,
    KID,
    InceptionScore,
    compute_statistics,
    load_statistics,
    save_statistics,
)

__all__ = [
    "FID",
    "KID",
    "FeatureExtractor",
    "InceptionScore",
    "classification_accuracy_score",
    "compute_statistics",
    "feature_extractor",
    "frechet_distance",
    "gaussian_statistics",
    "inception_score",
    "kernel_inception_distance",
    "load_statistics",
    "precision_recall",
    "save_statistics",
]

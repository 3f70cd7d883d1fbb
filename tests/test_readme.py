"""Every Python block of README.md and docs/quickstart.md runs as written.

The blocks of one page run in order in one namespace (later blocks use the
`model` of earlier ones), in a temporary folder. The only stand-in is the data:
`ganzoo.data.load` returns 128 random images in [-1, 1] of the named data
set's shape, so each epoch is two steps of the real, default-size model.
"""

import os
import re

import numpy as np
import pytest
from helpers import ROOT

import ganzoo

PAGES = ["README.md", "docs/quickstart.md"]


def python_blocks(page):
    with open(os.path.join(ROOT, page), encoding="utf-8") as f:
        return re.findall(r"^```python\n(.*?)^```", f.read(), re.S | re.M)


def test_the_pages_have_python_blocks():
    assert all(python_blocks(page) for page in PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_python_blocks_run_as_written(page, tmp_path, monkeypatch):
    shapes = {"fashion_mnist": (28, 28, 1), "mnist": (28, 28, 1), "cifar10": (32, 32, 3)}
    rng = np.random.default_rng(0)

    def load(dataset, split="train", **kwargs):
        return (rng.uniform(-1, 1, (128, *shapes[dataset])).astype("float32"),
                rng.integers(0, 10, 128).astype("int32"))

    monkeypatch.setattr(ganzoo.data, "load", load)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for i, block in enumerate(python_blocks(page)):
        exec(compile(block, f"<{page} python block {i + 1}>", "exec"), namespace)

"""InfoGAN's sampling inputs: where each code goes, and a traversal keeps z fixed."""

import numpy as np
import pytest
from helpers import tiny


def test_latent_layout_and_fixed_noise_for_given_codes():
    model = tiny("infogan", compile=False)
    k, c, d = model.num_categories, model.num_continuous, model.latent_dim
    codes = np.linspace(-1, 1, 5 * c, dtype="float32").reshape(5, c)
    drawn = model.latent_numpy(5, np.random.default_rng(0))
    given = model.latent_numpy(5, np.random.default_rng(0), categories=[3, 3, 1, 0, 9], continuous=codes)
    assert given.shape == drawn.shape == (5, d + k + c)
    # Same seed, same noise, whether the codes are drawn or given.
    np.testing.assert_array_equal(given[:, :d], drawn[:, :d])
    np.testing.assert_array_equal(given[:, d:d + k].argmax(axis=1), [3, 3, 1, 0, 9])
    np.testing.assert_array_equal(given[:, d:d + k].sum(axis=1), 1.0)
    np.testing.assert_array_equal(given[:, d + k:], codes)
    # Defaults: categories cycle through 0..K-1, continuous codes uniform in [-1, 1].
    np.testing.assert_array_equal(drawn[:, d:d + k].argmax(axis=1), np.arange(5) % k)
    assert np.all(np.abs(drawn[:, d + k:]) <= 1.0)


def test_traversal_changes_only_the_code():
    model = tiny("infogan", compile=False)
    zeros = np.zeros((4, model.num_continuous), "float32")
    ones = np.ones((4, model.num_continuous), "float32")
    a = model.generate(4, categories=[2] * 4, continuous=zeros, seed=3)
    np.testing.assert_array_equal(a, model.generate(4, categories=[2] * 4, continuous=zeros, seed=3))
    assert not np.array_equal(a, model.generate(4, categories=[2] * 4, continuous=ones, seed=3))
    assert not np.array_equal(a, model.generate(4, categories=[5] * 4, continuous=zeros, seed=3))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"categories": [0, 1, 10]}, "categories"),
        ({"categories": [0.5, 1.0, 2.0]}, "categories"),
        ({"categories": [0, 1]}, "categories"),
        ({"continuous": np.zeros((3, 5))}, "continuous"),
        ({"continuous": np.zeros(6)}, "continuous"),
    ],
)
def test_bad_codes_are_rejected(kwargs, match):
    model = tiny("infogan", compile=False)
    with pytest.raises(ValueError, match=match):
        model.generate(3, **kwargs)

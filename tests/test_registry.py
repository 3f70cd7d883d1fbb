import keras
import pytest

import ganzoo
from ganzoo.registry import spec


def test_list_models_sorted_and_contains_core():
    names = ganzoo.list_models()
    assert names == sorted(names)
    assert {"gan", "dcgan"} <= set(names)


def test_pattern_filter():
    assert ganzoo.list_models("dc*") == ["dcgan"]
    assert ganzoo.list_models("nothing-matches-*") == []
    assert all(n.endswith("gan") for n in ganzoo.list_models("*gan"))


def test_unknown_name_suggests_and_lists():
    with pytest.raises(ValueError) as info:
        ganzoo.get("dcgam")
    text = str(info.value)
    assert "Did you mean 'dcgan'" in text
    for name in ganzoo.list_models():
        assert name in text


def test_unknown_preset():
    with pytest.raises(ValueError, match="no preset 'huge'"):
        ganzoo.get("dcgan", preset="huge")


def test_get_compiles_with_published_defaults():
    model = ganzoo.get("dcgan")
    assert model.compiled
    for opt in (model.d_optimizer, model.g_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)
        assert float(opt.learning_rate) == pytest.approx(2e-4)
        assert opt.beta_1 == pytest.approx(0.5)


def test_compile_false_and_overrides():
    model = ganzoo.get("dcgan", compile=False, latent_dim=7, image_shape=(32, 32, 3))
    assert not model.compiled
    assert model.latent_dim == 7
    assert model.generator.output_shape == (None, 32, 32, 3)
    with pytest.raises(RuntimeError, match="not compiled"):
        model.d_optimizer  # noqa: B018


def test_every_model_has_tiny_preset_and_description():
    for name in ganzoo.list_models():
        model_spec = spec(name)
        assert "tiny" in model_spec.presets
        assert model_spec.description


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"image_shape": (28, 28)}, "image_shape"),
        ({"image_shape": (28, 28, 2)}, "channels"),
        ({"image_shape": (7, 7, 1)}, "even"),
        ({"latent_dim": 0}, "latent_dim"),
        ({"loss": "wassersten"}, "Did you mean 'wasserstein'"),
        ({"d_steps": 0}, "d_steps"),
    ],
)
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ganzoo.get("dcgan", **kwargs)


def test_register_requires_tiny_preset():
    with pytest.raises(ValueError, match="tiny"):
        ganzoo.register("x", presets={})


def test_name_of_asks_the_registry_and_sets_nothing_on_the_class():
    from ganzoo.models import DCGAN
    from ganzoo.registry import name_of

    assert name_of(DCGAN) == "dcgan"
    assert name_of(ganzoo.get("cgan", preset="tiny", compile=False)) == "cgan"

    class Mine(DCGAN):  # a user's subclass is not the registered dcgan
        pass

    assert name_of(Mine) is None
    # Keras' own registered name is the only one on the class.
    assert "registered_name" not in vars(DCGAN)
    assert keras.saving.get_registered_name(DCGAN) == "ganzoo>DCGAN"

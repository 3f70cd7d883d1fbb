"""What every variant promises, checked over the registry (construction only, fast)."""

import inspect
import re

import numpy as np
import pytest

import ganzoo
from ganzoo.losses import LOSSES
from ganzoo.models import AdversarialModel, is_conditional
from ganzoo.registry import spec

MODELS = ganzoo.list_models()
ADVERSARIAL = [n for n in MODELS if issubclass(spec(n).cls, AdversarialModel)]
#: Docstring examples run at the tiny preset: the default size costs minutes per backend.
TINY_EXAMPLES = {"cyclegan"}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_every_gan_accepts_a_loss(name):
    for loss in ("hinge", "least_squares"):  # at least one is not its default
        model = ganzoo.get(name, preset="tiny", compile=False, loss=loss)
        assert tuple(model.adversarial_loss) == tuple(LOSSES[loss])
        assert model.get_config()["loss"] == loss


@pytest.mark.parametrize("name", MODELS)
def test_docstring_has_objective_reference_args_and_example(name):
    doc = spec(name).cls.__doc__ or ""
    assert "Objective" in doc, f"{name}: state the objective"
    assert "Reference" in doc, f"{name}: cite the paper"
    assert "Args:" in doc
    example = re.search(r"Example:\s*```python\n(.*?)```", doc, re.S)
    assert example, f"{name}: add a ```python Example: block"
    assert f'ganzoo.get("{name}"' in example.group(1), f"{name}: the example should build it by name"
    # Every constructor argument of the config is documented.
    config = ganzoo.get(name, preset="tiny", compile=False).get_config()
    args = doc.split("Args:")[1].split("Example:")[0]
    missing = [k for k in config if k not in ("name", "trainable", "dtype") and f"{k}:" not in args]
    assert not missing, f"{name}: undocumented arguments {missing}"


@pytest.mark.parametrize("name", MODELS)
def test_docstring_example_runs_as_written(name, monkeypatch):
    """The Example block, executed verbatim with its default-size model. Only the data is a
    stand-in: 64 images of the named data set's shape in [-1, 1] (so each epoch is one step).
    Models in TINY_EXAMPLES run at their tiny preset (`ganzoo.get` patched): building the
    default-size CycleGAN's train step took 120 s here on TensorFlow (19 s tiny); its default
    networks are built by test_cyclegan."""
    example = re.search(r"Example:\s*```python\n(.*?)```", spec(name).cls.__doc__, re.S).group(1)
    shapes = {"fashion_mnist": (28, 28, 1), "mnist": (28, 28, 1), "cifar10": (32, 32, 3),
              "fashion_mnist_edges": (28, 28, 1), "fashion_mnist_pair": (28, 28, 1)}
    rng = np.random.default_rng(0)

    def load(dataset, split="train", **kwargs):
        images = rng.uniform(-1, 1, (64, *shapes[dataset.split(":")[0]])).astype("float32")
        if ganzoo.data.returns_two_image_sets(dataset):  # (input images, target images), or two domains
            return np.where(images > 0, 1.0, -1.0).astype("float32"), images
        return images, rng.integers(0, 10, 64).astype("int32")

    monkeypatch.setattr(ganzoo.data, "load", load)
    if name in TINY_EXAMPLES:
        default_get = ganzoo.get
        monkeypatch.setattr(ganzoo, "get", lambda model, **kwargs: default_get(model, **{"preset": "tiny", **kwargs}))
    namespace = {}
    exec(compile(inspect.cleandoc(example), f"<{name} docstring example>", "exec"), namespace)
    history = namespace["model"].history.history  # it trained, and the losses stayed finite
    assert history and all(len(v) >= 5 and np.all(np.isfinite(v)) for v in history.values())


@pytest.mark.parametrize("name", ganzoo.list_models(task="generation"))
def test_models_with_classes_generate_by_label(name):
    model = ganzoo.get(name, preset="tiny", compile=False)
    if is_conditional(model):
        assert model.generate(2, labels=[0, 1], seed=0).shape[0] == 2
    else:  # a clear error, not a TypeError about an unexpected argument
        with pytest.raises(ValueError, match="unconditional: it takes no labels"):
            model.generate(2, labels=[0, 1])


def test_the_conditional_variants_are_labelled():
    labelled = {n for n in MODELS if is_conditional(spec(n).cls)}
    assert {"cgan", "acgan", "cvae"} <= labelled
    assert "infogan" not in labelled  # it trains on unlabelled images


def test_acgan_refuses_a_discriminator_conditioning():
    # Its discriminator never sees the label, so the cGAN option would be silently ignored.
    with pytest.raises(ValueError, match="auxiliary classifier head.*Received: conditioning='projection'"):
        ganzoo.get("acgan", preset="tiny", conditioning="projection")


@pytest.mark.parametrize("name", ganzoo.list_models(task="translation"))
def test_translation_models_refuse_to_generate_and_say_translate(name):
    model = ganzoo.get(name, preset="tiny", compile=False)
    with pytest.raises(TypeError, match=r"model\.translate\(inputs\)"):
        model.generate(2)


def test_every_model_declares_its_task():
    assert set(ganzoo.list_models(task="generation")) | set(ganzoo.list_models(task="translation")) == set(MODELS)
    assert "pix2pix" in ganzoo.list_models(task="translation") and "dcgan" in ganzoo.list_models(task="generation")
    assert spec("pix2pix").task == "translation"
    with pytest.raises(ValueError, match="task must be one of generation, translation"):
        ganzoo.list_models(task="sampling")

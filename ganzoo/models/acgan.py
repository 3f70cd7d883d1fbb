"""Auxiliary-classifier GAN (Odena, Olah & Shlens 2017).

The generator is conditioned on the class c; the discriminator is not, but
has a second head that classifies every image. With L_S the adversarial
(source) loss and L_C the class log-likelihood
`L_C = E[log P(C = c | X_real)] + E[log P(C = c | X_fake)]`,
D maximises L_S + L_C and G maximises L_C - L_S (section 3). Here both are
written as minimised losses: D: adversarial + cross-entropy on real and fake;
G: adversarial + cross-entropy on fake.

Reference: Odena et al., "Conditional Image Synthesis with Auxiliary
Classifier GANs", ICML 2017 (arXiv:1610.09585).

Deviation: the DCGAN architecture of this zoo (the paper's ImageNet networks
are larger); class weight 1 on the auxiliary loss, as in the paper.
"""

from __future__ import annotations

import keras
from keras import ops

from ganzoo.models.cgan import ConditionalDCGAN
from ganzoo.models.networks import init
from ganzoo.registry import register


@register(
    "acgan",
    description="Auxiliary-classifier GAN (Odena et al. 2017)",
    presets={"tiny": {"base_filters": 8, "latent_dim": 16}},
)
class ACGAN(ConditionalDCGAN):
    """Auxiliary-classifier GAN (Odena et al. 2017).

    Objective: D minimises `L_adv + CE(c | x_real) + CE(c | G(z, c))`;
    G minimises `L_adv,G + CE(c | G(z, c))`.

    Reference:
        Odena et al., "Conditional Image Synthesis with Auxiliary Classifier
        GANs", ICML 2017.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        num_classes: int. Number of classes. Defaults to 10.
        latent_dim: int. Noise dimension. Defaults to 100.
        class_weight: float. Weight of the auxiliary classification loss. Defaults to 1.
        embedding_dim: int. Size of the generator's label embedding. Defaults to 50.
        base_filters: int. Width of the first discriminator convolution (DCGAN
            layout). Defaults to 64.
        loss: str. Adversarial loss from `ganzoo.losses.LOSSES`. Defaults to `"non_saturating"`.
        d_steps: int. Discriminator updates per generator update. Defaults to 1.
        ema: float or None. Decay of the generator's moving average used by
            `generate` (e.g. 0.999). Defaults to None.
        augment: str or None. DiffAugment policies ("color", "translation",
            "cutout", comma-separated) applied to real and generated images
            before every discriminator call (`ganzoo.augment`). Defaults to None.
        seed: int or None. Seed of the training noise. Defaults to None.

    Example:
    ```python
    import ganzoo
    images, labels = ganzoo.data.load("fashion_mnist", "train")  # [-1, 1], NHWC
    model = ganzoo.get("acgan")
    model.fit(images, labels, epochs=5, batch_size=64)
    samples = model.generate(10, labels=list(range(10)), seed=0)
    ```
    """

    metric_names = ("d_loss", "g_loss", "d_class_loss", "g_class_loss")

    def __init__(self, class_weight: float = 1.0, **kwargs):
        if "conditioning" in kwargs:
            raise ValueError(
                "AC-GAN's discriminator is not given the label: it predicts it with an auxiliary "
                "classifier head, so there is no `conditioning` to choose. For a discriminator "
                "conditioned on the label use ganzoo.get('cgan', conditioning='concat' or 'projection'). "
                f"Received: conditioning={kwargs['conditioning']!r}"
            )
        self.class_weight = float(class_weight)
        super().__init__(**kwargs)

    def build_discriminator(self):
        images = keras.Input(self.image_shape, name="images")
        features = self.discriminator_network(images)
        source = self.logit_layer(name="source")(features)
        classes = self.discriminator_dense(self.num_classes, kernel_initializer=init(), dtype="float32",
                                           name="classes")(features)
        return keras.Model(images, [source, classes], name="discriminator")

    # The discriminator does not see the label; its second head predicts it.
    def critic(self, images, y, training=True):
        source, classes = self.discriminator(images, training=training)
        return source, classes

    def _class_loss(self, labels, class_logits):
        return ops.mean(keras.losses.sparse_categorical_crossentropy(labels, class_logits, from_logits=True))

    def discriminator_terms(self, real, fake, y, codes, real_classes, fake_classes, training):
        classes = self._class_loss(y, real_classes) + self._class_loss(y, fake_classes)
        return self.class_weight * classes, {"d_class_loss": classes}

    def generator_terms(self, fake, y, codes, fake_classes, training):
        class_loss = self._class_loss(y, fake_classes)
        return self.class_weight * class_loss, {"g_class_loss": class_loss}

    def get_config(self):
        return {**super().get_config(), "class_weight": self.class_weight}

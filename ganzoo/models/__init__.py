"""The zoo's variants: one file each, registered where defined."""

from ganzoo.models.base import AdversarialModel, Player
from ganzoo.models.dcgan import DCGAN
from ganzoo.models.gan import GAN

__all__ = ["AdversarialModel", "DCGAN", "GAN", "Player"]

"""The zoo's variants: one file each, registered where defined."""

from ganzoo.models.acgan import ACGAN
from ganzoo.models.base import AdversarialModel, Player, PlayerModel
from ganzoo.models.cgan import CGAN
from ganzoo.models.dcgan import DCGAN
from ganzoo.models.gan import GAN
from ganzoo.models.lsgan import LSGAN
from ganzoo.models.sngan import SNGAN
from ganzoo.models.wgan_gp import WGANGP

__all__ = ["AdversarialModel", "DCGAN", "GAN", "LSGAN", "Player", "PlayerModel", "SNGAN", "WGANGP"]

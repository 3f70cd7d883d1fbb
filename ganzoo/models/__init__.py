"""The zoo's variants: one file each, registered where defined."""

from ganzoo.models.acgan import ACGAN
from ganzoo.models.base import AdversarialModel, Player, PlayerModel
from ganzoo.models.cgan import CGAN
from ganzoo.models.cvae import CVAE
from ganzoo.models.dcgan import DCGAN
from ganzoo.models.gan import GAN
from ganzoo.models.infogan import InfoGAN
from ganzoo.models.lsgan import LSGAN
from ganzoo.models.sngan import SNGAN
from ganzoo.models.vae import VAE
from ganzoo.models.wgan_gp import WGANGP

__all__ = [
    "ACGAN", "AdversarialModel", "CGAN", "CVAE", "DCGAN", "GAN", "InfoGAN", "LSGAN",
    "Player", "PlayerModel", "SNGAN", "VAE", "WGANGP",
]

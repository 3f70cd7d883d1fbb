"""The zoo's variants: one file each, registered where defined.

The machinery they share, one file each: `player` (the player loop and compile
plumbing), `adversarial` (the GAN game and its hooks, EMA), `conditional` (the
class-label protocol), `networks` (the network builders), `persistence` (seed
state and optimizers in saved files).
"""

from ganzoo.models.acgan import ACGAN
from ganzoo.models.adversarial import AdversarialModel, TwoPlayerModel
from ganzoo.models.cgan import CGAN
from ganzoo.models.conditional import Conditional, is_conditional
from ganzoo.models.cvae import CVAE
from ganzoo.models.cyclegan import CycleGAN
from ganzoo.models.dcgan import DCGAN
from ganzoo.models.gan import GAN
from ganzoo.models.infogan import InfoGAN
from ganzoo.models.lsgan import LSGAN
from ganzoo.models.pix2pix import Pix2Pix
from ganzoo.models.player import Player, PlayerModel
from ganzoo.models.sngan import SNGAN
from ganzoo.models.vae import VAE
from ganzoo.models.wgan_gp import WGANGP

__all__ = [
    "ACGAN", "AdversarialModel", "CGAN", "CVAE", "Conditional", "CycleGAN", "DCGAN", "GAN", "InfoGAN", "LSGAN",
    "Pix2Pix", "Player", "PlayerModel", "SNGAN", "TwoPlayerModel", "VAE", "WGANGP", "is_conditional",
]

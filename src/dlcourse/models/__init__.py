"""Models: every network of the course, one file per kind, each re-exported here.

- ``mlp``: fully connected networks (``SimpleNN``, ``MLP``, ``DeepMLP``);
- ``initialization``: initialization suited to an activation;
- ``cnn``: convolutional networks for the 8×8 digits, and the output-size rule;
- ``embedding``: learned vectors for discrete things (skip-gram, a bag-of-embeddings classifier);
- ``rnn``: recurrent character models;
- ``attention``: scaled dot-product and multi-head attention, written out;
- ``transformer``: sinusoidal positions, the transformer block and a small character GPT;
- ``autoencoder``: autoencoders (plain, denoising) and the variational autoencoder;
- ``gan``: a generative adversarial network (MLP generator and discriminator, its training loop);
- ``diffusion``: a denoising diffusion model (DDPM) and its MLP denoiser;
- ``resnet``: a residual CNN for the digits (the capstone's model).

``from dlcourse.models import MLP`` works for every model.
"""

from __future__ import annotations

from dlcourse.models.attention import MultiHeadAttention, scaled_dot_product_attention
from dlcourse.models.autoencoder import (
    VAE,
    Autoencoder,
    elbo_terms,
    gaussian_kl,
    reparameterize,
)
from dlcourse.models.cnn import DigitCNN, conv_output_size
from dlcourse.models.diffusion import DDPM, MLPDenoiser
from dlcourse.models.embedding import EmbeddingBagClassifier, SkipGram, cosine_neighbours
from dlcourse.models.gan import MLPDiscriminator, MLPGenerator, train_gan
from dlcourse.models.initialization import init_for_activation
from dlcourse.models.mlp import MLP, DeepMLP, SimpleNN
from dlcourse.models.resnet import DigitResNet, ResidualBlock
from dlcourse.models.rnn import CharRNN
from dlcourse.models.transformer import CharGPT, TransformerBlock, sinusoidal_positions

__all__ = [
    "DDPM",
    "MLP",
    "VAE",
    "Autoencoder",
    "CharGPT",
    "CharRNN",
    "DeepMLP",
    "DigitCNN",
    "DigitResNet",
    "EmbeddingBagClassifier",
    "MLPDenoiser",
    "MLPDiscriminator",
    "MLPGenerator",
    "MultiHeadAttention",
    "ResidualBlock",
    "SimpleNN",
    "SkipGram",
    "TransformerBlock",
    "conv_output_size",
    "cosine_neighbours",
    "elbo_terms",
    "gaussian_kl",
    "init_for_activation",
    "reparameterize",
    "scaled_dot_product_attention",
    "sinusoidal_positions",
    "train_gan",
]

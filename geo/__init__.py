"""Insecurity Atlas: recorded incidents, perceived insecurity and nightlife venues on H3."""

__version__ = "0.1.0"

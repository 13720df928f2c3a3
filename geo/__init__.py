"""Insecurity Atlas: recorded incidents, perceived insecurity and nightlife venues on one H3 grid."""

__version__ = "0.1.0"

"""PolicyVault: a privacy policy made executable."""

__version__ = "0.1.0"

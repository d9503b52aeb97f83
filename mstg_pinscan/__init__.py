"""pinscan: rate certificate pinning and trust-store decisions against MSTG-NETWORK-4."""

__version__ = "0.1.0"

"""Backprop Lab: watch a small neural network learn, one partial derivative at a time."""

__version__ = "0.1.0"

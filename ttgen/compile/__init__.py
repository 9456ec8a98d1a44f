"""Checks of emitted code against the real tt-metal toolchain: kernels through g++ with the real kernel
headers, the host program against a manifest of the real host API."""

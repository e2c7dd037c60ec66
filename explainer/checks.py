"""The engine's checks at its public edge, one per kind of argument: each returns the value it checked (as the
type the engine computes with) or raises ValueError naming the argument and what it got."""
from __future__ import annotations

import math

import numpy as np


def whole(name: str, value: object, least: int = 0) -> int:
    """A whole number >= least (True and False are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name} must be a whole number >= {least}, got {value!r}")
    return int(value)


def positive(name: str, value: object) -> float:
    """A finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
            or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def flag(name: str, value: object) -> bool:
    """True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def one_of(name: str, value: object, options: tuple) -> object:
    """One of the options."""
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def matrices(name: str, a: object) -> np.ndarray:
    """A non-empty matrix, or a stack of them (the last two axes are the matrix), of finite numbers, as floats."""
    a = np.asarray(a, dtype=float)
    if a.ndim < 2 or 0 in a.shape:
        raise ValueError(f"{name} must be a non-empty matrix (or a stack of them), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must hold finite numbers only, got NaN or infinity in shape {a.shape}")
    return a


def read_only(record: object) -> None:
    """Make every numpy array among a dataclass record's fields read-only: a record is what was computed, and
    nothing downstream may change it."""
    for value in vars(record).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)

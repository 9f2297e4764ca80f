"""Non-embedding parameter counts of common model families, in billions, with their sources.

The law's coefficients are lines in ``ln N`` with ``N`` the parameter count without embeddings
(see docs/family.md). Each entry names where its number comes from:

- ``card``: the model card's "Number of Parameters (Non-Embedding)".
- ``config``: computed from the model's ``config.json`` as the parameters of the transformer
  layers and final norm: per layer, the query/key/value/output projections (with biases where
  the config has them), the three SwiGLU matrices ``3 * hidden * intermediate`` and the norms;
  the token embedding and output head are left out. The same count plus the embedding
  (``vocab * hidden``, twice when untied) reproduces the total the model card states.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .._text import listing
from ..errors import InputError

QWEN25_CARD = "Qwen2.5 model cards (huggingface.co/Qwen), 'Number of Parameters (Non-Embedding)'"
QWEN3_CARD = ("Qwen3 model cards (huggingface.co/Qwen), 'Number of Parameters (Non-Embedding)'; "
              "agrees with the count computed from config.json")
QWEN25_MATH = ("config.json of Qwen2.5-Math-{0}: the architecture of Qwen2.5-{0} (layers, hidden, "
               "intermediate and head sizes), so the Qwen2.5-{0} card's count")
LLAMA_CONFIG = ("computed from config.json ({0}); with the {1} embedding it gives the "
                "card's total of {2}")


@dataclass(frozen=True)
class ModelSize:
    """A model's non-embedding parameter count in billions, and where it comes from."""

    name: str
    size: float
    source: str
    aliases: tuple[str, ...] = ()


MODEL_SIZES: tuple[ModelSize, ...] = (
    ModelSize("Qwen2.5-0.5B", 0.36, QWEN25_CARD),
    ModelSize("Qwen2.5-1.5B", 1.31, QWEN25_CARD),
    ModelSize("Qwen2.5-3B", 2.77, QWEN25_CARD),
    ModelSize("Qwen2.5-7B", 6.53, QWEN25_CARD),
    ModelSize("Qwen2.5-14B", 13.1, QWEN25_CARD),
    ModelSize("Qwen2.5-32B", 31.0, QWEN25_CARD),
    ModelSize("Qwen2.5-72B", 70.0, QWEN25_CARD),
    ModelSize("Qwen2.5-Math-1.5B", 1.31, QWEN25_MATH.format("1.5B")),
    ModelSize("Qwen2.5-Math-7B", 6.53, QWEN25_MATH.format("7B")),
    ModelSize("Qwen3-0.6B", 0.44, QWEN3_CARD),
    ModelSize("Qwen3-1.7B", 1.4, QWEN3_CARD),
    ModelSize("Qwen3-4B", 3.6, QWEN3_CARD),
    ModelSize("Qwen3-8B", 6.95, QWEN3_CARD),
    ModelSize("Qwen3-14B", 13.2, QWEN3_CARD),
    ModelSize("Qwen3-32B", 31.2, QWEN3_CARD),
    ModelSize("Llama-3.2-1B", 0.97, LLAMA_CONFIG.format(
        "16 layers, hidden 2048, intermediate 8192, 32 query and 8 key-value heads of 64",
        "tied 128,256 x 2048", "1.24B")),
    ModelSize("Llama-3.2-3B", 2.82, LLAMA_CONFIG.format(
        "28 layers, hidden 3072, intermediate 8192, 24 query and 8 key-value heads of 128",
        "tied 128,256 x 3072", "3.21B")),
    ModelSize("Llama-3.1-8B", 6.98, LLAMA_CONFIG.format(
        "32 layers, hidden 4096, intermediate 14336, 32 query and 8 key-value heads of 128",
        "untied 128,256 x 4096", "8.03B"), aliases=("Llama-3-8B", "Meta-Llama-3-8B",
                                                   "Meta-Llama-3.1-8B")),
    ModelSize("Llama-3.1-70B", 68.45, LLAMA_CONFIG.format(
        "80 layers, hidden 8192, intermediate 28672, 64 query and 8 key-value heads of 128",
        "untied 128,256 x 8192", "70.6B"), aliases=("Llama-3-70B", "Meta-Llama-3-70B",
                                                   "Meta-Llama-3.1-70B")),
)

RAW_COUNT = 1e5  # sizes are in billions: 1e5 of them (100 trillion parameters) is a raw count

# Suffixes of fine-tuned variants that keep the base model's architecture.
_VARIANT = re.compile(r"-(instruct|base|chat|it)$")
_BY_NAME = {key.lower(): entry for entry in MODEL_SIZES for key in (entry.name, *entry.aliases)}


def lookup(name: str) -> ModelSize | None:
    """The table entry for a model name (case-insensitive; an 'org/' or path prefix and an
    -Instruct/-Base suffix are ignored), or None."""
    key = str(name).strip().rstrip("/").split("/")[-1].lower()
    return _BY_NAME.get(key) or _BY_NAME.get(_VARIANT.sub("", key))


def model_size(name: str) -> float:
    """Non-embedding size in billions of a known model; an unknown one says what to pass."""
    entry = lookup(name)
    if entry is None:
        known = [e.name for e in MODEL_SIZES]
        raise InputError(
            f"unknown model '{name}': give its size in billions of non-embedding parameters "
            f"(SOURCE=SIZE on the command line, a size column in a manifest, or sizes= in "
            f"Python); known models: {listing(known, limit=len(known))}"
        )
    return entry.size


def parse_size(value, *, what: str = "size") -> float:
    """A size in billions from a number or a known model name, checked to be usable."""
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            if not text:
                raise InputError(f"{what} is empty: expected billions of non-embedding "
                                 f"parameters or a model name") from None
            try:
                number = model_size(text)
            except InputError as exc:
                raise InputError(f"{what}: {exc}") from None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError(f"{what} must be a number of billions of non-embedding parameters "
                             f"or a model name, got {value!r}") from None
    return check_size(number, what=what)


def check_size(number: float, *, what: str = "size") -> float:
    if not math.isfinite(number) or number <= 0:
        raise InputError(f"{what} must be a positive number of billions of non-embedding "
                         f"parameters, got {number:g}")
    if number >= RAW_COUNT:
        raise InputError(f"{what} is {number:g}: sizes are in billions of non-embedding "
                         f"parameters (7 for a 7B model), not a raw count")
    return float(number)

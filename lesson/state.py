"""The lesson's state: every setting a page shows, its limits, and its form in a link (URL query parameters).

One function, `clean`, decides what a valid state is. Links, sidebar widgets and chart clicks all go through
it, so a value out of range is clamped and a value that makes no sense falls back to its default the same way
wherever it came from, with a notice saying so. Notices never quote what was typed, so they are safe to show.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from explainer import DEFAULT_SENTENCE, HEAD_COUNTS, SIMILARITIES, WEIGHT_SETS, Settings, fit_sentence, tokenize
from explainer.trace import unique_labels

SEED_RANGE = (0, 9999)
TEMPERATURE_RANGE = (0.01, 5.0)
TRAIN_STEPS_RANGE = (10, 1000)  # 1000 steps train in ~0.8 s on one core (BENCHMARKS.md); the default is 200
TRAIN_RATE_RANGE = (0.1, 100.0)  # every seed tried still converges at 100; far above it training can blow up


@dataclass(frozen=True)
class LessonState(Settings):
    """What a student sees: the chain's settings (every field of Settings, with its default), the sentence, and
    which word (and key, and head) is in focus."""

    sentence: str = DEFAULT_SENTENCE
    head: int = 0  # which head the pages show, 0-based (links count from 1)
    focus: int = 0  # the query word in focus: its position in the sentence
    key: int | None = None  # the key word in focus on the Q and K page; None = the focus word's top key
    numbers: bool = False  # show the numbers behind every chart as tables

    @property
    def labels(self) -> tuple[str, ...]:
        return unique_labels(tokenize(self.sentence))

    @property
    def settings(self) -> Settings:
        """The settings of run_attention for this state."""
        return Settings(**{f.name: getattr(self, f.name) for f in fields(Settings)})


DEFAULT = LessonState()

# Link parameter names: the field names, except where another word reads better in an address bar.
PARAMETERS = {f.name: f.name for f in fields(LessonState)} | {
    "weight_set": "weights", "positional": "positions", "scaled": "scaling", "train_steps": "steps",
    "train_rate": "rate"}
_FIELD_OF = {parameter: name for name, parameter in PARAMETERS.items()}

_TRUE, _FALSE = {"on", "true", "1", "yes"}, {"off", "false", "0", "no"}


def clean(raw: Mapping[str, object], base: LessonState = DEFAULT) -> tuple[LessonState, list[str]]:
    """A valid state from raw values (typed, or strings from a link), with a notice for each value changed.

    Fields missing from `raw` keep their value in `base`. focus and key may be given as positions (int) or,
    from a link, as word labels ("visits", "the (2)").
    """
    notices: list[str] = []
    values = asdict(base) | dict(raw)

    sentence, sentence_notices = fit_sentence(values["sentence"], DEFAULT_SENTENCE)
    notices += sentence_notices
    labels = unique_labels(tokenize(sentence))

    def choice(name: str, options: tuple) -> object:
        value = values[name]
        for option in options:
            if value == option or str(value).strip().lower() == str(option):
                return option
        notices.append(f"'{PARAMETERS[name]}' must be one of {', '.join(map(str, options))}: "
                       f"using {getattr(DEFAULT, name)}.")
        return getattr(DEFAULT, name)

    def flag(name: str) -> bool:
        value = values[name]
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        notices.append(f"'{PARAMETERS[name]}' must be on or off: using {'on' if getattr(DEFAULT, name) else 'off'}.")
        return getattr(DEFAULT, name)

    def number(name: str, low: float, high: float, whole: bool, default: float, shown: str) -> float:
        value = values[name]
        try:
            if isinstance(value, bool):
                raise TypeError
            number = float(value) if not isinstance(value, int) else value
            if math.isnan(number):
                raise ValueError
            if whole and not float(number).is_integer() and math.isfinite(number):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            notices.append(f"'{shown}' must be a {'whole ' if whole else ''}number from {_show(low)} "
                           f"to {_show(high)}: using {_show(default)}.")
            return default
        if not low <= number <= high:
            clamped = min(max(number, low), high)
            notices.append(f"'{shown}' must be between {_show(low)} and {_show(high)}: using {_show(clamped)}.")
            number = clamped
        return int(number) if whole else number

    def word(name: str, default: int | None) -> int | None:
        value = values[name]
        if value is None or value == "":
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            index = int(value)  # a position: from a widget, or from a chart click (which may send 2.0)
        elif isinstance(value, str) and value.strip().lower() in labels:
            index = labels.index(value.strip().lower())
        else:
            notices.append(f"'{PARAMETERS[name]}' must be a word of the sentence: "
                           f"using {'its first word' if default == 0 else 'the best match'}.")
            return default
        if not 0 <= index < len(labels):
            notices.append(f"'{PARAMETERS[name]}' points past the end of the sentence: "
                           f"using {'its first word' if default == 0 else 'the best match'}.")
            return default
        return index

    def head(heads: int) -> int:
        value = values["head"]
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < heads:
            return value
        notices.append(f"'head' must be a head from 1 to {heads}: using 1.")
        return 0

    heads = choice("heads", HEAD_COUNTS)
    temperature = number("temperature", *TEMPERATURE_RANGE, whole=False, default=DEFAULT.temperature,
                         shown=PARAMETERS["temperature"])
    state = LessonState(
        sentence=sentence,
        weight_set=choice("weight_set", WEIGHT_SETS),
        seed=number("seed", *SEED_RANGE, whole=True, default=DEFAULT.seed, shown="seed"),
        positional=flag("positional"),
        scaled=flag("scaled"),
        temperature=round(temperature, 2),  # the slider's step
        causal=flag("causal"),
        similarity=choice("similarity", SIMILARITIES),
        heads=heads,
        train_steps=number("train_steps", *TRAIN_STEPS_RANGE, whole=True, default=DEFAULT.train_steps,
                           shown=PARAMETERS["train_steps"]),
        train_rate=float(round(number("train_rate", *TRAIN_RATE_RANGE, whole=False, default=DEFAULT.train_rate,
                                shown=PARAMETERS["train_rate"]), 2)),  # the page's input's step
        head=head(heads),
        focus=word("focus", 0),
        key=word("key", None),
        numbers=flag("numbers"),
    )
    return state, notices


def from_query(params: Mapping[str, str | list[str]]) -> tuple[LessonState, list[str]]:
    """The state a link describes. Always valid: anything unusable in it is replaced and noticed.

    `params` holds the lesson's parameters only: the app's frame leaves out Streamlit's own before calling this.
    """
    raw: dict[str, object] = {}
    unknown = 0
    for parameter, value in params.items():
        if isinstance(value, (list, tuple)):
            if not value:
                continue
            value = value[-1]  # a repeated parameter: the last one wins, as in the browser's own reading
        if parameter not in _FIELD_OF:
            unknown += 1
            continue
        name = _FIELD_OF[parameter]
        raw[name] = _from_link(name, value)
    state, notices = clean(raw)
    if unknown:
        notices.append(f"The link had {unknown} setting{'s' if unknown > 1 else ''} this lesson does not know; "
                       f"{'they were' if unknown > 1 else 'it was'} ignored.")
    return state, notices


def to_query(state: LessonState) -> dict[str, str]:
    """The link's query parameters for a state: only the settings that differ from the defaults."""
    labels = state.labels
    query = {}
    for f in fields(LessonState):
        value = getattr(state, f.name)
        if value == getattr(DEFAULT, f.name):
            continue
        if f.name in ("focus", "key"):
            text = labels[value]
        elif f.name == "head":
            text = str(value + 1)
        elif isinstance(value, bool):
            text = "on" if value else "off"
        else:
            text = _show(value)
        query[PARAMETERS[f.name]] = text
    return query


def _from_link(name: str, value: str) -> object:
    """A link counts heads from 1; everything else is read by clean() as it is."""
    if name == "head":
        return int(value) - 1 if value.strip().isdecimal() and len(value) < 4 else value
    return value


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)

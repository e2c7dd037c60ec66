"""The lesson's state: every setting a page shows, each declared once in SETTINGS (its name in a link, what it may
be, how a widget shows it), and the state's form in a link (URL query parameters).

One function, `clean`, decides what a valid state is, from SETTINGS. Links, widgets and chart clicks all go through
it, so a value out of range is clamped and a value that makes no sense falls back to its default the same way
wherever it came from, with a notice saying so. Notices never quote what was typed, so they are safe to show.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import explainer
from explainer import DEFAULT_SENTENCE, Settings, fit_sentence, tokenize
from explainer.trace import unique_labels


@dataclass(frozen=True)
class LessonState(Settings):
    """What a student sees: the chain's settings (every field of Settings, with its default), the sentence, which
    word (and key, and head) is in focus, and which layer and head of the real model page 6 shows."""

    sentence: str = DEFAULT_SENTENCE
    head: int = 0  # which head the pages show, 0-based (links count from 1)
    focus: int = 0  # the query word in focus: its position in the sentence
    key: int | None = None  # the key word in focus on the Q and K page; None = the focus word's top key
    numbers: bool = False  # show the numbers behind every chart as tables
    projector: bool = False  # for a room's screen: larger type, thicker lines, the sidebar folded (frame.projector)
    real_layer: int = 1  # page 6: the real model's layer shown, counted from 1 (as the page and its links count)
    real_head: int = 1  # page 6: the real model's head shown, counted from 1
    class_code: str = ""  # the class the student is in (lesson.classroom), "" for none: the link carries it

    @property
    def labels(self) -> tuple[str, ...]:
        return unique_labels(tokenize(self.sentence))

    @property
    def settings(self) -> Settings:
        """The settings of run_attention for this state."""
        return Settings(**{f.name: getattr(self, f.name) for f in fields(Settings)})


DEFAULT = LessonState()


@dataclass(frozen=True)
class Setting:
    """One field of LessonState, declared once: clean() checks it by its kind, links name it, widgets show it
    (frame.store.bound). Its default is the field's own."""

    parameter: str  # its name in a link
    kind: str  # text, flag, choice, number, whole, word (of the sentence), pick (one of several: a layer, a head)
    #          or code (a class's code: its form is checked here, whether its class is live by the store, on the page)
    label: str = ""  # a widget's label (a page may word its own)
    help: str = ""  # a widget's tooltip
    options: tuple = ()  # choice: the values it may take
    names: Mapping | None = None  # choice: how a widget words each option
    range: tuple[float, float] = (0, 0)  # number, whole: the lowest and the highest it may be
    step: float | None = None  # number, whole: a widget's step
    decimals: int | None = None  # number: kept to this many decimals, as its widget shows it
    first: int = 0  # pick: the value of the first one (links count from 1 whatever it is)
    noun: str = ""  # pick: what it picks, as a notice names it

    def word(self, value: object) -> str:
        """How a widget shows one option."""
        if self.kind == "pick":
            return f"{self.noun} {value + 1 - self.first}"
        return (self.names or {}).get(value, str(value))


# In the order clean() reads them: the head after the number of heads.
SETTINGS = {
    "sentence": Setting("sentence", "text", "Sentence", f"Any sentence of up to {explainer.MAX_WORDS} words."),
    "weight_set": Setting(
        "weights", "choice", "Weights", "Designed: every number means something. Random: an untrained model. "
        "Trained: W_Q and W_K learned from the random start of the seed (page 5 shows how).", explainer.WEIGHT_SETS,
        {"designed": "designed by hand", "random": "random", "trained": "trained (page 5)"}),
    "seed": Setting("seed", "whole", "Seed", "Picks the random start and the training sentences: the same seed, the "
                    "same training.", range=(0, 9999), step=1),
    "positional": Setting("positions", "flag", "Add positions (positional encoding)"),
    "scaled": Setting("scaling", "flag", "Divide scores by √dₖ", "Dot products spread more the more dimensions they "
                      "add up; √dₖ brings them back to about ±1."),
    "temperature": Setting("temperature", "number", "Temperature", "Scores are divided by the temperature before "
                           "softmax: below 1 sharper, above 1 flatter. The sidebar and the page share one temperature.",
                           range=(0.01, 5.0), step=0.01, decimals=2),
    "causal": Setting("causal", "flag", "Causal mask (look only backwards)"),
    "similarity": Setting("similarity", "choice", "Similarity", options=explainer.SIMILARITIES,
                          names={"dot": "dot product", "cosine": "cosine"}),
    "heads": Setting("heads", "choice", "Heads", f"Split the {explainer.D_K} query/key dimensions over several heads.",
                     explainer.HEAD_COUNTS),
    # 1000 steps train in ~0.8 s on one core (BENCHMARKS.md)
    "train_steps": Setting("steps", "whole", "Steps", "Gradient steps to take.", range=(10, 1000), step=50),
    # every seed tried still converges at 100; far above it training can blow up
    "train_rate": Setting("rate", "number", "Learning rate η", "How far each step moves: too small learns slowly, "
                          "far too large overshoots.", range=(0.1, 100.0), step=0.5, decimals=2),
    "head": Setting("head", "pick", "Head shown", first=0, noun="head"),
    "focus": Setting("focus", "word", "Word in focus (the query)"),
    "key": Setting("key", "word", "Key word"),
    "numbers": Setting("numbers", "flag", "Show the numbers under every chart", "Tables to read, copy or export."),
    "projector": Setting("projector", "flag", "Projector mode", "Larger type and numbers, thicker lines and the "
                         "sidebar folded away, to read every page from the back of a room."),
    # how many there are is the model's to say: clean() is told (`limits`) on the page that has it loaded
    "real_layer": Setting("layer", "pick", "Layer", "Layer 1 reads the embeddings; each next layer reads the one "
                          "before.", first=1, noun="layer"),
    "real_head": Setting("rhead", "pick", "Head (or click a map)", first=1, noun="head"),
    "class_code": Setting("class", "code"),
}
TEMPERATURE_RANGE = SETTINGS["temperature"].range  # lesson.views sweeps it

_FIELD_OF = {setting.parameter: name for name, setting in SETTINGS.items()}
_TRUE, _FALSE = {"on", "true", "1", "yes"}, {"off", "false", "0", "no"}


def clean(raw: Mapping[str, object], base: LessonState = DEFAULT, limits: Mapping[str, int] | None = None
          ) -> tuple[LessonState, list[str]]:
    """A valid state from raw values (typed, or strings from a link), with a notice for each value changed.

    Fields missing from `raw` keep their value in `base`. focus and key may be given as positions (int) or,
    from a link, as word labels ("visits", "the (2)"). `limits` says how many layers and heads page 6's model has
    ({"real_layer": 6, "real_head": 12}) where it is known; elsewhere any layer or head from 1 is kept for it.
    """
    notices: list[str] = []
    values = asdict(base) | dict(raw)
    state: dict[str, object] = {}
    for name, setting in SETTINGS.items():
        value, default, shown = values[name], getattr(DEFAULT, name), f"'{setting.parameter}'"
        notice = None
        if setting.kind == "text":
            value, said = fit_sentence(value, DEFAULT_SENTENCE)
            labels = unique_labels(tokenize(value))
            notices += said
        elif setting.kind == "word":
            value, notice = _word(value, default, labels, shown)
        elif setting.kind == "pick":
            count = state["heads"] if name == "head" else (limits or {}).get(name)
            value, notice = _pick(value, setting, count, shown)
        elif setting.kind == "flag":
            value, notice = _flag(value, default, shown)
        elif setting.kind == "choice":
            value, notice = _choice(value, default, setting, shown)
        elif setting.kind == "code":
            value, notice = _code(value, shown)
        else:
            value, notice = _number(value, default, setting, shown)
        state[name] = value
        notices += [notice] if notice else []
    return LessonState(**state), notices


def _flag(value: object, default: bool, shown: str) -> tuple[bool, str | None]:
    if isinstance(value, bool):
        return value, None
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE, None
    return default, f"{shown} must be on or off: using {'on' if default else 'off'}."


def _choice(value: object, default: object, setting: Setting, shown: str) -> tuple[object, str | None]:
    for option in setting.options:
        if value == option or str(value).strip().lower() == str(option):
            return option, None
    return default, f"{shown} must be one of {', '.join(map(str, setting.options))}: using {default}."


def _code(value: object, shown: str) -> tuple[str, str | None]:
    """A class code, upper-cased: CODE_LENGTH letters of CODE_ALPHABET, or "" (no class)."""
    from .classroom import CODE_ALPHABET, CODE_LENGTH  # here: lesson.classroom imports lesson.quiz, which imports this

    text = value.strip() if isinstance(value, str) and value.isascii() else None  # ascii first: "ß".upper() is "SS"
    if text is not None and (text == "" or (len(text) == CODE_LENGTH and set(text.upper()) <= set(CODE_ALPHABET))):
        return text.upper(), None
    return "", (f"{shown} must be a class code of {CODE_LENGTH} letters and digits (with no 0, 1, O, I or L): the "
                "lesson goes on without a class.")


def _number(value: object, default: float, setting: Setting, shown: str) -> tuple[float, str | None]:
    """A number (kind "number", kept to its decimals) or a whole number ("whole"), clamped into its range."""
    low, high = setting.range
    whole = setting.kind == "whole"
    try:
        if isinstance(value, bool):
            raise TypeError
        number = value if isinstance(value, int) else float(value)
        if math.isnan(number) or (whole and math.isfinite(number) and not float(number).is_integer()):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        return default, (f"{shown} must be a {'whole ' if whole else ''}number from {_show(low)} to {_show(high)}: "
                         f"using {_show(default)}.")
    notice = None
    if not low <= number <= high:
        number = min(max(number, low), high)
        notice = f"{shown} must be between {_show(low)} and {_show(high)}: using {_show(number)}."
    return (int(number) if whole else float(round(number, setting.decimals))), notice


def _word(value: object, default: int | None, labels: tuple[str, ...], shown: str) -> tuple[int | None, str | None]:
    """A word of the sentence: its position (from a widget, or a chart click, which may send 2.0) or, from a link,
    its label."""
    using = "its first word" if default == 0 else "the best match"
    if value is None or value == "":
        return default, None
    if _integral(value):
        index = int(value)
    elif isinstance(value, str) and value.strip().lower() in labels:
        index = labels.index(value.strip().lower())
    else:
        return default, f"{shown} must be a word of the sentence: using {using}."
    if not 0 <= index < len(labels):
        return default, f"{shown} points past the end of the sentence: using {using}."
    return index, None


def _pick(value: object, setting: Setting, count: int | None, shown: str) -> tuple[int, str | None]:
    """One of `count` (a head of the toy's, a layer or head of the real model's); anything else falls back to the
    first, not the nearest: a link that asks for head 13 of 12 says nothing about which head it meant. With
    `count` unknown, any from the first is kept (the page that knows the count checks it again)."""
    first = setting.first
    if _integral(value) and first <= value < first + (math.inf if count is None else count):
        return int(value), None
    counted = f"from 1 to {count}" if count is not None else "of the model on page 6, counted from 1"
    return first, f"{shown} must be a {setting.noun} {counted}: using {setting.noun} 1."


def _integral(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer()


def from_query(params: Mapping[str, str | list[str]], limits: Mapping[str, int] | None = None
               ) -> tuple[LessonState, list[str]]:
    """The state a link describes. Always valid: anything unusable in it is replaced and noticed.

    `params` holds the lesson's parameters only: the app's frame leaves out Streamlit's own before calling this.
    `limits` as for clean().
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
        raw[name] = _from_link(SETTINGS[name], value)
    state, notices = clean(raw, limits=limits)
    if unknown:
        notices.append(f"The link had {unknown} setting{'s' if unknown > 1 else ''} this lesson does not know; "
                       f"{'they were' if unknown > 1 else 'it was'} ignored.")
    return state, notices


def to_query(state: LessonState) -> dict[str, str]:
    """The link's query parameters for a state: only the settings that differ from the defaults."""
    query = {}
    for f in fields(LessonState):
        value, setting = getattr(state, f.name), SETTINGS[f.name]
        if value == getattr(DEFAULT, f.name):
            continue
        if setting.kind == "word":
            text = state.labels[value]
        elif setting.kind == "pick":
            text = str(value + 1 - setting.first)
        elif setting.kind == "flag":
            text = "on" if value else "off"
        else:
            text = _show(value)
        query[setting.parameter] = text
    return query


def _from_link(setting: Setting, value: str) -> object:
    """A link counts picks from 1; everything else is read by clean() as it is."""
    text = value.strip()
    if setting.kind == "pick" and text.isascii() and text.isdecimal() and len(text) < 4:
        return int(text) - 1 + setting.first
    return value


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)

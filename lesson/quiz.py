"""Check yourself: questions made from the student's own sentence and settings, each option with the one line that
says why it is right or wrong (pointing at the chart that shows it). Several target misconceptions that have tripped
real learners: attention is symmetric, softmax runs down columns or lies in [−1, 1], we divide by d_k, temperature
changes the winner, the output is one of the values, training changes the inputs or W_V, the loss is on the
attention.

The right answer's place carries no information: every question's options are shuffled, the same way for the same
view (a link reopens the same questions), and never so that one place (first, second, last…) holds the right answer
of every question of a stage. No option stands out by its length either: the right one is never the longest, the
second longest, ... or the shortest of every question of a stage (tests/test_quiz.py tries such rules on many
views). `variant` asks again: variant 0 is about the word in focus, each next variant about the next word of the
sentence."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from explainer import Trace, learning

from . import notes
from .state import SETTINGS


@dataclass(frozen=True)
class Question:
    key: str  # names the question and the view it was made for: a new view, a new question
    prompt: str  # markdown
    options: tuple[str, ...]
    answer: int  # the right option's index
    why: tuple[str, ...]  # one line per option: why it is right, or why not

    def is_right(self, chosen: int) -> bool:
        return chosen == self.answer


def _view(trace: Trace, query: int) -> str:
    s = trace.settings
    return f"{trace.sentence}|{vars(s)}|{trace.shown_head}|{query}"


def _f(value: float, places: int = 2) -> str:
    return f"{value:.{places}f}".replace("-", "−")


def _apart(best: float, others: list[float]) -> int:
    """Decimals (2, or as many as it takes up to 6) that write the favourite's number apart from each other one: a
    close call (notes.CLOSE) is still a call, and its numbers must say so."""
    places = 2
    while places < 6 and any(_f(best, places) == _f(other, places) for other in others):
        places += 1
    return places


STAGES = (1, 2, 3, 4, 5)


def questions(stage: int, trace: Trace, query: int, variant: int = 0) -> list[Question]:
    """Two or three questions for a stage (1 to 5) of the lesson, about this view's numbers, their options
    shuffled. A `variant` above 0 draws other ones: about another word (the next, counting from the focus word)."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
    if isinstance(variant, bool) or not isinstance(variant, (int, np.integer)) or variant < 0:
        raise ValueError(f"variant must be a whole number >= 0, got {variant!r}")
    if not 0 <= query < len(trace.labels):
        raise ValueError(f"query must be a word of the sentence (0 to {len(trace.labels) - 1}), got {query}")
    asked = (query + int(variant)) % len(trace.labels)
    made = {1: _intuition, 2: _q_and_k, 3: _softmax, 4: _values, 5: _learning}[stage](trace, asked)
    if variant:
        made = [Question(f"{q.key}|variant {variant}", q.prompt, q.options, q.answer, q.why) for q in made]
    return _shuffled(made)


def _number(option: str) -> float | None:
    found = _NUMBER.search(option)
    return float(found.group().replace("−", "-")) if found else None


_NUMBER = re.compile(r"[−-]?\d+(?:\.\d+)?")


def _ranked(options: tuple[str, ...], rank: int, by) -> int:
    """The option `rank` places down the order `by` gives (0: the first; the last where there are fewer); where
    `by` gives None for every option, the first option. An option tied with another by `by` tells this guess
    nothing: no answer (-1), not the first of the tied in the options' order, which would make it a guess by place
    and the shuffle would push the right answers away from those places."""
    keys = [by(option) for option in options]
    ranked = sorted((i for i, key in enumerate(keys) if key is not None), key=lambda i: keys[i])
    if not ranked:
        return 0
    chosen = ranked[min(rank, len(ranked) - 1)]
    return -1 if keys.count(keys[chosen]) > 1 else chosen


PLACES = ("1st", "2nd", "3rd", "4th")
GUESSES = {
    **{f"always option {place + 1}": (lambda o, p=place: min(p, len(o) - 1)) for place in range(4)},
    "always the last option": lambda o: len(o) - 1,
    **{f"the {n} longest": (lambda o, r=r: _ranked(o, r, lambda t: -len(t))) for r, n in enumerate(PLACES)},
    **{f"the {n} shortest": (lambda o, r=r: _ranked(o, r, len)) for r, n in enumerate(PLACES)},
    "the largest number, else option 1": lambda o: _ranked(o, 0, lambda t: _negated(_number(t))),
    "the smallest number, else option 1": lambda o: _ranked(o, 0, _number),
}
"""Ways to answer without reading: none of them may answer every question of a stage right."""


def _negated(number: float | None) -> float | None:
    return None if number is None else -number


def _shuffled(found: list[Question]) -> list[Question]:
    """The questions with their options in an order drawn from the questions themselves (the same view, the same
    order), drawn again while one of the GUESSES would answer them all right. (Where the texts alone let a guess
    through, whatever the order, the tests say so: the texts are written so that they do not.)"""
    seed = hashlib.sha256("\n".join(q.key for q in found).encode()).digest()
    rng = np.random.default_rng(list(seed[:16]))
    for _ in range(100):
        arranged = [_reordered(q, [int(i) for i in rng.permutation(len(q.options))]) for q in found]
        if not any(all(guess(q.options) == q.answer for q in arranged) for guess in GUESSES.values()):
            break
    return arranged


def _reordered(question: Question, order: list[int]) -> Question:
    return Question(question.key, question.prompt, tuple(question.options[i] for i in order),
                    order.index(question.answer), tuple(question.why[i] for i in order))


def _intuition(trace: Trace, query: int) -> list[Question]:
    labels, row = trace.labels, trace.attention[query]
    word = labels[query]
    found = []
    tops = notes.favourites(row)
    best = tops[0]
    if len(tops) == 1 and len(labels) > 1:
        others = [j for j in np.argsort(-row, kind="stable") if j != best][:3]
        options = sorted([best, *others])
        places = _apart(row[best], [row[j] for j in others])
        found.append(Question(
            f"favourite|{_view(trace, query)}", f"Which word does **{word}** attend to most?",
            tuple(labels[j] for j in options), options.index(best),
            tuple(f"Right: {labels[j]} gets {_f(row[j], places)}, the largest share in the row of {word}." if j == best
                  else f"Not quite: {labels[j]} gets {_f(row[j], places)}, but {labels[best]} gets "
                       f"{_f(row[best], places)} (the sentence strip at the top shows it)." for j in options)))
    sums = [("Always exactly 1",
             "Right: softmax shares out exactly 1 over the keys of each row (each query)."),
            (f"{len(labels)}, one for each word",
             "No: each weight is a share, not a count; the whole row shares out 1."),
            ("It depends on the words and their weights",
             "No: whatever the sentence, softmax makes every row sum to 1."),
            ("Something between −1 and 1",
             "No: the weights are shares between 0 and 1, and the row adds up to exactly 1.")]
    if len(labels) == 1:
        sums[1] = ("2, the word and itself", "No: one word has one weight, a share of the whole 1: it is all of it.")
    found.append(Question(
        f"row-sum|{_view(trace, query)}", f"What does the row of attention of **{word}** add up to?",
        tuple(option for option, _ in sums), 0, tuple(why for _, why in sums)))
    if len(labels) > 1:
        a, b = query, best if best != query else (query + 1) % len(labels)
        same = _f(trace.attention[a, b]) == _f(trace.attention[b, a])  # the two numbers the question and its why show
        first, later = sorted((a, b))
        reason = (f"Here the causal mask alone makes it one-way: {labels[first]} comes first and may not look at "
                  f"{labels[later]} at all, while {labels[later]} may look back." if trace.settings.causal else
                  "Queries and keys come from different matrices, and each row is shared out on its own.")
        options = ("Yes, attention is always symmetric", "No: each of the two rows is shared out on its own")
        found.append(Question(
            f"symmetric|{_view(trace, query)}",
            f"**{labels[a]}** gives **{labels[b]}** weight {_f(trace.attention[a, b])}. Must **{labels[b]}** give "
            f"**{labels[a]}** the same weight?", options, 1,
            (f"No: here {labels[b]} gives {labels[a]} {_f(trace.attention[b, a])}"
             + (" — equal by chance, not by rule" if same else "") + ". The table of favourites shows it.",
             f"Right: {labels[b]} gives {labels[a]} {_f(trace.attention[b, a])}. {reason}")))
    if len(found) < 3:  # one word, or a tie: the database picture instead of the favourite
        found.append(Question(
            f"lookup|{_view(trace, query)}",
            "Attention works like a database lookup (SELECT value WHERE key = query). What makes it *soft*?",
            ("Every key matches a little, and the values are blended",
             "Only a key equal to the query returns its value",
             "The keys are sorted first, so the lookup is quick",
             "The query and the keys are words typed by a person, who can make mistakes"), 0,
            ("Right: each key matches the query to a degree (its weight), and the result is the weighted blend of all "
             "the values (the soft SELECT on this page).",
             "No: that is the hard lookup of a database; attention gives every key a share of the result.",
             "No: nothing is sorted; every key is compared with the query, and all of them contribute.",
             "No: soft means a degree of match, not a tolerance for typing mistakes: every key matches by some "
             "share.")))
    return found


def _q_and_k(trace: Trace, query: int) -> list[Question]:
    labels = trace.labels
    key = int(trace.attention[query].argmax())
    q, k = trace.Q[query], trace.K[key]
    cosine = trace.settings.similarity == "cosine"
    # the right score, then the wrong ones in the order they are offered: the first three that read differently
    # (a q or k of zeros makes every product 0: the last ones are never 0)
    length_q, length_k = float(np.linalg.norm(q)), float(np.linalg.norm(k))
    candidates = [
        (float(trace.scores[query, key]),
         "Right: " + ("the cosine, q·k / (|q| |k|)" if cosine else "q·k, the products added up") + "."),
        (float(np.sum(q + k)), "No: that adds the entries; a score multiplies them pair by pair, then adds."),
        (float(q @ k), "No: that is the plain dot product; cosine divides it by both lengths.") if cosine else
        (length_q * length_k, "No: that is |q| × |k|, the score only if q and k pointed the same way."),
        (float(q @ k[::-1]), "No: the pairs must be the same dimension of q and k, in order."),
        (length_q + length_k, "No: that adds the two lengths; a score multiplies q and k entry by entry, then adds."),
        (float(len(q)), f"No: {len(q)} is how many dimensions q and k have; the score adds up their products."),
        (1.0, "No: 1 is what a row of attention adds up to after softmax; a score comes before softmax."),
    ]
    shown = list(dict.fromkeys(_f(value) for value, _ in candidates))[:4]  # the right one first, then 3 wrong ones
    reasons = {}
    for value, why in candidates:
        reasons.setdefault(_f(value), why)
    options = tuple(sorted(shown))
    kind = "cosine similarity, q·k / (|q| |k|)" if cosine else "score, q·k"
    compute = Question(
        f"score|{_view(trace, query)}",
        f"With q({labels[query]}) = [{', '.join(map(_f, q))}] and k({labels[key]}) = [{', '.join(map(_f, k))}], "
        f"what is their {kind}?",
        options, options.index(shown[0]), tuple(reasons[option] for option in options))
    origin = Question(
        f"inputs|{_view(trace, query)}", "In self-attention, where do Q, K and V come from?",
        ("The same X, through three different matrices", "Three different sentences, one for each",
         "Q from the word itself, K and V from the word just before it"), 0,
        ("Right: Q = X·W_Qᵀ, K = X·W_Kᵀ, V = X·W_Vᵀ — one X, three matrices.",
         "No: in *self*-attention every word's query, key and value come from the same sentence's X.",
         "No: every word gets its own q, k and v, all made from X."))
    return [compute, origin]


def _softmax(trace: Trace, query: int) -> list[Question]:
    word, now = trace.labels[query], trace.settings.temperature
    low, high = SETTINGS["temperature"].range
    rises = now - low < high - now  # to the end of the slider farther away
    change, right = ("rises", "flatter") if rises else ("falls", "sharper")
    seen = trace.untempered[query][np.isfinite(trace.untempered[query])]  # the scores of the keys it can see
    if np.ptp(seen) > 1e-9:
        changes = (f"It gets {right}, and the keys keep their order",
                   f"Right: dividing by a {'larger' if rises else 'smaller'} T {'shrinks' if rises else 'widens'} "
                   "the gaps between scores, never their order (the temperature chart).")
        stays = ("Nothing changes", "No: the scores differ, so T changes how far apart their shares are (the "
                 "temperature chart).")
    else:  # one key it can see, or equal scores: no gap for T to shrink or widen
        changes = (f"It gets {right}, and the keys keep their order",
                   "No: here the keys it can see all have the same score: no gap for T to change (the temperature "
                   "chart's lines are flat).")
        stays = ("Nothing changes", "Right: " + (
            "it can see one key only, which takes the whole 1 at every T" if len(seen) == 1 else
            "the keys it can see all have the same score, so they share the row equally at every T")
            + " (the temperature chart's lines are flat).")
    options = (changes, stays, ("Another key can win the row",
                                "No: dividing every score by the same positive T keeps their order, so the winner "
                                "stays the winner."),
               ("Its sum moves away from 1", "No: whatever T, softmax shares out exactly 1."))
    warmer = Question(
        f"temperature|{_view(trace, query)}",
        f"The temperature {change} from {now:g} to {high if rises else low:g}. What happens to the row of **{word}**?",
        tuple(option for option, _ in options), 0 if np.ptp(seen) > 1e-9 else 1, tuple(why for _, why in options))
    root = Question(
        f"root|{_view(trace, query)}", "Why are dot-product scores divided by √dₖ and not by dₖ?",
        ("The spread of q·k grows like √dₖ", "So that every score lies between −1 and 1",
         "No reason: dₖ would work just as well"), 0,
        ("Right: a sum of dₖ unit-variance products has variance dₖ, so its spread (standard deviation) is √dₖ.",
         "No: scores divided by √dₖ can still be any size; the division only brings their spread back to ~1.",
         "No: dividing by dₖ would shrink large-dₖ scores far too much and flatten every row."))
    columns = Question(
        f"columns|{_view(trace, query)}", "In the attention matrix, what adds up to 1?",
        ("Each row: one query's weights over all keys", "Each column: one key's weights from all queries",
         "The whole matrix"), 0,
        ("Right: softmax runs along each row (the matrix on this page: each row sums to 1).",
         "No: softmax runs along rows; a column can add up to more or less than 1.",
         "No: every row adds up to 1, so the whole matrix adds up to the number of words."))
    return [warmer, root, columns]


def _values(trace: Trace, query: int) -> list[Question]:
    word, row = trace.labels[query], trace.attention[query]
    whole = int(row.argmax())
    if row[whole] > 1 - 1e-9:  # one word, or the first under the mask: one value, whole, and nothing to blend
        only = trace.labels[whole]
        output = Question(
            f"blend|{_view(trace, query)}",
            f"The row of attention of **{word}** is 1 on **{only}** and 0 everywhere else. What is its output?",
            (f"Exactly the value of {only}, the whole of it", f"Half the value of {only}", "0: nothing to blend",
             f"The key of {only}"), 0,
            (f"Right: o = Σⱼ aⱼ vⱼ with a single weight 1: 1 × v({only}) (the stacked bars on this page).",
             "No: its weight is 1, not 0.5: the whole of that value.",
             "No: a weight of 1 takes the whole of that value; only a value of 0 would give 0.",
             "No: keys decide the weights; what gets added up are the values."))
    else:
        output = Question(
            f"blend|{_view(trace, query)}", f"What is the output of **{word}**?",
            (f"Every value, weighted by the attention of {word}, added up",
             f"The value of the word {word} attends to most", f"The value of {word} alone", "The keys, weighted"), 0,
            ("Right: o = Σⱼ aⱼ vⱼ, a blend of all the values (the stacked bars on this page).",
             "No: that would be a hard lookup; attention blends every value (only a one-hot row picks just one).",
             f"No: the value of {word} is only one part of the blend, weighted by the share {word} gives itself.",
             "No: keys decide the weights; what gets added up are the values."))
    mix = Question(
        f"mix|{_view(trace, query)}", "In the second MatMul, O = A·V, what do the attention weights A decide?",
        ("How much of each word's value goes into each output", "How many dimensions each value has",
         "What the values themselves hold: each word's numbers in V, copied from its key and its query",
         "The order of the words"), 0,
        ("Right: row i of A gives the share of each word's value in output i (the bag of words on this page).",
         "No: V's width is set by W_V; A only says how much of each row of V to take.",
         "No: V = X·W_Vᵀ holds the values whatever the weights; A only mixes them.",
         "No: the order of the words comes in through the positions added to X, not through the mixing."))
    top = int(np.abs(trace.output[query]).argmax())
    dim = trace.v_dims[top]
    share = trace.attention[query] * trace.V[:, top]
    sources = notes.favourites(np.abs(share))
    if len(trace.labels) == 1 or len(sources) > 1:
        return [output, mix]  # one word, or a tie: no single word adds the most
    source = sources[0]
    candidates = list(dict.fromkeys([source, *np.argsort(-np.abs(share), kind="stable")[:3]]))[:3]
    options = sorted(int(j) for j in candidates)
    places = _apart(abs(share[source]), [abs(share[j]) for j in options if j != source])
    labels = trace.labels
    most = Question(
        f"source|{_view(trace, query)}",
        f"Which word adds the most to the output of **{word}** in the dimension “{dim}” (the largest a·v in size, "
        "whatever its sign)?",
        tuple(labels[j] for j in options), options.index(source),
        tuple(f"Right: {labels[j]} adds a·v = {_f(share[j], places)}." if j == source else
              f"No: {labels[j]} adds {_f(share[j], places)}; {labels[source]} adds {_f(share[source], places)} "
              "(the stacked bars show each word's slice)." for j in options))
    return [output, mix, most]


def _learning(trace: Trace, query: int) -> list[Question]:
    word, s = trace.labels[query], trace.settings
    changes = Question(
        f"changes|{_view(trace, query)}", "In this page's training, which matrices does a gradient step change?",
        ("W_Q and W_K alone", "W_Q, W_K and W_V", "X, the words' vectors", "The attention matrix A, directly"),
        0,
        ("Right: W ← W − η·dW for W_Q and W_K only (the last charts of the gradient step: dW_Q and dW_K).",
         "No: W_V is the designed one, held fixed, so a target can only be reached by looking at the right word "
         "(the chain ends at dW_Q and dW_K).",
         "No: X (embeddings + positions) is the input; the chain goes through it into the weights: dW_Q = dQᵀ·X.",
         "No: A is computed from X, W_Q and W_K; it changes only because they do (the maps along training)."))
    loss = Question(
        f"loss|{_view(trace, query)}", "The loss that training lowers is computed on…",
        ("The output O, against each word's target", "The attention A, against the intended pattern",
         "The scores Q·Kᵀ", "W_Q and W_K themselves"), 0,
        ("Right: L is the mean of (O − T)²; nothing tells the model where to look (the formula above the loss "
         "curve).",
         "No: the loss never sees A: the pattern is discovered, because looking at the right word is the only way "
         "to reach the target (the maps along training).",
         "No: the scores only matter through the output they lead to: dS comes from dO, back through A·V and "
         "softmax.",
         "No: the weights are what the gradient changes; the loss compares the output with the target."))
    found = [changes, loss]
    result = learning.trained(s.seed, s.train_steps, s.train_rate)
    _, A = learning.attention_on(trace.sentence, result.W_Q, result.W_K)
    row = A[query]
    tops = notes.favourites(row)
    if len(row) > 1 and len(tops) == 1:
        best = tops[0]
        options = sorted([best, *[int(j) for j in np.argsort(-row, kind="stable") if j != best][:2]])
        places = _apart(row[best], [row[j] for j in options if j != best])
        labels = trace.labels
        steps = len(result.losses) - 1
        found.append(Question(
            f"after|{_view(trace, query)}",
            f"After training ({steps} steps, learning rate {s.train_rate:g}, seed {s.seed}), which word does "
            f"**{word}** attend to most?",
            tuple(labels[j] for j in options), options.index(best),
            tuple(f"Right: {labels[j]} gets {_f(row[j], places)} of the row of {word} (the map after training)."
                  if j == best else f"No: {labels[j]} gets {_f(row[j], places)}, {labels[best]} gets "
                                    f"{_f(row[best], places)} (the map after training)." for j in options)))
    return found

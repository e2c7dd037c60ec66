"""What a student takes away: the JSON holds the view's numbers exactly, and the exported script, run alone with
numpy, recomputes them."""
import json
import subprocess
import sys

import numpy as np
import pytest

from explainer import Settings, run_attention
from lesson import export
from tests.support import open_page

VIEWS = [
    ("jane visits africa", {}),
    ("the cat sat on the mat", {"heads": 2, "similarity": "cosine", "causal": True, "temperature": 0.3}),
    ('a "quoted" back\\slash sentence', {"weight_set": "random", "seed": 7, "positional": False, "scaled": False}),
    ("café à paris", {"heads": 4}),
]


@pytest.mark.parametrize("sentence, settings", VIEWS)
def test_the_script_alone_recomputes_the_views_weights_and_output(sentence, settings, tmp_path):
    trace = run_attention(sentence, Settings(**settings))
    path = tmp_path / "attention.py"
    report = "\nimport json, sys\njson.dump({'attention': attention.tolist(), 'output': output.tolist()}, sys.stderr)\n"
    path.write_text(export.script(trace) + report)
    done = subprocess.run([sys.executable, "-I", str(path)], capture_output=True, text=True, cwd=tmp_path, check=True)
    result = json.loads(done.stderr)
    attention = trace.attention if trace.attention.ndim == 3 else trace.attention[None]
    np.testing.assert_allclose(result["attention"], attention, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result["output"], trace.output, rtol=0, atol=1e-12)
    assert "attention weights, head 1 of" in done.stdout


@pytest.mark.parametrize("sentence, settings", VIEWS)
def test_the_json_loads_back_to_the_same_arrays(sentence, settings):
    trace = run_attention(sentence, Settings(**settings))
    back = json.loads(export.trace_json(trace))
    assert back["tokens"] == list(trace.tokens) and back["settings"] == vars(trace.settings)
    for name, entry in back["matrices"].items():
        values = np.asarray(getattr(trace, name))
        assert entry["shape"] == list(values.shape)
        loaded = np.array(entry["values"], dtype=float)  # None (a masked score) becomes nan
        np.testing.assert_array_equal(np.where(np.isfinite(values), values, np.nan), loaded)
        assert len(entry["rows"]) == values.shape[-2] and len(entry["cols"]) == values.shape[-1]


def test_every_page_offers_both_downloads_in_the_sidebar():
    at = open_page("pages/3_Softmax.py", {"heads": "2"})
    assert not at.sidebar.get("download_button"), "built only when the student opens 'Share or take away'"
    at.session_state["sidebar_share"] = True
    at.run()
    labels = [button.proto.label for button in at.sidebar.get("download_button")]
    assert labels == ["JSON", "Python"]

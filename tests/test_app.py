"""The app runs: AppTest executes the real script."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"


def test_home_page_runs_and_shows_the_lesson_sentence():
    at = AppTest.from_file(str(APP)).run(timeout=30)
    assert not at.exception
    assert "jane visits africa" in at.markdown[0].value
    assert at.dataframe[0].value.loc["jane"].idxmax() == "visits"

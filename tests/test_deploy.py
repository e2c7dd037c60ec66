"""The deployment files say what they should: a classroom config, a Dockerfile that builds what the app needs.

(The Dockerfile is not built here: this machine has no Docker engine. tests/test_nginx.py runs the nginx layout.)
"""
import re
import tomllib

from tests.support import ROOT


def test_the_config_is_fit_for_a_classroom_and_keeps_streamlits_protections():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["runner"]["postScriptGC"] is False  # measured: see the comment in the file and BENCHMARKS.md
    server = config.get("server", {})
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True
    assert config["client"]["showSidebarNavigation"] is False


def test_the_dockerfile_runs_the_app_as_a_non_root_user_with_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text()
    instructions = [line.split(maxsplit=1) for line in dockerfile.splitlines() if line and not line.startswith("#")
                    and not line.startswith(" ")]
    assert instructions[0] == ["FROM", "python:3.11-slim"]
    users = [rest for word, *rest in instructions if word == "USER"]
    assert users and users[-1] != ["root"]
    assert "/_stcore/health" in dockerfile.split("HEALTHCHECK", 1)[1]
    assert "pip install -r requirements.txt" in dockerfile
    assert re.search(r'CMD \["streamlit", "run", "app.py"', dockerfile)
    copied = {source.rstrip("/") for word, *rest in instructions if word == "COPY"
              for source in rest[0].replace("--chown=explainer:explainer ", "").split()[:-1]}
    # everything the running app reads, and nothing it does not
    assert copied == {"requirements.txt", ".streamlit", "app.py", "explainer", "lesson", "frame", "pages"}
    for source in copied:
        assert (ROOT / source).exists(), source


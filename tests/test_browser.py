"""The app in a real browser: Debian's Chromium driven by Playwright, against `streamlit run` on a free port.

Skipped, with the reason, when Chromium or Playwright is missing, unless EXPLAINER_REQUIRE_BROWSER=1 (as in CI),
which turns that skip into a failure.
"""
from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import frame
from tests.support import CHROMIUM, CHROMIUM_ARGS, SCRIPT_DONE
from tests.support.server import streamlit

REQUIRED = os.environ.get("EXPLAINER_REQUIRE_BROWSER") == "1"
DRAWN = """(charted) => { const charts = [...document.querySelectorAll('[data-testid=stVegaLiteChart]')];
                   return (charts.length > 0 || !charted) && charts.every(chart => chart.querySelector('svg')); }"""
UNCHARTED = "/" + frame.page("pages/7_Teach_a_class.py").url_path  # the one page that draws no chart
VIEW = {"sentence": "the cat sat on the mat", "focus": "mat", "temperature": "0.5", "positions": "off"}


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"browser tests are required (EXPLAINER_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server():
    with streamlit() as running:
        yield running.url


@pytest.fixture
def page(browser):
    """A new browser context per test: a student with no cookies and no history."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()


def settle(tab, timeout: float = 30_000) -> None:
    """Wait until the app has finished the run that the last action started, and its charts are drawn (every
    lesson page has some, the teacher's none: a lesson page with none has not been drawn yet).

    Fails (Playwright's TimeoutError) when the run does not finish or a chart is not drawn in time.
    """
    from playwright.sync_api import TimeoutError as Timeout

    with contextlib.suppress(Timeout):  # the run may be over before we look: then there is nothing to wait for
        tab.wait_for_selector("[data-testid='stApp'][data-test-script-state='running']", timeout=700)
    tab.wait_for_selector(SCRIPT_DONE, timeout=timeout)
    tab.wait_for_function(DRAWN, arg=urlsplit(tab.url).path.rstrip('/') != UNCHARTED, timeout=timeout)
    time.sleep(0.4)


def open_view(tab, url: str) -> None:
    tab.goto(url)
    settle(tab)


def query_of(tab) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(tab.url).query).items()}


def sidebar_value(tab, label: str) -> str:
    return tab.locator(f'[data-testid=stSidebar] input[aria-label="{label}"]').first.input_value()


def chart_words(tab) -> set[str]:
    """Every piece of text drawn in the page's charts."""
    return set(tab.locator("[data-testid=stVegaLiteChart] svg text").evaluate_all("els => els.map(e => e.textContent)"))


def main_text(tab) -> str:
    """The page's text outside its charts (their words are chart_words: a set, since the order in which Vega lays
    out an axis's labels may differ between two drawings of the same chart)."""
    return tab.evaluate("""() => { const main = document.querySelector('[data-testid=stMain]').cloneNode(true);
                                   main.querySelectorAll('svg').forEach(svg => svg.remove());
                                   return main.textContent; }""")


def pick_in_menu(tab, title: str) -> None:
    """Go to a page by the sidebar's menu, as a student does."""
    tab.locator("[data-testid=stSidebar]").get_by_role("link", name=title, exact=True).click()


def no_exception(tab) -> None:
    assert tab.locator("[data-testid=stException]").count() == 0
    assert not tab.errors, tab.errors


@pytest.mark.parametrize("target", frame.PAGES, ids=[p.title for p in frame.PAGES])
def test_a_deep_link_restores_its_page_and_state_on_a_fresh_server(browser, target):
    with streamlit() as running:  # the link is the very first request this server sees
        url = running.url
        tab = browser.new_page(viewport={"width": 1280, "height": 1000})
        open_view(tab, f"{url}/{target.url_path}?" + "&".join(f"{k}={v.replace(' ', '+')}" for k, v in VIEW.items()))
        heading = tab.locator("h1").first.inner_text()
        assert heading.startswith({"Home": "Self-attention"}.get(target.title, target.title.split()[0] + " ·"))
        assert sidebar_value(tab, "Sentence") == VIEW["sentence"]
        assert sidebar_value(tab, "Word in focus (the query)") == "mat"
        assert sidebar_value(tab, "Temperature") == "0.5"
        assert not tab.get_by_label("Add positions (positional encoding)").is_checked()
        assert query_of(tab) == VIEW
        if target.path != "pages/7_Teach_a_class.py":  # the teacher's page draws no chart
            assert {"mat", "sat"} <= chart_words(tab)
        assert tab.locator("[data-testid=stException]").count() == 0
        tab.close()


def test_sidebar_navigation_keeps_the_state_and_the_link(page, server):
    open_view(page, f"{server}/?temperature=0.5&focus=visits")
    pick_in_menu(page, "3 Softmax")
    settle(page)
    assert urlsplit(page.url).path == "/Softmax"
    assert query_of(page) == {"temperature": "0.5", "focus": "visits"}
    assert sidebar_value(page, "Temperature") == "0.5"
    # a change made on this page travels on as well
    page.locator('[data-testid=stSidebar] input[aria-label="Word in focus (the query)"]').click()
    page.get_by_role("option", name="africa").click()
    settle(page)
    pick_in_menu(page, "2 Q and K")
    settle(page)
    assert urlsplit(page.url).path == "/Q_and_K"
    assert query_of(page) == {"temperature": "0.5", "focus": "africa"}
    assert sidebar_value(page, "Word in focus (the query)") == "africa"
    no_exception(page)


def test_editing_the_sentence_updates_the_charts_and_the_url(page, server):
    open_view(page, f"{server}/Q_and_K")
    sentence = page.locator('[data-testid=stSidebar] input[aria-label="Sentence"]')
    sentence.fill("the dog chased the ball")
    sentence.press("Enter")
    settle(page)
    assert query_of(page) == {"sentence": "the dog chased the ball"}
    words = chart_words(page)
    assert {"dog", "chased", "ball", "the (1)", "the (2)"} <= words
    assert "jane" not in words
    no_exception(page)


def test_every_edit_in_a_row_is_applied(page, server):
    open_view(page, f"{server}/Softmax")
    thumb = page.locator('[data-testid=stSidebar] input[type=range][aria-label="Temperature"]')
    for expected in ("1.01", "1.02", "1.03"):
        thumb.focus()
        page.keyboard.press("ArrowRight")
        settle(page)
        assert query_of(page) == {"temperature": expected}
        assert sidebar_value(page, "Temperature") == expected
    no_exception(page)


def test_clicking_a_word_in_a_chart_puts_it_in_focus(page, server):
    open_view(page, f"{server}/Intuition")
    word = page.locator("[data-testid=stVegaLiteChart] svg text", has_text="africa").first
    word.scroll_into_view_if_needed()
    box = word.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    settle(page)
    assert query_of(page) == {"focus": "africa"}
    assert sidebar_value(page, "Word in focus (the query)") == "africa"
    assert "africa looks most at visits" in page.locator("[data-testid=stMain]").inner_text()
    no_exception(page)


def test_clicking_a_score_cell_takes_that_pair_apart(page, server):
    open_view(page, f"{server}/Q_and_K")
    scores = page.locator("[data-testid=stVegaLiteChart]").filter(
        has=page.locator("svg text", has_text="Q·Kᵀ")).first
    scores.scroll_into_view_if_needed()
    cell = scores.locator("svg path[aria-label*='row: africa'][aria-label*='column: jane']").first
    box = cell.bounding_box()
    page.mouse.click(box["x"] + 8, box["y"] + 8)
    settle(page)
    assert query_of(page) == {"focus": "africa", "key": "jane"}
    main = page.locator("[data-testid=stMain]")
    assert main.locator('input[aria-label="Key word"]').input_value() == "jane"
    # the click opened the breakdown of that score, built for the pair clicked
    breakdown = main.locator("[data-testid=stExpander]").filter(has_text="One score, term by term")
    assert "africa asking, jane answering" in breakdown.inner_text()
    assert breakdown.locator("[data-testid=stVegaLiteChart]").count() == 1
    no_exception(page)


def test_hostile_link_and_sentence_show_a_notice_and_inject_nothing(page, server):
    hostile = "%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D1%3E%20jane%20**bold**"
    open_view(page, f"{server}/Softmax?sentence={hostile}&temperature=abc&weights=%3Cscript%3E&zz=1")
    alerts = " ".join(page.locator("[data-testid=stAlert]").all_inner_texts())
    assert "'temperature' must be a number" in alerts and "'weights' must be one of" in alerts
    assert "does not know" in alerts
    assert query_of(page) == {"sentence": "<img src=x onerror=window.__pwned=1> jane **bold**"}
    sentence = page.locator('[data-testid=stSidebar] input[aria-label="Sentence"]')
    sentence.fill('<b id="pwned">x</b> $\\frac{1}{2}$ visits')
    sentence.press("Enter")
    settle(page)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src=x], #pwned, [data-testid=stMain] .katex:has-text('1/2')").count() == 0
    assert sidebar_value(page, "Sentence") == '<b id="pwned">x</b> $\\frac{1}{2}$ visits'
    no_exception(page)


def test_the_back_button_returns_to_the_previous_view(page, server):
    open_view(page, f"{server}/Intuition?focus=visits")
    pick_in_menu(page, "3 Softmax")
    settle(page)
    assert urlsplit(page.url).path == "/Softmax"
    page.go_back()
    settle(page)
    assert urlsplit(page.url).path == "/Intuition"
    assert query_of(page) == {"focus": "visits"}
    assert page.locator("h1").first.inner_text().startswith("1 ·")
    assert sidebar_value(page, "Word in focus (the query)") == "visits"
    no_exception(page)


def open_share(page) -> None:
    """Open the sidebar's "Share or take away this view" (built only when open) and wait for its content."""
    page.locator("[data-testid=stSidebar]").get_by_text("Share or take away this view").click()
    settle(page)


@pytest.mark.parametrize("target", frame.PAGES, ids=[p.title for p in frame.PAGES])
def test_a_link_copied_from_the_address_bar_reopens_the_same_view_for_someone_else(browser, server, target):
    teacher = browser.new_page(viewport={"width": 1280, "height": 1000})
    open_view(teacher, f"{server}/{target.url_path}?sentence=students+visit+paris+in+spring&heads=2&head=2")
    teacher.locator('[data-testid=stSidebar] input[aria-label="Word in focus (the query)"]').click()
    teacher.get_by_role("option", name="paris").click()
    settle(teacher)
    open_share(teacher)
    link_box = teacher.locator("[data-testid=stSidebar] [data-testid=stCode]").inner_text().strip()
    assert link_box == teacher.url
    shown = (chart_words(teacher), main_text(teacher))
    student = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    open_view(student, teacher.url)
    assert query_of(student) == {"sentence": "students visit paris in spring", "heads": "2", "head": "2",
                                 "focus": "paris"}
    assert (chart_words(student), main_text(student)) == shown
    teacher.close()
    student.context.close()


def test_the_python_download_is_a_script_for_this_very_view(page, server):
    open_view(page, f"{server}/Softmax?sentence=the+cat+sat&temperature=0.5")
    open_share(page)
    with page.expect_download() as download:
        page.locator("[data-testid=stSidebar]").get_by_role("button", name="Python").click()
    text = Path(download.value.path()).read_text()
    compile(text, "attention.py", "exec")  # a script that Python reads
    assert "tokens = ['the', 'cat', 'sat']" in text and "/ 0.5" in text
    no_exception(page)


def test_the_menu_is_links_that_open_a_stage_with_the_view_in_a_new_tab(page, server, browser):
    open_view(page, f"{server}/?temperature=0.5&focus=visits")
    link = page.locator("[data-testid=stSidebar]").get_by_role("link", name="3 Softmax", exact=True)
    from urllib.parse import urljoin

    href = urljoin(page.url, link.get_attribute("href"))  # as the browser resolves it
    assert urlsplit(href).path == "/Softmax"
    assert {k: v[-1] for k, v in parse_qs(urlsplit(href).query).items()} == {"temperature": "0.5", "focus": "visits"}
    other = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()  # "open in a new tab"
    open_view(other, href)
    assert other.locator("h1").first.inner_text().startswith("3 ·")
    assert sidebar_value(other, "Temperature") == "0.5"
    assert sidebar_value(other, "Word in focus (the query)") == "visits"
    other.context.close()


AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(tab) -> list[dict]:
    """What axe-core (tests/axe, `npm ci --prefix tests/axe`) finds wrong on the page as drawn: id, impact, nodes."""
    if not AXE.exists():
        _unavailable(f"axe-core is not installed at {AXE} (npm ci --prefix tests/axe)")
    tab.add_script_tag(path=str(AXE))
    found = tab.evaluate("async () => (await axe.run(document)).violations.map(v => "
                         "({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))")
    return found


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("target", frame.PAGES, ids=[p.title for p in frame.PAGES])
def test_axe_finds_no_serious_accessibility_violation(browser, server, target, width):
    tab = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    open_view(tab, f"{server}/{target.url_path}")
    serious = [v for v in axe_violations(tab) if v["impact"] in ("serious", "critical")]
    tab.context.close()
    assert not serious, serious


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_serious_violation_with_the_questions_answered_and_the_sidebar_open(browser, server, width):
    """What a student opens: Check yourself with an answer and its why, More settings and the share box."""
    tab = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    open_view(tab, f"{server}/Softmax?heads=2")
    tab.get_by_text("Check yourself", exact=True).click()
    settle(tab)
    tab.locator("[data-testid=stMain] [data-testid=stExpander] [data-testid=stRadioOption]").first.click()
    settle(tab)
    assert tab.locator("[data-testid=stMain] [data-testid=stAlertContainer]").count() == 1  # its why: right or wrong
    if width == 390:
        tab.locator("[data-testid=stExpandSidebarButton], [data-testid=stSidebarCollapsedControl] button").first.click()
    open_share(tab)
    serious = [v for v in axe_violations(tab) if v["impact"] in ("serious", "critical")]
    tab.context.close()
    assert not serious, serious


ARROW_NAMES = """() => {  // the arrows chart's names (their boxes on the screen) and its arrows (their two ends)
  const chart = [...document.querySelectorAll('[data-testid=stVegaLiteChart]')]
    .find(chart => chart.textContent.includes('every k in grey'));
  chart.scrollIntoView();
  const end = (line, x, y) => { const p = new DOMPoint(x, y).matrixTransform(line.getScreenCTM()); return [p.x, p.y]; };
  const names = [...chart.querySelectorAll('g.mark-text.role-mark text')].filter(t => t.textContent.trim())
    .map(t => { const r = t.getBoundingClientRect(); return [t.textContent, r.left, r.top, r.right, r.bottom]; });
  const arrows = [...chart.querySelectorAll('g.mark-rule.role-mark line')]
    .map(line => [end(line, +line.getAttribute('x1') || 0, +line.getAttribute('y1') || 0),
                  end(line, +line.getAttribute('x2') || 0, +line.getAttribute('y2') || 0)]);
  return {names, arrows};
}"""


@pytest.mark.parametrize("query", [
    {"sentence": "the boy kicked the ball over the fence", "focus": "ball"},
    {"sentence": "my mum cooks rice for us because she loves her big family", "focus": "she"},
    {"weights": "random", "similarity": "cosine", "heads": "2", "head": "2", "positions": "off"},
], ids=["8 words", "12 words", "random head 2"])
def test_the_arrows_names_are_never_written_over_each_other_nor_crossed_and_the_top_key_has_its_own(
        browser, server, query):
    from urllib.parse import urlencode

    from explainer import run_attention
    from lesson.state import clean

    state, _ = clean(query)
    shown = run_attention(state.sentence, state.settings)
    shown = shown.head(state.head) if state.heads > 1 else shown
    top = shown.labels[int(shown.attention[state.focus].argmax())]
    tab = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    open_view(tab, f"{server}/{frame.page('pages/2_Q_and_K.py').url_path}?{urlencode(query)}")
    drawn = tab.evaluate(ARROW_NAMES)
    tab.context.close()
    names = [name for name, *_box in drawn["names"]]
    assert top in names and shown.labels[state.focus] in names, names  # the top key's name alone, and the query's
    for i, (first, *a) in enumerate(drawn["names"]):
        for second, *b in drawn["names"][i + 1:]:
            across = min(a[2], b[2]) - max(a[0], b[0])
            up = min(a[3], b[3]) - max(a[1], b[1])
            assert across <= 0.5 or up <= 0.5 * min(a[3] - a[1], b[3] - b[1]), (first, second)
        left, top_edge, right, bottom = a[0], a[1] + 3, a[2], a[3] - 3  # the glyphs, not the line's room above them
        for (x0, y0), (x1, y1) in drawn["arrows"]:
            along = [(x0 + (x1 - x0) * t / 200, y0 + (y1 - y0) * t / 200) for t in range(201)]
            assert not any(left < x < right and top_edge < y < bottom for x, y in along), (first, (x0, y0, x1, y1))


def test_the_position_questions_chart_title_is_whole_on_a_phone(browser, server):
    """Its title was cut at 390 px ("score from the four near? questions alo…")."""
    tab = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    open_view(tab, f"{server}/{frame.page('pages/2_Q_and_K.py').url_path}")
    tab.locator("[data-testid=stExpander] summary", has_text="The position questions").click()
    tab.wait_for_function("() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] svg')]"
                          ".some(svg => svg.textContent.includes('questions'))", timeout=30_000)
    titles = tab.evaluate("() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] .role-title-text')]"
                          ".map(t => t.textContent)")
    tab.context.close()
    (title,) = [t for t in titles if "near?" in t]
    assert not title.endswith("…"), title

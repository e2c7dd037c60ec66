"""Projector mode (link parameter projector=on): every page's type larger, its charts drawn larger with thicker lines
in black, nothing wider than a phone's page nor written over, and the normal view exactly as it was."""
import copy
import json
import re

import pytest

import frame
from explainer import run_attention
from frame.show import PROJECTOR_STYLE
from lesson import charts, figures
from tests.support import PAGES, SCRIPT_DONE, open_page
from tests.test_browser import browser, no_exception, server  # noqa: F401 (fixtures)

TYPE = ("fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize")
ROOM = ("step", "width", "height", "labelLimit", "dx", "dy")  # the room type takes, where a chart sets it
LINES = ("strokeWidth", "thickness")
BLACK = ("black", "#000", "#000000")
PAGE_TYPE = int(re.search(r"html \{ font-size: (\d+)px", PROJECTOR_STYLE)[1])  # px: the projector page's text
TWELVE_WORDS = "the quick brown fox jumps over the lazy dog near the river"
# Rooms a chart as wide as the page may get: its plot's width, and the width of one of its columns where columns
# share it (a heatmap's cells). On a phone, a 12-word heatmap's cells are about 20 px wide.
PHONE, PROJECTOR = {"width": 300, "band": 20}, {"width": 1000, "band": 150}


def vega(expr: str, *, width: float, band: float) -> float:
    """A Vega expression of the chart's width and bandwidth('x'), as the browser evaluates it."""
    python = expr.replace("bandwidth('x')", "band")
    if "?" in python:
        condition, choices = python.split("?")
        yes, no = choices.split(":")
        python = f"({yes}) if ({condition}) else ({no})"
    return eval(python, {"__builtins__": {}},  # the spec's own arithmetic, nothing else in reach
                {"clamp": lambda v, low, high: min(max(v, low), high), "width": width, "band": band})


def numbers_under(spec, keys, room: dict | None = None, path=()) -> dict[tuple, float]:
    """Every size of a spec (outside its config) under one of `keys`, also inside it (a scale's range of widths),
    by where it is; a size given by an expression, evaluated in `room`."""
    found = {}
    if isinstance(spec, dict) and set(spec) == {"expr"} and path and path[-1] in keys:
        found[path] = vega(spec["expr"], **room)
    elif isinstance(spec, dict):
        for name, value in spec.items():
            if not path and name == "config":
                continue
            found |= numbers_under(value, keys, room, (*path, name))
    elif isinstance(spec, list):
        for index, value in enumerate(spec):
            found |= numbers_under(value, keys, room, (*path, index))
    elif isinstance(spec, (int, float)) and not isinstance(spec, bool) and any(key in path for key in keys):
        found[path] = spec
    return found


def specs(at) -> list[str]:
    return [element.proto.spec for element in at.get("vega_lite_chart")]


def styles(at) -> list[str]:
    return [node.proto.body for node in at if getattr(node, "type", "") == "html" and "<style>" in node.proto.body]


def config_type(projected: dict, room: dict) -> list[float]:
    config = projected["config"]
    sizes = [config[part][key] for part, key in (("axis", "labelFontSize"), ("axis", "titleFontSize"),
                                                 ("legend", "labelFontSize"), ("header", "labelFontSize"),
                                                 ("title", "fontSize"))]
    return [vega(size["expr"], **room) if isinstance(size, dict) else size for size in sizes]


def assert_drawn_for_a_room(projected: dict, normal: dict) -> None:
    """A chart of fixed width is the normal chart magnified: every type size and the room it takes grown alike
    (so that the page may draw it smaller, to fit a phone, and no smaller than normal), drawn in SVG. A chart as
    wide as the page has the normal type where its room is a phone's, and larger on a projector. Either way its
    lines are thicker and what it leaves to the theme is as large as the page's text, and black."""
    lines_on, lines_off = numbers_under(projected, LINES, PROJECTOR), numbers_under(normal, LINES)
    assert lines_on.keys() == lines_off.keys()
    assert all(lines_on[where] >= 1.5 * width for where, width in lines_off.items()), (lines_on, lines_off)
    if normal.get("width") == "container":
        assert numbers_under(projected, TYPE, PHONE) == numbers_under(normal, TYPE)
        type_on, type_off = numbers_under(projected, TYPE, PROJECTOR), numbers_under(normal, TYPE)
        assert all(type_on[where] >= 1.5 * size for where, size in type_off.items()), (type_on, type_off)
    else:
        sizes_on, sizes_off = numbers_under(projected, TYPE + ROOM), numbers_under(normal, TYPE + ROOM)
        assert sizes_on.keys() == sizes_off.keys()
        growth = {where: size / sizes_off[where] for where, size in sizes_on.items() if sizes_off[where] >= 10}
        assert min(growth.values()) >= 1.5 and max(growth.values()) - min(growth.values()) < 0.1, growth
        assert projected["usermeta"]["embedOptions"]["renderer"] == "svg"
    assert min(config_type(projected, PROJECTOR)) >= 0.9 * PAGE_TYPE
    config = projected["config"]
    assert {config["axis"]["labelColor"], config["title"]["color"], config["legend"]["labelColor"]} <= set(BLACK)


@pytest.mark.parametrize("query", [{}, {"sentence": TWELVE_WORDS, "heads": "2"}], ids=["3 words", "12 words"])
@pytest.mark.parametrize("page", PAGES)
def test_projector_mode_draws_every_page_for_a_room_and_leaves_the_normal_view_as_it_was(page, query):
    on = open_page(page, query | {"projector": "on"})  # first: its specs are made and cached before the normal ones
    plain, off = open_page(page, query), open_page(page, query | {"projector": "off"})
    for at in (on, plain, off):
        assert not at.exception and not at.warning
    assert specs(off) == specs(plain), "projector=off is the normal view"
    assert len(specs(on)) == len(specs(plain)) and (specs(plain) or page == "pages/7_Teach_a_class.py")  # it has none
    for projected, normal in zip(specs(on), specs(plain), strict=True):
        assert_drawn_for_a_room(json.loads(projected), json.loads(normal))
    assert len(styles(on)) == 1 and f"font-size: {PAGE_TYPE}px" in styles(on)[0] and PAGE_TYPE > 16
    assert styles(plain) == []


def test_the_sidebar_turns_projector_mode_on_and_off_and_the_link_follows():
    at = open_page("pages/3_Softmax.py")
    normal = specs(at)
    at.toggle(key="sidebar_projector").set_value(True).run()
    assert not at.exception
    assert at.query_params["projector"] == "on"
    assert styles(at) and specs(at) != normal
    at.toggle(key="sidebar_projector").set_value(False).run()
    assert "projector" not in at.query_params
    assert styles(at) == [] and specs(at) == normal


def numbers_mark(spec: dict) -> dict:
    return next(layer["mark"] for layer in spec["layer"] if layer["mark"]["type"] == "text")


def shown_at(mark: dict, room: dict) -> tuple[float, bool]:
    """A heatmap's numbers in a room: their type size, and whether they are written."""
    size = mark["fontSize"]
    size = vega(size["expr"], **room) if isinstance(size, dict) else size
    return size, vega(mark["opacity"]["expr"], **room) == 1


@pytest.mark.parametrize("words", [3, 12])
def test_a_heatmaps_numbers_are_written_where_their_projector_type_has_the_room_the_normal_type_needs(words):
    figure = charts.heatmap(run_attention(" ".join(TWELVE_WORDS.split()[:words])).matrix("attention"),
                            probability=True, numbers_if_room=True)
    normal, projected = numbers_mark(figure.spec()), numbers_mark(figure.spec(projector=True))
    normal_size = normal["fontSize"]
    threshold = next(width for width in range(1, 3000) if shown_at(normal, {"width": width, "band": 0})[1])
    grown = False
    for width in range(70, 2000, 10):
        room = {"width": width, "band": (width - 60) / words}
        size, shown = shown_at(projected, room)
        assert normal_size <= size <= 2 * normal_size
        assert shown == (width >= threshold * size / normal_size), (room, size)
        grown |= shown and size >= 1.5 * normal_size
    assert grown, "somewhere the numbers are written larger"


def test_the_projector_spec_leaves_the_shared_normal_spec_alone():
    figure = charts.heatmap(run_attention("jane visits africa").matrix("scores"), focus_row=1)
    normal = figure.spec()
    before = copy.deepcopy(normal)
    projected = figure.spec(projector=True)
    assert figure.spec() is normal and normal == before
    assert projected != normal and figure.spec(projector=True) is projected  # made once, cached apart


def test_a_grid_of_fixed_width_is_the_normal_grid_magnified():
    trace = run_attention("jane visits africa")
    grid = figures.grid([charts.heatmap(trace.matrix("Q")), charts.heatmap(trace.matrix("K"))], columns=1,
                        width=figures.FULL_PANEL)
    assert_drawn_for_a_room(grid.spec(projector=True), grid.spec())


# In the browser: what a student on a phone and a room in front of a projector see.
DRAWN_SIZES = """() => {
  const text = svg => [...svg.querySelectorAll('text')]
    .filter(t => t.textContent.trim() && t.getAttribute('opacity') !== '0');
  const charts = [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].map(chart => {
    const drawing = chart.querySelector('svg, canvas'), box = drawing.getBoundingClientRect();
    const shrunk = box.width / (+drawing.getAttribute('width') || box.width);
    const boxes = [...chart.querySelectorAll('g.mark-text.role-mark')]
      .map(g => text(g).map(t => t.getBoundingClientRect()));
    let overlaps = 0;  // pairs of numbers or words of one mark written over each other
    for (const group of boxes) for (let i = 0; i < group.length; i++) for (let j = i + 1; j < group.length; j++) {
      const a = group[i], b = group[j];
      if (Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5 * Math.min(a.height, b.height)
          && Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5) overlaps++;
    }
    const sizes = text(drawing).map(t => parseFloat(getComputedStyle(t).fontSize) * shrunk);  // none on a canvas
    return {drawn: box.width, room: chart.clientWidth, scrolls: chart.scrollWidth > chart.clientWidth,
            smallest: sizes.length ? Math.min(...sizes) : null, overlaps};
  });
  const formulas = [...document.querySelectorAll('.katex-display')].map(f => f.scrollWidth - f.clientWidth);
  const main = document.querySelector('[data-testid=stMain]');
  return {charts, formulas, page: main.scrollWidth - main.clientWidth,
          text: parseFloat(getComputedStyle(document.querySelector('[data-testid=stMarkdownContainer] p')).fontSize)};
}"""


SETTLED = """(done) => {  // the run over, its footer (the last element of every page) there, no chart still a
                            // skeleton, every chart drawn (one of many marks may be a canvas), none more for a second
  const charts = [...document.querySelectorAll('[data-testid=stVegaLiteChart]')];
  const footer = [...document.querySelectorAll('[data-testid=stMain] a')]
    .some(link => /^(← Previous|Next): /.test(link.textContent));
  const now = charts.length + ' ' + charts.filter(chart => chart.querySelector('svg, canvas')).length;
  window.settledFor = now === window.settledAs ? (window.settledFor || 0) + 1 : 0;
  window.settledAs = now;
  return !!document.querySelector(done) && footer && !document.querySelector('[data-testid=stSkeleton]')
         && charts.every(chart => chart.querySelector('svg, canvas')) && window.settledFor >= 2;
}"""


def drawn(chromium, url: str, width: int) -> dict:
    """What the page at `url` draws in a window `width` px wide: each chart's width, the room it has, whether it
    scrolls, its smallest type on the screen and how many pairs of its numbers or words are written over each other;
    how far each formula and the page are wider than their room; the size of the page's text."""
    context = chromium.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.goto(url)
    tab.wait_for_function(SETTLED, arg=SCRIPT_DONE, polling=500, timeout=60_000)
    no_exception(tab)
    sizes = tab.evaluate(DRAWN_SIZES)
    context.close()
    return sizes


@pytest.mark.parametrize("target", frame.PAGES, ids=[p.title for p in frame.PAGES])
def test_on_a_phone_nothing_is_wider_than_the_page_and_in_projector_mode_nothing_written_over_or_smaller(
        browser, server, target):  # noqa: F811 (fixtures)
    view = f"{server}/{target.url_path}?sentence={TWELVE_WORDS.replace(' ', '+')}"
    on, normal = drawn(browser, view + "&projector=on", 390), drawn(browser, view, 390)
    assert normal["page"] <= 0 and all(overflow <= 0 for overflow in normal["formulas"]), normal
    assert on["charts"] or target.path == "pages/7_Teach_a_class.py"  # the one page with none
    assert on["page"] <= 0 and all(overflow <= 0 for overflow in on["formulas"]), on
    for chart, plain in zip(on["charts"], normal["charts"], strict=True):
        assert chart["drawn"] <= chart["room"] + 0.5 and not chart["scrolls"], chart
        assert chart["overlaps"] == 0, chart
        assert plain["smallest"] is None or chart["smallest"] >= 0.85 * plain["smallest"], (chart, plain)


def test_on_a_projector_the_softmax_steps_are_drawn_as_large_as_the_page_and_its_other_charts(browser, server):  # noqa: F811
    on = drawn(browser, f"{server}/{frame.page('pages/3_Softmax.py').url_path}?projector=on", 1280)
    steps, *others = on["charts"]  # the four steps of the focus word's row, one chart of fixed width
    column = max(chart["room"] for chart in others)
    assert steps["drawn"] >= 0.5 * column, (steps, column)
    assert steps["smallest"] >= 0.9 * on["text"] and steps["smallest"] >= min(chart["smallest"] for chart in others)


LONG_WORDS = "our team won the game and we celebrated with pizza at home"


@pytest.mark.parametrize("query", ["focus=we&heads=4&head=2", "focus=celebrated", "focus=home&causal=on"],
                         ids=["all scores ≤ 0", "long words", "masked keys"])
def test_on_a_phone_the_softmax_steps_keep_every_number_on_the_page(browser, server, query):  # noqa: F811
    """The four steps' panels write their numbers inside themselves whatever the signs (with no positive score
    the zero line is a panel's right end), so that the grid fits a phone beside a sentence's long words."""
    sizes = drawn(browser, f"{server}/{frame.page('pages/3_Softmax.py').url_path}"
                           f"?sentence={LONG_WORDS.replace(' ', '+')}&{query}", 390)
    assert sizes["page"] <= 0, sizes
    steps = sizes["charts"][0]
    assert steps["drawn"] <= steps["room"] + 0.5 and not steps["scrolls"], steps


CHART_TITLES = "() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] g.role-title-text text')]" \
               ".map(t => t.textContent)"


@pytest.mark.parametrize("path", ["pages/3_Softmax.py", "pages/4_V_and_the_second_MatMul.py"])
@pytest.mark.parametrize("query", ["heads=2&head=2", f"sentence={LONG_WORDS.replace(' ', '+')}&heads=4&head=4"])
def test_on_a_phone_no_chart_title_is_cut_when_several_heads_are_on(browser, server, path, query):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 900})
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.goto(f"{server}/{frame.page(path).url_path}?{query}")
    tab.wait_for_function(SETTLED, arg=SCRIPT_DONE, polling=500, timeout=60_000)
    no_exception(tab)
    shown = tab.evaluate(CHART_TITLES)
    context.close()
    assert shown and not [title for title in shown if title.endswith("…")], shown

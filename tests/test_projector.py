"""Projector mode (link parameter projector=on): every page's type larger, its charts drawn with larger type and
thicker lines in black, and the normal view exactly as it was."""
import copy
import json
import re

import pytest

from explainer import run_attention
from lesson import charts
from tests.support import PAGES, open_page

TYPE = ("fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize")
LINES = ("strokeWidth", "thickness")
BLACK = ("black", "#000", "#000000")


def numbers_under(spec, keys, path=()) -> dict[tuple, float]:
    """Every number of a spec (outside its config) under one of `keys`, also inside it (a scale's range of
    widths), by where it is."""
    found = {}
    if isinstance(spec, dict):
        for name, value in spec.items():
            if not path and name == "config":
                continue
            found |= numbers_under(value, keys, (*path, name))
    elif isinstance(spec, list):
        for index, value in enumerate(spec):
            found |= numbers_under(value, keys, (*path, index))
    elif isinstance(spec, (int, float)) and not isinstance(spec, bool) and any(key in path for key in keys):
        found[path] = spec
    return found


def specs(at) -> list[str]:
    return [element.proto.spec for element in at.get("vega_lite_chart")]


def styles(at) -> list[str]:
    return [node.proto.body for node in at if getattr(node, "type", "") == "html" and "<style>" in node.proto.body]


def assert_drawn_for_a_room(projected: dict, normal: dict) -> None:
    """Every type size and line width the normal chart sets is larger, and the rest is set large and black."""
    type_on, type_off = numbers_under(projected, TYPE), numbers_under(normal, TYPE)
    assert type_on.keys() == type_off.keys()
    assert all(type_on[where] >= 1.3 * size for where, size in type_off.items()), (type_on, type_off)
    lines_on, lines_off = numbers_under(projected, LINES), numbers_under(normal, LINES)
    assert lines_on.keys() == lines_off.keys()
    assert all(lines_on[where] >= 1.5 * width for where, width in lines_off.items()), (lines_on, lines_off)
    config = projected["config"]
    assert config["axis"]["labelFontSize"] >= 15 and config["title"]["fontSize"] >= 20
    assert config["text"]["fontSize"] >= 16 and config["line"]["strokeWidth"] >= 3
    assert {config["axis"]["labelColor"], config["title"]["color"], config["legend"]["labelColor"]} <= set(BLACK)


@pytest.mark.parametrize("page", PAGES)
def test_projector_mode_draws_every_page_for_a_room_and_leaves_the_normal_view_as_it_was(page):
    on = open_page(page, {"projector": "on"})  # first: its specs are made and cached before the normal ones
    plain, off = open_page(page), open_page(page, {"projector": "off"})
    for at in (on, plain, off):
        assert not at.exception and not at.warning
    assert specs(off) == specs(plain), "projector=off is the normal view"
    assert len(specs(on)) == len(specs(plain)) and (specs(plain) or page == "pages/7_Teach_a_class.py")  # it has none
    for projected, normal in zip(specs(on), specs(plain), strict=True):
        assert_drawn_for_a_room(json.loads(projected), json.loads(normal))
    assert len(styles(on)) == 1 and "font-size" in styles(on)[0]
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


def room(spec: dict) -> tuple[int, int, int]:
    """A heatmap's numbers: their type size, the plot's width they need (numbers_if_room) and the rows' step."""
    text = spec["layer"][1]["mark"]
    return text["fontSize"], int(re.search(r"width >= (\d+)", text["opacity"]["expr"])[1]), spec["height"]["step"]


def test_a_heatmaps_room_for_its_numbers_grows_with_their_type():
    figure = charts.heatmap(run_attention("the cat sat on the mat").matrix("attention"), probability=True,
                            numbers_if_room=True)
    (font, needed, step), (big_font, big_needed, big_step) = room(figure.spec()), room(figure.spec(projector=True))
    assert big_font > font
    assert big_needed / big_font == pytest.approx(needed / font, rel=0.05)  # the numbers show only where they fit
    assert big_step / step >= 0.95 * big_font / font  # and rows as much taller


def test_the_projector_spec_leaves_the_shared_normal_spec_alone():
    figure = charts.heatmap(run_attention("jane visits africa").matrix("scores"), focus_row=1)
    normal = figure.spec()
    before = copy.deepcopy(normal)
    projected = figure.spec(projector=True)
    assert figure.spec() is normal and normal == before
    assert projected != normal and figure.spec(projector=True) is projected  # made once, cached apart

"""A class taught with the app, in real browsers: one server, and one Chromium context per person (the teacher, each
student, a guest), each its own Streamlit session, as in a classroom. What AppTest cannot show: the teacher's
dashboard and a student's offer of the teacher's view updating by themselves, with nobody touching those tabs; a
link followed and the browser's Back; what the server sends a student's browser.

Skipped like tests/test_browser.py when Chromium or Playwright is missing.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

import frame
from frame import classroom
from tests.test_browser import browser, no_exception, open_view, query_of, server, settle, sidebar_value  # noqa: F401

UPDATE = (classroom.OFFER_SECONDS + 15) * 1000  # ms: one look of the offer, and slack (the machine is shared)
RUNS = """(() => {  // counts the runs (whole page or fragment) this tab's app starts: window.__runs
    window.__runs = 0;
    new MutationObserver(() => {
        const app = document.querySelector('[data-testid=stApp]');
        const state = app && app.getAttribute('data-test-script-state');
        if (state !== window.__state) { window.__runs += state === 'running'; window.__state = state; }
    }).observe(document, {subtree: true, childList: true, attributes: true,
                          attributeFilter: ['data-test-script-state']});
})();"""
OFFER = "Your teacher sent the class a view."  # the offer's first words (a toast says more, for a page scrolled down)


@pytest.fixture
def person(browser):  # noqa: F811 (the fixture imported above)
    """Opens a tab in a new browser context per call: one person with no cookies and no history, their own session.
    Each tab keeps what it was sent (tab.received: websocket frames), where it went (tab.visited: URLs) and its
    page loads (tab.loads: a reload is one more)."""
    contexts = []

    def open_one():
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.add_init_script(RUNS)
        contexts.append(context)
        tab = context.new_page()
        tab.errors, tab.received, tab.visited, tab.loads = [], [], [], []
        tab.on("pageerror", lambda error: tab.errors.append(str(error)))
        tab.on("websocket", lambda ws: ws.on("framereceived", lambda message: tab.received.append(message)))
        tab.on("framenavigated", lambda navigated: tab.visited.append(navigated.url))
        tab.on("load", lambda loaded: tab.loads.append(loaded.url))
        return tab

    yield open_one
    for context in contexts:
        context.close()


def expect(*args, **kwargs):
    """Playwright's expect, imported when used: without Playwright this module loads and its tests skip."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


def start_class(teacher, server: str) -> tuple[str, str, str]:  # noqa: F811
    """The teacher starts a class: (its code as the page shows it, the students' link, the teacher's key)."""
    open_view(teacher, f"{server}/Teach_a_class")
    teacher.get_by_role("button", name="Start a class").click()
    settle(teacher)
    code = teacher.locator("[data-testid=stMetricValue]").inner_text().strip()
    links = [text.strip() for text in teacher.locator("[data-testid=stMain] [data-testid=stCode]").all_text_contents()]
    students = next(link for link in links if "teacher=" not in link)
    key = next(parse_qs(urlsplit(link).query)["teacher"][0] for link in links if "teacher=" in link)
    assert parse_qs(urlsplit(students).query) == {"class": [code]}
    assert "teacher" not in query_of(teacher), "the teacher's address bar never holds the key"
    return code, students, key


def runs(tab) -> int:
    return tab.evaluate("window.__runs")


def ran_since(tab, seen: int) -> None:
    """Wait until a run of the tab's app (its fragments' runs included) that started after `seen` runs has ended:
    what the tab shows then was read from the store after that moment."""
    tab.wait_for_function("seen => window.__runs > seen && window.__state === 'notRunning'", arg=seen,
                          timeout=UPDATE)


def in_class(student, link: str, code: str) -> None:
    open_view(student, link)
    expect(student.get_by_text(f"You are in class {code}: your answers to Check yourself are shared")).to_be_visible()


def open_quiz(student) -> tuple[str, list[str]]:
    """Open Check yourself: (its first question as the student reads it, its options)."""
    student.get_by_text("Check yourself", exact=True).click()
    settle(student)
    question = student.locator("[data-testid=stExpander] [data-testid=stRadio]").first
    prompt = question.locator("[data-testid=stWidgetLabel]").inner_text().strip()
    return prompt, [option.strip() for option in question.locator("[data-testid=stRadioOption]").all_inner_texts()]


def answer(student, prompt: str, option: str) -> bool:
    """The student picks an option of the question; whether their page says it is right."""
    question = student.locator("[data-testid=stExpander] [data-testid=stRadio]").filter(
        has_text=re.compile("^" + re.escape(prompt)))  # has_text alone finds any radio whose prompt holds this one
    question.locator("[data-testid=stRadioOption]").filter(has_text=re.compile(f"^{re.escape(option)}$")).click()
    settle(student)
    verdicts = student.locator("[data-testid=stExpander] [data-testid=stAlertContainer] > div")
    expect(verdicts).to_have_count(1)  # one question answered: one verdict under it
    return verdicts.get_attribute("data-testid") == "stAlertContentSuccess"


def expect_dashboard(teacher, stage: int, prompt: str, students: int, right: int, chosen: dict[str, int]) -> None:
    """Wait until the teacher's dashboard shows, for the stage (one question answered) and for that question, these
    counts: students who answered, right at their first try, and students per option."""
    title = frame.PAGES[stage].title
    row = teacher.locator("[data-testid=stTable] tbody tr").filter(has_text=title)
    expect(row.locator("td")).to_have_text([title, str(students), str(students), str(right)], timeout=UPDATE)
    block = teacher.locator("[data-testid=stMarkdown]").filter(has_text=re.compile("^" + re.escape(prompt)))
    expect(block).to_contain_text(f"{students} student{'s' * (students != 1)} answered, {right} right at the first "
                                  "try", timeout=UPDATE)
    for option, count in chosen.items():
        line = block.locator("li").filter(has_text=re.compile(rf"^\d+ · {re.escape(option)} \((right|wrong)\)"))
        expect(line).to_have_text(re.compile(rf"^{count} · "), timeout=UPDATE)


def received(tab, text: str) -> bool:
    """Whether any websocket frame the server sent the tab holds the text."""
    return any(text.encode() in (message if isinstance(message, bytes) else message.encode())
               for message in tab.received)


def stage_of(link: str) -> int:
    path = urlsplit(link).path
    return next(index for index, page in enumerate(frame.PAGES) if "/" + page.url_path == path)


def test_answers_reach_the_teachers_dashboard_by_themselves_and_a_student_counts_once(person, server):  # noqa: F811
    teacher = person()
    code, link, key = start_class(teacher, server)
    stage = stage_of(link)
    first = person()
    in_class(first, link, code)
    prompt, options = open_quiz(first)
    right = int(answer(first, prompt, options[0]))
    # nobody touches the teacher's tab: its dashboard reads the class again by itself
    expect_dashboard(teacher, stage, prompt, students=1, right=right, chosen={options[0]: 1, options[1]: 0})

    seen = runs(teacher)
    answer(first, prompt, options[1])  # the same student changes their mind: their first answer is the one counted
    ran_since(teacher, seen)
    expect_dashboard(teacher, stage, prompt, students=1, right=right, chosen={options[0]: 1, options[1]: 0})

    second = person()
    in_class(second, link, code)
    assert open_quiz(second) == (prompt, options), "one view, one question, for every student"
    right += answer(second, prompt, options[1])
    expect_dashboard(teacher, stage, prompt, students=2, right=right, chosen={options[0]: 1, options[1]: 1})
    expect(teacher.get_by_text("2 students joined")).to_be_visible()
    assert len(teacher.loads) == 1, "the teacher's tab was never reloaded"
    for student in (first, second):
        assert key not in student.content() and not any(key in url for url in student.visited)
        no_exception(student)
    no_exception(teacher)


def test_a_session_without_the_key_gets_no_dashboard_and_no_send_button(person, server):  # noqa: F811
    teacher = person()
    code, _link, key = start_class(teacher, server)
    for guess in ("", f"&teacher={'x' * 43}"):  # the code alone, or with a made-up key
        guest = person()
        open_view(guest, f"{server}/Teach_a_class?class={code}{guess}")
        warnings = " ".join(guest.locator("[data-testid=stAlert]").all_inner_texts())
        assert f"This session does not hold the teacher's key of class {code}" in warnings
        assert guest.locator("[data-testid=stTable], [data-testid=stMetric]").count() == 0
        assert guest.get_by_role("button", name="Send this view to the class").count() == 0
        assert query_of(guest) == {"class": code}, "a key from the link leaves the address bar"
        assert key not in guest.content()
        no_exception(guest)
    # the teacher's own tab still has its dashboard and its button, and the guests did not join the class
    ran_since(teacher, runs(teacher))
    expect(teacher.locator("[data-testid=stTable]")).to_have_count(1)
    expect(teacher.get_by_role("button", name="Send this view to the class")).to_have_count(1)
    expect(teacher.get_by_text("0 students joined")).to_be_visible()


def send_view(teacher) -> dict[str, str]:
    """The teacher raises the temperature a step and sends the view; the settings their address bar shows."""
    thumb = teacher.locator('[data-testid=stSidebar] input[type=range][aria-label="Temperature"]')
    thumb.focus()
    teacher.keyboard.press("ArrowRight")
    settle(teacher)
    teacher.get_by_role("button", name="Send this view to the class").click()
    settle(teacher)
    expect(teacher.locator("[data-testid=stAlertContentSuccess]")).to_contain_text("Sent: every student")
    return query_of(teacher)


def test_a_student_is_offered_the_teachers_view_follows_it_and_back_returns_to_their_own(person, server):  # noqa: F811
    teacher = person()
    code, link, key = start_class(teacher, server)
    student = person()
    in_class(student, link, code)
    student.locator('[data-testid=stSidebar] input[aria-label="Word in focus (the query)"]').click()
    student.get_by_role("option", name="africa").click()  # the student's own view
    settle(student)
    own, own_query = urlsplit(student.url).path, query_of(student)
    assert own_query == {"class": code, "focus": "africa"}

    teacher.locator('input[aria-label="Page for the class"]').click()
    teacher.get_by_role("option", name="3 Softmax").click()
    settle(teacher)
    sent = send_view(teacher)
    assert sent["class"] == code and "temperature" in sent
    offer = student.get_by_role("link", name="Go to the teacher's view: 3 Softmax")
    expect(offer).to_be_visible(timeout=UPDATE)  # by itself: the student's tab was not touched
    expect(student.get_by_text(OFFER, exact=True)).to_be_visible()
    assert len(student.loads) == 1, "the offer came without a reload"
    assert (urlsplit(student.url).path, query_of(student)) == (own, own_query), "offered, not moved"

    offer.click()
    settle(student)
    assert urlsplit(student.url).path == "/Softmax"
    assert query_of(student) == sent, "the teacher's page and settings, in the class"
    assert sidebar_value(student, "Temperature") == sent["temperature"]
    expect(student.get_by_text(f"You are in class {code}")).to_be_visible()
    expect(student.get_by_text(OFFER, exact=True)).to_have_count(0)

    student.go_back()
    settle(student)
    assert (urlsplit(student.url).path, query_of(student)) == (own, own_query), "Back returns to the student's view"
    assert sidebar_value(student, "Word in focus (the query)") == "africa"
    ran_since(student, runs(student))  # the offer's fragment ran again after Back: a view followed is not offered again
    expect(student.get_by_text(OFFER, exact=True)).to_have_count(0)

    assert not any("teacher=" in url or key in url for url in student.visited), student.visited
    assert key not in student.content()
    assert received(student, code), "what the server sent this tab is read"
    assert not received(student, key), "the server never sends a student the teacher's key"
    no_exception(student)
    no_exception(teacher)


def test_stay_here_declines_a_view_for_good(person, server):  # noqa: F811
    teacher = person()
    code, link, _key = start_class(teacher, server)
    student = person()
    in_class(student, link, code)
    own = student.url
    send_view(teacher)
    expect(student.get_by_text(OFFER, exact=True)).to_be_visible(timeout=UPDATE)
    student.get_by_role("button", name="Stay here").click()
    expect(student.get_by_text(OFFER, exact=True)).to_have_count(0, timeout=UPDATE)
    ran_since(student, runs(student))  # the offer's fragment ran again, by itself: the view stays declined
    expect(student.get_by_text(OFFER, exact=True)).to_have_count(0)
    assert student.url == own
    send_view(teacher)  # a new view is offered again
    expect(student.get_by_text(OFFER, exact=True)).to_be_visible(timeout=UPDATE)
    no_exception(student)


def test_a_made_up_code_gets_a_warning_and_the_lesson_as_usual(person, server):  # noqa: F811
    student = person()
    made_up = "Z" * 6
    assert all(letter in classroom.classes.CODE_ALPHABET for letter in made_up), "well formed: the store is asked"
    open_view(student, f"{server}/Softmax?class={made_up}&temperature=0.5")  # settled: every chart drawn
    warnings = " ".join(student.locator("[data-testid=stAlert]").all_inner_texts())
    assert "No class has this code" in warnings
    assert student.locator("[data-testid=stVegaLiteChart] svg").count() > 0
    assert query_of(student) == {"temperature": "0.5"}, "the code leaves the address bar, the settings stay"
    assert sidebar_value(student, "Temperature") == "0.5"
    expect(student.get_by_text("You are in class")).to_have_count(0)
    prompt, options = open_quiz(student)  # the lesson goes on: Check yourself answers as usual
    answer(student, prompt, options[0])
    no_exception(student)


def test_the_qr_code_a_phone_scans_is_the_students_link(person, server):  # noqa: F811
    """The QR code as the projector shows it (a screenshot of the drawn picture), read by a QR reader (zxing-cpp),
    is the students' link the page prints beside it: a student who scans it lands in the class."""
    import io

    import zxingcpp
    from PIL import Image

    teacher = person()
    code, students, key = start_class(teacher, server)
    picture = teacher.get_by_role("img", name=re.compile("QR code of the students' link"))
    expect(picture).to_be_visible()
    read = zxingcpp.read_barcodes(Image.open(io.BytesIO(picture.screenshot())))
    assert [(found.format, found.text) for found in read] == [(zxingcpp.BarcodeFormat.QRCode, students)]
    assert key not in students
    student = person()
    in_class(student, read[0].text, code)
    no_exception(student)

"""A class taught with the app, on the Streamlit side: the server's one store of classes (lesson.classroom), each
browser session's anonymous student token, the line every page shows a student in a class (with the teacher's view
offered), the answers to Check yourself shared, and the teacher's page: start a class, its two links, the live
dashboard and the view sent to the class.

The class code is a lesson setting (`class` in the link, lesson.state): every link of the lesson carries it. The
teacher's key is not: it comes in the teacher's link (store.TEACHER), is kept in the teacher's session only, and the
address bar is rewritten without it (frame.store.link), so that no link made from a page ever holds it.
"""
from __future__ import annotations

import hashlib

import segno
import streamlit as st

from lesson import classroom as classes
from lesson import quiz
from lesson.state import SETTINGS

from . import store
from .navigation import PAGES, Page, link_to_view, page

TOKEN = "class_token"  # this session's anonymous token as a student
JOINED = "class_joined"  # the code this session has joined as a student
TEACHES = "class_teaches"  # {code: key}: the classes this session holds the teacher's key of
SHARED = "class_shared_{}"  # per class and question: the option last sent to the store
SEEN = "class_seen_{}"  # per class: the version of the teacher's view last followed or declined
TOLD = "class_told_{}"  # per class: the version of the teacher's view last announced in a toast
NOTICE = "class_notice"  # what the last start or end of a class has to say, shown once on the teacher's page
DASHBOARD_SECONDS = 1  # the teacher's dashboard reads the counts this often (one session; an answer shows within 3 s)
# each student's page looks this often for a view the teacher sent, and on each of the student's own moves: every
# look is a run on the one server, 10 a second for a class of 100 (at 3 s, 33 a second made every move 1.8× slower)
OFFER_SECONDS = 10
TEACH_PAGE = "pages/7_Teach_a_class.py"


@st.cache_resource(show_spinner=False)
def server_classes() -> classes.Classroom:
    """The server's classes, one store for every session (lesson.classroom.from_environment: memory or Redis)."""
    return classes.from_environment()


def _token() -> str:
    if TOKEN not in st.session_state:
        st.session_state[TOKEN] = classes.new_student_token()
    return st.session_state[TOKEN]


def _teaches() -> dict[str, str]:
    return st.session_state.setdefault(TEACHES, {})


def enter(this: Page) -> None:
    """Called by frame.start after the state is loaded, before anything links: take the teacher's key from the link,
    drop a code that names no live class (with a warning), and show a student the class's line and any new view
    the teacher sent."""
    code = store.current().class_code
    key = st.query_params.get(store.TEACHER)
    if code and key is not None:
        key = key.strip()
        try:
            server_classes().check_teacher(code, key)
            _teaches()[code] = key
        except classes.WrongKeyError as error:
            st.warning(str(error))
        except classes.ClassroomError:
            pass  # the code itself is checked just below
    if not code:
        return
    teaching = code in _teaches()
    try:  # the teacher's page joins nobody: without the key it is mostly the teacher's own tab, reloaded or moved
        if teaching or st.session_state.get(JOINED) == code or this.path == TEACH_PAGE:
            server_classes().check(code)
        else:
            server_classes().join(code, _token())
            st.session_state[JOINED] = code
    except (classes.NoSuchClassError, classes.BadCodeError, classes.LimitError) as error:
        st.warning(str(error))
        store.update({"class_code": ""})
        return
    except classes.ClassroomError as error:
        st.caption(str(error))
        return
    if this.path == TEACH_PAGE:
        return
    if teaching:
        st.caption(f"You teach class {code}: your own answers are not counted.")
        return
    line, button = st.columns([5, 1], vertical_alignment="center")
    line.info(f"You are in class {code}: your answers to Check yourself are shared with the teacher, without names.",
              icon=":material/groups:")
    button.button("Leave the class", key="class_leave", on_click=store.update, args=({"class_code": ""},))
    _offer(this, code)


def _page_at(path: str) -> Page | None:
    return next((other for other in PAGES if "/" + other.url_path == path), None)


@st.fragment(run_every=OFFER_SECONDS)
def _offer(this: Page, code: str) -> None:
    """The view the teacher sent last, looked for every few seconds and offered one click away (a link: back returns
    to the student's own view), once per view sent; gone when the student is on it or declines it."""
    try:
        sent = server_classes().latest_view(code)
    except classes.ClassroomError:
        return  # the class ended or the store is away: the page's next run says so
    seen, told = SEEN.format(code), TOLD.format(code)
    if sent is None or sent.version <= st.session_state.get(seen, 0):
        return
    target = _page_at(sent.path)
    params = {name: value for name, value in sent.params.items() if name != store.TEACHER} | {"class": code}
    if target is None:
        return
    if target == this and class_view() == params:
        st.session_state[seen] = sent.version
        return
    if st.session_state.get(told) != sent.version:  # once per view: a student scrolled down sees no box at the top
        st.session_state[told] = sent.version
        st.toast("Your teacher sent the class a view: it is offered at the top of this page.",
                 icon=":material/send:")
    with st.container(border=True):
        st.markdown("**Your teacher sent the class a view.** Go there when you like: your own view stays one "
                    "step back.")
        go, stay = st.columns(2, vertical_alignment="center")
        go.page_link(target.path, label=f"Go to the teacher's view: {target.title}", query_params=params,
                     icon=":material/arrow_forward:")
        stay.button("Stay here", key="class_stay", on_click=st.session_state.__setitem__, args=(seen, sent.version))


def share(stage: int, question: quiz.Question, chosen: int) -> None:
    """Send a student's answer to their class (the store counts the first per question); a store's refusal is said
    in a caption, the quiz goes on."""
    code = store.current().class_code
    if not code or code in _teaches():
        return
    shared = SHARED.format(hashlib.sha1(f"{code}|{question.key}".encode()).hexdigest()[:16])
    if st.session_state.get(shared) == chosen:
        return
    st.session_state[shared] = chosen
    try:
        server_classes().record_answer(code, _token(), stage, question.key, chosen, question.is_right(chosen))
    except classes.ClassroomError as error:
        st.caption(str(error))


def _start() -> None:
    try:
        started = server_classes().start()
    except classes.ClassroomError as error:
        st.session_state[NOTICE] = str(error)
        return
    _teaches()[started.code] = started.key
    store.update({"class_code": started.code})


def _end(code: str, key: str) -> None:
    try:
        server_classes().end(code, key)
    except classes.ClassroomError as error:
        st.session_state[NOTICE] = str(error)
        return
    _teaches().pop(code, None)
    store.update({"class_code": ""})
    st.session_state[NOTICE] = (f"Class {code} has ended and its answers are deleted. Its students are told so on "
                                "their next move, and go on with the lesson alone.")


def class_view() -> dict[str, str]:
    """The teacher's current view as the class gets it: every setting but the look of the teacher's own screen
    (projector mode is for the room's screen, not the students' phones)."""
    screen = SETTINGS["projector"].parameter
    return {name: value for name, value in store.query().items() if name != screen}


def qr_code(link: str) -> str:
    """The link as a QR code, an SVG drawing (segno: pure Python), black on white for a projector and a phone's
    camera."""
    return segno.make(link, error="m").svg_inline(scale=6, border=2, dark="black", light="white")


def teach(view) -> None:
    """The teacher's page: start a class; with the key, the class's links, the dashboard and the view to send."""
    this = page(TEACH_PAGE)
    code = view.state.class_code
    try:
        memory = (" The class lives in this app server's memory: a restart of the app ends it."
                  if server_classes().in_memory else "")
    except classes.ClassroomError as error:
        st.warning(str(error))
        return
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.info(notice, icon=":material/info:")
    if not code:
        st.markdown("Start a class and share its link: students who open it answer *Check yourself* as usual, and "
                    "you see here, live and without names, how the class answered each question. You can also send "
                    f"the class the view you are explaining. A class lasts {classes.CLASS_HOURS} hours.{memory}")
        st.button("Start a class", type="primary", icon=":material/groups:", on_click=_start)
        return
    key = _teaches().get(code)
    if key is None:
        st.warning(f"This session does not hold the teacher's key of class {code}: only the teacher's link shows "
                   "the class's answers and sends it views. If you are its teacher, open your teacher's link again "
                   "(a reload or a new tab forgets the key). Or start a class of your own.")
        st.button("Start a new class", icon=":material/groups:", on_click=_start)
        return
    stages = [other for other in PAGES if other != this]
    params = class_view()
    words, picture = st.columns([3, 2])
    with words:
        st.metric("Class code, for the students to type or read aloud", code)
        st.caption(f"The class lasts {classes.CLASS_HOURS} hours from its start.{memory}")
        target = st.selectbox("Page for the class", stages, index=1, format_func=lambda other: other.title,
                              key="class_target", help="The page the students' link opens, and the one sent to them.")
        students = link_to_view(target, params)
        st.markdown("**The students' link** (your current settings, on that page, in the class):")
        st.code(students, language=None, wrap_lines=True)
    picture.image(qr_code(students), width=280,
                  alt=f"QR code of the students' link to class {code}, for a phone's camera")
    picture.caption("Scan to join the class")
    if st.button("Send this view to the class", icon=":material/send:"):
        try:
            sent = server_classes().send_view(code, key, "/" + target.url_path, params)
            st.success(f"Sent: every student in the class is offered {target.title} with your settings within "
                       f"{OFFER_SECONDS} seconds (view {sent.version}).")
        except classes.ClassroomError as error:
            st.warning(str(error))
    if view.state.projector:  # a room's screen never shows the key, not even one click away
        st.caption("A reload of this page forgets that you are the teacher; your teacher's link brings the dashboard "
                   "back. Projector mode hides it: switch projector mode off, on your own screen, to see it.")
    else:
        st.caption("A reload of this page forgets that you are the teacher: keep your teacher's link, which brings "
                   "the dashboard back.")
        with st.expander("Your teacher's link: keep it to yourself, it opens this dashboard from any device"):
            st.code(link_to_view(this, store.query() | {store.TEACHER: key}), language=None, wrap_lines=True)
    with st.popover("End the class", icon=":material/stop_circle:"):
        st.markdown(f"End class {code} now? Its answers are deleted, and its students go on alone.")
        st.button("End the class and delete its answers", type="primary", key="class_end", on_click=_end,
                  args=(code, key))
    _dashboard(code, key, view)


@st.fragment(run_every=DASHBOARD_SECONDS)
def _dashboard(code: str, key: str, view) -> None:
    """The class's answers, read again every few seconds: per stage, then per question of this view."""
    try:
        results = server_classes().results(code, key)
    except classes.ClassroomError as error:
        st.warning(str(error))
        return
    st.subheader("The class's answers")
    st.caption(f"{results.students} student{'s' * (results.students != 1)} joined; each counts once per question, "
               f"with their first answer. Updated by itself every {DASHBOARD_SECONDS} s.")
    st.table([{"Stage": PAGES[stage].title, "Students who answered": count.students, "Answers": count.answers,
               "Right at the first try": count.right} for stage, count in results.stages.items()], hide_index=True)
    # one switch per look, so that turning projector mode on hides the answers again until asked
    reveal = st.toggle("Show which answers are right", value=not view.state.projector,
                       key=f"class_reveal_{'projector' if view.state.projector else 'screen'}",
                       help="Off, the split of the answers shows without giving the right one away: for a projected "
                            "screen while the class is still answering.")
    st.caption("Below, the questions of your current view, "
               + ("with the misconception behind each wrong answer; " if reveal else "with how the answers split; ")
               + "students who changed their sentence or settings answered others, counted in the table only.")
    for stage in quiz.STAGES:
        st.markdown(f"#### {PAGES[stage].title}")
        for question in quiz.questions(stage, view.shown, view.focus):
            counted = results.questions.get(question.key)
            answers = counted.answers if counted else 0
            tail = "." if not counted else f", {counted.right} right at the first try:" if reveal else ":"
            lines = [question.prompt, "", f"{answers} student{'s' * (answers != 1)} answered{tail}"]
            for index, option in enumerate(question.options):
                chose = counted.chosen.get(index, 0) if counted else 0
                if not reveal:
                    lines.append(f"- **{chose}** · {option}")
                elif question.is_right(index):
                    lines.append(f"- **{chose}** · {option} (right)")
                else:
                    lines.append(f"- **{chose}** · {option} (wrong)  \n  {question.why[index]}")
            st.markdown("\n".join(lines))

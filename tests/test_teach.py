"""A class taught with the app, in AppTest: several sessions (AppTest objects) on the one server-wide store of classes
(frame.classroom.server_classes), the teacher's page, a student's pages in the class, the view the teacher sends."""
from urllib.parse import parse_qs

import pytest

from explainer import run_attention
from frame import classroom
from lesson import classroom as classes
from lesson import quiz
from tests.support import PAGES, open_page
from tests.support import charts as charts_of
from tests.test_hostile import rendered_text

TEACH = "pages/7_Teach_a_class.py"
SOFTMAX = "pages/3_Softmax.py"


def no_exception(at):
    assert not at.exception, [e.message for e in at.exception]


def start_class():
    """A teacher's session that has started a class: (its AppTest, the code, the key)."""
    teacher = open_page(TEACH)
    no_exception(teacher)
    assert not teacher.metric, "no class before the teacher starts one"
    next(b for b in teacher.button if b.label == "Start a class").click().run()
    no_exception(teacher)
    code = teacher.session_state["lesson"].class_code
    key = teacher.session_state[classroom.TEACHES][code]
    return teacher, code, key


def student_in(code, page=SOFTMAX, stage=3):
    student = open_page(page, {"class": code})
    no_exception(student)
    student.session_state[f"quiz_open_{stage}"] = True  # the student opens "Check yourself"
    return student.run()


def quiz_radios(at):
    return [r for r in at.radio if r.key and r.key.startswith("quiz_")]


def stage_row(teacher, stage):
    table = next(t.value for t in teacher.table if "Right at the first try" in t.value.columns)
    return table.set_index("Stage").loc[classroom.PAGES[stage].title].to_dict()


def question_text(teacher, question):
    return next(m.value for m in teacher.markdown if m.value.startswith(question.prompt))


def test_a_students_answer_appears_on_the_dashboard_and_a_second_one_does_not_count_twice():
    teacher, code, _key = start_class()
    assert [m.value for m in teacher.metric] == [code]
    assert stage_row(teacher, 3) == {"Students who answered": 0, "Answers": 0, "Right at the first try": 0}
    student = student_in(code)
    question = quiz.questions(3, run_attention("jane visits africa"), 0)[0]
    radio = next(r for r in quiz_radios(student) if r.label == question.prompt)
    wrong = (question.answer + 1) % len(question.options)
    radio.set_value(wrong).run()
    no_exception(student)
    teacher.run()
    assert stage_row(teacher, 3) == {"Students who answered": 1, "Answers": 1, "Right at the first try": 0}
    shown = question_text(teacher, question)
    assert "1 student answered, 0 right at the first try" in shown
    assert f"- **1** · {question.options[wrong]} (wrong)  \n  {question.why[wrong]}" in shown
    assert f"- **0** · {question.options[question.answer]} (right)" in shown

    next(r for r in quiz_radios(student) if r.label == question.prompt).set_value(question.answer).run()
    no_exception(student)
    teacher.run()
    assert stage_row(teacher, 3) == {"Students who answered": 1, "Answers": 1, "Right at the first try": 0}
    assert "1 student answered, 0 right at the first try" in question_text(teacher, question)

    other = student_in(code)  # a second student, right at once
    next(r for r in quiz_radios(other) if r.label == question.prompt).set_value(question.answer).run()
    teacher.run()
    assert stage_row(teacher, 3) == {"Students who answered": 2, "Answers": 2, "Right at the first try": 1}
    assert f"- **1** · {question.options[question.answer]} (right)" in question_text(teacher, question)
    assert stage_row(teacher, 1)["Answers"] == 0


def test_the_teachers_own_answers_are_not_counted():
    teacher, code, key = start_class()
    teacher.switch_page(SOFTMAX).run()
    assert any(f"You teach class {code}" in c.value for c in teacher.caption)
    teacher.session_state["quiz_open_3"] = True
    teacher.run()
    quiz_radios(teacher)[0].set_value(0).run()
    assert classroom.server_classes().results(code, key).stages[3].answers == 0


def test_the_key_is_in_no_students_page_and_in_none_of_its_links():
    teacher, code, key = start_class()
    assert key in "".join(c.value for c in teacher.code), "the teacher's own page shows the teacher's link"
    assert classroom.store.TEACHER not in teacher.query_params, "the address bar never holds the key"
    for page in PAGES:
        student = open_page(page, {"class": code})
        no_exception(student)
        text = rendered_text(student) + "".join(c.value for c in student.code)
        assert key not in text
        links = [link.proto.query_string for link in student.get("page_link")]
        assert links and all(parse_qs(q)["class"] == [code] and "teacher" not in parse_qs(q) for q in links)
        assert key not in str(dict(student.query_params))


def test_a_session_without_the_key_gets_no_dashboard_and_cannot_send_a_view():
    _teacher, code, key = start_class()
    for query in ({"class": code}, {"class": code, "teacher": "x" * 43}, {"class": code, "teacher": "<b>"}):
        guest = open_page(TEACH, query)
        no_exception(guest)
        said = " ".join(w.value for w in guest.warning)
        assert "only the teacher's link" in said
        assert not [t for t in guest.table if "Right at the first try" in t.value.columns]
        assert not [b for b in guest.button if "Send" in b.label]
        assert key not in rendered_text(guest)
        assert classroom.store.TEACHER not in guest.query_params
    assert classroom.server_classes().latest_view(code) is None


def test_the_teachers_link_opens_the_dashboard_in_another_session():
    _teacher, code, key = start_class()
    again = open_page(TEACH, {"class": code, "teacher": key})
    no_exception(again)
    assert [m.value for m in again.metric] == [code]
    assert [t for t in again.table if "Right at the first try" in t.value.columns]
    assert dict(again.query_params) == {"class": code}, "the key leaves the address bar"


def test_a_made_up_or_ended_class_gets_a_message_and_the_lesson_as_usual():
    _teacher, code, key = start_class()
    made_up = next(c for c in ("AAAAAA", "BBBBBB") if c != code)
    classroom.server_classes().end(code, key)
    for gone in (made_up, code):
        student = open_page(SOFTMAX, {"class": gone})
        no_exception(student)
        assert any("No class has this code" in w.value for w in student.warning)
        assert student.session_state["lesson"].class_code == ""
        assert "class" not in student.query_params
        assert all("class" not in parse_qs(link.proto.query_string) for link in student.get("page_link"))
        assert not any("You are in class" in i.value for i in student.info)


def test_a_class_that_has_run_out_of_time_gets_a_message(monkeypatch):
    now = [1000.0]
    store = classes.Classroom(clock=lambda: now[0])
    monkeypatch.setattr(classroom, "server_classes", lambda: store)
    started = store.start()
    student = open_page(SOFTMAX, {"class": started.code})
    assert any(f"You are in class {started.code}" in i.value for i in student.info)
    now[0] += classes.CLASS_HOURS * 3600
    student.run()
    no_exception(student)
    assert any("No class has this code" in w.value for w in student.warning)
    assert student.session_state["lesson"].class_code == ""


@pytest.mark.parametrize("code", ["abc", "ABC12O", "ßßßßßß", "<b>ABC"])
def test_a_malformed_code_gets_a_notice_that_never_quotes_it(code):
    student = open_page(SOFTMAX, {"class": code})
    no_exception(student)
    notices = [w.value for w in student.warning]
    assert any("'class' must be a class code of 6 letters" in n for n in notices)
    assert not any(code in n for n in notices)
    assert student.session_state["lesson"].class_code == ""


def test_a_student_leaves_the_class():
    _teacher, code, _key = start_class()
    student = open_page(SOFTMAX, {"class": code})
    student.button(key="class_leave").click().run()
    no_exception(student)
    assert student.session_state["lesson"].class_code == ""
    assert "class" not in student.query_params
    assert not any("You are in class" in i.value for i in student.info)


def test_the_teacher_sends_a_view_and_the_student_is_offered_it_not_moved():
    teacher, code, key = start_class()
    student = open_page("pages/1_Intuition.py", {"class": code, "temperature": "0.5"})
    assert not [link for link in student.main.get("page_link") if "teacher's view" in link.proto.label]
    teacher.sidebar.slider(key="sidebar_temperature").set_value(2.0).run()
    teacher.selectbox(key="class_target").set_value(classroom.page(SOFTMAX)).run()
    next(b for b in teacher.button if b.label == "Send this view to the class").click().run()
    no_exception(teacher)
    assert any("Sent" in s.value for s in teacher.success)
    student.run()
    no_exception(student)
    offer = next(link for link in student.main.get("page_link") if "teacher's view" in link.proto.label)
    assert offer.proto.page == "Softmax"
    assert parse_qs(offer.proto.query_string) == {"temperature": ["2"], "class": [code]}
    assert key not in offer.proto.query_string
    assert student.session_state["lesson"].temperature == 0.5, "the student's own view stays"
    assert [t.value for t in student.toast] == [
        "Your teacher sent the class a view: it is offered at the top of this page."], "seen scrolled down"
    student.run()
    assert not student.toast, "said once per view sent"
    assert [link for link in student.main.get("page_link") if "teacher's view" in link.proto.label], "offered still"
    student.button(key="class_stay").click().run()
    assert not [link for link in student.main.get("page_link") if "teacher's view" in link.proto.label]


def test_a_sent_view_of_no_page_is_never_offered():
    _teacher, code, key = start_class()
    classroom.server_classes().send_view(code, key, "/nowhere", {"temperature": "2"})
    student = open_page(SOFTMAX, {"class": code})
    no_exception(student)
    assert not [link for link in student.main.get("page_link") if "teacher's view" in link.proto.label]


def test_the_students_link_and_a_sent_view_leave_the_teachers_projector_behind():
    teacher = open_page(TEACH, {"projector": "on", "temperature": "2"})
    next(b for b in teacher.button if b.label == "Start a class").click().run()
    no_exception(teacher)
    code = teacher.session_state["lesson"].class_code
    (students,) = (c.value for c in teacher.code)  # the teacher's link is not on a projected screen
    assert parse_qs(students.partition("?")[2]) == {"temperature": ["2"], "class": [code]}
    next(b for b in teacher.button if b.label == "Send this view to the class").click().run()
    assert classroom.server_classes().latest_view(code).params == {"temperature": "2", "class": code}


def test_the_qr_code_is_a_picture_with_words_for_who_cannot_see_it():
    teacher, code, _key = start_class()
    (image,) = [e for e in teacher.main if type(e).__name__ == "Image"]
    assert image.proto.imgs[0].url.startswith("data:image/svg+xml")
    assert image.proto.imgs[0].alt == f"QR code of the students' link to class {code}, for a phone's camera"


def test_the_teacher_ends_the_class_and_its_students_are_told():
    teacher, code, _key = start_class()
    student = student_in(code)
    teacher.button(key="class_end").click().run()
    no_exception(teacher)
    assert any(f"Class {code} has ended" in i.value for i in teacher.info)
    assert teacher.session_state["lesson"].class_code == ""
    assert any(b.label == "Start a class" for b in teacher.button)
    with pytest.raises(classes.NoSuchClassError):
        classroom.server_classes().check(code)
    student.run()
    no_exception(student)
    assert any("No class has this code" in w.value for w in student.warning)
    assert not any("You are in class" in i.value for i in student.info)


@pytest.mark.parametrize("projected", [False, True])
def test_the_dashboard_shows_the_right_answers_only_when_asked(projected):
    teacher = open_page(TEACH, {"projector": "on"} if projected else {})
    next(b for b in teacher.button if b.label == "Start a class").click().run()
    code = teacher.session_state["lesson"].class_code
    question = quiz.questions(3, run_attention("jane visits africa"), 0)[0]
    student = student_in(code)
    next(r for r in quiz_radios(student) if r.label == question.prompt).set_value(question.answer).run()
    teacher.run()
    look = "projector" if projected else "screen"
    reveal = teacher.toggle(key=f"class_reveal_{look}")
    assert reveal.value is not projected, "a projected dashboard starts without giving the answers away"
    for shown in (not projected, projected):
        text = question_text(teacher, question)
        assert (f"- **1** · {question.options[question.answer]} (right)" in text) is shown
        assert ("right at the first try" in text) is shown
        assert any(why in text for index, why in enumerate(question.why) if index != question.answer) is shown
        assert f"- **1** · {question.options[question.answer]}" in text
        teacher.toggle(key=f"class_reveal_{look}").set_value(not reveal.value).run()
        reveal = teacher.toggle(key=f"class_reveal_{look}")


def test_a_session_without_the_key_can_start_a_class_of_its_own():
    _teacher, code, _key = start_class()
    guest = open_page(TEACH, {"class": code})
    assert any("open your teacher's link again" in w.value for w in guest.warning)
    guest.button(key=next(b.key for b in guest.button if b.label == "Start a new class")).click().run()
    no_exception(guest)
    own = guest.session_state["lesson"].class_code
    assert own and own != code
    assert [m.value for m in guest.metric] == [own]


def test_projector_mode_keeps_the_teachers_key_off_the_room_screen():
    teacher = open_page(TEACH, {"projector": "on"})
    next(b for b in teacher.button if b.label == "Start a class").click().run()
    code = teacher.session_state["lesson"].class_code
    key = teacher.session_state[classroom.TEACHES][code]
    assert [m.value for m in teacher.metric] == [code], "the dashboard is there"
    assert key not in rendered_text(teacher) + "".join(c.value for c in teacher.code)
    assert not [e for e in teacher.expander if "teacher's link" in e.label]
    teacher.sidebar.toggle(key="sidebar_projector").set_value(False).run()
    assert key in "".join(c.value for c in teacher.code), "on the teacher's own screen, the link is one click away"


def test_a_teachers_link_pasted_with_spaces_still_opens_the_dashboard():
    _teacher, code, key = start_class()
    again = open_page(TEACH, {"class": code, "teacher": f"  {key} "})
    no_exception(again)
    assert [m.value for m in again.metric] == [code]


def test_a_student_on_the_sent_view_in_projector_mode_is_not_offered_it():
    _teacher, code, key = start_class()
    classroom.server_classes().send_view(code, key, "/Softmax", {"temperature": "2", "class": code})
    student = open_page(SOFTMAX, {"class": code, "temperature": "2", "projector": "on"})
    no_exception(student)
    assert not [link for link in student.main.get("page_link") if "teacher's view" in link.proto.label]


def test_a_misnamed_redis_server_turns_classes_off_with_a_message(monkeypatch):
    monkeypatch.setenv(classes.REDIS_URL_VARIABLE, "localhost:6379")
    classroom.server_classes.clear()
    try:
        for page, query in ((TEACH, {}), (SOFTMAX, {"class": "ABC234"})):
            at = open_page(page, query)
            no_exception(at)
            said = " ".join(w.value for w in at.warning) + " ".join(c.value for c in at.caption)
            assert "Classes are off on this server" in said, said
        assert charts_of(open_page(SOFTMAX, {"class": "ABC234"}))
    finally:
        monkeypatch.delenv(classes.REDIS_URL_VARIABLE)
        classroom.server_classes.clear()


def test_turning_projector_mode_on_hides_the_right_answers_again():
    teacher, _code, _key = start_class()
    assert teacher.toggle(key="class_reveal_screen").value
    teacher.sidebar.toggle(key="sidebar_projector").set_value(True).run()
    no_exception(teacher)
    assert teacher.toggle(key="class_reveal_projector").value is False
    assert not any("(right)" in m.value for m in teacher.markdown)

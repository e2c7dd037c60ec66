"""A class taught with the app: its code, its teacher's key, its students' first answers, the view its teacher sends.

A teacher starts a class and gets a short code (6 characters from CODE_ALPHABET, read aloud and typed by students)
and a key (long and random, only in the teacher's link; it cannot be worked out from the code). Students join with
the code alone; they are anonymous tokens (new_student_token, one per browser session), never names. A student
counts once per question: their first answer is the one counted, later ones to the same question are not.
With the key, and only with it, the teacher reads the counts and sends a view (a page path and its link's query
parameters) that students are offered.

A class lasts CLASS_HOURS hours after it starts; then it is refused as unknown and its data deleted. The limits
(MAX_CLASSES, MAX_STUDENTS, MAX_QUESTIONS, MAX_ANSWERS, MAX_VIEW_CHARS) keep one class, or many, from filling the
store. Every refusal is a ClassroomError whose message can be shown on a page as it is: it never quotes the input.

Where classes live: by default in this server's memory (MemoryBackend; a restart of the app ends every class), or in
Redis when EXPLAINER_REDIS_URL names one (RedisBackend), so that several replicas share their classes. from_environment
picks; the Classroom is an object the caller creates once per server and keeps (no module-level state here).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .quiz import STAGES

CLASS_HOURS = 6  # a class ends this long after it starts
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: nothing to mistake when read aloud or typed
CODE_LENGTH = 6  # 31⁶ ≈ 887 million codes: guessing one of MAX_CLASSES live classes takes millions of tries
MAX_CLASSES = 50  # live classes in one store (one server, or all replicas on one Redis)
EMPTY_MINUTES = 15  # a class nobody has joined this long after its start gives way to a new one when the store is full
MAX_STUDENTS = 150  # students in one class
MAX_QUESTIONS = 3000  # different questions answered in one class (a question names its view: new settings, new ones)
MAX_ANSWERS = 100  # questions one student can have counted
MAX_QUESTION_KEY = 1000  # characters of a question's key (lesson.quiz.Question.key)
MAX_OPTION = 16  # option indices 0 … MAX_OPTION − 1
MAX_VIEW_CHARS = 2000  # a sent view: its path and parameters, as JSON
REDIS_URL_VARIABLE = "EXPLAINER_REDIS_URL"

_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # a teacher's key or a student's token: secrets.token_urlsafe's letters


class ClassroomError(Exception):
    """A refusal; str(error) is a sentence for the page, which never repeats what the link or the student sent."""


class BadCodeError(ClassroomError):
    """Not a class code at all (wrong length, letters outside CODE_ALPHABET)."""


class NoSuchClassError(ClassroomError):
    """A well-formed code that names no live class: mistyped, made up, or the class has ended."""


class WrongKeyError(ClassroomError):
    """A teacher's action without the class's key."""


class LimitError(ClassroomError):
    """One of the limits (students, questions, answers, classes, the size of a view)."""


class BadInputError(ClassroomError):
    """Something other than a code or key that is not what the pages send (a stage, an option, a view)."""


class UnavailableError(ClassroomError):
    """The store (Redis) did not answer."""


@dataclass(frozen=True)
class Started:
    code: str  # for everyone: the students' link carries it
    key: str  # for the teacher only: the teacher's link carries it
    expires_at: float  # seconds since the epoch (the store's clock)


@dataclass(frozen=True)
class ClassInfo:
    code: str
    expires_at: float


@dataclass(frozen=True)
class View:
    path: str  # a page's path, e.g. "/Softmax"
    params: dict[str, str]  # its link's query parameters
    version: int  # 1 for the first view sent, then 2, 3…: a page tells a new view from one it has offered


@dataclass(frozen=True)
class StageCount:
    students: int  # students who answered at least one question of the stage
    answers: int  # first answers (one per student and question)
    right: int  # of those, right at the first try


@dataclass(frozen=True)
class QuestionCount:
    stage: int
    answers: int  # students who answered it
    right: int  # of those, right at the first try
    chosen: dict[int, int]  # option index -> students whose first answer it was (options nobody chose are absent)


@dataclass(frozen=True)
class Results:
    students: int  # students who joined the class
    stages: dict[int, StageCount]  # every stage of lesson.quiz.STAGES, zeros where nobody answered
    questions: dict[str, QuestionCount]  # by Question.key: the page picks those of the view it shows


def new_student_token() -> str:
    """An anonymous name for one browser session of a student: random, it says nothing about the student."""
    return secrets.token_urlsafe(16)


class MemoryBackend:
    """Classes in this process's memory, behind one lock (Streamlit runs each session in its own thread)."""

    errors: tuple[type[Exception], ...] = ()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rooms: dict[str, dict] = {}  # code -> {"record": str, "until": float, "sets": {}, "hashes": {}}

    def create(self, code: str, record: str, until: float, now: float, ttl: int) -> str:
        with self._lock:
            self._prune(now)
            if code in self._rooms:
                return "taken"
            if len(self._rooms) >= MAX_CLASSES:
                return "full"
            self._rooms[code] = {"record": record, "until": until, "sets": {}, "hashes": {}}
            return "ok"

    def record(self, code: str) -> str | None:
        with self._lock:
            room = self._rooms.get(code)
            return room and room["record"]

    def evict_empty(self, ends_before: float) -> bool:
        """Deletes the oldest class nobody has joined that ends before `ends_before` (so started long enough ago);
        whether there was one."""
        with self._lock:
            empty = [(room["until"], code) for code, room in self._rooms.items()
                     if room["until"] < ends_before and not room["sets"].get("students")]
            if empty:
                del self._rooms[min(empty)[1]]
            return bool(empty)

    def delete(self, code: str) -> None:
        with self._lock:
            self._rooms.pop(code, None)

    def prune(self, now: float) -> None:
        with self._lock:
            self._prune(now)

    def _prune(self, now: float) -> None:
        for code in [code for code, room in self._rooms.items() if room["until"] <= now]:
            del self._rooms[code]

    def _part(self, code: str, kind: str, name: str, empty: Callable):
        room = self._rooms.get(code)
        if room is None:  # ended between the check and this step
            raise NoSuchClassError(_NO_SUCH_CLASS)
        return room[kind].setdefault(name, empty())

    def add(self, code: str, name: str, member: str, limit: int, ttl: int) -> bool:
        with self._lock:
            members = self._part(code, "sets", name, set)
            if member not in members:
                if len(members) >= limit:
                    return False
                members.add(member)
            return True

    def size(self, code: str, name: str) -> int:
        with self._lock:
            return len(self._part(code, "sets", name, set))

    def put(self, code: str, name: str, field: str, value: str, ttl: int, only_new: bool = False) -> bool:
        with self._lock:
            fields = self._part(code, "hashes", name, dict)
            if only_new and field in fields:
                return False
            fields[field] = value
            return True

    def remove(self, code: str, name: str, field: str) -> None:
        with self._lock:
            self._part(code, "hashes", name, dict).pop(field, None)

    def incr(self, code: str, name: str, field: str, by: int, ttl: int) -> int:
        with self._lock:
            fields = self._part(code, "hashes", name, dict)
            fields[field] = str(int(fields.get(field, 0)) + by)
            return int(fields[field])

    def fields(self, code: str, name: str) -> dict[str, str]:
        with self._lock:
            return dict(self._part(code, "hashes", name, dict))


class RedisBackend:
    """Classes in Redis, shared by every replica that names the same server. Keys start with `prefix`; each key of a
    class expires with the class (its TTL is set again by every write, so none outlives it). A first answer is kept
    with HSETNX: of two replicas recording the same student's answer at once, one wins."""

    def __init__(self, client, prefix: str = "explainer:") -> None:
        import redis

        self.errors = (redis.RedisError,)
        self._redis = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "explainer:") -> RedisBackend:
        import redis

        return cls(redis.Redis.from_url(url, decode_responses=True, socket_timeout=1, socket_connect_timeout=1),
                   prefix)

    def _key(self, code: str, name: str = "") -> str:
        return f"{self._prefix}class:{code}" + (f":{name}" if name else "")

    def create(self, code: str, record: str, until: float, now: float, ttl: int) -> str:
        if not self._redis.set(self._key(code), record, nx=True, ex=ttl):
            return "taken"
        index = f"{self._prefix}classes"  # live codes, scored by their end: counts the classes against MAX_CLASSES
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(index, "-inf", now)
        pipe.zadd(index, {code: until})
        pipe.zcard(index)
        pipe.expire(index, ttl)  # every class lasts as long: the newest ends last
        if pipe.execute()[2] > MAX_CLASSES:  # added first, counted after: two replicas cannot both slip past
            self._redis.zrem(index, code)
            self._redis.delete(self._key(code))
            return "full"
        return "ok"

    def record(self, code: str) -> str | None:
        return self._redis.get(self._key(code))

    def evict_empty(self, ends_before: float) -> bool:
        """Deletes the oldest class nobody has joined that ends before `ends_before` (so started long enough ago);
        whether there was one."""
        for code, _until in self._redis.zrangebyscore(f"{self._prefix}classes", "-inf", f"({ends_before}",
                                                       withscores=True):
            if not self._redis.scard(self._key(code, "students")):
                self.delete(code)
                return True
        return False

    def delete(self, code: str) -> None:
        names = ("students", "questions", "first", "per_student", "counts", "view", *(f"stage:{s}" for s in STAGES))
        self._redis.delete(self._key(code), *(self._key(code, name) for name in names))
        self._redis.zrem(f"{self._prefix}classes", code)

    def prune(self, now: float) -> None:
        """Nothing to do: Redis deletes a class's keys when their TTL runs out."""

    def _write(self, code: str, name: str, ttl: int, step: Callable) -> list:
        pipe = self._redis.pipeline()
        step(pipe, self._key(code, name))
        pipe.expire(self._key(code, name), ttl)
        return pipe.execute()

    def add(self, code: str, name: str, member: str, limit: int, ttl: int) -> bool:
        def step(pipe, key):
            pipe.sadd(key, member)
            pipe.scard(key)

        added, size = self._write(code, name, ttl, step)[:2]
        if added and size > limit:  # added first, counted after, as in create
            self._redis.srem(self._key(code, name), member)
            return False
        return True

    def size(self, code: str, name: str) -> int:
        return self._redis.scard(self._key(code, name))

    def put(self, code: str, name: str, field: str, value: str, ttl: int, only_new: bool = False) -> bool:
        def step(pipe, key):
            (pipe.hsetnx if only_new else pipe.hset)(key, field, value)

        return bool(self._write(code, name, ttl, step)[0]) or not only_new  # HSET/HSETNX: 1 for a new field

    def remove(self, code: str, name: str, field: str) -> None:
        self._redis.hdel(self._key(code, name), field)

    def incr(self, code: str, name: str, field: str, by: int, ttl: int) -> int:
        return self._write(code, name, ttl, lambda pipe, key: pipe.hincrby(key, field, by))[0]

    def fields(self, code: str, name: str) -> dict[str, str]:
        return self._redis.hgetall(self._key(code, name))


_NO_SUCH_CLASS = (f"No class has this code: it may be mistyped, or the class has ended (a class lasts {CLASS_HOURS} "
                  "hours). The lesson works as usual without a class.")


class Classroom:
    """The classes of one server (or of all replicas on one Redis). Every method checks what it is given, the code
    first (its form, then whether its class is live), and refuses with a ClassroomError, never anything else."""

    def __init__(self, backend: MemoryBackend | RedisBackend | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._backend = backend or MemoryBackend()
        self._clock = clock

    @property
    def in_memory(self) -> bool:
        """Whether the classes live in this server's memory (a restart of the app ends them), not in Redis."""
        return isinstance(self._backend, MemoryBackend)

    def _guarded(self, action: Callable):
        try:
            return action()
        except self._backend.errors as error:
            raise UnavailableError("The class's store is not answering just now; the lesson works as usual meanwhile, "
                              "and the class's answers so far are kept.") from error

    def start(self) -> Started:
        """A new class, with its code and its teacher's key."""
        def action():
            now = self._clock()
            until = now + CLASS_HOURS * 3600
            key = secrets.token_urlsafe(32)
            record = json.dumps({"key": key, "until": until})
            for _ in range(20):  # a code already taken (a chance of MAX_CLASSES in 887 million): draw another
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                made = self._backend.create(code, record, until, now, _ttl(until, now))
                if made == "ok":
                    return Started(code, key, until)
                if made == "full" and self._backend.evict_empty(now - EMPTY_MINUTES * 60 + CLASS_HOURS * 3600):
                    made = self._backend.create(code, record, until, now, _ttl(until, now))
                    if made == "ok":
                        return Started(code, key, until)
                if made == "full":
                    raise LimitError(f"This server already has {MAX_CLASSES} classes running, its most; one "
                                       f"ends at the latest {CLASS_HOURS} hours after it started.")
            raise UnavailableError("No free class code was found; try again.")
        return self._guarded(action)

    def check(self, code: object) -> ClassInfo:
        """The class a student's link names, if it is live."""
        return self._guarded(lambda: self._live(code)[0])

    def check_teacher(self, code: object, key: object) -> ClassInfo:
        """The class a teacher's link names, if it is live and the key is its key."""
        return self._guarded(lambda: self._teacher(code, key))

    def join(self, code: object, student: object) -> ClassInfo:
        """A student joins (a student who has joined before is not counted again)."""
        def action():
            info, _ = self._live(code)
            self._join(info, _student(student))
            return info
        return self._guarded(action)

    def record_answer(self, code: object, student: object, stage: object, question: object, chosen: object,
                      right: object) -> bool:
        """Records a student's answer to a question (Question.key) of a stage: the option's index and whether it is
        right. True when it is counted, i.e. the student's first answer to that question; False for a later one."""
        def action():
            info, _ = self._live(code)
            token, ttl = _student(student), _ttl(info.expires_at, self._clock())
            if type(stage) is not int or stage not in STAGES:
                raise BadInputError("That is not one of the lesson's stages.")
            if not isinstance(question, str) or not 0 < len(question) <= MAX_QUESTION_KEY:
                raise BadInputError("That is not one of the lesson's questions.")
            if type(chosen) is not int or not 0 <= chosen < MAX_OPTION:
                raise BadInputError("That is not one of the question's options.")
            if not isinstance(right, bool):
                raise BadInputError("An answer is right or not.")
            self._join(info, token)
            first = json.dumps([token, hashlib.sha256(question.encode()).hexdigest()[:24]])
            if not self._backend.put(info.code, "first", first, "1", ttl, only_new=True):
                return False

            def undo() -> None:
                self._backend.remove(info.code, "first", first)
                self._backend.incr(info.code, "per_student", token, -1, ttl)

            # the student's own limit first: one student's answers cannot use up the class's questions
            if self._backend.incr(info.code, "per_student", token, 1, ttl) > MAX_ANSWERS:
                undo()
                raise LimitError(f"You have answered {MAX_ANSWERS} questions in this class, its most for one "
                                   "student; further answers are not shared.")
            if not self._backend.add(info.code, "questions", question, MAX_QUESTIONS, ttl):
                undo()
                raise LimitError(f"This class has answered {MAX_QUESTIONS} different questions, its most; "
                                   "answers to new ones are no longer counted.")
            self._backend.add(info.code, f"stage:{stage}", token, MAX_STUDENTS, ttl)
            self._backend.incr(info.code, "counts", json.dumps([stage, question, chosen, right]), 1, ttl)
            return True
        return self._guarded(action)

    def results(self, code: object, key: object) -> Results:
        """The class's counts, for its teacher."""
        def action():
            info = self._teacher(code, key)
            stages = {}
            for stage in STAGES:
                stages[stage] = StageCount(self._backend.size(info.code, f"stage:{stage}"), 0, 0)
            questions: dict[str, QuestionCount] = {}
            for field, count in self._backend.fields(info.code, "counts").items():
                stage, question, chosen, right = json.loads(field)
                count = int(count)
                s = stages[stage]
                stages[stage] = StageCount(s.students, s.answers + count, s.right + count * right)
                q = questions.get(question) or QuestionCount(stage, 0, 0, {})
                questions[question] = QuestionCount(stage, q.answers + count, q.right + count * right,
                                                    {**q.chosen, chosen: q.chosen.get(chosen, 0) + count})
            return Results(self._backend.size(info.code, "students"), stages, questions)
        return self._guarded(action)

    def send_view(self, code: object, key: object, path: object, params: object) -> View:
        """The teacher sends a view (a page's path and its link's parameters) to the class."""
        def action():
            info = self._teacher(code, key)
            if not isinstance(path, str) or not path.startswith("/") or not isinstance(params, Mapping) \
                    or not all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
                raise BadInputError("A view is a page's path and its link's settings.")
            if len(json.dumps([path, dict(params)])) > MAX_VIEW_CHARS:
                raise LimitError("This view's link is too long to send to the class.")
            ttl = _ttl(info.expires_at, self._clock())
            version = self._backend.incr(info.code, "view", "version", 1, ttl)
            view = View(path, dict(params), version)
            self._backend.put(info.code, "view", "latest", json.dumps(vars(view)), ttl)
            return view
        return self._guarded(action)

    def latest_view(self, code: object) -> View | None:
        """The last view the teacher sent, if any."""
        def action():
            info, _ = self._live(code)
            latest = self._backend.fields(info.code, "view").get("latest")
            return latest and View(**json.loads(latest))
        return self._guarded(action)

    def end(self, code: object, key: object) -> None:
        """The teacher ends the class before its time: its data is deleted."""
        self._guarded(lambda: self._backend.delete(self._teacher(code, key).code))

    def _live(self, code: object) -> tuple[ClassInfo, str]:
        """The live class `code` names, and its key; its form is checked before the store is asked."""
        if not isinstance(code, str) or not code.isascii() or not _CODE.fullmatch(code.strip().upper()):
            raise BadCodeError(f"A class code has {CODE_LENGTH} letters and digits (with no 0, 1, O, I or L); this "
                          "link's is not one. The lesson works as usual without a class.")
        code = code.strip().upper()
        now = self._clock()
        self._backend.prune(now)
        record = self._backend.record(code)
        if record is None:
            raise NoSuchClassError(_NO_SUCH_CLASS)
        stored = json.loads(record)
        if stored["until"] <= now:
            self._backend.delete(code)
            raise NoSuchClassError(_NO_SUCH_CLASS)
        return ClassInfo(code, stored["until"]), stored["key"]

    def _teacher(self, code: object, key: object) -> ClassInfo:
        info, stored = self._live(code)
        if not isinstance(key, str) or not _TOKEN.fullmatch(key) \
                or not hmac.compare_digest(key.encode(), stored.encode()):
            raise WrongKeyError("This link's teacher key does not open this class: only the teacher's link sees its "
                           "answers and sends it views.")
        return info

    def _join(self, info: ClassInfo, token: str) -> None:
        if not self._backend.add(info.code, "students", token, MAX_STUDENTS, _ttl(info.expires_at, self._clock())):
            raise LimitError(f"This class has {MAX_STUDENTS} students, its most; your answers are not shared "
                               "with the teacher, and the lesson works as usual.")


def _student(token: object) -> str:
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise BadInputError("This browser's anonymous class token is not one the app makes.")
    return token


def _ttl(until: float, now: float) -> int:
    """Whole seconds from now to the class's end, at least 1 (what Redis's EXPIRE takes)."""
    return max(1, math.ceil(until - now))


def from_environment(environ: Mapping[str, str] = os.environ, clock: Callable[[], float] = time.time) -> Classroom:
    """The server's classes: in Redis when EXPLAINER_REDIS_URL names one (replicas sharing their classes), else in
    this process's memory."""
    url = environ.get(REDIS_URL_VARIABLE, "").strip()
    try:
        return Classroom(RedisBackend.from_url(url) if url else MemoryBackend(), clock)
    except ValueError as error:  # redis-py's word for an address it cannot read
        raise UnavailableError(f"Classes are off on this server: {REDIS_URL_VARIABLE} is not a Redis address "
                               "(redis://host:port/0). The lesson works as usual.") from error

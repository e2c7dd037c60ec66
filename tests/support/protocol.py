"""A small Streamlit client that speaks the browser's own protocol: protobuf messages over /_stcore/stream.

It opens a page the way the browser does (a rerun request carrying the page name and the query string), reads
what the server sends back (elements, their text, widgets, the URL it wants, exceptions, "script finished"), and
moves a widget (or opens an expander that reruns) by sending its new value. A fragment the server runs on a timer
(`st.fragment(run_every=...)`) is listed in `fragments`; rerun_fragment reruns it as the browser's timer does.
Cheap enough that 100 of them share one process beside the server.

The protobuf classes ship inside the streamlit package (streamlit.proto); nothing else is needed but websockets,
which streamlit itself depends on.
"""
from __future__ import annotations

import asyncio
import hashlib
import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
TEXTS = {"markdown": "body", "heading": "body", "alert": "body", "metric": "body", "code": "code_text"}  # kind: field
WIDGETS = ("slider", "selectbox", "text_input", "checkbox", "radio", "number_input", "button_group", "button")


class ProtocolError(Exception):
    """The server did something a browser would not accept: no answer in time, a dropped socket, ..."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass
class Run:
    """What one script run sent back."""

    seconds: float
    messages: int = 0
    bytes: int = 0
    elements: int = 0  # elements drawn (each chart, text, widget, ...; containers not counted)
    exceptions: list[str] = field(default_factory=list)
    query: dict[str, str] | None = None  # the URL query string the server asked for, if it changed it
    status: int | None = None
    title: str = ""  # the page's title (its first heading): which page ran
    texts: list[str] = field(default_factory=list)  # what text elements say (markdown, captions, alerts, metrics, code)
    content: hashlib.blake2b = field(default_factory=hashlib.blake2b)  # of every element drawn

    @property
    def digest(self) -> str:
        """A fingerprint of what the run drew: two runs that drew the same thing have the same one."""
        return self.content.hexdigest()


@dataclass
class Widget:
    id: str
    kind: str
    label: str
    options: tuple[str, ...] = ()  # a radio's or a selectbox's options, as shown


class Session:
    """One student's browser tab, minus the drawing."""

    def __init__(self, base_url: str, path: str = "/", query: str = "", timeout: float = 60.0,
                 load_page: bool = False) -> None:
        self.base_url = base_url.rstrip("/")
        self.path = path
        self.query = query
        self.timeout = timeout
        self.load_page = load_page  # fetch the page's HTML first, as a browser does, and keep its cookies
        self.cookie = ""
        self.session_id = ""
        self.widgets: dict[str, Widget] = {}
        self.url_query: dict[str, str] = {k: v[-1] for k, v in parse_qs(query).items()}
        self.page_hash = ""
        self.fragments: dict[str, float] = {}  # fragment id -> seconds between the reruns the browser's timer asks for
        self._socket = None
        self._cached: set[str] = set()

    async def open(self) -> Run:
        """Connect and draw the page: the time from the first byte sent to the page's script finishing."""
        start = time.perf_counter()
        if self.load_page:
            url = self.base_url + self.path + (f"?{self.query}" if self.query else "")
            response = await asyncio.to_thread(urllib.request.urlopen, url, timeout=self.timeout)
            self.cookie = "; ".join(value.split(";")[0] for value in response.headers.get_all("Set-Cookie") or [])
        await self._connect(["streamlit"])
        return await self._rerun(start, page_name=self.path.strip("/"))

    async def reconnect(self, query: str | None = None) -> Run:
        """Drop the socket and connect again asking for the same session, as the browser does after a network
        blip; then rerun with `query` as the URL's query string (default: the last one the server wrote)."""
        await self.close()
        start = time.perf_counter()
        await self._connect(["streamlit", "xsrf", self.session_id])
        if query is not None:
            self.url_query = {k: v[-1] for k, v in parse_qs(query).items()}
        return await self._rerun(start, widget=None, keep_query=True)

    async def _connect(self, subprotocols: list[str]) -> None:
        split = urlsplit(self.base_url)
        scheme = "wss" if split.scheme == "https" else "ws"
        try:
            self._socket = await asyncio.wait_for(websockets.connect(
                f"{scheme}://{split.netloc}{split.path}/_stcore/stream", subprotocols=subprotocols,
                origin=f"{split.scheme}://{split.netloc}", max_size=None, compression=None,
                additional_headers={"Cookie": self.cookie} if self.cookie else None), self.timeout)
        except (TimeoutError, OSError, websockets.WebSocketException) as error:
            raise ProtocolError("disconnect", f"connect failed: {error!r}") from None

    async def set(self, label: str, value) -> Run:
        """Move the widget with this label to `value`, as a click or a drag would, and wait for the redraw."""
        widget = self.widgets[label]
        return await self._rerun(time.perf_counter(), widget=(widget, value))

    async def rerun_fragment(self, fragment_id: str) -> Run:
        """Rerun one fragment of the page, as the browser does every `self.fragments[fragment_id]` seconds."""
        return await self._rerun(time.perf_counter(), keep_query=True, fragment_id=fragment_id)

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
            self._socket = None

    async def _rerun(self, start: float, page_name: str = "", widget: tuple[Widget, object] | None = None,
                     keep_query: bool = False, fragment_id: str = "") -> Run:
        message = BackMsg()
        state = message.rerun_script
        # the address bar: as opened, then as the server last rewrote it
        state.query_string = urlencode(self.url_query) if widget or keep_query else self.query
        state.page_script_hash = self.page_hash
        state.page_name = page_name
        state.cached_message_hashes.extend(self._cached)
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = True
        else:  # a whole run says again which fragments run on a timer
            self.fragments.clear()
        if widget is not None:
            target, value = widget
            proto = state.widget_states.widgets.add()
            proto.id = target.id
            if target.kind == "slider":
                proto.double_array_value.data.append(float(value))
            elif target.kind in ("selectbox", "text_input", "radio"):
                proto.string_value = str(value)
            elif target.kind in ("checkbox", "expander"):  # an expander: open (True) or closed
                proto.bool_value = bool(value)
            elif target.kind == "number_input":
                proto.int_value = int(value)
            elif target.kind == "button":  # a click: `value` is ignored
                proto.trigger_value = True
            else:
                raise ValueError(f"cannot set a {target.kind}")
        try:
            await self._socket.send(message.SerializeToString())
        except websockets.WebSocketException as error:
            raise ProtocolError("disconnect", repr(error)) from None
        return await self._read_until_finished(start)

    async def _read_until_finished(self, start: float) -> Run:
        run = Run(seconds=0.0)
        deadline = start + self.timeout
        while True:
            try:
                data = await asyncio.wait_for(self._socket.recv(), max(0.01, deadline - time.perf_counter()))
            except TimeoutError:
                raise ProtocolError("timeout", f"no 'script finished' within {self.timeout:.0f} s") from None
            except websockets.WebSocketException as error:
                raise ProtocolError("disconnect", repr(error)) from None
            run.messages += 1
            run.bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if msg.metadata.cacheable and msg.hash:
                self._cached.add(msg.hash)
            if kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id
            elif kind == "navigation":  # which page ran; later reruns name it by this hash, as the browser does
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "page_info_changed":
                run.query = {k: v[-1] for k, v in parse_qs(msg.page_info_changed.query_string).items()}
                self.url_query = run.query
            elif kind == "auto_rerun":
                self.fragments[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "delta":
                self._read_delta(msg, run)
            elif kind == "ref_hash":  # a message this client has already: the server sends only its hash
                run.content.update(msg.ref_hash.encode())
            elif kind == "script_finished":
                run.status = msg.script_finished
                if msg.script_finished in FINISHED_OK or msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    run.seconds = time.perf_counter() - start
                    return run

    def _read_delta(self, msg: ForwardMsg, run: Run) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") == "add_block":
            block = delta.add_block
            if block.WhichOneof("type") == "expandable" and block.expandable.id:  # one that reruns when opened
                self.widgets[block.expandable.label] = Widget(block.expandable.id, "expander", block.expandable.label)
            return
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "download_button":  # its file is made on click, under a name new in every session: not drawn
            element.download_button.deferred_file_id = ""
        run.content.update(element.SerializeToString())
        run.elements += 1
        if kind == "exception":
            run.exceptions.append(element.exception.message)
        elif kind in TEXTS:
            run.texts.append(getattr(getattr(element, kind), TEXTS[kind]))
            if kind == "heading" and not run.title:
                run.title = element.heading.body
        elif kind in WIDGETS:
            widget = getattr(element, kind)
            self.widgets[widget.label] = Widget(widget.id, kind, widget.label,
                                               tuple(widget.options) if kind in ("radio", "selectbox") else ())


def health(base_url: str, timeout: float = 1.0) -> bool:
    try:
        return urllib.request.urlopen(base_url.rstrip("/") + "/_stcore/health", timeout=timeout).read() == b"ok"
    except OSError:
        return False

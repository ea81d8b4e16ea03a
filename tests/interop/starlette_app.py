"""A real-world SSE server for Tether's interop tests: sse-starlette on uvicorn.

Run: python3 -m uvicorn starlette_app:app --app-dir tests/interop --host 127.0.0.1 --port 8000

GET /events streams events 1..n of one fixed sequence (the Rust test computes the same one):
  event i has id "e<i>", type "tick" when i is even (no `event:` field, so "message", when odd),
  and data:
    i % 3 == 1  JSON  {"n":i,"text":"héllo wörld"}
    i % 3 == 2  text  "tick <i>"
    i % 3 == 0  three lines "line <i>.1", "" and "line <i>.3" (sent as three `data:` lines)
  Each connection starts with a comment (": hello from sse-starlette") and `retry: <retry_ms>`.

Query parameters:
  n=10             how many events in all
  drop_after=0     end this connection after K events (0: never); the client must reconnect and
                   resume with Last-Event-ID
  drop_mode=end    `end`: finish the response cleanly (chunked terminator) — the SSE way to ask for
                   a reconnect; `abort`: raise mid-stream, so uvicorn cuts the socket without
                   finishing the chunked body (a broken connection as the client sees it)
  gap=0            seconds between events
  ping=3600        seconds between sse-starlette's own `: ping - <time>` keep-alive comments
  sep=crlf         line ends: crlf (sse-starlette's default), lf or cr
  retry_ms=100     the `retry:` field sent at the start of each connection

Last-Event-ID "e<k>" resumes after event k. A request that resumes after the last event gets
204 No Content: SSE's "stop reconnecting", so a client following to the end exits cleanly.

GET /whoami sends one event whose data says which request headers arrived (never their values,
except Last-Event-ID and Accept), then ends with `retry` and 204 on the next request.
"""

import asyncio
import json

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SEPARATORS = {"crlf": "\r\n", "lf": "\n", "cr": "\r"}


def event_data(i: int) -> str:
    if i % 3 == 1:
        return json.dumps({"n": i, "text": "héllo wörld"}, ensure_ascii=False, separators=(",", ":"))
    if i % 3 == 2:
        return f"tick {i}"
    return f"line {i}.1\n\nline {i}.3"


def resume_index(request: Request) -> int:
    """The index of the last event the client has, from Last-Event-ID (0: none)."""
    last = request.headers.get("last-event-id", "")
    if last.startswith("e") and last[1:].isdigit():
        return int(last[1:])
    return 0


class Dropped(Exception):
    """Raised to cut a connection mid-stream."""


async def events(request: Request) -> Response:
    q = request.query_params
    n = int(q.get("n", "10"))
    drop_after = int(q.get("drop_after", "0"))
    drop_mode = q.get("drop_mode", "end")
    gap = float(q.get("gap", "0"))
    ping = float(q.get("ping", "3600"))
    sep = SEPARATORS[q.get("sep", "crlf")]
    retry_ms = int(q.get("retry_ms", "100"))

    start = resume_index(request)
    if start >= n:
        return Response(status_code=204)

    async def stream():
        yield ServerSentEvent(comment="hello from sse-starlette", retry=retry_ms, sep=sep)
        sent = 0
        for i in range(start + 1, n + 1):
            if gap:
                await asyncio.sleep(gap)
            yield ServerSentEvent(
                data=event_data(i),
                event="tick" if i % 2 == 0 else None,
                id=f"e{i}",
                sep=sep,
            )
            sent += 1
            if drop_after and sent >= drop_after and i < n:
                if drop_mode == "abort":
                    # Give the server a moment to write what was yielded, then break the socket.
                    await asyncio.sleep(0.05)
                    raise Dropped(f"dropped after e{i}")
                return

    return EventSourceResponse(stream(), ping=ping, sep=sep)


async def whoami(request: Request) -> Response:
    if request.headers.get("last-event-id") == "whoami":
        return Response(status_code=204)
    seen = {
        "authorization": "authorization" in request.headers,
        "x_tether_test": "x-tether-test" in request.headers,
        "accept": request.headers.get("accept"),
        "last_event_id": request.headers.get("last-event-id"),
    }

    async def stream():
        yield ServerSentEvent(
            data=json.dumps(seen, sort_keys=True), event="whoami", id="whoami", retry=100
        )

    return EventSourceResponse(stream(), ping=3600)


app = Starlette(routes=[Route("/events", events), Route("/whoami", whoami)])

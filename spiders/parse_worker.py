"""A parser process of ``spiders.parse_ahead``: ``python -m spiders.parse_worker``.

It reads jobs from its standard input and writes answers to its standard output, each a
frame: `FRAME` (payload length, job id) then the payload, a pickle. A job's payload is
(function, args, kwargs); an answer's is (True, result) or (False, "ErrorName: message").
It ends when its standard input closes: at the end of the crawl, or when the crawl process
dies, even by SIGKILL (the kernel closes the crawl's end of the pipe), so no worker
outlives its crawl.

This module imports the standard library only: the parser needs neither Scrapy nor
Twisted, ~26 MB of resident memory a worker would carry for nothing. The functions a job
names are imported when its pickle is read.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
from typing import Any, BinaryIO

FRAME = struct.Struct("!IQ")  # payload length, job id


def frame(job_id: int, payload: object) -> bytes:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(len(data), job_id) + data


def unframed(payload: bytes) -> Any:
    """A frame's payload, as `frame` pickled it."""
    # Only ever from the other end of a private pipe: a crawl and the workers it started.
    return pickle.loads(payload)  # noqa: S301


def answer(payload: bytes) -> tuple[bool, object]:
    """What a job's function returned, (True, result), or (False, why it failed)."""
    try:
        function, args, kwargs = unframed(payload)
        return True, function(*args, **kwargs)
    except Exception as error:  # the crawl parses the page itself and records the error
        return False, f"{type(error).__name__}: {error}"


def serve(jobs: BinaryIO, answers: BinaryIO) -> None:
    """Answer jobs until `jobs` ends."""
    while len(header := jobs.read(FRAME.size)) == FRAME.size:
        length, job_id = FRAME.unpack(header)
        payload = jobs.read(length)
        if len(payload) < length:
            return
        try:
            reply = frame(job_id, answer(payload))
        except Exception as error:  # a result pickle cannot hold
            reply = frame(job_id, (False, f"{type(error).__name__}: {error}"))
        answers.write(reply)
        answers.flush()


def main() -> None:
    # Ctrl-C reaches the whole process group: leave it to the crawl, which ends its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print() goes to stderr, never into the answers
    with os.fdopen(0, "rb") as jobs, answers:
        serve(jobs, answers)


if __name__ == "__main__":
    main()

"""Ctrl-C stops a long in-process run within a second, cleanly."""
import os
import signal
import threading
import time

import localsgd

# About 10^10 multiply-adds: tens of seconds on any machine, unless stopped.
LONG_SPEC = {
    "name": "python_long",
    "problem": {"type": "least_squares", "samples": 2000, "dim": 50, "noise": 0.5},
    "workers": 4,
    "steps": 20000000,
    "batch": 8,
    "step_size": {"type": "constant", "value": 0.01},
    "schedule": {"type": "fixed", "period": 20},
    "eval": {"points": 4},
    "seeds": 2,
    "plots": [],
}


def interrupt_after(seconds):
    sent = {}

    def send():
        sent["at"] = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(seconds, send)
    timer.start()
    return timer, sent


def test_ctrl_c_raises_keyboard_interrupt_within_a_second(tmp_path):
    timer, sent = interrupt_after(0.5)
    started = time.monotonic()
    try:
        localsgd.run(LONG_SPEC, threads=2, out=tmp_path / "out")
        raise AssertionError("the run finished: it was not interrupted")
    except KeyboardInterrupt:
        stopped = time.monotonic()
    finally:
        timer.cancel()
    assert "at" in sent
    assert stopped - sent["at"] < 1.0, f"stopped {stopped - sent['at']:.2f} s after the signal"
    assert stopped - started < 5
    # Stopped cleanly: no metrics.csv for unfinished runs, the folder's lock is released, and the
    # next run in this process works.
    assert not (tmp_path / "out" / "metrics.csv").exists()
    short = dict(LONG_SPEC, steps=2000)
    results = localsgd.run(short, threads=2, out=tmp_path / "out", force=True)
    assert len(results.runs) == 2


def test_the_gil_is_released_while_the_runs_execute():
    # A run of a second or two on another thread; this thread keeps running Python meanwhile.
    # Held for the whole run, the GIL would stop this thread for all of it; the bound leaves room
    # for what holds it briefly (reading the results into DataFrames) on a loaded machine.
    spec = dict(LONG_SPEC, steps=300000)
    worker = threading.Thread(target=localsgd.run, args=(spec,), kwargs={"threads": 1})
    beats = [time.monotonic()]
    worker.start()
    while worker.is_alive():
        beats.append(time.monotonic())
    worker.join()
    beats.append(time.monotonic())
    total = beats[-1] - beats[0]
    assert total > 0.5, "the run was too short to tell"
    stall = max(b - a for a, b in zip(beats, beats[1:]))
    assert stall < 0.4 * total, f"this thread stood still for {stall:.2f} s of {total:.2f} s: the GIL was held"

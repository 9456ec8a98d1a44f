"""Chrome / Perfetto trace of a timed run: one track per core and RISC-V, spans for each batch of work and each
blocking wait, counters for CB occupancy (load the JSON in ui.perfetto.dev or chrome://tracing).

Recording is off unless a run asks for it; the recorder collects events from the timing hooks: consecutive
charges by the same API call merge into one span, a wait is a span named after what was waited for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

PROCESSOR_OF_KIND = {"compute": "TRISC0/1 (unpack, math)"}


@dataclass
class Recorder:
    events: list = field(default_factory=list)
    _open: dict = field(default_factory=dict)  # (thread id, packer) -> [name, start, end, thread, packer]
    _ids: dict = field(default_factory=dict)  # (thread label, packer) -> (pid, tid)

    def _track(self, thread, packer: bool) -> tuple[int, int]:
        key = (thread.label, packer)
        if key not in self._ids:
            core = thread.core
            pid = core.y * 100 + core.x
            spec = thread.kernel.spec
            tid = (3 if packer else 0) if spec.kind == "compute" else (1 if spec.processor == "RISCV_0" else 2)
            self._ids[key] = (pid, tid)
            processor = PROCESSOR_OF_KIND.get(spec.kind, spec.processor)
            if packer:
                processor = "TRISC2 (pack)"
            self.events.append({"ph": "M", "name": "process_name", "pid": pid, "args": {"name": core.label}})
            self.events.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                                "args": {"name": f"{processor}: {spec.name}"}})
        return self._ids[key]

    def work(self, thread, name: str, start: float, end: float) -> None:
        key = (id(thread), thread.on_packer)
        span = self._open.get(key)
        if span is not None and span[0] == name and span[2] == start:
            span[2] = end
            return
        self.flush(thread)
        self._open[key] = [name, start, end, thread, thread.on_packer]

    def wait(self, thread, reason: str, start: float, end: float) -> None:
        self.flush(thread)
        self._span(thread, thread.on_packer, f"wait: {reason}", "wait", start, end)

    def flush(self, thread) -> None:
        span = self._open.pop((id(thread), thread.on_packer), None)
        if span is not None:
            self._work_span(span)

    def _work_span(self, span: list) -> None:
        name, start, end, thread, packer = span
        self._span(thread, packer, name, "work", start, end)

    def _span(self, thread, packer: bool, name: str, cat: str, start: float, end: float) -> None:
        pid, tid = self._track(thread, packer)
        self.events.append({"ph": "X", "name": name, "cat": cat, "pid": pid, "tid": tid, "ts": start / 1000.0,
                            "dur": (end - start) / 1000.0})

    def occupancy(self, core, cb, time: float) -> None:
        self.events.append({"ph": "C", "name": f"{cb.name} pages", "pid": core.y * 100 + core.x, "ts": time / 1000.0,
                            "args": {"filled": cb.filled}})

    def write(self, path: str | Path) -> None:
        for key in list(self._open):
            self._work_span(self._open.pop(key))
        Path(path).write_text(json.dumps({"traceEvents": self.events, "displayTimeUnit": "ns",
                                          "otherData": {"clock": "modelled cycles of a 1 GHz Wormhole: 1 µs = "
                                                                 "1000 cycles"}}))


ACTIVE: Recorder | None = None  # set by a run that records a trace

"""One tqdm bar per phase of a long service call (reading, validating, posting…)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tqdm import tqdm


def count_data_lines(path: str | Path) -> int:
    """Lines after the header: the progress total (a fast byte count; quoted newlines may skew it)."""
    lines = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
    return max(lines - 1, 0)


class PhaseBars:
    def __init__(self, *, file: Any, total: int | None, disable: bool, unit: str = "row") -> None:
        self.file, self.total, self.disable, self.unit = file, total, disable, unit
        self.phase: str | None = None
        self.bar: tqdm | None = None

    def __call__(self, phase: str, done: int) -> None:
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.bar = tqdm(total=self.total, desc=phase, unit=self.unit, file=self.file, disable=self.disable,
                            dynamic_ncols=True)
        assert self.bar is not None
        self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> PhaseBars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

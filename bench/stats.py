"""Percentiles and the summary of one load run."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

SLOW = 3.0
"""Seconds after which Slack has given up on an acknowledgement and shows the person an error."""


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile of sorted values (q in 0..1); None when there are none."""
    if not values:
        return None
    return values[max(0, math.ceil(q * len(values)) - 1)]


def ms(seconds: float | None) -> float | None:
    """Seconds as milliseconds to 0.1 ms; None stays None, infinity (never answered) too."""
    if seconds is None or math.isinf(seconds):
        return None
    return round(seconds * 1000, 1)


def latency_summary(latencies: Sequence[float | None]) -> dict[str, Any]:
    """p50/p90/p99/max in ms over every attempt; a failed one counts as never answered."""
    ordered = sorted(math.inf if x is None else x for x in latencies)
    out: dict[str, Any] = {}
    for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0)):
        value = percentile(ordered, q)
        out[f"{name}_ms"] = ms(value)
        out[f"{name}_unanswered"] = value is not None and math.isinf(value)
    return out


def load_summary(out: dict[str, Any]) -> dict[str, Any]:
    """What one load run came to: latency from the scheduled send, errors, answers past 3 s."""
    results = out["results"]
    latencies = [r[1] for r in results]
    ok = [x for x in latencies if x is not None]
    errors = Counter(str(r[3] if r[3] != "status" else f"HTTP {r[2]}") for r in results if r[1] is None)
    in_time = sum(1 for x in ok if x <= SLOW)
    elapsed = out["elapsed"] or 1e-9
    if results and out.get("concurrency"):  # closed loop: until the last answer came back
        elapsed = max(r[0] + (r[1] or 0.0) for r in results) or elapsed
    return {"sent": len(results), "answered": len(ok), "errors": sum(errors.values()),
            "error_kinds": dict(errors), "over_3s": sum(1 for x in ok if x > SLOW),
            **latency_summary(latencies), "answered_in_time_per_s": round(in_time / elapsed, 1),
            "send_lag_p99_ms": ms(out.get("lag_p99")), "send_lag_max_ms": ms(out.get("lag_max"))}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator to 0.1, when both are known and the denominator is not zero."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 1)

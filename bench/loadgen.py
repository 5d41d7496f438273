"""A small closed-loop HTTP load generator for the benchmarks: N requests from C threads, each thread on
its own keep-alive connection, reporting throughput and latency percentiles. Loopback only."""

import http.client
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "requests_per_s": round(self.rate, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1),
            "statuses": self.statuses,
        }


def run(
    *,
    host: str,
    port: int,
    total: int,
    concurrency: int,
    make_request: Callable[[int], tuple[str, str, dict, bytes | None]],
) -> Result:
    """`make_request(i)` returns (method, path, headers, body) for the i-th request."""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("the benchmarks only talk to loopback")
    counter = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def worker() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            method, path, headers, body = make_request(index)
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(total, time.perf_counter() - started, latencies, statuses)


def json_body(data: dict) -> bytes:
    return json.dumps(data).encode()

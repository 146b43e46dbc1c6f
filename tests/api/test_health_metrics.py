# SPDX-License-Identifier: MIT
"""/healthz, /readyz and /metrics (Prometheus text)."""
from __future__ import annotations

import math
import threading
import time

from prometheus_client.parser import text_string_to_metric_families

from api_helpers import run_cli, text

REQ_TOTAL = "salient_http_requests_total"
DURATION = "salient_http_request_duration_seconds"


def families(body: str) -> dict:
    """Family name -> family; counters are keyed by both the parser's name
    (without _total) and the exposed name."""
    out = {}
    for fam in text_string_to_metric_families(body):
        out[fam.name] = fam
        if fam.type == "counter":
            out[fam.name + "_total"] = fam
    return out


def samples(body: str, name: str) -> list:
    return [s for fam in text_string_to_metric_families(body) for s in fam.samples
            if s.name == name]


def value(body: str, name: str, **labels: str) -> float:
    """The value of the one sample with exactly these label values (among
    its labels), 0 when there is none."""
    found = [s.value for s in samples(body, name)
             if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else 0.0


def wait_metric(srv, name: str, target: float, timeout: float = 3.0, **labels: str) -> float:
    """Polls /metrics until the sample reaches target (requests are counted
    when they complete, which may be just after the client has the
    response); returns the last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        v = value(srv.metrics_text(), name, **labels)
        if v >= target or time.monotonic() > deadline:
            return v
        time.sleep(0.05)


# ---- /healthz, /readyz ------------------------------------------------------

def test_healthz_ok_with_version(shared):
    r = shared.get("/healthz")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/json"
    body = r.json()
    assert body["status"] == "ok"
    assert isinstance(body["version"], str) and body["version"]


def test_healthz_ignores_query_strings(shared):
    r = shared.get("/healthz?verbose=1&x=%20")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_healthz_version_matches_cli_version(shared):
    body = shared.get("/healthz").json()
    cp = run_cli(["version"], shared.env, shared.tmp)
    out, err = text(cp)
    assert cp.returncode == 0, err
    assert out.strip(), "salient version printed nothing"
    assert body["version"] in out


def test_readyz_ready_with_store_check(shared):
    r = shared.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/json"
    body = r.json()
    assert body["status"] == "ready"
    assert isinstance(body["checks"], dict)
    assert body["checks"]["store"] == "ok"
    assert all(v == "ok" for v in body["checks"].values()), body


def test_open_endpoints_need_no_key_and_ignore_bad_ones(shared):
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"):
        assert shared.get(path).status_code == 200, path
        r = shared.get(path, headers={"Authorization": "Bearer sal_bogus"})
        assert r.status_code == 200, (path, r.status_code)


def test_healthz_under_concurrent_load(shared):
    errors: list = []

    def worker():
        import requests
        with requests.Session() as s:
            for _ in range(20):
                try:
                    r = s.get(shared.url("/healthz"), timeout=10)
                    if r.status_code != 200 or r.json().get("status") != "ok":
                        errors.append(r.status_code)
                except Exception as e:  # noqa: BLE001 - collected and asserted
                    errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []


# ---- /metrics ---------------------------------------------------------------

def test_metrics_is_prometheus_text(shared):
    r = shared.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    fams = families(r.text)
    assert fams[REQ_TOTAL].type == "counter"
    assert fams[DURATION].type == "histogram"


def test_request_counter_counts_by_method_route_status(shared):
    before = value(shared.metrics_text(), REQ_TOTAL, method="GET", route="/healthz", status="200")
    for _ in range(5):
        assert shared.get("/healthz").status_code == 200
    after = wait_metric(shared, REQ_TOTAL, before + 5, method="GET", route="/healthz",
                        status="200")
    assert after == before + 5
    for s in samples(shared.metrics_text(), REQ_TOTAL):
        assert {"method", "route", "status"} <= set(s.labels), s


def test_request_counter_uses_route_templates_not_paths(shared, admin_key):
    fake = "key_01ZZZZZZZZZZZZZZZZZZZZZZZZ"
    labels = dict(method="DELETE", route="/v1/keys/{id}", status="404")
    before = value(shared.metrics_text(), REQ_TOTAL, **labels)
    assert shared.delete(f"/v1/keys/{fake}", admin_key).status_code == 404
    assert wait_metric(shared, REQ_TOTAL, before + 1, **labels) == before + 1
    body = shared.metrics_text()
    assert fake not in body


def test_unmatched_paths_share_one_route_label(shared):
    labels = dict(method="GET", route="unmatched", status="404")
    before = value(shared.metrics_text(), REQ_TOTAL, **labels)
    for i in range(3):
        assert shared.get(f"/no/such/path/{i}-zq").status_code == 404
    assert wait_metric(shared, REQ_TOTAL, before + 3, **labels) == before + 3
    assert "zq" not in shared.metrics_text()


def test_duration_histogram_is_consistent(shared):
    labels = dict(method="GET", route="/readyz", status="200")
    before = value(shared.metrics_text(), DURATION + "_count", **labels)
    for _ in range(3):
        assert shared.get("/readyz").status_code == 200
    assert wait_metric(shared, DURATION + "_count", before + 3, **labels) == before + 3

    body = shared.metrics_text()
    buckets = [s for s in samples(body, DURATION + "_bucket")
               if all(s.labels.get(k) == v for k, v in labels.items())]
    assert buckets, "no buckets for GET /readyz 200"
    for s in buckets:
        assert {"method", "route", "status", "le"} <= set(s.labels)
    by_le = sorted(((float(s.labels["le"]), s.value) for s in buckets))
    assert by_le[-1][0] == math.inf
    counts = [v for _, v in by_le]
    assert counts == sorted(counts), "bucket counts must be cumulative"
    assert by_le[-1][1] == value(body, DURATION + "_count", **labels)
    total = value(body, DURATION + "_sum", **labels)
    assert 0 < total < 60 * by_le[-1][1]


def test_process_metrics(shared):
    body = shared.metrics_text()
    rss = value(body, "process_resident_memory_bytes")
    assert 1_000_000 < rss < 8_000_000_000
    cpu = samples(body, "process_cpu_seconds_total")
    assert len(cpu) == 1 and cpu[0].value >= 0
    start = value(body, "process_start_time_seconds")
    assert abs(start - time.time()) < 3600, start
    fds = value(body, "process_open_fds")
    assert fds >= 3

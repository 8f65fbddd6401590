#!/usr/bin/env python3
"""Watch fan-out latency for Wharf's ImageStream watch (bench/api.sh, figure 5). Stdlib only.

    watch_fanout.py HOST:PORT --namespace bench --watchers 100 --writes 200 --streams 1000 \
        [--rv N] [--pid SERVER_PID] [--timeout 10] [--json OUT]

1. Opens WATCHERS HTTP/1.1 connections (one socket each, one asyncio event loop, one thread),
   each `GET .../imagestreams?watch=1&resourceVersion=RV` (RV: --rv, else the list's
   resourceVersion read first), and checks each answers 200.
2. One warm-up write (not counted), waited for on every watcher: proves each watch is subscribed
   and streaming before the clock runs.
3. WRITES merge-patches, one after the other on one keep-alive connection, each setting the label
   bench-write=wNNNNN on stream s%04d (round robin over --streams). After each PATCH it waits until
   every watcher has received that write's MODIFIED event (or --timeout seconds pass), then goes on:
   so each write's fan-out is measured alone, not behind the previous one.
4. Per write: PATCH latency (send → response read), first delivery and "all delivered" (send → the
   last watcher's receipt). Receipt times are taken when the bytes come off the socket, before any
   parsing, so client work on other watchers' events is the only client cost in the figure.
5. After the last write: a short grace period (late or duplicate events), server RSS (--pid) with
   the watchers still connected, then everything is closed. Prints one JSON object (and writes it to
   --json): counts, percentiles in ms, problems.
"""

import argparse
import asyncio
import json
import re
import sys
import time

LABEL = "bench-write"
# Events are single JSON lines; serde_json writes keys sorted, but nothing here relies on order.
RE_TYPE = re.compile(rb'"type":"([A-Z]+)"')
RE_LABEL = re.compile(rb'"' + LABEL.encode() + rb'":"([^"]+)"')

now = time.perf_counter


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a list; None when empty."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def ms(v):
    return None if v is None else round(v * 1000.0, 3)


def rss_kib(pid):
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Tally:
    """What all watchers received, keyed by the label value each write sets."""

    def __init__(self, watchers):
        self.watchers = watchers
        self.recv = {}  # label value -> list of receipt times (one per watcher)
        self.seen = {}  # label value -> set of watcher ids (to spot duplicates)
        self.waiting = {}  # label value -> asyncio.Event, set when every watcher has it
        self.events = 0  # every event line received
        self.modified = 0  # MODIFIED events carrying a bench-write label
        self.duplicates = 0
        self.other = {}  # event type -> count, for everything that is not a labelled MODIFIED
        self.errors = []  # ERROR events (first few)

    def expect(self, value):
        ev = asyncio.Event()
        self.waiting[value] = ev
        self.recv.setdefault(value, [])
        if len(self.seen.get(value, ())) >= self.watchers:
            ev.set()
        return ev

    def line(self, wid, line, t):
        self.events += 1
        m = RE_TYPE.search(line)
        kind = m.group(1).decode() if m else "?"
        lab = RE_LABEL.search(line) if kind == "MODIFIED" else None
        if lab is None:
            self.other[kind] = self.other.get(kind, 0) + 1
            if kind == "ERROR" and len(self.errors) < 5:
                self.errors.append(line[:300].decode(errors="replace"))
            return
        value = lab.group(1).decode()
        self.modified += 1
        seen = self.seen.setdefault(value, set())
        if wid in seen:
            self.duplicates += 1
            return
        seen.add(wid)
        self.recv.setdefault(value, []).append(t)
        if len(seen) >= self.watchers:
            ev = self.waiting.get(value)
            if ev is not None:
                ev.set()


class Watcher(asyncio.Protocol):
    """One watch connection: HTTP/1.1 response head, then a chunked body of JSON lines."""

    def __init__(self, wid, tally, request):
        self.wid, self.tally, self.request = wid, tally, request
        self.buf = b""  # raw bytes not yet decoded
        self.body = b""  # decoded body bytes not yet split into lines
        self.head_done = False
        self.chunked = False
        self.chunk_left = 0  # bytes left in the current chunk (+2 for its CRLF once known)
        self.status = None
        self.headers_ok = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        t = now()  # receipt time, before any parsing
        self.buf += data
        if not self.head_done:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
            lines = head.split("\r\n")
            try:
                self.status = int(lines[0].split()[1])
            except (IndexError, ValueError):
                self.status = -1
            hdrs = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
            self.chunked = "chunked" in hdrs.get("transfer-encoding", "").lower()
            self.head_done = True
            if not self.headers_ok.done():
                self.headers_ok.set_result(self.status)
        if self.chunked:
            self._dechunk()
        else:
            self.body += self.buf
            self.buf = b""
        while True:
            nl = self.body.find(b"\n")
            if nl < 0:
                break
            line, self.body = self.body[:nl], self.body[nl + 1:]
            if line.strip():
                self.tally.line(self.wid, line, t)

    def _dechunk(self):
        while self.buf:
            if self.chunk_left == 0:
                nl = self.buf.find(b"\r\n")
                if nl < 0:
                    return
                size = int(self.buf[:nl].split(b";")[0], 16)
                self.buf = self.buf[nl + 2:]
                if size == 0:  # last chunk: the server ended the watch
                    self.buf = b""
                    return
                self.chunk_left = size + 2
            take = min(self.chunk_left, len(self.buf))
            piece, self.buf = self.buf[:take], self.buf[take:]
            self.chunk_left -= take
            # Drop the chunk's trailing CRLF (it may straddle two reads).
            keep = len(piece) - max(0, 2 - self.chunk_left)
            self.body += piece[:max(0, keep)]

    def connection_lost(self, exc):
        if not self.headers_ok.done():
            self.headers_ok.set_result(-1)
        if not self.closed.done():
            self.closed.set_result(exc)


class Client:
    """A tiny keep-alive HTTP/1.1 client on asyncio streams (for the PATCHes and the list)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def connect(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method, path, body=b"", ctype=None):
        hdr = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: application/json\r\n"
        if ctype:
            hdr += f"Content-Type: {ctype}\r\n"
        hdr += f"Content-Length: {len(body)}\r\n\r\n"
        self.writer.write(hdr.encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, chunked = None, False
        while True:
            ln = await self.reader.readline()
            if ln in (b"\r\n", b"\n", b""):
                break
            k, _, v = ln.decode("latin-1").partition(":")
            k, v = k.strip().lower(), v.strip()
            if k == "content-length":
                length = int(v)
            elif k == "transfer-encoding" and "chunked" in v.lower():
                chunked = True
        if chunked:
            data = b""
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                data += await self.reader.readexactly(size)
                await self.reader.readexactly(2)
        else:
            data = await self.reader.readexactly(length or 0)
        return status, data


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("server", help="HOST:PORT")
    ap.add_argument("--namespace", default="bench")
    ap.add_argument("--watchers", type=int, default=100)
    ap.add_argument("--writes", type=int, default=200)
    ap.add_argument("--streams", type=int, default=1000, help="streams s0001..sNNNN exist; writes go round robin")
    ap.add_argument("--rv", default=None, help="resourceVersion to watch from (default: the list's)")
    ap.add_argument("--pid", type=int, default=0, help="server PID, for VmRSS")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for one write's fan-out")
    ap.add_argument("--grace", type=float, default=1.0, help="seconds to wait for stray events at the end")
    ap.add_argument("--json", default=None, help="also write the result here")
    a = ap.parse_args()

    host, _, port = a.server.rpartition(":")
    port = int(port)
    base = f"/apis/image.openshift.io/v1/namespaces/{a.namespace}/imagestreams"
    problems = []
    loop = asyncio.get_running_loop()

    client = Client(host, port)
    await client.connect()
    rv = a.rv
    if rv is None:
        st, data = await client.request("GET", base + "?limit=1")
        if st != 200:
            raise SystemExit(f"list answered {st}: {data[:200]!r}")
        rv = json.loads(data)["metadata"]["resourceVersion"]

    tally = Tally(a.watchers)
    req = (f"GET {base}?watch=1&resourceVersion={rv} HTTP/1.1\r\nHost: {host}:{port}\r\n"
           f"Accept: application/json\r\n\r\n").encode()
    t_conn = now()
    conns = await asyncio.gather(*[
        loop.create_connection(lambda i=i: Watcher(i, tally, req), host, port) for i in range(a.watchers)
    ])
    watchers = [p for _, p in conns]
    statuses = await asyncio.wait_for(asyncio.gather(*[w.headers_ok for w in watchers]), 30)
    connect_s = now() - t_conn
    bad = [s for s in statuses if s != 200]
    if bad:
        problems.append(f"{len(bad)} of {a.watchers} watch requests did not answer 200 (e.g. {bad[0]})")
    rss_watching = rss_kib(a.pid)

    def patch_body(value):
        return json.dumps({"metadata": {"labels": {LABEL: value}}}).encode()

    def stream_name(k):
        return "s%04d" % (k % a.streams + 1)

    # Warm-up: every watcher must see it before anything is timed.
    ev = tally.expect("warmup")
    st, data = await client.request("PATCH", f"{base}/{stream_name(a.writes)}", patch_body("warmup"),
                                    "application/merge-patch+json")
    if st != 200:
        problems.append(f"warm-up PATCH answered {st}: {data[:200]!r}")
    try:
        await asyncio.wait_for(ev.wait(), a.timeout)
    except asyncio.TimeoutError:
        problems.append(f"warm-up write reached only {len(tally.seen.get('warmup', ()))} of {a.watchers} watchers "
                        f"in {a.timeout} s")
    base_events = tally.events
    base_modified = tally.modified

    patch_lat, first_lat, all_lat, timeouts, bad_patch = [], [], [], 0, 0
    t_start = now()
    for k in range(a.writes):
        value = "w%05d" % k
        ev = tally.expect(value)
        t0 = now()
        st, data = await client.request("PATCH", f"{base}/{stream_name(k)}", patch_body(value),
                                        "application/merge-patch+json")
        t1 = now()
        patch_lat.append(t1 - t0)
        if st != 200:
            bad_patch += 1
            if bad_patch <= 3:
                problems.append(f"PATCH {stream_name(k)} answered {st}: {data[:200]!r}")
            continue
        try:
            await asyncio.wait_for(ev.wait(), a.timeout)
        except asyncio.TimeoutError:
            timeouts += 1
        times = tally.recv.get(value, [])
        if times:
            first_lat.append(min(times) - t0)
        if len(times) >= a.watchers:
            all_lat.append(max(times) - t0)
    writes_s = now() - t_start

    await asyncio.sleep(a.grace)  # late or duplicate events
    rss_end = rss_kib(a.pid)
    ended = sum(1 for w in watchers if w.closed.done())
    for w in watchers:
        w.transport.close()
    client.writer.close()

    expected = a.watchers * a.writes
    delivered = sum(min(len(tally.recv.get("w%05d" % k, [])), a.watchers) for k in range(a.writes))
    if delivered != expected:
        short = [k for k in range(a.writes) if len(tally.recv.get("w%05d" % k, [])) < a.watchers]
        problems.append(f"watch delivered {delivered} of {expected} MODIFIED events; {len(short)} writes did not "
                        f"reach every watcher within {a.timeout} s (first: w{short[0]:05d})" if short else
                        f"watch delivered {delivered} of {expected} MODIFIED events")
    if tally.duplicates:
        problems.append(f"{tally.duplicates} duplicate MODIFIED events (same write, same watcher)")
    other_after = {k: v for k, v in tally.other.items()}
    if other_after:
        problems.append(f"unexpected events besides the labelled MODIFIEDs: {other_after}")
    if tally.errors:
        problems.append(f"ERROR events, e.g. {tally.errors[0]}")
    if ended:
        problems.append(f"{ended} of {a.watchers} watch connections were closed by the server during the test")

    out = {
        "watchers": a.watchers,
        "writes": a.writes,
        "resource_version": str(rv),
        "connect_all_ms": ms(connect_s),
        "expected_events": expected,
        "delivered_events": delivered,
        "events_total_after_warmup": tally.events - base_events,
        "modified_after_warmup": tally.modified - base_modified,
        "duplicates": tally.duplicates,
        "timeouts": timeouts,
        "bad_patches": bad_patch,
        "writes_total_s": round(writes_s, 3),
        "patch_ms": {"p50": ms(pct(patch_lat, 50)), "p99": ms(pct(patch_lat, 99)), "max": ms(max(patch_lat, default=None))},
        "first_ms": {"p50": ms(pct(first_lat, 50)), "p99": ms(pct(first_lat, 99)), "max": ms(max(first_lat, default=None))},
        "fanout_ms": {"p50": ms(pct(all_lat, 50)), "p99": ms(pct(all_lat, 99)), "max": ms(max(all_lat, default=None)),
                      "n": len(all_lat)},
        "rss_kib_watching": rss_watching,
        "rss_kib_end": rss_end,
        "problems": problems,
    }
    text = json.dumps(out, indent=1)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(130)

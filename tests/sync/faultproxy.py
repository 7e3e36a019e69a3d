"""A TCP proxy on loopback that cuts connections at chosen or random byte offsets.

It forwards raw bytes (TLS passes through untouched: the client still talks TLS to the hub
and checks its certificate) and, for a connection it decides to cut, closes both sides
abruptly (RST) once a given number of bytes went one way:

* ``up`` — client to hub: the request is cut part-way (the hub may or may not have read it);
* ``down`` — hub to client: the answer is cut part-way (the hub did the work, the client
  never hears it: the "acknowledgement lost" case).

``FaultProxy(port, cuts=[Cut("up", 300)])`` cuts the next connections as listed, then
passes everything; ``probability`` and ``max_offset`` cut further connections at random
offsets (seeded, so a failing run can be replayed). ``cut_log`` records what happened.
"""

from __future__ import annotations

import random
import selectors
import socket
import struct
import threading
from dataclasses import dataclass, field

CHUNK = 16 * 1024


@dataclass(frozen=True)
class Cut:
    direction: str  # "up" (client → hub) or "down" (hub → client)
    after: int  # bytes let through in that direction before the cut

    def __post_init__(self) -> None:
        if self.direction not in ("up", "down") or self.after < 0:
            raise ValueError(f"bad cut {self!r}")


@dataclass
class ConnectionLog:
    number: int
    cut: Cut | None
    up: int = 0  # bytes forwarded client → hub
    down: int = 0  # bytes forwarded hub → client
    was_cut: bool = False  # the cut happened (a short exchange may end before its offset)


@dataclass
class FaultProxy:
    target_port: int
    target_host: str = "127.0.0.1"
    cuts: list[Cut] = field(default_factory=list)  # for the next connections, in order
    probability: float = 0.0  # afterwards: chance that a connection is cut
    max_offset: int = 64 * 1024  # random cuts happen within this many bytes
    seed: int = 0
    enabled: bool = True  # False: forward everything, cut nothing (the "healed" network)

    def __post_init__(self) -> None:
        self.port = 0
        self.cut_log: list[ConnectionLog] = []
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # --- life cycle -------------------------------------------------------------------------
    def start(self) -> "FaultProxy":
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener, self.port = listener, listener.getsockname()[1]
        self._spawn(self._accept_loop)
        return self

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stopping.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def cuts_made(self) -> int:
        return sum(1 for c in self.cut_log if c.was_cut)

    # --- the work ---------------------------------------------------------------------------
    def _spawn(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _plan(self) -> ConnectionLog:
        with self._lock:
            cut = None
            if self.enabled:
                if self.cuts:
                    cut = self.cuts.pop(0)
                elif self.probability and self._rng.random() < self.probability:
                    cut = Cut(self._rng.choice(("up", "down")), self._rng.randrange(self.max_offset + 1))
            log = ConnectionLog(len(self.cut_log) + 1, cut)
            self.cut_log.append(log)
            return log

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._spawn(self._pump, client, self._plan())

    def _pump(self, client: socket.socket, log: ConnectionLog) -> None:
        try:
            hub = socket.create_connection((self.target_host, self.target_port), timeout=10)
        except OSError:
            _reset(client)
            return
        for sock in (client, hub):
            sock.setblocking(False)
        peer = {client: hub, hub: client}
        direction = {client: "up", hub: "down"}
        open_ends = {client, hub}
        selector = selectors.DefaultSelector()
        for sock in open_ends:
            selector.register(sock, selectors.EVENT_READ)
        try:
            while open_ends and not self._stopping.is_set():
                for key, _ in selector.select(timeout=0.2):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    try:
                        data = source.recv(CHUNK)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b""
                    if not data:  # one side finished: pass the half-close on
                        selector.unregister(source)
                        open_ends.discard(source)
                        try:
                            peer[source].shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
                        continue
                    way = direction[source]
                    sent_before = log.up if way == "up" else log.down
                    if log.cut and log.cut.direction == way and sent_before + len(data) >= log.cut.after:
                        _send_all(peer[source], data[:log.cut.after - sent_before])
                        self._count(log, way, log.cut.after - sent_before)
                        log.was_cut = True
                        return
                    if not _send_all(peer[source], data):
                        return
                    self._count(log, way, len(data))
        finally:
            selector.close()
            for sock in (client, hub):
                _reset(sock) if log.was_cut else sock.close()

    @staticmethod
    def _count(log: ConnectionLog, way: str, size: int) -> None:
        if way == "up":
            log.up += size
        else:
            log.down += size


def _send_all(sock: socket.socket, data: bytes) -> bool:
    view = memoryview(data)
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_WRITE)
    try:
        while view:
            try:
                sent = sock.send(view)
            except (BlockingIOError, InterruptedError):
                if not selector.select(timeout=10):
                    return False
                continue
            except OSError:
                return False
            view = view[sent:]
        return True
    finally:
        selector.close()


def _reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0): the peer sees the connection broken, not ended."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()

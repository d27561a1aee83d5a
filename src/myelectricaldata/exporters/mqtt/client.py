"""The broker connection of one exporter run: connect, publish within an acknowledgement window,
read retained messages back.

Every publish goes through aiomqtt inside a bounded window of in-flight messages (PROTOCOLS.md
§9); :meth:`BrokerClient.send` returns only once the broker acknowledged all of its messages
(PUBACK at QoS 1, PUBCOMP at QoS 2; at QoS 0, once they were written to the socket). A lost
connection fails everything in flight at once, and the next call connects again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import ssl
import time
import uuid
from collections.abc import Iterable, Sequence

import aiomqtt
from aiomqtt.exceptions import MqttConnectError

from myelectricaldata.exporters.base import ExportError
from myelectricaldata.exporters.mqtt.config import MqttConfig
from myelectricaldata.exporters.mqtt.topics import OFFLINE, ONLINE, Outgoing

log = logging.getLogger(__name__)

#: CONNACK codes of a refused login (MQTT 3.1.1: 4, 5; MQTT 5: 134, 135).
_LOGIN_REFUSED = (4, 5, 134, 135)


class MqttExportError(ExportError):
    """The broker could not be reached, refused us, or did not acknowledge every message.

    Retryable unless the broker refused the login or a TLS file cannot be read.
    """


class _LastError(logging.Filter):
    """Keeps paho's last warning (e.g. a TLS alert) to explain a failure that only timed out."""

    def __init__(self) -> None:
        super().__init__()
        self.message: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            self.message = record.getMessage()
        return True


def _client_logger(recorder: _LastError) -> logging.Logger:
    # A logger outside the manager's registry: one per connection, garbage-collected with it.
    # paho's socket errors are not propagated: the failure they cause is reported, with them.
    logger = logging.Logger(f"{__name__}.client", logging.WARNING)
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    logger.addFilter(recorder)
    return logger


class Connection:
    """A connected client, the task reading its incoming messages, and its lost flag."""

    def __init__(self, client: aiomqtt.Client, recorder: _LastError) -> None:
        self.client = client
        self.recorder = recorder
        self.lost = False
        self.lost_reason = ""
        self.inflight: set[asyncio.Task[None]] = set()
        self.waiters: dict[str, asyncio.Future[aiomqtt.Message]] = {}
        self.collected: dict[str, bytes] | None = None
        #: ``online`` goes out with the first messages sent on this connection.
        self.greeting: Outgoing | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for message in self.client.messages:
                topic = message.topic.value
                waiter = self.waiters.get(topic)
                if waiter is not None and not message.retain and not waiter.done():
                    waiter.set_result(message)
                elif self.collected is not None and isinstance(message.payload, bytes):
                    self.collected[topic] = message.payload
        except aiomqtt.MqttError as exc:
            # The broker went away: fail everything in flight now rather than at its timeout.
            self.lost = True
            cause = exc.__cause__ or exc
            self.lost_reason = self.recorder.message or str(cause) or type(cause).__name__
            for task in list(self.inflight):
                task.cancel()
            for waiter in self.waiters.values():
                if not waiter.done():
                    waiter.set_exception(MqttExportError(self.lost_reason))

    async def await_message(self, topic: str, send: Outgoing, seconds: float) -> float:
        """Subscribe to ``topic``, publish ``send`` there and wait for it to come back live.

        Returns the round trip in milliseconds.
        """
        granted = await self.client.subscribe(topic, qos=1, timeout=seconds)
        if any(getattr(code, "is_failure", code == 128) for code in granted):
            raise MqttExportError(
                f"the broker refused the subscription to {topic}: allow this user to "
                "subscribe to it in the broker's ACL"
            )
        waiter: asyncio.Future[aiomqtt.Message] = asyncio.get_running_loop().create_future()
        self.waiters[topic] = waiter
        try:
            started = time.perf_counter()
            await self.client.publish(
                send.topic, send.payload, qos=send.qos, retain=send.retain, timeout=seconds
            )
            try:
                await asyncio.wait_for(waiter, seconds)
            except TimeoutError:
                raise MqttExportError(
                    f"{topic} was published but did not come back within {seconds:g} s: allow "
                    "this user to publish and subscribe under the topic prefix (broker ACL)"
                ) from None
            return (time.perf_counter() - started) * 1000
        finally:
            del self.waiters[topic]
            with contextlib.suppress(aiomqtt.MqttError):
                await self.client.unsubscribe(topic, timeout=seconds)

    async def retained(
        self, filters: Sequence[str], barrier: str, seconds: float
    ) -> dict[str, bytes]:
        """Retained messages matching ``filters``, read until a barrier message comes back.

        The broker queues the retained messages of a SUBSCRIBE before it handles our next
        PUBLISH, so once that PUBLISH is delivered back, every retained message has arrived.
        One SUBSCRIBE and one PUBLISH round trip; the UNSUBSCRIBE is not waited for.
        """
        self.collected = {}
        waiter: asyncio.Future[aiomqtt.Message] = asyncio.get_running_loop().create_future()
        self.waiters[barrier] = waiter
        try:
            await self.client.subscribe([(f, 1) for f in (*filters, barrier)], timeout=seconds)
            await self.client.publish(barrier, b"", qos=1, timeout=seconds)
            await asyncio.wait_for(waiter, seconds)
            return self.collected
        finally:
            self.collected = None
            del self.waiters[barrier]
            task = asyncio.get_running_loop().create_task(
                self._unsubscribe([*filters, barrier], seconds)
            )
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _unsubscribe(self, topics: list[str], seconds: float) -> None:
        with contextlib.suppress(aiomqtt.MqttError):
            await self.client.unsubscribe(topics, timeout=seconds)

    async def close(self) -> None:
        """Disconnect cleanly (the broker does not publish the will)."""
        for task in list(self._background):
            task.cancel()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        with contextlib.suppress(aiomqtt.MqttError, OSError, TimeoutError):
            async with asyncio.timeout(2):
                await self.client.__aexit__(None, None, None)


def _explain(exc: BaseException, config: MqttConfig, recorder: _LastError) -> tuple[str, bool]:
    """A reason for a failed connection that says what to check, and whether trying again may
    help (a refused login or an unreadable file will not)."""
    reason = _reason(exc, config, recorder)
    permanent = isinstance(exc, FileNotFoundError | PermissionError) or (
        isinstance(exc, MqttConnectError) and getattr(exc.rc, "value", exc.rc) in _LOGIN_REFUSED
    )
    return reason, not permanent


def _reason(exc: BaseException, config: MqttConfig, recorder: _LastError) -> str:
    where = f"{config.host}:{config.port}"
    text = str(exc)
    if isinstance(exc, MqttConnectError):
        rc = getattr(exc.rc, "value", exc.rc)
        if rc in _LOGIN_REFUSED:
            return (
                f"the broker at {where} refused the login ({text}): check the username and "
                "password (MQTT_BROKER=mqtt://user:pass@host:port)"
            )
        return f"the broker at {where} refused the connection: {text}"
    if isinstance(exc, FileNotFoundError | PermissionError):
        return f"cannot read {exc.filename}: check ca_file / cert_file / key_file ({exc.strerror})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS setup failed ({text}): check ca_file, cert_file and key_file"
    lowered = text.lower()
    if "refused" in lowered:
        return (
            f"nothing accepts connections at {where} (connection refused): check the host, "
            "the port (1883 plain, 8883 TLS) and that the broker is running"
        )
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return f"unknown host {config.host!r}: check the broker's name or use its IP address"
    if "certificate verify failed" in lowered:
        return (
            f"the broker's TLS certificate is not trusted ({text}): set ca_file to the CA that "
            "signed it"
        )
    detail = f" (last error: {recorder.message})" if recorder.message else ""
    if "timed out" in lowered or isinstance(exc, TimeoutError):
        return (
            f"no answer from {where} within {config.timeout_seconds:g} s{detail}: check the "
            "port, and TLS (mqtts://, client certificate) against the broker's listener"
        )
    return f"cannot connect to {where}: {text or type(exc).__name__}{detail}"


# -- exporter --------------------------------------------------------------------------------


class BrokerClient:
    """The connection of one run to the broker of ``config``, opened on first use and again
    after a loss; ``status_topic`` carries ``online`` (and the will, ``offline``)."""

    def __init__(self, config: MqttConfig, status_topic: str) -> None:
        self.config = config
        self.status_topic = status_topic
        self._redact = config.redactor()
        self._conn: Connection | None = None
        self._connect_lock = asyncio.Lock()

    async def connection(self) -> Connection:
        async with self._connect_lock:
            if self._conn is not None and not self._conn.lost:
                return self._conn
            if self._conn is not None:
                await self._conn.close()
                self._conn = None
            self._conn = await self._connect()
            return self._conn

    async def _connect(self) -> Connection:
        cfg = self.config
        if not cfg.host:
            raise MqttExportError(
                "host is not set: configure MQTT_BROKER=mqtt://host:1883 (or the host field)",
                retryable=False,
            )
        recorder = _LastError()
        tls_params = None
        if cfg.tls:
            await asyncio.to_thread(self._check_tls_files)
            tls_params = aiomqtt.TLSParameters(
                ca_certs=cfg.ca_file or None,
                certfile=cfg.cert_file or None,
                keyfile=cfg.key_file or None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        client = aiomqtt.Client(
            cfg.host,
            cfg.port,
            username=cfg.username or None,
            password=(cfg.password or None) if cfg.username else None,
            identifier=cfg.client_id or f"myelectricaldata-{uuid.uuid4().hex[:10]}",
            will=aiomqtt.Will(self.status_topic, OFFLINE.encode(), qos=1, retain=True),
            timeout=cfg.timeout_seconds,
            max_inflight_messages=cfg.max_inflight,
            tls_params=tls_params,
            tls_insecure=(not cfg.tls_verify_hostname) if cfg.tls else None,
            logger=_client_logger(recorder),
            # Without it, Nagle's algorithm and the broker's delayed ACK stall a burst of small
            # publishes for ~40 ms at a time.
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        # aiomqtt warns once per publish above this many pending calls; our window bounds them.
        client.pending_calls_threshold = cfg.max_inflight + 10
        try:
            async with asyncio.timeout(cfg.timeout_seconds + 1):
                await client.__aenter__()
        except (aiomqtt.MqttError, OSError, TimeoutError, ssl.SSLError) as exc:
            self._abandon(client)
            reason, retryable = _explain(exc, cfg, recorder)
            raise MqttExportError(self._redact(reason), retryable=retryable) from None
        conn = Connection(client, recorder)
        conn.greeting = self.status(ONLINE)
        return conn

    def _check_tls_files(self) -> None:
        for field in ("ca_file", "cert_file", "key_file"):
            path = getattr(self.config, field)
            if path and not os.access(path, os.R_OK):
                raise MqttExportError(
                    f"{field}: cannot read {path}: give the path of a PEM file this service "
                    "can read",
                    retryable=False,
                )

    @staticmethod
    def _abandon(client: aiomqtt.Client) -> None:
        # A connection that failed half-way (no CONNACK) still holds a socket: close it.
        with contextlib.suppress(Exception):
            client._client.disconnect()

    def status(self, state: str) -> Outgoing:
        """The retained availability message (``online`` / ``offline``)."""
        return Outgoing(self.status_topic, state.encode(), max(1, self.config.qos), True)

    async def close(self) -> None:
        """Disconnect; the retained ``online`` stays (the will reports a crash)."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    # -- publishing --

    async def _publish(self, conn: Connection, messages: Iterable[Outgoing]) -> int:
        """Publish in order with at most ``max_inflight`` unacknowledged; all acked or raise."""
        window = asyncio.Semaphore(self.config.max_inflight)
        failures: list[BaseException] = []
        pending: set[asyncio.Task[None]] = set()
        loop = asyncio.get_running_loop()
        client = conn.client
        timeout = self.config.timeout_seconds

        def finished(task: asyncio.Task[None]) -> None:
            pending.discard(task)
            conn.inflight.discard(task)
            window.release()
            error = None if task.cancelled() else task.exception()
            if error is not None:
                failures.append(error)

        sent = 0
        try:
            for msg in messages:
                await window.acquire()
                if failures or conn.lost:
                    window.release()
                    break
                task = loop.create_task(
                    client.publish(
                        msg.topic, msg.payload, qos=msg.qos, retain=msg.retain, timeout=timeout
                    )
                )
                pending.add(task)
                conn.inflight.add(task)
                task.add_done_callback(finished)
                sent += 1
            while pending:
                await asyncio.wait(set(pending))
        except BaseException:
            for task in pending:
                task.cancel()
            raise
        if conn.lost:
            raise MqttExportError(
                f"connection to {self.config.broker_url} lost ({conn.lost_reason}); "
                "unacknowledged messages will be sent again by the next attempt"
            )
        if failures:
            first = failures[0]
            # After an unacknowledged publish the session state is unknown: start a new one.
            conn.lost = True
            conn.lost_reason = str(first) or type(first).__name__
            raise MqttExportError(
                self._redact(
                    f"{len(failures)} of {sent} messages not acknowledged by "
                    f"{self.config.broker_url}: {first or type(first).__name__}"
                )
            )
        return sent

    async def send(self, messages: Iterable[Outgoing]) -> int:
        """Publish ``messages`` (after ``online`` on a new connection); all acknowledged or
        :class:`MqttExportError`."""
        conn = await self.connection()
        if conn.greeting is not None:
            messages = itertools.chain([conn.greeting], messages)
            conn.greeting = None
        return await self._publish(conn, messages)

"""Stratus built-in Python runtime.

The platform runs this file inside an execution environment, as

    /usr/bin/python3 -S -B <abs path>/src/runtimes/python/bootstrap.py

with cwd = the function's code directory and Lambda's environment variables
(AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_*,
AWS_LAMBDA_LOG_*, AWS_EXECUTION_ENV, LAMBDA_RUNTIME_DIR, PYTHONPATH).
-S: no site, so the host's site-packages never leak into a function, and
start is ~2.5 ms faster. -B: never write .pyc files into the code directory.
No -u: stdout is made line-buffered below. A copy precompiled by py_compile
for the same interpreter can be run in place of this file; it skips
compiling this file at every start (~7 ms).

It loads the handler, then loops over the Lambda Runtime API (2018-06-01):
GET /next -> handler(event, context) -> POST /response or /error. It copies
what AWS's managed python3.x runtime does (handler resolution, error types and
texts, context object, log line formats) so functions behave as they do on AWS.

Constraints that shape this file:
- Standard library only, one file, Python 3.9-3.13.
- Start fast. Everything imported before the first GET /next is paid on every
  cold start, so the HTTP client is a few lines over the socket (http.client
  drags in email.* and ssl, ~25 ms here), and logging and traceback are only
  imported when the function imports logging or something fails.
- stdout is the log channel: the platform reads it line by line and gives each
  line to the current invocation, so one log record must be one line.
"""

import os
import sys
import time
import importlib
try:
    import _json  # json's C half; json itself imports re and enum, ~10 ms of every cold start
except ImportError:  # an interpreter without it: json does everything
    _json = None
import _socket  # socket.py would add enum/selectors imports we do not need


class _ConnectionLost(Exception):
    pass


class _RuntimeApiError(Exception):
    pass


def _become_function(address, channel):
    # A stem cell (started before it knows its function) waits here for the
    # function it becomes: Stratus answers with that function's whole
    # environment (over the private channel, or GET /2018-06-01/stratus/specialise),
    # which replaces this process's.
    # The full json module: a cell has time to spare, and a function that imports json (most
    # do) then finds it loaded, as it would on AWS, whose runtime imports it.
    import json
    if channel is not None:
        env = json.loads(channel.specialise())
    else:
        host, _, port = address.rpartition(":")
        sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        sock.connect((host, int(port)))
        sock.sendall(b"GET /2018-06-01/stratus/specialise HTTP/1.1\r\nHost: runtime\r\nConnection: close\r\n\r\n")
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
        sock.close()
        head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            sys.stderr.write("stratus python runtime: could not specialise: %r\n" % head[:100])
            sys.exit(1)
        env = json.loads(body)["env"]
    os.environ.clear()
    os.environ.update(env)
    if env.get("LAMBDA_TASK_ROOT"):
        os.chdir(env["LAMBDA_TASK_ROOT"])


class _Channel:
    """Stratus's private channel to the platform (a socket pair at the fd named
    by _STRATUS_RUNTIME_FD): each Runtime API message is one frame instead of an
    HTTP request and its answer. A frame: kind (1 byte), head length and body
    length (u32 little-endian), the head (fields separated by NUL), the body.
    The platform's side is src/environments/runtime-channel.ts."""

    _HEADERS = ("lambda-runtime-aws-request-id", "lambda-runtime-deadline-ms",
                "lambda-runtime-invoked-function-arn", "lambda-runtime-trace-id",
                "lambda-runtime-client-context", "lambda-runtime-cognito-identity",
                "lambda-runtime-aws-tenant-id")

    def __init__(self, fd):
        self._sock = _socket.socket(fileno=fd)
        self._sock.settimeout(None)
        self._buf = bytearray()

    @staticmethod
    def _frame(kind, fields, body=b""):
        head = "\0".join(fields).encode("utf-8")
        return b"%c%s%s%s%s" % (kind, len(head).to_bytes(4, "little"), len(body).to_bytes(4, "little"), head, body)

    def _read(self, kinds):
        buf = self._buf
        while True:
            if len(buf) >= 9:
                head_len = int.from_bytes(buf[1:5], "little")
                end = 9 + head_len + int.from_bytes(buf[5:9], "little")
                if len(buf) >= end:
                    kind, head, body = buf[0], bytes(buf[9:9 + head_len]), bytes(buf[9 + head_len:end])
                    del buf[:end]
                    if kind not in kinds:
                        raise _RuntimeApiError("unexpected frame %r from the platform" % kind)
                    return kind, head, body
            chunk = self._sock.recv(262144)
            if not chunk:
                raise _RuntimeApiError("the platform closed the runtime channel")
            buf += chunk

    def _send(self, data):
        try:
            self._sock.sendall(data)
        except OSError as e:
            raise _RuntimeApiError("runtime channel lost: %r" % e)

    def specialise(self):
        self._send(self._frame(0x57, ()))
        return self._read((0x53,))[2]

    def next(self):
        self._send(self._frame(0x4E, ()))
        kind, head, body = self._read((0x49, 0x58))
        if kind == 0x58:
            raise _RuntimeApiError("GET /next failed with status %s: %s" % (head.decode("latin-1"), body.decode("utf-8", "replace")))
        headers = {"content-type": "application/json"}
        for name, value in zip(self._HEADERS, head.split(b"\0")):
            if value:
                # As the HTTP client reads header bytes: UTF-8, else Latin-1.
                try:
                    headers[name] = value.decode("utf-8")
                except UnicodeDecodeError:
                    headers[name] = value.decode("latin-1")
        return headers, body

    def post_response(self, request_id, body, content_type):
        self._send(self._frame(0x52, (request_id, content_type), body))

    def post_error(self, request_id, error, xray_cause):
        self._send(self._frame(0x45, (request_id, error["errorType"]), _to_json(error).encode("utf-8")))

    def post_init_error(self, error):
        self._send(self._frame(0x46, (error["errorType"],), _to_json(error).encode("utf-8")))


def _open_channel():
    # The variable is Stratus's, not the function's: gone before user code runs.
    fd = os.environ.pop("_STRATUS_RUNTIME_FD", None)
    return _Channel(int(fd)) if fd else None


_CHANNEL = _open_channel()

if os.environ.get("STRATUS_STEM_CELL") == "1":
    _become_function(os.environ.get("AWS_LAMBDA_RUNTIME_API", ""), _CHANNEL)

# ---------------------------------------------------------------------------
# Settings read once at start (AWS's runtime also reads them once).

_JSON_LOGS = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"

# AWS maps TRACE to DEBUG because Python's logging has no TRACE level.
_LOG_LEVEL = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
if _LOG_LEVEL == "TRACE":
    _LOG_LEVEL = "DEBUG"


def _keeps_non_ascii():
    # AWS's python3.12+ runtimes write JSON responses with non-ASCII characters
    # as they are; older ones escape them as \uXXXX. AWS_EXECUTION_ENV says which
    # runtime the function was created for.
    env = os.environ.get("AWS_EXECUTION_ENV", "")
    prefix = "AWS_Lambda_python3."
    if env.startswith(prefix):
        try:
            return int(env[len(prefix):]) >= 12
        except ValueError:
            return False
    return False


_ENSURE_ASCII = not _keeps_non_ascii()

# Request id and tenant id of the invocation in progress, stamped on log records.
# Like AWS, they stay set between invocations (background threads keep logging
# under the last id) and are "" during init.
_REQUEST_ID = None
_TENANT_ID = None

_API_PREFIX = "/2018-06-01/runtime"


class _Fault(Exception):
    """An error the runtime reports under its own Runtime.* type."""

    def __init__(self, error_type, message, trace=None):
        Exception.__init__(self, message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


# ---------------------------------------------------------------------------
# Log output

def _write_record(text):
    """Write one log record as exactly one stdout line.

    AWS keeps a multi-line record (a traceback, a logged exception) together by
    framing it on a telemetry pipe; the platform here reads plain lines, so the
    record's inner newlines become carriage returns, as AWS does in its text
    stream, and one newline ends it.
    """
    if text.endswith("\n"):
        text = text[:-1]
    out = sys.stdout
    if out is not None:
        out.write(text.replace("\n", "\r") + "\n")


def _log_error_record(error):
    """Log a failed init or invocation the way AWS's runtime does."""
    if _JSON_LOGS:
        record = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "log_level": "ERROR",
        }
        record.update(error)
        _write_record(_to_json(record))
        return
    head = "[ERROR]"
    error_type = error.get("errorType")
    message = error.get("errorMessage")
    if error_type:
        head += " " + error_type
    if message:
        if error_type:
            head += ":"
        head += " " + message
    lines = [head]
    trace = error.get("stackTrace")
    if trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in trace:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                # AWS indents traceback lines with no-break spaces so that log
                # viewers do not collapse the indentation.
                body = line.lstrip(" ")
                lines.append("\u00a0" * (len(line) - len(body)) + body)
    _write_record("\r".join(lines))


def _log_error_record_safely(error):
    # The function may have closed or replaced sys.stdout; the error must
    # still be reported to the platform.
    try:
        _log_error_record(error)
    except Exception:
        pass


def _flush_stdio():
    # Output written during the invocation must reach the platform before it
    # learns that the invocation ended, or the lines land in the next one.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


# ---------------------------------------------------------------------------
# JSON (events, responses, error bodies)

_decimal_marker = None  # compiled lazily: (prefix, regex) for Decimal placeholders


def _json_module():
    """The json module, imported the first time something needs more than the C codec."""
    import json
    return json


def _default(o, raw):
    """What json's default() does, with the extras AWS's runtime (simplejson) has.

    - decimal.Decimal is written as its exact digits, not rounded through a
      float (DynamoDB items are full of Decimals); NaN becomes NaN.
    - bytes inside the result are written as UTF-8 text.
    The C encoder cannot emit raw text, so a Decimal becomes a unique
    placeholder string (its digits kept in `raw`) swapped for them after encoding.
    """
    decimal = sys.modules.get("decimal")  # no Decimal can exist unless it was imported
    if decimal is not None and isinstance(o, decimal.Decimal):
        if o.is_nan():
            return float("nan")
        global _decimal_marker
        if _decimal_marker is None:
            import re
            prefix = "@@stratus-decimal-%s-" % os.urandom(8).hex()
            _decimal_marker = (prefix, re.compile('"' + prefix + '([0-9]+)@@"'))
        raw.append(str(o))
        return "%s%d@@" % (_decimal_marker[0], len(raw) - 1)
    if isinstance(o, bytes):
        return o.decode("utf-8")
    raise TypeError("Object of type %s is not JSON serializable" % o.__class__.__name__)


def _to_json(value):
    """json.dumps(value) as AWS's runtime writes it (see _default), with json's C encoder."""
    raw = []
    if _json is None:
        json = _json_module()
        text = json.dumps(value, ensure_ascii=_ENSURE_ASCII, allow_nan=True, default=lambda o: _default(o, raw))
    else:
        encode_str = _json.encode_basestring_ascii if _ENSURE_ASCII else _json.encode_basestring
        if isinstance(value, str):
            return encode_str(value)
        # As json.JSONEncoder.iterencode builds it: circular-reference markers, the default
        # separators, no indent, keys unsorted, non-string keys refused, NaN allowed.
        encoder = _json.make_encoder({}, lambda o: _default(o, raw), encode_str, None, ": ", ", ", False, False, True)
        text = "".join(encoder(value, 0))
    if raw:
        text = _decimal_marker[1].sub(lambda m: raw[int(m.group(1))], text)
    return text


class _ScanContext(object):
    """What json's C scanner reads from a decoder: json.loads's defaults."""
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__
    memo = {}


_scan = _json.make_scanner(_ScanContext()) if _json is not None else None
_SPACE = " \t\n\r"


def _loads(text):
    """json.loads(text): the C scanner for a document it reads whole; anything else (an error,
    a byte order mark) goes to json.loads, for its exact result or message."""
    if _scan is not None:
        try:
            s = text.decode("utf-8") if isinstance(text, (bytes, bytearray)) else text
            start = len(s) - len(s.lstrip(_SPACE))
            value, end = _scan(s, start)
            if not s[end:].strip(_SPACE):
                return value
        except Exception:
            pass
    return _json_module().loads(text)


def _decode_event(body, content_type):
    # AWS decodes only when the Runtime API says the event is exactly
    # application/json; anything else reaches the handler as bytes.
    if content_type != "application/json":
        return body
    try:
        return _loads(body)
    except Exception as e:
        raise _Fault("Runtime.UnmarshalError", "Unable to unmarshal input: {}".format(e))


def _encode_result(result):
    if isinstance(result, bytes):
        return result, "application/unknown"
    try:
        return _to_json(result).encode("utf-8"), "application/json"
    except Exception as e:
        raise _Fault("Runtime.MarshalError", "Unable to marshal response: {}".format(e))


# ---------------------------------------------------------------------------
# Runtime API client: HTTP/1.1 over one persistent connection.

class _RuntimeApi:
    def __init__(self, address):
        host, sep, port = address.rpartition(":")
        if not sep:
            raise _RuntimeApiError("AWS_LAMBDA_RUNTIME_API must be host:port, got %r" % address)
        self._address = (host.strip("[]"), int(port))
        self._host_header = address
        self._sock = None
        self._buf = bytearray()

    def _connect(self):
        host, port = self._address
        error = None
        # The host as bytes: a str would load the idna codec (~1.5 ms of startup).
        for family, kind, proto, _, sockaddr in _socket.getaddrinfo(host.encode("ascii"), port, 0,
                                                                    _socket.SOCK_STREAM):
            sock = _socket.socket(family, kind, proto)
            try:
                # /next is a long poll that may wait for hours: never time out,
                # even if user code changed socket's default timeout.
                sock.settimeout(None)
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
                sock.connect(sockaddr)
            except OSError as e:
                sock.close()
                error = e
                continue
            self._sock = sock
            self._buf = bytearray()
            return
        raise error or OSError("cannot resolve %s" % host)

    def _close(self):
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None
        self._buf = bytearray()

    def _fill(self):
        chunk = self._sock.recv(262144)
        if not chunk:
            raise _ConnectionLost()
        self._buf += chunk

    def _read_exact(self, n):
        buf = self._buf
        if len(buf) >= n:
            data = bytes(buf[:n])
            del buf[:n]
            return data
        out = bytearray(n)
        view = memoryview(out)
        have = len(buf)
        view[:have] = buf
        buf.clear()
        while have < n:
            got = self._sock.recv_into(view[have:])
            if not got:
                raise _ConnectionLost()
            have += got
        view.release()
        return bytes(out)

    def _read_line(self):
        while True:
            i = self._buf.find(b"\n")
            if i >= 0:
                line = bytes(self._buf[:i + 1])
                del self._buf[:i + 1]
                return line
            if len(self._buf) > 65536:
                raise _RuntimeApiError("Runtime API sent an over-long line")
            self._fill()

    def _read_response(self):
        while True:
            buf = self._buf
            while True:
                end = buf.find(b"\r\n\r\n")
                if end >= 0:
                    break
                if len(buf) > 65536:
                    raise _RuntimeApiError("Runtime API sent an over-long response head")
                self._fill()
            head = bytes(buf[:end]).split(b"\r\n")
            del buf[:end + 4]
            status_line = head[0].split(None, 2)
            version, status = status_line[0], int(status_line[1])
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(b":")
                value = value.strip()
                # AWS's native client reads header bytes as UTF-8 (a client
                # context may hold non-ASCII app titles); HTTP's own default
                # is Latin-1, so fall back to that.
                try:
                    value = value.decode("utf-8")
                except UnicodeDecodeError:
                    value = value.decode("latin-1")
                headers[name.strip().lower().decode("latin-1")] = value
            if 100 <= status < 200:
                continue  # interim response; the real one follows
            break
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            while True:
                size = int(self._read_line().split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self._read_line().strip():
                        pass  # trailers
                    break
                parts.append(self._read_exact(size))
                self._read_exact(2)
            body = b"".join(parts)
        elif "content-length" in headers:
            body = self._read_exact(int(headers["content-length"]))
        elif status in (204, 304):
            body = b""
        else:
            parts = [bytes(self._buf)]
            self._buf.clear()
            while True:
                chunk = self._sock.recv(262144)
                if not chunk:
                    break
                parts.append(chunk)
            body = b"".join(parts)
            headers["connection"] = "close"
        connection = headers.get("connection", "").lower()
        if "close" in connection or (version == b"HTTP/1.0" and "keep-alive" not in connection):
            self._close()
        return status, headers, body

    def request(self, method, path, body=b"", headers=()):
        head = ["%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, path, self._host_header)]
        for name, value in headers:
            # Header values come partly from user code (error class names):
            # keep them on one line.
            head.append("%s: %s\r\n" % (name, value.replace("\r", " ").replace("\n", " ")))
        if method != "GET":
            head.append("Content-Length: %d\r\n" % len(body))
        head.append("\r\n")
        head = "".join(head).encode("utf-8")
        for attempt in (1, 2):
            reused = self._sock is not None
            if not reused:
                self._connect()
            started = False
            try:
                if len(body) < 65536:
                    self._sock.sendall(head + body)
                else:
                    self._sock.sendall(head)
                    self._sock.sendall(body)
                if not self._buf:
                    self._fill()
                started = True
                return self._read_response()
            except (_ConnectionLost, ConnectionError) as e:
                self._close()
                # A kept-alive connection the server closed while we were idle
                # fails before any byte of the answer arrives; the request was
                # not processed, so sending it once more on a new connection is
                # safe. Anything else is fatal, as on AWS.
                if attempt == 1 and reused and not started:
                    continue
                raise _RuntimeApiError("Runtime API connection lost during %s %s: %r" % (method, path, e))

    def _post(self, path, body, headers):
        status, _, answer = self.request("POST", path, body, headers)
        if not 200 <= status < 300:
            # AWS's runtime stops here too (the platform reports the exit).
            raise _RuntimeApiError("Runtime API answered POST %s with HTTP %d: %s"
                                   % (path, status, answer.decode("utf-8", "replace")))

    def next(self):
        status, headers, body = self.request("GET", _API_PREFIX + "/invocation/next")
        if status != 200:
            raise _RuntimeApiError("GET /next failed with status %d: %s" % (status, body.decode("utf-8", "replace")))
        return headers, body

    def post_response(self, request_id, body, content_type):
        self._post(_API_PREFIX + "/invocation/" + request_id + "/response", body,
                   (("Content-Type", content_type),))

    def post_error(self, request_id, error, xray_cause):
        headers = [("Content-Type", "application/json"),
                   ("Lambda-Runtime-Function-Error-Type", error["errorType"])]
        # X-Ray cause, as AWS's runtime sends it. AWS drops it at 1 MiB; a
        # Node.js server refuses heads over 16 KiB by default, so a deep stack
        # (RecursionError) must not make the error report itself fail.
        if len(xray_cause) <= 8192:
            headers.append(("Lambda-Runtime-Function-XRay-Error-Cause", xray_cause))
        self._post(_API_PREFIX + "/invocation/" + request_id + "/error", _to_json(error).encode("utf-8"), headers)

    def post_init_error(self, error):
        self._post(_API_PREFIX + "/init/error", _to_json(error).encode("utf-8"),
                   (("Content-Type", "application/json"),
                    ("Lambda-Runtime-Function-Error-Type", error["errorType"])))


# ---------------------------------------------------------------------------
# Context object (same attributes as AWS's LambdaContext)

class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id, self.cognito_identity_pool_id)


class Client(object):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]

    def __repr__(self):
        return "Client([%s])" % ",".join("%s=%s" % (k, getattr(self, k)) for k in self.__slots__)


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "ClientContext([custom=%s,env=%s,client=%s])" % (self.custom, self.env, self.client)


def _object_from(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


def _parse_header_json(value, what):
    try:
        return _loads(value)
    except Exception as e:
        raise _Fault("Runtime.LambdaContextUnmarshalError", "Unable to parse {} JSON: {}".format(what, e))


class LambdaContext(object):
    def __init__(self, request_id, client_context, cognito_identity, deadline_ms,
                 invoked_function_arn=None, tenant_id=None):
        self.aws_request_id = request_id
        # Read per invocation from the environment, as AWS does.
        environ = os.environ
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _object_from(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _object_from(Client, self.client_context.client)
        # identity always exists on AWS; its fields are None without Cognito.
        self.identity = _object_from(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._deadline_ms - time.time_ns() // 1000000
        return remaining if remaining > 0 else 0

    def log(self, msg):
        # AWS writes msg unformatted; here it is one record = one line.
        _write_record(str(msg))

    def __repr__(self):
        return ("LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
                "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,"
                "identity=%s,tenant_id=%s])" % (
                    self.aws_request_id, self.log_group_name, self.log_stream_name, self.function_name,
                    self.memory_limit_in_mb, self.function_version, self.invoked_function_arn,
                    self.client_context, self.identity, self.tenant_id))


# ---------------------------------------------------------------------------
# logging: configured the moment the function first imports it

_logging_ready = False

# LogRecord attributes that are not user "extra" fields (JSON log format).
_RECORD_FIELDS = frozenset((
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
    "threadName", "processName", "process", "aws_request_id", "tenant_id",
))


def _configure_logging(logging):
    """Give the root logger AWS's Lambda handler (format, level, request id)."""
    global _logging_ready
    _logging_ready = True
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_stratus", False):
            return
    # AWS stamps records in UTC whatever TZ says, for every formatter.
    logging.Formatter.converter = time.gmtime

    class LambdaLoggerHandler(logging.Handler):
        _stratus = True

        def emit(self, record):
            try:
                _write_record(self.format(record))
            except RecursionError:
                raise
            except Exception:
                self.handleError(record)  # what logging's own handlers do

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _REQUEST_ID or ""
            record.tenant_id = _TENANT_ID
            return True

    handler = LambdaLoggerHandler()
    if _JSON_LOGS:
        encoder = _json_module().JSONEncoder(ensure_ascii=False)

        class JsonFormatter(logging.Formatter):
            def format(self, record):
                exc = record.exc_info
                if exc and exc[0] is None:
                    exc = None
                level = min(50, max(0, record.levelno)) // 10 * 10
                result = {
                    "timestamp": self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ"),
                    "level": logging.getLevelName(level),
                    "message": record.getMessage(),
                    "logger": record.name,
                    "stackTrace": None,
                    "errorType": None,
                    "errorMessage": None,
                    "requestId": getattr(record, "aws_request_id", None),
                    "location": None,
                }
                if exc:
                    import traceback
                    result["stackTrace"] = traceback.format_tb(exc[2])
                    result["errorType"] = exc[0].__name__
                    result["errorMessage"] = str(exc[1])
                    result["location"] = "%s:%s:%s" % (record.pathname, record.funcName, record.lineno)
                tenant = getattr(record, "tenant_id", None)
                if tenant is not None:
                    result["tenantId"] = tenant
                for key, value in record.__dict__.items():
                    if key not in _RECORD_FIELDS and key not in result:
                        result[key] = value
                return encoder.encode({k: v for k, v in result.items() if v is not None})

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S"))
    if _LOG_LEVEL in getattr(logging, "_nameToLevel", {}):
        root.setLevel(_LOG_LEVEL)
    handler.addFilter(LambdaLoggerFilter())
    root.addHandler(handler)


class _StdlibFirstFinder(object):
    """sys.meta_path entry for a few standard modules we import late.

    AWS's runtime has logging, traceback, decimal and friends loaded before
    the function's directory is on sys.path, so for a function they are always
    the standard library's, even if the package holds a logging.py. Importing
    them up front costs ~15 ms that functions which never log or fail should
    not pay; instead this finder resolves them, on first import, in the
    interpreter's own directories only. It also configures logging right after
    its module body runs, so records logged while the function's module is
    still importing already come out in Lambda's format.
    """

    names = frozenset(("logging", "traceback", "decimal", "warnings", "threading", "site"))

    def __init__(self, stdlib_path):
        self.stdlib_path = stdlib_path

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.names or path is not None:
            return None
        import importlib.machinery
        spec = importlib.machinery.PathFinder.find_spec(fullname, self.stdlib_path)
        if spec is None or fullname != "logging":
            return spec
        exec_module = getattr(spec.loader, "exec_module", None)
        if exec_module is None:
            return spec  # unexpected legacy loader: _ensure_logging() catches up

        def exec_and_configure(module):
            exec_module(module)
            try:
                _configure_logging(module)
            except Exception as e:  # never break the function's import over log format
                sys.stderr.write("stratus python runtime: cannot set up logging: %r\n" % (e,))

        spec.loader.exec_module = exec_and_configure
        return spec


def _ensure_logging():
    if not _logging_ready and "logging" in sys.modules:
        try:
            _configure_logging(sys.modules["logging"])
        except Exception:
            pass


# ---------------------------------------------------------------------------
# Startup

def _prepare_stdio():
    # stdout to a pipe is block-buffered by default; the platform must see each
    # line as it is printed, so flush at every newline (one write per line, not
    # per print() argument as unbuffered output would do).
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except Exception:
            pass
    # -S skips site, which is what defines exit() and quit(); handlers that
    # call them must behave as on AWS.
    import builtins
    if not hasattr(builtins, "exit"):
        try:
            import _sitebuiltins
            builtins.exit = _sitebuiltins.Quitter("exit", "Ctrl-D (i.e. EOF)")
            builtins.quit = _sitebuiltins.Quitter("quit", "Ctrl-D (i.e. EOF)")
            builtins.help = _sitebuiltins._Helper()
        except Exception:
            pass


def _add_site_dir(path):
    # AWS treats these directories as site directories so that .pth files in
    # a deployment package or layer take effect; importing site is only worth
    # it when there is a .pth file to read.
    try:
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        if name.endswith(".pth"):
            import site
            site.addsitedir(path)
            return


def _set_sys_path(task_root):
    # Running a script puts the script's directory first on sys.path; that is
    # the runtime's directory (or the directory of a precompiled copy of this
    # file), not the function's.
    own_dirs = {os.path.dirname(os.path.realpath(p)) for p in (_THIS_FILE, globals().get("__file__") or _THIS_FILE)}
    if sys.path and os.path.realpath(sys.path[0] or os.curdir) in own_dirs:
        del sys.path[0]
    # AWS: code first, then the layer directories; a PYTHONPATH the user set
    # replaces the layer directories. The platform's own default PYTHONPATH
    # (= LAMBDA_RUNTIME_DIR, as on AWS) is not the user's.
    pythonpath = os.environ.get("PYTHONPATH")
    runtime_env_dir = os.environ.get("LAMBDA_RUNTIME_DIR")
    user_pythonpath = pythonpath is not None and pythonpath != runtime_env_dir
    layer_dirs = []
    if not user_pythonpath:
        layer_dirs = ["/opt/python/lib/python%d.%d/site-packages" % sys.version_info[:2], "/opt/python"]
    sys.path[0:0] = [task_root] + layer_dirs
    for path in [task_root] + layer_dirs:
        _add_site_dir(path)
    if pythonpath is None and runtime_env_dir:
        # What functions see on AWS, e.g. for the Python subprocesses they start.
        os.environ["PYTHONPATH"] = runtime_env_dir


def _load_handler(handler_name):
    try:
        module_name, function_name = handler_name.rsplit(".", 1)
    except ValueError as e:
        raise _Fault("Runtime.MalformedHandlerName", "Bad handler '{}': {}".format(handler_name, e))
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise _Fault("Runtime.BuiltInModuleConflict",
                         "Cannot use built-in module {} as a handler module".format(module_name))
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise _Fault("Runtime.ImportModuleError", "Unable to import module '{}': {}".format(module_name, e))
    except SyntaxError as e:
        raise _Fault("Runtime.UserCodeSyntaxError", "Syntax error in module '{}': {}".format(module_name, e),
                     ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)])
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise _Fault("Runtime.HandlerNotFound",
                     "Handler '{}' missing on module '{}'".format(function_name, module_name))


# ---------------------------------------------------------------------------
# Errors

def _error_body(message, error_type, trace, request_id):
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id or "",
        "stackTrace": trace or [],
    }


def _exception_text(value):
    try:
        return str(value)
    except Exception:
        return "<unprintable %s object>" % type(value).__name__


def _user_frames(tb):
    """The traceback as (file, line, function, source) without the runtime's own
    leading frames, so the stack starts in the function's code (as on AWS)."""
    import traceback
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if frame[0] != _THIS_FILE:
            return frames[i:]
    return frames


def _describe_exception(request_id):
    import traceback
    error_type, value, tb = sys.exc_info()
    try:
        frames = _user_frames(tb)
    finally:
        tb = None
    message = _exception_text(value)
    # Frames formatted from plain tuples, as AWS does: no 3.11+ caret lines.
    error = _error_body(message, error_type.__name__, traceback.format_list(frames), request_id)
    return error, _xray_cause(error_type.__name__, message, frames)


def _xray_cause(error_type, message, frames):
    return _json_module().dumps({
        "working_directory": os.getcwd(),
        "exceptions": [{
            "message": message,
            "type": error_type,
            "stack": [{"label": f[2], "path": f[0], "line": f[1]} for f in frames],
        }],
        "paths": list({f[0]: None for f in frames}),
    })


# ---------------------------------------------------------------------------
# Invocations

def _invoke(api, handler, headers, body):
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    error = None
    try:
        try:
            deadline_ms = int(headers.get("lambda-runtime-deadline-ms") or 0)
        except ValueError:
            deadline_ms = 0
        client_context = headers.get("lambda-runtime-client-context") or None
        cognito_identity = headers.get("lambda-runtime-cognito-identity") or None
        context = LambdaContext(
            request_id,
            _parse_header_json(client_context, "Client Context") if client_context else None,
            _parse_header_json(cognito_identity, "Cognito Identity") if cognito_identity else None,
            deadline_ms,
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id") or None,
        )
        event = _decode_event(body, headers.get("content-type") or None)
        result = handler(event, context)
        payload, content_type = _encode_result(result)
    except _Fault as fault:
        error = _error_body(fault.message, fault.error_type, fault.trace, request_id)
        xray = _xray_cause("LambdaValidationError", fault.message, [])
    except Exception:
        error, xray = _describe_exception(request_id)
    if error is not None:
        _log_error_record_safely(error)
        _flush_stdio()
        api.post_error(request_id, error, xray)
    else:
        _flush_stdio()
        api.post_response(request_id, payload, content_type)


def main():
    global _REQUEST_ID, _TENANT_ID
    _prepare_stdio()
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("stratus python runtime: AWS_LAMBDA_RUNTIME_API is not set\n")
        sys.exit(1)
    api = _CHANNEL or _RuntimeApi(address)
    handler_name = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("_HANDLER", "")
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    prefixes = tuple({sys.base_prefix + os.sep, sys.base_exec_prefix + os.sep})
    stdlib_path = [p for p in sys.path if p.startswith(prefixes)]
    sys.meta_path.insert(0, _StdlibFirstFinder(stdlib_path))
    _set_sys_path(task_root)
    _ensure_logging()

    error = None
    try:
        handler = _load_handler(handler_name)
    except _Fault as fault:
        error = _error_body(fault.message, fault.error_type, fault.trace, "")
    except Exception:
        error = _describe_exception("")[0]
    _ensure_logging()
    if error is not None:
        _log_error_record_safely(error)
        _flush_stdio()
        api.post_init_error(error)
        sys.exit(1)

    while True:
        headers, body = api.next()
        _REQUEST_ID = headers.get("lambda-runtime-aws-request-id")
        _TENANT_ID = headers.get("lambda-runtime-aws-tenant-id") or None
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        _ensure_logging()
        _invoke(api, handler, headers, body)


_THIS_FILE = main.__code__.co_filename

if __name__ == "__main__":
    try:
        main()
    except _RuntimeApiError as e:
        # The platform refused or dropped us: nothing left to report to. One
        # stderr line (not a traceback of runtime internals) and a non-zero
        # exit, which the platform turns into Runtime.ExitError.
        _flush_stdio()
        sys.stderr.write("stratus python runtime: %s\n" % e)
        sys.exit(1)

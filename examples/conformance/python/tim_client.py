#!/usr/bin/env python3
"""A small Tencent Cloud IM conversation-list client, Python standard library only.

It is the example client of `tim conformance client` (see docs/conformance.md): it walks
`v4/recentcontact/get_list` for one account to the end and prints every conversation as one JSON
line, exactly as the service sent it. It signs the admin's UserSig itself (TLSSigAPIv2, see
docs/usersig.md), reuses it, and signs a new one when the service says it expired; it retries
transient failures with a growing, jittered pause, re-sending the same cursor with a fresh
`random`; it gives up on permanent errors and on a stalled cursor.

Configuration (the variables `tim conformance client` sets):

    TIM_BASE_URL    e.g. https://adminapisgp.im.qcloud.com, or the emulator's http://127.0.0.1:PORT
    TIM_SDKAPPID    the app's SDKAppID
    TIM_ADMIN       the App admin to call as (default: administrator)
    TIM_KEY         the app's secret key (never printed)
    TIM_ACCOUNT     whose list to print (or give it as the first argument)
    TIM_TIMEOUT_MS  the longest one attempt may take (default 30000)

Exit status: 0 the whole list was printed; 2 bad configuration; 3 the service refused the call
(an error code); 4 no usable answer (network, HTTP status, timeouts); 5 the pages cannot be
walked (stalled cursor, missing cursor field, odd CompleteFlag).
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

# The error classes of docs/protocol/get_list.md.
TRANSIENT_CODES = {50004, 50005, 60008, 60013, 60014, 70169, 70202, 70500}
RATE_LIMITED_CODES = {60007, 60011, 60018, 60019}
RESIGN_CODES = {70001, 70052}
RETRY_STATUSES = {502, 503, 504}

MAX_ATTEMPTS = 5  # per call, the first one included
INITIAL_BACKOFF = 0.1  # seconds; doubles per retry
RATE_LIMITED_BACKOFF = 1.0
MAX_BACKOFF = 10.0
CALL_DEADLINE = 60.0
USERSIG_LIFETIME = 86400  # seconds
USERSIG_MARGIN = 3600  # sign again this long before expiry
PAGE_LIMIT = 100000
CURSOR_FIELDS = ("TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex")


def sign_usersig(sdkappid, key, identifier, expire=USERSIG_LIFETIME, now=None):
    """A TLSSigAPIv2 UserSig: HMAC-SHA256 over the five-line content, in a zlib-compressed JSON
    document, in base64 with Tencent's URL-safe alphabet (+ -> *, / -> -, = -> _)."""
    now = int(time.time()) if now is None else int(now)
    content = (
        f"TLS.identifier:{identifier}\n"
        f"TLS.sdkappid:{sdkappid}\n"
        f"TLS.time:{now}\n"
        f"TLS.expire:{expire}\n"
    )
    mac = hmac.new(key.encode("utf-8"), content.encode("utf-8"), hashlib.sha256).digest()
    document = {
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": now,
        "TLS.sig": base64.b64encode(mac).decode("ascii"),
    }
    compressed = zlib.compress(json.dumps(document, separators=(",", ":")).encode("utf-8"))
    return base64.b64encode(compressed).decode("ascii").translate(str.maketrans("+/=", "*-_"))


class Failure(Exception):
    """A call or walk that cannot succeed, with the exit status it means."""

    def __init__(self, message, exit_status):
        super().__init__(message)
        self.exit_status = exit_status


class Client:
    """Signed, retried REST calls as one App admin. Never prints the key or a UserSig."""

    def __init__(self, base_url, sdkappid, admin, key, timeout):
        self.base_url = base_url.rstrip("/")
        self.sdkappid = sdkappid
        self.admin = admin
        self._key = key
        self.timeout = timeout
        self._usersig = None
        self._signed_at = 0
        # No proxies from the environment: the emulator is on loopback, the service is direct.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _current_usersig(self):
        now = int(time.time())
        stale = now < self._signed_at or now >= self._signed_at + USERSIG_LIFETIME - USERSIG_MARGIN
        if self._usersig is None or stale:
            self._usersig = sign_usersig(self.sdkappid, self._key, self.admin, now=now)
            self._signed_at = now
        return self._usersig

    def _send(self, path, body):
        """One attempt: (HTTP status, body bytes), or raises OSError / HTTPException."""
        query = urllib.parse.urlencode(
            {
                "sdkappid": self.sdkappid,
                "identifier": self.admin,
                "usersig": self._current_usersig(),
                "random": random.SystemRandom().getrandbits(32),
                "contenttype": "json",
            }
        )
        request = urllib.request.Request(
            f"{self.base_url}/v4/{path}?{query}",
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read()

    def call(self, path, body):
        """The answer of one call (a dict with ErrorCode 0), after retries and a re-sign."""
        deadline = time.monotonic() + CALL_DEADLINE
        attempts = 0
        resigned = False
        while True:
            attempts += 1
            retry = None  # (why, rate_limited) when the failure may pass
            try:
                status, data = self._send(path, body)
            except (OSError, http.client.HTTPException) as error:
                # Timeouts, refused or cut connections. get_list reads only: safe to re-send.
                status, data = None, None
                retry = (f"no answer: {type(error).__name__}", False)
            if status == 200:
                try:
                    answer = json.loads(data)
                except ValueError:
                    raise Failure("the answer is not JSON", 4) from None
                if not isinstance(answer, dict):
                    raise Failure("the answer is not a JSON object", 4)
                code = answer.get("ErrorCode", 0)
                info = answer.get("ErrorInfo", "")
                if code == 0:
                    return answer
                if code in RESIGN_CODES and not resigned:
                    # The UserSig expired or was invalidated: sign a new one, retry at once.
                    self._usersig = None
                    resigned = True
                    attempts -= 1
                    continue
                if code in TRANSIENT_CODES:
                    retry = (f"ErrorCode {code}", False)
                elif code in RATE_LIMITED_CODES:
                    retry = (f"ErrorCode {code}", True)
                else:
                    raise Failure(f"service error {code}: {info}", 3)
            elif status is not None:
                if status in RETRY_STATUSES:
                    retry = (f"HTTP {status}", False)
                elif status == 429:
                    retry = ("HTTP 429", True)
                else:
                    raise Failure(f"HTTP {status}", 4)
            why, rate_limited = retry
            if attempts >= MAX_ATTEMPTS:
                raise Failure(f"{why}, {attempts} attempts", 3 if why.startswith("ErrorCode") else 4)
            base = RATE_LIMITED_BACKOFF if rate_limited else INITIAL_BACKOFF
            pause = min(base * 2 ** (attempts - 1), MAX_BACKOFF)
            pause = pause / 2 + random.uniform(0, pause / 2)  # "equal jitter"
            if time.monotonic() + pause >= deadline:
                raise Failure(f"{why}; no time left to retry", 4)
            time.sleep(pause)


def walk(client, account, out, flags=7):
    """Prints every conversation of `account`, page by page, until CompleteFlag is 1."""
    cursor = {name: 0 for name in CURSOR_FIELDS}
    for _ in range(PAGE_LIMIT):
        body = {"From_Account": account, **cursor, "AssistFlags": flags}
        answer = client.call("recentcontact/get_list", body)
        items = answer.get("SessionItem") or []
        if not isinstance(items, list):
            raise Failure("SessionItem is not a list", 5)
        for item in items:
            # Every item as the service sent it: unknown kinds and unknown fields included.
            out.write((json.dumps(item, ensure_ascii=False) + "\n").encode("utf-8"))
        out.flush()
        complete = answer.get("CompleteFlag")
        if complete == 1:
            return
        if complete != 0:
            raise Failure(f"CompleteFlag {complete!r} is neither 0 nor 1", 5)
        try:
            following = {name: int(answer[name]) for name in CURSOR_FIELDS}
        except (KeyError, TypeError, ValueError):
            raise Failure("the page has no usable cursor", 5) from None
        if following == cursor:
            # The same cursor again would repeat this page forever.
            raise Failure("stalled cursor: the page answered the cursor it was asked for", 5)
        cursor = following
    raise Failure(f"more than {PAGE_LIMIT} pages", 5)


def main(argv):
    env = os.environ
    try:
        account = argv[1] if len(argv) > 1 else env["TIM_ACCOUNT"]
        client = Client(
            base_url=env["TIM_BASE_URL"],
            sdkappid=int(env["TIM_SDKAPPID"]),
            admin=env.get("TIM_ADMIN", "administrator"),
            key=env["TIM_KEY"],
            timeout=int(env.get("TIM_TIMEOUT_MS", "30000")) / 1000,
        )
    except KeyError as missing:
        print(f"tim_client: set {missing.args[0]}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"tim_client: bad configuration: {error}", file=sys.stderr)
        return 2
    try:
        walk(client, account, sys.stdout.buffer)
    except Failure as failure:
        print(f"tim_client: {failure}", file=sys.stderr)
        return failure.exit_status
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

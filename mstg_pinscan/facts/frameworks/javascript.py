"""Plain (usually minified) JavaScript: the literal written at a position of a bundle, and
where a name is used as an object key."""

from __future__ import annotations

_MAX_FOUND = 200  # members of one object or array, occurrences of one key looked at
_MAX_LITERAL = 64 * 1024  # characters one object literal may span
_MAX_DEPTH = 16
_BACK = 8 * 1024  # how far back the enclosing object of a key is looked for
_IDENT = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_SPACE = frozenset(b" \t\r\n\v\f")


class _Unknown:
    """A JavaScript value the literal reader does not evaluate (a call, a variable...)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()
JsValue = str | float | bool | None | list["JsValue"] | dict[str, "JsValue"] | _Unknown


class Literal:
    """Reads a JavaScript literal (object, array, string, number, true/false/!0/!1) at a
    position of a minified bundle; anything else becomes ``UNKNOWN`` and is skipped to the
    next ``,`` ``}`` or ``]`` at its depth. Bounded by ``_MAX_LITERAL`` and ``_MAX_DEPTH``."""

    def __init__(self, data: bytes, at: int) -> None:
        self.data = data
        self.at = at
        self.end = min(len(data), at + _MAX_LITERAL)

    def value(self, depth: int = 0) -> JsValue:
        self._space()
        if self.at >= self.end or depth > _MAX_DEPTH:
            return UNKNOWN
        char = self.data[self.at]
        if char == ord("{"):
            return self._object(depth)
        if char == ord("["):
            return self._array(depth)
        if char in b"'\"`":
            text = self.string()
            return text if text is not None else UNKNOWN
        for word, meaning in ((b"!0", True), (b"!1", False), (b"true", True),
                              (b"false", False), (b"null", None), (b"void 0", None)):
            if self.data.startswith(word, self.at) and not self._ident_at(self.at + len(word)):
                self.at += len(word)
                return meaning
        return self._skip()

    def string(self) -> str | None:
        """The quoted string at the position, which is stepped over; None for a template
        literal with ``${...}`` (not a constant) or a string that does not end."""
        quote = self.data[self.at]
        out = bytearray()
        at = self.at + 1
        constant = True
        while at < self.end:
            char = self.data[at]
            if char == quote:
                self.at = at + 1
                return _unescape(bytes(out)) if constant else None
            if char == ord("\\") and at + 1 < self.end:
                out += self.data[at:at + 2]
                at += 2
                continue
            if quote == ord("`") and self.data.startswith(b"${", at):
                # NOTE: a substitution is skipped by counting braces, so a "}" inside a
                # string within it ends it early; the literal is then read as unknown.
                constant = False
                at = self._substitution(at + 2)
                continue
            out.append(char)
            at += 1
        self.at = self.end
        return None

    def _substitution(self, at: int) -> int:
        depth = 1
        while at < self.end and depth:
            depth += {ord("{"): 1, ord("}"): -1}.get(self.data[at], 0)
            at += 1
        return at

    def _object(self, depth: int) -> JsValue:
        self.at += 1
        found: dict[str, JsValue] = {}
        while self.at < self.end:
            self._space()
            if self._take(b"}"):
                return found
            if self.data.startswith(b"...", self.at):
                self.at += 3
                self._skip()
            else:
                key = self._key()
                self._space()
                # Anything but "key: value" (shorthand {a}, methods, get/set/async) is
                # stepped over, its body unread.
                value = self.value(depth + 1) if self._take(b":") else self._skip()
                if key is not None and len(found) < _MAX_FOUND:
                    found[key] = value
            self._space()
            if not self._take(b",") and not self.data.startswith(b"}", self.at):
                return UNKNOWN
        return UNKNOWN

    def _array(self, depth: int) -> JsValue:
        self.at += 1
        items: list[JsValue] = []
        while self.at < self.end:
            self._space()
            if self._take(b"]"):
                return items
            item = self.value(depth + 1)
            if len(items) < _MAX_FOUND:
                items.append(item)
            self._space()
            if not self._take(b",") and not self.data.startswith(b"]", self.at):
                return UNKNOWN
        return UNKNOWN

    def _key(self) -> str | None:
        if self.at < self.end and self.data[self.at] in b"'\"":
            return self.string()
        start = self.at
        while self.at < self.end and self.data[self.at] in _IDENT:
            self.at += 1
        if self.at == start:
            self._skip(stop=b",}:")  # [computed] keys and the like
            return None
        return self.data[start:self.at].decode("ascii")

    def _skip(self, stop: bytes = b",}]") -> _Unknown:
        """Skip an expression: to the first ``stop`` character outside brackets/strings."""
        depth = 0
        while self.at < self.end:
            char = self.data[self.at]
            if char in b"'\"`":
                self.string()
                continue
            if char in b"([{":
                depth += 1
            elif char in b")]}":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and char in stop:
                break
            self.at += 1
        return UNKNOWN

    def _space(self) -> None:
        while self.at < self.end:
            if self.data[self.at] in _SPACE:
                self.at += 1
            elif self.data.startswith(b"/*", self.at):
                close = self.data.find(b"*/", self.at + 2, self.end)
                self.at = self.end if close < 0 else close + 2
            elif self.data.startswith(b"//", self.at):
                close = self.data.find(b"\n", self.at, self.end)
                self.at = self.end if close < 0 else close + 1
            else:
                return

    def _take(self, token: bytes) -> bool:
        if self.data.startswith(token, self.at):
            self.at += len(token)
            return True
        return False

    def _ident_at(self, at: int) -> bool:
        return at < len(self.data) and self.data[at] in _IDENT


def _unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    if "\\" not in text:
        return text
    try:
        return text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return text


def find_keys(data: bytes, key: bytes, notes: list[str]) -> list[tuple[int, int]]:
    """Positions where ``key`` is used as an object key: (start of the key, after its ``:``),
    at most ``_MAX_FOUND`` of them (said in ``notes``). Plain substring search: linear."""
    found: list[tuple[int, int]] = []
    at = 0
    while (at := data.find(key, at)) >= 0:
        start, after = at, at + len(key)
        at = after
        if (start > 0 and data[start - 1] in _IDENT) or (
                after < len(data) and data[after] in _IDENT):
            continue
        if start > 0 and data[start - 1] in b"'\"":
            if after >= len(data) or data[after] != data[start - 1]:
                continue
            start, after = start - 1, after + 1
        while after < len(data) and data[after] in _SPACE:
            after += 1
        if after < len(data) and data[after] == ord(":"):
            if len(found) == _MAX_FOUND:
                notes.append(f"only the first {_MAX_FOUND} uses of {key.decode()} were read")
                break
            found.append((start, after + 1))
    return found


def enclosing(data: bytes, at: int) -> int | None:
    """The ``{`` that opens the object around position ``at``, looking back ``_BACK`` bytes.

    Quoted strings and ``/* */`` comments met on the way are stepped over whole. NOTE: a
    string holding its own (escaped) quote, or a regular expression literal holding a
    bracket, can still mislead it; the object found is then read forward, which fails
    rather than misreads in most such cases.
    """
    depth = 0
    low = max(0, at - _BACK)
    index = at - 1
    while index >= low:
        char = data[index]
        if char in b"'\"`":
            index = data.rfind(data[index:index + 1], low, index)
            if index < 0:
                return None
        elif char == ord("/") and index > low and data[index - 1] == ord("*"):
            index = data.rfind(b"/*", low, index - 1)
            if index < 0:
                return None
        elif char in b")]}":
            depth += 1
        elif char in b"([{":
            if depth == 0:
                return index if char == ord("{") else None
            depth -= 1
        index -= 1
    return None


def before(data: bytes, at: int) -> int:
    """The index of the last non-space character before ``at`` (-1 if none)."""
    at -= 1
    while at >= 0 and data[at] in _SPACE:
        at -= 1
    return at


def string_before(data: bytes, end: int) -> str | None:
    """The string literal that ends at ``data[end]`` (its closing quote), if any."""
    if end < 0 or data[end] not in b"'\"`":
        return None
    start = data.rfind(data[end:end + 1], max(0, end - 2048), end)
    if start < 0:
        return None
    return _unescape(data[start + 1:end])


def key_before(data: bytes, brace: int) -> str | None:
    """For ``KEY:{`` the KEY (a string or an identifier) that names the object at ``brace``."""
    colon = before(data, brace)
    if colon < 0 or data[colon] != ord(":"):
        return None
    end = before(data, colon)
    quoted = string_before(data, end)
    if quoted is not None:
        return quoted
    start = end
    while start >= 0 and data[start] in _IDENT:
        start -= 1
    return data[start + 1:end + 1].decode("ascii") or None


class Lines:
    """Line numbers of positions, counted forward from the last one asked for."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at, self.line = 0, 1

    def __call__(self, at: int) -> int:
        if at < self.at:
            self.at, self.line = 0, 1
        self.line += self.data.count(b"\n", self.at, at)
        self.at = at
        return self.line


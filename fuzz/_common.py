"""What every fuzz target shares: seed writing and the atheris entry point.

A target is a script ``fuzz/fuzz_<front>.py`` that imports the parser under
``atheris.instrument_imports()``, defines ``seeds()`` (valid inputs made from the sample
apps, so the fuzzer starts from real structure) and ``test_one_input(data)`` (feed one input
to the parser; let only the errors the parser documents for bad input pass), and ends with
``run(test_one_input, seeds)``.

    python fuzz/fuzz_dex.py --write-seeds DIR    write the seed corpus into DIR
    python fuzz/fuzz_dex.py DIR -max_total_time=60 ...   fuzz (libFuzzer arguments)

``fuzz/run.py`` runs every target this way for a bounded time.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_APKS = ROOT / "sample_apps" / "apks"
SAMPLE_IPAS = ROOT / "sample_apps" / "ios"


def entries(suffixes: tuple[str, ...], bundles: Iterable[Path] | None = None) -> Iterator[bytes]:
    """The distinct contents of every sample-app entry whose name ends with a suffix."""
    if bundles is None:
        bundles = sorted(SAMPLE_APKS.glob("*.apk")) + sorted(SAMPLE_IPAS.glob("ipas/*.ipa"))
    seen: set[str] = set()
    for bundle in bundles:
        with zipfile.ZipFile(bundle) as archive:
            for info in archive.infolist():
                if info.is_dir() or not info.filename.endswith(suffixes):
                    continue
                data = archive.read(info)
                digest = hashlib.sha256(data).hexdigest()
                if digest not in seen:
                    seen.add(digest)
                    yield data


def scratch() -> Path:
    """A folder for the files a target must write (a bundle to scan): the one fuzz/run.py
    names in ``PINSCAN_FUZZ_SCRATCH`` and removes afterwards, else a new temporary one."""
    named = os.environ.get("PINSCAN_FUZZ_SCRATCH")
    if named:
        Path(named).mkdir(parents=True, exist_ok=True)
        return Path(named)
    return Path(tempfile.mkdtemp(prefix="pinscan-fuzz-"))


def run(test_one_input: Callable[[bytes], None], seeds: Callable[[], Iterable[bytes]]) -> None:
    """Write seeds (``--write-seeds DIR``) or hand the process to atheris."""
    if len(sys.argv) == 3 and sys.argv[1] == "--write-seeds":
        folder = Path(sys.argv[2])
        folder.mkdir(parents=True, exist_ok=True)
        for data in seeds():
            (folder / hashlib.sha256(data).hexdigest()[:16]).write_bytes(data)
        return
    import atheris

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()

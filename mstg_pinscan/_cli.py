"""The ``pinscan`` command line: scan bundles, write reports, gate CI with the exit code."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TypeVar

from mstg_pinscan import __version__, isolate
from mstg_pinscan.baseline import Baseline, baseline_text, load_baseline
from mstg_pinscan.config import FileConfig, load_config
from mstg_pinscan.diff import compare, load_report, render_text
from mstg_pinscan.errors import PinscanError, ReportError, UsageError
from mstg_pinscan.evaluate.catalog import Catalog, load_catalog
from mstg_pinscan.models import ScanResult, Severity, Status
from mstg_pinscan.release_policy import load_policy
from mstg_pinscan.report import Format, writer_for
from mstg_pinscan.report.html import render_diff
from mstg_pinscan.report.json import result_to_dict
from mstg_pinscan.scan import RULES_USED, ScanOptions, scan_file

_logger = logging.getLogger("mstg_pinscan")
_T = TypeVar("_T")

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_BUNDLE_SUFFIXES = {".apk", ".ipa"}
_FAIL_ON = ("critical", "high", "medium", "low", "never")
# Per-file bounds: generous for the largest real apps (a 16 MB-dex APK scans in under a second
# and 110 MB), tight enough that a crafted file cannot hold a CI runner for long.
_TIMEOUT = 600
_MEMORY_LIMIT = 2048

_DESCRIPTION = """\
Rate every certificate-pinning and trust-store decision of an APK or IPA against
OWASP MSTG-NETWORK-4 (MASVS-NETWORK-2): the app pins its endpoints' keys or uses its own
certificate store, and refuses a different certificate even when a trusted CA signed it.

Without --format, pinscan prints a summary and writes reports/<name>.html and
reports/<name>.json for each file."""

_EPILOG = """\
exit codes:
  0  no failing or warning decision at or above the --fail-on severity, other than
     those a --baseline accepts
  1  at least one such decision
  2  usage error, unreadable or unsupported input, a scan stopped by --timeout,
     --memory-limit or a crash, or a broken rule catalog

examples:
  pinscan app.apk
  pinscan --format sarif -o out.sarif --fail-on high build/app.apk
  pinscan --format json -o - app.apk | jq .verdict
  pinscan --as-of 2026-01-01 --expiry-warn-days 60 app.apk
  pinscan --policy pinning-policy.toml app.apk
  pinscan --write-baseline pinscan-baseline.json app.apk
  pinscan --baseline pinscan-baseline.json app.apk
  pinscan diff last-release.json build/app.apk   (see: pinscan diff --help)"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, also used by the documentation."""
    parser = argparse.ArgumentParser(
        prog="pinscan",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE",
                        help="APK or IPA files to scan, or folders holding them")
    parser.add_argument("--format", action="append", choices=[f.value for f in Format],
                        dest="formats", metavar="{text,json,html,sarif}",
                        help="report format; repeatable, paired in order with -o")
    parser.add_argument("-o", "--output", action="append", dest="outputs", metavar="PATH",
                        help="where the matching --format goes ('-' is standard output); "
                        "default: --output-dir/<name>.<format>")
    parser.add_argument("--output-dir", type=Path, metavar="DIR",
                        help="folder for reports without -o (default: reports)")
    parser.add_argument("--fail-on", choices=_FAIL_ON,
                        help="exit 1 when a decision of this severity or higher fails or "
                        "warns (default: high)")
    parser.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD",
                        help="judge expiry dates as of this day instead of today")
    parser.add_argument("--expiry-warn-days", type=_days, metavar="N",
                        help="warn when pins expire within N days (default: 30)")
    parser.add_argument("--first-party", action="append", default=[], metavar="DOMAIN",
                        help="treat DOMAIN and its subdomains as the app's own; repeatable "
                        "(the package name and configured hosts count already)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="settings file (default: ./pinscan.toml, else [tool.pinscan] in "
                        "./pyproject.toml); command-line options win")
    parser.add_argument("--policy", type=Path, metavar="FILE",
                        help="the security team's policy (TOML): hosts that must be pinned, "
                        "the pins each may carry, minimum days before any expiry")
    parser.add_argument("--baseline", type=Path, metavar="FILE",
                        help="accept the decisions FILE lists by fingerprint: they stay in the "
                        "reports, marked, but do not gate the exit code until their end date")
    parser.add_argument("--write-baseline", type=Path, metavar="FILE",
                        help="write a baseline accepting every failing and warning decision "
                        "of this scan to FILE (edit its reasons and end dates in review)")
    parser.add_argument("--rules", type=Path, metavar="DIR",
                        help="use the rule catalog in DIR instead of the built-in one")
    parser.add_argument("-j", "--jobs", type=_positive, metavar="N",
                        help="scan up to N files at once in separate processes "
                        "(default: one per CPU)")
    parser.add_argument("--timeout", type=_positive, metavar="SECONDS",
                        help="stop scanning a file after SECONDS; it gets no report and the "
                        f"exit code is 2 (default: {_TIMEOUT})")
    parser.add_argument("--memory-limit", type=_mib, metavar="MIB",
                        help="memory one file's scan may use; past it the scan stops as "
                        f"above (default: {_MEMORY_LIMIT})")
    parser.add_argument("--debug", action="store_true",
                        help="log progress and show tracebacks of internal errors (scans "
                        "one file at a time, in pinscan's own process, without --timeout "
                        "and --memory-limit)")
    parser.add_argument("--version", action="version", version=f"pinscan {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["diff"]:
        return diff_main(argv[1:])
    args = build_parser().parse_args(argv)
    _configure_logging(args.debug)
    try:
        catalog = load_catalog(args.rules)
        catalog.require(RULES_USED)
        outputs = _plan_outputs(args.formats, args.outputs)
        files = _expand(args.files)
        config = load_config(args.config, Path.cwd())
        disabled = _disabled_rules(config, catalog)
        policy = load_policy(args.policy) if args.policy else None
        baseline = load_baseline(args.baseline) if args.baseline else None
    except PinscanError as exc:
        _error(exc.diagnostics())
        return EXIT_ERROR

    first_party = (*config.first_party, *args.first_party)
    options = ScanOptions(
        as_of=args.as_of or date.today(),
        expiry_warn_days=_first(args.expiry_warn_days, config.expiry_warn_days, 30),
        first_party=tuple(d.lower().strip(".") for d in first_party),
        disabled_rules=disabled,
    )
    fail_on = _first(args.fail_on, config.fail_on, "high")
    output_dir = _first(args.output_dir, config.output_dir, Path("reports"))
    jobs = 1 if args.debug else min(args.jobs or os.cpu_count() or 1, len(files))
    limits = isolate.Limits(seconds=_first(args.timeout, config.timeout, _TIMEOUT),
                            memory_mib=_first(args.memory_limit, config.memory_limit,
                                              _MEMORY_LIMIT))
    results, failed = _scan_all(files, catalog, options, jobs, limits, args.debug)
    if policy:
        results = policy.apply(results, catalog, options.disabled_rules)
    if baseline:
        results = _apply_baseline(baseline, results, options.as_of)
    if results:
        try:
            _write_reports(results, outputs, output_dir, catalog)
            if args.write_baseline:
                _write_atomically(args.write_baseline, baseline_text(results, options.as_of))
        except PinscanError as exc:
            _error(exc.diagnostics())
            return EXIT_ERROR
    if failed:
        return EXIT_ERROR
    return EXIT_FINDINGS if _gates(results, fail_on) else EXIT_OK


def _first(*values: _T | None) -> _T:
    """The first value that is set: command line, then configuration file, then default."""
    return next(v for v in values if v is not None)


def _disabled_rules(config: FileConfig, catalog: Catalog) -> frozenset[str]:
    known = set(catalog.rules) | set(catalog.by_id)
    unknown = sorted(set(config.disable) - known)
    if unknown:
        raise UsageError(f"disable names rules the catalog does not have: {unknown}",
                         path=str(config.path))
    return frozenset(config.disable)


def _apply_baseline(baseline: Baseline, results: list[ScanResult],
                    as_of: date) -> list[ScanResult]:
    marked, notices = baseline.apply(results, as_of)
    for notice in notices:
        print(f"pinscan: {notice}", file=sys.stderr)
    return marked


def _expand(paths: list[Path]) -> list[Path]:
    """Files as given; folders become the APKs and IPAs anywhere below them, in path order."""
    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted(p for p in path.rglob("*")
                       if p.suffix.lower() in _BUNDLE_SUFFIXES and p.is_file())
        if not found:
            raise UsageError("folder holds no .apk or .ipa file", path=str(path))
        files += found
    return files


def _scan_all(files: list[Path], catalog: Catalog, options: ScanOptions, jobs: int,
              limits: isolate.Limits, debug: bool) -> tuple[list[ScanResult], bool]:
    """Scan every file, each in its own bounded child process (see :mod:`isolate`), up to
    ``jobs`` at once; results keep input order. ``debug`` scans in this process."""
    progress = _Progress(len(files))
    outcomes: dict[int, ScanResult | str] = {}
    if debug or not isolate.AVAILABLE:
        for index, path in enumerate(files):
            progress.step(path)
            outcomes[index] = _scan_one(path, catalog, options, debug)
    else:
        calls = [(index, scan_file, (path, catalog, options))
                 for index, path in enumerate(files)]
        for index, outcome in isolate.run_all(calls, limits, jobs):
            outcomes[index] = _worded(files[index], outcome)
            progress.step(files[index])
    progress.done()
    results = []
    for index in range(len(files)):
        outcome = outcomes[index]
        if isinstance(outcome, str):
            _error(outcome)
        else:
            results.append(outcome)
    return results, len(results) < len(files)


def _worded(path: Path, outcome: object) -> ScanResult | str:
    """A child's outcome: the result, or the one line saying why there is none."""
    if isinstance(outcome, ScanResult):
        return outcome
    if isinstance(outcome, PinscanError):
        return outcome.diagnostics()
    if isinstance(outcome, isolate.Contained):
        return f"{path}: the scan {outcome.reason} and was stopped; no report for this file"
    return f"{path}: internal error ({outcome!r}); run with --debug for details"


def _scan_one(path: Path, catalog: Catalog, options: ScanOptions, debug: bool) -> ScanResult | str:
    """The result, or the one line that says why the file could not be scanned."""
    try:
        return scan_file(path, catalog, options)
    except PinscanError as exc:
        return exc.diagnostics()
    except MemoryError:
        return f"{path}: ran out of memory while scanning"
    except Exception as exc:
        if debug:
            raise
        return (f"{path}: internal error ({type(exc).__name__}: {exc}); "
                "run with --debug for details")


class _Progress:
    """A one-line progress bar on an interactive terminal; silent in CI logs and pipes."""

    def __init__(self, total: int) -> None:
        self.total, self.count = total, 0
        self.shown = (total > 1 and sys.stderr.isatty() and not os.environ.get("CI")
                      and os.environ.get("TERM") != "dumb")

    def step(self, path: Path) -> None:
        self.count += 1
        if self.shown:
            filled = 30 * self.count // self.total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] "
                             f"{self.count}/{self.total} {path.name[:40]:<40}")
            sys.stderr.flush()

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()


def _plan_outputs(
    formats: list[str] | None, outputs: list[str] | None
) -> list[tuple[Format, str | None]]:
    if not formats:
        if outputs:
            raise UsageError("-o needs a --format to say what to write")
        return [(Format.TEXT, "-"), (Format.HTML, None), (Format.JSON, None)]
    planned = [(Format(f), out) for f, out in _pair(formats, outputs, default=None)]
    if not any(out == "-" for _, out in planned):
        planned.insert(0, (Format.TEXT, "-"))
    return planned


def _pair(formats: list[str], outputs: list[str] | None,
          default: str | None) -> list[tuple[str, str | None]]:
    """Pair each --format with its -o in order; formats without one get ``default``."""
    outputs = outputs or []
    if len(outputs) > len(formats):
        raise UsageError("more -o paths than --format options")
    paired = [(f, outputs[i] if i < len(outputs) else default) for i, f in enumerate(formats)]
    if sum(1 for _, out in paired if out == "-") > 1:
        raise UsageError("only one report can go to standard output")
    return paired


def _write_reports(
    results: list[ScanResult], outputs: list[tuple[Format, str | None]], output_dir: Path,
    catalog: Catalog,
) -> None:
    for fmt, target in outputs:
        writer = writer_for(fmt, catalog)
        if target == "-":
            sys.stdout.write(writer.render(results))
            sys.stdout.flush()
            continue
        if target is not None:
            _write_atomically(Path(target), writer.render(results))
            continue
        for name, result in zip(_report_names(results), results, strict=True):
            _write_atomically(output_dir / f"{name}.{writer.extension}", writer.render([result]))


def _report_names(results: list[ScanResult]) -> list[str]:
    names: list[str] = []
    for result in results:
        stem = Path(result.app.file).stem or "app"
        name, counter = stem, 2
        while name in names:
            name, counter = f"{stem}-{counter}", counter + 1
        names.append(name)
    return names


def _write_atomically(path: Path, text: str) -> None:
    """Write next to the target, then rename: a failed write never leaves half a report."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        raise ReportError(f"cannot write report: {exc.strerror or exc}", path=str(path)) from exc


def _gates(results: list[ScanResult], fail_on: str) -> bool:
    if fail_on == "never":
        return False
    threshold = Severity(fail_on).rank
    return any(
        d.status in (Status.FAIL, Status.WARN) and d.severity and d.severity.rank >= threshold
        and not d.suppression
        for result in results
        for d in result.decisions
    )


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date of the form YYYY-MM-DD"
        ) from None


def _mib(text: str) -> int:
    value = _positive(text)
    if value < 256:
        raise argparse.ArgumentTypeError("must be at least 256 (MiB)")
    return value


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days")
    return value


def _configure_logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("pinscan: %(levelname)s: %(message)s"))
    root = logging.getLogger("mstg_pinscan")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.ERROR)
    root.propagate = False


def _error(line: str) -> None:
    print(f"pinscan: error: {line}", file=sys.stderr)


def build_diff_parser() -> argparse.ArgumentParser:
    """The parser of ``pinscan diff``."""
    parser = argparse.ArgumentParser(
        prog="pinscan diff",
        description="Compare the pinning of two builds of an app: hosts gained or lost, pins "
        "added, removed or rotated, protection weakened or strengthened, new failing and "
        "warning decisions. Each side is an APK or IPA (scanned now) or a JSON report "
        "pinscan wrote.",
        epilog="exit codes:\n  0  protection did not get weaker\n  1  it got weaker: a host "
        "lost protection, a new first-party host is unprotected, a new decision fails, or "
        "the verdict got worse\n  2  usage error or unreadable input",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("old", type=Path, metavar="OLD", help="the earlier build or its report")
    parser.add_argument("new", type=Path, metavar="NEW", help="the later build or its report")
    parser.add_argument("--format", action="append", choices=["text", "json", "html"],
                        dest="formats", metavar="{text,json,html}",
                        help="output format; repeatable, paired in order with -o "
                        "(default: text on standard output)")
    parser.add_argument("-o", "--output", action="append", dest="outputs", metavar="PATH",
                        help="where the matching --format goes ('-' is standard output)")
    parser.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD",
                        help="judge expiry dates of scanned bundles as of this day")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    return parser


def diff_main(argv: Sequence[str]) -> int:
    """``pinscan diff OLD NEW``; returns the exit code."""
    args = build_diff_parser().parse_args(argv)
    _configure_logging(args.debug)
    try:
        planned = _pair(args.formats or ["text"], args.outputs, default="-")
        catalog = load_catalog(None)
        options = ScanOptions(as_of=args.as_of or date.today())
        sides = []
        for path in (args.old, args.new):
            report = load_report(path)
            if report is None:
                report = result_to_dict(scan_file(path, catalog, options))
            sides.append(report)
        diff = compare(*sides)
        renderers = {"text": lambda: render_text(diff), "html": lambda: render_diff(diff),
                     "json": lambda: json.dumps(diff.to_dict(), indent=2,
                                                ensure_ascii=False) + "\n"}
        for fmt, target in planned:
            text = renderers[fmt]()
            if target == "-":
                sys.stdout.write(text)
            elif target is not None:
                _write_atomically(Path(target), text)
    except PinscanError as exc:
        _error(exc.diagnostics())
        return EXIT_ERROR
    except Exception as exc:
        if args.debug:
            raise
        _error(f"internal error ({type(exc).__name__}: {exc}); run with --debug for details")
        return EXIT_ERROR
    return EXIT_FINDINGS if diff.weaker else EXIT_OK

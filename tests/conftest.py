"""Shared fixtures: the catalog, sample APKs, and a way to evaluate an NSC without an APK."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from mstg_pinscan.evaluate.catalog import Catalog, load_catalog
from mstg_pinscan.facts.android import AndroidFacts
from mstg_pinscan.facts.certs import certificate_info
from mstg_pinscan.facts.code import CodeFacts
from mstg_pinscan.facts.frameworks import FrameworkFacts, FrameworkReader, FrameworkReading
from mstg_pinscan.facts.manifest import ManifestFacts
from mstg_pinscan.facts.nsc import parse_network_security_config
from mstg_pinscan.facts.resources import ResolvedValue
from mstg_pinscan.facts.xml import parse_android_xml
from mstg_pinscan.models import (
    CertificateInfo,
    Decision,
    Platform,
    PrivateKeyInfo,
    ScanResult,
    Skipped,
)
from mstg_pinscan.pins import spki_pin
from mstg_pinscan.scan import ScanOptions, evaluate_android
from mstg_pinscan.unpack import Bundle

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_APKS = ROOT / "sample_apps" / "apks"
# Microsoft's SARIF Multitool and the official schema, fetched by scripts/fetch_sarif_multitool.sh.
SARIF_CACHE = Path(os.environ.get(
    "PINSCAN_SARIF_CACHE", Path.home() / ".cache" / "pinscan" / "sarif-multitool")) / "package"
FRAMEWORK_CACHE = Path(os.environ.get(
    "PINSCAN_FRAMEWORK_CACHE", Path.home() / ".cache" / "pinscan" / "frameworks"))
ASSETS = Path(__file__).resolve().parent / "assets"
AS_OF = dt.date(2026, 12, 1)
NSC_FILE = "res/xml/network_security_config.xml"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(ROOT / "rules")


@pytest.fixture
def asset() -> Callable[[str], Path]:
    def find(name: str) -> Path:
        path = ASSETS / name
        assert path.exists(), f"missing test asset {name}"
        return path

    return find


def sample_apk(name: str) -> Path:
    return SAMPLE_APKS / f"{name}.apk"


def manifest_facts(
    *, min_sdk: int = 24, target_sdk: int = 34, debuggable: bool = False,
    uses_cleartext: bool | None = None, nsc: bool = True,
) -> ManifestFacts:
    return ManifestFacts(
        package="org.example.app", version_name="1.0", version_code="1",
        min_sdk=min_sdk, target_sdk=target_sdk, debuggable=debuggable,
        uses_cleartext_traffic=uses_cleartext, has_code=False,
        nsc_reference="@7F020000" if nsc else None,
        nsc_name="@xml/network_security_config" if nsc else None,
        nsc_files=(ResolvedValue("", NSC_FILE),) if nsc else (),
    )


def evaluate_config(
    catalog: Catalog,
    nsc_xml: str | None,
    *,
    certificates: Iterable[CertificateInfo] = (),
    private_keys: Iterable[PrivateKeyInfo] = (),
    skipped: Iterable[Skipped] = (),
    raw: dict[str, str] | None = None,
    as_of: dt.date = AS_OF,
    warn_days: int = 30,
    dex: bool = False,
    frameworks: FrameworkFacts | None = None,
    code: CodeFacts | None = None,
    **manifest: object,
) -> ScanResult:
    """Evaluate an NSC given as text, as if it came from an APK with these manifest facts."""
    raw = raw or {}
    configs = ()
    if nsc_xml is not None:
        root = parse_android_xml(nsc_xml.encode(), NSC_FILE)
        resolve = lambda src: (raw[src],) if src in raw else ()  # noqa: E731
        configs = (parse_network_security_config(root, NSC_FILE, resolve),)
    facts = AndroidFacts(
        manifest=manifest_facts(nsc=nsc_xml is not None, **manifest),  # type: ignore[arg-type]
        configs=configs,
        certificates=tuple(certificates),
        private_keys=tuple(private_keys),
        dex_files=("classes.dex",) if dex else (),
        skipped=tuple(skipped),
        frameworks=frameworks or FrameworkFacts(),
        code=code,
    )
    return evaluate_android(facts, catalog, ScanOptions(as_of=as_of, expiry_warn_days=warn_days),
                            Path("test.apk"), "0" * 64)


def rule_names(result: ScanResult) -> list[str]:
    return [d.rule_name for d in result.decisions]


def decisions_named(result: ScanResult, name: str) -> list[Decision]:
    return [d for d in result.decisions if d.rule_name == name]


def nsc(body: str) -> str:
    header = '<?xml version="1.0" encoding="utf-8"?>\n'
    return f"{header}<network-security-config>{body}</network-security-config>"


# --- NSC snippets, for tests that write configurations ------------------------------

def pin_set(*pins: str, expiration: str | None = None) -> str:
    attribute = f' expiration="{expiration}"' if expiration else ""
    body = "".join(f'<pin digest="SHA-256">{pin}</pin>' for pin in pins)
    return f"<pin-set{attribute}>{body}</pin-set>"


def anchors(*sources: str, override: str | None = None) -> str:
    attribute = f' overridePins="{override}"' if override else ""
    body = "".join(f'<certificates src="{src}"{attribute}/>' for src in sources)
    return f"<trust-anchors>{body}</trust-anchors>"


def domain(host: str, *inner: str, attrs: str = "") -> str:
    return (f'<domain-config{attrs}><domain includeSubdomains="true">{host}</domain>'
            f'{"".join(inner)}</domain-config>')


def base(*inner: str, attrs: str = "") -> str:
    return f'<base-config{attrs}>{"".join(inner)}</base-config>'


def debug_overrides(*inner: str) -> str:
    return f'<debug-overrides>{"".join(inner)}</debug-overrides>'


def trustkit(enforce: str | None = None) -> str:
    attribute = f' enforcePinning="{enforce}"' if enforce else ""
    return f"<trustkit-config{attribute}/>"


# --- certificates made on the fly -----------------------------------------------------------

def make_key(kind: str = "rsa", size: int = 2048) -> object:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


def make_cert(
    subject: str,
    *,
    key: object | None = None,
    issuer: tuple[x509.Certificate, object] | None = None,
    ca: bool = False,
    not_before: dt.date = dt.date(2024, 1, 1),
    not_after: dt.date = dt.date(2034, 1, 1),
    hash_algorithm: hashes.HashAlgorithm | None = None,
) -> tuple[x509.Certificate, object]:
    key = key or make_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name, signing_key = (issuer[0].subject, issuer[1]) if issuer else (name, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.combine(not_before, dt.time(), dt.UTC))
        .not_valid_after(dt.datetime.combine(not_after, dt.time(), dt.UTC))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    cert = builder.sign(signing_key, hash_algorithm or hashes.SHA256())  # type: ignore[arg-type]
    return cert, key


def info(cert: x509.Certificate, path: str = "res/raw/cert.pem") -> CertificateInfo:
    return certificate_info(cert, path, "pem")


def pin_of(cert: x509.Certificate) -> str:
    return spki_pin(cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


PIN_A = "aYVvMu6cLVONXBC/V7QL8VpaKkkSC6oH+jWRBRFOC4U="
PIN_B = "rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng="


def framework_artifact(package: str, member: str) -> Path:
    """A member of a registry package fetched by benchmarks/fetch_frameworks.py
    (``package`` is NAME-VERSION); skips the test when the install step could not fetch it."""
    path = FRAMEWORK_CACHE / package / member
    if not path.is_file():
        pytest.skip(f"{package}/{member} is not in {FRAMEWORK_CACHE}: run "
                    "benchmarks/fetch_frameworks.py (scripts/test.sh does)")
    return path


def load_builder(path: Path, name: str) -> ModuleType:
    """A sample-app build script (sample_apps/.../build.py) loaded as a module."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def apk_plus(tmp_path: Path, files: dict[str, bytes], name: str = "app.apk") -> Path:
    """sample_apps/apks/pinned_backup.apk with ``files`` added, written into ``tmp_path``."""
    path = tmp_path / name
    with zipfile.ZipFile(sample_apk("pinned_backup")) as base, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in base.infolist():
            out.writestr(info.filename, base.read(info))
        for entry, data in files.items():
            out.writestr(entry, data)
    return path


def read_framework(reader: FrameworkReader, path: Path) -> FrameworkReading:
    """What ``reader`` reads of the APK or IPA at ``path``; it must recognise its framework."""
    platform = Platform.IOS if path.suffix == ".ipa" else Platform.ANDROID
    with Bundle(path) as bundle:
        evidence = reader.detect(bundle.names(), platform)
        assert evidence, f"{path.name} is not recognised as {reader.name}"
        return reader.read(bundle, evidence, platform)

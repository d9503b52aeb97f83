"""Read Android XML, compiled (AXML) or plain text, into an lxml tree without entity expansion."""

from __future__ import annotations

import logging

from androguard.core.axml import AXMLPrinter
from loguru import logger as _androguard_logger
from lxml import etree

from mstg_pinscan.errors import FactError

_logger = logging.getLogger(__name__)

# androguard logs through loguru at every level; its messages flood stderr and cost time.
_androguard_logger.disable("androguard")

ANDROID_NS = "http://schemas.android.com/apk/res/android"
_AXML_MAGIC = b"\x03\x00\x08\x00"

# Plain-text XML from an app is hostile input: no entities, no DTD, no network, no huge trees.
_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def android_attr(element: etree._Element, name: str) -> str | None:
    """Return the ``android:NAME`` attribute of ``element``, or None."""
    return element.get(f"{{{ANDROID_NS}}}{name}")


def parse_android_xml(data: bytes, name: str) -> etree._Element:
    """Return the root element of a compiled or plain-text XML file.

    Raises :class:`FactError` naming ``name`` when the file is neither.
    """
    if data.startswith(_AXML_MAGIC):
        return _parse_axml(data, name)
    try:
        root = etree.fromstring(data, parser=_SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise FactError(f"not well-formed XML: {exc}", path=name) from exc
    if root is None:
        raise FactError("empty XML document", path=name)
    return root


def _parse_axml(data: bytes, name: str) -> etree._Element:
    # androguard raises assorted exception types on malformed chunks; any of them means
    # the same thing to us: this file cannot be read.
    try:
        printer = AXMLPrinter(data)
        if not printer.is_valid():
            raise FactError("malformed binary XML", path=name)
        root = printer.get_xml_obj()
    except FactError:
        raise
    except Exception as exc:
        raise FactError(f"malformed binary XML ({type(exc).__name__})", path=name) from exc
    if root is None:
        raise FactError("binary XML without a root element", path=name)
    return root

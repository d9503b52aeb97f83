"""Fuzz the DEX front: facts/dex.py (tables, class index, method decode) and facts/code.py.

The readers raise :class:`DexFormatError` for a malformed file; ``analyse_code`` turns every
such error into a skipped entry and raises nothing.
"""

from __future__ import annotations

import atheris
from _common import entries, run

with atheris.instrument_imports(include=["mstg_pinscan"]):
    from mstg_pinscan.facts.code import analyse_code
    from mstg_pinscan.facts.dex import DexFile, DexFormatError, decode

_MAX_METHODS = 200


def seeds() -> list[bytes]:
    """Every distinct classes*.dex of the sample apps."""
    return list(entries((".dex",)))


def _read_tables(data: bytes) -> None:
    dex = DexFile(data, "classes.dex")
    dex.string_data_region()
    decoded = 0
    for class_def in dex.classes():
        for method_index, code_off in class_def.methods():
            if decoded >= _MAX_METHODS:
                return
            decoded += 1
            dex.method(method_index)
            for _ in decode(dex.code_units(code_off)[1]):
                pass
        if class_def.static_values_off:
            dex.static_strings(class_def)


def test_one_input(data: bytes) -> None:
    """Read the tables and code directly, then run the code analysis as a scan does."""
    try:
        _read_tables(data)
    except DexFormatError:
        pass
    analyse_code([("classes.dex", data)], "org.example.app", lambda resource_id: ())


if __name__ == "__main__":
    run(test_one_input, seeds)

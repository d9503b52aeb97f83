"""The app's MSTG-NETWORK-4 verdict, derived from its decisions and its host table."""

from __future__ import annotations

from collections.abc import Sequence

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.hosts import EVERY_OTHER_HOST
from mstg_pinscan.models import Decision, HostRow, Status, Verdict, VerdictStatus


def decide_verdict(
    decisions: Sequence[Decision],
    hosts: Sequence[HostRow],
    catalog: Catalog,
    *,
    unreadable: str | None = None,
    code_unanalysed: bool = False,
    unattributed: str | None = None,
) -> Verdict:
    """Return the verdict with a one-sentence reason a reviewer can quote.

    ``unreadable`` names an input whose absence makes any verdict but a failure guesswork;
    ``code_unanalysed`` says that code-level pinning was not looked for.
    """
    counted = sorted(
        (d for d in decisions if catalog.by_id[d.rule_id].affects_verdict),
        key=Decision.sort_key,
    )
    failing = [d for d in counted if d.status is Status.FAIL]
    if failing:
        return Verdict(VerdictStatus.FAIL, _reason(failing))
    if unreadable:
        return Verdict(VerdictStatus.INCONCLUSIVE,
                       f"{unreadable}, so the pinning configuration is unknown.")

    first_party = [h for h in hosts if h.first_party]
    base = next((h for h in hosts if h.host == EVERY_OTHER_HOST), None)
    protected = [h for h in first_party if h.protected]
    if not protected and not (base and base.protected):
        # Only reachable when the no-pinning decision was withheld: pinning may exist where
        # static analysis cannot tie it to hosts.
        if unattributed:
            return Verdict(VerdictStatus.INCONCLUSIVE,
                           "No host is pinned by the configuration or by a pinner with known "
                           f"hosts, but the app has {unattributed}, whose hosts cannot be "
                           "told statically.")
        return Verdict(
            VerdictStatus.INCONCLUSIVE,
            "No host is pinned by the app's configuration, and pinning in code was not "
            "analysed because the code could not be read.",
        )

    warning = [d for d in counted if d.status is Status.WARN]
    if warning:
        return Verdict(VerdictStatus.WARN, _reason(warning))

    caveat = "; trust decisions in code were not analysed" if code_unanalysed else ""
    if base and base.protected and all("own-trust-store" in h.protection for h in first_party):
        return Verdict(VerdictStatus.PASS,
                       "The app trusts only its own certificate store for every host, and no "
                       f"configuration weakens it{caveat}.")
    if base and base.protected and len(protected) == len(first_party):
        return Verdict(VerdictStatus.PASS,
                       "Every configured first-party host is pinned with a backup pin or "
                       "limited to the app's own certificates, every other host is limited "
                       f"to the app's own certificates, and nothing bypasses them{caveat}.")
    names = ", ".join(h.host for h in protected[:5]) + (" …" if len(protected) > 5 else "")
    pinned = sum(1 for h in protected if h.pins and "own-trust-store" not in h.protection)
    if pinned == len(protected):
        how = "is pinned with a backup pin"
    elif pinned == 0:
        how = "trusts only the app's own certificates"
    else:
        how = "is pinned with a backup pin or limited to the app's own certificates"
    return Verdict(VerdictStatus.PASS,
                   f"Every configured first-party host ({names}) {how}, and no configuration "
                   f"bypasses it{caveat}.")


def _reason(decisions: list[Decision]) -> str:
    top = decisions[0]
    subject = f" for {top.host}" if top.host else ""
    more = len(decisions) - 1
    tail = f" ({more} more {top.status.value} decision{'s' if more > 1 else ''})" if more else ""
    return f"{top.title}{subject}: {top.evidence.rstrip('.')}{tail}."

"""Where a bulletin reaches: the hamlets and loudspeakers of its target, and how the area is described.

Its own room because targeting joins a bulletin's ``Target`` with the commune's hamlets and the device registry's
clusters, which drafting, publication, CAP rendering and citizens' alert subscriptions all need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.broadcast.logic.refusals import invalid

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import Target
    from smartcommune.communes.contracts import Commune
    from smartcommune.devices.contracts import Cluster


def target_hamlets(target: Target, clusters: list[Cluster]) -> list[str]:
    """The hamlets a target reaches (empty = the whole commune)."""
    if target.scope == "hamlets":
        return list(target.hamlets)
    if target.scope == "clusters":
        wanted = set(target.clusters)
        return sorted({c.hamlet_id for c in clusters if c.cluster_id in wanted})
    return []


def target_things(target: Target, clusters: list[Cluster]) -> list[str]:
    """The loudspeakers (IoT thing names) a target reaches."""
    if target.scope == "hamlets":
        chosen = [c for c in clusters if c.hamlet_id in set(target.hamlets)]
    elif target.scope == "clusters":
        chosen = [c for c in clusters if c.cluster_id in set(target.clusters)]
    else:
        chosen = clusters
    return sorted({thing for cluster in chosen for thing in cluster.things})


def area_description(commune: Commune, hamlets: list[str]) -> str:
    """What CAP ``areaDesc`` and the portal say: the hamlets' names, or the whole commune."""
    if not hamlets:
        return f"Toàn {commune.name.replace('Xã', 'xã')}: " + ", ".join(h.name for h in commune.hamlets)
    names = [h.name for h in commune.hamlets if h.id in set(hamlets)]
    return ", ".join(names) + f" ({commune.name})"


def subscription_hamlets(commune: Commune, hamlets: list[str]) -> list[str]:
    """Check a citizen's chosen hamlets belong to their commune."""
    unknown = [h for h in hamlets if commune.hamlet(h) is None]
    if unknown:
        raise invalid(
            "hamlets",
            f"Xóm/thôn không thuộc {commune.name}: {', '.join(unknown)}.",
            f"Not a hamlet of {commune.name}: {', '.join(unknown)}.",
        )
    return hamlets

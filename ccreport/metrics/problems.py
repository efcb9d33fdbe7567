"""Problem candidates and known problems (SPEC §5.1): recurring incidents that share a service
and a signature, judged against that signature's own base rate.

Owns the signatures (the configuration item and the subcategory as recorded; the title
normalised and clustered by word-set similarity), the two recurrence rules, the base-rate
test that keeps ordinary months quiet, the nesting rule between signatures, the ranking, and
the known problems (incidents of the period already linked to a problem record).

The rules (docs/metrics.md "Problem candidates"):

- A *group* is the incidents (not cancelled) that share a service and a signature. Without a
  service field every group's service is None.
- A *cluster*: at least `min_count` incidents of a group opened within `window_days` of each
  other. A *repeat*: an incident opened within `repeat_days` after the previous incident of its
  group was resolved; consecutive repeats form a chain.
- Either is flagged only when it is improbable under the group's own base rate: the group's
  other occurrences over the data the engine holds (the trend's 12 months up to the end of the
  period), plus a pseudo-count of PSEUDO_COUNT so a signature never seen elsewhere does not
  have a rate of zero. A cluster of k in a window is flagged when P(X >= k) <= `significance`
  for X ~ Poisson(rate × window_days); a chain of m repeats when (1 − exp(−rate × repeat_days))^m
  <= `significance` (the chance that the signature came back that soon after each fix).
- A candidate is every flagged window and chain of a group, merged; it needs a member opened in
  the period and may hold members opened up to `window_days` before it.
- Incidents already linked to a problem_id are never members, and are left out of the base
  rate (a known problem explains them); the period's linked incidents are the known problems.
- A candidate whose members are the same as (or a subset of) a kept one's is dropped; on equal
  members configuration_item is preferred, then title, then subcategory.

Vectorised over the incidents (one sort per signature kind, searchsorted windows, bincounts);
titles are normalised with pyarrow's string kernels; Python loops run over the distinct
normalised titles and over the flagged groups only.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import ProblemSettings
from ..period import Period
from ..schema import NS_PER_DAY, NS_PER_HOUR
from .kernels import _BIG, PRIORITY_LABELS
from .model import KnownProblem, ProblemCandidate
from .prepared import _Data, _sets, window

#: Signature kinds in order of preference when two give the same incidents.
KINDS = ("configuration_item", "title", "subcategory")
REASON_CLUSTER = "cluster"
REASON_REPEAT = "repeat"
#: Occurrences added to every signature's count, so a never-seen signature's rate is not 0.
PSEUDO_COUNT = 0.5
#: Added to the count in `impact`: the highest priority among the members (P1 most).
PRIORITY_BONUS = {"P1": 0.5, "P2": 0.4, "P3": 0.3, "P4": 0.2, "P5": 0.1}
#: Words that say nothing about the fault, dropped from normalised titles.
STOP_WORDS = frozenset(
    "a an and are as at be been being but by for from has have in into is it its of on or "
    "our the their them then there these this those to was were when which while with not no "
    "can cannot unable after before during via per".split()
)
#: Exact Poisson tail terms summed before the geometric bound takes over.
_TAIL_TERMS = 60


# --------------------------------------------------------------------------- titles


def _forms(titles: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each title's normalised form as a code into the distinct forms (−1: missing title).

    A form is the title in lower case without tokens holding a digit (IDs such as INC0012345,
    order numbers, IP addresses, counts), punctuation and STOP_WORDS, its words sorted and
    de-duplicated ("" when nothing is left). Arrow's string kernels (C++, no Python per row)
    do the lower-casing and the removals; what is left collapses to few distinct strings, and
    only those are split into words in Python."""
    arr = pa.array(titles.array) if hasattr(titles.array, "__arrow_array__") else pa.array(
        titles.astype(object).where(titles.notna(), None).tolist(), type=pa.string())
    arr = pc.replace_substring_regex(pc.utf8_lower(arr), pattern=r"\S*\d\S*|[^\p{L}\p{N}\s]+|_",
                                     replacement=" ")
    enc = pc.dictionary_encode(arr)
    codes = enc.indices.to_numpy(zero_copy_only=False)
    codes = np.where(np.isnan(codes), -1, codes).astype(np.int64) if codes.dtype.kind == "f" else codes.astype(np.int64)
    # Distinct cleaned strings → their word sets (one step per distinct string).
    cleaned = [" ".join(sorted({w for w in f.split() if w not in STOP_WORDS}))
               for f in enc.dictionary.to_pylist()]
    form_codes, forms = pd.factorize(pd.Series(cleaned, dtype=object))
    per = np.append(form_codes.astype(np.int64), -1)  # a missing title (code −1) picks −1
    return per[codes], [str(f) for f in forms]


def normalise_titles(titles: pd.Series) -> pd.Series:
    """The normalised form of each title (_forms), None where the title is missing."""
    codes, forms = _forms(titles)
    out = np.array([*forms, None], dtype=object)
    return pd.Series(out[codes], index=titles.index, dtype=object)


def similar_groups(forms: list[str], threshold: float) -> np.ndarray:
    """A group number for each normalised title: titles whose word sets have a Jaccard
    similarity >= threshold are in one group (and groups are joined through shared members).
    "" gets −1. A prefix-filtered set-similarity join: words are ordered rarest first, and two
    sets that reach the threshold must share a word among the first |s| − ⌈t·|s|⌉ + 1 of each."""
    n = len(forms)
    sets = [frozenset(f.split()) for f in forms]
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    freq = Counter(w for s in sets for w in s)
    index: dict[str, list[int]] = {}
    eps = 1e-9
    for i in sorted(range(n), key=lambda j: (len(sets[j]), forms[j])):  # one pass per distinct title
        s = sets[i]
        if not s:
            continue
        words = sorted(s, key=lambda w: (freq[w], w))
        prefix = words[: len(s) - math.ceil(threshold * len(s) - eps) + 1]
        seen: set[int] = set()
        for w in prefix:
            for j in index.get(w, ()):
                if j in seen:
                    continue
                seen.add(j)
                other = sets[j]
                if len(other) < threshold * len(s) - eps:  # sorted by size: too small to match
                    continue
                inter = len(s & other)
                if inter >= threshold * (len(s) + len(other) - inter) - eps:
                    a, b = find(i), find(j)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
            index.setdefault(w, []).append(i)
    roots = np.array([find(i) for i in range(n)], dtype=np.int64)
    empty = np.array([not s for s in sets], dtype=bool)
    return np.where(empty, -1, roots) if n else roots


def title_codes(titles: pd.Series, threshold: float) -> np.ndarray:
    """A signature code per row from its title (−1: no title, or nothing left of it)."""
    codes, forms = _forms(titles)
    if not forms:
        return np.full(len(titles), -1, dtype=np.int64)
    group = np.append(similar_groups(forms, threshold), -1)
    return group[codes]


# --------------------------------------------------------------------------- statistics


def poisson_sf(k: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """P(X >= k) for X ~ Poisson(lam), elementwise (k >= 1 integers, lam > 0).

    The first _TAIL_TERMS terms of the tail are summed exactly; the rest is bounded by a
    geometric series, so the value is never below the true tail (a flag is never too eager).
    Counts at or below their expectation are not improbable: 1.0 there.
    """
    k = np.asarray(k, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    out = np.ones(k.shape)
    m = k > lam
    if not m.any():
        return out
    kk, ll = k[m], lam[m]
    log_fact = np.array([math.lgamma(v + 1.0) for v in range(int(kk.max()) + 1)])  # up to the largest count
    term = np.exp(-ll + kk * np.log(ll) - log_fact[kk.astype(np.int64)])
    total = np.zeros(kk.shape)
    for i in range(1, _TAIL_TERMS + 1):  # a fixed number of vector steps
        total += term
        term = term * ll / (kk + i)
    ratio = ll / (kk + _TAIL_TERMS + 1)
    total += term / (1.0 - ratio)
    out[m] = np.minimum(total, 1.0)
    return out


# --------------------------------------------------------------------------- the scan


def _signature(d: _Data, kind: str, rows: np.ndarray, s: ProblemSettings) -> tuple[np.ndarray, list[str] | None]:
    """Signature codes of `rows` (−1: none) and, for the recorded kinds, their labels."""
    values = d.frame(kind, rows)
    if kind == "title":
        return title_codes(values, s.title_similarity), None
    # Ingest has trimmed the values and made blanks missing: the codes of the values as recorded.
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]


def _flagged(key: np.ndarray, opened: np.ndarray, resolved: np.ndarray, linked: np.ndarray,
             p: Period, s: ProblemSettings, ref_days: float) -> list[tuple[np.ndarray, str, float]]:
    """(member positions, reason, expected) of every flagged group of one signature kind.

    `key` is each row's group (−1: no signature); positions index the arrays given."""
    has = np.flatnonzero(key >= 0)
    if has.size == 0:
        return []
    keys_u, inv = np.unique(key[has], return_inverse=True)
    inv = inv.reshape(-1)
    # The base rate: unlinked occurrences of each group over the reference span.
    n_ref = np.bincount(inv, weights=(~linked[has]).astype(np.float64), minlength=len(keys_u))
    w_ns = s.window_days * NS_PER_DAY
    eligible = (~linked[has]) & (opened[has] >= p.start_ns - w_ns)
    pos = has[eligible]
    if pos.size == 0:
        return []
    g, t, r = inv[eligible], opened[pos], resolved[pos]
    order = np.lexsort((r, t, g))
    pos, g, t, r = pos[order], g[order], t[order], r[order]
    n = len(pos)
    ref_eff = max(ref_days - s.window_days, float(s.window_days))
    idx = np.arange(n)

    # Clusters: the window [t_i, t_i + window_days) from each member.
    base = int(t.min())
    secs = (t - base) // 1_000_000_000
    stride = int(secs.max()) + s.window_days * 86_400 + 2
    comp = g.astype(np.int64) * stride + secs
    cnt = np.searchsorted(comp, comp + s.window_days * 86_400, side="left") - idx
    reaches_p = t[idx + cnt - 1] >= p.start_ns
    others = np.maximum(n_ref[g] - cnt, 0)
    lam = (others + PSEUDO_COUNT) / ref_eff * s.window_days
    # Many groups are scanned at once: a window is flagged when it is improbable among all the
    # groups that could have made one (a Bonferroni correction), not just on its own.
    size_g = np.bincount(g, minlength=len(keys_u))
    tests = max(int((size_g >= s.min_count).sum()), 1)
    test = np.flatnonzero((cnt >= s.min_count) & reaches_p & (cnt > lam))
    in_cluster = np.zeros(n, dtype=bool)
    cluster_group = np.zeros(len(keys_u), dtype=bool)
    if test.size:
        hit = test[poisson_sf(cnt[test], lam[test]) * tests <= s.significance]
        if hit.size:
            cover = np.zeros(n + 1, dtype=np.int64)
            np.add.at(cover, hit, 1)
            np.add.at(cover, hit + cnt[hit], -1)
            in_cluster = np.cumsum(cover[:n]) > 0
            cluster_group[g[hit]] = True

    # Repeats: opened within repeat_days after the previous member's resolution.
    in_chain = np.zeros(n, dtype=bool)
    if s.repeat_days > 0 and n > 1:
        gap = t[1:] - r[:-1]
        link = np.zeros(n, dtype=bool)
        link[1:] = (g[1:] == g[:-1]) & (r[:-1] != _BIG) & (gap >= 0) & (gap <= s.repeat_days * NS_PER_DAY)
        chain = np.cumsum(~link) - 1
        size = np.bincount(chain)
        last_t = np.zeros(len(size), dtype=np.int64)
        np.maximum.at(last_t, chain, t)
        first = np.flatnonzero(~link)
        cg = g[first]
        rate = (np.maximum(n_ref[cg] - size, 0) + PSEUDO_COUNT) / ref_eff
        p_chain = (1.0 - np.exp(-rate * s.repeat_days)) ** (size - 1)
        chains = max(int((size_g >= 2).sum()), 1)
        ok = (size >= 2) & (last_t >= p.start_ns) & (p_chain * chains <= s.significance)
        in_chain = ok[chain]

    member = in_cluster | in_chain
    out = []
    for grp in np.unique(g[member]):  # the flagged groups (few)
        sel = np.flatnonzero(member & (g == grp))
        span_days = (t[sel].max() - t[sel].min()) / NS_PER_DAY
        rate = (max(n_ref[grp] - len(sel), 0) + PSEUDO_COUNT) / ref_eff
        expected = rate * max(span_days, float(s.window_days))
        out.append((pos[sel], REASON_CLUSTER if cluster_group[grp] else REASON_REPEAT, float(expected)))
    return out


def _mode(values: list) -> str | None:
    """The most common value (ties: the first in sort order); None when all are missing."""
    counts = Counter(str(v) for v in values if v is not None and not pd.isna(v))
    if not counts:
        return None
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _iso(ns: int, tz: str) -> str:
    return pd.Timestamp(int(ns), tz="UTC").tz_convert(tz).isoformat()


def _candidate(d: _Data, rows: np.ndarray, kind: str, label: str | None, reason: str,
               expected: float) -> ProblemCandidate:
    """One candidate's record from its member rows (positions in d)."""
    ids = d.frame("incident_id", rows).astype(str).to_numpy()
    order = np.lexsort((ids, d.opened[rows]))
    rows, ids = rows[order], ids[order]
    cat_codes, cat_labels = d.dims["category"]
    svc_codes, svc_labels = d.dims["service"]
    service = svc_labels[svc_codes[rows[0]]] if d.has("service") else None
    signature = label if label is not None else _mode(d.frame("title", rows).tolist())
    top = PRIORITY_LABELS[int(d.prio[rows].min())]
    customers = None
    if d.has("customers_affected"):
        ok = d.customers_ok[rows]
        customers = int(d.customers[rows][ok].sum()) if ok.any() else None
    count = len(rows)
    first, last = int(d.opened[rows[0]]), int(d.opened[rows[-1]])
    impact = count + PRIORITY_BONUS.get(top, 0.0) + min(math.log10(1 + (customers or 0)), 9.0) / 100
    return ProblemCandidate(
        service=service,
        signature_kind=kind,
        signature=str(signature),
        category=_mode([cat_labels[c] for c in cat_codes[rows]]) or "",
        count=count,
        incident_ids=[str(i) for i in ids],
        first_opened=_iso(first, d.tz),
        last_opened=_iso(last, d.tz),
        span_hours=(last - first) / NS_PER_HOUR,
        reason=reason,
        expected=expected,
        customers_affected=customers,
        top_priority=top,
        impact=float(impact),
    )


def problem_candidates(d: _Data, p: Period, s: ProblemSettings) -> list[ProblemCandidate]:
    """`problem_candidates` of period p: the rules in this module's docstring, largest count
    first, then impact."""
    lo = window(p)[0]
    rows = np.flatnonzero(d.live & (d.opened >= lo) & (d.opened < p.end_ns))
    if rows.size == 0 or not (_sets(d, p).opened.size):
        return []
    opened, resolved = d.opened[rows], d.resolved[rows]
    ref_days = (min(p.end_ns, int(opened.max())) - max(lo, int(opened.min()))) / NS_PER_DAY
    linked = (d.frame("problem_id", rows).notna().to_numpy(dtype=bool) if d.has("problem_id")
              else np.zeros(len(rows), dtype=bool))
    # Widened: the codes are small ints, and the service and signature codes make one key.
    svc = d.dims["service"][0][rows].astype(np.int64) if d.has("service") else np.zeros(len(rows), dtype=np.int64)
    found: list[tuple[frozenset[int], ProblemCandidate]] = []
    for kind in KINDS:
        if not d.has(kind):
            continue
        sig, labels = _signature(d, kind, rows, s)
        width = int(sig.max()) + 1 if sig.size else 0
        key = np.where(sig >= 0, svc * max(width, 1) + sig, -1)
        for members, reason, expected in _flagged(key, opened, resolved, linked, p, s, ref_days):
            label = labels[int(sig[members[0]])] if labels is not None else None
            cand = _candidate(d, rows[members], kind, label, reason, expected)
            found.append((frozenset(rows[members].tolist()), cand))
    # Nested signatures: the larger set first, then the preferred kind; drop subsets of kept ones.
    found.sort(key=lambda fc: (-fc[1].count, KINDS.index(fc[1].signature_kind), fc[1].service or "",
                               fc[1].signature))
    kept: list[tuple[frozenset[int], ProblemCandidate]] = []
    for members, cand in found:  # the flagged groups (few)
        if not any(members <= k for k, _ in kept):
            kept.append((members, cand))
    out = [c for _, c in kept]
    out.sort(key=lambda c: (-c.count, -c.impact, c.service or "", KINDS.index(c.signature_kind), c.signature))
    return out


def known_problems(d: _Data, p: Period) -> list[KnownProblem]:
    """`known_problems`: incidents opened in p (not cancelled) already linked to a problem_id,
    one record per problem_id, most incidents first, then problem_id."""
    if not d.has("problem_id"):
        return []
    rows = _sets(d, p).opened
    pid = d.frame("problem_id", rows)
    has = pid.notna().to_numpy(dtype=bool) & (pid.astype("string").str.strip() != "").fillna(False).to_numpy(dtype=bool)
    rows = rows[has]
    if rows.size == 0:
        return []
    ids = d.frame("incident_id", rows).astype(str).to_numpy()
    order = np.lexsort((ids, d.opened[rows]))
    rows, ids = rows[order], ids[order]
    pids = d.frame("problem_id", rows).astype(str).str.strip().to_numpy()
    codes, uniques = pd.factorize(pids)
    cat_codes, cat_labels = d.dims["category"]
    svc_codes, svc_labels = d.dims["service"]
    titles = d.frame("title", rows).tolist() if d.has("title") else [None] * len(rows)
    out = []
    for k, problem in enumerate(uniques):  # the period's problem records (few)
        sel = np.flatnonzero(codes == k)
        r = rows[sel]
        out.append(KnownProblem(
            problem_id=str(problem),
            count=len(sel),
            incident_ids=[str(i) for i in ids[sel]],
            service=_mode([svc_labels[c] for c in svc_codes[r]]) if d.has("service") else None,
            category=_mode([cat_labels[c] for c in cat_codes[r]]) or "",
            title=_mode([titles[i] for i in sel]),
        ))
    out.sort(key=lambda kp: (-kp.count, kp.problem_id))
    return out

"""`monthly --split-by G --shard K/N` (issue 19, item 8): the K-th of N stable slices of the
groups, the overview with shard 1; together the shards write every group's report exactly once."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccreport.app import shard_groups

from . import scenarios
from .util import run_cli


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), max_size=40, unique=True), st.integers(1, 12))
def test_shards_cover_every_group_exactly_once_whatever_the_order(groups, n):
    shuffled = list(groups)
    random.Random(len(groups)).shuffle(shuffled)
    slices = [shard_groups(groups, k, n) for k in range(1, n + 1)]
    counts = Counter(g for part in slices for g in part)
    assert set(counts) == set(groups) and all(c == 1 for c in counts.values())
    # The same slices from the groups in another order (another machine, another run).
    assert slices == [shard_groups(shuffled, k, n) for k in range(1, n + 1)]
    sizes = [len(part) for part in slices]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("k,n", [(0, 3), (4, 3), (1, 0)])
def test_a_shard_outside_one_to_n_is_refused(k, n):
    from ccreport.errors import UsageError

    with pytest.raises(UsageError):
        shard_groups(["a", "b"], k, n)


@pytest.fixture
def export(isolated: Path) -> tuple[Path, Path]:
    return scenarios.ordinary(months=("2026-09", "2026-10"), per_area=4).write(isolated)


def test_the_shards_of_a_split_write_every_group_once_and_the_overview_once(export):
    path, config = export
    base = ["--config", config, "monthly", path, "--month", "2026-10", "--format", "md", "--split-by", "category"]
    whole = path.parent / "whole"
    assert run_cli(*base, "--out", whole).returncode == 0
    expected = sorted(f.name for f in whole.glob("*.md"))
    assert len(expected) == 1 + len(scenarios.AREAS)
    written: Counter[str] = Counter()
    n = 3
    for k in range(1, n + 1):
        out = path.parent / f"shard-{k}"
        r = run_cli(*base, "--out", out, "--shard", f"{k}/{n}")
        assert r.returncode == 0, r.stderr
        names = [f.name for f in out.glob("*.md")]
        assert ("monthly-2026-10.md" in names) == (k == 1), (k, names)
        written.update(names)
        # A group's report in a shard is the same as in the whole run.
        for name in names:
            assert (out / name).read_text(encoding="utf-8").split("Provenance")[0] == \
                (whole / name).read_text(encoding="utf-8").split("Provenance")[0]
    assert sorted(written) == expected and set(written.values()) == {1}


def test_shard_from_the_environment(export):
    """CCREPORT_SHARD (a job runner's template sets it per worker)."""
    path, config = export
    r = run_cli("--config", config, "monthly", path, "--month", "2026-10", "--format", "md", "--split-by", "site",
                "--out", "o", env={"CCREPORT_SHARD": "2/2"})
    assert r.returncode == 0, r.stderr
    names = sorted(f.name for f in (path.parent / "o").glob("*.md"))
    assert names == [f"monthly-2026-10-{sorted(scenarios.SITES)[1]}.md"]


@pytest.mark.parametrize("shard", ["0/3", "4/3", "2", "a/b", "1/0", "-1/2", ""])
def test_bad_shards_are_usage_errors(export, shard):
    path, config = export
    r = run_cli("--config", config, "monthly", path, "--month", "2026-10", "--format", "md", "--split-by", "site",
                "--out", "o", "--shard", shard)
    assert r.returncode == 2 and "--shard" in r.stderr, r.stderr
    assert not (path.parent / "o").exists() or not list((path.parent / "o").glob("*.md"))


def test_shard_needs_split_by(export):
    path, config = export
    r = run_cli("--config", config, "monthly", path, "--month", "2026-10", "--format", "md", "--shard", "1/2",
                "--out", "o")
    assert r.returncode == 2 and "--split-by" in r.stderr

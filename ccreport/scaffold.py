"""`ccreport init [DIR]`: write a starter `ccreport.yaml`, `strategy.yaml` and PIR narrative.

With the centre's answers (`strategy.skeleton.Answers`), `strategy.yaml` is a skeleton for the
writer: facts filled in, judgements left as prompts. Without answers (`init --example`) it is
the complete worked example, marked as such. `ccreport.yaml` and the PIR narrative are always
copies of the examples shipped in `ccreport/examples/`, so what `init` writes is exactly what
the tests load, check and document. Nothing is overwritten without `force`, and the check
happens before anything is written: either every file is written or none is.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import ConfigError
from .render.files import atomic_write_bytes
from .strategy.skeleton import Answers, skeleton_text

#: The files `init` writes, in order: (name in DIR, example in ccreport/examples).
FILES = (
    ("ccreport.yaml", "ccreport.yaml"),
    ("strategy.yaml", "strategy.yaml"),
    ("pir-narrative.md", "pir-narrative.md"),
)


def example_text(name: str) -> str:
    """The text of a shipped example file."""
    return resources.files("ccreport.examples").joinpath(name).read_text(encoding="utf-8")


#: The first lines of the worked example as `init --example` writes it: it is a model to study.
EXAMPLE_MARK = (
    "# THE WORKED EXAMPLE (a fictional centre), written by `ccreport init --example` to show what a\n"
    "# finished strategy looks like. It is not yours: for your own centre run `ccreport init` and\n"
    "# write the skeleton it makes.\n\n"
)


def init(dir: Path | str = ".", force: bool = False, answers: Answers | None = None) -> list[Path]:
    """Write the starter files into `dir` (created if needed) and return their paths.

    `answers`: the strategy is the skeleton for that centre; None: the worked example.

    Raises ConfigError naming the existing file(s) when any target exists and `force` is
    False, before writing anything.
    """
    target = Path(dir)
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{target}: exists and is not a folder; choose another folder for `ccreport init`.")
    paths = [target / name for name, _ in FILES]
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        raise ConfigError(f"{names} already {verb}; nothing was written. Use --force to overwrite, "
                          "or choose another folder.")
    texts = [example_text(example) for _, example in FILES]  # read all before writing any
    strategy = [name for name, _ in FILES].index("strategy.yaml")
    texts[strategy] = skeleton_text(answers) if answers is not None else EXAMPLE_MARK + texts[strategy]
    try:
        target.mkdir(parents=True, exist_ok=True)
        for path, text in zip(paths, texts):
            # The CLI reports the files itself, so the writer does not log "Wrote" a second time.
            atomic_write_bytes(path, text.encode("utf-8"), announce=False)
    except OSError as err:
        raise ConfigError(f"{target}: cannot write the starter files ({err.strerror}).") from None
    return paths

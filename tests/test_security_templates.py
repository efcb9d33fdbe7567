"""User templates (`--templates DIR`) are untrusted code: they run in Jinja2's immutable
sandbox, cannot reach Python internals, run commands, read files outside the template folders
or change the Document, and whatever they try ends in one RenderError line naming the
template, with nothing written (issue 13, item 2)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ccreport.document import Column, Document, Paragraph, Section, Table
from ccreport.errors import RenderError
from ccreport.render.options import RenderOptions
from ccreport.render.output import write_document
from ccreport.render.html import make_environment, render_html

from .util import SAMPLE

CONFIG = str(SAMPLE / "ccreport.yaml")
INCIDENTS = str(SAMPLE / "incidents.csv")

HOSTILE = {
    "globals_via_cycler": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "mro": "{{ ''.__class__.__mro__ }}",
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "lipsum_globals": "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "joiner_init": "{{ joiner.__init__.__globals__ }}",
    "private_context": "{{ self._TemplateReference__context }}",
    "function_globals": "{{ render_block.__globals__ }}",
    "mutate_document": "{{ doc.blocks.append(1) }}",
    "huge_range": "{{ range(10**9) | list | length }}",
    "format_escape": "{{ '{0.__class__}'.format(doc) }}",
    "recursion": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "division": "{{ 1 / 0 }}",
    "huge_string": "{{ 'x' * 10**10 }}",
    "huge_list": "{{ (10**9 * [0]) | length }}",
    "huge_power": "{{ 9 ** (9 ** 9) }}",
}


def _tiny_doc() -> Document:
    return Document("tiny", "Tiny", period_label="P", organisation="O", author="O", date=dt.date(2026, 1, 2),
                    blocks=[Section("S", [Paragraph("Hello"), Table([Column("A")], [["cell"]], caption="C")])])


def hostile_folder(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    (folder / "tiny.html").write_text('{% extends "default:base.html" %}\n{% block footer %}' + body +
                                      "{% endblock %}")
    return folder


def test_the_environment_is_the_immutable_sandbox():
    assert isinstance(make_environment(None), ImmutableSandboxedEnvironment)
    env = make_environment(None)
    assert env.autoescape is True


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_template_is_one_render_error_naming_it_and_nothing_is_written(tmp_path, name):
    """Protection: render.html.make_environment (ImmutableSandboxedEnvironment, with `*` and
    `**` bounded by _TemplateSandbox) and
    render_html's error handling; write_document renders HTML before writing any format."""
    folder = hostile_folder(tmp_path, HOSTILE[name])
    out = tmp_path / "out"
    with pytest.raises(RenderError) as info:
        write_document(_tiny_doc(), "docx,md,html,pdf", out, "tiny", RenderOptions(templates_dir=folder))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{folder / 'tiny.html'}:2: template error: "), message
    assert "uid=" not in message and "root:" not in message
    assert list(out.iterdir()) == []
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_unsafe_attribute_messages_say_what_was_refused(tmp_path):
    folder = hostile_folder(tmp_path, HOSTILE["globals_via_cycler"])
    with pytest.raises(RenderError, match=r"access to attribute '__init__' of 'type' object is unsafe"):
        render_html(_tiny_doc(), {}, templates_dir=folder)


def test_a_template_cannot_read_a_file_outside_the_template_folders(tmp_path):
    """Protection: render.html._ConfinedLoader (a link out of the folder is refused);
    FileSystemLoader itself refuses `..` and absolute names."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    folder = hostile_folder(tmp_path, "{% include 'leak.html' %}")
    (folder / "leak.html").symlink_to(secret)
    with pytest.raises(RenderError, match=r"tiny.html:2: template error: template 'leak.html' is a link to .*outside the template folder"):
        render_html(_tiny_doc(), {}, templates_dir=folder)
    for name in ("../secret.txt", str(secret), "/etc/passwd"):
        (folder / "tiny.html").write_text('{% extends "default:base.html" %}{% block footer %}'
                                          f"{{% include {name!r} %}}{{% endblock %}}")
        with pytest.raises(RenderError, match="not found"):
            render_html(_tiny_doc(), {}, templates_dir=folder)


def test_a_link_to_a_template_inside_the_folder_still_works(tmp_path):
    folder = hostile_folder(tmp_path, "{% include 'parts/note.html' %}")
    (folder / "parts").mkdir()
    (folder / "real.html").write_text("<p class='note'>{{ doc.title }}</p>")
    (folder / "parts" / "note.html").symlink_to(folder / "real.html")
    assert "<p class='note'>Tiny</p>" in render_html(_tiny_doc(), {}, templates_dir=folder)


def test_built_ins_a_template_may_use_keep_working(tmp_path):
    """What a sandboxed template may do: read the document, loop, filter, format, include and
    extend the built-in templates, build its own lists and dicts."""
    body = ("{% set ns = namespace(names=[]) %}{% for b in doc.blocks %}{% set ns.names = ns.names + [b.title] %}{% endfor %}"
            "<p id='t'>{{ doc.title | upper }} {{ ns.names | join(',') }} {{ '%05.1f' | format(3.14159) }} "
            "{{ '{}-{}'.format('a', 'b') }} {{ range(3) | list | length }} {{ {'k': 1}.items() | list }} "
            "{{ published }} {{ version is string }} {{ 'ab' * 3 }} {{ 2 ** 10 }} {{ 6 * 7 }}</p>{% include 'default:blocks/page_break.html' %}")
    folder = hostile_folder(tmp_path, body)
    html = render_html(_tiny_doc(), {}, templates_dir=folder)
    assert "<p id='t'>TINY S 003.1 a-b 3 [(&#39;k&#39;, 1)] 2 January 2026 True ababab 1024 42</p>" in html


def test_cli_hostile_template_is_exit_1_one_line(tmp_path):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "monthly.html").write_text('{% extends "default:monthly.html" %}\n'
                                      "{% block head %}" + HOSTILE["globals_via_cycler"] + "{% endblock %}")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "ccreport.cli", "--config", CONFIG, "monthly", INCIDENTS,
                        "--month", "2026-10", "--format", "docx,html,pdf", "--out", str(out), "--templates", str(tpl)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("ccreport:")]
    assert errors == [f"ccreport: error: {tpl / 'monthly.html'}:2: template error: access to attribute "
                      "'__init__' of 'type' object is unsafe."]
    assert "Traceback" not in r.stderr and "uid=" not in r.stdout + r.stderr
    assert sorted(p.name for p in out.iterdir()) == [".ccreport.lock"]

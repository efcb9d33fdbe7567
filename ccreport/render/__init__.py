"""Renderers: one format-neutral Document in, PDF / DOCX / HTML / Markdown out.

    base.write_document(doc, formats, out_dir, basename, config, ...) -> list[Path]

`base` owns the output files (atomic writes, safe names, "Wrote <path>"); `html` lays the
Document out with Jinja2 templates; `pdf` prints that HTML with WeasyPrint; `docx` builds a
Word file from a reference document's styles; `markdown` writes GitHub-flavoured Markdown.
Renderers only lay out: every number arrives already formatted in the Document.
Heavy libraries (WeasyPrint, python-docx, matplotlib) are imported only by the format that
needs them.
"""

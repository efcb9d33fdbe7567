"""Renderers: one format-neutral Document in, PDF / DOCX / HTML / Markdown out.

    output.write_document(doc, formats, out_dir, basename, RenderOptions(...)) -> list[Path]

`output` writes a Document in each requested format; `registry` lists the formats (one line
each) and `renderer` says what a format provides (the `Renderer` protocol); `options` is the
`RenderOptions` value; `files` owns safe names and atomic writes for every file ccreport writes;
`charts` draws the document's chart specs with matplotlib. The formats: `html` lays the
Document out with Jinja2 templates (`templates`); `pdf` prints that HTML with WeasyPrint;
`docx` builds a Word file from a reference document's styles; `markdown` writes
GitHub-flavoured Markdown (`blocks` is the block dispatch these two share).
Renderers only lay out: every number arrives already formatted in the Document.
Heavy libraries (WeasyPrint, python-docx, matplotlib) are imported only by the format that
needs them.
"""

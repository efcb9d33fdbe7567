"""Document builders: metrics (or YAML) -> a format-neutral `ccreport.document.Document`.

    monthly.build_monthly(metrics, config) -> Document
    monthly.render_monthly(metrics, config, formats, out_dir, ...) -> list[Path]

Number formats and shared wording live in `common`.
"""

"""Document builders: a model -> a format-neutral `ccreport.document.Document`, nothing else.

    monthly.build_monthly(metric_set, branding, options) -> Document
    pir.build_pir(facts, narrative, branding, options) -> Document
    strategy.build_strategy(strategy, evidence, coverage, branding, options) -> Document

The builders choose and word figures; they never load data, compute metrics, write files or
send email (`ccreport.app` does those, tests/test_documents_pure.py checks the imports).
Branding (organisation, logo, colour) is `branding.Branding`; number formats and shared
wording live in `common`.
"""

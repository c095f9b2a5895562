"""Reports: the PDF month report for the coach conversation (:mod:`reports.month_report`) and the
disclosure-controlled aggregates for the municipality (:mod:`reports.aggregates`, rules in
:mod:`reports.disclosure`, see docs/disclosure.md).

Never imports dash or flask: the dashboard calls into this package, not the other way round.
"""

"""A fictitious but realistic demo world: households, their bank files and benefit data.

Everything here is invented: names, account numbers, employers and most amounts. Where an amount
follows a published figure (bijstand norms, kinderbijslag; ``hhb.demo.figures``) the source is
named there; every other amount is a plausible demo value and must never be shown as official.
The one exception to "random" is the participant from the Huishoudboekje presentation
(``seeds/002_*``), reproduced to the cent as household ``DEMO-SEED`` so that the month overview
has a golden test.

Entry points: :func:`hhb.demo.world.generate_household`, :func:`hhb.demo.files.write_world`
(bank files), :func:`hhb.demo.bulk.write_bulk` (the tables an import would store, for benchmarks
at 100 000 households) and the ``hhb demo`` command in :mod:`hhb.demo.cli`.
"""

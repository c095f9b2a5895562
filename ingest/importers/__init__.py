"""The built-in importers. Importing this package registers them.

Order matters only where two importers could claim the same bytes: the XML and tagged formats
have unambiguous signatures and go first, CSV dialects (the most permissive) last. Within a
format module, ``IMPORTERS`` lists the most specific dialect first.
"""

from __future__ import annotations

from ingest import camt, csvbanks, mt940, ofx
from ingest.base import register

for _module in (camt, ofx, mt940, csvbanks):
    for _importer in _module.IMPORTERS:
        register(_importer)

"""Any bytes given to any importer either parse or raise the typed IngestError, never another
exception: a coach uploading the wrong file must see a message, not a stack trace."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.base import Importer, detect, importers
from ingest.errors import IngestError
from ingest.model import ExtractResult

ALL = importers()


@pytest.mark.parametrize("importer", ALL, ids=[i.name for i in ALL])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048))
def test_extract_never_crashes(importer: Importer, data: bytes) -> None:
    try:
        result = importer.extract(data, "upload.bin")
    except IngestError as exc:
        assert exc.file == "upload.bin"
        assert exc.message
    else:
        assert isinstance(result, ExtractResult)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=1024))
def test_detect_never_crashes(data: bytes) -> None:
    try:
        detect(data, "upload.bin")
    except IngestError as exc:
        assert exc.line >= 1

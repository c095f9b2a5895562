"""Throughput of the payer matcher on realistic (name, description) pairs.

Run ``python benchmarks/payers.py [--quick]``; prints ``name: value unit`` lines like the
scripts under ``benchmarks/``. The mix mirrors a household's statement: mostly shops, transfers
between people and card payments, about one in six transactions from a registry payer.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.payers import default_registry

_OTHER_NAMES = (
    "ALBERT HEIJN 1403",
    "JUMBO UTRECHT OVERVECHT",
    "LIDL 0423 AMERSFOORT",
    "ACTION 1234",
    "KRUIDVAT 7711",
    "BOL.COM BV",
    "COOLBLUE B.V.",
    "NS GROEP IZ NS REIZIGERS",
    "HEMA BV",
    "J. DE VRIES",
    "HR K UWV",
    "MW A EL AMRANI",
    "KEES UWV",
    "TIKKIE",
    "STICHTING VOEDSELBANK",
    "CCV*BAKKERIJ DE GRAAF",
    "SUMUP *KAPSALON NOOR",
    "PAYPAL EUROPE S.A.R.L.",
    "ETOS 1234",
    "GAMMA UTRECHT",
    "PRIMARK",
    "ZEEMAN 321",
    "SHELL 1234",
    "DIRK VD BROEK",
    "ALDI 102",
)
_OTHER_DESCS = (
    "BETAALAUTOMAAT 12:34 PASNR 123",
    "PAS 123 BEA NR:XXX1234 21.05.24/12.54",
    "TIKKIE ID 001234 PIZZA",
    "BESTELLING 1234567890",
    "TERUGBETALING LENING",
    "VERJAARDAG OMA",
    "BOODSCHAPPEN",
    "ZAKGELD",
    "REIZEN OP SALDO",
    "ONLINE AANKOOP",
    "BEDANKT VOOR HET LENEN",
    "",
)
_PAYERS = (
    ("BELASTINGDIENST", "1234567890123456 ZORGTOESLAG 2024 VOORSCHOT NOV."),
    ("BELASTINGDIENST/TOESLAGEN", "HUURTOESLAG 2024 VOORSCHOT"),
    ("UWV", "WW-UITKERING PERIODE 10-2024 12345678"),
    ("SVB", "KINDERBIJSLAG 3E KWARTAAL 2024"),
    ("GEMEENTE UTRECHT", "PWJ/TAO 01-09-23/30-09-23 123456"),
    ("ENECO SERVICES", "TERMIJN 11-2024 KLANTNR 1234567"),
    ("VITENS NV", "VOORSCHOT DRINKWATER 123456789"),
    ("ZILVEREN KRUIS ACHMEA", "PREMIE NOVEMBER 2024 RELATIENR 123"),
    ("PORTAAL", "HUUR NOVEMBER 2024 CONTRACT 12345"),
    ("KPN B.V.", "FACTUUR 123456789"),
    ("BGHU", "AANSLAG 2024 TERMIJN 3"),
    ("CAK", "EIGEN BIJDRAGE WMO PERIODE 11"),
)


def pairs(n: int, seed: int = 1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for _ in range(n):
        if rng.random() < 1 / 6:
            out.append(rng.choice(_PAYERS))
        else:
            out.append((rng.choice(_OTHER_NAMES), rng.choice(_OTHER_DESCS)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    n = 50_000 if parser.parse_args().quick else 1_000_000
    registry = default_registry()
    data = pairs(n)
    match = registry.match
    start = time.perf_counter()
    hits = sum(1 for name, desc in data if match(None, name, desc) is not None)
    elapsed = time.perf_counter() - start
    # Baseline in the same run (the machine is shared): just upper-casing and tokenising both
    # strings, the least any word-based matcher must do.
    token = re.compile(r"[^\W_]+")
    start = time.perf_counter()
    for name, desc in data:
        token.findall(name.upper())
        token.findall(desc.upper())
    baseline = time.perf_counter() - start
    print(f"payer_match: {n / elapsed:.0f} pairs/s")
    print(f"payer_match_hit_ratio: {hits / n:.3f} ratio")
    print(f"payer_match_vs_tokenize: {baseline / elapsed:.2f} x")


if __name__ == "__main__":
    main()

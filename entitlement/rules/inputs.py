"""What a household-month must tell the engine: the declared input columns.

The engine takes a polars frame with one row per household-month: a ``month`` column (the first
day of the month) and the columns below. Money arrives in integer cents, as everywhere in hhb,
and is divided by 100 on the way in so that formulas read in euros like the law does
(``0.0189 * drempelinkomen``). The income module fills the income columns (marking estimates in
columns of its own, which pass through untouched); the household profile gives composition, rent,
vermogen and municipality. A regeling only needs the columns its formulas use; a missing column
is refused with its name, a null value makes that household-month "niet berekend" (never a guess).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl


class InputKind(StrEnum):
    MONEY = "bedrag"  # Int64 cents in the frame, euros in formulas
    INT = "geheel getal"
    BOOL = "ja/nee"
    AGES = "leeftijden"  # List(Int16): only through aantal_kinderen() / som_kinderen()
    CODE = "code"  # String: only used by the engine itself (gemeente)


@dataclass(frozen=True, slots=True)
class InputSpec:
    name: str  # the name in formulas
    column: str  # the column in the frame
    kind: InputKind
    label: str  # Dutch, for derivations
    default: object  # the value a scenario or `hhb calc` uses when none is given (None: required)

    @property
    def dtype(self) -> pl.DataType:
        return {
            InputKind.MONEY: pl.Int64(),
            InputKind.INT: pl.Int16(),
            InputKind.BOOL: pl.Boolean(),
            InputKind.AGES: pl.List(pl.Int16()),
            InputKind.CODE: pl.String(),
        }[self.kind]


MONTH_COLUMN = "month"
CHILDREN = "kinderen"
MUNICIPALITY = "gemeente"

INPUTS: dict[str, InputSpec] = {
    spec.name: spec
    for spec in (
        InputSpec(
            "toetsingsinkomen_jaar",
            "toetsingsinkomen_jaar_cents",
            InputKind.MONEY,
            "toetsingsinkomen per jaar (aanvrager en toeslagpartner samen)",
            None,
        ),
        InputSpec(
            "netto_inkomen_maand",
            "netto_inkomen_maand_cents",
            InputKind.MONEY,
            "netto inkomen per maand (werk en uitkeringen; zonder bijstand, toeslagen, "
            "kinderbijslag en kindgebonden budget)",
            None,
        ),
        InputSpec("partner", "partner", InputKind.BOOL, "toeslagpartner of echtgenoot", False),
        InputSpec("leeftijd", "leeftijd", InputKind.INT, "leeftijd aanvrager", None),
        InputSpec(
            "leeftijd_partner",
            "leeftijd_partner",
            InputKind.INT,
            "leeftijd partner (0 zonder partner)",
            0,
        ),
        InputSpec(
            CHILDREN,
            "kinderen_leeftijden",
            InputKind.AGES,
            "leeftijden van de thuiswonende kinderen",
            (),
        ),
        InputSpec(
            "aantal_personen",
            "aantal_personen",
            InputKind.INT,
            "aantal personen in het huishouden",
            None,
        ),
        InputSpec(
            "kostendelers",
            "kostendelers",
            InputKind.INT,
            "aantal medebewoners die kostendeler zijn (naast aanvrager en partner)",
            0,
        ),
        InputSpec("kale_huur", "kale_huur_cents", InputKind.MONEY, "kale huur per maand", 0),
        InputSpec(
            "servicekosten",
            "servicekosten_cents",
            InputKind.MONEY,
            "subsidiabele servicekosten per maand",
            0,
        ),
        InputSpec("vermogen", "vermogen_cents", InputKind.MONEY, "vermogen op 1 januari", 0),
        InputSpec(MUNICIPALITY, "gemeente", InputKind.CODE, "gemeente (CBS-code)", None),
        InputSpec("student", "student", InputKind.BOOL, "aanvrager is student", False),
        InputSpec(
            "inkomen_pct_norm_3j",
            "inkomen_pct_norm_3j",
            InputKind.INT,
            "hoogste inkomen van de afgelopen 3 jaar, in procenten van de bijstandsnorm",
            None,
        ),
        InputSpec(
            "inkomen_pct_norm_5j",
            "inkomen_pct_norm_5j",
            InputKind.INT,
            "hoogste inkomen van de afgelopen 5 jaar, in procenten van de bijstandsnorm",
            None,
        ),
        InputSpec(
            "uitzicht_op_beter_inkomen",
            "uitzicht_op_beter_inkomen",
            InputKind.BOOL,
            "er is uitzicht op een hoger inkomen (beoordeling van de gemeente)",
            False,
        ),
        InputSpec(
            "gemeentelijke_belastingen_jaar",
            "gemeentelijke_belastingen_jaar_cents",
            InputKind.MONEY,
            "aanslag gemeentelijke belastingen dit jaar (waarvoor kwijtschelding kan)",
            0,
        ),
    )
}

IMPLICIT = {
    "jaar": "het jaar van de maand",
    "maand": "het maandnummer (1-12)",
}

BY_COLUMN: dict[str, InputSpec] = {spec.column: spec for spec in INPUTS.values()}


def input_schema(names: tuple[str, ...] | None = None) -> dict[str, pl.DataType]:
    """The column schema of an input frame (all inputs, or those of ``names``), month first."""
    specs = INPUTS.values() if names is None else (INPUTS[n] for n in names)
    schema: dict[str, pl.DataType] = {MONTH_COLUMN: pl.Date()}
    schema.update({spec.column: spec.dtype for spec in specs})
    return schema

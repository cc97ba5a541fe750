"""The tariff file format (docs/design.md section 5) and the --slab options."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsmanager_desktop.domain.errors import ValidationError
from opsmanager_desktop.domain.tariff import (
    Category,
    Slab,
    SlabMode,
    Tariff,
    Tax,
    TaxBase,
    compute_charges,
)
from opsmanager_desktop.domain.tariff_file import (
    parse_slab_option,
    parse_tariff_data,
    parse_tariff_json,
    tariff_from_options,
)

D = Decimal


def design_file(**changes: Any) -> dict[str, Any]:
    """The example of docs/design.md section 5, with slabs (it shows both for illustration)."""
    data: dict[str, Any] = {
        "code": "DOM-1", "name": "Domestic", "utility": "electricity",
        "effective_from": "2026-01-01", "mode": "telescopic", "fixed_charge": "50.00",
        "fixed_charge_per_kw": "0", "minimum_charge": "0",
        "taxes": [{"name": "Electricity duty", "percent": "5", "on": "energy"},
                  {"name": "VAT", "percent": "7.5", "on": "energy+fixed"}],
        "slabs": [{"up_to": "100", "rate": "5.00"}, {"up_to": None, "rate": "10.00"}],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not _DROP}


_DROP = object()
CATEGORIES = [
    {"up_to": "100", "fixed_charge": "20", "slabs": [{"up_to": None, "rate": "1.00"}]},
    {"up_to": None, "fixed_charge": "40", "slabs": [{"up_to": "200", "rate": "3.00"},
                                                     {"up_to": None, "rate": "4.00"}]},
]


def problems_of(data: Any) -> dict[str, str]:
    text = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(ValidationError) as caught:
        parse_tariff_json(text)
    return {p.field: p.reason for p in caught.value.problems}


def test_design_example_reads_exactly() -> None:
    spec = parse_tariff_json(json.dumps(design_file()))
    assert (spec.code, spec.name, spec.utility, spec.effective_from) == (
        "DOM-1", "Domestic", "electricity", date(2026, 1, 1))
    assert not spec.uses_categories
    assert spec.tariff == Tariff.simple(
        (Slab(D(100), D(5)), Slab(None, D(10))), D(50), SlabMode.TELESCOPIC,
        (Tax("Electricity duty", D(5), TaxBase.ENERGY),
         Tax("VAT", D("7.5"), TaxBase.ENERGY_AND_FIXED)))
    assert compute_charges(spec.tariff, D(150)).total == D("1000.00") + D("50.00") \
        + D("50.00") + D("78.75")


def test_json_numbers_are_exact_decimals_not_floats() -> None:
    text = ('{"code": "W-1", "name": "Water", "utility": "water", "fixed_charge": 0.1,'
            ' "slabs": [{"up_to": 10, "rate": 0.30}, {"up_to": null, "rate": 1.1}]}')
    spec = parse_tariff_json(text)
    slabs = spec.tariff.categories[0].slabs
    assert spec.tariff.categories[0].fixed_charge == D("0.1")
    assert [s.rate for s in slabs] == [D("0.30"), D("1.1")]
    assert all(isinstance(s.rate, Decimal) for s in slabs)
    assert compute_charges(spec.tariff, D(20)).energy == D("14.00")  # 10 x 0.30 + 10 x 1.1


def test_defaults_mode_kw_minimum_taxes() -> None:
    spec = parse_tariff_data(design_file(
        mode=_DROP, fixed_charge_per_kw=_DROP, minimum_charge=_DROP, taxes=_DROP,
        effective_from=_DROP, code="dom-1", utility="Electricity"))
    assert spec.tariff.mode is SlabMode.TELESCOPIC
    assert (spec.tariff.fixed_charge_per_kw, spec.tariff.minimum_charge) == (0, 0)
    assert spec.tariff.taxes == ()
    assert spec.effective_from is None  # the service decides
    assert (spec.code, spec.utility) == ("DOM-1", "electricity")  # normalised case


def test_categories_file() -> None:
    spec = parse_tariff_data(design_file(slabs=_DROP, fixed_charge=_DROP,
                                         categories=CATEGORIES, mode="flat"))
    assert spec.uses_categories
    assert spec.tariff.categories == (
        Category(D(100), D(20), (Slab(None, D(1)),)),
        Category(None, D(40), (Slab(D(200), D(3)), Slab(None, D(4)))))
    assert compute_charges(spec.tariff, D(150)).energy == D("450.00")  # flat: 150 x 3.00


def test_one_open_category_keeps_category_field_names() -> None:
    only = [{"up_to": None, "fixed_charge": "5", "slabs": [{"up_to": None, "rate": "-1"}]}]
    assert problems_of(design_file(slabs=_DROP, fixed_charge=_DROP, categories=only)) == {
        "categories[0].slabs[0].rate": "must not be negative"}


@pytest.mark.parametrize("changes,field,reason", [
    ({"slabs": [{"up_to": "100", "rate": "5"}, {"up_to": "100", "rate": "6"},
                {"up_to": None, "rate": "7"}]}, "slabs[1].up_to", "must be above the previous"),
    ({"slabs": [{"up_to": "100", "rate": "5"}, {"up_to": "90", "rate": "6"},
                {"up_to": None, "rate": "7"}]}, "slabs[1].up_to", "overlap"),
    ({"slabs": [{"up_to": "100", "rate": "5"}, {"up_to": "200", "rate": "6"}]},
     "slabs[1].up_to", "must be open-ended"),
    ({"slabs": [{"up_to": None, "rate": "5"}, {"up_to": None, "rate": "6"}]},
     "slabs[0].up_to", "only the last slab may be open-ended"),
    ({"slabs": [{"up_to": "100", "rate": "-5"}, {"up_to": None, "rate": "6"}]},
     "slabs[0].rate", "must not be negative"),
    ({"slabs": [{"up_to": "100", "rate": "5"}, {"rate": "6"}]},
     "slabs[1].up_to", "is required"),
    ({"slabs": [{"up_to": "100"}, {"up_to": None, "rate": "6"}]}, "slabs[0].rate",
     "is required"),
    ({"slabs": [{"up_to": "ten", "rate": "5"}, {"up_to": None, "rate": "6"}]},
     "slabs[0].up_to", "'ten' is not a number"),
    ({"slabs": [{"up_to": 100, "rate": True}, {"up_to": None, "rate": "6"}]},
     "slabs[0].rate", "yes/no"),
    ({"slabs": [{"up_to": 100, "rate": 5, "from": 0}, {"up_to": None, "rate": "6"}]},
     "slabs[0].from", "unknown field"),
    ({"slabs": []}, "slabs", "at least one slab"),
    ({"slabs": "100:5"}, "slabs", "must be a list"),
    ({"slabs": _DROP}, "slabs", "either slabs"),
    ({"categories": CATEGORIES}, "categories", "not both"),
    ({"mode": "stepped"}, "mode", "'stepped' is not a slab mode; use telescopic or flat"),
    ({"taxes": [{"name": "VAT", "percent": "5", "on": "total"}]}, "taxes[0].on",
     "'total' is not a tax base"),
    ({"taxes": [{"name": "VAT", "percent": "5"}]}, "taxes[0].on", "is required"),
    ({"taxes": [{"name": "VAT", "percent": "105", "on": "energy"}]}, "taxes[0].percent",
     "between 0 and 100"),
    ({"taxes": [{"percent": "5", "on": "energy"}]}, "taxes[0].name", "is required"),
    ({"taxes": {"name": "VAT"}}, "taxes", "must be a list"),
    ({"fixed_charge": _DROP}, "fixed_charge", "is required"),
    ({"fixed_charge": "12.345"}, "fixed_charge", "at most 2 decimal places"),
    ({"minimum_charge": "-1"}, "minimum_charge", "must not be negative"),
    ({"fixed_charge_per_kw": "lots"}, "fixed_charge_per_kw", "not a number"),
    ({"effective_from": "01/02/2026"}, "effective_from", "YYYY-MM-DD"),
    ({"code": "DOM 1"}, "code", "is not a code"),
    ({"code": _DROP}, "code", "is required"),
    ({"name": ""}, "name", "is required"),
    ({"utility": 7}, "utility", "is required"),
    ({"colour": "blue"}, "colour", "unknown field"),
])
def test_refusals_name_the_field(changes: dict[str, Any], field: str, reason: str) -> None:
    problems = problems_of(design_file(**changes))
    assert field in problems, problems
    assert reason in problems[field]


def test_category_rules_name_nested_fields() -> None:
    bad = [
        {"up_to": "100", "fixed_charge": "-2", "slabs": [{"up_to": None, "rate": "1"}]},
        {"up_to": "50", "fixed_charge": "4", "slabs": [{"up_to": "20", "rate": "1"}]},
    ]
    with pytest.raises(ValidationError) as caught:
        parse_tariff_data(design_file(slabs=_DROP, fixed_charge=_DROP, categories=bad))
    found = [(p.field, p.reason) for p in caught.value.problems]
    assert [field for field, _ in found] == [
        "categories[1].up_to", "categories[1].up_to", "categories[0].fixed_charge",
        "categories[1].slabs[0].up_to"]
    assert "must be open-ended" in found[0][1] and "previous bound 100" in found[1][1]


def test_category_file_may_not_have_a_plan_fixed_charge() -> None:
    problems = problems_of(design_file(slabs=_DROP, categories=CATEGORIES))
    assert "each category has its own fixed_charge" in problems["fixed_charge"]
    ok = parse_tariff_data(design_file(slabs=_DROP, fixed_charge="0", categories=CATEGORIES))
    assert ok.uses_categories


def test_every_problem_reported_at_once() -> None:
    problems = problems_of(design_file(
        code="", mode="x", minimum_charge="-1",
        slabs=[{"up_to": "x", "rate": "-1"}, {"up_to": "50", "rate": "1"},
               {"up_to": None, "rate": "1"}]))
    # the unreadable bound does not set off echoes about the band order
    assert set(problems) == {"code", "mode", "minimum_charge", "slabs[0].up_to",
                             "slabs[0].rate"}


@pytest.mark.parametrize("text,reason", [
    ("not json", "is not valid JSON (line 1"),
    ("[1, 2]", "must hold one JSON object"),
    ('"text"', "must hold one JSON object"),
    ('{"code": "A", "code": "B"}', "appears twice"),
    ('{"slabs": [{"up_to": null, "rate": NaN}]}', None),
])
def test_malformed_files(text: str, reason: str | None) -> None:
    problems = problems_of(text)
    if reason is None:  # NaN is read, then refused as a number, naming its field
        assert "not a finite number" in problems["slabs[0].rate"]
    else:
        assert reason in problems["file"]


# --- the --slab options ---------------------------------------------------------------------

def test_slab_option_forms() -> None:
    assert parse_slab_option("100:5") == Slab(D(100), D(5))
    assert parse_slab_option(":10.50") == Slab(None, D("10.50"))
    with pytest.raises(ValidationError, match="write UPTO:RATE"):
        parse_slab_option("100")


def test_tariff_from_options_design_example() -> None:
    tariff = tariff_from_options(fixed="50", tax="5", mode="telescopic",
                                 slabs=["100:5", ":10"])
    assert tariff.taxes == (Tax("Tax", D(5), TaxBase.ENERGY_AND_FIXED),)
    charges = compute_charges(tariff, D(150))
    assert (charges.energy, charges.fixed, charges.tax) == (D("1000.00"), D("50.00"),
                                                            D("52.50"))
    assert tariff_from_options(fixed="0", tax="0", mode=None, slabs=[":1"]).taxes == ()


def test_tariff_from_options_names_options() -> None:
    with pytest.raises(ValidationError) as caught:
        tariff_from_options(fixed="-3", tax="abc", mode="weird",
                            slabs=["100:5", "50:x", "200:-1"])
    fields = [p.field for p in caught.value.problems]
    assert set(fields) == {"--slab 50:x", "--slab 200:-1", "--fixed", "--tax", "--mode"}
    with pytest.raises(ValidationError) as caught:
        tariff_from_options(fixed="50", tax="5", mode=None, slabs=["100:5", "200:6"])
    assert str(caught.value) == ("--slab 200:6: up to: the last slab must be open-ended "
                                 "(:RATE) so every unit count has a band")
    with pytest.raises(ValidationError, match="--slab: at least one slab"):
        tariff_from_options(fixed="50", tax="5", mode=None, slabs=[])


# --- property: what is written is what is read ------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10_000, places=2)


def _number(value: Decimal, as_text: bool) -> Any:
    return str(value) if as_text else (int(value) if value == value.to_integral_value()
                                       else float(value))


@st.composite
def files(draw: st.DrawFn) -> tuple[dict[str, Any], Tariff]:
    bounds = sorted(set(draw(st.lists(st.integers(1, 10_000), max_size=4))))
    rates = [draw(st.decimals(min_value=0, max_value=100, places=2)) for _ in range(
        len(bounds) + 1)]
    fixed, per_kw = draw(amounts), draw(amounts)
    as_text = draw(st.booleans())
    slabs = [{"up_to": None if b is None else _number(D(b), as_text),
              "rate": _number(r, as_text)} for b, r in zip([*bounds, None], rates, strict=True)]
    mode = draw(st.sampled_from(list(SlabMode)))
    data = {"code": "P-1", "name": "Plan", "utility": "water", "mode": mode.value,
            "fixed_charge": _number(fixed, as_text),
            "fixed_charge_per_kw": _number(per_kw, as_text), "slabs": slabs}
    expected = Tariff.simple(tuple(Slab(None if b is None else D(b), r) for b, r in zip(
        [*bounds, None], rates, strict=True)), fixed, mode, (), per_kw)
    return data, expected


@settings(max_examples=200)
@given(files())
def test_written_as_text_or_json_numbers_reads_back_exactly(case: tuple[dict[str, Any],
                                                                        Tariff]) -> None:
    data, expected = case
    assert parse_tariff_json(json.dumps(data)).tariff == expected

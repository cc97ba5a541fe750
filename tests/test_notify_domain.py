"""Pure notification rules: back-off, placeholders, SMS length, channel choice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsmanager_desktop.domain.notifications import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    DEFAULTS,
    PLACEHOLDERS,
    SAMPLE,
    SMS_MAX_PARTS,
    Channel,
    backoff,
    choose_channel,
    placeholders_of,
    render,
    sms_length,
    unknown_placeholders,
)

bases = st.integers(1, 3600).map(lambda s: timedelta(seconds=s))


@given(st.integers(1, 10_000), bases, st.integers(1, 48).map(lambda h: timedelta(hours=h)))
def test_backoff_grows_then_stays_at_cap(attempts: int, base: timedelta,
                                         cap: timedelta) -> None:
    delay = backoff(attempts, base, cap)
    nxt = backoff(attempts + 1, base, cap)
    assert min(base, cap) <= delay <= cap
    assert delay <= nxt <= max(delay * 2, delay)  # never shrinks, at most doubles
    if delay < cap:
        assert delay == base * 2 ** (attempts - 1)


def test_backoff_figures() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [BACKOFF_BASE, 2 * BACKOFF_BASE,
                                               4 * BACKOFF_BASE]
    assert backoff(50) == BACKOFF_CAP
    with pytest.raises(ValueError):
        backoff(0)


@given(st.dictionaries(st.sampled_from(["name", "amount", "x"]),
                       st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=20)),
       st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=40))
def test_render_fills_every_placeholder(values: dict[str, str], literal: str) -> None:
    out = render(literal + "{name}-{amount}", values)
    assert out == literal + values.get("name", "") + "-" + values.get("amount", "")


def test_placeholders_refused_and_named() -> None:
    assert placeholders_of("Dear {name}, {{literal}} {amount}") == ["name", "amount"]
    assert unknown_placeholders("Hi {nmae}", "{amount} {totl}") == ["nmae", "totl"]
    for bad in ("{name.__class__}", "{amount:>10}", "{name!r}", "{0}", "{unclosed"):
        with pytest.raises(ValueError):
            unknown_placeholders(bad)
    for default in DEFAULTS.values():
        assert unknown_placeholders(default.subject, default.email, default.sms) == []


def test_sms_length_parts() -> None:
    assert (sms_length("a" * 160).parts, sms_length("a" * 161).parts) == (1, 2)
    assert sms_length("a" * 306).parts == 2 and sms_length("a" * 307).parts == 3
    assert sms_length("€" * 80).units == 160 and sms_length("€" * 80).parts == 1
    uni = sms_length("Ọ" * 71)
    assert (uni.encoding, uni.parts) == ("UCS-2", 2)
    assert "2 SMS parts" in sms_length("a" * 200).describe()
    for default in DEFAULTS.values():  # measured as a saved template is
        assert sms_length(render(default.sms, SAMPLE | {"company": "X" * 24})).parts \
            <= SMS_MAX_PARTS


def test_every_placeholder_has_a_sample() -> None:
    """The preview and the SMS length check fill every placeholder but the letterhead's."""
    assert set(SAMPLE) | {"company"} == PLACEHOLDERS
    bill_issued = DEFAULTS["bill_issued"]
    for text in (bill_issued.subject, bill_issued.email, bill_issued.sms):
        assert "{statement_no}" in text  # one message per statement (decision 45)


@given(st.sampled_from([None, "EMAIL", "SMS", "NONE"]), st.booleans(),
       st.sampled_from(["", " ", "a@b.example"]), st.sampled_from(["", "+234800"]))
def test_choose_channel_reaches_only_known_addresses(pref: str | None, out: bool, email: str,
                                                     phone: str) -> None:
    chosen = choose_channel(pref, out, email, phone)
    if out or pref == "NONE":
        assert chosen is None
    elif chosen is Channel.EMAIL:
        assert email.strip() and not (pref == "SMS" and phone)
    elif chosen is Channel.SMS:
        assert phone
    else:
        assert not email.strip() and not phone

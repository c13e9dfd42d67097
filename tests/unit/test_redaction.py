"""`mask_phone`: only the last 4 digits survive, behind a fixed-width mask that hides the length too.
`mask_address`: only the network of an IP address survives (IPv4 /24, IPv6 /48).
`mask_bsuid`: a WhatsApp business-scoped user id keeps its country prefix and its last 4 characters."""

import pytest

from security.redaction import mask_address, mask_bsuid, mask_member, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("263771234567", "•••••••4567"),
        ("+1 (555) 010-9999", "•••••••9999"),
        ("447700900123", "•••••••0123"),
        ("1234567", "•••••••"),  # too short to show anything
        ("", "•••••••"),
        (None, "•••••••"),
        ("٢٦٣٧٧١٢٣٤٥٦٧", "•••••••"),  # non-ASCII digits are not echoed
    ],
)
def test_mask_phone_keeps_only_the_last_four_digits(value, masked):
    assert mask_phone(value) == masked


def test_masks_of_numbers_of_different_lengths_have_the_same_length():
    assert len(mask_phone("12345678")) == len(mask_phone("263771234567123"))


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("203.0.113.66", "203.0.113.0/24"),
        ("2001:db8:1:2::7", "2001:db8:1::/48"),
        ("::ffff:203.0.113.66", "203.0.113.0/24"),  # from a dual-stack socket
        ("", "unknown"),
        (None, "unknown"),
        ("not an address", "unknown"),
    ],
)
def test_mask_address_keeps_only_the_network(value, masked):
    assert mask_address(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("ZW.1502576394655843", "ZW.•••5843"),
        ("US.ENT.11815799212886844", "US.ENT.•••6844"),
        ("ZW.abc12", "ZW.•••"),  # too short to show anything
        ("zw.1502576394655843", "•••"),  # not a BSUID: nothing of it is echoed
        ("263771234567", "•••"),
        ("", "•••"),
        (None, "•••"),
    ],
)
def test_mask_bsuid_keeps_the_country_and_the_last_four_characters(value, masked):
    assert mask_bsuid(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("263771234567", "•••••••4567"),
        ("ZW.1502576394655843", "ZW.•••5843"),
        ("u3fa93fa93fa93fa93fa93fa9", "u•••3fa9"),
        ("u1", "•••"),
        ("", "•••"),
    ],
)
def test_mask_member_masks_a_number_a_bsuid_or_a_member_key(value, masked):
    assert mask_member(value) == masked

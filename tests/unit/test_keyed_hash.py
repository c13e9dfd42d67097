"""`security.keyed_hash`: one keyed hash per purpose, from SECRET_KEY, never showing the value it names.

The hashes already stored before it existed keep their values (confirmation member hashes, erasure
pseudonyms), so an upgrade does not orphan them.
"""

import pytest
from django.utils.crypto import salted_hmac

from flows.confirmations import member_hash
from operator_api.gdpr import pseudonym
from security import ratelimit
from security.keyed_hash import keyed_hash, member_key_part

NUMBER = "263771234567"


def test_a_member_key_part_is_32_hex_digits_that_do_not_show_the_number():
    part = member_key_part(NUMBER)
    assert len(part) == 32 and set(part) <= set("0123456789abcdef")
    assert NUMBER not in part and NUMBER[-6:] not in part
    assert member_key_part(NUMBER) == part  # stable
    assert member_key_part("263771234568") != part


def test_each_purpose_has_its_own_key():
    parts = {
        member_key_part(NUMBER),
        member_hash(NUMBER),
        ratelimit.fingerprint(NUMBER),
        keyed_hash(NUMBER, purpose="another.purpose"),
    }
    assert len(parts) == 4  # a hash seen in one place cannot be matched against names in another


def test_hashes_stored_before_the_unification_keep_their_values():
    assert (
        member_hash(NUMBER)
        == salted_hmac("vimbisopay.confirmations.member", NUMBER, algorithm="sha256").hexdigest()[:32]
    )
    assert (
        pseudonym(NUMBER)
        == "erased-" + salted_hmac("vimbisopay.gdpr.pseudonym", NUMBER, algorithm="sha256").hexdigest()[:12]
    )


def test_another_secret_key_gives_other_names(settings):
    before = member_key_part(NUMBER)
    settings.SECRET_KEY = "another-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
    assert member_key_part(NUMBER) != before


@pytest.mark.parametrize("value", ["", None, 263771234567])
def test_a_member_key_part_needs_a_wa_id(value):
    with pytest.raises((ValueError, TypeError)):
        member_key_part(value)

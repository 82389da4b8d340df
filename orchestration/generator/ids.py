"""Identifiers in each vendor's format: Salesforce 18-character Ids and Stripe
object ids."""

from __future__ import annotations

import random
import string

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
# Salesforce maps each 5-bit group of the case-safe suffix to one of these.
CHECKSUM_ALPHABET = string.ascii_uppercase + "012345"

ACCOUNT_PREFIX = "001"
OPPORTUNITY_PREFIX = "006"
OPPORTUNITY_LINE_ITEM_PREFIX = "00k"
CONTRACT_PREFIX = "800"
PRODUCT2_PREFIX = "01t"

# Characters 4-6 of a Salesforce Id: the two-character pod and a reserved zero.
_SALESFORCE_POD = "Hs0"
_SALESFORCE_UNIQUE_LENGTH = 9


def salesforce_checksum(id15: str) -> str:
    """Return the 3-character case-safe suffix of a 15-character Salesforce Id.

    Each 5-character chunk gives one suffix character: bit i is set when
    character i of the chunk is an uppercase letter.
    """
    if len(id15) != 15:
        raise ValueError(f"a Salesforce Id has 15 characters before its suffix, got {id15!r}")
    suffix = []
    for start in range(0, 15, 5):
        bits = 0
        for position, character in enumerate(id15[start : start + 5]):
            if "A" <= character <= "Z":
                bits |= 1 << position
        suffix.append(CHECKSUM_ALPHABET[bits])
    return "".join(suffix)


def encode_base62(value: int, width: int) -> str:
    digits = []
    while value:
        value, remainder = divmod(value, 62)
        digits.append(BASE62[remainder])
    text = "".join(reversed(digits)).rjust(width, "0")
    if len(text) > width:
        raise ValueError(f"{value} does not fit in {width} base-62 digits")
    return text


def salesforce_id(prefix: str, number: int) -> str:
    """Build an 18-character Salesforce Id from a key prefix and a unique number."""
    id15 = prefix + _SALESFORCE_POD + encode_base62(number, _SALESFORCE_UNIQUE_LENGTH)
    return id15 + salesforce_checksum(id15)


# Maps each byte value to a base-62 character. Values 0-7 map to the first eight
# characters twice as often as the rest, which is harmless for synthetic ids.
_BYTE_TO_BASE62 = bytes((BASE62 * 5)[:256], "ascii")


def stripe_id(rng: random.Random, prefix: str, length: int = 24) -> str:
    """Draw a Stripe-style id such as `in_1Pgc6tB7WZ01zgkWu9fdqL6I` from `rng`."""
    return prefix + rng.randbytes(length).translate(_BYTE_TO_BASE62).decode("ascii")

"""ISO 4217 minor-unit exponents: how many decimals each currency's amounts carry.

Stripe sends amounts as integers in the currency's minor unit, so 1000 is 10.00 USD but
1000 JPY and 1.000 KWD. The table lists the active ISO 4217 codes (list one, as published
by the SIX maintenance agency) and a few withdrawn codes that old files still contain.
Codes whose exponent is "N.A." (precious metals, XDR, XXX, XTS) are left out on purpose:
an amount in them is an error.
"""

from __future__ import annotations

_ZERO_DECIMAL_CODES = "BIF BYR CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
ZERO_DECIMAL = frozenset(_ZERO_DECIMAL_CODES.split())
_THREE_DECIMAL_CODES = "BHD IQD JOD KWD LYD OMR TND"
THREE_DECIMAL = frozenset(_THREE_DECIMAL_CODES.split())
_FOUR_DECIMAL_CODES = "CLF UYW"
FOUR_DECIMAL = frozenset(_FOUR_DECIMAL_CODES.split())
_TWO_DECIMAL_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN
    ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IRR JMD
    KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB
    SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY
    TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL
    EEK LTL LVL MRO STD VEF
"""
TWO_DECIMAL = frozenset(_TWO_DECIMAL_CODES.split())

CURRENCY_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(TWO_DECIMAL, 2),
    **dict.fromkeys(ZERO_DECIMAL, 0),
    **dict.fromkeys(THREE_DECIMAL, 3),
    **dict.fromkeys(FOUR_DECIMAL, 4),
}

# Decimals allowed for a money column whose file carries no currency.
DEFAULT_EXPONENT = 2


def currency_exponent(code: str) -> int:
    """Return the ISO 4217 exponent of `code` (any letter case).

    Raises KeyError for a code that is not an ISO 4217 currency with minor units.
    """
    return CURRENCY_EXPONENTS[code.upper()]

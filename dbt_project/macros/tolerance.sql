{#
    Whether a difference is within the amount tolerance of a currency:
    abs(difference) <= max(absolute tolerance, relative tolerance * abs(base)).
    A currency without a row in amount_tolerances falls back to an exact match.
#}
{% macro within_tolerance(difference, absolute_tolerance, relative_tolerance, base_amount) -%}
    (abs({{ difference }}) <= {{ tolerance_amount(
        absolute_tolerance, relative_tolerance, base_amount
    ) }})
{%- endmacro %}

{% macro tolerance_amount(absolute_tolerance, relative_tolerance, base_amount) -%}
    greatest(
        coalesce({{ absolute_tolerance }}, 0),
        coalesce({{ relative_tolerance }}, 0) * abs(coalesce({{ base_amount }}, 0))
    )
{%- endmacro %}

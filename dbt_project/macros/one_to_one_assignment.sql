{#
    Assign candidate pairs one to one, each side used at most once, preferring
    the lowest `order_by` (a comma-separated list of candidate columns).

    Each round keeps the pairs that are the best remaining candidate of both
    their left and their right record, then removes both records from the
    later rounds. This is set-based greedy matching: a pair that wins in a
    round is the first choice of both sides, so no later pair can displace it.
    `rounds` bounds the work; a left record still unassigned after the last
    round stays unmatched.

    Renders a sequence of CTEs ending in `<prefix>_assigned`, with the columns
    of `candidates`.
#}
{% macro one_to_one_assignment(candidates, left_key, right_key, order_by, prefix, rounds=4) %}
    {%- for round in range(1, rounds + 1) %}
{{ prefix }}_ranked_{{ round }} as (

    select
        remaining.*,
        row_number() over (
            partition by remaining.{{ left_key }} order by {{ order_by }}
        ) as left_rank,
        row_number() over (
            partition by remaining.{{ right_key }} order by {{ order_by }}
        ) as right_rank
    from {{ candidates }} as remaining
    {%- if round > 1 %}
    where
        remaining.{{ left_key }} not in (
            select assigned.{{ left_key }} from {{ prefix }}_won_{{ round - 1 }} as assigned
        )
        and remaining.{{ right_key }} not in (
            select assigned.{{ right_key }} from {{ prefix }}_won_{{ round - 1 }} as assigned
        )
    {%- endif %}

),

{{ prefix }}_won_{{ round }} as (

    select * from {{ prefix }}_ranked_{{ round }}
    where left_rank = 1 and right_rank = 1
    {%- if round > 1 %}
    union all
    select * from {{ prefix }}_won_{{ round - 1 }}
    {%- endif %}

),
    {%- endfor %}

{{ prefix }}_assigned as (

    select * from {{ prefix }}_won_{{ rounds }}

)
{%- endmacro %}

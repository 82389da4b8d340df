{#
    Fails for every row where `expression` is not true (false or null).
    `where` in the test config narrows the rows checked.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}

with

invoice_lines as (

    select * from {{ ref('invoice_lines') }}

),

credit_note_lines as (

    select * from {{ ref('credit_note_lines') }}

),

{%- set line_columns = [
    'document_id', 'document_type', 'line_id', 'subsidiary_id', 'customer_id',
    'currency', 'amount', 'product_id', 'product_family', 'revenue_account_number',
    'tax_code', 'document_date', 'period', 'salesforce_contract_id',
    'is_product_mapped', 'description', 'quantity', 'accounting_period_id', 'is_void',
] %}

final as (

    select
        {%- for column in line_columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from invoice_lines
    union all
    select
        {%- for column in line_columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from credit_note_lines

)

select * from final

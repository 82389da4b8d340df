-- NetSuite transaction lines with their account and signed amounts: debit minus
-- credit, in transaction currency (`amount`) and functional currency
-- (`amount_functional`).
with

transaction_lines as (

    select * from {{ ref('stg_netsuite__transaction_lines') }}

),

accounts as (

    select * from {{ ref('accounts') }}

),

final as (

    select
        {{ dbt.concat([
            dbt.safe_cast('transaction_lines.transaction_id', dbt.type_string()),
            "':'",
            dbt.safe_cast('transaction_lines.line_id', dbt.type_string()),
        ]) }} as gl_line_id,
        transaction_lines.transaction_id,
        transaction_lines.line_id,
        transaction_lines.is_main_line,
        transaction_lines.subsidiary_id,
        transaction_lines.account_id,
        accounts.account_number,
        accounts.account_type,
        accounts.account_role,
        coalesce(accounts.is_accounts_receivable, false) as is_accounts_receivable,
        transaction_lines.item_id,
        transaction_lines.class_name as product_family,
        transaction_lines.department_name,
        transaction_lines.location_name,
        transaction_lines.tax_code,
        transaction_lines.customer_id as netsuite_customer_id,
        transaction_lines.memo,
        transaction_lines.debit_foreign_amount,
        transaction_lines.credit_foreign_amount,
        transaction_lines.debit_amount,
        transaction_lines.credit_amount,
        transaction_lines.debit_foreign_amount - transaction_lines.credit_foreign_amount
            as amount,
        transaction_lines.debit_amount - transaction_lines.credit_amount as amount_functional
    from transaction_lines
    left join accounts
        on transaction_lines.account_id = accounts.account_id

)

select * from final

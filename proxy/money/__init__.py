"""Money: prices (price_table, pricing), the ledger, budgets and the /v1/usage endpoint."""

"""The subsidy engine (补贴): entitlements per cadre and month, rule calls, the ledger."""

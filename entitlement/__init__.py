"""Entitlements: what a household is entitled to, what it received, what it will pay back.

``entitlement.rules`` holds the regelingen as dated data and the engine that evaluates them; the
income, tax, received-amount and clawback modules beside it feed and use that engine.
"""

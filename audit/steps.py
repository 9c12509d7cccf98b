"""The audit app's daily step (SPEC section 15): see audit.pseudonymisation."""

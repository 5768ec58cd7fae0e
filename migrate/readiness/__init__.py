"""Readiness: what each route costs to move, from the scan facts."""

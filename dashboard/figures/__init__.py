"""Plotly figures as pure functions of domain results: no database, no request, no callback."""

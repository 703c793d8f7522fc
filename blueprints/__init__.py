"""HTTP: one package per thing the user does, plus shared request helpers."""

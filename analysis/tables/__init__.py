"""Generated lookup tables (see gen_tables.py beside them); do not edit the generated modules by hand."""

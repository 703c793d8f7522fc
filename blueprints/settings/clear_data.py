"""Clear Data: one button per kind of data, and one for all."""

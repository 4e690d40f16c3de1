"""Pages of the studios app: the unit's applications (list, detail, Annex 1 steps, submit,
withdraw), evidence files, and the city's deadline extension."""

"""The writes (and the count) of the results workflow, one module per concept."""

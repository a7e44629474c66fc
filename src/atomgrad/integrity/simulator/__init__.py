"""A simulator of a season's voting: scenarios that plan votes (`plan.py`, `scenarios.py`), and a runner that
casts them through the real vote path with simulated time and context. Ground truth stays in its own output."""

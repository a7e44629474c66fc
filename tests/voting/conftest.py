"""Fixtures of the voting tests.

Identity (issue 3, phone log-in): `sms_file` (the file SMS backend in a tmp folder), `clock` (a controllable
`timezone.now`) and `voting_season` (voting open, two cities, the voter consent text) live in
`tests/voting/otp_support.py` with the helpers that read codes from the SMS file.
"""

from tests.voting.otp_support import clock, sms_file, voting_season  # noqa: F401 - fixtures

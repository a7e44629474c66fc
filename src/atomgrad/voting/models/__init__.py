"""Voting data. `identity` holds who votes (pseudonymous keyed hashes, one-time codes, tokens);
`ballots` holds what was cast (votes, the ledger, receipts)."""

from atomgrad.voting.models.ballots import (  # noqa: F401
    AnnulmentReversal,
    CandidateTally,
    LedgerEntry,
    LedgerHead,
    LedgerKind,
    Vote,
    VoteAnnulment,
    VotingExtension,
)
from atomgrad.voting.models.identity import (  # noqa: F401
    Channel,
    ClientAddressLock,
    OneTimeCode,
    PhoneLockout,
    SeasonVoter,
    VoterIdentity,
    VoterToken,
)
from atomgrad.voting.models.signals import VoterSignal, VoteSignal  # noqa: F401

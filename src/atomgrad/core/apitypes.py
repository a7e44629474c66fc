"""Input types shared by the JSON API's operations: strict bodies and bounded numbers.

Bodies are JSON, so their types are checked strictly: `{"candidate": "984"}` or `{"candidate": true}` is refused
(422 `invalid_request`), never coerced into a vote. Path and query parameters arrive as text by nature and are
converted, but every number is bounded, so that no value reaches the database beyond what its columns hold (an
`offset` of 2^63 used to be a 500). The bounds appear in the OpenAPI document."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field

# The largest value of a 64-bit signed integer column (ids, offsets): both databases refuse more.
MAX_BIGINT = 2**63 - 1

# A database id: 1 … 2^63 − 1.
ObjectId = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
# A season's year.
Year = Annotated[int, Field(ge=1, le=9999)]
# A short identifier such as a city's or a sphere's slug, a receipt code.
Slug = Annotated[str, Field(min_length=1, max_length=64)]


class StrictIn(Schema):
    """A JSON body: no type coercion (a string is not a number, a boolean is not a number) and no unknown
    fields."""

    model_config = ConfigDict(strict=True, extra="forbid")

"""The ``match:`` section of a mapping: how a row's main entity finds an existing node.

A rule compares what the row's entity *becomes* (its ontology properties after mapping: country,
start date, place, sources) with what the stored nodes hold, so both sides are compared in the
same terms whatever the columns were called. Strict like the rest of the mapping format (unknown
keys are errors naming the key), and small on purpose: a researcher can read from the mapping
alone why two records were merged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The class each kind of rule matches, and the relationship that holds its country.
KIND_CLASS = {"incident": "Incident", "law": "Law"}
KIND_COUNTRY = {"incident": "country", "law": "jurisdiction"}


class MatchSpec(BaseModel):
    """``rule`` names the rule on every match it makes. ``incident``: same country
    (``csg:country``) and start dates at most ``tolerance_days`` apart; ``narrow`` lists the
    comparisons that decide between several candidates (``place``: ``csg:placeName``, both
    absent counts as agreeing; ``source_url``: a web address shared by the two nodes' sources).
    ``law``: same jurisdiction and the same title, normalised (case, accents, punctuation, a
    leading "the"), among the label and alternative labels of both."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = Field(min_length=1)
    kind: Literal["incident", "law"]
    tolerance_days: int = Field(default=0, ge=0, le=366)
    narrow: list[Literal["place", "source_url"]] = Field(default_factory=list)

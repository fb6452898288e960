"""The GraphQL documents the pages run, in process, against the same schema as ``/graphql``.

The pages are a view: they ask the API's own fields (``briefing`` with its ``sayDo``,
``incidentCounts``, ``countries``) and render the answer, so a page and a query never disagree.
"""

from __future__ import annotations

SOURCE = """fragment Src on Node {
  __typename iri label
  ... on Source { url }
  ... on Document { url }
  ... on SourceRecord { fileName rowNumber sheetYear sources { iri label ... on Source { url } } }
}"""

BRIEFING = (
    SOURCE
    + """
query BriefingPage($country: String!, $from: Date, $to: Date) {
  briefing(country: $country, from: $from, to: $to, first: 500) {
    country { iri label ... on Country { isoAlpha2 } sources { ...Src } }
    incidentCount
    incidents {
      incident { iri }
      laws { to { iri label } sources { ...Src } }
    }
    threats {
      threatType { iri label }
      incidentCount
      threatens { to { iri label } sources { ...Src } }
      addressedBy { from { __typename iri label } sources { ...Src } }
    }
    rights {
      right { iri label }
      protectedBy { from { __typename iri label ... on Resolution { symbol } } sources { ...Src } }
      restsOn { to { iri label } sources { ...Src } }
    }
    sayDo {
      state { iri label }
      incidentCount
      incidentsByYear { year count }
      incidentsByThreatAndYear { year count threatType { iri label } sources { ...Src } }
      incidents {
        incident { iri label ... on Incident { startDate endDate placeName } }
        threatTypes { iri label }
        rows { ...Src }
        sources { ...Src }
      }
      rightsRestricted { right { iri label } incidentCount sources { ...Src } }
      resolutions {
        resolution { iri label ... on Resolution { symbol adoptionDate title } }
        protectsRestrictedRight
        adoption
        protects { right { iri label } derived restricted sources { ...Src } }
        vote { choice date rollCall { iri label ... on RollCall { rollCallId } } }
        tally { yes no abstain absent recorded date sources { ...Src } }
        sources { ...Src }
      }
      humanRightsVotes {
        rollCalls yes no abstain firstVote lastVote
        focAgreement { compared agreed rate withoutMajority withoutFoc }
      }
      focMembership {
        year startDate endDate
        membership { iri label }
        sources { ...Src }
      }
      recentLoads { label ... on Load { loadedAt } }
    }
  }
}"""
)

INDEX = """
query BriefingIndex($text: String, $searching: Boolean!) {
  incidentCounts(by: COUNTRY) { count node { iri label ... on Country { isoAlpha2 } } }
  countries(filter: {text: $text}, first: 100) @include(if: $searching) {
    nodes { iri label ... on Country { isoAlpha2 } }
  }
}"""

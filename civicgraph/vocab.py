"""The closed Python namespace of the Civic Space Graph vocabulary.

Generated from ``ontology/*.ttl`` by ``civicgraph generate``; do not edit by hand. Referring to a
term that the ontology does not declare raises ``AttributeError``.
"""

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace


class CSG(DefinedNamespace):
    """Classes and properties of ``https://w3id.org/civic-space-graph/ontology#``."""

    _NS = Namespace("https://w3id.org/civic-space-graph/ontology#")
    _fail = True

    Actor: URIRef
    ActorCategory: URIRef
    Blogger: URIRef
    CallToAction: URIRef
    CivicSpaceRating: URIRef
    CivilSocietyOrganisation: URIRef
    Coalition: URIRef
    Company: URIRef
    Concept: URIRef
    ConceptScheme: URIRef
    Conference: URIRef
    Country: URIRef
    CyberActivist: URIRef
    Dataset: URIRef
    Declaration: URIRef
    DerivationRule: URIRef
    Document: URIRef
    Event: URIRef
    GAResolution: URIRef
    GovernmentBody: URIRef
    GuidingPrinciples: URIRef
    HRCResolution: URIRef
    HumanRightsDefender: URIRef
    Incident: URIRef
    InternationalOrganisation: URIRef
    Journalist: URIRef
    Law: URIRef
    LawCategory: URIRef
    LegalText: URIRef
    Load: URIRef
    MaliciousActor: URIRef
    Match: URIRef
    Membership: URIRef
    Order: URIRef
    Partnership: URIRef
    Person: URIRef
    Policy: URIRef
    PolicyDocument: URIRef
    RatingAssessment: URIRef
    Regulation: URIRef
    Resolution: URIRef
    Right: URIRef
    RollCall: URIRef
    Source: URIRef
    SourceRecord: URIRef
    State: URIRef
    Statement: URIRef
    ThreatType: URIRef
    Treaty: URIRef
    TreatyArticle: URIRef
    UNBody: URIRef
    ValueStatement: URIRef
    Vote: URIRef
    WomanHumanRightsDefender: URIRef
    addressesThreat: URIRef
    adoptedAt: URIRef
    adoptedBy: URIRef
    adoptedWithoutVote: URIRef
    adoptingInstrument: URIRef
    adoptionDate: URIRef
    affected: URIRef
    affectedService: URIRef
    articleNumber: URIRef
    articleOf: URIRef
    builtFrom: URIRef
    callsOn: URIRef
    carriedOutBy: URIRef
    cause: URIRef
    cites: URIRef
    comparedField: URIRef
    concernsLawCategory: URIRef
    concernsRight: URIRef
    country: URIRef
    countryOf: URIRef
    dataset: URIRef
    date: URIRef
    description: URIRef
    electionRelated: URIRef
    endDate: URIRef
    endorsedBy: URIRef
    entryIntoForce: URIRef
    establishedBy: URIRef
    fileName: URIRef
    foundingDocumentOf: URIRef
    geographicScope: URIRef
    hasCallToAction: URIRef
    humanRightsAbuseReported: URIRef
    importantVote: URIRef
    inLoad: URIRef
    invokedIn: URIRef
    invokedLaw: URIRef
    isAmendmentVote: URIRef
    isCurrent: URIRef
    isParagraphVote: URIRef
    isoAlpha2: URIRef
    isoAlpha3: URIRef
    issuedBy: URIRef
    jurisdiction: URIRef
    justification: URIRef
    justificationCategory: URIRef
    lawCategory: URIRef
    loadedAt: URIRef
    matchCandidate: URIRef
    matchOutcome: URIRef
    matchRule: URIRef
    matchScore: URIRef
    matchedNode: URIRef
    matchedRow: URIRef
    member: URIRef
    memberCount: URIRef
    members: URIRef
    memberships: URIRef
    misusedFor: URIRef
    noLongerListedIn: URIRef
    onResolution: URIRef
    onePerLanguage: URIRef
    orderedBy: URIRef
    organisation: URIRef
    organisedBy: URIRef
    partOf: URIRef
    placeName: URIRef
    protectsRight: URIRef
    publishedBy: URIRef
    ratedBy: URIRef
    ratedCountry: URIRef
    rating: URIRef
    reaffirms: URIRef
    recalls: URIRef
    recordedVotes: URIRef
    reportedType: URIRef
    restrictsRight: URIRef
    restsOn: URIRef
    rollCall: URIRef
    rollCallId: URIRef
    rowNumber: URIRef
    ruleVersion: URIRef
    session: URIRef
    sha256: URIRef
    sheetYear: URIRef
    startDate: URIRef
    startDateEstimated: URIRef
    statementProperty: URIRef
    statementSubject: URIRef
    statementValue: URIRef
    status: URIRef
    symbol: URIRef
    targeted: URIRef
    text: URIRef
    threatType: URIRef
    threatens: URIRef
    title: URIRef
    topic: URIRef
    url: URIRef
    violenceReported: URIRef
    voteChoice: URIRef
    voter: URIRef
    votes: URIRef
    votesCast: URIRef
    wikidataId: URIRef
    worksWith: URIRef
    year: URIRef


ID = Namespace("https://w3id.org/civic-space-graph/id/")
"""Base of the IRIs the project mints for entities (use ``civicgraph.iris.mint``)."""

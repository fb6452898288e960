"""Links derived by declared rules (``*.yaml`` here), written as RDF through the loader with the
rule as their only source, so the API can tell them from sourced facts."""

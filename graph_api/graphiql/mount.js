// Mounts GraphiQL on #graphiql, sending queries to the endpoint that served the page.
// React, ReactDOM and GraphiQL are the globals of the pinned UMD bundles loaded before it.
(function () {
  "use strict";
  const EXAMPLE = [
    "# Countries of the reference data, with their names.",
    "# Run with Ctrl-Enter or the play button; the docs are under the book icon.",
    "{",
    "  countries(first: 5) {",
    "    totalCount",
    "    nodes { id label }",
    "  }",
    "}",
    "",
  ].join("\n");
  const container = document.getElementById("graphiql");
  const fetcher = GraphiQL.createFetcher({ url: container.dataset.endpoint });
  ReactDOM.createRoot(container).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: EXAMPLE }),
  );
})();

// Mounts GraphiQL (vendored in this folder) with the explorer plugin and the header editor.
// Kept out of the HTML so the page's Content-Security-Policy can forbid inline scripts.
/* global React, ReactDOM, GraphiQL, GraphiQLPluginExplorer */
"use strict";

const DEFAULT_QUERY = `# GraphiQL for the catalog service: Ctrl-Enter runs, Ctrl-Space completes; the book icon
# (top left) opens the schema docs, the compass opens the explorer.
#
# Mutations need a bearer token. Get one with
#   catalog token --scope catalog:write --scope inventory:write --scope orders:write --scope orders:read
# then open "Headers" below and paste:
#   {"Authorization": "Bearer <token>"}

query Search {
  searchProducts(query: "oak", first: 5) {
    totalCount
    edges { node { id sku name brand price { amount currency } stock { available } } }
    facets { brands { value count } }
  }
}
`;

const DEFAULT_HEADERS = `{
  "Authorization": "Bearer <paste a token from \`catalog token\` here, or delete this line>"
}`;

const endpoint = new URL("/graphql", window.location.href).toString();

function withoutPlaceholderToken(headers) {
  // The default header text is an instruction, not a token: sending it would turn every anonymous query into
  // an UNAUTHENTICATED one.
  const authorization = headers && (headers.Authorization || headers.authorization);
  if (typeof authorization === "string" && authorization.includes("<paste")) {
    const rest = { ...headers };
    delete rest.Authorization;
    delete rest.authorization;
    return rest;
  }
  return headers;
}

const createdFetcher = GraphiQL.createFetcher({ url: endpoint });

function fetcher(params, options) {
  return createdFetcher(params, { ...options, headers: withoutPlaceholderToken(options && options.headers) });
}

function CatalogGraphiQL() {
  const explorer = React.useMemo(() => GraphiQLPluginExplorer.explorerPlugin(), []);
  return React.createElement(GraphiQL, {
    fetcher,
    plugins: [explorer],
    defaultQuery: DEFAULT_QUERY,
    defaultHeaders: DEFAULT_HEADERS,
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    inputValueDeprecation: true,
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(CatalogGraphiQL));

// GraphiQL for Switchboard's /playground. Everything it needs is bundled
// by build.mjs into dist/ and served by the binary: the page loads nothing
// from anywhere but this server.
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { setNonce } from 'get-nonce';
import 'graphiql/style.css';
import './playground.css';

// The page's CSP admits <style> elements only with the nonce of this
// response, which the server puts on this script's tag. GraphiQL's dialogs
// add one (react-remove-scroll, through get-nonce): hand it the nonce.
setNonce(document.currentScript?.nonce || '');

// The endpoint is this server's /graphql, over HTTP for queries and
// mutations and over WebSocket (graphql-transport-ws) for subscriptions.
const httpURL = new URL('/graphql', window.location.href);
const wsURL = new URL(httpURL);
wsURL.protocol = httpURL.protocol === 'https:' ? 'wss:' : 'ws:';

// The headers editor's JSON is sent with every HTTP request and, for a
// subscription, as the connection_init payload, so one
// {"Authorization": "Bearer <token>"} serves both.
const fetcher = createGraphiQLFetcher({
  url: httpURL.href,
  subscriptionUrl: wsURL.href,
  enableIncrementalDelivery: false,
});

const defaultQuery = `# Welcome to Switchboard's GraphQL playground.
#
# 1. Sign up (or logIn) and copy the token from the answer:
#
#    mutation {
#      signUp(input: {email: "ada@example.com", password: "correct horse",
#        name: "Ada", businessName: "Ada Ltd", acceptTerms: true, confirmAdult: true}) {
#        token
#      }
#    }
#
# 2. Open the Headers tab below and put in:
#
#    { "Authorization": "Bearer <token>" }
#
# 3. Run this (Ctrl-Enter). Subscriptions, such as
#    subscription { inboxEvents { kind occurredAt } }, run over a
#    WebSocket with the same header.

{
  me {
    email
    name
    role
  }
}
`;

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL fetcher={fetcher} defaultQuery={defaultQuery} defaultEditorToolsVisibility="headers" />,
);

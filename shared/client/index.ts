/**
 * What the samples' client CLIs share (`npm run client -w <sample>`): the command line, the
 * confirmation prompt, and the checks of a stateless deployment. Import it as
 * `@mcp-on-aws/shared/client`; nothing under a `src/` does, so it never ships in an image or a bundle.
 */
export { check, runClientCli, textOf, type ClientCli, type ClientRun, type ConfirmAnswer } from './cli';
export { checkStateless, ERAS, type Era } from './stateless';
// What the client prints of a session: the tag the server's logs and `ping` use, never the id, which is a credential.
export { sessionTag } from '../src/http/request-log';

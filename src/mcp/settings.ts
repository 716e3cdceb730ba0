/** Defaults of `trackio-cli mcp`, kept apart so the command line loads them without the MCP SDK. */
export const DEFAULT_HOST = "127.0.0.1";
/** Trackio's dashboard port: a config written for Trackio's MCP server finds us there. */
export const DEFAULT_PORT = 7860;
export const TOKEN_ENV = "TRACKIO_CLI_MCP_TOKEN";
/** Shorter bearer tokens can be guessed; `openssl rand -hex 32` gives 64 characters. */
export const MIN_TOKEN_LENGTH = 16;
